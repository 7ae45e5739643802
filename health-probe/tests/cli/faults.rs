//! Through `test_support::faults::FaultProxy` between the probe and a real local server
//! (throttling with `Retry-After`, 5xx, a gateway's HTML page, resets, latency, slow bodies
//! for a seeded share of the attempts), and behind a resolver that fails or hangs
//! (`resolver_shim.c`, put in front of the C library's `getaddrinfo` with `LD_PRELOAD`; it
//! is compiled with `cc`, the C compiler Rust links with on Linux, so any machine that builds
//! the tools has it).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use test_support::faults::{Fault, FaultProxy, Faults};
use test_support::http::{Reply, Server};

use crate::{probe, report, stderr};

/// A server that answers `{"status": STATUS}` to every request.
fn server(status: &'static str) -> Server {
    Server::start(move |_| Reply::json(200, &serde_json::json!({ "status": status })))
}

#[test]
fn under_30_percent_faults_the_verdict_is_the_servers() {
    let mut faulted = 0;
    for seed in [1, 2, 3, 4] {
        // Healthy: ten good answers in a row, whatever the faults in between.
        let up = server("up");
        let proxy = FaultProxy::start(&up.url(""), Faults::seeded(seed).rate(0.3));
        let out = probe()
            .args(["-i", "50ms", "-t", "60s", "--healthy-threshold", "10"])
            .args(["--expect-json", r#".status == "up""#, "--json"])
            .arg(format!("{}/health", proxy.url()))
            .timeout(Duration::from_secs(90))
            .output()
            .unwrap();
        let err = stderr(&out);
        let injected = proxy.injected();
        assert_eq!(
            out.status.code(),
            Some(0),
            "seed {seed}: {injected:?}\n{err}"
        );
        let r = report(&out);
        assert_eq!(r["outcome"], "healthy", "seed {seed}");
        // Every attempt went through the proxy; those that failed are exactly the faults
        // that answer in the server's place (latency and a slow body still get its answer).
        let url = &r["urls"][0];
        let attempts = url["attempts"].as_u64().unwrap();
        let failed = attempts - url["successes"].as_u64().unwrap();
        let answering = injected.total() - injected.of("latency") - injected.of("slow-body");
        assert_eq!(attempts, injected.requests as u64, "seed {seed}: {err}");
        assert_eq!(failed, answering as u64, "seed {seed}: {err}");
        faulted += answering;

        // Unhealthy: no fault turns an unmet expectation into a success.
        let down = server("down");
        let proxy = FaultProxy::start(&down.url(""), Faults::seeded(seed).rate(0.3));
        let started = Instant::now();
        let out = probe()
            .args(["-i", "50ms", "-t", "3s"])
            .args(["--expect-json", r#".status == "up""#, "--json"])
            .arg(format!("{}/health", proxy.url()))
            .timeout(Duration::from_mins(1))
            .output()
            .unwrap();
        let took = started.elapsed();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "seed {seed}: {err}");
        let r = report(&out);
        assert_eq!(r["healthy"], false, "seed {seed}");
        // The deadline, or a Retry-After (a throttling fault) that points past it.
        assert!(
            r["outcome"] == "timeout" || r["outcome"] == "gave-up",
            "seed {seed}: {r}"
        );
        assert_eq!(r["urls"][0]["successes"], 0, "seed {seed}");
        assert!(took < Duration::from_secs(10), "seed {seed}: took {took:?}");
        assert!(proxy.injected().total() > 0, "seed {seed}");
    }
    // Failed attempts the healthy server had to be probed through.
    assert!(faulted >= 3, "{faulted}");
}

#[test]
fn a_reset_is_a_failed_attempt_and_the_probe_goes_on() {
    let up = server("up");
    let proxy = FaultProxy::start(&up.url(""), Faults::always(Fault::Reset).first(2));
    let out = probe()
        .args(["-i", "50ms", "-t", "30s", "--json"])
        .arg(format!("{}/health", proxy.url()))
        .timeout(Duration::from_mins(1))
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains(": #1 ") && err.contains(": #3 200 OK"),
        "{err}"
    );
    let r = report(&out);
    assert_eq!(r["urls"][0]["attempts"], 3, "{err}");
    assert_eq!(up.hits(), 1, "{err}");
}

/// The resolver shim, compiled once per test binary into a temporary directory.
fn shim() -> PathBuf {
    static SHIM: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    SHIM.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        let source = dir.join("resolver_shim.c");
        std::fs::write(&source, include_str!("resolver_shim.c")).unwrap();
        let lib = dir.join("resolver_shim.so");
        let status = std::process::Command::new("cc")
            .args(["-shared", "-fPIC", "-O2", "-o"])
            .arg(&lib)
            .arg(&source)
            .arg("-ldl")
            .status()
            .expect("these tests need a C compiler (cc) for the resolver shim");
        assert!(status.success(), "cc failed on the resolver shim");
        lib
    })
    .clone()
}

#[test]
fn dns_failures_are_failed_attempts_until_the_name_appears() {
    let up = server("up");
    let port = up.url("").rsplit(':').next().unwrap().to_owned();
    let out = probe()
        .env("LD_PRELOAD", shim())
        .env("LATE_FAILURES", "2")
        .args(["-i", "50ms", "-t", "30s", "--json"])
        .arg(format!("http://lb.late.test:{port}/health"))
        .timeout(Duration::from_mins(1))
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(
        err.matches(": #1 DNS: failed to lookup address information")
            .count()
            + err
                .matches(": #2 DNS: failed to lookup address information")
                .count(),
        2,
        "{err}"
    );
    assert!(err.contains(": #3 200 OK"), "{err}");
    assert_eq!(report(&out)["urls"][0]["attempts"], 3);

    // A name that never resolves: failed attempts to the deadline, the error named.
    let out = probe()
        .env("LD_PRELOAD", shim())
        .args(["-i", "50ms", "-t", "2s", "--json"])
        .arg(format!("http://lb.fails.test:{port}/health"))
        .timeout(Duration::from_mins(1))
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let r = report(&out);
    assert_eq!(r["outcome"], "timeout");
    assert!(
        r["urls"][0]["last_error"]
            .as_str()
            .unwrap()
            .starts_with("DNS: "),
        "{r}"
    );
    assert!(r["urls"][0]["attempts"].as_u64().unwrap() >= 2, "{r}");
}

#[test]
fn the_deadline_holds_when_a_dns_lookup_hangs() {
    for url in [
        "http://lb.hangs.test:8080/health",
        "tcp://db.hangs.test:5432",
    ] {
        let started = Instant::now();
        let out = probe()
            .env("LD_PRELOAD", shim())
            .args(["-t", "2s", "--attempt-timeout", "10s", "--json", url])
            .timeout(Duration::from_mins(1))
            .output()
            .unwrap();
        let took = started.elapsed();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{url}: {err}");
        assert_eq!(report(&out)["outcome"], "timeout", "{url}: {err}");
        // 2 s, not the lookup's forever nor the attempt's 10 s.
        assert!(took < Duration::from_secs(6), "{url}: took {took:?}: {err}");
    }
}
