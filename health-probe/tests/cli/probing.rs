//! Waiting for health: failures then success, thresholds, a server that appears mid-run,
//! slow servers, the deadline, several URLs, Retry-After.

use std::time::{Duration, Instant};

use test_support::http::{Reply, Server};

use crate::{
    Running, healthy_after, probe, probe_process, report, scripted, stderr, stdout, timed,
};

#[test]
fn healthy_only_after_k_failures() {
    let server = healthy_after(3);
    let out = probe()
        .args(["-i", "100ms", "-t", "30s", "--json", &server.url("/health")])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(err.matches("503 Service Unavailable").count(), 3, "{err}");
    assert!(err.contains("status 503 is not in 200-299"), "{err}");
    assert!(err.contains("body: \"starting\""), "{err}");
    assert!(err.contains(": #4 200 OK in "), "{err}");
    assert!(err.contains("is healthy (4 attempts"), "{err}");
    assert_eq!(server.hits(), 4);
    let r = report(&out);
    assert_eq!(r["healthy"], true);
    assert_eq!(r["outcome"], "healthy");
    assert_eq!(r["urls"][0]["attempts"], 4);
    assert_eq!(r["urls"][0]["last_status"], 200);
    assert!(r["urls"][0]["time_to_healthy_ms"].as_u64().unwrap() >= 300);
}

#[test]
fn flapping_needs_the_healthy_threshold_in_a_row() {
    let ok = || Reply::text(200, "ok");
    let bad = || Reply::text(503, "flap");
    let server = scripted(vec![ok(), ok(), bad(), ok(), ok(), bad(), ok(), ok(), ok()]);
    let out = probe()
        .args(["-i", "50ms", "--healthy-threshold", "3", "--json"])
        .arg(server.url("/"))
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains(": ok (2/3)"), "{err}");
    assert!(
        err.contains("#9 200 OK") && err.contains(": ok (3/3)"),
        "{err}"
    );
    let r = report(&out);
    assert_eq!(r["urls"][0]["attempts"], 9);
    assert_eq!(r["urls"][0]["successes"], 7);
}

#[test]
fn a_flapping_server_never_reaches_the_threshold() {
    let server = Server::start({
        let n = std::sync::atomic::AtomicUsize::new(0);
        move |_| {
            if n.fetch_add(1, std::sync::atomic::Ordering::SeqCst) % 3 == 2 {
                Reply::text(503, "flap")
            } else {
                Reply::text(200, "ok")
            }
        }
    });
    let out = probe()
        .args(["-i", "50ms", "-t", "1s", "--healthy-threshold", "3"])
        .arg(server.url("/"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("not healthy by the deadline (1s)"));
    assert_eq!(stdout(&out), "");
}

#[test]
fn connection_refused_until_the_server_starts_mid_run() {
    let closed = test_support::ClosedPort::new();
    let url = closed.url("/health");
    let mut cmd = probe_process();
    cmd.args(["-i", "200ms", "-t", "30s", "--json", &url]);
    let mut running = Running::start(&mut cmd);
    running.collect_stdout();
    running.wait_for_stderr("#2 connection refused");
    let _server = Server::start_on_port(closed, |_| Reply::text(200, "up"));
    let out = running.wait();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("#1 connection refused after"), "{err}");
    let r = report(&out);
    assert!(r["urls"][0]["attempts"].as_u64().unwrap() >= 3, "{r}");
    assert_eq!(r["urls"][0]["last_status"], 200);
}

#[test]
fn a_slow_server_hits_the_attempt_timeout_then_answers() {
    let server = scripted(vec![
        Reply::text(200, "slow").delay(Duration::from_secs(3)),
        Reply::text(200, "fast"),
    ]);
    let out = probe()
        .args(["-i", "100ms", "--attempt-timeout", "300ms", "-t", "20s"])
        .arg(server.url("/"))
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("#1 timed out after 300ms (--attempt-timeout)"),
        "{err}"
    );
    assert!(err.contains("#2 200 OK"), "{err}");
}

#[test]
fn max_latency_fails_slow_answers() {
    let server = Server::start(|_| Reply::text(200, "ok").delay(Duration::from_millis(400)));
    let out = probe()
        .args([
            "-i",
            "100ms",
            "-t",
            "1500ms",
            "--max-latency",
            "100ms",
            "--json",
        ])
        .arg(server.url("/"))
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("200 OK in "), "{err}");
    assert!(err.contains(", over --max-latency 100ms"), "{err}");
    let r = report(&out);
    assert_eq!(r["urls"][0]["healthy"], false);
    assert!(
        r["urls"][0]["latency_ms"]["min"].as_u64().unwrap() >= 400,
        "{r}"
    );

    let out = probe()
        .args(["-i", "100ms", "-t", "10s", "--max-latency", "5s"])
        .arg(server.url("/"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn the_deadline_holds_when_the_server_hangs() {
    let server = Server::start(|_| Reply::text(200, "late").delay(Duration::from_secs(30)));
    let started = Instant::now();
    let out = probe()
        .args(["-t", "2s", "--attempt-timeout", "10s", "--json"])
        .arg(server.url("/"))
        .output()
        .unwrap();
    let took = started.elapsed();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(took < Duration::from_secs(4), "took {took:?}");
    // the one attempt got the time left, not the 10s --attempt-timeout
    assert!(err.contains("#1 timed out after "), "{err}");
    assert!(err.contains(" (the deadline)\n"), "{err}");
    assert!(
        err.contains("not healthy by the deadline (2s) after 1 attempt"),
        "{err}"
    );
    let r = report(&out);
    assert_eq!(r["outcome"], "timeout");
    let last = r["urls"][0]["last_error"].as_str().unwrap();
    assert!(last.ends_with("(the deadline)"), "{last}");
}

#[test]
fn several_urls_where_one_never_heals() {
    let good = healthy_after(1);
    let bad = Server::start(|_| Reply::text(500, "broken"));
    let out = probe()
        .args(["-i", "100ms", "-t", "2s", "--json"])
        .args([good.url("/a"), bad.url("/b")])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!("{}: healthy after 2 attempts", good.url("/a"))),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "error: {}: not healthy by the deadline",
            bad.url("/b")
        )),
        "{err}"
    );
    assert!(
        !err.contains(&format!("error: {}", good.url("/a"))),
        "{err}"
    );
    let r = report(&out);
    assert_eq!(r["healthy"], false);
    assert_eq!(r["urls"][0]["healthy"], true);
    assert_eq!(r["urls"][0]["state"], "healthy");
    assert_eq!(r["urls"][1]["healthy"], false);
    assert_eq!(r["urls"][1]["last_status"], 500);
    assert_eq!(
        r["urls"][1]["last_failures"][0],
        "status 500 is not in 200-299"
    );
}

#[test]
fn several_urls_all_heal() {
    let a = healthy_after(2);
    let b = healthy_after(0);
    let out = probe()
        .args(["-i", "100ms"])
        .args([a.url("/"), b.url("/")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("all 2 URLs are healthy"));
}

#[test]
fn retry_after_is_honoured_within_the_deadline() {
    let (server, times) = timed(|n, _| {
        if n == 0 {
            Reply::text(503, "busy").header("Retry-After", "1")
        } else {
            Reply::text(200, "ok")
        }
    });
    let out = probe()
        .args(["-i", "50ms", "-t", "20s"])
        .arg(server.url("/"))
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("; Retry-After 1s"), "{err}");
    let times = times.lock().unwrap();
    assert_eq!(times.len(), 2);
    assert!(
        times[1] - times[0] >= Duration::from_millis(950),
        "{:?}",
        times[1] - times[0]
    );
}

#[test]
fn retry_after_past_the_deadline_gives_up_at_once() {
    let server = Server::start(|_| Reply::text(429, "slow down").header("Retry-After", "3600"));
    let started = Instant::now();
    let out = probe()
        .args(["-i", "100ms", "-t", "60s", "--json"])
        .arg(server.url("/"))
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(started.elapsed() < Duration::from_secs(30));
    assert!(
        err.contains("gave up: the server asked to retry after 1h, past the deadline"),
        "{err}"
    );
    assert_eq!(server.hits(), 1);
    let r = report(&out);
    assert_eq!(r["outcome"], "gave-up");
    assert_eq!(r["urls"][0]["state"], "gave-up");
}

#[test]
fn max_attempts_gives_up_before_the_deadline() {
    let server = Server::start(|_| Reply::status(502));
    let out = probe()
        .args(["-i", "50ms", "--max-attempts", "3"])
        .arg(server.url("/"))
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("gave up: not healthy after 3 attempts (--max-attempts)"),
        "{err}"
    );
    assert_eq!(server.hits(), 3);
    // one attempt is singular
    let out = probe()
        .args(["--max-attempts", "1"])
        .arg(server.url("/"))
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(
        err.contains("gave up: not healthy after 1 attempt (--max-attempts)"),
        "{err}"
    );
}

#[test]
fn backoff_waits_longer_after_each_failure() {
    let (server, times) = timed(|n, _| {
        if n < 4 {
            Reply::status(503)
        } else {
            Reply::text(200, "ok")
        }
    });
    let out = probe()
        .args([
            "-i",
            "100ms",
            "--backoff",
            "--max-interval",
            "2s",
            "-t",
            "30s",
        ])
        .arg(server.url("/"))
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    // What the tool waited, measured where the requests arrive (start to start): after
    // failure n the wait is drawn from [100ms, min(2s, 100ms * 2^(n-1))], so the first is
    // the interval itself. Lower bounds with a little room for the arrival's own jitter,
    // upper bounds generous (a loaded machine adds to every gap).
    let times = times.lock().unwrap().clone();
    assert_eq!(times.len(), 5, "{err}");
    let gaps: Vec<Duration> = times.windows(2).map(|w| w[1] - w[0]).collect();
    let ms = Duration::from_millis;
    for (gap, ceiling) in gaps.iter().zip([100, 200, 400, 800]) {
        assert!(
            *gap >= ms(90) && *gap <= ms(ceiling + 500),
            "{gaps:?} (ceiling {ceiling}ms)\n{err}"
        );
    }
    // The waits it announces (not the first: the interval itself) are the ones it keeps:
    // each gap is the announced wait plus the attempt's own time.
    let waits: Vec<Duration> = err
        .lines()
        .filter_map(|l| l.split("; next attempt in ").nth(1))
        .map(|w| match w.strip_suffix("ms") {
            Some(n) => ms(n.parse().unwrap()),
            None => Duration::from_secs_f64(w.trim_end_matches('s').parse().unwrap()),
        })
        .collect();
    assert_eq!(waits.len(), 3, "{err}");
    for (gap, wait) in gaps[1..].iter().zip(&waits) {
        assert!(
            *gap + ms(10) >= *wait && *gap <= *wait + ms(500),
            "{gaps:?} {waits:?}\n{err}"
        );
    }
    assert!(
        !err.lines().next().unwrap().contains("next attempt"),
        "{err}"
    );
}
