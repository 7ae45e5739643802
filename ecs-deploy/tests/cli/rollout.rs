//! Rollouts followed to their verdicts: deployed, rolled back by the circuit breaker,
//! unchanged, several services at once; a missing service stops everything first.

use predicates::prelude::*;

use crate::fixture::{Breaker, read_json, setup, taskdef};

#[test]
fn a_good_rollout_is_deployed() {
    let env = setup();
    let v1 = env.register("web", "registry.example/app:1");
    env.service("web", &v1, Breaker::Rollback);
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("deploy.json");
    let out = env
        .cmd()
        .args(["--service", "web", "--summary"])
        .arg(&summary)
        .write_stdin(taskdef("web", "registry.example/app:2").to_string())
        .assert()
        .code(0)
        .stderr(predicate::str::contains(format!(
            "web: runs {v1} (service deployment arn:aws:ecs:"
        )))
        .stderr(predicate::str::contains("the rollback target"))
        .stderr(predicate::str::contains("deployment completed."))
        .stderr(predicate::str::contains("web: deployed"))
        .get_output()
        .clone();
    let v2 = env.revisions("web").last().unwrap().clone();
    // stdout: the registered ARN only
    assert_eq!(String::from_utf8(out.stdout).unwrap(), format!("{v2}\n"));
    assert!(v2.ends_with(":2"));
    assert_eq!(env.service_td("web"), v2);
    let s = read_json(&summary);
    assert_eq!(s["outcome"], "deployed");
    assert_eq!(s["exit_code"], 0);
    assert_eq!(s["registered"], true);
    let svc = &s["services"][0];
    assert_eq!(svc["verdict"], "deployed");
    assert_eq!(svc["status"], "SUCCESSFUL");
    assert_eq!(svc["followed"], "service_deployments");
    assert_eq!(svc["before"]["task_definition_arn"], v1.as_str());
    assert_eq!(svc["task_definition_arn"], v2.as_str());
    assert!(
        svc["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["message"].as_str().unwrap().contains("steady state"))
    );
    assert!(svc["rollback"].is_null());
}

#[test]
fn a_circuit_breaker_rollback_is_a_failure_explained() {
    let env = setup();
    let v1 = env.register("web", "registry.example/app:1");
    env.service("web", &v1, Breaker::Rollback);
    env.fail_image("*:bad", "*");
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("deploy.json");
    let file = dir.path().join("web.json");
    std::fs::write(
        &file,
        taskdef("web", "registry.example/app:bad").to_string(),
    )
    .unwrap();
    env.cmd()
        .args(["--service", "web", "-f"])
        .arg(&file)
        .arg("--summary")
        .arg(&summary)
        .assert()
        .code(1)
        .stdout(predicate::str::ends_with(":2\n"))
        // the stopped tasks, with the reason ECS gives
        .stderr(predicate::str::contains(
            "stopped (TaskFailedToStart): CannotPullContainerError",
        ))
        .stderr(predicate::str::contains("tripped: circuit breaker"))
        .stderr(predicate::str::contains(
            "failed, rolled back by ECS: ECS deployment circuit breaker: tasks failed to start. \
             (tripped: circuit breaker",
        ))
        .stderr(predicate::str::contains(format!(
            "the service runs {v1} again, stable"
        )));
    assert_eq!(env.service_td("web"), v1);
    let s = read_json(&summary);
    assert_eq!(s["outcome"], "failed");
    let svc = &s["services"][0];
    assert_eq!(svc["verdict"], "rolled_back_by_ecs");
    assert_eq!(svc["status"], "ROLLBACK_SUCCESSFUL");
    assert!(
        svc["tripped"][0]
            .as_str()
            .unwrap()
            .starts_with("circuit breaker")
    );
    let stopped = svc["stopped_tasks"].as_array().unwrap();
    assert!(!stopped.is_empty());
    assert_eq!(stopped[0]["stop_code"], "TaskFailedToStart");
}

#[test]
fn unchanged_input_registers_and_changes_nothing() {
    let env = setup();
    let v1 = env.register("web", "registry.example/app:1");
    env.service("web", &v1, Breaker::Rollback);
    let deployment = env.describe("web")["currentServiceDeployment"].clone();
    // the describe answer itself (what taskdef-clean cleans) is the same registration
    env.cmd()
        .args(["--service", "web"])
        .write_stdin(env.describe_td(&v1).to_string())
        .assert()
        .code(0)
        .stdout(format!("{v1}\n"))
        .stderr(predicate::str::contains("nothing to register"))
        .stderr(predicate::str::contains(format!(
            "web: unchanged: runs {v1} already"
        )));
    assert_eq!(env.revisions("web"), std::slice::from_ref(&v1));
    assert_eq!(env.describe("web")["currentServiceDeployment"], deployment);
    // a tag is a difference
    let mut tagged = taskdef("web", "registry.example/app:1");
    tagged["tags"] = serde_json::json!([{"key": "team", "value": "a"}]);
    let described = env.describe_td(&v1);
    let mut same = described["taskDefinition"].clone();
    same["tags"] = tagged["tags"].clone();
    env.cmd()
        .args(["--service", "web"])
        .write_stdin(same.to_string())
        .assert()
        .code(0)
        .stdout(predicate::str::ends_with(":2\n"))
        .stderr(predicate::str::contains("web: deployed"));
}

/// The hand-written task definition a repository keeps is found unchanged too: the members
/// ECS fills in (`cpu: 0`, empty lists, `networkMode: bridge`) count as absent.
#[test]
fn a_hand_written_input_is_unchanged_when_ecs_only_added_its_defaults() {
    let env = setup();
    let v1 = env.register("web", "registry.example/app:1");
    env.service("web", &v1, Breaker::Rollback);
    let described = env.describe_td(&v1)["taskDefinition"].clone();
    assert_eq!(
        described["containerDefinitions"][0]["cpu"], 0,
        "{described}"
    );
    let hand_written = taskdef("web", "registry.example/app:1");
    env.cmd()
        .args(["--service", "web"])
        .write_stdin(hand_written.to_string())
        .assert()
        .code(0)
        .stdout(format!("{v1}\n"))
        .stderr(predicate::str::contains("nothing to register"));
    assert_eq!(env.revisions("web"), std::slice::from_ref(&v1));
    // A container's cpu it did not fill in is a difference.
    let mut more_cpu = hand_written.clone();
    more_cpu["containerDefinitions"][0]["cpu"] = serde_json::json!(128);
    env.cmd()
        .args(["--service", "web"])
        .write_stdin(more_cpu.to_string())
        .assert()
        .code(0)
        .stdout(predicate::str::ends_with(":2\n"));
}

#[test]
fn an_existing_revision_is_deployed_without_registering() {
    let env = setup();
    let v1 = env.register("web", "registry.example/app:1");
    let v2 = env.register("web", "registry.example/app:2");
    env.service("web", &v1, Breaker::Rollback);
    env.cmd()
        .args(["--service", "web", "--task-definition", "web:2"])
        .assert()
        .code(0)
        .stdout(format!("{v2}\n"))
        .stderr(predicate::str::contains("web: deployed"));
    assert_eq!(env.revisions("web").len(), 2);
    assert_eq!(env.service_td("web"), v2);
}

#[test]
fn two_services_each_get_their_own_verdict() {
    let env = setup();
    let v1 = env.register("web", "registry.example/app:1");
    env.service("web", &v1, Breaker::Rollback);
    env.service("api", &v1, Breaker::Rollback);
    // the same image fails in api only
    env.fail_image("*:2", "api");
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("deploy.json");
    env.cmd()
        .args(["--service", "web", "--service", "api", "--summary"])
        .arg(&summary)
        .write_stdin(taskdef("web", "registry.example/app:2").to_string())
        .assert()
        .code(1)
        .stdout(predicate::str::ends_with(":2\n"))
        .stderr(predicate::str::contains("web: deployed"))
        .stderr(predicate::str::contains("api: failed, rolled back by ECS"));
    let v2 = env.revisions("web").last().unwrap().clone();
    assert_eq!(env.service_td("web"), v2);
    assert_eq!(env.service_td("api"), v1);
    let s = read_json(&summary);
    assert_eq!(s["services"][0]["service"], "web");
    assert_eq!(s["services"][0]["verdict"], "deployed");
    assert_eq!(s["services"][1]["service"], "api");
    assert_eq!(s["services"][1]["verdict"], "rolled_back_by_ecs");
}

#[test]
fn a_missing_service_is_named_before_anything_changes() {
    let env = setup();
    let v1 = env.register("web", "registry.example/app:1");
    env.service("web", &v1, Breaker::Rollback);
    env.cmd()
        .args(["--service", "web", "--service", "nope"])
        .write_stdin(taskdef("web", "registry.example/app:2").to_string())
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(
            "ecs-deploy: error: cannot deploy: nope: no such service in cluster ci",
        ));
    assert_eq!(env.revisions("web"), std::slice::from_ref(&v1));
    assert_eq!(env.service_td("web"), v1);
}

#[test]
fn invalid_input_is_refused_before_any_call() {
    let env = setup();
    env.cmd()
        .args(["--service", "web"])
        .write_stdin(r#"{"family": "web", "containerDefinitions": [{"name": "app", "imag": "x"}]}"#)
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(
            "<stdin>: .containerDefinitions[0]",
        ));
}

#[test]
fn force_new_deployment_alone_redeploys_what_runs() {
    let env = setup();
    let v1 = env.register("web", "registry.example/app:1");
    env.service("web", &v1, Breaker::Rollback);
    let before = env.describe("web")["currentServiceDeployment"].clone();
    env.cmd()
        .args(["--service", "web", "--force-new-deployment"])
        .assert()
        .code(0)
        .stdout(format!("{v1}\n"))
        .stderr(predicate::str::contains("web: deployed"));
    assert_eq!(env.revisions("web"), std::slice::from_ref(&v1));
    assert_ne!(env.describe("web")["currentServiceDeployment"], before);
}

#[test]
fn a_deployment_replaced_by_another_is_a_failure_named() {
    let env = setup();
    let v1 = env.register("web", "registry.example/app:1");
    let other = env.register("web", "registry.example/app:other");
    env.service("web", &v1, Breaker::Off);
    // ours never finishes: its tasks fail, the breaker is off
    env.fail_image("*:bad", "*");
    let mut cmd = env.std_cmd();
    cmd.args(["--service", "web", "--task-definition"])
        .arg(env.register("web", "registry.example/app:bad"));
    let mut running = test_support::process::Running::start(&mut cmd);
    running.collect_stdout();
    running.wait_for_stderr("deployment IN_PROGRESS");
    // someone else deploys meanwhile
    env.ecs(
        "UpdateService",
        &serde_json::json!({"cluster": "ci", "service": "web", "taskDefinition": other}),
    );
    let out = running.wait();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("web: replaced: replaced by service deployment arn:aws:ecs:"),
        "{stderr}"
    );
}

#[test]
fn quiet_success_prints_nothing_on_stderr() {
    let env = setup();
    let v1 = env.register("web", "registry.example/app:1");
    env.service("web", &v1, Breaker::Rollback);
    env.cmd()
        .args(["--service", "web", "-q"])
        .write_stdin(taskdef("web", "registry.example/app:2").to_string())
        .assert()
        .code(0)
        .stdout(predicate::str::ends_with(":2\n"))
        .stderr("");
}

#[test]
fn an_essential_container_exit_is_explained_with_its_code() {
    let env = setup();
    let v1 = env.register("web", "registry.example/app:1");
    env.service("web", &v1, Breaker::Rollback);
    env.moto.set_rollout(
        &serde_json::json!({"seconds": crate::fixture::ROLLOUT_SECONDS,
        "failures": [{"image": "*:crash", "mode": "EssentialContainerExited", "exitCode": 3}]}),
    );
    env.cmd()
        .args(["--service", "web"])
        .write_stdin(taskdef("web", "registry.example/app:crash").to_string())
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "stopped (EssentialContainerExited): Essential container in task exited; \
             container app: exit code 3",
        ));
    assert_eq!(env.service_td("web"), v1);
}

#[test]
fn an_image_of_unset_variables_and_a_name_in_environment_and_secrets_register_nothing() {
    let env = setup();
    let v1 = env.register("web", "registry.example/app:1");
    env.service("web", &v1, Breaker::Rollback);
    let mut td = taskdef("web", "/web:");
    td["containerDefinitions"][0]["environment"] =
        serde_json::json!([{"name": "API_KEY", "value": "hunter2-value"}]);
    td["containerDefinitions"][0]["secrets"] = serde_json::json!(
        [{"name": "API_KEY", "valueFrom": "arn:aws:ssm:us-east-2:123456789012:parameter/k"}]
    );
    env.cmd()
        .args(["--service", "web"])
        .write_stdin(td.to_string())
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(
            ".containerDefinitions[0] (container \"app\"): image \"/web:\" is not a valid image \
             reference",
        ))
        .stderr(predicate::str::contains(
            "\"API_KEY\" is in both environment and secrets",
        ))
        .stderr(predicate::str::contains("hunter2").not());
    assert_eq!(env.revisions("web"), std::slice::from_ref(&v1));
}

#[test]
fn a_closed_stdout_does_not_stop_the_deployment() {
    // The reader of the ARN left (`| head -0`): the deployment goes on to its verdict, and
    // the exit code is the deployment's.
    use std::io::Write as _;
    let env = setup();
    let v1 = env.register("web", "registry.example/app:1");
    env.service("web", &v1, Breaker::Rollback);
    let mut child = env
        .std_cmd()
        .args(["--service", "web"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(
            taskdef("web", "registry.example/app:2")
                .to_string()
                .as_bytes(),
        )
        .unwrap();
    drop(stdin);
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("web: deployed"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let v2 = env.revisions("web").last().unwrap().clone();
    assert!(v2.ends_with(":2"));
    assert_eq!(env.service_td("web"), v2);
}
