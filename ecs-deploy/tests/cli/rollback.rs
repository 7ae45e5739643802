//! `--rollback-on-failure` and timeouts: back to the recorded task definition (never "the
//! previous revision number"), followed to its verdict.

use predicates::prelude::*;

use crate::fixture::{Breaker, read_json, setup, taskdef};

#[test]
fn a_stopped_deployment_is_rolled_back_to_the_recorded_revision() {
    let env = setup();
    let v1 = env.register("web", "registry.example/app:1");
    env.service("web", &v1, Breaker::NoRollback);
    // newer revisions that never ran: "latest minus one" would pick one of these
    env.register("web", "registry.example/app:never-ran-1");
    env.register("web", "registry.example/app:never-ran-2");
    env.fail_image("*:bad", "*");
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("deploy.json");
    env.cmd()
        .args(["--service", "web", "--rollback-on-failure", "--summary"])
        .arg(&summary)
        .write_stdin(taskdef("web", "registry.example/app:bad").to_string())
        .assert()
        .code(1)
        .stdout(predicate::str::ends_with(":4\n"))
        .stderr(predicate::str::contains("web: stopped: "))
        .stderr(predicate::str::contains(format!(
            "rolling back: updating the service back to {v1}"
        )))
        .stderr(predicate::str::contains(format!(
            "rolled back: the service runs {v1} again, stable"
        )));
    assert_eq!(env.service_td("web"), v1);
    let s = read_json(&summary);
    let svc = &s["services"][0];
    assert_eq!(svc["verdict"], "stopped");
    assert_eq!(svc["rollback"]["method"], "update_service");
    assert_eq!(svc["rollback"]["to_task_definition_arn"], v1.as_str());
    assert_eq!(svc["rollback"]["verdict"], "back");
}

#[test]
fn a_stopped_deployment_without_rollback_is_not_known_healthy() {
    let env = setup();
    let v1 = env.register("web", "registry.example/app:1");
    env.service("web", &v1, Breaker::NoRollback);
    env.fail_image("*:bad", "*");
    env.cmd()
        .args(["--service", "web"])
        .write_stdin(taskdef("web", "registry.example/app:bad").to_string())
        .assert()
        .code(3)
        .stderr(predicate::str::contains("web: stopped: "))
        .stderr(predicate::str::contains(
            "not rolled back (no --rollback-on-failure)",
        ));
}

#[test]
fn a_timeout_without_rollback_leaves_the_deployment_in_progress() {
    let env = setup();
    let v1 = env.register("web", "registry.example/app:1");
    env.service("web", &v1, Breaker::Off);
    env.fail_image("*:bad", "*");
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("deploy.json");
    env.cmd()
        .args(["--service", "web", "--timeout", "3s", "--summary"])
        .arg(&summary)
        .write_stdin(taskdef("web", "registry.example/app:bad").to_string())
        .assert()
        .code(124)
        .stderr(predicate::str::contains(
            "web: timed out: still in progress when --timeout expired",
        ));
    let s = read_json(&summary);
    assert_eq!(s["outcome"], "timed_out");
    assert_eq!(s["services"][0]["verdict"], "timed_out");
    assert_eq!(s["services"][0]["status"], "IN_PROGRESS");
    assert!(s["services"][0]["rollback"].is_null());
}

#[test]
fn a_timeout_with_rollback_stops_the_deployment_with_a_rollback() {
    let env = setup();
    let v1 = env.register("web", "registry.example/app:1");
    env.service("web", &v1, Breaker::Off);
    env.fail_image("*:bad", "*");
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("deploy.json");
    env.cmd()
        .args([
            "--service",
            "web",
            "--timeout",
            "3s",
            "--rollback-on-failure",
            "--summary",
        ])
        .arg(&summary)
        .write_stdin(taskdef("web", "registry.example/app:bad").to_string())
        .assert()
        .code(124)
        .stderr(predicate::str::contains("with a ROLLBACK"))
        .stderr(predicate::str::contains(format!(
            "rolled back: the service runs {v1} again, stable"
        )));
    assert_eq!(env.service_td("web"), v1);
    let s = read_json(&summary);
    let svc = &s["services"][0];
    assert_eq!(svc["verdict"], "timed_out");
    assert_eq!(svc["rollback"]["method"], "stop_service_deployment");
    assert_eq!(svc["rollback"]["verdict"], "back");
    assert_eq!(svc["rollback"]["status"], "ROLLBACK_SUCCESSFUL");
}

#[test]
fn a_failed_ecs_rollback_is_not_known_healthy() {
    let env = setup();
    let v1 = env.register("web", "registry.example/app:1");
    env.service("web", &v1, Breaker::Rollback);
    // from now on every revision of the family fails, the one ECS rolls back to as well
    env.moto.set_rollout(
        &serde_json::json!({"seconds": crate::fixture::ROLLOUT_SECONDS,
        "failures": [{"family": "web", "mode": "CannotPullContainerError"}]}),
    );
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("deploy.json");
    env.cmd()
        .args(["--service", "web", "--summary"])
        .arg(&summary)
        .write_stdin(taskdef("web", "registry.example/app:2").to_string())
        .assert()
        .code(3)
        .stderr(predicate::str::contains("web: rollback failed: "));
    let s = read_json(&summary);
    assert_eq!(s["services"][0]["verdict"], "rollback_failed");
    assert_eq!(s["services"][0]["status"], "ROLLBACK_FAILED");
}
