//! The files the flags name are read with a size limit (an endless `/dev/zero` is refused at
//! once, exit 2, naming the limit) and within the --timeout deadline (a FIFO nobody writes
//! to ends the run at the deadline, exit 1).

use std::time::{Duration, Instant};

use test_support::http::{Reply, Server};

use crate::{probe, stderr, stdout};

/// Run with `args` against a live server and check for a usage error mentioning `expected`,
/// in bounded time, with no request sent.
fn refused(args: &[&str], expected: &str) {
    let server = Server::start(|_| Reply::text(200, "ok"));
    let started = Instant::now();
    let out = probe()
        .args(["--timeout", "30s"])
        .args(args)
        .arg(server.url("/health"))
        .timeout(Duration::from_secs(20))
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert_eq!(stdout(&out), "", "{args:?}");
    assert!(
        err.contains(expected),
        "{args:?}: expected {expected:?} in:\n{err}"
    );
    assert!(!err.contains('\0'), "{args:?}");
    assert_eq!(server.hits(), 0, "{args:?}: a request was sent");
    assert!(started.elapsed() < Duration::from_secs(15), "{args:?}");
}

#[test]
fn endless_files_are_refused_at_their_limit() {
    refused(
        &["--data-file", "/dev/zero"],
        "health-probe: error: cannot read the request body (--data-file) from /dev/zero: \
         larger than 16 MiB, the limit; a health check's request body is small: is it the \
         right file?\n",
    );
    refused(
        &["--header-file", "/dev/zero"],
        "health-probe: error: --header-file /dev/zero: cannot read it: larger than 1 MiB, \
         the limit; a header file holds a few headers, one a line: is it the right file?\n",
    );
    refused(
        &["--cacert", "/dev/zero"],
        "health-probe: error: --cacert /dev/zero: cannot read it: larger than 4 MiB, the \
         limit;",
    );
}

#[test]
fn a_body_on_stdin_is_limited_too() {
    let server = Server::start(|_| Reply::text(200, "ok"));
    let out = probe()
        .args(["--data-file", "-"])
        .arg(server.url("/health"))
        .write_stdin(vec![b'x'; (16 << 20) + 1])
        .timeout(Duration::from_secs(20))
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("cannot read the request body (--data-file) from stdin: larger than 16 MiB"),
        "{err}"
    );
    assert_eq!(server.hits(), 0);
}

#[test]
fn reading_keeps_to_the_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(|_| Reply::text(200, "ok"));
    for flag in ["--data-file", "--header-file"] {
        // A FIFO nobody opens for writing: opening it for reading waits for ever.
        let fifo = dir.path().join(flag.trim_start_matches('-'));
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let started = Instant::now();
        let out = probe()
            .args(["--timeout", "1s", flag])
            .arg(&fifo)
            .arg(server.url("/health"))
            .timeout(Duration::from_secs(20))
            .output()
            .unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{flag}: {err}");
        assert_eq!(
            err,
            format!(
                "health-probe: error: {flag} {}: still reading it at the --timeout deadline (1s)\n",
                fifo.display()
            )
        );
        assert!(started.elapsed() < Duration::from_secs(10), "{flag}");
        assert_eq!(server.hits(), 0);
    }
}
