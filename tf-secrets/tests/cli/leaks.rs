//! No sensitive value on stdout or stderr on any failure path: jaq errors, validation,
//! GitHub's answers (including one that echoes the value), timeouts, gh's own messages.

use std::os::unix::fs::PermissionsExt as _;
use std::time::Duration;

use test_support::http::Reply;

use crate::common::{assert_no_secret, fixture, tool};
use crate::fake_github::{FakeGithub, TOKEN};

/// Runs one failing case and checks both streams; returns the exit code.
fn check(case: &str, mut cmd: assert_cmd::Command) -> i32 {
    let out = cmd.output().unwrap();
    assert_no_secret(&format!("stdout ({case})"), &out.stdout);
    assert_no_secret(&format!("stderr ({case})"), &out.stderr);
    let code = out.status.code().unwrap();
    assert_ne!(code, 0, "{case} was expected to fail");
    code
}

fn with_outputs(args: &[&str]) -> assert_cmd::Command {
    let mut cmd = tool();
    cmd.arg("-f").arg(fixture("outputs")).args(args);
    cmd
}

#[test]
fn filter_and_validation_failures() {
    let cases: &[(&str, &[&str])] = &[
        (
            "tonumber of a password",
            &["--format", "env", "X=.db_password | tonumber"],
        ),
        (
            "error(value)",
            &["--format", "env", "X=.db_password | error"],
        ),
        (
            "error with a message",
            &["--format", "env", r#"X=error("bad: " + .api_token)"#],
        ),
        (
            "a slice of a key",
            &[
                "--format",
                "env",
                "X=.tls_private_key | .[28:60] | tonumber",
            ],
        ),
        (
            "an index error",
            &["--format", "env", "X=.db_password | .[\"k\"]"],
        ),
        ("arithmetic", &["--format", "env", "X=.api_token - 1"]),
        ("object", &["--format", "env", "X={a: .db_password}"]),
        (
            "many values",
            &["--format", "env", "X=.db_password, .api_token"],
        ),
        (
            "does not compile",
            &["--format", "env", "X=.db_password | nosuch(.api_token)"],
        ),
        ("bad name", &["--format", "env", "1X=db_password"]),
        (
            "gh trims",
            &["--to-github", "o/r", "--via-gh", "K=tls_private_key"],
        ),
        (
            "sensitive only in a list",
            &[
                "--format",
                "env",
                "X=[.db_password] | .[0] | ltrimstr(\"p\") | tonumber",
            ],
        ),
    ];
    for (case, args) in cases {
        check(case, with_outputs(args));
    }
}

#[test]
fn github_failures() {
    let fake = FakeGithub::start();
    let to = |extra: &[&str]| {
        let mut cmd = with_outputs(&[
            "--to-github",
            "octo/app",
            "--retries",
            "1",
            "--timeout",
            "1s",
        ]);
        cmd.env("GITHUB_API_URL", fake.url())
            .env("GH_TOKEN", TOKEN)
            .args(extra)
            .args([
                "DB_PASSWORD=db_password",
                "TLS_PRIVATE_KEY=tls_private_key",
                "API_TOKEN=api_token",
            ]);
        cmd
    };

    fake.script_echo("secrets/DB_PASSWORD");
    assert_eq!(check("a server that echoes the value", to(&[])), 1);
    fake.script("PUT", "secrets/TLS_PRIVATE_KEY", Reply::status(500), 2);
    assert_eq!(check("500 until giving up", to(&[])), 1);
    fake.script("GET", "public-key", Reply::status(403), 1);
    assert_eq!(check("403", to(&[])), 1);
    fake.slow("PUT", "secrets/API_TOKEN", Duration::from_secs(3), 2);
    assert_eq!(check("slow", to(&["--json"])), 1);

    let mut bad_token = to(&[]);
    bad_token.env("GH_TOKEN", "wrong");
    assert_eq!(check("401", bad_token), 1);

    let mut missing = with_outputs(&["--to-github", "octo/app", "K=db_password"]);
    missing.env("GITHUB_API_URL", fake.url());
    assert_eq!(check("no token", missing), 2);
}

#[test]
fn a_terminal_refusal_and_a_gh_that_echoes() {
    // the terminal case runs in formats.rs with `script`; here the same refusal through a
    // pipe cannot happen, so the gh stand-in that echoes the value covers the last path
    let dir = tempfile::tempdir().unwrap();
    let gh = dir.path().join("gh");
    std::fs::write(
        &gh,
        "#!/bin/sh\nif [ \"$2\" = set ]; then printf 'failed: ' >&2; cat >&2; printf 'stdout: ' ; exit 1; fi\n",
    )
    .unwrap();
    std::fs::set_permissions(&gh, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut cmd = with_outputs(&[
        "--to-github",
        "octo/app",
        "--via-gh",
        "--allow-trim",
        "--json",
        "DB_PASSWORD=db_password",
        "TLS_PRIVATE_KEY=tls_private_key",
    ]);
    cmd.env(
        "PATH",
        format!(
            "{}:{}",
            dir.path().display(),
            std::env::var("PATH").unwrap()
        ),
    );
    assert_eq!(check("gh echoes the value", cmd), 1);
}

#[test]
fn a_retried_answer_that_echoes_the_value_is_redacted() {
    let fake = FakeGithub::start();
    let to = |retries: &str, args: &[&str]| {
        let mut cmd = with_outputs(&["--to-github", "octo/app", "--retries", retries]);
        cmd.env("GITHUB_API_URL", fake.url())
            .env("GH_TOKEN", TOKEN)
            .args(args);
        cmd
    };

    // Retried, then set: the "retrying" line carries GitHub's answer.
    fake.script_echo_status("secrets/DB_PASSWORD", 502, 1);
    fake.script_echo_status("secrets/TLS_PRIVATE_KEY", 500, 1);
    let out = to(
        "1",
        &["DB_PASSWORD=db_password", "TLS_PRIVATE_KEY=tls_private_key"],
    )
    .output()
    .unwrap();
    assert_no_secret("stdout (a 5xx that echoes, retried)", &out.stdout);
    assert_no_secret("stderr (a 5xx that echoes, retried)", &out.stderr);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains(
            "PUT /repos/octo/app/actions/secrets/DB_PASSWORD: HTTP 502 Bad Gateway: Invalid value <redacted>; retrying in"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("HTTP 500 Internal Server Error: Invalid value <redacted>; retrying in"),
        "{stderr}"
    );

    // Every attempt echoes: the retry lines and the final error.
    fake.script_echo_status("secrets/API_TOKEN", 503, 2);
    let out = to("1", &["API_TOKEN=api_token"]).output().unwrap();
    assert_no_secret("stdout (a 5xx that echoes, given up)", &out.stdout);
    assert_no_secret("stderr (a 5xx that echoes, given up)", &out.stderr);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "secret API_TOKEN: not set: HTTP 503 Service Unavailable: Invalid value <redacted> (gave up after 2 attempts)"
        ),
        "{stderr}"
    );
}

#[test]
fn error_values_that_are_not_strings_are_redacted_whole() {
    // `error(x)` with x not a string: jaq's message is x itself (code points, numbers, an
    // object), which no string redaction recognises.
    for filter in [
        "X=.db_password | explode | error",
        "X=[.tls_private_key | explode[] | . + 1] | error",
        "X={key: (.api_token | explode)} | error",
        "X=.api_token | length | error",
    ] {
        let out = with_outputs(&["--format", "env", filter]).output().unwrap();
        assert_no_secret("stdout (a non-string error value)", &out.stdout);
        assert_no_secret("stderr (a non-string error value)", &out.stderr);
        assert_eq!(out.status.code(), Some(1), "{filter}");
        assert_eq!(out.stdout, b"", "{filter}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            format!(
                "tf-secrets: error: `{filter}`: the filter failed: <redacted> (an error value \
                 built from the outputs)\n"
            )
        );
    }
}

#[test]
fn raised_messages_hide_short_values_and_slices() {
    // A two-character PIN is too short to search for inside words, and a 3-character
    // slice of a password is not the password: a message the filter raised hides both.
    let outputs = r#"{"pin": {"sensitive": true, "type": "string", "value": "k7"},
        "db_password": {"sensitive": true, "type": "string", "value": "Zq8vLm2rTx"}}"#;
    for (filter, shown) in [
        (r#"X=.pin | error("bad pin " + .)"#, "bad pin <redacted>"),
        (
            r#"X=.db_password | error("starts with " + .[0:3])"#,
            "starts with <redacted>",
        ),
    ] {
        let out = tool()
            .args(["--format", "env", filter])
            .write_stdin(outputs)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{filter}");
        assert_eq!(out.stdout, b"", "{filter}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            format!("tf-secrets: error: `{filter}`: the filter failed: {shown}\n")
        );
    }
}
