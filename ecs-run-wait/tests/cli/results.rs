//! Exit codes, stop codes and reasons, through the emulator's task results.

use predicates::prelude::*;
use serde_json::json;

use crate::fixture::{FAMILY, RunningExt as _, read_json, register, setup, task_result};

#[test]
fn the_containers_exit_code_is_the_tools() {
    let env = setup();
    task_result(
        &env.moto,
        json!({"exitCode": 3, "reason": "migration 0042 failed"}),
    );
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.json");
    let assert = env
        .cmd()
        .args(env.run_args())
        .args(["--summary", summary.to_str().unwrap()])
        .assert()
        .code(3)
        .stdout("");
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(
        stderr.contains("ecs-run-wait: starting a task of migrate:1 in cluster ci"),
        "{stderr}"
    );
    assert!(stderr.contains(" is STOPPED"), "{stderr}");
    assert!(
        stderr.contains(": container app exited with code 3 (EssentialContainerExited: Essential container in task exited)"),
        "{stderr}"
    );
    let doc = read_json(&summary);
    assert_eq!(doc["outcome"], "exited");
    assert_eq!(doc["exit_code"], 3);
    assert_eq!(doc["last_status"], "STOPPED");
    assert_eq!(doc["stop_code"], "EssentialContainerExited");
    assert_eq!(doc["containers"][0]["name"], "app");
    assert_eq!(doc["containers"][0]["exit_code"], 3);
    assert_eq!(doc["containers"][0]["reason"], "migration 0042 failed");
    assert!(doc["task_arn"].as_str().unwrap().contains(":task/ci/"));
    // --cluster ci, resolved by ECS
    assert_eq!(
        doc["cluster_arn"],
        "arn:aws:ecs:us-east-2:123456789012:cluster/ci"
    );
    assert!(doc.get("cluster").is_none());
    assert!(doc["stopped_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        doc["task_definition_arn"],
        "arn:aws:ecs:us-east-2:123456789012:task-definition/migrate:1"
    );
    assert_snake_case(&doc, "summary");
}

/// Every key of the summary, at every depth, is snake_case: the workspace's one key case.
pub fn assert_snake_case(v: &serde_json::Value, at: &str) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                assert!(
                    !k.is_empty()
                        && k.bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                    "{at}.{k} is not snake_case"
                );
                assert_snake_case(v, &format!("{at}.{k}"));
            }
        }
        serde_json::Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                assert_snake_case(v, &format!("{at}[{i}]"));
            }
        }
        _ => {}
    }
}

#[test]
fn exit_zero_and_quiet() {
    let env = setup();
    crate::fixture::hold_running(&env.moto);
    let mut args = env.run_args();
    args.push("--quiet".into());
    let mut running = env.spawn(&args, &[]);
    running.collect_stdout();
    let arn = env.wait_for_task(&mut running);
    env.put_logs(&arn, "app", &["done".to_owned()]);
    crate::fixture::stop_now(&env.moto);
    let done = running.finish();
    assert_eq!(done.status.code(), Some(0), "{}", done.stderr);
    assert_eq!(done.stdout, "done\n");
    assert_eq!(done.stderr, "");
}

#[test]
fn a_task_that_failed_to_start_is_125_with_its_reasons() {
    let env = setup();
    task_result(
        &env.moto,
        json!({
            "stopCode": "TaskFailedToStart",
            "stoppedReason": "CannotPullContainerError: pull image manifest has been retried 5 time(s): not found",
            "reason": "CannotPullContainerError: registry.example/app:1: not found"
        }),
    );
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.json");
    env.cmd()
        .args(env.run_args())
        .args(["--summary", summary.to_str().unwrap()])
        .env("GITHUB_ACTIONS", "true")
        .assert()
        .code(125)
        .stdout("")
        .stderr(predicate::str::contains("stopped without an exit code: the task failed to start"))
        // one annotation, its newlines escaped, and no plain line saying it again
        .stderr(predicate::str::contains(
            "::error title=ecs-run-wait::task ",
        ))
        .stderr(predicate::str::contains("%0AstopCode: TaskFailedToStart%0A"))
        .stderr(predicate::str::contains(
            "%0AstoppedReason: CannotPullContainerError: pull image manifest has been retried 5 time(s): not found%0A",
        ))
        .stderr(predicate::str::contains(
            "%0Acontainer app: no exit code: CannotPullContainerError: registry.example/app:1: not found",
        ))
        .stderr(predicate::str::contains("ecs-run-wait: error:").not())
        // the container never ran: no stream is no news (the summary still says it)
        .stderr(predicate::str::contains("no logs:").not());
    let doc = read_json(&summary);
    assert_eq!(doc["outcome"], "failed");
    assert_eq!(doc["logs"][0]["state"], "missing_stream");
    assert_eq!(doc["exit_code"], 125);
    assert_eq!(doc["stop_code"], "TaskFailedToStart");
    assert_eq!(doc["containers"][0]["exit_code"], json!(null));
    assert_eq!(doc["started_at"], json!(null));

    // outside GitHub Actions: the same explanation as plain lines, no workflow command
    env.cmd()
        .args(env.run_args())
        .assert()
        .code(125)
        .stdout("")
        .stderr(predicate::str::contains("ecs-run-wait: error: stopCode: TaskFailedToStart\n"))
        .stderr(predicate::str::contains(
            "ecs-run-wait: error: container app: no exit code: CannotPullContainerError: registry.example/app:1: not found\n",
        ))
        .stderr(predicate::str::contains("::error").not());
}

#[test]
fn several_containers_the_first_non_zero_essential_one_counts() {
    let env = setup();
    register(
        &env.moto,
        FAMILY,
        &[("app", true), ("worker", true), ("sidecar", false)],
    );
    task_result(
        &env.moto,
        json!({"exitCodes": {"app": 0, "worker": 4, "sidecar": 1}}),
    );
    env.cmd()
        .args(env.run_args())
        .assert()
        .code(4)
        .stderr(predicate::str::contains(
            "container worker exited with code 4",
        ));
    // --container decides, essential or not
    env.cmd()
        .args(env.run_args())
        .args(["--container", "sidecar"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "container sidecar exited with code 1",
        ));
    task_result(
        &env.moto,
        json!({"exitCodes": {"app": 0, "worker": 0, "sidecar": 1}}),
    );
    env.cmd()
        .args(env.run_args())
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "every essential container (app, worker) exited 0",
        ));
}
