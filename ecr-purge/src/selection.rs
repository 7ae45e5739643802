//! What to delete and what to protect: selectors (AND) and protections (which win), as the
//! command line gives them.

use std::time::{Duration, SystemTime};

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::image::Image;

/// A set of tag globs, with the patterns kept for messages.
#[derive(Debug, Clone)]
pub struct TagGlobs {
    patterns: Vec<String>,
    set: GlobSet,
}

impl TagGlobs {
    /// Compile `patterns`; the error names the bad pattern and the flag.
    pub fn new(flag: &str, patterns: &[String]) -> Result<Option<TagGlobs>, String> {
        if patterns.is_empty() {
            return Ok(None);
        }
        let mut builder = GlobSetBuilder::new();
        for p in patterns {
            if p.is_empty() {
                return Err(format!("{flag}: an empty pattern matches no tag"));
            }
            let glob = Glob::new(p).map_err(|e| format!("{flag} {p:?}: {}", e.kind()))?;
            builder.add(glob);
        }
        let set = builder
            .build()
            .map_err(|e| format!("{flag}: {}", e.kind()))?;
        Ok(Some(TagGlobs {
            patterns: patterns.to_vec(),
            set,
        }))
    }

    /// The first of `tags` that matches, and the pattern it matches.
    pub fn matching<'a>(&'a self, tags: &'a [String]) -> Option<(&'a str, &'a str)> {
        tags.iter().find_map(|t| {
            self.set
                .matches(t)
                .first()
                .map(|&i| (t.as_str(), self.patterns[i].as_str()))
        })
    }
}

/// What to delete and what to protect. Selectors combine with AND; protections win.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub untagged_only: bool,
    pub tagged_only: bool,
    pub older_than: Option<Duration>,
    pub tags: Option<TagGlobs>,
    pub keep_latest: Option<usize>,
    pub keep_tags: Option<TagGlobs>,
}

impl Selection {
    /// Everything goes: no selector, no protection.
    pub fn is_full(&self) -> bool {
        !self.has_selector() && self.keep_latest.is_none() && self.keep_tags.is_none()
    }

    pub fn has_selector(&self) -> bool {
        self.untagged_only || self.tagged_only || self.older_than.is_some() || self.tags.is_some()
    }

    /// Whether the selectors pick `image` (ignoring protections).
    pub fn selects(&self, image: &Image, now: SystemTime) -> bool {
        if self.untagged_only && !image.tags.is_empty() {
            return false;
        }
        if self.tagged_only && image.tags.is_empty() {
            return false;
        }
        if let Some(age) = self.older_than {
            let old_enough = image
                .pushed_at
                .is_some_and(|t| now.duration_since(t).is_ok_and(|d| d >= age));
            if !old_enough {
                return false;
            }
        }
        if let Some(globs) = &self.tags
            && globs.matching(&image.tags).is_none()
        {
            return false;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: Duration = Duration::from_hours(24);

    fn now() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_hours(500_000)
    }

    #[test]
    fn images_without_push_time_are_not_old() {
        let mut i = Image::new("nodate");
        i.tags.clear();
        let sel = Selection {
            older_than: Some(DAY),
            ..Selection::default()
        };
        assert!(!sel.selects(&i, now()));
        assert!(!sel.is_full());
        assert!(Selection::default().is_full());
    }

    #[test]
    fn bad_globs_are_named() {
        let err = TagGlobs::new("--tag", &["v[1".to_owned()]).unwrap_err();
        assert!(err.starts_with("--tag \"v[1\""), "{err}");
        assert!(
            TagGlobs::new("--keep-tag", &[String::new()])
                .unwrap_err()
                .contains("empty")
        );
        assert!(TagGlobs::new("--tag", &[]).unwrap().is_none());
    }
}
