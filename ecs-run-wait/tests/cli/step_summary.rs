//! Under GitHub Actions, the run's report appended to `$GITHUB_STEP_SUMMARY`: the task, its
//! task definition, exit codes, stop code and reason, duration, and the last log lines in a
//! code block no log line can close.

use predicates::prelude::*;
use serde_json::json;
use test_support::step_summary::StepSummary;

use crate::fixture::{RunningExt as _, hold_running, lines, setup, stop_now, task_result};

#[test]
fn a_finished_task_is_reported_with_its_last_log_lines() {
    let env = setup();
    task_result(&env.moto, json!({"exitCode": 3}));
    hold_running(&env.moto);
    let s = StepSummary::new();
    let path = s.path.to_str().unwrap().to_owned();
    let mut running = env.spawn(
        &env.run_args(),
        &[("GITHUB_ACTIONS", "true"), ("GITHUB_STEP_SUMMARY", &path)],
    );
    running.collect_stdout();
    let arn = env.wait_for_task(&mut running);
    let id = arn.rsplit('/').next().unwrap().to_owned();
    let mut logged = lines("line", 0..25);
    // Lines that would break out of a table or a code block, or be markup.
    logged.extend([
        "| <script>alert(1)</script> |".to_owned(),
        "````".to_owned(),
        "a ``````` run of seven".to_owned(),
    ]);
    env.put_logs(&arn, "app", &logged);
    stop_now(&env.moto);
    let done = running.finish();
    assert_eq!(done.status.code(), Some(3), "stderr:\n{}", done.stderr);
    let md = s.report();
    assert!(
        md.starts_with("## ecs-run-wait: exited (exit 3)\n\n"),
        "{md}"
    );
    assert!(
        md.contains(&format!("task {id}: container app exited with code 3")),
        "{md}"
    );
    for part in [
        format!("- Task: `{id}` (`{arn}`)\n"),
        "- Task definition: `migrate:1`\n".to_owned(),
        "- Cluster: `ci`\n".to_owned(),
        "- Stop code: EssentialContainerExited\n".to_owned(),
        "- Stopped reason: Essential container in task exited\n".to_owned(),
        "- Duration: ".to_owned(),
        "### Containers\n\n| Container | Essential | Last status | Exit code | Reason |\n"
            .to_owned(),
        "| `app` | yes | STOPPED | **3** |".to_owned(),
        "### Last 20 log lines (of 28)\n\n".to_owned(),
    ] {
        assert!(md.contains(&part), "{part}\nnot in:\n{md}");
    }
    // The last 20 lines, verbatim, inside a fence of eight backticks (longer than the run of
    // seven in a line).
    let fence = "`".repeat(8);
    let Some((block, _)) = md
        .split_once(&format!("{fence}text\n"))
        .and_then(|(_, rest)| rest.split_once(&format!("\n{fence}\n")))
    else {
        panic!("no code block fenced with {fence}:\n{md}");
    };
    let expected: Vec<&str> = logged[logged.len() - 20..]
        .iter()
        .map(String::as_str)
        .collect();
    assert_eq!(block.lines().collect::<Vec<_>>(), expected);
    // Outside the code block there is no markup.
    let outside = md.replace(block, "");
    assert!(!outside.contains("<script>"), "{md}");
}

#[test]
fn a_run_that_failed_says_what_failed() {
    let env = setup();
    let s = StepSummary::new();
    let mut args = env.run_args();
    crate::fixture::replace(&mut args, "--cluster", "nosuch");
    s.env(&mut env.cmd()).args(&args).assert().code(125);
    let md = s.report();
    assert!(
        md.starts_with("## ecs-run-wait: error (exit 125)\n\n"),
        "{md}"
    );
    assert!(md.contains("ClusterNotFoundException"), "{md}");
    assert!(md.contains("- Cluster: `nosuch`\n"), "{md}");
}

#[test]
fn nothing_without_github_actions_nor_for_usage_errors() {
    let env = setup();
    stop_now(&env.moto);
    let s = StepSummary::new();
    env.cmd()
        .env("GITHUB_STEP_SUMMARY", &s.path)
        .args(env.run_args())
        .assert()
        .code(0);
    assert!(s.untouched());
    // A container the task definition does not have: a usage error, nothing started.
    s.env(&mut env.cmd())
        .args(env.run_args())
        .args(["--container", "nosuch"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nosuch"));
    assert!(s.untouched());
}
