//! `--expect-json` filters that recurse without end or never finish: they run in a worker
//! process that the deadline and signals stop, and the probe ends with its documented code and
//! a complete report.

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::json;
use test_support::http::{Reply, Server};

use crate::{Running, probe, probe_process, report, stderr};

/// The pids whose parent is `pid` (from /proc).
fn children(pid: u32) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // pid (comm) state ppid ...: comm may hold spaces, so split after the last ')'.
        let Some((_, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        if rest.split_whitespace().nth(1) == Some(&pid.to_string()) {
            found.extend(
                entry
                    .file_name()
                    .to_str()
                    .and_then(|s| s.parse::<u32>().ok()),
            );
        }
    }
    found
}

/// Whether process `pid` is gone (or a zombie nobody will run again).
fn gone(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).map_or(true, |stat| {
        stat.rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z'))
    })
}

#[test]
fn a_filter_that_recurses_without_end_fails_the_attempt_with_a_report() {
    let server = Server::start(|_| Reply::json(200, &json!({"status": "healthy"})));
    let out = probe()
        .args(["-t", "60s", "-i", "100ms", "--max-attempts", "2", "--json"])
        .args(["--expect-json", "def f: 1 + f; f"])
        .arg(server.url("/health"))
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let r = report(&out);
    assert_eq!(r["outcome"], "gave-up");
    assert_eq!(
        r["urls"][0]["last_failures"],
        json!([
            "--expect-json 'def f: 1 + f; f' failed: the filter recursed too deeply (stack \
             overflow): a recursive def that never ends, or recursion as deep as the data or the \
             filter is nested"
        ])
    );
    assert_eq!(r["urls"][0]["attempts"], 2, "{r}");
    assert!(!err.contains("overflowed"), "{err}");
}

#[test]
fn a_busy_filter_ends_at_the_deadline_with_the_timeout_code() {
    let server = Server::start(|_| Reply::json(200, &json!({"status": "healthy"})));
    let started = Instant::now();
    let out = probe()
        .args(["-t", "2s", "--json"])
        .args(["--expect-json", "def f: f; f"])
        .arg(server.url("/health"))
        .output()
        .unwrap();
    let took = started.elapsed();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    // A generous bound: the deadline is 2s; before the fix the probe said healthy at 10s+.
    assert!(took < Duration::from_secs(8), "took {took:?}");
    let r = report(&out);
    assert_eq!(r["outcome"], "timeout");
    assert_eq!(r["healthy"], false);
    // The attempt had what was left of the 2s deadline: 2s, or a little less on a busy machine.
    let failures = r["urls"][0]["last_failures"].as_array().unwrap();
    assert_eq!(failures.len(), 1, "{r}");
    let failure = failures[0].as_str().unwrap();
    let after = failure
        .strip_prefix("--expect-json did not finish: timed out after ")
        .and_then(|rest| rest.strip_suffix("s (the deadline)"))
        .unwrap_or_else(|| panic!("{failure}"));
    assert!(matches!(after, "2" | "1.9" | "1.8" | "1.7"), "{failure}");
    assert!(err.contains("not healthy by the deadline (2s)"), "{err}");
}

#[test]
fn sigterm_during_a_busy_filter_stops_the_probe_and_the_worker() {
    let server = Server::start(|_| Reply::json(200, &json!({"status": "healthy"})));
    let mut cmd = probe_process();
    cmd.args(["-t", "60s", "--json"])
        .args(["--expect-json", "[limit(1e9; repeat(.))] | length == 1"])
        .arg(server.url("/health"));
    let mut running = Running::start(&mut cmd);
    running.collect_stdout();
    let pid = running.pid();
    // The response is in and the filter is running in its worker (a child of the probe).
    // A child that still has the probe's own command line is forked but not yet the worker
    // (exec has not happened): wait for the worker itself.
    let cmdline = |pid: u32| std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    let own = cmdline(pid);
    let worker = running.wait_until("starting a filter worker", |_| {
        (server.hits() >= 1)
            .then(|| {
                children(pid)
                    .into_iter()
                    .find(|c| !cmdline(*c).is_empty() && cmdline(*c) != own)
            })
            .flatten()
    });
    // The filter, its variables and the input go through a pipe, never argv.
    let argv = std::fs::read(format!("/proc/{worker}/cmdline")).unwrap_or_default();
    assert!(
        // (the filter's text: "limit" alone could be in the binary's path)
        !String::from_utf8_lossy(&argv).contains("repeat(.)"),
        "{argv:?}"
    );
    let started = Instant::now();
    let killed = Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = running.wait();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(143), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    assert!(err.contains("error: interrupted after "), "{err}");
    let r = report(&out);
    assert_eq!(r["outcome"], "interrupted");
    assert_eq!(r["urls"][0]["state"], "stopped");
    // The attempt in progress (its filter busy) counts, and says why it has no result.
    assert_eq!(r["urls"][0]["attempts"], 1, "{r}");
    assert_eq!(
        r["urls"][0]["last_error"], "interrupted by SIGTERM before it finished",
        "{r}"
    );
    // The worker was killed with the probe, not left running.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !gone(worker) {
        assert!(
            Instant::now() < deadline,
            "the filter worker {worker} is still running"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
