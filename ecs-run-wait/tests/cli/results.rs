//! Exit codes, stop codes and reasons, through the emulator's task results.

use predicates::prelude::*;
use serde_json::json;

use crate::fixture::{FAMILY, read_json, register, setup, task_result};

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
    assert_eq!(doc["exitCode"], 3);
    assert_eq!(doc["lastStatus"], "STOPPED");
    assert_eq!(doc["stopCode"], "EssentialContainerExited");
    assert_eq!(doc["containers"][0]["name"], "app");
    assert_eq!(doc["containers"][0]["exitCode"], 3);
    assert_eq!(doc["containers"][0]["reason"], "migration 0042 failed");
    assert!(doc["taskArn"].as_str().unwrap().contains(":task/ci/"));
    assert!(doc["stoppedAt"].as_str().unwrap().ends_with('Z'));
    assert_eq!(
        doc["taskDefinitionArn"],
        "arn:aws:ecs:us-east-2:123456789012:task-definition/migrate:1"
    );
}

#[test]
fn exit_zero_and_quiet() {
    let env = setup();
    env.cmd()
        .args(env.run_args())
        .arg("--quiet")
        .assert()
        .success()
        .stdout("")
        .stderr("");
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
        .stderr(predicate::str::contains("ecs-run-wait: error:").not());
    let doc = read_json(&summary);
    assert_eq!(doc["outcome"], "failed");
    assert_eq!(doc["exitCode"], 125);
    assert_eq!(doc["stopCode"], "TaskFailedToStart");
    assert_eq!(doc["containers"][0]["exitCode"], json!(null));
    assert_eq!(doc["startedAt"], json!(null));

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
