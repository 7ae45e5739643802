//! `--until STAGE`: stop waiting once our service deployment is at (or past) a lifecycle
//! stage. The emulator's rolling deployments go through SCALE_UP and CLEAN_UP only; a
//! blue/green BAKE_TIME is covered by until.rs's unit tests.

use predicates::prelude::*;
use serde_json::json;

use crate::fixture::{self, Breaker, Env, read_json, taskdef};

/// A service running web:1, and rollouts slow enough (6 s, CLEAN_UP from 3.6 s) that a poll
/// every 200 ms sees CLEAN_UP while the deployment is still in progress.
fn setup() -> Env {
    let env = fixture::setup();
    let td = env.register("web", "busybox:1");
    env.service("web", &td, Breaker::Rollback);
    env.moto.set_rollout(&json!({"seconds": 6}));
    env
}

fn until(env: &Env, stage: &str, summary: &std::path::Path) -> assert_cmd::assert::Assert {
    env.cmd()
        .args(["--service", "web", "--until", stage, "--summary"])
        .arg(summary)
        .write_stdin(taskdef("web", "busybox:2").to_string())
        .assert()
}

#[test]
fn it_stops_waiting_at_the_stage_and_the_deployment_goes_on() {
    let env = setup();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("summary.json");
    until(&env, "CLEAN_UP", &path)
        .success()
        .stderr(predicate::str::contains(
            "web: deployment IN_PROGRESS CLEAN_UP",
        ))
        .stderr(predicate::str::contains(
            "web: stopped waiting at CLEAN_UP; the deployment continues\n",
        ))
        .stderr(predicate::str::contains("deployed\n").not());
    let summary = read_json(&path);
    assert_eq!(summary["outcome"], "stage_reached");
    assert_eq!(summary["exit_code"], 0);
    let web = &summary["services"][0];
    assert_eq!(web["verdict"], "stage_reached");
    assert_eq!(web["status"], "IN_PROGRESS");
    assert!(web["rollback"].is_null());
    // ECS carries on without us.
    env.wait_successful("web");
    assert!(env.service_td("web").ends_with("task-definition/web:2"));
}

#[test]
fn a_later_stage_counts_a_rolling_deployment_has_no_bake_time() {
    let env = setup();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("summary.json");
    until(&env, "BAKE_TIME", &path)
        .success()
        .stderr(predicate::str::contains(
            "web: stopped waiting at BAKE_TIME (the deployment is at CLEAN_UP, past it); the \
             deployment continues\n",
        ));
    assert_eq!(read_json(&path)["services"][0]["verdict"], "stage_reached");
}
