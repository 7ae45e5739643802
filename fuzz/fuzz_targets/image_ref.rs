//! `ecs_taskdef::image_ref::ImageRef::parse` over any text.
//!
//! What must hold, besides no panic:
//! - a parsed reference prints back as the text it came from (`to_string gives the text
//!   back`), and `FromStr` agrees with `parse`;
//! - it is within ECS's limits: a name of at most `MAX_NAME` characters, a tag of 1 to
//!   `MAX_TAG`, a digest of `sha256:` and 64 hex digits; no space or control character;
//! - an ECR registry has a 12-digit account and a region;
//! - an error lists every problem with its kind (as many kinds as problems, at least one).

#![no_main]

use ecs_taskdef::image_ref::{ImageRef, MAX_NAME, MAX_TAG};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match ImageRef::parse(text) {
        Ok(image) => {
            assert_eq!(image.to_string(), text);
            assert_eq!(text.parse::<ImageRef>().as_ref(), Ok(&image));
            assert!(image.name().len() <= MAX_NAME);
            assert!(!image.repository.is_empty());
            assert!(!text.chars().any(|c| c.is_whitespace() || c.is_control()));
            if let Some(tag) = &image.tag {
                assert!(!tag.is_empty() && tag.len() <= MAX_TAG, "tag {tag:?}");
            }
            if let Some(digest) = &image.digest {
                assert_eq!(digest.len(), "sha256:".len() + 64, "digest {digest:?}");
            }
            if let Some(ecr) = image.ecr() {
                assert_eq!(ecr.account.len(), 12);
                assert!(ecr.account.bytes().all(|b| b.is_ascii_digit()));
                assert!(!ecr.region.is_empty());
            }
        }
        Err(e) => {
            assert!(!e.problems.is_empty());
            assert_eq!(e.problems.len(), e.kinds.len());
            assert!(!e.kinds_only().is_empty());
            assert!(!e.to_string().is_empty());
            assert_eq!(text.parse::<ImageRef>(), Err(e));
        }
    }
});
