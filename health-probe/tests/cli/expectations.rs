//! What counts as healthy: status matchers, body text and regexes, jq over JSON, headers.

use serde_json::json;
use test_support::http::{Reply, Server};

use crate::{probe, report, scripted, stderr, stdout};

#[test]
fn status_matcher_in_alb_syntax() {
    let server = Server::start(|_| Reply::status(204));
    let out = probe()
        .args(["-s", "200,204", &server.url("/")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let out = probe()
        .args(["-s", "200", "-t", "1s", "-i", "100ms", &server.url("/")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("status 204 is not in 200"),
        "{}",
        stderr(&out)
    );

    let teapot = Server::start(|_| Reply::status(418));
    let out = probe()
        .args(["--expect-status", "200-299,418", &teapot.url("/")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn jq_checks_on_the_json_body() {
    let server = scripted(vec![
        Reply::json(200, &json!({"status": "starting", "commit": "abc123"})),
        Reply::json(200, &json!({"status": "healthy", "commit": "old999"})),
        Reply::json(200, &json!({"status": "healthy", "commit": "abc123"})),
    ]);
    let out = probe()
        .args(["-i", "50ms", "--json"])
        .args(["--expect-json", r#".status == "healthy""#])
        .args(["--expect-json", ".commit == env.GITHUB_SHA"])
        .env("GITHUB_SHA", "abc123")
        .arg(server.url("/version"))
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("#1 200 OK in "), "{err}");
    assert!(
        err.contains(r#"--expect-json '.status == "healthy"' gave false"#),
        "{err}"
    );
    assert!(
        err.contains("--expect-json '.commit == env.GITHUB_SHA' gave false"),
        "{err}"
    );
    assert!(!err.contains("warning"), "{err}");
    assert_eq!(report(&out)["urls"][0]["attempts"], 3);
}

#[test]
fn jq_arg_variables() {
    let server = Server::start(|_| Reply::json(200, &json!({"version": "1.4.2"})));
    let out = probe()
        .args([
            "--expect-json",
            ".version == $want",
            "--arg",
            "want",
            "1.4.2",
        ])
        .arg(server.url("/"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn an_unset_variable_in_a_filter_is_warned_about_at_start() {
    let server = Server::start(|_| Reply::json(200, &json!({"commit": "abc123"})));
    let out = probe()
        .args(["-t", "1s", "-i", "100ms"])
        .args(["--expect-json", ".commit == $ENV.DEPLOY_SHA"])
        .env_remove("DEPLOY_SHA")
        .arg(server.url("/"))
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let first = err.lines().next().unwrap();
    assert!(
        first.starts_with("health-probe: warning: --expect-json '.commit == $ENV.DEPLOY_SHA' reads the environment variable DEPLOY_SHA, which is not set"),
        "{err}"
    );
}

#[test]
fn a_body_that_is_not_json_fails_the_attempt() {
    let server = Server::start(|_| Reply::text(200, "<html>maintenance</html>"));
    let out = probe()
        .args([
            "-t",
            "500ms",
            "-i",
            "100ms",
            "--expect-json",
            ".ok",
            "--json",
        ])
        .arg(server.url("/"))
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("the body is not JSON (line 1, column 1: expected value); body: \"<html>maintenance</html>\""),
        "{err}"
    );
    assert_eq!(report(&out)["urls"][0]["last_status"], 200);
}

#[test]
fn a_body_over_the_cap_is_not_checked_as_json() {
    let big = json!({"status": "healthy", "padding": "x".repeat(5000)});
    let server = Server::start(move |_| Reply::json(200, &big));
    let out = probe()
        .args(["-t", "1s", "-i", "100ms", "--max-body", "1KiB"])
        .args(["--expect-json", r#".status == "healthy""#])
        .arg(server.url("/"))
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("the body is larger than --max-body (1024 bytes)"),
        "{err}"
    );
    // the excerpt stays short
    assert!(err.lines().all(|l| l.len() < 600), "{err}");
}

#[test]
fn body_text_and_regex() {
    let server = scripted(vec![
        Reply::text(200, "status: warming up"),
        Reply::text(200, "status: ready, version 2.4"),
    ]);
    let out = probe()
        .args(["-i", "50ms", "--expect-body", "ready"])
        .args(["--expect-body-regex", r"version 2\.\d+"])
        .arg(server.url("/"))
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains(r#"body does not contain "ready""#), "{err}");
    assert!(
        err.contains(r"body does not match /version 2\.\d+/"),
        "{err}"
    );
    assert_eq!(stdout(&out), "");
}

#[test]
fn response_headers() {
    let server = scripted(vec![
        Reply::text(200, "ok").header("X-Version", "1.9.0"),
        Reply::text(200, "ok")
            .header("X-Version", "2.0.1")
            .header("X-Ready", "yes"),
    ]);
    let out = probe()
        .args(["-i", "50ms", "--expect-header", r"X-Version: ^2\."])
        .args(["--expect-header", "X-Ready"])
        .arg(server.url("/"))
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains(r"header x-version does not match /^2\./; no header x-ready"),
        "{err}"
    );
    // the header's value is not shown
    assert!(!err.contains("1.9.0"), "{err}");
}
