//! What every tool shares (cli-support), through this binary: usage errors carry the tool's
//! name, durations need a unit, --profile wins over the environment's keys, an answer that
//! is not AWS's is named as such, the man page has real sections.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::json;
use test_support::http::{Reply, Server};

use crate::common::offline;

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The tool pointed at a local server instead of AWS, with keys in the environment, no
/// retries and no shared files.
fn against(server: &Server) -> Command {
    let mut cmd = offline();
    cmd.envs([
        ("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENTKEYA"),
        ("AWS_SECRET_ACCESS_KEY", "secret-a"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("AWS_CONFIG_FILE", "/dev/null"),
        ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null"),
        ("AWS_MAX_ATTEMPTS", "1"),
    ])
    .env(
        "AWS_ENDPOINT_URL",
        format!("http://127.0.0.1:{}", server.addr().port()),
    );
    cmd
}

#[test]
fn usage_errors_carry_the_tools_name() {
    offline()
        .arg("--no-such-flag")
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::starts_with(
            "ecr-purge: error: unexpected argument '--no-such-flag' found\n",
        ))
        .stderr(predicate::str::contains("Usage: ecr-purge"));
    offline()
        .arg("--help")
        .assert()
        .success()
        .stderr("")
        .stdout(predicate::str::contains("EXIT STATUS"));
}

#[test]
fn a_duration_without_a_unit_is_a_usage_error() {
    offline()
        .args(["--older-than", "14", "--dry-run", "app"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::starts_with(
            "ecr-purge: error: invalid value '14' for '--older-than <DURATION>': \
             \"14\" has no unit: write 14ms, 14s, 14m (minutes), 14h or 14d\n",
        ));
    offline()
        .args(["--older-than", "0", "--dry-run", "app"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(
            "\"0\" has no unit: write 0ms, 0s,",
        ));
}

#[test]
fn profile_wins_over_the_environments_keys() {
    let server = Server::start(|_| Reply::json(200, &json!({"imageDetails": []})));
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    let credentials = dir.path().join("credentials");
    std::fs::write(&config, "[profile p]\nregion = us-east-1\n").unwrap();
    std::fs::write(
        &credentials,
        "[p]\naws_access_key_id = AKIAPROFILEKEYB\naws_secret_access_key = secret-b\n",
    )
    .unwrap();
    let signers = || -> Vec<String> {
        server
            .requests()
            .iter()
            .map(|r| {
                let auth = r.header("authorization").unwrap_or_default();
                let (_, rest) = auth.split_once("Credential=").unwrap_or(("", ""));
                rest.split('/').next().unwrap_or_default().to_owned()
            })
            .collect()
    };

    against(&server)
        .env("AWS_CONFIG_FILE", &config)
        .env("AWS_SHARED_CREDENTIALS_FILE", &credentials)
        .args(["--profile", "p", "--dry-run", "app"])
        .assert()
        .success()
        .stdout("");
    let with_profile = signers();
    assert!(!with_profile.is_empty());
    assert!(
        with_profile.iter().all(|k| k == "AKIAPROFILEKEYB"),
        "{with_profile:?}"
    );

    // without --profile the environment's keys sign, as before
    against(&server)
        .env("AWS_CONFIG_FILE", &config)
        .env("AWS_SHARED_CREDENTIALS_FILE", &credentials)
        .args(["--dry-run", "app"])
        .assert()
        .success();
    let all = signers();
    assert!(
        all[with_profile.len()..]
            .iter()
            .all(|k| k == "AKIAENVIRONMENTKEYA"),
        "{all:?}"
    );
}

#[test]
fn an_html_error_page_is_not_an_aws_answer() {
    let server = Server::start(|_| {
        Reply::text(
            500,
            "<!DOCTYPE html>\n<html><head><title>500 Internal Server Error</title></head>\
             <body><h1>Internal Server Error</h1></body></html>\n",
        )
        .header("content-type", "text/html")
    });
    let out = against(&server)
        .args(["--dry-run", "app"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(out.stdout.is_empty());
    let port = server.addr().port();
    assert!(
        err.contains(&format!(
            "HTTP 500 from http://127.0.0.1:{port} (region us-east-1), not an AWS answer: \
             500 Internal Server Error"
        )),
        "{err}"
    );
    assert!(!err.contains("malformed"), "{err}");
    assert!(!err.contains("unexpected token"), "{err}");
    // not retried by the tool: one request (AWS_MAX_ATTEMPTS=1 for the SDK)
    assert_eq!(server.hits(), 1, "{err}");
}

#[test]
fn the_man_page_has_examples_and_exit_status_sections() {
    let out = offline().args(["--generate", "man"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(!page.contains("EXTRA"), "{page}");
    assert!(page.contains("\n.nh\n"), "hyphenation off: {page}");
    assert!(page.contains("\n.SH EXIT STATUS\n.nf\n"), "{page}");
    assert!(page.contains("\n.SH EXAMPLES\n.nf\n"), "{page}");
    // examples verbatim: flags whole, each on its own line
    assert!(
        page.contains(
            "\n  ecr\\-purge \\-\\-yes \\-\\-untagged\\-only \\-\\-older\\-than 14d app\n"
        ),
        "{page}"
    );
    assert!(
        page.contains(
            "  2  usage: bad arguments, an invalid repository name, or a deletion (a full\n"
        ),
        "{page}"
    );
}
