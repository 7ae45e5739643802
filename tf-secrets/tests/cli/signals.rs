//! SIGINT and SIGTERM while secrets are being set, against the fake API with a slow `PUT`:
//! the write in flight finishes (or, at a second signal, is abandoned and reported in
//! doubt), nothing else is attempted, the report says which is which, and the exit code is
//! the signal's.

use std::process::Command;
use std::time::Duration;

use serde_json::Value;
use test_support::CommandExt as _;
use test_support::process::Running;

use crate::common::fixture;
use crate::fake_github::{FakeGithub, TOKEN};

/// Send a real signal to the real process.
fn kill(pid: u32, signal: i32) {
    let pid = libc::pid_t::try_from(pid).unwrap();
    // SAFETY: kill(2) takes plain integers and touches no memory of this process.
    #[allow(unsafe_code)]
    let rc = unsafe { libc::kill(pid, signal) };
    assert_eq!(rc, 0, "kill failed");
}

/// The tool setting DB_PASSWORD (whose answer takes 3 s) then BIG and RATIO, with --json;
/// returned once the PUT of DB_PASSWORD has reached the fake (and been stored there).
fn start_slow_run(fake: &FakeGithub) -> Running {
    fake.slow("PUT", "secrets/DB_PASSWORD", Duration::from_secs(3), 1);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tf-secrets"));
    cmd.scrub_env()
        .env("GITHUB_API_URL", fake.url())
        .env("GH_TOKEN", TOKEN)
        .arg("-f")
        .arg(fixture("outputs"))
        .args(["--to-github", "octo/app", "--json"])
        .args(["DB_PASSWORD=db_password", "BIG=big_number", "RATIO=ratio"]);
    let mut run = Running::start(&mut cmd);
    run.collect_stdout();
    run.wait_until("the first PUT arrived", |_| {
        (!fake.writes().is_empty()).then_some(())
    });
    run
}

fn statuses(stdout: &[u8]) -> (Vec<String>, Value) {
    let report: Value = serde_json::from_slice(stdout).unwrap();
    let statuses = report["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["status"].as_str().unwrap().to_owned())
        .collect();
    (statuses, report["interrupted"].clone())
}

#[test]
fn a_signal_lets_the_write_in_flight_finish_and_starts_no_other() {
    for (signal, name, code) in [
        (libc::SIGINT, "SIGINT", 130),
        (libc::SIGTERM, "SIGTERM", 143),
    ] {
        let fake = FakeGithub::start();
        let mut run = start_slow_run(&fake);
        kill(run.pid(), signal);
        run.wait_for_stderr(&format!("{name}: finishing the write in flight"));
        let out = run.wait();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{stderr}");
        assert_eq!(
            statuses(&out.stdout),
            (
                vec![
                    "created".to_owned(),
                    "not attempted".to_owned(),
                    "not attempted".to_owned()
                ],
                Value::from(name)
            ),
            "{stderr}"
        );
        assert!(
            stderr.ends_with(&format!(
                "tf-secrets: error: interrupted by {name}: in repository octo/app: set: \
                 DB_PASSWORD; not attempted: BIG, RATIO; a re-run sets them all again\n"
            )),
            "{stderr}"
        );
        assert!(stderr.contains("created secret DB_PASSWORD\n"), "{stderr}");
        let names: Vec<String> = fake.secrets("repos/octo/app").into_keys().collect();
        assert_eq!(names, ["DB_PASSWORD"]);
    }
}

/// Before the first write (the public key's request has not answered): the run ends at once
/// with the signal's code, nothing written, every value reported `not attempted` in a complete
/// `--json` report and once on stderr.
fn before_the_first_write(signal: i32, name: &str, code: i32) {
    let fake = FakeGithub::start();
    fake.slow("GET", "secrets/public-key", Duration::from_mins(1), 1);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tf-secrets"));
    cmd.scrub_env()
        .env("GITHUB_API_URL", fake.url())
        .env("GH_TOKEN", TOKEN)
        .arg("-f")
        .arg(fixture("outputs"))
        .args(["--to-github", "octo/app", "--json"])
        .args(["DB_PASSWORD=db_password", "BIG=big_number", "RATIO=ratio"]);
    let mut run = Running::start(&mut cmd);
    run.collect_stdout();
    run.wait_until("asking for the public key", |_| {
        (fake.arrived("GET", "secrets/public-key") > 0).then_some(())
    });
    let begin = std::time::Instant::now();
    kill(run.pid(), signal);
    let out = run.wait();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        begin.elapsed() < Duration::from_secs(30),
        "at once: {stderr}"
    );
    assert_eq!(out.status.code(), Some(code), "{stderr}");
    assert_eq!(
        statuses(&out.stdout),
        (vec!["not attempted".to_owned(); 3], Value::from(name)),
        "{stderr}"
    );
    let message = format!(
        "tf-secrets: error: interrupted by {name}: in repository octo/app: set: none; not \
         attempted: DB_PASSWORD, BIG, RATIO; a re-run sets them all again\n"
    );
    assert!(stderr.ends_with(&message), "{stderr}");
    assert_eq!(stderr.matches("error:").count(), 1, "{stderr}");
    assert!(fake.writes().is_empty());
    assert!(fake.secrets("repos/octo/app").is_empty());
}

#[test]
fn before_the_first_write_sigint_ends_at_once_and_writes_nothing() {
    before_the_first_write(libc::SIGINT, "SIGINT", 130);
}

#[test]
fn before_the_first_write_sigterm_ends_at_once_and_writes_nothing() {
    before_the_first_write(libc::SIGTERM, "SIGTERM", 143);
}

#[test]
fn a_second_signal_abandons_the_write_in_flight_and_reports_it_in_doubt() {
    let fake = FakeGithub::start();
    let mut run = start_slow_run(&fake);
    kill(run.pid(), libc::SIGINT);
    run.wait_for_stderr("SIGINT: finishing the write in flight");
    kill(run.pid(), libc::SIGTERM);
    let out = run.wait();
    let stderr = String::from_utf8_lossy(&out.stderr);
    // the first signal decides the code
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert_eq!(
        statuses(&out.stdout),
        (
            vec![
                "in doubt".to_owned(),
                "not attempted".to_owned(),
                "not attempted".to_owned()
            ],
            Value::from("SIGINT")
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "tf-secrets: error: secret DB_PASSWORD: in doubt: abandoned in flight, it may or \
             may not have been set\n"
        ),
        "{stderr}"
    );
    assert!(
        stderr.ends_with(
            "tf-secrets: error: interrupted by SIGINT: in repository octo/app: set: none; in \
             doubt (abandoned in flight, may have been set): DB_PASSWORD; not attempted: BIG, \
             RATIO; a re-run sets them all again\n"
        ),
        "{stderr}"
    );
}

/// A stand-in gh whose `set` writes its pid to `started` and then takes 30 s.
fn slow_gh(dir: &std::path::Path) -> String {
    use std::os::unix::fs::PermissionsExt as _;
    let script = format!(
        "#!/bin/sh\nif [ \"$2\" = set ]; then cat >/dev/null; echo $$ > '{}/started'; exec sleep 30; fi\nexit 0\n",
        dir.display()
    );
    let gh = dir.join("gh");
    std::fs::write(&gh, script).unwrap();
    std::fs::set_permissions(&gh, std::fs::Permissions::from_mode(0o755)).unwrap();
    format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

#[test]
fn with_gh_a_second_signal_kills_gh_and_reports_the_value_in_doubt() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tf-secrets"));
    cmd.scrub_env()
        .env("PATH", slow_gh(dir.path()))
        .arg("-f")
        .arg(fixture("outputs"))
        .args(["--to-github", "octo/app", "--via-gh", "--json"])
        .args(["DB_PASSWORD=db_password", "BIG=big_number"]);
    let mut run = Running::start(&mut cmd);
    run.collect_stdout();
    let started = dir.path().join("started");
    let gh_pid: u32 = run.wait_until("gh was started", |_| {
        std::fs::read_to_string(&started)
            .ok()
            .and_then(|t| t.trim().parse().ok())
    });
    kill(run.pid(), libc::SIGTERM);
    run.wait_for_stderr("SIGTERM: finishing the write in flight");
    kill(run.pid(), libc::SIGTERM);
    let out = run.wait();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(143), "{stderr}");
    assert_eq!(
        statuses(&out.stdout),
        (
            vec!["in doubt".to_owned(), "not attempted".to_owned()],
            Value::from("SIGTERM")
        ),
        "{stderr}"
    );
    // gh was killed, not left running (gone, or a zombie waiting to be reaped)
    let running = || {
        std::fs::read_to_string(format!("/proc/{gh_pid}/stat"))
            .ok()
            .and_then(|stat| {
                let state = stat.rsplit_once(") ")?.1.chars().next()?;
                Some(state != 'Z' && state != 'X')
            })
            .unwrap_or(false)
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while running() {
        assert!(
            std::time::Instant::now() < deadline,
            "gh {gh_pid} is still running"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
