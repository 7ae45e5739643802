//! --detach and --attach, --timeout, and the signals a CI runner sends on cancel.

use std::time::{Duration, Instant};

use predicates::prelude::*;
use serde_json::json;

use crate::fixture::{CLUSTER, RunningExt as _, hold_running, read_json, setup, task_result};

#[test]
fn detach_then_attach_is_the_one_shot_form() {
    let env = setup();
    hold_running(&env.moto);
    let out = env
        .cmd()
        .args(env.run_args())
        .args(["--detach", "--quiet"])
        .assert()
        .success()
        .stderr("")
        .get_output()
        .stdout
        .clone();
    let stdout = String::from_utf8(out).unwrap();
    let arn = stdout.strip_suffix('\n').expect("one line");
    assert!(
        arn.starts_with("arn:aws:ecs:us-east-2:123456789012:task/ci/"),
        "{stdout}"
    );
    assert_eq!(env.describe(arn)["lastStatus"], "RUNNING");

    env.put_logs(arn, "app", &["hello from the task".to_owned()]);
    task_result(&env.moto, json!({"taskArn": arn, "exitCode": 3}));
    env.moto.post(
        "/moto-api/state-manager/unset-transition",
        r#"{"model_name":"ecs::task"}"#,
    );
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("s.json");
    // no --cluster, --task-definition or region: all from the ARN
    env.cmd()
        .env_remove("AWS_REGION")
        .env_remove("AWS_DEFAULT_REGION")
        .args(["--attach", arn, "--poll", "200ms", "--log-grace", "300ms"])
        .args(["--summary", summary.to_str().unwrap()])
        .assert()
        .code(3)
        .stdout("hello from the task\n")
        .stderr(predicate::str::contains(format!(
            "attached to task {arn} (migrate:1) in cluster ci"
        )));
    assert_eq!(read_json(&summary)["exit_code"], 3);

    // a bare task ID with --cluster
    let id = arn.rsplit('/').next().unwrap();
    env.cmd()
        .args([
            "--attach",
            id,
            "--cluster",
            CLUSTER,
            "--no-logs",
            "--poll",
            "200ms",
        ])
        .assert()
        .code(3)
        .stdout("");
}

#[test]
fn timeout_stops_the_task_unless_told_to_leave_it() {
    let env = setup();
    hold_running(&env.moto);
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("s.json");
    let begin = Instant::now();
    env.cmd()
        .args(env.run_args())
        .args(["--timeout", "1s", "--summary", summary.to_str().unwrap()])
        .assert()
        .code(124)
        .stdout("")
        .stderr(predicate::str::contains(
            "--timeout 1s expired before task ",
        ))
        .stderr(predicate::str::contains(
            "the task was stopped (StopTask sent)",
        ));
    assert!(begin.elapsed() < Duration::from_secs(30));
    let doc = read_json(&summary);
    assert_eq!(doc["outcome"], "timed-out");
    assert_eq!(doc["exit_code"], 124);
    assert_eq!(doc["task_stop"], "stopped");
    let task = env.describe(doc["task_arn"].as_str().unwrap());
    assert_eq!(task["lastStatus"], "STOPPED");
    assert_eq!(task["desiredStatus"], "STOPPED");
    assert_eq!(task["stopCode"], "UserInitiated");
    assert_eq!(task["stoppedReason"], "ecs-run-wait: --timeout 1s expired");

    env.cmd()
        .args(env.run_args())
        .args([
            "--timeout",
            "1s",
            "--leave-running",
            "--summary",
            summary.to_str().unwrap(),
        ])
        .assert()
        .code(124)
        .stderr(predicate::str::contains(
            "the task was left running (--leave-running)",
        ));
    let task = env.describe(read_json(&summary)["task_arn"].as_str().unwrap());
    assert_eq!(task["lastStatus"], "RUNNING");
}

/// Send a real signal to the real process.
fn kill(pid: u32, signal: i32) {
    let pid = libc::pid_t::try_from(pid).unwrap();
    // SAFETY: kill(2) takes plain integers and touches no memory of this process.
    #[allow(unsafe_code)]
    let rc = unsafe { libc::kill(pid, signal) };
    assert_eq!(rc, 0, "kill failed");
}

#[test]
fn sigterm_and_sigint_stop_the_task() {
    let env = setup();
    hold_running(&env.moto);
    for (signal, name, code) in [
        (libc::SIGTERM, "SIGTERM", 143),
        (libc::SIGINT, "SIGINT", 130),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let summary = dir.path().join("s.json");
        let mut args = env.run_args();
        args.extend(["--summary".into(), summary.display().to_string()]);
        let mut running = env.spawn(&args, &[]);
        running.collect_stdout();
        // the summary names the task as soon as it started (and the signals are handled)
        let doc = running.wait_for_summary(&summary);
        let arn = doc["task_arn"].as_str().unwrap().to_owned();
        assert_eq!(env.describe(&arn)["lastStatus"], "RUNNING");
        kill(running.pid(), signal);
        let done = running.finish();
        assert_eq!(done.status.code(), Some(code), "{name}: {}", done.stderr);
        assert!(
            done.stderr.contains(&format!(
                "error: interrupted by {name}; the task was stopped (StopTask sent)"
            )),
            "{}",
            done.stderr
        );
        let task = env.describe(&arn);
        assert_eq!(task["lastStatus"], "STOPPED");
        assert_eq!(task["stopCode"], "UserInitiated");
        assert_eq!(
            task["stoppedReason"],
            format!("ecs-run-wait was interrupted ({name})")
        );
        let doc = read_json(&summary);
        assert_eq!(doc["outcome"], "interrupted");
        assert_eq!(doc["exit_code"], code);
        assert_eq!(doc["last_status"], "STOPPED");
        assert_eq!(doc["signals"], json!([name]));
        assert_eq!(doc["task_stop"], "stopped");
    }
}

#[test]
fn a_success_the_summary_cannot_record_is_not_reported() {
    let env = setup();
    hold_running(&env.moto);
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("s.json");
    let mut args = env.run_args();
    args.extend(["--summary".into(), summary.display().to_string()]);
    let mut running = env.spawn(&args, &[]);
    running.collect_stdout();
    running.wait_for_summary(&summary);
    // the path becomes something a file cannot replace
    std::fs::remove_file(&summary).unwrap();
    std::fs::create_dir(&summary).unwrap();
    std::fs::write(summary.join("keep"), "x").unwrap();
    crate::fixture::stop_now(&env.moto);
    let done = running.finish();
    assert_eq!(done.status.code(), Some(125), "{}", done.stderr);
    assert!(
        done.stderr.contains(&format!(
            "warning: --summary: cannot write {}: it is a directory",
            summary.display()
        )),
        "{}",
        done.stderr
    );
    assert!(
        done.stderr
            .contains("error: the task succeeded, but the --summary file could not be written"),
        "{}",
        done.stderr
    );
}

#[test]
fn a_detached_start_the_summary_cannot_record_says_the_task_was_started() {
    let env = setup();
    hold_running(&env.moto);
    // a device that takes no byte (ENOSPC): it passes the check before the start, as any
    // device does, and the write fails at the end
    let assert = env
        .cmd()
        .args(env.run_args())
        .args(["--detach", "--summary", "/dev/full"])
        .assert()
        .code(125);
    let out = assert.get_output();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let arn = String::from_utf8(out.stdout.clone()).unwrap();
    let arn = arn.strip_suffix('\n').expect("the ARN on stdout");
    assert_eq!(env.describe(arn)["lastStatus"], "RUNNING");
    assert!(stderr.contains("warning: --summary: "), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "error: task {arn} was started and keeps running, but the --summary file could not \
             be written (see the warning above)"
        )),
        "{stderr}"
    );
    assert!(!stderr.contains("succeeded"), "{stderr}");
}

#[test]
fn a_signal_while_looking_for_the_task_ends_at_once() {
    let env = setup();
    // moto answers DescribeTasks for an unknown task with nothing: it looks like eventual
    // consistency, which is tolerated for a minute; Ctrl-C must not wait for that.
    let args: Vec<String> = [
        "--attach",
        "arn:aws:ecs:us-east-2:123456789012:task/ci/0000dead",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let mut running = env.spawn(&args, &[]);
    running.collect_stdout();
    // printed once the signals are handled, just before the search begins
    running.wait_for_stderr("looking for task arn:aws:ecs:us-east-2:123456789012:task/ci/0000dead");
    let begin = Instant::now();
    kill(running.pid(), libc::SIGINT);
    let done = running.finish();
    assert!(begin.elapsed() < Duration::from_secs(10));
    assert_eq!(done.status.code(), Some(130), "{}", done.stderr);
    assert_eq!(done.stdout, "");
    assert!(
        done.stderr
            .contains("error: interrupted by SIGINT; no task was started or stopped"),
        "{}",
        done.stderr
    );
}

#[test]
fn a_second_signal_while_stopping_still_leaves_a_complete_summary() {
    let env = setup();
    hold_running(&env.moto);
    // The first signal (SIGTERM) decides the exit code, whatever the second.
    for (second, name, code) in [
        (libc::SIGINT, "SIGINT", 143),
        (libc::SIGTERM, "SIGTERM", 143),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let summary = dir.path().join("s.json");
        let mut args = env.run_args();
        args.extend(["--summary".into(), summary.display().to_string()]);
        let mut running = env.spawn(&args, &[]);
        running.collect_stdout();
        let arn = running.wait_for_summary(&summary)["task_arn"]
            .as_str()
            .unwrap()
            .to_owned();
        // StopTask takes its time: the second signal comes while it is under way
        env.moto
            .post("/moto-api/ext/ecs/stop-delay", r#"{"seconds": 3}"#);
        kill(running.pid(), libc::SIGTERM);
        running.wait_for_stderr("SIGTERM: stopping task");
        kill(running.pid(), second);
        let done = running.finish();
        env.moto
            .post("/moto-api/ext/ecs/stop-delay", r#"{"seconds": 0}"#);
        assert_eq!(done.status.code(), Some(code), "{name}: {}", done.stderr);
        let expected = format!(
            "ecs-run-wait: error: interrupted by SIGTERM, then {name}: exiting without waiting; \
             StopTask was sent but had not answered: task {arn} may still run; stop it with: \
             aws ecs stop-task --region us-east-2 --cluster \
             arn:aws:ecs:us-east-2:123456789012:cluster/ci --task {arn}\n"
        );
        assert!(done.stderr.ends_with(&expected), "{}", done.stderr);
        let doc = read_json(&summary);
        assert_eq!(doc["outcome"], "interrupted", "{doc}");
        assert_eq!(doc["exit_code"], code);
        assert_eq!(doc["signals"], json!(["SIGTERM", name]));
        assert_eq!(doc["task_stop"], "requested");
        assert_eq!(doc["task_arn"], arn.as_str());
        assert_eq!(
            doc["message"],
            expected["ecs-run-wait: error: ".len()..].trim_end()
        );
    }

    // without --summary, stderr still names the task that may still run
    let before = env.tasks();
    let mut running = env.spawn(&env.run_args(), &[]);
    running.collect_stdout();
    running.wait_for_stderr("started task ");
    let arn = env
        .tasks()
        .into_iter()
        .find(|t| !before.contains(t))
        .expect("the new task");
    env.moto
        .post("/moto-api/ext/ecs/stop-delay", r#"{"seconds": 3}"#);
    kill(running.pid(), libc::SIGINT);
    running.wait_for_stderr("SIGINT: stopping task");
    kill(running.pid(), libc::SIGINT);
    let done = running.finish();
    env.moto
        .post("/moto-api/ext/ecs/stop-delay", r#"{"seconds": 0}"#);
    assert_eq!(done.status.code(), Some(130), "{}", done.stderr);
    assert!(
        done.stderr.contains(&format!(
            "interrupted by SIGINT, then SIGINT: exiting without waiting; StopTask was sent but \
             had not answered: task {arn} may still run; stop it with: aws ecs stop-task"
        )),
        "{}",
        done.stderr
    );
}
