//! `--verify`: ECR images and awslogs log groups checked before anything is registered.

use assert_cmd::cargo::cargo_bin_cmd;
use predicates::prelude::*;
use serde_json::{Value, json};
use test_support::CommandExt as _;
use test_support::moto::{ACCOUNT, Moto, MotoGuard, REGION};

const ECS: &str = "AmazonEC2ContainerServiceV20141113";
const ECR: &str = "AmazonEC2ContainerRegistry_V20150921";
const CLUSTER: &str = "verify";

fn registry() -> String {
    format!("{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com")
}

/// A locked emulator with a cluster and a service `web` running `web:1` (busybox), and an
/// ECR repository `web` holding the tag `1.0`.
fn setup() -> MotoGuard<'static> {
    let moto = Moto::shared().lock();
    moto.post("/moto-api/ext/ecs/rollout", r#"{"seconds": 1}"#);
    ecs(&moto, "CreateCluster", &json!({"clusterName": CLUSTER}));
    ecs(
        &moto,
        "RegisterTaskDefinition",
        &json!({"family": "web", "containerDefinitions": [
            {"name": "app", "image": "busybox", "memory": 64}]}),
    );
    ecs(
        &moto,
        "CreateService",
        &json!({"cluster": CLUSTER, "serviceName": "web", "taskDefinition": "web:1",
                "desiredCount": 1}),
    );
    moto.call(
        "ecr",
        &format!("{ECR}.CreateRepository"),
        &json!({"repositoryName": "web"}),
    );
    let manifest = json!({"schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json",
                   "digest": format!("sha256:{}", "1".repeat(64)), "size": 10},
        "layers": []})
    .to_string();
    moto.call(
        "ecr",
        &format!("{ECR}.PutImage"),
        &json!({"repositoryName": "web", "imageManifest": manifest, "imageTag": "1.0"}),
    );
    moto.call(
        "logs",
        "Logs_20140328.CreateLogGroup",
        &json!({"logGroupName": "/ecs/web"}),
    );
    // A group whose name starts with the missing one's: a prefix match is not a match.
    moto.call(
        "logs",
        "Logs_20140328.CreateLogGroup",
        &json!({"logGroupName": "/ecs/worker-old"}),
    );
    moto
}

fn ecs(moto: &Moto, op: &str, body: &Value) -> Value {
    moto.call("ecs", &format!("{ECS}.{op}"), body)
}

fn container(name: &str, image: &str, group: &str) -> Value {
    json!({"name": name, "image": image, "memory": 64, "essential": true,
           "logConfiguration": {"logDriver": "awslogs", "options": {
               "awslogs-group": group, "awslogs-region": REGION,
               "awslogs-stream-prefix": "ecs"}}})
}

fn deploy(moto: &Moto, containers: &[Value]) -> assert_cmd::assert::Assert {
    let td = json!({"family": "web", "containerDefinitions": containers});
    cargo_bin_cmd!("ecs-deploy")
        .scrub_env()
        .envs(moto.env())
        .args(["--cluster", CLUSTER, "--service", "web", "--verify"])
        .args(["--poll", "100ms", "--timeout", "1m"])
        .write_stdin(td.to_string())
        .assert()
}

fn revisions(moto: &Moto) -> usize {
    let out = ecs(moto, "ListTaskDefinitions", &json!({"familyPrefix": "web"}));
    out["taskDefinitionArns"].as_array().unwrap().len()
}

/// Nothing registered, the service untouched.
fn assert_nothing_changed(moto: &Moto) {
    assert_eq!(revisions(moto), 1);
    let out = ecs(
        moto,
        "DescribeServices",
        &json!({"cluster": CLUSTER, "services": ["web"]}),
    );
    assert!(
        out["services"][0]["taskDefinition"]
            .as_str()
            .unwrap()
            .ends_with("task-definition/web:1")
    );
}

#[test]
fn every_problem_is_named_at_once_and_nothing_changes() {
    let moto = setup();
    let r = registry();
    let out = deploy(
        &moto,
        &[
            container("app", &format!("{r}/web:2.0"), "/ecs/web"),
            container("sidecar", &format!("{r}/nope:1"), "/ecs/worker"),
            container("proxy", "nginx:1.27", "/ecs/web"),
        ],
    )
    .code(1)
    .stdout("")
    .get_output()
    .clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    let expected = [
        format!(
            "ecs-deploy: error: --verify: container \"app\": image {r}/web:2.0: tag 2.0 is not \
             in repository web (account {ACCOUNT}, {REGION}): push the image with that tag \
             first, or fix the tag\n"
        ),
        format!(
            "ecs-deploy: error: --verify: container \"sidecar\": image {r}/nope:1: repository \
             nope does not exist (account {ACCOUNT}, {REGION}): create it and push the image, \
             or fix the image name\n"
        ),
        format!(
            "ecs-deploy: error: --verify: container \"sidecar\": awslogs log group \
             /ecs/worker does not exist ({REGION}): create it, or set the \
             awslogs-create-group option to \"true\" (the execution role then needs \
             logs:CreateLogGroup)\n"
        ),
        "ecs-deploy: --verify: container \"proxy\": image nginx:1.27 is not in a private \
         ECR registry: not checked\n"
            .to_owned(),
        "ecs-deploy: error: --verify found 3 problems: nothing was registered or changed\n"
            .to_owned(),
    ];
    for line in &expected {
        assert!(stderr.contains(line.as_str()), "{line}\nnot in:\n{stderr}");
    }
    assert_nothing_changed(&moto);
}

#[test]
fn a_missing_log_group_alone_fails() {
    let moto = setup();
    let image = format!("{}/web:1.0", registry());
    deploy(&moto, &[container("app", &image, "/ecs/missing")])
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(
            "--verify: container \"app\": awslogs log group /ecs/missing does not exist",
        ))
        .stderr(predicate::str::contains("--verify found 1 problem:"));
    assert_nothing_changed(&moto);
}

#[test]
fn an_invalid_image_reference_is_a_problem() {
    let moto = setup();
    // `$REGISTRY/web:$TAG` with both variables unset.
    deploy(&moto, &[container("app", "/web:", "/ecs/web")])
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(
            "ecs-deploy: error: --verify: container \"app\": image \"/web:\" is not a valid \
             image reference: ",
        ))
        .stderr(predicate::str::contains(
            "did a variable expand to nothing?",
        ));
    assert_nothing_changed(&moto);
}

#[test]
fn under_github_actions_each_problem_is_one_annotation() {
    let moto = setup();
    let td = json!({"family": "web", "containerDefinitions": [
        container("app", &format!("{}/web:9", registry()), "/ecs/web")]});
    let out = cargo_bin_cmd!("ecs-deploy")
        .scrub_env()
        .envs(moto.env())
        .env("GITHUB_ACTIONS", "true")
        .args(["--cluster", CLUSTER, "--service", "web", "--verify"])
        .write_stdin(td.to_string())
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("::error "))
        .collect();
    assert_eq!(errors.len(), 2, "{stderr}");
    assert!(
        errors[0].contains("tag 9 is not in repository web"),
        "{stderr}"
    );
    assert!(errors[1].contains("--verify found 1 problem"), "{stderr}");
    assert!(!stderr.contains("ecs-deploy: error:"), "{stderr}");
}
