//! A server that echoes the request into its answer: the request's secrets (header values,
//! --header-from-env values, the URL's password and the Basic value the tool built from it)
//! never show in what is printed of the answer: the attempt line, the verdict, the GitHub
//! Actions annotation and the --json report.

use base64::Engine as _;
use serde_json::json;
use test_support::http::{Reply, Request, Server};

use crate::{probe, report, stderr, stdout};

fn header(req: &Request, name: &str) -> String {
    req.header(name).unwrap_or_default().to_owned()
}

/// 500 with a JSON body echoing the request's headers, the token of `Authorization` alone,
/// and the user and password of a Basic value, decoded.
fn echo() -> Server {
    Server::start(|req| {
        let auth = header(req, "authorization");
        let token = auth.split_once(' ').map(|(_, t)| t.to_owned());
        let decoded = token
            .as_deref()
            .filter(|_| auth.starts_with("Basic "))
            .and_then(|t| base64::engine::general_purpose::STANDARD.decode(t).ok())
            .map(|b| String::from_utf8_lossy(&b).into_owned());
        Reply::json(
            500,
            &json!({
                "auth": auth,
                "token": token,
                "decoded": decoded,
                "deploy": header(req, "x-deploy-token"),
                "custom": header(req, "x-custom"),
            }),
        )
    })
}

const MARK: &str = cli_support::redact::MARK;

#[test]
fn echoed_header_values_are_redacted_everywhere() {
    let server = echo();
    let out = probe()
        .args(["--max-attempts", "1", "--json"])
        .args(["-H", "Authorization: Bearer 4rgv-t0ken"])
        .args(["-H", "X-Custom: pl41n-v4lue"])
        .args(["--header-from-env", "X-Deploy-Token=DEPLOY_TOKEN"])
        .env("DEPLOY_TOKEN", "3nv-t0ken")
        .args([
            "--expect-json",
            ".deploy == \"x\"",
            "--expect-json",
            ".auth",
        ])
        .env("GITHUB_ACTIONS", "true")
        .arg(server.url("/health"))
        .output()
        .unwrap();
    let (err, out_text) = (stderr(&out), stdout(&out));
    assert_eq!(out.status.code(), Some(1), "{err}");
    let body = format!(
        r#"{{"auth":"{MARK}","token":"{MARK}","decoded":null,"deploy":"{MARK}","custom":"{MARK}"}}"#
    );
    let failures = format!(
        "status 500 is not in 200-299; --expect-json '.deploy == \"x\"' gave false; \
         --expect-json '.auth' gave \"{MARK}\""
    );
    let shown = format!("{failures}; body: {body:?}");
    let lines: Vec<&str> = err.lines().collect();
    // the attempt line and the annotation (under GitHub Actions an error is printed once)
    assert_eq!(lines.len(), 2, "{err}");
    assert!(
        lines[0].starts_with(&format!(
            "health-probe: {}: #1 500 Internal Server Error in ",
            server.url("/health")
        )) && lines[0].ends_with(&shown),
        "{err}"
    );
    assert!(
        lines[1].starts_with("::error title=health-probe::") && lines[1].ends_with(&shown),
        "{err}"
    );
    assert_eq!(
        report(&out)["urls"][0]["last_failures"],
        json!([
            "status 500 is not in 200-299",
            "--expect-json '.deploy == \"x\"' gave false",
            format!("--expect-json '.auth' gave \"{MARK}\""),
        ])
    );
    for secret in ["4rgv-t0ken", "pl41n-v4lue", "3nv-t0ken"] {
        assert!(!err.contains(secret), "{secret}: {err}");
        assert!(!out_text.contains(secret), "{secret}: {out_text}");
    }
}

#[test]
fn the_basic_form_of_url_credentials_is_redacted_in_every_form() {
    let server = echo();
    let port = server.addr().port();
    let out = probe()
        .args(["--max-attempts", "1"])
        .arg(format!("http://deploy:pa55%2Fw0rd@127.0.0.1:{port}/health"))
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    // the server decoded the Basic value to deploy:pa55/w0rd
    let body = format!(
        r#"{{"auth":"{MARK}","token":"{MARK}","decoded":"{MARK}","deploy":"","custom":""}}"#
    );
    let line = err.lines().next().unwrap();
    assert!(
        line.starts_with(&format!(
            "health-probe: http://***@127.0.0.1:{port}/health: #1 500 Internal Server Error in "
        )) && line.ends_with(&format!(": status 500 is not in 200-299; body: {body:?}")),
        "{err}"
    );
    let basic = base64::engine::general_purpose::STANDARD.encode("deploy:pa55/w0rd");
    for secret in ["pa55/w0rd", "pa55%2Fw0rd", basic.as_str()] {
        assert!(!err.contains(secret), "{secret}: {err}");
    }
}

#[test]
fn a_secret_at_the_cut_of_the_excerpt_leaves_no_prefix() {
    // The excerpt is 120 characters: a token starting at 112 would show its first 8.
    let server = Server::start(|req| {
        let token = header(req, "authorization").replace("Bearer ", "");
        Reply::text(503, &format!("{}{token} and more", "x".repeat(112)))
    });
    let out = probe()
        .args([
            "--max-attempts",
            "1",
            "-H",
            "Authorization: Bearer 4rgv-t0ken",
        ])
        .arg(server.url("/"))
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let redacted = format!("{}{MARK} and more", "x".repeat(112));
    let excerpt = format!("{}…", redacted.chars().take(120).collect::<String>());
    assert!(
        err.lines()
            .next()
            .unwrap()
            .ends_with(&format!("; body: {excerpt:?}")),
        "{err}"
    );
    assert!(!err.contains("4rgv"), "{err}");
}

#[test]
fn a_secret_cut_short_in_an_expectation_failure_leaves_no_prefix() {
    // --expect-json shows at most 60 characters of the value it gave: here the value's
    // quote, 50 characters, then the token, cut after 9 of its 10.
    let server = Server::start(|req| {
        let token = header(req, "authorization").replace("Bearer ", "");
        Reply::json(
            500,
            &json!({ "a": format!("{}{token}zzzzzz", "y".repeat(50)) }),
        )
    });
    let out = probe()
        .args(["--max-attempts", "1", "--json", "--expect-json", ".a"])
        .args(["-H", "Authorization: Bearer 4rgv-t0ken"])
        .arg(server.url("/"))
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let failure = format!("--expect-json '.a' gave \"{}{MARK}…", "y".repeat(50));
    assert_eq!(
        report(&out)["urls"][0]["last_failures"],
        json!(["status 500 is not in 200-299", failure])
    );
    assert!(err.contains(&failure), "{err}");
    assert!(
        !err.contains("4rgv") && !stdout(&out).contains("4rgv"),
        "{err}"
    );
}

#[test]
fn a_short_secret_does_not_garble_the_tools_own_words() {
    // `in` is a header value sent, so it is redacted in what the server says (its echo and
    // the value --expect-json gave), never in the tool's own words.
    let server = Server::start(|req| {
        Reply::json(
            500,
            &json!({ "echo": header(req, "x-token"), "word": "in" }),
        )
    });
    let out = probe()
        .args(["--max-attempts", "1", "--json", "--expect-json", ".word"])
        .args(["--header", "X-Token: in"])
        .arg(server.url("/echo"))
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(
        report(&out)["urls"][0]["last_failures"],
        json!([
            "status 500 is not in 200-299",
            format!("--expect-json '.word' gave \"{MARK}\""),
        ])
    );
    let body = format!(r#"{{"echo":"{MARK}","word":"{MARK}"}}"#);
    assert!(
        err.lines().next().unwrap().ends_with(&format!(
            ": status 500 is not in 200-299; --expect-json '.word' gave \"{MARK}\"; body: {body:?}"
        )),
        "{err}"
    );
}
