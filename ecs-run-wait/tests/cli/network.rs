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
