//! What the tool knows about one image, and reading image indexes.

use std::time::SystemTime;

/// OCI image index and Docker manifest list: manifests that reference other manifests.
pub const INDEX_MEDIA_TYPES: [&str; 2] = [
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
];

/// One image of a repository, deduplicated by digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    pub digest: String,
    /// Sorted, no duplicates; empty when untagged.
    pub tags: Vec<String>,
    pub pushed_at: Option<SystemTime>,
    /// `imageManifestMediaType`.
    pub media_type: Option<String>,
    /// `subjectManifestDigest`: the image this artifact (a signature, an SBOM) refers to.
    pub subject: Option<String>,
    /// `imageStatus` (ACTIVE, ARCHIVED, ACTIVATING), when the API says: reported as
    /// `status` in the `--json` document, so a report tells archived images apart.
    pub status: Option<String>,
}

impl Image {
    /// A bare image with only a digest (tests, and images the API names without details).
    pub fn new(digest: &str) -> Image {
        Image {
            digest: digest.to_owned(),
            tags: Vec::new(),
            pushed_at: None,
            media_type: None,
            subject: None,
            status: None,
        }
    }

    /// An image index or manifest list.
    pub fn is_index(&self) -> bool {
        self.media_type
            .as_deref()
            .is_some_and(|m| INDEX_MEDIA_TYPES.contains(&m))
    }

    /// `tag1,tag2` (empty when untagged).
    pub fn tag_list(&self) -> String {
        self.tags.join(",")
    }

    /// Merge another record of the same digest (the API lists an image once per page it
    /// appears on; a repeated digest must not be deleted twice or lose tags).
    pub fn merge(&mut self, other: Image) {
        self.tags.extend(other.tags);
        self.tags.sort();
        self.tags.dedup();
        if self.pushed_at.is_none() {
            self.pushed_at = other.pushed_at;
        }
        if self.media_type.is_none() {
            self.media_type = other.media_type;
        }
        if self.subject.is_none() {
            self.subject = other.subject;
        }
        if self.status.is_none() {
            self.status = other.status;
        }
    }
}

/// Deduplicate by digest, keeping first-seen order and merging tags.
pub fn dedupe(images: Vec<Image>) -> Vec<Image> {
    let mut index = std::collections::HashMap::<String, usize>::new();
    let mut out: Vec<Image> = Vec::with_capacity(images.len());
    for mut image in images {
        image.tags.sort();
        image.tags.dedup();
        if let Some(&i) = index.get(&image.digest) {
            out[i].merge(image);
        } else {
            index.insert(image.digest.clone(), out.len());
            out.push(image);
        }
    }
    out
}

/// The digests an image index or manifest list references (`manifests[].digest`).
pub fn index_children(manifest: &str) -> Result<Vec<String>, String> {
    let value: serde_json::Value = serde_json::from_str(manifest).map_err(|e| {
        format!(
            "the manifest is not JSON (line {}, column {}): {e}",
            e.line(),
            e.column()
        )
    })?;
    let Some(manifests) = value.get("manifests") else {
        return Err("the manifest has no \"manifests\" list".to_owned());
    };
    let Some(list) = manifests.as_array() else {
        return Err("\"manifests\" is not a list".to_owned());
    };
    let mut children = Vec::with_capacity(list.len());
    for (i, entry) in list.iter().enumerate() {
        match entry.get("digest").and_then(serde_json::Value::as_str) {
            Some(d) => children.push(d.to_owned()),
            None => return Err(format!("manifests[{i}] has no \"digest\" string")),
        }
    }
    Ok(children)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_index_children() {
        let m = r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json",
            "manifests":[{"digest":"sha256:a","platform":{"os":"linux"}},{"digest":"sha256:b"}]}"#;
        assert_eq!(index_children(m).unwrap(), ["sha256:a", "sha256:b"]);
        assert!(index_children("{").unwrap_err().contains("line 1"));
        assert!(
            index_children("{}")
                .unwrap_err()
                .contains("no \"manifests\"")
        );
        assert!(
            index_children(r#"{"manifests":[{"size":1}]}"#)
                .unwrap_err()
                .contains("manifests[0]")
        );
    }

    #[test]
    fn dedupe_merges_tags_by_digest() {
        let mut a = Image::new("sha256:a");
        a.tags = vec!["v2".into()];
        let mut a2 = Image::new("sha256:a");
        a2.tags = vec!["v1".into(), "v2".into()];
        a2.media_type = Some(INDEX_MEDIA_TYPES[0].into());
        let b = Image::new("sha256:b");
        let out = dedupe(vec![a, b, a2]);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].tags, ["v1", "v2"]);
        assert!(out[0].is_index());
        assert_eq!(out[0].tag_list(), "v1,v2");
        assert_eq!(out[1].tag_list(), "");
    }
}
