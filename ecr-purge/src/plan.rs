//! Which images go and which stay: the selection applied to top-level images, and the
//! ownership of platform manifests by their indexes and of artifacts by their subjects.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::time::SystemTime;

use crate::image::Image;
use crate::selection::Selection;

/// Why an image stays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeepReason {
    /// The selectors do not pick it.
    NotSelected,
    /// `--keep-tag`: the tag and the pattern it matches.
    KeepTag { tag: String, pattern: String },
    /// `--keep-latest`: its rank among the newest top-level images (1 = newest).
    Latest(usize),
    /// A platform manifest (or nested index) of an index that stays.
    ChildOfKept(String),
    /// An artifact (signature, SBOM) whose subject stays.
    ReferrerOfKept(String),
    /// Part of a reference cycle between indexes: left alone.
    Cycle,
}

impl KeepReason {
    /// A short category for summaries and JSON.
    pub fn category(&self) -> &'static str {
        match self {
            KeepReason::NotSelected => "not-selected",
            KeepReason::KeepTag { .. } => "keep-tag",
            KeepReason::Latest(_) => "keep-latest",
            KeepReason::ChildOfKept(_) => "child-of-kept-index",
            KeepReason::ReferrerOfKept(_) => "referrer-of-kept-image",
            KeepReason::Cycle => "reference-cycle",
        }
    }
}

impl fmt::Display for KeepReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeepReason::NotSelected => f.write_str("not selected"),
            KeepReason::KeepTag { tag, pattern } => {
                write!(f, "tag {tag} matches --keep-tag {pattern}")
            }
            KeepReason::Latest(rank) => write!(f, "newest #{rank} (--keep-latest)"),
            KeepReason::ChildOfKept(parent) => write!(f, "in kept index {parent}"),
            KeepReason::ReferrerOfKept(subject) => write!(f, "refers to kept image {subject}"),
            KeepReason::Cycle => f.write_str("in a reference cycle between indexes"),
        }
    }
}

/// The decision for a repository.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    /// What goes, indexes first, then the rest; each group oldest first.
    pub delete: Vec<Image>,
    /// What stays, and why.
    pub keep: Vec<(Image, KeepReason)>,
}

impl Plan {
    pub fn index_count(&self) -> usize {
        self.delete.iter().filter(|i| i.is_index()).count()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owner {
    Index,
    Subject,
}

type Owners = HashMap<String, Vec<(String, Owner)>>;

/// Who owns each image: the indexes that list it, the subject it refers to.
fn owners_of(images: &[Image], children: &HashMap<String, Vec<String>>) -> Owners {
    let present: HashSet<&str> = images.iter().map(|i| i.digest.as_str()).collect();
    // owners[child] = [(owner digest, kind)]
    let mut owners = Owners::new();
    for (parent, kids) in children {
        if !present.contains(parent.as_str()) {
            continue;
        }
        for kid in kids {
            if kid != parent && present.contains(kid.as_str()) {
                let list = owners.entry(kid.clone()).or_default();
                if !list.iter().any(|(p, _)| p == parent) {
                    list.push((parent.clone(), Owner::Index));
                }
            }
        }
    }
    for image in images {
        if let Some(subject) = &image.subject
            && subject != &image.digest
            && present.contains(subject.as_str())
        {
            let list = owners.entry(image.digest.clone()).or_default();
            if !list.iter().any(|(p, _)| p == subject) {
                list.push((subject.clone(), Owner::Subject));
            }
        }
    }
    owners
}

/// Decide. `children` maps an index's digest to the digests it references (read with
/// BatchGetImage); digests not in `images` are ignored.
pub fn plan(
    images: Vec<Image>,
    children: &HashMap<String, Vec<String>>,
    selection: &Selection,
    now: SystemTime,
) -> Plan {
    if selection.is_full() {
        return Plan {
            delete: order(images, &HashMap::new()),
            keep: Vec::new(),
        };
    }
    let owners = owners_of(&images, children);

    // --keep-latest counts top-level images only: newest first, ties by digest.
    let mut top: Vec<&Image> = images
        .iter()
        .filter(|i| !owners.contains_key(&i.digest))
        .collect();
    top.sort_by(|a, b| {
        b.pushed_at
            .cmp(&a.pushed_at)
            .then_with(|| a.digest.cmp(&b.digest))
    });
    let latest: HashMap<&str, usize> = top
        .iter()
        .take(selection.keep_latest.unwrap_or(0))
        .enumerate()
        .map(|(rank, i)| (i.digest.as_str(), rank + 1))
        .collect();

    // Some(None) = delete, Some(Some(reason)) = keep.
    let mut decided: HashMap<String, Option<KeepReason>> = HashMap::new();
    for image in &images {
        if owners.contains_key(&image.digest) {
            continue;
        }
        let decision = if !selection.selects(image, now) {
            Some(KeepReason::NotSelected)
        } else if let Some((tag, pattern)) = selection
            .keep_tags
            .as_ref()
            .and_then(|g| g.matching(&image.tags))
        {
            Some(KeepReason::KeepTag {
                tag: tag.to_owned(),
                pattern: pattern.to_owned(),
            })
        } else {
            latest
                .get(image.digest.as_str())
                .map(|&r| KeepReason::Latest(r))
        };
        decided.insert(image.digest.clone(), decision);
    }

    decide_owned(&images, &owners, &mut decided, selection, now);

    // Only indexes are ordered by depth (see `order`).
    let mut depths = HashMap::new();
    for image in images.iter().filter(|i| i.is_index()) {
        depth(&image.digest, &owners, &mut depths, &mut HashSet::new());
    }
    let mut delete = Vec::new();
    let mut keep = Vec::new();
    for image in images {
        match decided.remove(&image.digest) {
            Some(None) => delete.push(image),
            Some(Some(reason)) => keep.push((image, reason)),
            None => keep.push((image, KeepReason::Cycle)),
        }
    }
    Plan {
        delete: order(delete, &depths),
        keep,
    }
}

/// Owned images follow their owners: kept if any owner stays; when all go, an untagged
/// one goes with them and a tagged one goes only if the selectors pick it too. Images in a
/// cycle stay undecided.
fn decide_owned(
    images: &[Image],
    owners: &Owners,
    decided: &mut HashMap<String, Option<KeepReason>>,
    selection: &Selection,
    now: SystemTime,
) {
    loop {
        let mut changed = false;
        for image in images {
            if decided.contains_key(&image.digest) {
                continue;
            }
            let Some(list) = owners.get(&image.digest) else {
                continue;
            };
            let kept_owner = list
                .iter()
                .find(|(p, _)| matches!(decided.get(p), Some(Some(_))));
            let decision = if let Some((p, kind)) = kept_owner {
                Some(match kind {
                    Owner::Index => KeepReason::ChildOfKept(p.clone()),
                    Owner::Subject => KeepReason::ReferrerOfKept(p.clone()),
                })
            } else if list
                .iter()
                .all(|(p, _)| matches!(decided.get(p), Some(None)))
            {
                if let Some((tag, pattern)) = selection
                    .keep_tags
                    .as_ref()
                    .and_then(|g| g.matching(&image.tags))
                {
                    Some(KeepReason::KeepTag {
                        tag: tag.to_owned(),
                        pattern: pattern.to_owned(),
                    })
                } else if !image.tags.is_empty() && !selection.selects(image, now) {
                    Some(KeepReason::NotSelected)
                } else {
                    None
                }
            } else {
                continue;
            };
            decided.insert(image.digest.clone(), decision);
            changed = true;
        }
        if !changed {
            break;
        }
    }
}

/// How many indexes stand above `digest` (0 for a top-level image); cycles count as 0.
fn depth(
    digest: &str,
    owners: &Owners,
    memo: &mut HashMap<String, usize>,
    visiting: &mut HashSet<String>,
) -> usize {
    if let Some(&d) = memo.get(digest) {
        return d;
    }
    if !visiting.insert(digest.to_owned()) {
        return 0;
    }
    let d = owners.get(digest).map_or(0, |list| {
        list.iter()
            .filter(|(_, kind)| *kind == Owner::Index)
            .map(|(p, _)| depth(p, owners, memo, visiting) + 1)
            .max()
            .unwrap_or(0)
    });
    visiting.remove(digest);
    memo.insert(digest.to_owned(), d);
    d
}

/// Indexes first (outer before nested), then the rest; each group oldest first, ties by
/// digest.
fn order(mut images: Vec<Image>, depths: &HashMap<String, usize>) -> Vec<Image> {
    let depth_of = |i: &Image| {
        if i.is_index() {
            depths.get(&i.digest).copied().unwrap_or(0)
        } else {
            0
        }
    };
    images.sort_by(|a, b| {
        b.is_index()
            .cmp(&a.is_index())
            .then_with(|| depth_of(a).cmp(&depth_of(b)))
            .then_with(|| a.pushed_at.cmp(&b.pushed_at))
            .then_with(|| a.digest.cmp(&b.digest))
    });
    images
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    use crate::image::INDEX_MEDIA_TYPES;
    use crate::selection::TagGlobs;

    const DAY: Duration = Duration::from_hours(24);

    fn now() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_hours(500_000)
    }

    fn img(digest: &str, tags: &[&str], days_old: u64) -> Image {
        let mut i = Image::new(digest);
        i.tags = tags.iter().map(|t| (*t).to_owned()).collect();
        i.pushed_at = Some(now() - DAY * u32::try_from(days_old).unwrap());
        i
    }

    fn index(digest: &str, tags: &[&str], days_old: u64) -> Image {
        let mut i = img(digest, tags, days_old);
        i.media_type = Some(INDEX_MEDIA_TYPES[0].to_owned());
        i
    }

    fn globs(flag: &str, p: &[&str]) -> Option<TagGlobs> {
        let p: Vec<String> = p.iter().map(|s| (*s).to_owned()).collect();
        TagGlobs::new(flag, &p).unwrap()
    }

    fn digests(images: &[Image]) -> Vec<&str> {
        images.iter().map(|i| i.digest.as_str()).collect()
    }

    fn kept(plan: &Plan) -> Vec<(&str, String)> {
        let mut k: Vec<_> = plan
            .keep
            .iter()
            .map(|(i, r)| (i.digest.as_str(), r.to_string()))
            .collect();
        k.sort();
        k
    }

    /// i1 (tagged v1) -> c1a, c1b; i2 (untagged) -> c2a; s (v0, plain image); u (untagged).
    fn repo() -> (Vec<Image>, HashMap<String, Vec<String>>) {
        let images = vec![
            img("c1a", &[], 10),
            img("c1b", &[], 10),
            index("i1", &["v1"], 10),
            img("c2a", &[], 30),
            index("i2", &[], 30),
            img("s", &["v0"], 40),
            img("u", &[], 2),
        ];
        let children = HashMap::from([
            ("i1".to_owned(), vec!["c1a".to_owned(), "c1b".to_owned()]),
            ("i2".to_owned(), vec!["c2a".to_owned(), "gone".to_owned()]),
        ]);
        (images, children)
    }

    #[test]
    fn full_purge_deletes_everything_indexes_first() {
        let (images, children) = repo();
        let p = plan(images, &children, &Selection::default(), now());
        assert_eq!(
            digests(&p.delete),
            ["i2", "i1", "s", "c2a", "c1a", "c1b", "u"]
        );
        assert!(p.keep.is_empty());
        assert_eq!(p.index_count(), 2);
    }

    #[test]
    fn untagged_only_spares_children_of_tagged_indexes() {
        let (images, children) = repo();
        let sel = Selection {
            untagged_only: true,
            ..Selection::default()
        };
        let p = plan(images, &children, &sel, now());
        assert_eq!(digests(&p.delete), ["i2", "c2a", "u"]);
        assert_eq!(
            kept(&p),
            [
                ("c1a", "in kept index i1".to_owned()),
                ("c1b", "in kept index i1".to_owned()),
                ("i1", "not selected".to_owned()),
                ("s", "not selected".to_owned()),
            ]
        );
    }

    #[test]
    fn tagged_only_takes_the_platform_manifests_along() {
        let (images, children) = repo();
        let sel = Selection {
            tagged_only: true,
            ..Selection::default()
        };
        let p = plan(images, &children, &sel, now());
        assert_eq!(digests(&p.delete), ["i1", "s", "c1a", "c1b"]);
    }

    #[test]
    fn keep_latest_counts_top_level_images_only() {
        let (images, children) = repo();
        let sel = Selection {
            keep_latest: Some(2),
            ..Selection::default()
        };
        let p = plan(images, &children, &sel, now());
        // top level by age: u (2d), i1 (10d), i2 (30d), s (40d)
        assert_eq!(digests(&p.delete), ["i2", "s", "c2a"]);
        assert_eq!(
            kept(&p),
            [
                ("c1a", "in kept index i1".to_owned()),
                ("c1b", "in kept index i1".to_owned()),
                ("i1", "newest #2 (--keep-latest)".to_owned()),
                ("u", "newest #1 (--keep-latest)".to_owned()),
            ]
        );
    }

    #[test]
    fn keep_latest_breaks_ties_by_digest() {
        let images = vec![img("b", &[], 1), img("a", &[], 1), img("c", &[], 1)];
        let sel = Selection {
            keep_latest: Some(1),
            ..Selection::default()
        };
        let p = plan(images, &HashMap::new(), &sel, now());
        assert_eq!(kept(&p), [("a", "newest #1 (--keep-latest)".to_owned())]);
        assert_eq!(digests(&p.delete), ["b", "c"]);
    }

    #[test]
    fn older_than_and_tag_globs_combine_with_and() {
        let images = vec![
            img("old-pr", &["pr-1"], 20),
            img("new-pr", &["pr-2"], 1),
            img("old-rel", &["release-1"], 20),
            img("old-both", &["pr-3", "release-2"], 20),
        ];
        let sel = Selection {
            older_than: Some(DAY * 14),
            tags: globs("--tag", &["pr-*"]),
            keep_tags: globs("--keep-tag", &["release-*"]),
            ..Selection::default()
        };
        let p = plan(images, &HashMap::new(), &sel, now());
        assert_eq!(digests(&p.delete), ["old-pr"]);
        assert_eq!(
            kept(&p),
            [
                ("new-pr", "not selected".to_owned()),
                (
                    "old-both",
                    "tag release-2 matches --keep-tag release-*".to_owned()
                ),
                ("old-rel", "not selected".to_owned()),
            ]
        );
    }

    #[test]
    fn tagged_platform_manifests_need_their_own_selection() {
        let images = vec![
            index("i", &["v1"], 5),
            img("amd64", &["v1-amd64"], 5),
            img("arm", &[], 5),
        ];
        let children =
            HashMap::from([("i".to_owned(), vec!["amd64".to_owned(), "arm".to_owned()])]);
        let sel = Selection {
            tags: globs("--tag", &["v1"]),
            ..Selection::default()
        };
        let p = plan(images, &children, &sel, now());
        assert_eq!(digests(&p.delete), ["i", "arm"]);
        assert_eq!(kept(&p), [("amd64", "not selected".to_owned())]);
    }

    #[test]
    fn a_child_of_two_indexes_stays_while_one_stays() {
        let images = vec![
            index("a", &["keep"], 5),
            index("b", &["drop"], 5),
            img("shared", &[], 5),
        ];
        let children = HashMap::from([
            ("a".to_owned(), vec!["shared".to_owned()]),
            ("b".to_owned(), vec!["shared".to_owned()]),
        ]);
        let sel = Selection {
            keep_tags: globs("--keep-tag", &["keep"]),
            ..Selection::default()
        };
        let p = plan(images, &children, &sel, now());
        assert_eq!(digests(&p.delete), ["b"]);
        assert_eq!(kept(&p)[1], ("shared", "in kept index a".to_owned()));
    }

    #[test]
    fn referrers_follow_their_subject() {
        let mut sig_kept = img("sig-v1", &[], 3);
        sig_kept.subject = Some("v1".to_owned());
        let mut sig_gone = img("sig-u", &[], 3);
        sig_gone.subject = Some("u".to_owned());
        let mut orphan = img("sig-orphan", &[], 3);
        orphan.subject = Some("deleted-long-ago".to_owned());
        let images = vec![
            img("v1", &["v1"], 3),
            img("u", &[], 3),
            sig_kept,
            sig_gone,
            orphan,
        ];
        let sel = Selection {
            untagged_only: true,
            ..Selection::default()
        };
        let p = plan(images, &HashMap::new(), &sel, now());
        let mut d = digests(&p.delete);
        d.sort_unstable();
        assert_eq!(d, ["sig-orphan", "sig-u", "u"]);
        assert_eq!(
            kept(&p)[0],
            ("sig-v1", "refers to kept image v1".to_owned())
        );
    }

    #[test]
    fn nested_indexes_and_cycles() {
        let images = vec![
            index("outer", &[], 5),
            index("inner", &[], 5),
            img("leaf", &[], 5),
            index("x", &[], 5),
            index("y", &[], 5),
        ];
        let children = HashMap::from([
            ("outer".to_owned(), vec!["inner".to_owned()]),
            ("inner".to_owned(), vec!["leaf".to_owned()]),
            ("x".to_owned(), vec!["y".to_owned()]),
            ("y".to_owned(), vec!["x".to_owned()]),
        ]);
        let sel = Selection {
            untagged_only: true,
            ..Selection::default()
        };
        let p = plan(images, &children, &sel, now());
        assert_eq!(digests(&p.delete), ["outer", "inner", "leaf"]);
        assert_eq!(
            kept(&p),
            [
                ("x", "in a reference cycle between indexes".to_owned()),
                ("y", "in a reference cycle between indexes".to_owned()),
            ]
        );
    }
}
