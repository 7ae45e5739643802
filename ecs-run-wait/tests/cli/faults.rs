//! Under injected API faults (test_support::faults, between the tool and the emulator): the
//! exact exit code and every log line exactly once at 30% faults; an API that never answers
//! ends at `--timeout` (plus the bounded clean-up), never in a hang or a false success; keys
//! revoked mid-wait end the wait saying how to resume, the task left running.

use std::time::{Duration, Instant};

use serde_json::json;
use test_support::faults::{Fault, FaultProxy, Faults};

use crate::fixture::{
    RunningExt as _, hold_running, lines, read_json, replace, setup, stop_now, task_result,
};

#[test]
fn every_line_once_and_the_exit_code_under_30_percent_faults() {
    for seed in [5, 6, 7] {
        every_line_once_and_the_exit_code(seed);
    }
}

fn every_line_once_and_the_exit_code(seed: u64) {
    let env = setup();
    task_result(&env.moto, json!({"exitCode": 7}));
    hold_running(&env.moto);
    let proxy = FaultProxy::start(&env.moto.endpoint(), Faults::seeded(seed).rate(0.3));
    let mut args = env.run_args();
    replace(&mut args, "--log-grace", "5s");
    let endpoint = proxy.url();
    let mut running = env.spawn(&args, &[("AWS_ENDPOINT_URL", &endpoint)]);
    running.collect_stdout();
    let arn = env.wait_for_task(&mut running);
    let mut expected = Vec::new();
    for batch in 0..5 {
        let batch = lines("line", batch * 40..batch * 40 + 40);
        env.put_logs(&arn, "app", &batch);
        expected.extend(batch);
        std::thread::sleep(Duration::from_millis(300));
    }
    stop_now(&env.moto);
    let done = running.finish();
    let injected = proxy.injected();
    assert_eq!(
        done.status.code(),
        Some(7),
        "seed {seed}, stderr:\n{}\n{injected:?}",
        done.stderr
    );
    let got: Vec<&str> = done.stdout.lines().collect();
    assert_eq!(got, expected, "seed {seed}: every line once, in order");
    assert!(injected.total() >= 2, "seed {seed}: {injected:?}");
    assert_eq!(env.tasks().len(), 1, "seed {seed}: one task started");
}

#[test]
fn an_api_that_never_answers_ends_at_the_timeout_before_the_start() {
    let env = setup();
    let proxy = FaultProxy::start(&env.moto.endpoint(), Faults::always(Fault::Hang));
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("s.json");
    let started = Instant::now();
    env.cmd()
        .env("AWS_ENDPOINT_URL", proxy.url())
        .args(env.run_args())
        .args(["--timeout", "3s", "--summary", summary.to_str().unwrap()])
        .assert()
        .code(124)
        .stdout("")
        .stderr(predicates::str::contains(
            "--timeout 3s expired before the task was started",
        ));
    let took = started.elapsed();
    assert!(took < Duration::from_secs(10), "took {took:?}");
    let doc = read_json(&summary);
    assert_eq!(doc["outcome"], "timed-out");
    assert_eq!(doc["exit_code"], 124);
    assert!(env.tasks().is_empty());
}

#[test]
fn an_api_that_stops_answering_mid_wait_ends_at_the_timeout_and_the_bounded_stop() {
    let env = setup();
    hold_running(&env.moto);
    let proxy = FaultProxy::start(&env.moto.endpoint(), Faults::none());
    let mut args = env.run_args();
    args.extend(["--timeout".to_owned(), "4s".to_owned()]);
    let endpoint = proxy.url();
    let started = Instant::now();
    let mut running = env.spawn(&args, &[("AWS_ENDPOINT_URL", &endpoint)]);
    let arn = env.wait_for_task(&mut running);
    running.wait_for_stderr("started task");
    proxy.set(Faults::always(Fault::Hang));
    let done = running.finish();
    let took = started.elapsed();
    assert_eq!(done.status.code(), Some(124), "stderr:\n{}", done.stderr);
    assert!(
        done.stderr.contains("--timeout 4s expired before task"),
        "{}",
        done.stderr
    );
    // --timeout, then StopTask's 10 s and the log grace (300 ms here).
    assert!(took < Duration::from_secs(20), "took {took:?}");
    assert!(
        done.stderr.contains(&arn) || done.stderr.contains(arn.rsplit('/').next().unwrap()),
        "{}",
        done.stderr
    );
}

#[test]
fn a_run_task_that_never_answers_ends_at_the_timeout_saying_how_to_find_the_task() {
    let env = setup();
    let proxy = FaultProxy::start(
        &env.moto.endpoint(),
        Faults::always(Fault::Hang).only(&["RunTask"]),
    );
    let started = Instant::now();
    let out = env
        .cmd()
        .env("AWS_ENDPOINT_URL", proxy.url())
        .args(env.run_args())
        .args(["--timeout", "3s"])
        .assert()
        .code(124)
        .stdout("");
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains(
            "--timeout 3s expired before RunTask answered: if it started a task, that task \
             keeps running (find it with: aws ecs list-tasks --cluster ci --started-by "
        ),
        "{stderr}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(proxy.injected().by_operation["RunTask"], 1);
}

#[test]
fn keys_revoked_mid_wait_end_with_the_code_and_how_to_wait_again_the_task_left_running() {
    let env = setup();
    hold_running(&env.moto);
    let proxy = FaultProxy::start(&env.moto.endpoint(), Faults::none());
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("s.json");
    let mut args = env.run_args();
    args.extend(["--summary".to_owned(), summary.display().to_string()]);
    let endpoint = proxy.url();
    let mut running = env.spawn(&args, &[("AWS_ENDPOINT_URL", &endpoint)]);
    let arn = env.wait_for_task(&mut running);
    running.wait_for_stderr("started task");
    // The keys in the environment (static: nothing can refresh them) expire.
    assert_eq!(proxy.injected().keys, ["test"]);
    proxy.revoke("test");
    let done = running.finish();
    assert_eq!(done.status.code(), Some(125), "stderr:\n{}", done.stderr);
    assert!(
        done.stderr.contains(&format!(
            "AWS credentials expired or were rejected while waiting for task {arn}; the task \
             keeps running; to wait for it again: ecs-run-wait --attach {arn}: DescribeTasks: \
             ExpiredTokenException: The security token included in the request is expired"
        )),
        "{}",
        done.stderr
    );
    // Left running, as said: no StopTask could be sent with those keys.
    assert_eq!(env.tasks(), std::slice::from_ref(&arn));
    let task = env.describe(&arn);
    assert_eq!(task["lastStatus"], "RUNNING", "{task}");
    assert_eq!(read_json(&summary)["exit_code"], 125);
    assert!(proxy.injected().of("expired-token") >= 1);
}
