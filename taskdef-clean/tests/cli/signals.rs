//! SIGINT and SIGTERM while a filter runs: the filter's worker is stopped, nothing is
//! written (no partial output, no temporary file beside the -o file), and the exit code is
//! the shell's (130, 143) with a one-line message.

use std::io::Read as _;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use test_support::CommandExt as _;

/// The processes whose parent is `parent`.
fn children_of(parent: u32) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(child) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{child}/stat")) else {
            continue;
        };
        // pid (comm) state ppid ...: comm may hold spaces, so split after the last ')'.
        let after = &stat[stat.rfind(')').unwrap() + 2..];
        let parent_of: u32 = after.split(' ').nth(1).unwrap().parse().unwrap();
        if parent_of == parent {
            found.push(child);
        }
    }
    found
}

/// Whether `pid` is a live process (not gone, not a zombie waiting to be reaped).
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        let state = stat[stat.rfind(')').unwrap() + 2..].chars().next();
        !matches!(state, Some('Z' | 'X'))
    })
}

/// Whether `pid` handles SIGINT and SIGTERM (its `SigCgt` mask has bits 2 and 15).
fn handles_signals(pid: u32) -> bool {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("SigCgt:"))
        .and_then(|mask| u64::from_str_radix(mask.trim(), 16).ok())
        .is_some_and(|mask| mask & (1 << 1) != 0 && mask & (1 << 14) != 0)
}

/// Wait (at most a generous `limit`) until `done` holds.
fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    done()
}

fn stops_on(signal: &str, filter: &str, code: i32) {
    let input_dir = tempfile::tempdir().unwrap();
    let input = input_dir.path().join("td.json");
    std::fs::write(
        &input,
        r#"{"family": "w", "containerDefinitions": [{"name": "a", "image": "nginx", "memory": 128}]}"#,
    )
    .unwrap();
    let out_dir = tempfile::tempdir().unwrap();
    let out = out_dir.path().join("out.json");
    let mut child = Command::new(assert_cmd::cargo::cargo_bin!("taskdef-clean"))
        .scrub_env()
        .arg("-f")
        .arg(&input)
        .arg("-o")
        .arg(&out)
        .args(["--filter", filter])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The filter runs once the handlers are installed and its worker exists (the filter is
    // compiled in a worker of its own before: that one is gone by then).
    let mut workers = Vec::new();
    assert!(
        wait_until(Duration::from_secs(30), || {
            workers = children_of(child.id());
            workers.retain(|w| alive(*w));
            handles_signals(child.id()) && !workers.is_empty()
        }),
        "no filter worker started"
    );
    let sent = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let mut stdout = String::new();
    let mut stderr = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(code), "{signal}: {stderr}");
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        format!("taskdef-clean: error: stopped by SIG{signal}; nothing written\n")
    );
    assert_eq!(
        std::fs::read_dir(out_dir.path()).unwrap().count(),
        0,
        "something was written in the -o directory"
    );
    for worker in workers {
        assert!(
            wait_until(Duration::from_secs(10), || !alive(worker)),
            "the filter worker {worker} still runs"
        );
    }
}

#[test]
fn sigterm_stops_a_runaway_filter() {
    stops_on("TERM", "[range(1e12)] | length", 143);
}

#[test]
fn sigint_stops_a_runaway_filter() {
    stops_on("INT", "def f: f; f", 130);
}
