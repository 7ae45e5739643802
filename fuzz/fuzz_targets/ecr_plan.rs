//! ecr-purge's decision (`plan::plan`): which images of a repository go and which stay,
//! for any images (tags, push times, image indexes and their children, artifacts and their
//! subjects, cycles) and any selection (`--untagged-only`, `--tagged-only`,
//! `--older-than`, `--tag`, `--keep-latest`, `--keep-tag`).
//!
//! The input is decoded with `arbitrary::Unstructured`: digests, tags and patterns come
//! from small pools, so that images share them.
//!
//! What must hold, besides no panic:
//! - every image is either deleted or kept, once; with no selector and no protection
//!   everything is deleted;
//! - nothing deleted has a tag matching `--keep-tag`, nor is one of the `--keep-latest`
//!   newest top-level images (newest first, ties by digest);
//! - a deleted image is picked by the selectors, or is untagged and owned (a child of an
//!   index, an artifact of a subject) by images that all go;
//! - nothing owned by a kept image is deleted (a child of a kept index, an artifact whose
//!   subject stays);
//! - the deletions list indexes before other images.

#![no_main]

use std::collections::{HashMap, HashSet};
use std::time::{Duration, SystemTime};

use ecr_purge::image::{INDEX_MEDIA_TYPES, Image, dedupe};
use ecr_purge::plan::plan;
use ecr_purge::selection::{Selection, TagGlobs};
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;

const DIGESTS: [&str; 8] = [
    "sha256:0", "sha256:1", "sha256:2", "sha256:3", "sha256:4", "sha256:5", "sha256:6", "sha256:7",
];
const TAGS: [&str; 6] = ["v1", "v2", "latest", "prod", "release-1", "prod-2"];
const PATTERNS: [&str; 6] = ["v*", "prod*", "latest", "*", "release-?", "v[12]"];
const HOUR: Duration = Duration::from_hours(1);

fn now() -> SystemTime {
    SystemTime::UNIX_EPOCH + HOUR * 300
}

fn image(u: &mut Unstructured<'_>) -> Result<Image> {
    let mut image = Image::new(u.choose(&DIGESTS)?);
    for tag in TAGS {
        if u.ratio(1, 4)? {
            image.tags.push(tag.to_owned());
        }
    }
    image.pushed_at = if u.ratio(1, 8)? {
        None
    } else {
        Some(SystemTime::UNIX_EPOCH + HOUR * u32::from(u.int_in_range(0..=400u16)?))
    };
    image.media_type = match u.int_in_range(0..=3u8)? {
        0 => Some(INDEX_MEDIA_TYPES[0].to_owned()),
        1 => Some(INDEX_MEDIA_TYPES[1].to_owned()),
        2 => Some("application/vnd.oci.image.manifest.v1+json".to_owned()),
        _ => None,
    };
    if u.ratio(1, 4)? {
        image.subject = Some((*u.choose(&DIGESTS)?).to_owned());
    }
    Ok(image)
}

fn globs(u: &mut Unstructured<'_>, flag: &str) -> Result<Option<TagGlobs>> {
    let mut patterns = Vec::new();
    for p in PATTERNS {
        if u.ratio(1, 5)? {
            patterns.push(p.to_owned());
        }
    }
    Ok(TagGlobs::new(flag, &patterns).expect("the patterns compile"))
}

/// The images, each index's children (by digest), and the selection.
type Input = (Vec<Image>, HashMap<String, Vec<String>>, Selection);

fn input(u: &mut Unstructured<'_>) -> Result<Input> {
    let mut images = Vec::new();
    for _ in 0..u.int_in_range(0..=10u8)? {
        images.push(image(u)?);
    }
    let images = dedupe(images);
    let mut children = HashMap::new();
    for image in images.iter().filter(|i| i.is_index()) {
        let mut kids = Vec::new();
        for d in DIGESTS {
            if u.ratio(1, 3)? {
                kids.push(d.to_owned());
            }
        }
        children.insert(image.digest.clone(), kids);
    }
    let selection = Selection {
        untagged_only: u.ratio(1, 6)?,
        tagged_only: u.ratio(1, 6)?,
        older_than: if u.ratio(1, 3)? {
            Some(HOUR * u32::from(u.int_in_range(0..=300u16)?))
        } else {
            None
        },
        tags: globs(u, "--tag")?,
        keep_latest: if u.ratio(1, 3)? {
            Some(u.int_in_range(1..=5usize)?)
        } else {
            None
        },
        keep_tags: globs(u, "--keep-tag")?,
    };
    Ok((images, children, selection))
}

fuzz_target!(|data: &[u8]| {
    let Ok((images, children, selection)) = input(&mut Unstructured::new(data)) else {
        return;
    };
    let now = now();
    let result = plan(images.clone(), &children, &selection, now);

    let digests = |list: &mut dyn Iterator<Item = &Image>| {
        let mut d: Vec<String> = list.map(|i| i.digest.clone()).collect();
        d.sort();
        d
    };
    let mut all = digests(
        &mut result
            .delete
            .iter()
            .chain(result.keep.iter().map(|(i, _)| i)),
    );
    let before = all.len();
    all.dedup();
    assert_eq!(all.len(), before, "an image decided twice");
    assert_eq!(all, digests(&mut images.iter()), "an image lost or added");
    if selection.is_full() {
        assert!(result.keep.is_empty());
    }

    let present: HashSet<&str> = images.iter().map(|i| i.digest.as_str()).collect();
    let deleted: HashSet<&str> = result.delete.iter().map(|i| i.digest.as_str()).collect();
    let kept: HashSet<&str> = result.keep.iter().map(|(i, _)| i.digest.as_str()).collect();
    // owner -> owned, for present images other than themselves.
    let mut owned_by: Vec<(&str, &str)> = Vec::new();
    for (parent, kids) in &children {
        for kid in kids {
            if kid != parent && present.contains(kid.as_str()) {
                owned_by.push((parent.as_str(), kid.as_str()));
            }
        }
    }
    for image in &images {
        if let Some(subject) = &image.subject
            && subject != &image.digest
            && present.contains(subject.as_str())
        {
            owned_by.push((subject.as_str(), image.digest.as_str()));
        }
    }
    let is_owned = |d: &str| owned_by.iter().any(|(_, kid)| *kid == d);

    for image in &result.delete {
        if let Some(keep) = &selection.keep_tags {
            assert!(
                keep.matching(&image.tags).is_none(),
                "{image:?} has a kept tag"
            );
        }
        assert!(
            selection.is_full()
                || selection.selects(image, now)
                || (image.tags.is_empty() && is_owned(&image.digest)),
            "{image:?} deleted but not selected"
        );
    }
    if !selection.is_full() {
        for (owner, kid) in &owned_by {
            if kept.contains(owner) {
                assert!(
                    !deleted.contains(kid),
                    "{kid} deleted, its owner {owner} kept"
                );
            }
        }
    }
    if let Some(n) = selection.keep_latest {
        let mut top: Vec<&Image> = images.iter().filter(|i| !is_owned(&i.digest)).collect();
        top.sort_by(|a, b| {
            b.pushed_at
                .cmp(&a.pushed_at)
                .then_with(|| a.digest.cmp(&b.digest))
        });
        for image in top.iter().take(n) {
            assert!(
                !deleted.contains(image.digest.as_str()),
                "{image:?} is among the newest"
            );
        }
    }
    let first_plain = result
        .delete
        .iter()
        .position(|i| !i.is_index())
        .unwrap_or(result.delete.len());
    assert!(
        result.delete[first_plain..].iter().all(|i| !i.is_index()),
        "indexes first"
    );
});
