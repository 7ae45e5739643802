//! What GitHub refuses (401, 403, 404, 422), an API that cannot be reached, and what is
//! refused before any call (no token, plain HTTP).

use predicates::prelude::*;
use test_support::http::Reply;

use super::{to, to_with};
use crate::common::{fixture, stderr_of, tool};
use crate::fake_github::{FakeGithub, TOKEN};

#[test]
fn a_rejected_token_fails_before_any_write() {
    let fake = FakeGithub::start();
    let out = to_with(&fake, "GH_TOKEN", "wrong")
        .args(["--to-github", "octo/app", "DB_PASSWORD=db_password"])
        .assert()
        .code(1)
        .stdout("")
        .get_output()
        .clone();
    assert_eq!(
        stderr_of(&out),
        "tf-secrets: error: nothing was written: cannot read the public key of repository \
         octo/app: HTTP 401 Unauthorized: Bad credentials: GitHub rejected the token in \
         GH_TOKEN: it is wrong, expired or revoked\n"
    );
    assert!(fake.writes().is_empty());
}

#[test]
fn a_403_explains_that_the_workflow_token_cannot_write_secrets() {
    let fake = FakeGithub::start();
    fake.script(
        "GET",
        "secrets/public-key",
        Reply::json(
            403,
            &serde_json::json!({"message": "Resource not accessible by integration"}),
        ),
        1,
    );
    let out = to_with(&fake, "GITHUB_TOKEN", TOKEN)
        .args(["--to-github", "octo/app", "DB_PASSWORD=db_password"])
        .assert()
        .code(1)
        .stdout("")
        .get_output()
        .clone();
    let stderr = stderr_of(&out);
    assert!(
        stderr.contains("HTTP 403 Forbidden: Resource not accessible by integration: the token in GITHUB_TOKEN may not write secrets in repository octo/app. The workflow's own GITHUB_TOKEN cannot write secrets or variables"),
        "{stderr}"
    );
    assert!(stderr.contains("\"Secrets\" permission"), "{stderr}");
    assert!(fake.writes().is_empty());
}

#[test]
fn missing_repository_or_environment_is_a_404_with_a_hint() {
    let fake = FakeGithub::start();
    to(&fake)
        .args(["--to-github", "octo/nope", "DB_PASSWORD=db_password"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(
            "HTTP 404 Not Found: Not Found: repository octo/nope does not exist or the token cannot see it",
        ));
    to(&fake)
        .args(["--to-github", "octo/app", "--environment", "staging", "DB_PASSWORD=db_password"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "environment staging of octo/app does not exist or the token cannot see it (create the environment `staging` first)",
        ));
    assert!(fake.writes().is_empty());
}

#[test]
fn a_422_on_one_secret_leaves_the_others_set_and_says_which() {
    let fake = FakeGithub::start();
    fake.script(
        "PUT",
        "secrets/SHELL_CHARS",
        Reply::json(422, &serde_json::json!({"message": "Validation Failed", "errors": [{"message": "secret name is invalid"}]})),
        1,
    );
    let out = to(&fake)
        .args(["--to-github", "octo/app", "--json"])
        .args([
            "DB_PASSWORD=db_password",
            "SHELL_CHARS=shell_chars",
            "BIG=big_number",
        ])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stderr = stderr_of(&out);
    assert!(
        stderr.contains("tf-secrets: error: secret SHELL_CHARS: not set: HTTP 422 Unprocessable Entity: Validation Failed; secret name is invalid\n"),
        "{stderr}"
    );
    assert!(
        stderr.ends_with("tf-secrets: error: 1 of 3 not set in repository octo/app: failed: SHELL_CHARS; 2 set; a re-run sets them all again\n"),
        "{stderr}"
    );
    let names: Vec<String> = fake.secrets("repos/octo/app").into_keys().collect();
    assert_eq!(names, ["BIG", "DB_PASSWORD"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let statuses: Vec<&str> = report["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["created", "failed", "created"]);
    assert_eq!(report["destination"], "repository octo/app");
}

#[test]
fn an_unreachable_api_is_reported_with_its_host() {
    let closed = test_support::ClosedPort::new();
    tool()
        .env("GITHUB_API_URL", closed.url(""))
        .env("GH_TOKEN", TOKEN)
        .arg("-f")
        .arg(fixture("outputs"))
        .args([
            "--to-github",
            "octo/app",
            "--retries",
            "0",
            "DB_PASSWORD=db_password",
        ])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(
            "nothing was written: cannot connect to 127.0.0.1: Connection refused",
        ));
}

#[test]
fn no_token_or_a_plain_http_api_is_a_usage_error() {
    tool()
        .arg("-f")
        .arg(fixture("outputs"))
        .args(["--to-github", "octo/app", "DB_PASSWORD=db_password"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::starts_with(
            "tf-secrets: error: no GitHub token: set GH_TOKEN (or GITHUB_TOKEN)",
        ));
    tool()
        .env("GH_TOKEN", TOKEN)
        .env("GITHUB_API_URL", "http://github.example.com")
        .args(["--to-github", "octo/app", "DB_PASSWORD=db_password"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "refusing to send the token over plain HTTP",
        ));
}
