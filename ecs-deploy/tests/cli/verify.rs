//! `--verify`: ECR images and awslogs log groups checked before anything is registered.

use predicates::prelude::*;
use serde_json::{Value, json};
use test_support::moto::{ACCOUNT, REGION};

use crate::fixture::{self, Breaker, Env};

const ECR: &str = "AmazonEC2ContainerRegistry_V20150921";

fn registry() -> String {
    format!("{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com")
}

/// A service `web` running `web:1` (busybox), and an ECR repository `web` holding the tag
/// `1.0`, the log group `/ecs/web`.
fn setup() -> Env {
    let env = fixture::setup();
    let td = env.register("web", "busybox");
    env.service("web", &td, Breaker::Rollback);
    let moto = &env.moto;
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
    for group in ["/ecs/web", "/ecs/worker-old"] {
        // The second: its name starts with a missing one's, and a prefix is not a match.
        moto.call(
            "logs",
            "Logs_20140328.CreateLogGroup",
            &json!({"logGroupName": group}),
        );
    }
    env
}

fn container(name: &str, image: &str, group: &str) -> Value {
    json!({"name": name, "image": image, "memory": 64, "essential": true,
           "logConfiguration": {"logDriver": "awslogs", "options": {
               "awslogs-group": group, "awslogs-region": REGION,
               "awslogs-stream-prefix": "ecs"}}})
}

fn deploy(env: &Env, containers: &[Value]) -> assert_cmd::assert::Assert {
    let td = json!({"family": "web", "containerDefinitions": containers});
    env.cmd()
        .args(["--service", "web", "--verify"])
        .write_stdin(td.to_string())
        .assert()
}

/// Nothing registered, the service untouched.
fn assert_nothing_changed(env: &Env) {
    assert_eq!(env.revisions("web").len(), 1);
    assert!(env.service_td("web").ends_with("task-definition/web:1"));
}

#[test]
fn every_problem_is_named_at_once_and_nothing_changes() {
    let env = setup();
    let r = registry();
    let out = deploy(
        &env,
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
    assert_nothing_changed(&env);
}

#[test]
fn a_missing_log_group_alone_fails() {
    let env = setup();
    let image = format!("{}/web:1.0", registry());
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("s.json");
    let td = json!({"family": "web", "containerDefinitions": [container("app", &image, "/ecs/missing")]});
    env.cmd()
        .args(["--service", "web", "--verify", "--summary"])
        .arg(&summary)
        .write_stdin(td.to_string())
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(
            "--verify: container \"app\": awslogs log group /ecs/missing does not exist",
        ))
        .stderr(predicate::str::contains("--verify found 1 problem:"));
    assert_nothing_changed(&env);
    // The summary lists the problems themselves, not only their number.
    let s: Value = serde_json::from_str(&std::fs::read_to_string(&summary).unwrap()).unwrap();
    assert_eq!(s["exit_code"], 1);
    let problems = s["verify_problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1, "{s}");
    assert!(
        problems[0]
            .as_str()
            .unwrap()
            .starts_with("container \"app\": awslogs log group /ecs/missing does not exist"),
        "{s}"
    );
}

#[test]
fn an_invalid_image_reference_is_a_problem() {
    let env = setup();
    // `$REGISTRY/web:$TAG` with both variables unset.
    deploy(&env, &[container("app", "/web:", "/ecs/web")])
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(
            "ecs-deploy: error: --verify: container \"app\": image \"/web:\" is not a valid \
             image reference: ",
        ))
        .stderr(predicate::str::contains(
            "did a variable expand to nothing?",
        ));
    assert_nothing_changed(&env);
}

#[test]
fn under_github_actions_each_problem_is_one_annotation() {
    let env = setup();
    let td = json!({"family": "web", "containerDefinitions": [
        container("app", &format!("{}/web:9", registry()), "/ecs/web")]});
    let out = env
        .cmd()
        .env("GITHUB_ACTIONS", "true")
        .args(["--service", "web", "--verify"])
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

#[test]
fn when_everything_exists_it_deploys() {
    let env = setup();
    let image = format!("{}/web:1.0", registry());
    let out = deploy(
        &env,
        &[
            container("app", &image, "/ecs/web"),
            container("proxy", "nginx:1.27", "/ecs/web"),
        ],
    )
    .success()
    .stderr(predicate::str::contains(
        "ecs-deploy: --verify: 1 ECR image and 1 log group exist\n",
    ))
    .stderr(predicate::str::contains("web: deployed"))
    .get_output()
    .clone();
    let arn = String::from_utf8(out.stdout).unwrap();
    assert!(arn.trim_end().ends_with("task-definition/web:2"), "{arn}");
    assert_eq!(env.service_td("web"), arn.trim_end());
}

#[test]
fn a_registered_revision_is_checked_too() {
    let env = setup();
    // Registered when its image was there; deleted since (an ECR lifecycle rule, ecr-purge).
    let image = format!("{}/web:gone", registry());
    env.ecs(
        "RegisterTaskDefinition",
        &json!({"family": "web", "containerDefinitions": [container("app", &image, "/ecs/gone")]}),
    );
    env.cmd()
        .args(["--service", "web", "--verify", "--task-definition", "web:2"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(format!(
            "--verify: container \"app\": image {image}: tag gone is not in repository web"
        )))
        .stderr(predicate::str::contains(
            "--verify: container \"app\": awslogs log group /ecs/gone does not exist",
        ))
        .stderr(predicate::str::contains("--verify found 2 problems"));
    assert!(env.service_td("web").ends_with("task-definition/web:1"));
}
