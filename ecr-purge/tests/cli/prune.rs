//! Selectors and protections against the emulator: exactly the right images go.

use std::collections::BTreeSet;
use std::time::Duration;

use predicates::prelude::*;
use test_support::moto::Moto;

use crate::common::{create_repo, images, manifest, parse_lines, push, push_multiarch, tool};

fn keys<V>(m: &std::collections::BTreeMap<String, V>) -> BTreeSet<String> {
    m.keys().cloned().collect()
}

fn set(items: &[&String]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).clone()).collect()
}

#[test]
fn keep_latest_keeps_the_newest_top_level_images_and_their_platform_manifests() {
    let moto = Moto::shared().lock();
    create_repo(&moto, "app");
    let old: Vec<String> = (0..4)
        .map(|i| push(&moto, "app", &manifest(&format!("old{i}")), &[]))
        .collect();
    let (old_index, old_children) = push_multiarch(&moto, "app", "old-multi", 2, &["v1"]);
    // The emulator stamps pushes to the second: the newer images get a later second.
    std::thread::sleep(Duration::from_millis(1_100));
    let (new_index, new_children) = push_multiarch(&moto, "app", "new-multi", 2, &["v2"]);
    let new1 = push(&moto, "app", &manifest("new1"), &["v3", "latest"]);
    let new2 = push(&moto, "app", &manifest("new2"), &[]);

    let out = tool(&moto)
        .args(["--yes", "--keep-latest", "3", "app"])
        .assert()
        .success();
    let deleted = parse_lines(&out.get_output().stdout, "app");
    let mut expected = set(&old.iter().collect::<Vec<_>>());
    expected.insert(old_index.clone());
    expected.extend(old_children.iter().cloned());
    assert_eq!(keys(&deleted), expected);
    assert_eq!(deleted[&old_index], ["v1"]);
    let left = keys(&images(&moto, "app"));
    assert_eq!(
        left,
        set(&[&new_index, &new_children[0], &new_children[1], &new1, &new2])
    );
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains("kept 5 (2 child-of-kept-index, 3 keep-latest)"),
        "{stderr}"
    );
}

#[test]
fn untagged_only_leaves_tagged_images_and_the_platform_manifests_of_tagged_indexes() {
    let moto = Moto::shared().lock();
    create_repo(&moto, "app");
    let tagged = push(&moto, "app", &manifest("t"), &["v1"]);
    let stray1 = push(&moto, "app", &manifest("s1"), &[]);
    let stray2 = push(&moto, "app", &manifest("s2"), &[]);
    let (kept_index, kept_children) = push_multiarch(&moto, "app", "k", 3, &["prod"]);
    // An index whose tag moved on: untagged, it goes with its platform manifests.
    let (orphan_index, orphan_children) = push_multiarch(&moto, "app", "o", 2, &[]);

    let out = tool(&moto)
        .args(["--yes", "--untagged-only", "app"])
        .assert()
        .success();
    let deleted = parse_lines(&out.get_output().stdout, "app");
    let mut expected = set(&[&stray1, &stray2, &orphan_index]);
    expected.extend(orphan_children.iter().cloned());
    assert_eq!(keys(&deleted), expected);
    let mut left = set(&[&tagged, &kept_index]);
    left.extend(kept_children.iter().cloned());
    assert_eq!(keys(&images(&moto, "app")), left);
    // Children of the kept index are kept, not errors.
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains("kept 5 (3 child-of-kept-index, 2 not-selected)"),
        "{stderr}"
    );
    assert!(!stderr.contains("error"), "{stderr}");
}

#[test]
fn tag_and_keep_tag_select_by_glob_and_protection_wins() {
    let moto = Moto::shared().lock();
    create_repo(&moto, "app");
    let pr1 = push(&moto, "app", &manifest("pr1"), &["pr-1"]);
    let (pr2, pr2_children) = push_multiarch(&moto, "app", "pr2", 2, &["pr-2"]);
    let rel = push(&moto, "app", &manifest("rel"), &["release-1"]);
    let both = push(&moto, "app", &manifest("both"), &["pr-3", "release-2"]);
    let untagged = push(&moto, "app", &manifest("u"), &[]);

    // A dry run first: the plan, nothing deleted.
    let args = ["--tag", "pr-*", "--keep-tag", "release-*", "app"];
    let dry = tool(&moto).arg("--dry-run").args(args).assert().success();
    let planned = parse_lines(&dry.get_output().stdout, "app");
    assert_eq!(images(&moto, "app").len(), 7);

    let out = tool(&moto).arg("--yes").args(args).assert().success();
    let deleted = parse_lines(&out.get_output().stdout, "app");
    assert_eq!(deleted, planned);
    let mut expected = set(&[&pr1, &pr2]);
    expected.extend(pr2_children.iter().cloned());
    assert_eq!(keys(&deleted), expected);
    assert_eq!(keys(&images(&moto, "app")), set(&[&rel, &both, &untagged]));
}

#[test]
fn older_than_keeps_recent_pushes() {
    // The emulator cannot backdate a push, so only "nothing is old enough" is observable
    // here; old images are covered with mocks (src/mock_tests.rs).
    let moto = Moto::shared().lock();
    create_repo(&moto, "app");
    push(&moto, "app", &manifest("a"), &["v1"]);
    push(&moto, "app", &manifest("b"), &[]);
    tool(&moto)
        .args(["--yes", "--older-than", "1h", "app"])
        .assert()
        .success()
        .stdout("")
        .stderr(predicate::str::contains("deleted 0 images"));
    assert_eq!(images(&moto, "app").len(), 2);
}

#[test]
fn registry_id_and_repository_uris_address_the_same_repository() {
    let moto = Moto::shared().lock();
    create_repo(&moto, "team/web");
    let d = push(&moto, "team/web", &manifest("w"), &["v1"]);
    let uri = format!(
        "{}.dkr.ecr.{}.amazonaws.com/team/web",
        test_support::moto::ACCOUNT,
        test_support::moto::REGION
    );
    let out = tool(&moto)
        .args(["--yes", "--tagged-only", &uri])
        .assert()
        .success();
    assert_eq!(
        keys(&parse_lines(&out.get_output().stdout, "team/web")),
        set(&[&d])
    );

    // Another account's registry: the emulator knows no such repository there.
    tool(&moto)
        .args([
            "--yes",
            "--registry-id",
            "210987654321",
            "--tagged-only",
            "team/web",
        ])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(
            "team/web: no such repository in registry 210987654321, region us-east-2",
        ));
}

#[test]
fn a_dual_stack_uri_addresses_the_repository() {
    let moto = Moto::shared().lock();
    create_repo(&moto, "team/web");
    let d = push(&moto, "team/web", &manifest("w"), &["v1"]);
    push(&moto, "team/web", &manifest("u"), &[]);
    let uri = format!(
        "{}.dkr-ecr.{}.on.aws/team/web",
        test_support::moto::ACCOUNT,
        test_support::moto::REGION
    );
    let out = tool(&moto)
        .args(["--yes", "--tagged-only", &uri])
        .assert()
        .success();
    assert_eq!(
        keys(&parse_lines(&out.get_output().stdout, "team/web")),
        set(&[&d])
    );
    assert_eq!(images(&moto, "team/web").len(), 1);
}

#[test]
fn a_prune_without_yes_deletes_nothing_where_there_is_no_terminal() {
    let moto = Moto::shared().lock();
    create_repo(&moto, "app");
    push(&moto, "app", &manifest("a"), &["v1"]);
    push(&moto, "app", &manifest("b"), &[]);
    push(&moto, "app", &manifest("c"), &[]);
    for args in [
        &["--keep-latest", "1", "app"][..],
        &["--untagged-only", "app"],
    ] {
        tool(&moto)
            .args(args)
            .write_stdin("yes\n")
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains(
                "add --yes to delete, or --dry-run",
            ));
    }
    assert_eq!(images(&moto, "app").len(), 3, "nothing was deleted");
}
