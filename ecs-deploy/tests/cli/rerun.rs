//! Re-runs, as CI makes them after a failure or a cancelled job: "unchanged" only for a
//! service whose rollout of that task definition completed; a failed one is deployed again,
//! one in progress is followed; after a failure the rollback target is what still runs (the
//! revision that completed), not what the service is set to.

use predicates::prelude::*;

use crate::fixture::{Breaker, read_json, setup, taskdef};

#[test]
fn a_rerun_after_a_failed_rollout_deploys_again_and_never_says_unchanged() {
    let env = setup();
    let v1 = env.register("web", "registry.example/app:1");
    env.service("web", &v1, Breaker::NoRollback);
    env.fail_image("*:bad", "*");
    env.cmd()
        .args(["--service", "web"])
        .write_stdin(taskdef("web", "registry.example/app:bad").to_string())
        .assert()
        .code(3);
    // The service is set to the failed revision while v1's tasks still run.
    let v2 = env.service_td("web");
    assert_ne!(v2, v1);
    // The same deploy again (the job re-run with the revision it registered): deployed again
    // (it fails again), never "unchanged" with exit 0; the rollback target is v1, which
    // still runs, not the failed revision the service is set to.
    env.cmd()
        .args([
            "--service",
            "web",
            "--rollback-on-failure",
            "--task-definition",
            &v2,
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(format!(
            "web: the last rollout (of {v2}) failed; {v1} (which completed before it) still runs"
        )))
        .stderr(predicate::str::contains(format!(
            "the rollback target is {v1}"
        )))
        .stderr(predicate::str::contains(format!(
            "the last rollout of {v2} failed: deploying it again"
        )))
        .stderr(predicate::str::contains("unchanged").not())
        .stderr(predicate::str::contains(format!(
            "rolled back: the service runs {v1} again, stable"
        )));
    assert_eq!(env.service_td("web"), v1);
    assert_eq!(env.revisions("web").len(), 2, "nothing new registered");
}

#[test]
fn a_rerun_during_its_own_rollout_follows_it_to_the_verdict() {
    let env = setup();
    let v1 = env.register("web", "registry.example/app:1");
    env.service("web", &v1, Breaker::Rollback);
    let v2 = env.register("web", "registry.example/app:2");
    // A rollout long enough to be in progress when the tool looks, also on a busy machine
    // (at one second it could complete between the test's update and the tool's reads).
    env.moto.set_rollout(&serde_json::json!({"seconds": 6}));
    // Someone (an earlier, cancelled run) started the rollout of v2.
    env.ecs(
        "UpdateService",
        &serde_json::json!({"cluster": crate::fixture::CLUSTER, "service": "web",
                            "taskDefinition": v2}),
    );
    let before = env.describe("web")["currentServiceDeployment"].clone();
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("s.json");
    env.cmd()
        .args(["--service", "web", "--task-definition", &v2, "--summary"])
        .arg(&summary)
        .assert()
        .code(0)
        .stderr(predicate::str::contains(format!(
            "a rollout of {v2} is in progress already: following it (no update)"
        )))
        .stderr(predicate::str::contains("web: deployed"));
    let s = read_json(&summary);
    // The deployment followed is the one that was running: no second one was started.
    assert_eq!(s["services"][0]["deployment_arn"], before);
    assert_eq!(
        s["services"][0]["before"]["task_definition_arn"],
        v1.as_str()
    );
    assert_eq!(env.service_td("web"), v2);
}

#[test]
fn a_service_with_no_tasks_is_deployed_with_a_warning() {
    let env = setup();
    let v1 = env.register("web", "registry.example/app:1");
    env.service("web", &v1, Breaker::Rollback);
    env.ecs(
        "UpdateService",
        &serde_json::json!({"cluster": crate::fixture::CLUSTER, "service": "web",
                            "desiredCount": 0}),
    );
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("s.json");
    env.cmd()
        .args(["--service", "web", "--summary"])
        .arg(&summary)
        .write_stdin(taskdef("web", "registry.example/app:2").to_string())
        .assert()
        .code(0)
        .stderr(predicate::str::contains(
            "desiredCount is 0: no task of the new task definition ran",
        ));
    let s = read_json(&summary);
    assert_eq!(s["services"][0]["verdict"], "deployed");
    assert_eq!(s["services"][0]["warnings"].as_array().unwrap().len(), 1);
}
