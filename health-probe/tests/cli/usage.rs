//! Bad input: exit 2 at once, a message that names what is wrong, nothing on stdout, no
//! request sent, no secret echoed.

use std::io::Write as _;

use test_support::http::{Reply, Server};

use crate::{probe, stderr, stdout};

/// Run with `args` against a live server (so that a request, if wrongly sent, would count)
/// and check for a usage error mentioning each of `expected`.
fn usage_error(args: &[&str], expected: &[&str]) -> String {
    let server = Server::start(|_| Reply::text(200, "ok"));
    let url = server.url("/health");
    let out = probe()
        .args(args.iter().map(|a| a.replace("{url}", &url)))
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert_eq!(stdout(&out), "", "{args:?}");
    for e in expected {
        assert!(err.contains(e), "{args:?}: expected {e:?} in:\n{err}");
    }
    assert_eq!(server.hits(), 0, "{args:?}: a request was sent");
    err
}

#[test]
fn malformed_urls() {
    usage_error(
        &["localhost:8080/health"],
        &["health-probe: error: URL \"localhost:8080/health\": unsupported scheme \"localhost\""],
    );
    usage_error(
        &["example.com/health"],
        &["URLs start with http://, https:// or tcp://"],
    );
    usage_error(&["ftp://example.com/"], &["unsupported scheme \"ftp\""]);
    usage_error(
        &["tcp://db.internal"],
        &["has no port (write tcp://HOST:PORT)"],
    );
    usage_error(
        &["tcp://db:5432/path"],
        &["a tcp:// URL is only tcp://HOST:PORT"],
    );
    usage_error(&["{url}", "http://[::1"], &["invalid IPv6 address"]);
    let err = usage_error(&["http://user:s3cret@exa mple.com/"], &["***@"]);
    assert!(!err.contains("s3cret"), "{err}");
    usage_error(
        &[],
        &[
            "the following required arguments were not provided",
            "<URL>",
        ],
    );
}

#[test]
fn malformed_matchers_regexes_and_filters() {
    usage_error(
        &["-s", "2xx", "{url}"],
        &[
            "--expect-status",
            "\"2xx\" in \"2xx\" is not an HTTP status code",
        ],
    );
    usage_error(&["-s", "299-200", "{url}"], &["empty range"]);
    usage_error(&["-s", "200,", "{url}"], &["empty item"]);
    usage_error(
        &["--expect-body-regex", "(unclosed", "{url}"],
        &["--expect-body-regex", "unclosed group"],
    );
    usage_error(
        &["--expect-header", "X-V: [", "{url}"],
        &["--expect-header", "the regex of header x-v"],
    );
    usage_error(
        &["--expect-header", "Bad Name", "{url}"],
        &["\"Bad Name\" is not a valid header name"],
    );
    usage_error(
        &["--expect-json", ".status ==", "{url}"],
        &["error: --expect-json '.status ==': unexpected end of filter"],
    );
    usage_error(
        &["--expect-json", "nosuch(1)", "{url}"],
        &["undefined filter nosuch/1"],
    );
    usage_error(
        &["--expect-json", ".a == $missing", "{url}"],
        &["undefined variable $missing"],
    );
    // --arg only feeds --expect-json; alone it would be silently ignored.
    usage_error(
        &["--arg", "sha", "3f9c2a1", "{url}"],
        &["--arg <NAME> <VALUE>", "--expect-json <FILTER>"],
    );
}

#[test]
fn malformed_durations_and_numbers() {
    usage_error(
        &["-t", "5 parsecs", "{url}"],
        &["--timeout", "expected e.g. 30s"],
    );
    usage_error(
        &["-t", "0s", "{url}"],
        &["--timeout", "must be more than zero"],
    );
    usage_error(
        &["--interval", "0s", "{url}"],
        &["--interval", "must be more than zero"],
    );
    usage_error(&["--attempt-timeout=-1s", "{url}"], &["--attempt-timeout"]);
    usage_error(&["--stay-healthy", "soon", "{url}"], &["--stay-healthy"]);
    usage_error(&["--max-latency", "fast", "{url}"], &["--max-latency"]);
    usage_error(&["-t", "99999999d", "{url}"], &["too long"]);
    usage_error(
        &["--healthy-threshold", "0", "{url}"],
        &["--healthy-threshold"],
    );
    usage_error(&["--max-attempts", "0", "{url}"], &["--max-attempts"]);
    usage_error(
        &["--max-body", "lots", "{url}"],
        &["--max-body", "is not a size"],
    );
    usage_error(
        &["--backoff", "-i", "10s", "--max-interval", "5s", "{url}"],
        &["--max-interval (5s) is shorter than --interval (10s)"],
    );
}

#[test]
fn flags_that_need_another() {
    usage_error(
        &["--unhealthy-threshold", "3", "{url}"],
        &["--stay-healthy"],
    );
    usage_error(&["--max-interval", "1m", "{url}"], &["--backoff"]);
    usage_error(
        &["-d", "x", "--data-file", "f", "{url}"],
        &["cannot be used with"],
    );
    usage_error(
        &["--expect-body", "ok", "tcp://127.0.0.1:5432"],
        &["--expect-body applies to http:// and https:// URLs, and every URL given is tcp://"],
    );
}

#[test]
fn a_zero_body_cap_is_refused() {
    usage_error(
        &["--max-body", "0", "{url}"],
        &["--max-body", "must be more than zero"],
    );
    usage_error(
        &["--max-body", "0KiB", "{url}"],
        &["--max-body", "must be more than zero"],
    );
}

#[test]
fn backoff_below_the_interval_says_what_to_pass() {
    usage_error(
        &["--backoff", "-i", "1m", "{url}"],
        &["--max-interval (30s) is shorter than --interval (1m): pass --max-interval 1m or more"],
    );
}

#[test]
fn head_has_no_body_to_check() {
    usage_error(
        &["-X", "HEAD", "--expect-body", "ok", "{url}"],
        &["health-probe: error: -X HEAD has no body (use GET), so --expect-body can never hold"],
    );
    usage_error(
        &["--method", "head", "--expect-json", ".ok", "{url}"],
        &["-X HEAD has no body (use GET), so --expect-json can never hold"],
    );
    usage_error(
        &[
            "-X",
            "HEAD",
            "--expect-json",
            ".ok",
            "--expect-body-regex",
            "o+",
            "--expect-body",
            "ok",
            "{url}",
        ],
        &["so --expect-body, --expect-body-regex, --expect-json can never hold"],
    );

    // HEAD with expectations that do not need a body is a probe like any other
    let server = Server::start(|_| Reply::text(200, "").header("X-Version", "3f9c2a1"));
    let out = probe()
        .args(["-X", "HEAD", "--expect-header", "X-Version: ^3f9c"])
        .arg(server.url("/health"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(server.requests()[0].method, "HEAD");
}

#[test]
fn http_flags_with_only_tcp_urls_name_the_flag_given() {
    let tcp_only = |flags: &[&str], flag: &str| {
        let mut args = flags.to_vec();
        args.push("tcp://127.0.0.1:5432");
        usage_error(
            &args,
            &[&format!(
                "health-probe: error: {flag} applies to http:// and https:// URLs, and every URL given is tcp://"
            )],
        );
    };
    tcp_only(&["-s", "200"], "--expect-status");
    tcp_only(&["--expect-status", "200-399"], "--expect-status");
    tcp_only(&["--max-body", "64KiB"], "--max-body");
    tcp_only(&["-d", "{}"], "--data");
    tcp_only(&["--data-file", "/nonexistent/body.json"], "--data-file");
    tcp_only(&["-X", "HEAD"], "--method");
}

#[test]
fn malformed_headers_never_echo_the_value() {
    let err = usage_error(
        &["-H", "Authorization Bearer s3cr3t", "{url}"],
        &["--header: a header is 'Name: value'"],
    );
    assert!(!err.contains("s3cr3t"), "{err}");
    let err = usage_error(
        &["-H", "Bad Name: s3cr3t", "{url}"],
        &["\"Bad Name\" is not a valid header name"],
    );
    assert!(!err.contains("s3cr3t"), "{err}");
    usage_error(
        &["-X", "GE T", "{url}"],
        &["--method", "is not an HTTP method"],
    );
    usage_error(
        &["--header-from-env", "Authorization", "{url}"],
        &["is not NAME=VARIABLE"],
    );
}

#[test]
fn header_files_and_variables() {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    writeln!(file, "X-Ok: 1\nthis line has t0ken but no colon").unwrap();
    let path = file.path().display().to_string();
    let err = usage_error(
        &["--header-file", &path, "{url}"],
        &[&format!(
            "--header-file {path}, line 2: a header is 'Name: value'"
        )],
    );
    assert!(!err.contains("t0ken"), "{err}");
    usage_error(
        &["--header-file", "/nonexistent/headers.txt", "{url}"],
        &["--header-file /nonexistent/headers.txt: cannot read it"],
    );

    let server = Server::start(|_| Reply::text(200, "ok"));
    let out = probe()
        .args(["--header-from-env", "Authorization=NO_SUCH_TOKEN_VAR"])
        .env_remove("NO_SUCH_TOKEN_VAR")
        .arg(server.url("/"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains(
        "--header-from-env authorization=NO_SUCH_TOKEN_VAR: the variable NO_SUCH_TOKEN_VAR is not set"
    ));
    assert_eq!(server.hits(), 0);
}

#[test]
fn bad_files_and_resolve_entries() {
    let mut not_pem = tempfile::NamedTempFile::new().unwrap();
    writeln!(not_pem, "just text").unwrap();
    let path = not_pem.path().display().to_string();
    usage_error(
        &["--cacert", &path, "{url}"],
        &[&format!("--cacert {path}: no certificate in it")],
    );
    usage_error(
        &["--cacert", "/nonexistent/ca.pem", "{url}"],
        &["--cacert /nonexistent/ca.pem: cannot read it"],
    );
    usage_error(
        &["--data-file", "/nonexistent/body.json", "{url}"],
        &["/nonexistent/body.json"],
    );
    usage_error(
        &["--resolve", "app:443", "{url}"],
        &["--resolve", "is not HOST:PORT:ADDR"],
    );
    usage_error(
        &["--resolve", "app:443:not-an-ip", "{url}"],
        &["is not an IP address"],
    );
}
