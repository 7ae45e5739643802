//! ecr-purge's repository arguments (`repo::parse_target`: a name, a repository URI or an
//! ARN; `validate_name`, `validate_registry_id`, `close_names`), its tag patterns
//! (`--tag`, `--keep-tag`: `selection::TagGlobs`) and the image index manifests it reads
//! (`image::index_children`).
//!
//! The input is a selector byte (modulo 3: argument, tag patterns, manifest) and the text;
//! tag patterns are one a line, then a line `--` and tags, one a line.
//!
//! What must hold, besides no panic:
//! - a name is accepted exactly when ECR's own pattern
//!   (`[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*`, 2 to 256
//!   characters) accepts it; a target's name is a valid name, its registry 12 digits, its
//!   region a word of lowercase letters, digits and hyphens; the same repository written
//!   as an ARN parses to the same target;
//! - `close_names` gives at most 3 names, none equal to the name asked for, all from the
//!   candidates;
//! - tag patterns compile or the error names the flag; a pattern without glob characters
//!   matches itself, and every match names a given tag and pattern;
//! - an index's children are the `digest` strings of its `manifests`.

#![no_main]

use std::sync::LazyLock;

use ecr_purge::image::index_children;
use ecr_purge::repo::{close_names, parse_target, validate_name, validate_registry_id};
use ecr_purge::selection::TagGlobs;
use libfuzzer_sys::fuzz_target;
use regex::Regex;

static NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$").unwrap()
});

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    match selector % 3 {
        0 => target(text),
        1 => globs(text),
        _ => manifest(text),
    }
});

fn target(text: &str) {
    let len = text.chars().count();
    assert_eq!(
        validate_name(text).is_ok(),
        (2..=256).contains(&len) && NAME.is_match(text),
        "{text:?}"
    );
    assert_eq!(
        validate_registry_id(text).is_ok(),
        text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
    );
    let candidates: Vec<String> = text.split(',').map(str::to_owned).collect();
    let close = close_names(text.split(',').next().unwrap_or_default(), &candidates);
    assert!(close.len() <= 3);
    for c in &close {
        assert!(candidates.iter().any(|k| k == c));
        assert_ne!(*c, text.split(',').next().unwrap_or_default());
    }

    let Ok(target) = parse_target(text) else {
        return;
    };
    validate_name(&target.name).unwrap();
    assert_eq!(target.to_string(), target.name);
    assert!(text.contains(&target.name));
    if let Some(id) = &target.registry_id {
        validate_registry_id(id).unwrap();
    }
    if let Some(region) = &target.region {
        assert!(
            !region.is_empty()
                && region
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "region {region:?} of {text:?}"
        );
        let id = target
            .registry_id
            .as_deref()
            .expect("a region comes with a registry");
        let arn = format!("arn:aws:ecr:{region}:{id}:repository/{}", target.name);
        assert_eq!(parse_target(&arn).as_ref(), Ok(&target), "{arn}");
    }
}

fn globs(text: &str) {
    let (patterns, tags) = text.split_once("\n--\n").unwrap_or((text, ""));
    let patterns: Vec<String> = patterns.lines().map(str::to_owned).collect();
    let tags: Vec<String> = tags.lines().map(str::to_owned).collect();
    let globs = match TagGlobs::new("--keep-tag", &patterns) {
        Ok(Some(globs)) => globs,
        Ok(None) => {
            assert!(patterns.is_empty());
            return;
        }
        Err(e) => {
            assert!(e.starts_with("--keep-tag"), "{e}");
            return;
        }
    };
    if let Some((tag, pattern)) = globs.matching(&tags) {
        assert!(tags.iter().any(|t| t == tag));
        assert!(patterns.iter().any(|p| p == pattern));
    }
    for p in &patterns {
        if !p.contains(['*', '?', '[', ']', '{', '}', '\\', '!']) {
            let one = [p.clone()];
            let (tag, _) = globs
                .matching(&one)
                .expect("a literal pattern matches itself");
            assert_eq!(tag, p);
        }
    }
}

fn manifest(text: &str) {
    let Ok(children) = index_children(text) else {
        return;
    };
    let value: serde_json::Value = serde_json::from_str(text).unwrap();
    let manifests = value["manifests"].as_array().unwrap();
    assert_eq!(children.len(), manifests.len());
    for (child, entry) in children.iter().zip(manifests) {
        assert_eq!(entry["digest"].as_str(), Some(child.as_str()));
    }
}
