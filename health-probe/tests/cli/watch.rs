//! --stay-healthy: the canary watch after every URL is healthy.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use test_support::http::{Reply, Server};

use crate::{probe, report, stderr};

#[test]
fn stay_healthy_catches_a_server_that_breaks_after_becoming_healthy() {
    // healthy for 3 answers, then broken for good
    let n = AtomicUsize::new(0);
    let server = Server::start(move |_| {
        if n.fetch_add(1, Ordering::SeqCst) < 3 {
            Reply::text(200, "ok")
        } else {
            Reply::text(500, "crashed")
        }
    });
    let started = Instant::now();
    let out = probe()
        .args(["-i", "100ms", "--stay-healthy", "20s", "--json"])
        .arg(server.url("/"))
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    // it fails as soon as the threshold is reached, not at the end of the window
    assert!(started.elapsed() < Duration::from_secs(15));
    assert!(
        err.contains("healthy; watching for 20s (fails on 2 consecutive failures)"),
        "{err}"
    );
    assert!(err.contains("watch #3 500 Internal Server Error"), "{err}");
    assert!(err.contains("(failure 2/2)"), "{err}");
    assert!(
        err.contains(
            "did not stay healthy: 2 consecutive checks failed during the --stay-healthy 20s watch"
        ),
        "{err}"
    );
    let r = report(&out);
    assert_eq!(r["outcome"], "unhealthy");
    assert_eq!(r["urls"][0]["state"], "unhealthy");
    assert_eq!(r["urls"][0]["watch"]["attempts"], 4);
    assert_eq!(r["urls"][0]["watch"]["failures"], 2);
    assert_eq!(r["urls"][0]["watch"]["max_consecutive_failures"], 2);
}

#[test]
fn one_blip_under_the_unhealthy_threshold_passes() {
    let n = AtomicUsize::new(0);
    let server = Server::start(move |_| {
        if n.fetch_add(1, Ordering::SeqCst) == 2 {
            Reply::status(502)
        } else {
            Reply::text(200, "ok")
        }
    });
    let out = probe()
        .args(["-i", "100ms", "--stay-healthy", "800ms", "--json"])
        .arg(server.url("/"))
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("is healthy (1 attempt,") && err.contains("and stayed healthy for 800ms"),
        "{err}"
    );
    let r = report(&out);
    assert_eq!(r["healthy"], true);
    assert_eq!(r["urls"][0]["watch"]["failures"], 1);
    assert!(
        r["urls"][0]["watch"]["attempts"].as_u64().unwrap() >= 5,
        "{r}"
    );
}

#[test]
fn unhealthy_threshold_one_fails_on_the_first_failure() {
    let broken = Arc::new(AtomicBool::new(false));
    let b = broken.clone();
    let server = Server::start(move |_| {
        if b.load(Ordering::SeqCst) {
            Reply::status(503)
        } else {
            b.store(true, Ordering::SeqCst);
            Reply::text(200, "ok")
        }
    });
    let out = probe()
        .args([
            "-i",
            "100ms",
            "--stay-healthy",
            "10s",
            "--unhealthy-threshold",
            "1",
        ])
        .arg(server.url("/"))
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("the last check failed during the --stay-healthy 10s watch"),
        "{err}"
    );
    assert_eq!(server.hits(), 2);
}
