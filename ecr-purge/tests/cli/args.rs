//! Arguments checked before any AWS call: every one of these runs without an endpoint,
//! region or credentials, so a call would fail differently.

use predicates::prelude::*;

use crate::common::offline;

fn usage_error(args: &[&str], expected: &str) {
    offline()
        .args(args)
        .write_stdin("")
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(expected));
}

#[test]
fn invalid_repository_names_say_what_and_where() {
    usage_error(&["--yes", "My-App"], "character 'M' at position 1");
    usage_error(&["--yes", "My-App"], "did you mean \"my-app\"");
    usage_error(
        &["--yes", "team//app"],
        "empty path component at position 6",
    );
    usage_error(
        &["--yes", "app-"],
        "must end with a letter or digit at position 4",
    );
    usage_error(&["--yes", "app:v1"], "not an image");
    usage_error(&["--yes", "a"], "too short");
    usage_error(
        &[
            "--yes",
            "123456789012.dkr.ecr.us-east-2.amazonaws.com/app:latest",
        ],
        "names an image, not a repository",
    );
}

#[test]
fn an_invalid_name_stops_the_run_before_any_repository_is_touched() {
    // The valid first name is not purged: validation happens before any call.
    usage_error(&["--yes", "good", "Bad"], "\"Bad\"");
}

#[test]
fn a_full_purge_needs_yes_without_a_terminal() {
    offline()
        .args(["app", "web"])
        .write_stdin("y\n")
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::starts_with(
            "ecr-purge: error: without a selector this deletes every image of app, web, and \
             there is no terminal to confirm on: nothing was deleted; add --yes to delete, or \
             --dry-run to see what would go",
        ));
}

#[test]
fn a_prune_needs_yes_without_a_terminal_too() {
    // `--older-than 14` once deleted every image of a repository in CI because a selector
    // was taken for consent. Any selector or protection: exit 2 before any call (there is
    // no endpoint, region or credentials here: a call would fail differently).
    for selector in [
        &["--untagged-only"][..],
        &["--tagged-only"],
        &["--older-than", "14d"],
        &["--tag", "pr-*"],
        &["--keep-latest", "3"],
        &["--keep-tag", "prod"],
    ] {
        let mut args = selector.to_vec();
        args.push("app");
        offline()
            .args(&args)
            .write_stdin("y\n")
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::starts_with(
                "ecr-purge: error: this deletes the selected images of app, and there is no \
                 terminal to confirm on: nothing was deleted; add --yes to delete, or --dry-run \
                 to see what would go\n",
            ));
    }
}

#[test]
fn delete_repository_is_for_full_purges_only() {
    for selector in [
        &["--untagged-only"][..],
        &["--tagged-only"],
        &["--older-than", "1d"],
        &["--tag", "v*"],
        &["--keep-latest", "3"],
        &["--keep-tag", "prod"],
    ] {
        let mut args = vec!["--yes", "--delete-repository", "app"];
        args.extend_from_slice(selector);
        usage_error(&args, "--delete-repository deletes whole repositories");
    }
}

#[test]
fn contradictory_and_malformed_flags() {
    usage_error(
        &["--yes", "--untagged-only", "--tagged-only", "app"],
        "cannot be used with",
    );
    usage_error(
        &["--untagged-only", "--tag", "v1", "app"],
        "cannot be used with",
    );
    usage_error(
        &["--older-than", "soon", "app"],
        "expected e.g. 30s, 1m30s, 500ms, 14d",
    );
    usage_error(&["--older-than", "0s", "app"], "more than zero");
    usage_error(&["--tag", "v[1", "app"], "--tag \"v[1\"");
    usage_error(&["--keep-tag", "", "app"], "empty pattern");
    usage_error(&["--keep-latest=-1", "app"], "--keep-latest");
    usage_error(&["--concurrency", "0", "app"], "--concurrency");
    usage_error(&["--concurrency", "33", "app"], "--concurrency");
    usage_error(&["--registry-id", "12345", "--yes", "app"], "twelve digits");
    usage_error(&[], "REPOSITORY");
}

#[test]
fn uris_and_flags_must_agree() {
    let uri = "123456789012.dkr.ecr.us-east-2.amazonaws.com/app";
    usage_error(
        &["--yes", "--region", "eu-west-1", uri],
        "is in region us-east-2, but --region says eu-west-1",
    );
    usage_error(
        &["--yes", "--registry-id", "210987654321", uri],
        "is in registry 123456789012",
    );
    usage_error(
        &[
            "--yes",
            uri,
            "arn:aws:ecr:eu-west-1:123456789012:repository/web",
        ],
        "different regions",
    );
}

#[test]
fn no_region_is_a_usage_error() {
    offline()
        .args(["--yes", "app"])
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("no AWS region"));
}

#[test]
fn help_shows_the_exit_codes_and_the_readme_has_the_same_table() {
    let out = offline()
        .arg("--help")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let help = String::from_utf8(out).unwrap();
    let section = test_support::docs::assert_readme_has_exit_status(
        env!("CARGO_MANIFEST_DIR"),
        "ecr-purge",
        &help,
    );
    assert!(section.contains("  2  usage"), "{section}");
}

#[test]
fn generates_completions_and_a_man_page() {
    offline()
        .args(["--generate", "complete-bash"])
        .assert()
        .success()
        .stdout(predicate::str::contains("--keep-latest"));
    offline()
        .args(["--generate", "man"])
        .assert()
        .success()
        .stdout(predicate::str::contains(".TH ecr-purge"));
}

#[test]
fn keep_latest_0_is_not_a_silent_full_purge() {
    // It would protect nothing, yet skip --yes, the confirmation and the emptiness check.
    for args in [
        &["--keep-latest", "0", "app"][..],
        &["--keep-latest", "0", "--dry-run", "app"],
        &["--keep-latest", "0", "--untagged-only", "app"],
    ] {
        usage_error(
            args,
            "--keep-latest 0 keeps nothing; for a full purge drop it and pass --yes",
        );
    }
}

#[test]
fn dual_stack_uris_are_uris() {
    // Parsed as URIs (registry and region), not taken for a repository name.
    let uri = "123456789012.dkr-ecr.us-east-2.on.aws/team/app";
    usage_error(
        &["--yes", "--region", "eu-west-1", uri],
        "is in region us-east-2, but --region says eu-west-1",
    );
    usage_error(
        &["--yes", "--registry-id", "210987654321", uri],
        "is in registry 123456789012",
    );
    usage_error(
        &["--yes", "123456789012.dkr-ecr.us-east-2.on.aws/app:v1"],
        "names an image, not a repository",
    );
}

#[test]
fn ecr_public_and_schemes_are_refused_before_any_call() {
    // With --missing-ok these used to reach DescribeImages as names and "succeed".
    for arg in [
        "public.ecr.aws/my-alias/app",
        "ecr-public.aws.com/my-alias/app",
        "arn:aws:ecr-public::123456789012:repository/app",
    ] {
        usage_error(
            &["--yes", "--delete-repository", "--missing-ok", arg],
            "not supported: ecr-purge works on private registries",
        );
    }
    usage_error(
        &[
            "--yes",
            "https://123456789012.dkr.ecr.us-east-2.amazonaws.com/app",
        ],
        "drop the scheme (https://)",
    );
    offline()
        .args(["--yes", "oci://app"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("drop the scheme (oci://)"))
        .stderr(predicate::str::contains("drop the tag or digest").not());
}
