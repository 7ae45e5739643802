//! Things that do not exist: a clear message, the right code, nothing on stdout, and the
//! summary says what went wrong.

use predicates::prelude::*;
use serde_json::json;

use crate::fixture::{read_json, replace, setup};

#[test]
fn unknown_cluster() {
    let env = setup();
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("s.json");
    let mut args = env.run_args();
    replace(&mut args, "--cluster", "nope");
    env.cmd()
        .args(&args)
        .args(["--summary", summary.to_str().unwrap()])
        .assert()
        .code(125)
        .stdout("")
        .stderr(predicate::str::ends_with(
            "ecs-run-wait: error: cannot start a task of migrate:1 in cluster nope: RunTask: \
             ClusterNotFoundException: Cluster not found. No cluster nope in region us-east-2, \
             account 123456789012.\n",
        ));
    let doc = read_json(&summary);
    assert_eq!(doc["outcome"], "error");
    assert_eq!(doc["exit_code"], 125);
    assert_eq!(doc["task_arn"], json!(null));
    // no task, no ARN from ECS: the name as given is said to be that
    assert_eq!(doc["cluster_arn"], json!(null));
    assert_eq!(doc["cluster"], "nope");
    assert!(
        doc["message"]
            .as_str()
            .unwrap()
            .contains("ClusterNotFoundException")
    );
}

#[test]
fn a_summary_that_cannot_be_written_is_refused_before_the_task_starts() {
    use std::os::unix::fs::PermissionsExt as _;
    let env = setup();
    let dir = tempfile::tempdir().unwrap();
    let read_only = dir.path().join("read-only.json");
    std::fs::write(&read_only, "old\n").unwrap();
    std::fs::set_permissions(&read_only, std::fs::Permissions::from_mode(0o444)).unwrap();
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink(&read_only, &link).unwrap();
    let dangling = dir.path().join("dangling.json");
    std::os::unix::fs::symlink(dir.path().join("no/such/dir/s.json"), &dangling).unwrap();
    let missing = dir.path().join("no/such/dir/s.json");
    let cases = [
        (
            read_only.clone(),
            format!(
                "--summary {}: the file is read-only (no write permission); make it writable, \
                 remove it or choose another path",
                read_only.display()
            ),
        ),
        (
            link.clone(),
            format!(
                "--summary {} (-> {}): the file is read-only",
                link.display(),
                read_only.display()
            ),
        ),
        (
            dir.path().to_path_buf(),
            format!("--summary {}: is a directory", dir.path().display()),
        ),
        (
            missing.clone(),
            format!(
                "--summary {}: directory {} does not exist",
                missing.display(),
                missing.parent().unwrap().display()
            ),
        ),
        (
            dangling.clone(),
            format!(
                "--summary {} (-> {}): directory {} does not exist",
                dangling.display(),
                missing.display(),
                missing.parent().unwrap().display()
            ),
        ),
    ];
    for (path, expected) in cases {
        let assert = env
            .cmd()
            .args(env.run_args())
            .args(["--summary", path.to_str().unwrap()])
            .assert()
            .code(2)
            .stdout("");
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
        assert!(
            stderr.starts_with(&format!("ecs-run-wait: error: {expected}")),
            "{}: {stderr}",
            path.display()
        );
        assert!(!stderr.contains("starting a task"), "{stderr}");
    }
    // nothing ran, nothing was written, no probe left behind
    assert_eq!(env.tasks(), Vec::<String>::new());
    assert_eq!(std::fs::read_to_string(&read_only).unwrap(), "old\n");
    let mut left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    left.sort();
    assert_eq!(left, ["dangling.json", "link.json", "read-only.json"]);
}

#[test]
fn unknown_task_definition() {
    let env = setup();
    let mut args = env.run_args();
    replace(&mut args, "--task-definition", "migrate:9");
    env.cmd().args(&args).assert().code(125).stdout("").stderr(
        "ecs-run-wait: error: cannot read task definition migrate:9: DescribeTaskDefinition: \
             ClientException: Unable to describe task definition. Family migrate exists in region \
             us-east-2, account 123456789012, but not this revision (aws ecs \
             list-task-definitions --family-prefix migrate).\n",
    );
}

#[test]
fn not_found_names_where_it_looked_and_close_names() {
    let env = setup();
    env.moto.call(
        "ecs",
        "AmazonEC2ContainerServiceV20141113.CreateCluster",
        &json!({"clusterName": "production"}),
    );
    let mut args = env.run_args();
    replace(&mut args, "--task-definition", "migrat");
    env.cmd().args(&args).assert().code(125).stdout("").stderr(predicate::str::ends_with(
        "DescribeTaskDefinition: ClientException: Unable to describe task definition. No ACTIVE \
         family migrat in region us-east-2, account 123456789012; did you mean migrate? (aws ecs \
         list-task-definitions --family-prefix migrat).\n",
    ));
    let mut args = env.run_args();
    replace(&mut args, "--cluster", "prodution");
    env.cmd()
        .args(&args)
        .assert()
        .code(125)
        .stdout("")
        .stderr(predicate::str::ends_with(
            "ecs-run-wait: error: cannot start a task of migrate:1 in cluster prodution: RunTask: \
         ClusterNotFoundException: Cluster not found. No cluster prodution in region us-east-2, \
         account 123456789012; did you mean production?\n",
        ));
    env.moto.call(
        "ecs",
        "AmazonEC2ContainerServiceV20141113.CreateService",
        &json!({"cluster": "ci", "serviceName": "web-api", "taskDefinition": "migrate", "desiredCount": 0,
                "launchType": "FARGATE"}),
    );
    let mut args = env.run_args();
    args.extend(["--network-from-service".into(), "web-apu".into()]);
    env.cmd().args(&args).assert().code(125).stdout("").stderr(
        "ecs-run-wait: error: --network-from-service: service web-apu is not in cluster ci in \
         region us-east-2, account 123456789012 (DescribeServices: MISSING); did you mean \
         web-api?\n",
    );
    // without --launch-type, the cluster is read first (a FARGATE-only task definition)
    let mut args = env.run_args();
    replace(&mut args, "--cluster", "prodution");
    let i = args.iter().position(|a| a == "--launch-type").unwrap();
    args.drain(i..i + 2);
    env.cmd().args(&args).assert().code(125).stdout("").stderr(
        "ecs-run-wait: error: cluster prodution is not found in region us-east-2, account \
         123456789012 (DescribeClusters: MISSING); did you mean production?\n",
    );
    assert_eq!(env.tasks(), Vec::<String>::new());
}

#[test]
fn under_github_actions_an_error_is_annotated_once() {
    let env = setup();
    let mut args = env.run_args();
    replace(&mut args, "--task-definition", "migrate:9");
    let out = env
        .cmd()
        .args(&args)
        .env("GITHUB_ACTIONS", "true")
        .assert()
        .code(125)
        .stdout("")
        .get_output()
        .stderr
        .clone();
    let stderr = String::from_utf8(out).unwrap();
    assert_eq!(stderr.matches("::error").count(), 1, "{stderr}");
    assert!(
        stderr.contains(
            "::error title=ecs-run-wait::cannot read task definition migrate:9: \
             DescribeTaskDefinition: ClientException: Unable to describe task definition. Family \
             migrate exists in region us-east-2, account 123456789012, but not this revision (aws \
             ecs list-task-definitions --family-prefix migrate).\n"
        ),
        "{stderr}"
    );
}

#[test]
fn unknown_service() {
    let env = setup();
    env.cmd()
        .args([
            "--cluster",
            "ci",
            "--task-definition",
            "migrate",
            "--network-from-service",
            "web",
        ])
        .assert()
        .code(125)
        .stdout("")
        .stderr(
            "ecs-run-wait: error: --network-from-service: service web is not in cluster ci in \
             region us-east-2, account 123456789012 (DescribeServices: MISSING)\n",
        );
}

#[test]
fn unknown_container_and_missing_network() {
    let env = setup();
    env.cmd()
        .args(env.run_args())
        .args(["--container", "web"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(
            "ecs-run-wait: error: --container web: task definition migrate:1 has no such \
             container; its containers: app\n",
        );
    env.cmd()
        .args([
            "--cluster",
            "ci",
            "--task-definition",
            "migrate",
            "--launch-type",
            "FARGATE",
        ])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(
            "task definition migrate:1 uses the awsvpc network mode: pass --subnets",
        ));
    env.cmd()
        .args(env.run_args())
        .args([
            "--overrides",
            r#"{"containerOverrides": [{"name": "app", "secrets": []}]}"#,
        ])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(
            "--overrides: .containerOverrides[0].secrets: not something RunTask can override",
        ));
    // nothing was started by any of these
    assert_eq!(env.tasks(), Vec::<String>::new());
}

#[test]
fn attach_to_a_task_in_an_unknown_cluster() {
    let env = setup();
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("s.json");
    env.cmd()
        .args(["--attach", "arn:aws:ecs:us-east-2:123456789012:task/nope/0123abcd"])
        .args(["--summary", summary.to_str().unwrap()])
        .assert()
        .code(125)
        .stdout("")
        .stderr(predicate::str::contains(
            "cannot find task arn:aws:ecs:us-east-2:123456789012:task/nope/0123abcd in cluster nope: \
             DescribeTasks: ClusterNotFoundException: Cluster not found. No cluster nope in region \
             us-east-2, account 123456789012.",
        ));
    // the task ARN names the cluster's
    let doc = read_json(&summary);
    assert_eq!(
        doc["cluster_arn"],
        "arn:aws:ecs:us-east-2:123456789012:cluster/nope"
    );
    assert!(doc.get("cluster").is_none());
}
