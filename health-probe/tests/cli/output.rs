//! What is printed: -q, the JSON report in every outcome, redaction, GitHub Actions
//! annotations, signals.

use std::process::{Command, Stdio};
use std::time::Duration;

use test_support::http::{Reply, Server};

use crate::{Running, healthy_after, probe, probe_process, report, stderr, stdout};

#[test]
fn quiet_shows_errors_and_warnings_only() {
    // As every tool's -q: no status lines, so nothing at all on success.
    let server = healthy_after(2);
    let out = probe()
        .args(["-q", "-i", "50ms", &server.url("/")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    assert_eq!(stdout(&out), "");
    assert_eq!(server.hits(), 3);

    // A failure is still an error line; the URL stopped with it gets no status line.
    let bad = Server::start(|_| Reply::status(404));
    let starting = Server::start(|_| Reply::status(503));
    let out = probe()
        .args(["-q", "-i", "100ms", "-t", "30s", "--fail-on", "404"])
        .args([&bad.url("/"), &starting.url("/")])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(&format!(
            "health-probe: error: {}: gave up: answered 404 (--fail-on 404)",
            bad.url("/")
        )),
        "{err}"
    );

    // Without -q the same run has a line per attempt.
    let out = probe()
        .args(["-i", "50ms", &healthy_after(1).url("/")])
        .output()
        .unwrap();
    assert_eq!(stderr(&out).lines().count(), 3, "{}", stderr(&out));
}

#[test]
fn no_json_report_without_json() {
    let server = healthy_after(0);
    let out = probe().arg(server.url("/")).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), "");
}

#[test]
fn credentials_tokens_and_header_values_never_show() {
    let server = Server::start(|_| Reply::text(503, "down"));
    let port = server.addr().port();
    let url =
        format!("http://deploy:pa55w0rd@127.0.0.1:{port}/health?access_token=t0k3n&region=eu");
    let out = probe()
        .args(["-t", "1s", "-i", "100ms", "--json"])
        .args(["-H", "X-Api-Key: k3y-v4lue"])
        .env("GITHUB_ACTIONS", "true")
        .arg(&url)
        .output()
        .unwrap();
    let (o, e) = (stdout(&out), stderr(&out));
    assert_eq!(out.status.code(), Some(1), "{e}");
    for secret in ["pa55w0rd", "deploy", "t0k3n", "k3y-v4lue"] {
        assert!(
            !o.contains(secret) && !e.contains(secret),
            "{secret} leaked:\n{o}\n{e}"
        );
    }
    let shown = format!("http://***@127.0.0.1:{port}/health?access_token=***&region=eu");
    assert!(e.contains(&shown), "{e}");
    assert_eq!(report(&out)["urls"][0]["url"], shown);
    // the server did get them
    let req = &server.requests()[0];
    assert_eq!(req.header("x-api-key"), Some("k3y-v4lue"));
    assert!(req.path.contains("access_token=t0k3n"));
}

#[test]
fn github_actions_gets_an_error_annotation_on_failure() {
    let server = Server::start(|_| Reply::status(503));
    let out = probe()
        .args(["-t", "1s", "-i", "100ms", &server.url("/")])
        .env("GITHUB_ACTIONS", "true")
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "::error title=health-probe::{}: not healthy by the deadline",
            server.url("/")
        )),
        "{err}"
    );

    // not outside GitHub Actions
    let out = probe()
        .args(["-t", "1s", "-i", "100ms", &server.url("/")])
        .output()
        .unwrap();
    assert!(!stderr(&out).contains("::error"));

    // not on success
    let good = healthy_after(0);
    let out = probe()
        .arg(good.url("/"))
        .env("GITHUB_ACTIONS", "true")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(!stderr(&out).contains("::error"));
}

#[test]
fn only_urls_that_failed_are_annotated() {
    let bad = Server::start(|_| Reply::status(503));
    let slow = Server::start(|_| Reply::text(200, "ok").delay(Duration::from_secs(2)));
    let out = probe()
        .args(["-i", "100ms", "--max-attempts", "2"])
        .args([bad.url("/"), slow.url("/")])
        .env("GITHUB_ACTIONS", "true")
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let annotations: Vec<&str> = err.lines().filter(|l| l.starts_with("::")).collect();
    assert_eq!(annotations.len(), 1, "{err}");
    assert!(
        annotations[0].starts_with(&format!(
            "::error title=health-probe::{}: gave up: not healthy after 2 attempts",
            bad.url("/")
        )),
        "{err}"
    );
    // the one still being probed is a note, not an error
    assert!(
        err.contains(&format!(
            "health-probe: {}: not healthy yet when the probe stopped",
            slow.url("/")
        )),
        "{err}"
    );
}

#[test]
fn sigterm_stops_the_probe_with_a_report() {
    // held closed for the whole test: every attempt is refused
    let closed = test_support::ClosedPort::new();
    let port = closed.port();
    let mut cmd = probe_process();
    cmd.args([
        "-i",
        "100ms",
        "-t",
        "60s",
        "--json",
        &format!("http://127.0.0.1:{port}/"),
    ]);
    let mut running = Running::start(&mut cmd);
    running.collect_stdout();
    // the signal handlers are installed on the first poll of the run, so surely before the
    // second attempt
    running.wait_for_stderr("#2 connection refused");
    let killed = Command::new("kill")
        .args(["-TERM", &running.pid().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = running.wait();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(143), "{err}");
    assert!(err.contains("error: interrupted after "), "{err}");
    assert!(err.contains("0 of 1 URLs healthy"), "{err}");
    let r = report(&out);
    assert_eq!(r["outcome"], "interrupted");
    assert_eq!(r["urls"][0]["state"], "stopped");
    assert!(r["urls"][0]["attempts"].as_u64().unwrap() >= 1);
}

#[test]
fn a_closed_stdout_does_not_change_the_exit_code() {
    let server = healthy_after(0);
    let mut child = probe_process()
        .args(["--json", &server.url("/")])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader is gone, as with `| head -0`
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}
