//! Where the task runs: explicit flags, or a service's configuration with flags on top; and
//! what it runs: the command and environment overrides.

use serde_json::{Value, json};

use predicates::prelude::*;

use crate::fixture::{CLUSTER, FAMILY, setup};

fn subnet_of(task: &Value) -> String {
    task["attachments"][0]["details"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "subnetId")
        .map(|d| d["value"].as_str().unwrap().to_owned())
        .unwrap()
}

fn the_task(env: &crate::fixture::Env) -> Value {
    let arns = env.tasks();
    env.describe(arns.last().expect("a task"))
}

#[test]
fn network_from_service_and_flags_on_top() {
    let env = setup();
    let sg = env.moto.default_security_group();
    let ids = env.moto.default_subnets();
    assert_eq!(ids[0], env.subnet);
    let (service_subnet, other_subnet) = (ids[1].clone(), ids[2].clone());
    env.moto.call(
        "ecs",
        "AmazonEC2ContainerServiceV20141113.CreateService",
        &json!({"cluster": CLUSTER, "serviceName": "web", "taskDefinition": FAMILY, "desiredCount": 1,
                "launchType": "FARGATE", "platformVersion": "1.4.0",
                "networkConfiguration": {"awsvpcConfiguration": {
                    "subnets": [service_subnet], "securityGroups": [sg], "assignPublicIp": "DISABLED"}}}),
    );
    // no --subnets, no --launch-type: all from the service (moto's EC2 path would fail)
    env.cmd()
        .args([
            "--cluster",
            CLUSTER,
            "--task-definition",
            FAMILY,
            "--network-from-service",
            "web",
            "--poll",
            "200ms",
            "--no-logs",
        ])
        .assert()
        .success();
    let task = the_task(&env);
    assert_eq!(subnet_of(&task), service_subnet);
    assert_eq!(task["launchType"], "FARGATE");
    assert_eq!(task["platformVersion"], "1.4.0");

    env.cmd()
        .args([
            "--cluster",
            CLUSTER,
            "--task-definition",
            FAMILY,
            "--network-from-service",
            "web",
        ])
        .args(["--subnets", &other_subnet, "--poll", "200ms", "--no-logs"])
        .assert()
        .success();
    assert_eq!(subnet_of(&the_task(&env)), other_subnet);
}

#[test]
fn explicit_subnets_command_and_environment() {
    let env = setup();
    env.cmd()
        .args(env.run_args())
        .args([
            "--env",
            "LOG_LEVEL=debug",
            "--env",
            "DB_PASSWORD",
            "--tag",
            "ci-run=42",
        ])
        .env("DB_PASSWORD", "s3cret value")
        .args(["--", "sh", "-c", "./migrate up && echo 'done'"])
        .assert()
        .success()
        .stdout("")
        .stderr(predicate::str::contains("s3cret").not());
    let task = the_task(&env);
    assert_eq!(subnet_of(&task), env.subnet);
    assert_eq!(task["startedBy"], "ecs-run-wait");
    let o = &task["overrides"]["containerOverrides"][0];
    assert_eq!(o["name"], "app");
    assert_eq!(
        o["command"],
        json!(["sh", "-c", "./migrate up && echo 'done'"])
    );
    assert_eq!(
        o["environment"],
        json!([{"name": "LOG_LEVEL", "value": "debug"}, {"name": "DB_PASSWORD", "value": "s3cret value"}])
    );

    // --command in shell words, merged into --overrides by container name
    env.cmd()
        .args(env.run_args())
        .args(["--command", "./migrate status --format 'short list'", "--cpu", "512"])
        .args(["--overrides", r#"{"taskRoleArn": "arn:aws:iam::123456789012:role/migrator",
                                  "containerOverrides": [{"name": "app", "environment": [{"name": "A", "value": "1"}]}]}"#])
        .assert()
        .success();
    let overrides = &the_task(&env)["overrides"];
    assert_eq!(
        overrides["taskRoleArn"],
        "arn:aws:iam::123456789012:role/migrator"
    );
    assert_eq!(overrides["cpu"], "512");
    assert_eq!(
        overrides["containerOverrides"][0]["command"],
        json!(["./migrate", "status", "--format", "short list"])
    );
    assert_eq!(
        overrides["containerOverrides"][0]["environment"],
        json!([{"name": "A", "value": "1"}])
    );
}

#[test]
fn env_takes_the_container_form_and_rejects_unknown_containers() {
    let env = setup();
    crate::fixture::register(&env.moto, FAMILY, &[("app", true), ("worker", false)]);
    // CONTAINER:NAME=VALUE and CONTAINER:NAME (from the tool's environment), per container
    env.cmd()
        .args(env.run_args())
        .args([
            "--no-logs",
            "--env",
            "app:LOG_LEVEL=x",
            "--env",
            "worker:DB_PASSWORD",
        ])
        .args(["--env", "worker:URL=http://h:1/a=b"])
        .env("DB_PASSWORD", "s3cret value")
        .assert()
        .success()
        .stdout("")
        .stderr(predicate::str::contains("s3cret").not());
    let overrides = &the_task(&env)["overrides"]["containerOverrides"];
    let of = |name: &str| {
        overrides
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["name"] == name)
            .unwrap_or_else(|| panic!("no override for {name}: {overrides}"))["environment"]
            .clone()
    };
    assert_eq!(of("app"), json!([{"name": "LOG_LEVEL", "value": "x"}]));
    assert_eq!(
        of("worker"),
        json!([{"name": "DB_PASSWORD", "value": "s3cret value"}, {"name": "URL", "value": "http://h:1/a=b"}])
    );
    // the bare form goes to --container
    env.cmd()
        .args(env.run_args())
        .args(["--no-logs", "--container", "worker", "--env", "LEVEL=1"])
        .assert()
        .success();
    let o = &the_task(&env)["overrides"]["containerOverrides"][0];
    assert_eq!(o["name"], "worker");
    assert_eq!(o["environment"], json!([{"name": "LEVEL", "value": "1"}]));

    let started = env.tasks().len();
    for (arg, expected) in [
        (
            "web:LOG_LEVEL=x",
            "ecs-run-wait: error: --env web:LOG_LEVEL: task definition migrate:2 has no container \
             \"web\"; its containers: app, worker\n",
        ),
        (
            "LOG_LEVEL=x",
            "ecs-run-wait: error: --env LOG_LEVEL: task definition migrate:2 has 2 containers \
             (app, worker): say which one with --env app:LOG_LEVEL=VALUE (or --env \
             app:LOG_LEVEL), or pass --container NAME\n",
        ),
    ] {
        env.cmd()
            .args(env.run_args())
            .args(["--env", arg])
            .assert()
            .code(2)
            .stdout("")
            .stderr(expected);
    }
    assert_eq!(env.tasks().len(), started, "nothing started");
}

/// The run arguments without `--launch-type FARGATE`.
fn without_launch_type(env: &crate::fixture::Env) -> Vec<String> {
    let mut args = env.run_args();
    let i = args.iter().position(|a| a == "--launch-type").unwrap();
    args.drain(i..i + 2);
    args
}

#[test]
fn a_fargate_only_task_definition_runs_on_fargate_without_a_launch_type() {
    let env = setup();
    env.cmd()
        .args(without_launch_type(&env))
        .args(["--no-logs"])
        .assert()
        .success()
        .stdout("")
        .stderr(predicate::str::contains(
            "ecs-run-wait: task definition migrate:1 requires FARGATE and cluster ci has no \
             default capacity provider strategy: using launch type FARGATE (--launch-type or \
             --capacity-provider to choose)\n",
        ));
    assert_eq!(the_task(&env)["launchType"], "FARGATE");

    // a cluster with a default strategy: that strategy decides, as ECS does
    env.moto.call(
        "ecs",
        "AmazonEC2ContainerServiceV20141113.PutClusterCapacityProviders",
        &json!({"cluster": CLUSTER, "capacityProviders": ["FARGATE_SPOT"],
                "defaultCapacityProviderStrategy": [{"capacityProvider": "FARGATE_SPOT", "weight": 1}]}),
    );
    env.cmd()
        .args(without_launch_type(&env))
        .args(["--no-logs"])
        .assert()
        .success()
        .stderr(predicate::str::contains("using launch type").not());
    let task = the_task(&env);
    assert_ne!(task["launchType"], "FARGATE", "{task}");
    assert_eq!(task["capacityProviderName"], "FARGATE_SPOT", "{task}");
}
