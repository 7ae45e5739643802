//! Under GitHub Actions, deleted / kept / failed per repository appended to
//! `$GITHUB_STEP_SUMMARY`, a dry run marked as one, an AWS error named where it happened.

use test_support::http::{Reply, Server};
use test_support::moto::Moto;
use test_support::step_summary::StepSummary;

use crate::common::{create_repo, manifest, offline, push, push_many, tool};

const HEADER: &str = "| Repository | Images | Deleted | Kept | Failed | Notes |\n\
                      |---|---|---|---|---|---|\n";

#[test]
fn a_dry_run_then_a_purge_report_their_counts() {
    let moto = Moto::shared().lock();
    create_repo(&moto, "app");
    push_many(&moto, "app", "s", 3);
    let s = StepSummary::new();
    s.env(&mut tool(&moto))
        .args([
            "--dry-run",
            "--keep-latest",
            "1",
            "app",
            "absent",
            "--missing-ok",
        ])
        .assert()
        .success();
    assert_eq!(
        s.report(),
        "## ecr-purge: dry run, nothing deleted\n\n\
         | Repository | Images | Would delete | Kept | Failed | Notes |\n|---|---|---|---|---|---|\n\
         | `app` | 3 | 2 | 1 |  |  |\n\
         | `absent` |  |  |  |  | missing (--missing-ok) |\n\n"
    );
    let s = StepSummary::new();
    s.env(&mut tool(&moto))
        .args(["--yes", "--delete-repository", "app"])
        .assert()
        .success();
    assert_eq!(
        s.report(),
        format!("## ecr-purge: done\n\n{HEADER}| `app` | 3 | 3 | 0 | 0 | repository deleted |\n\n")
    );
}

#[test]
fn failures_are_counted() {
    let moto = Moto::shared().lock();
    create_repo(&moto, "app");
    push(&moto, "app", &manifest("good"), &["v1"]);
    // The emulator refuses to delete a malformed digest (InvalidImageDigest).
    let body = serde_json::json!({"repositoryName": "app", "imageManifest": manifest("bad"),
                                  "imageDigest": "sha256:zz", "imageTag": "broken"});
    moto.call("ecr", crate::common::PUT_IMAGE, &body);
    let s = StepSummary::new();
    s.env(&mut tool(&moto))
        .args(["--yes", "--delete-repository", "app"])
        .assert()
        .code(1);
    assert_eq!(
        s.report(),
        format!(
            "## ecr-purge: failed\n\n{HEADER}| `app` | 2 | 1 | 0 | **1** | **repository not \
             deleted** |\n\n"
        )
    );
}

fn aws_env(cmd: &mut assert_cmd::Command, endpoint: &str) {
    cmd.envs([
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_REGION", "us-east-2"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("AWS_CONFIG_FILE", "/dev/null"),
        ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null"),
        ("AWS_MAX_ATTEMPTS", "1"),
        ("AWS_ENDPOINT_URL", endpoint),
    ]);
}

#[test]
fn hostile_text_from_aws_is_escaped() {
    // An answer whose message carries markup, a table separator, a line break, backticks.
    let server = Server::start(|_| {
        Reply::json(
            400,
            &serde_json::json!({
                "__type": "RepositoryNotFoundException",
                "message": "<script>alert(1)</script> | *x*\n```\n@team"
            }),
        )
        .header("x-amzn-ErrorType", "RepositoryNotFoundException")
    });
    let s = StepSummary::new();
    let mut cmd = offline();
    aws_env(&mut cmd, &server.url(""));
    s.env(&mut cmd).args(["--yes", "app"]).assert().code(1);
    let md = s.report();
    assert!(
        md.starts_with(&format!("## ecr-purge: failed\n\n{HEADER}| `app` |")),
        "{md}"
    );
    assert!(!md.contains("<script>"), "{md}");
    assert!(!md.contains("```"), "{md}");
    assert!(
        md.contains("&lt;script&gt;alert(1)&lt;/script&gt; \\| \\*x\\* \\`\\`\\` \\@<!-- -->team"),
        "{md}"
    );
    let row = md.lines().nth(4).unwrap();
    assert_eq!(row.replace("\\|", "").matches('|').count(), 7, "{row}");
}

#[test]
fn nothing_without_github_actions_nor_for_usage_errors() {
    let moto = Moto::shared().lock();
    create_repo(&moto, "app");
    let s = StepSummary::new();
    tool(&moto)
        .env("GITHUB_STEP_SUMMARY", &s.path)
        .args(["--dry-run", "app"])
        .assert()
        .success();
    assert!(s.untouched());
    s.env(&mut tool(&moto))
        .args(["--dry-run", "--older-than", "14", "app"])
        .assert()
        .code(2);
    // No terminal to confirm on: a usage error, nothing deleted, nothing reported.
    s.env(&mut tool(&moto)).arg("app").assert().code(2);
    assert!(s.untouched());
}
