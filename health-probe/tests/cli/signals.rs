//! SIGINT and SIGTERM at each stage of a probe, one test per stage and signal: between two
//! attempts (every attempt refused) and during an attempt (a server that does not answer).
//! Either way the run ends at once with the signal's code, one `interrupted after` line and
//! one complete `--json` report; the attempt in progress counts and says it was interrupted.
//! (A busy `--expect-json` filter: `busy_filters.rs`.) The test signals once the tool was
//! seen at the stage (its line for an attempt, or the server's count of requests).

use std::process::Output;
use std::time::{Duration, Instant};
use test_support::process::Sig;

use test_support::http::{Reply, Server};

use crate::{Running, probe_process, report, stderr};

fn start(url: &str) -> Running {
    let mut cmd = probe_process();
    cmd.args([
        "-i",
        "100ms",
        "-t",
        "60s",
        "--attempt-timeout",
        "50s",
        "--json",
        url,
    ]);
    let mut running = Running::start(&mut cmd);
    running.collect_stdout();
    running
}

/// Ended by `sig` at once: its code, one line, one report.
fn assert_interrupted(out: &Output, sig: Sig, begin: Instant) -> serde_json::Value {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(sig.code()), "{}: {err}", sig.name());
    assert!(
        begin.elapsed() < Duration::from_secs(30),
        "{:?}",
        begin.elapsed()
    );
    assert_eq!(
        err.matches("health-probe: error: interrupted after ")
            .count(),
        1,
        "{err}"
    );
    assert!(err.contains("; 0 of 1 URLs healthy\n"), "{err}");
    // one document: serde_json refuses anything after it
    let r = report(out);
    assert_eq!(r["outcome"], "interrupted");
    assert_eq!(r["urls"][0]["state"], "stopped");
    r
}

fn between_attempts(sig: Sig) {
    // held closed for the whole test: every attempt is refused
    let closed = test_support::ClosedPort::new();
    let mut running = start(&format!("http://127.0.0.1:{}/", closed.port()));
    // the signal handlers are installed on the first poll of the run, so surely before the
    // second attempt
    running.wait_for_stderr("#2 connection refused");
    let begin = Instant::now();
    running.signal(sig);
    let out = running.wait();
    let r = assert_interrupted(&out, sig, begin);
    assert!(r["urls"][0]["attempts"].as_u64().unwrap() >= 2, "{r}");
}

#[test]
fn between_attempts_sigint_ends_the_probe_with_a_report() {
    between_attempts(Sig::Int);
}

#[test]
fn between_attempts_sigterm_ends_the_probe_with_a_report() {
    between_attempts(Sig::Term);
}

fn during_an_attempt(sig: Sig) {
    let server = Server::start(|_| Reply::text(200, "late").delay(Duration::from_mins(1)));
    let mut running = start(&server.url("/"));
    running.wait_until("sending its first request", |_| {
        (server.hits() >= 1).then_some(())
    });
    let begin = Instant::now();
    running.signal(sig);
    let out = running.wait();
    let r = assert_interrupted(&out, sig, begin);
    let url = &r["urls"][0];
    assert_eq!(url["attempts"], 1, "{r}");
    assert_eq!(
        url["last_error"],
        format!("interrupted by {} before it finished", sig.name()),
        "{r}"
    );
}

#[test]
fn during_an_attempt_sigint_abandons_it_and_reports_it() {
    during_an_attempt(Sig::Int);
}

#[test]
fn during_an_attempt_sigterm_abandons_it_and_reports_it() {
    during_an_attempt(Sig::Term);
}

/// A second signal right behind the first changes nothing: the first already ends the run at
/// once; one line, one report, the first signal's code.
#[test]
fn a_second_signal_changes_nothing() {
    for (first, second) in [(Sig::Int, Sig::Int), (Sig::Term, Sig::Term)] {
        let server = Server::start(|_| Reply::text(200, "late").delay(Duration::from_mins(1)));
        let mut running = start(&server.url("/"));
        running.wait_until("sending its first request", |_| {
            (server.hits() >= 1).then_some(())
        });
        let begin = Instant::now();
        running.signal(first);
        running.signal(second);
        let out = running.wait();
        assert_interrupted(&out, first, begin);
    }
}
