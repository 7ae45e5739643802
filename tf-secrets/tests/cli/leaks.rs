//! No sensitive value on stdout or stderr on any failure path: jaq errors, validation,
//! GitHub's answers (including one that echoes the value), timeouts, gh's own messages.

use std::os::unix::fs::PermissionsExt as _;
use std::time::Duration;

use predicates::prelude::*;
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
            "PUT /repos/octo/app/actions/secrets/DB_PASSWORD: HTTP 502 Bad Gateway: Invalid value ***; retrying in"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("HTTP 500 Internal Server Error: Invalid value ***; retrying in"),
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
            "secret API_TOKEN: not set: HTTP 503 Service Unavailable: Invalid value *** (gave up after 2 attempts)"
        ),
        "{stderr}"
    );
}

/// Every form a filter can turn a sensitive value into, for the assertions below.
fn transformed_forms(value: &str) -> Vec<String> {
    use base64::Engine as _;
    let chars: Vec<String> = value.chars().map(String::from).collect();
    let codes: Vec<u32> = value.chars().map(u32::from).collect();
    let plus_one: Vec<String> = codes.iter().map(|c| (c + 1).to_string()).collect();
    let codes: Vec<String> = codes.iter().map(ToString::to_string).collect();
    vec![
        value.to_owned(),
        base64::engine::general_purpose::STANDARD.encode(value),
        chars.join(" "),
        format!("\"{}\"", chars[..3].join("\",\"")),
        codes[..4].join(","),
        plus_one[..4].join(","),
    ]
}

/// A failing selection that reads sensitive outputs names the secret, the filter and the
/// kind of error, never jaq's message: it may hold the value transformed (base64, character
/// codes, one character at a time), which no search for the value recognises. The same
/// under GitHub Actions, where the message becomes an annotation.
#[test]
fn a_failing_filter_on_sensitive_outputs_shows_only_the_kind_of_error() {
    const HIDDEN: &str = "its message is not shown because the filter reads sensitive outputs (try it with jq on test values)";
    let raised = "the filter raised an error (error/1 or a built-in function)";
    let password = crate::common::string("outputs", "db_password");
    for (filter, kind) in [
        ("X=.db_password | @base64 | error", raised),
        (
            "X=.db_password | explode | . + 1",
            "arithmetic error (an operator on the wrong types)",
        ),
        (r#"X=.db_password | split("") | join(" ") | error"#, raised),
        ("X=.db_password | .[0:1] | fromdate", raised),
        (r#"X=test("a"; .db_password)"#, raised),
        ("X=.db_password | explode | error", raised),
        (
            "X=.db_password | .x",
            "cannot index (a key or index on the wrong type)",
        ),
    ] {
        for gha in [false, true] {
            let mut cmd = with_outputs(&["--format", "env", filter]);
            if gha {
                cmd.env("GITHUB_ACTIONS", "true");
            }
            let out = cmd.output().unwrap();
            assert_eq!(out.status.code(), Some(1), "{filter}");
            assert_eq!(out.stdout, b"", "{filter}");
            let stderr = String::from_utf8_lossy(&out.stderr);
            let line = format!("`{filter}`: the filter failed: {kind}; {HIDDEN}");
            if gha {
                assert!(stderr.contains("::error"), "{filter}: {stderr}");
                assert!(stderr.contains(&line), "{filter}: {stderr}");
            } else {
                assert_eq!(stderr, format!("tf-secrets: error: {line}\n"));
            }
            for form in transformed_forms(&password) {
                assert!(!stderr.contains(&form), "{filter}: {form:?} in {stderr}");
            }
            assert_no_secret("stderr", &out.stderr);
        }
    }
}

/// Without sensitive outputs, a failing filter keeps jaq's whole message.
#[test]
fn a_failing_filter_on_plain_outputs_keeps_its_message() {
    tool()
        .args(["--format", "env", "X=.host | error"])
        .write_stdin(r#"{"host": {"sensitive": false, "value": "db.internal"}}"#)
        .assert()
        .code(1)
        .stdout("")
        .stderr("tf-secrets: error: `X=.host | error`: the filter failed: db.internal\n");
}

/// With sensitive outputs in the input, a filter that fails on plain ones keeps its message:
/// it fails the same way, with the same message, when every sensitive value is replaced by
/// a stand-in, so the message holds no secret. One that fails on a sensitive value (or
/// whose message depends on one) still shows the kind only (the test above).
#[test]
fn a_failing_filter_on_plain_outputs_keeps_its_message_beside_sensitive_ones() {
    let input = r#"{"plain": {"sensitive": false, "value": "visible-text"},
                    "pw": {"sensitive": true, "value": "hunter2-s3cret"}}"#;
    tool()
        .args(["--format", "json", "Y=.plain|error"])
        .write_stdin(input)
        .assert()
        .code(1)
        .stdout("")
        .stderr("tf-secrets: error: `Y=.plain|error`: the filter failed: visible-text\n");
    // the message depends on the secret: hidden, though the filter also reads plain text
    tool()
        .args(["--format", "json", "Y=.plain + .pw | error"])
        .write_stdin(input)
        .assert()
        .code(1)
        .stdout("")
        .stderr(
            predicate::str::contains("its message is not shown")
                .and(predicate::str::contains("s3cret").not()),
        );
}

/// GitHub's words reach stderr (the error, the retry lines) redacted of the token and of
/// every value being set, on one line, cut to 200 characters, control characters escaped.
#[test]
fn answers_that_quote_the_token_or_a_value_are_redacted_and_cut() {
    let fake = FakeGithub::start();
    let run = || {
        let mut cmd = with_outputs(&[
            "--to-github",
            "octo/app",
            "--retries",
            "1",
            "DB_PASSWORD=db_password",
            "PORT=db_port",
        ]);
        cmd.env("GITHUB_API_URL", fake.url()).env("GH_TOKEN", TOKEN);
        cmd.output().unwrap()
    };

    // a 401 whose message repeats the token
    fake.script(
        "GET",
        "public-key",
        Reply::json(
            401,
            &serde_json::json!({"message": format!("Bad credentials: {TOKEN}")}),
        ),
        1,
    );
    let out = run();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(out.stdout, b"");
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "tf-secrets: error: nothing was written: cannot read the public key of repository \
         octo/app: HTTP 401 Unauthorized: Bad credentials: ***: GitHub rejected the token in \
         GH_TOKEN: it is wrong, expired or revoked\n"
    );

    // a plain-text 500 (a proxy's page) that quotes the token and the value, retried
    let password = crate::common::string("outputs", "db_password");
    let body = format!(
        "<html>\n  upstream\x1b[31m error {TOKEN} {password}\r\n{}",
        "x".repeat(400)
    );
    fake.script("PUT", "secrets/DB_PASSWORD", Reply::text(500, &body), 2);
    let out = run();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(out.stdout, b"");
    let start = "<html> upstream\x1b[31m error *** *** ";
    let excerpt = format!(
        "HTTP 500 Internal Server Error: <html> upstream\\u{{1b}}[31m error *** *** {}…",
        "x".repeat(200 - start.chars().count())
    );
    assert!(
        stderr.contains(&format!(
            "tf-secrets: PUT /repos/octo/app/actions/secrets/DB_PASSWORD: {excerpt}; retrying in"
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "tf-secrets: error: secret DB_PASSWORD: not set: {excerpt} (gave up after 2 attempts)\n"
        )),
        "{stderr}"
    );
    assert!(
        !stderr.contains(TOKEN) && !stderr.contains('\x1b'),
        "{stderr}"
    );
    assert_no_secret("stderr", &out.stderr);
}
