//! Redaction touches only what came from outside (GitHub's answers, gh's stderr), and only
//! with the values the run sends: the tool's own words stay as they are, whatever the values.

use test_support::http::Reply;

use crate::common::{stderr_of, tool};
use crate::fake_github::{FakeGithub, TOKEN};
use crate::via_gh::StandIn;

/// A `terraform output -json` file in a temporary directory.
pub fn outputs_file(json: &str) -> tempfile::NamedTempFile {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), json).unwrap();
    file
}

#[test]
fn a_short_sensitive_value_does_not_garble_the_summary() {
    let fake = FakeGithub::start();
    fake.script("PUT", "secrets/A", Reply::status(503), 1);
    let input = outputs_file(
        r#"{"a": {"sensitive": true, "value": "not"}, "b": {"sensitive": true, "value": "set"}}"#,
    );
    let out = tool()
        .env("GITHUB_API_URL", fake.url())
        .env("GH_TOKEN", TOKEN)
        .arg("-f")
        .arg(input.path())
        .args(["--to-github", "octo/app", "--retries", "0", "A=a", "B=b"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stderr = stderr_of(&out);
    assert!(
        stderr.ends_with(
            "tf-secrets: error: 2 of 2 not set in repository octo/app: failed: A; not \
             attempted after that failure: B; 0 set; a re-run sets them all again\n"
        ),
        "{stderr}"
    );
}

#[test]
fn gh_is_redacted_only_with_the_values_it_was_given() {
    // `pw2` is sensitive but not selected: its value (`HTTP`) is not sent, so gh cannot
    // quote it, and gh's own `HTTP 422` stays.
    let gh = StandIn::new("DB");
    let input = outputs_file(
        r#"{"pw": {"sensitive": true, "value": "s3cret-pw"}, "pw2": {"sensitive": true, "value": "HTTP"}}"#,
    );
    let out = tool()
        .env("PATH", gh.path_env())
        .arg("-f")
        .arg(input.path())
        .args(["--to-github", "octo/app", "--via-gh", "DB=pw"])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stderr = stderr_of(&out);
    assert!(
        stderr.contains(
            "tf-secrets: error: secret DB: not set: gh exited with 1: HTTP 422: could not set DB to ***\n"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("s3cret-pw"), "{stderr}");
}

#[test]
fn quiet_silences_status_lines_never_errors() {
    let fake = FakeGithub::start();
    let run = |extra: &[&str]| {
        tool()
            .env("GITHUB_API_URL", fake.url())
            .env("GH_TOKEN", TOKEN)
            .arg("-f")
            .arg(crate::common::fixture("outputs"))
            .args(["--to-github", "octo/app", "DB_PASSWORD=db_password"])
            .args(extra)
            .output()
            .unwrap()
    };
    let loud = run(&[]);
    assert!(
        stderr_of(&loud).contains("secret DB_PASSWORD\n"),
        "{}",
        stderr_of(&loud)
    );
    let quiet = run(&["-q"]);
    assert_eq!(quiet.status.code(), Some(0));
    assert_eq!(stderr_of(&quiet), "");
    let dry = run(&["--quiet", "--dry-run"]);
    assert_eq!(dry.status.code(), Some(0));
    assert_eq!(stderr_of(&dry), "");
    assert!(!dry.stdout.is_empty(), "the plan is data: it stays");
    // errors still show
    fake.script("PUT", "secrets/DB_PASSWORD", Reply::status(503), 1);
    let failed = run(&["-q", "--retries", "0"]);
    assert_eq!(failed.status.code(), Some(1));
    let stderr = stderr_of(&failed);
    assert!(
        stderr.starts_with("tf-secrets: error: secret DB_PASSWORD: not set: HTTP 503")
            && stderr.ends_with("1 of 1 not set in repository octo/app: failed: DB_PASSWORD; 0 set; a re-run sets them all again\n"),
        "{stderr}"
    );
}
