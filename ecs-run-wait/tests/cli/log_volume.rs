//! A long log stream: every line once, in order, and the tool's memory bounded by a page,
//! not by the stream.
//!
//! CloudWatch Logs is a local server of the test's own (`AWS_ENDPOINT_URL_CLOUDWATCH_LOGS`,
//! which the SDK prefers to `AWS_ENDPOINT_URL` for that service), generating the stream's
//! pages as they are asked for; ECS is the emulator. Not the emulator's logs: moto keeps
//! every event as a Python object and sorts the whole stream for every page it serves
//! (a million lines: minutes to put, minutes to read), and not a mocked client: the binary's
//! own memory is what is measured.

use std::time::Duration;

use serde_json::json;
use test_support::http::{Reply, Server};
use test_support::memory;

use crate::fixture::{setup, stop_now};

/// A GetLogEvents server for one stream of `lines` lines, `page` events a page, each page
/// answered after `delay`; tokens `f/N` (the next index).
fn stream_server(lines: usize, page: usize, delay: Duration) -> Server {
    Server::start(move |req| {
        assert_eq!(
            req.header("x-amz-target"),
            Some("Logs_20140328.GetLogEvents"),
            "only GetLogEvents is expected here"
        );
        let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
        let start: usize = body["nextToken"]
            .as_str()
            .map_or(0, |t| t.trim_start_matches("f/").parse().unwrap());
        let end = (start + page).min(lines);
        let events: Vec<serde_json::Value> = (start..end)
            .map(|i| {
                json!({"timestamp": 1_700_000_000_000_u64 + i as u64, "ingestionTime": 1_700_000_000_000_u64,
                       "message": format!("line {i:07} of the migration, with some text after it")})
            })
            .collect();
        Reply::json(
            200,
            &json!({"events": events, "nextForwardToken": format!("f/{end}"),
                    "nextBackwardToken": format!("b/{start}")}),
        )
        .header("Content-Type", "application/x-amz-json-1.1")
        .delay(delay)
    })
}

/// Run a task that stops at once, whose stream holds `lines` lines; every line once, in
/// order; the peak memory in MiB.
fn follow(lines: usize, page: usize, delay: Duration) -> u64 {
    let env = setup();
    stop_now(&env.moto);
    let logs = stream_server(lines, page, delay);
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin!("ecs-run-wait"));
    test_support::CommandExt::scrub_env(&mut cmd)
        .envs(env.moto.env())
        .env("AWS_ENDPOINT_URL_CLOUDWATCH_LOGS", logs.url(""))
        .args(env.run_args())
        .arg("--quiet");
    let m = memory::run(&mut cmd, Vec::new());
    let stderr = String::from_utf8_lossy(&m.output.stderr);
    assert_eq!(m.output.status.code(), Some(0), "{stderr}");
    let mut n = 0;
    for (i, line) in m.output.stdout.split(|&b| b == b'\n').enumerate() {
        if i == lines {
            assert!(line.is_empty(), "more lines than the stream has");
            break;
        }
        let want = format!("line {i:07} of the migration, with some text after it");
        assert_eq!(line, want.as_bytes(), "line {i}");
        n += 1;
    }
    assert_eq!(n, lines);
    eprintln!(
        "{lines} lines in pages of {page}: {} MiB peak, {} bytes of output",
        m.peak_mib(),
        m.output.stdout.len()
    );
    m.peak_mib()
}

/// 90,000 lines in 300 pages, each answered after 50 ms: the drain after the stop reads 50
/// pages a poll, about 16 s in all, longer than the 10 s the tool gives reads that fail,
/// and still reads them all (it stopped after the poll that passed 10 s, losing the last 50
/// pages). Memory: a page's worth, not the stream's (the output alone is 5 MB).
#[test]
fn a_long_stream_is_read_to_its_end_after_the_stop_with_bounded_memory() {
    let peak = follow(90_000, 300, Duration::from_millis(50));
    assert!(peak < 60, "{peak} MiB");
}

/// The million lines (60 MB of output), in CloudWatch's largest pages (10,000
/// events): the same bound as 100,000 lines.
#[test]
#[ignore = "a million lines: about a minute in a debug build; bench/size-limits.sh runs it"]
fn a_million_line_stream_is_followed_with_bounded_memory() {
    let peak = follow(1_000_000, 10_000, Duration::ZERO);
    assert!(peak < 60, "{peak} MiB");
}
