//! Size and depth: a body nested past the limit, a filter that yields such a value, a 10 MB
//! body from a real local server; memory stays within `--max-body` times a small factor.

use std::process::Command;

use test_support::http::{Reply, Server};
use test_support::memory;

use crate::{probe, probe_process, stderr};

/// A JSON body of about `bytes`: `{"status": "ok", "items": [{...}, ...]}`.
fn big_body(bytes: usize) -> Vec<u8> {
    let mut body = br#"{"status": "ok", "items": ["#.to_vec();
    let mut i = 0;
    while body.len() < bytes {
        if i > 0 {
            body.push(b',');
        }
        body.extend_from_slice(
            format!(r#"{{"id": {i}, "name": "item-{i}", "healthy": true, "load": 0.{i}}}"#)
                .as_bytes(),
        );
        i += 1;
    }
    body.extend_from_slice(b"]}");
    body
}

#[test]
fn a_body_nested_deeper_than_the_limit_fails_the_attempt() {
    let nested = |depth: usize| {
        format!(
            "{{\"status\": \"ok\",\n \"x\": {}{}}}",
            "[".repeat(depth),
            "]".repeat(depth)
        )
    };
    // The object and 99 arrays: 100 levels, at the limit, healthy.
    let body = nested(99);
    let server =
        Server::start(move |_| Reply::text(200, &body).header("content-type", "application/json"));
    let out = probe()
        .args(["--expect-json", r#".status == "ok""#])
        .arg(server.url("/"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    for depth in [100, 100_000] {
        let body = nested(depth);
        let server = Server::start(move |_| {
            Reply::text(200, &body).header("content-type", "application/json")
        });
        let out = probe()
            .args(["-t", "1m", "--max-attempts", "1"])
            .args(["--expect-json", r#".status == "ok""#])
            .arg(server.url("/"))
            .output()
            .unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{err}");
        // The object is the first level, the 100th bracket the 101st: column 106 of line 2.
        assert!(
            err.contains(
                "the body is not JSON the probe reads (line 2, column 106: arrays and objects \
                 nested more than 100 levels deep (the limit is 100))"
            ),
            "depth {depth}: {err}"
        );
        assert!(!err.contains("overflow"), "{err}");
    }
}

#[test]
fn a_filter_that_yields_a_value_nested_too_deep_fails_the_attempt() {
    let server = Server::start(|_| Reply::text(200, r#"{"status": "ok"}"#));
    for depth in [101, 100_000] {
        let filter = format!("reduce range({depth}) as $i (.; [.])");
        let out = probe()
            // One attempt, with time for the worker to build 100,000 levels on a busy machine.
            .args(["-t", "2m", "--max-attempts", "1", "--expect-json", &filter])
            .arg(server.url("/"))
            .output()
            .unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(
            err.contains(&format!(
                "--expect-json '{filter}' failed: the filter yielded a value nested more than \
                 100 levels deep (the limit is 100)"
            )),
            "{err}"
        );
    }
}

fn serve(body: Vec<u8>) -> Server {
    Server::start(move |_| {
        Reply::text(200, "")
            .body(body.clone())
            .header("content-type", "application/json")
    })
}

fn run(url: &str, args: &[&str]) -> memory::Measured {
    let mut cmd: Command = probe_process();
    cmd.args(args).arg(url);
    memory::run(&mut cmd, Vec::new())
}

/// A 10 MB body is read only to `--max-body` (1 MiB by default): a text check passes, a JSON
/// check fails the attempt saying so, and the probe's memory is the cap's, not the body's.
#[test]
fn a_10_mb_body_is_read_only_to_the_cap() {
    let server = serve(big_body(10 << 20));
    let url = server.url("/");
    let plain = run(&url, &["--expect-body", "ok"]);
    assert_eq!(
        plain.output.status.code(),
        Some(0),
        "{}",
        stderr(&plain.output)
    );
    let capped = run(
        &url,
        &[
            "-t",
            "1s",
            "-i",
            "100ms",
            "--expect-json",
            ".status == \"ok\"",
        ],
    );
    let err = stderr(&capped.output);
    assert_eq!(capped.output.status.code(), Some(1), "{err}");
    assert!(
        err.contains("the body is larger than --max-body (1048576 bytes)"),
        "{err}"
    );
    eprintln!(
        "10 MB body, 1 MiB cap: peak RSS {} MiB (text), {} MiB (JSON, refused)",
        plain.peak_mib(),
        capped.peak_mib()
    );
    // The README's bound: about 20 MiB besides the cap.
    for m in [&plain, &capped] {
        assert!(m.peak_mib() < 24, "{} MiB", m.peak_mib());
    }
}

/// A body checked as JSON costs memory in proportion: the README's bound, about 25 times the
/// body (the parsed values and the filter's worker) plus 20 MiB.
fn json_body_within_its_bound(bytes: usize) {
    let server = serve(big_body(bytes));
    let m = run(
        &server.url("/"),
        &[
            "--max-attempts",
            "1",
            "--attempt-timeout",
            "5m",
            "--max-body",
            "16MiB",
            "--expect-json",
            r#".status == "ok" and (.items | length) > 1000"#,
        ],
    );
    assert_eq!(m.output.status.code(), Some(0), "{}", stderr(&m.output));
    let bound = u64::try_from(bytes >> 20).unwrap() * 25 + 20;
    eprintln!(
        "{} MiB JSON body: peak RSS {} MiB, bound {bound} MiB",
        bytes >> 20,
        m.peak_mib()
    );
    assert!(m.peak_mib() < bound, "{} MiB", m.peak_mib());
}

#[test]
fn a_2_mb_json_body_is_checked_within_its_memory_bound() {
    json_body_within_its_bound(2 << 20);
}

#[test]
#[ignore = "a 10 MB JSON body: about 30 s in a debug build; bench/size-limits.sh runs it"]
fn a_10_mb_json_body_is_checked_within_its_memory_bound() {
    json_body_within_its_bound(10 << 20);
}
