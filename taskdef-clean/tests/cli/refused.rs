//! What ECS refuses with a `ClientException` although the model allows it (Fargate's network
//! mode and execution role, awsvpc's hostname and links, memory, an essential container,
//! health check ranges, a tag without a key): errors of `--check --strict`, each with its
//! path and container; the documented but unconfirmed rules are warnings; and real-world
//! shapes (App Mesh, FireLens, EFS, Windows, bridge mode with links, EC2 without an
//! execution role) stay register-ready.

use serde_json::{Value, json};

use crate::{cmd, stderr_of};

/// A Fargate task definition ECS registers.
fn fargate() -> Value {
    json!({
        "family": "web",
        "requiresCompatibilities": ["FARGATE"],
        "networkMode": "awsvpc",
        "cpu": "256",
        "memory": "512",
        "executionRoleArn": "arn:aws:iam::123456789012:role/exec",
        "containerDefinitions": [{
            "name": "app",
            "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1",
            "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "g"}},
            "secrets": [{"name": "DB", "valueFrom": "arn:aws:ssm:us-east-1:123456789012:parameter/db"}]
        }]
    })
}

/// `--check --strict` of `td`: the exit code must be `code`; the problem lines (without the
/// prefix `taskdef-clean: `).
fn check(td: &Value, code: i32) -> Vec<String> {
    let assert = cmd()
        .args(["--check", "--strict", "-q"])
        .write_stdin(td.to_string())
        .assert()
        .code(code)
        .stdout("");
    stderr_of(&assert)
        .lines()
        .map(|l| l.replace("taskdef-clean: ", "").replace("<stdin>: ", ""))
        .collect()
}

fn with(mut td: Value, change: impl FnOnce(&mut Value)) -> Value {
    change(&mut td);
    td
}

#[test]
fn the_base_shapes_are_register_ready() {
    assert_eq!(check(&fargate(), 0), Vec::<String>::new());
}

#[test]
fn fargate_runs_awsvpc_only() {
    let td = with(fargate(), |td| td["networkMode"] = json!("bridge"));
    assert_eq!(
        check(&td, 1),
        [
            "error: .networkMode: Fargate runs only the awsvpc network mode \
          (requiresCompatibilities has FARGATE; ECS: \"Fargate only supports network mode \
          'awsvpc'\"): write \"awsvpc\""
        ]
    );
    let td = with(fargate(), |td| {
        td.as_object_mut().expect("object").remove("networkMode");
    });
    let errors = check(&td, 1);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("no networkMode, and Fargate runs only awsvpc"),
        "{errors:?}"
    );
    // The same on EC2 is what ECS takes.
    let td = with(fargate(), |td| {
        td["networkMode"] = json!("bridge");
        td["requiresCompatibilities"] = json!(["EC2"]);
    });
    check(&td, 0);
}

#[test]
fn fargate_takes_no_host_ipc_or_pid_mode() {
    let td = with(fargate(), |td| {
        td["ipcMode"] = json!("host");
        td["pidMode"] = json!("host");
    });
    let errors = check(&td, 1);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors[0].starts_with("error: .ipcMode: Fargate does not take ipcMode \"host\""));
    assert!(errors[1].starts_with("error: .pidMode: Fargate does not take pidMode \"host\""));
    check(&with(fargate(), |td| td["pidMode"] = json!("task")), 0);
    let ec2 = with(td, |td| {
        td["requiresCompatibilities"] = json!(["EC2"]);
    });
    check(&ec2, 0);
}

#[test]
fn fargate_needs_the_execution_role_for_awslogs_ecr_and_secrets() {
    let td = with(fargate(), |td| {
        td.as_object_mut()
            .expect("object")
            .remove("executionRoleArn");
        td["containerDefinitions"][0]["repositoryCredentials"] = json!({"credentialsParameter": "arn:aws:secretsmanager:us-east-1:123456789012:secret:x"});
    });
    let errors = check(&td, 1);
    let paths: Vec<&str> = errors
        .iter()
        .map(|e| e.split(": ").nth(1).expect("path"))
        .collect();
    assert_eq!(
        paths,
        [
            ".containerDefinitions[0].logConfiguration (container \"app\")",
            ".containerDefinitions[0].image (container \"app\")",
            ".containerDefinitions[0].secrets (container \"app\")",
            ".containerDefinitions[0].repositoryCredentials (container \"app\")",
        ],
        "{errors:?}"
    );
    assert!(
        errors[1].ends_with(
            "an image in a private ECR registry on Fargate needs the task execution role, and \
             the task definition has no executionRoleArn; ECS refuses it (\"Fargate requires \
             task definition to have execution role ARN\"): set executionRoleArn to the task \
             execution role's ARN"
        ),
        "{errors:?}"
    );
    // A public image and no logs need no role; EC2 needs none for any of them here.
    let public = with(fargate(), |td| {
        td.as_object_mut()
            .expect("object")
            .remove("executionRoleArn");
        td["containerDefinitions"][0] =
            json!({"name": "app", "image": "public.ecr.aws/nginx/nginx:1"});
    });
    check(&public, 0);
    let ec2 = with(td, |td| {
        td["requiresCompatibilities"] = json!(["EC2"]);
    });
    check(&ec2, 0);
}

#[test]
fn awsvpc_takes_no_hostname_or_links() {
    let td = with(fargate(), |td| {
        td["containerDefinitions"][0]["hostname"] = json!("web");
        td["containerDefinitions"][0]["links"] = json!(["db"]);
    });
    let errors = check(&td, 1);
    assert_eq!(
        errors,
        [
            "error: .containerDefinitions[0].hostname (container \"app\"): ECS refuses a \
             container's hostname in awsvpc network mode (the task's network interface has its \
             own name): remove it (--filter 'del(.containerDefinitions[0].hostname)')",
            "error: .containerDefinitions[0].links (container \"app\"): ECS refuses a \
             container's links in awsvpc network mode (links are for bridge mode; the \
             containers of an awsvpc task reach each other on localhost): remove it (--filter \
             'del(.containerDefinitions[0].links)')",
        ]
    );
    // Empty values configure nothing (exports write them): not refused.
    let empty = with(fargate(), |td| {
        td["containerDefinitions"][0]["hostname"] = json!("");
        td["containerDefinitions"][0]["links"] = json!([]);
    });
    check(&empty, 0);
}

#[test]
fn a_container_needs_memory_unless_the_task_has_it() {
    let td = json!({"family": "f", "containerDefinitions": [
        {"name": "app", "image": "nginx", "memory": 128},
        {"name": "side", "image": "nginx"}
    ]});
    assert_eq!(
        check(&td, 1),
        [
            "error: .containerDefinitions[1] (container \"side\"): the container has neither \
          memory nor memoryReservation, and the task has no memory; ECS refuses it (\"At least \
          one of 'memory' or 'memoryReservation' must be specified\"): give the container a \
          memoryReservation (or memory) in MiB, or the task a memory"
        ]
    );
    let td = with(td, |td| {
        td["containerDefinitions"][1]["memoryReservation"] = json!(64);
    });
    check(&td, 0);
    let td = with(td, |td| {
        td["containerDefinitions"][1]
            .as_object_mut()
            .expect("object")
            .remove("memoryReservation");
        td["memory"] = json!("512");
    });
    check(&td, 0);
}

#[test]
fn one_container_at_least_is_essential() {
    let td = json!({"family": "f", "memory": "512", "containerDefinitions": [
        {"name": "app", "image": "nginx", "essential": false},
        {"name": "side", "image": "nginx", "essential": false}
    ]});
    let errors = check(&td, 1);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("error: .containerDefinitions: no container is essential"),
        "{errors:?}"
    );
    check(
        &with(td, |td| {
            td["containerDefinitions"][1]
                .as_object_mut()
                .expect("object")
                .remove("essential");
        }),
        0,
    );
}

#[test]
fn health_check_ranges() {
    for (key, bad, good) in [
        ("interval", 4, 300),
        ("interval", 301, 5),
        ("timeout", 1, 60),
        ("timeout", 61, 2),
        ("retries", 0, 10),
        ("retries", 11, 1),
        ("startPeriod", -1, 0),
        ("startPeriod", 301, 300),
    ] {
        let td = with(fargate(), |td| {
            td["containerDefinitions"][0]["healthCheck"] =
                json!({"command": ["CMD", "true"], key: bad});
        });
        let errors = check(&td, 1);
        let prefix = format!(
            "error: .containerDefinitions[0].healthCheck.{key} (container \"app\"): {bad} "
        );
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].starts_with(&prefix), "{errors:?}");
        assert!(
            errors[0].contains(&format!("as a health check's {key}")),
            "{errors:?}"
        );
        let td = with(td, |td| {
            td["containerDefinitions"][0]["healthCheck"][key] = json!(good);
        });
        check(&td, 0);
    }
}

#[test]
fn a_tag_needs_a_key() {
    let td = with(fargate(), |td| {
        td["tags"] = json!([{"value": "v"}, {"key": "k"}]);
    });
    assert_eq!(
        check(&td, 1),
        [
            "error: .tags[0]: the tag has no key; ECS needs one of 1 to 128 characters (\"Invalid \
          length for parameter tags[0].key, value: 0, valid min length: 1\"): write one, or \
          remove the tag"
        ]
    );
}

#[test]
fn documented_but_unconfirmed_rules_are_warnings() {
    let td = with(fargate(), |td| {
        let app = &mut td["containerDefinitions"][0];
        app["memory"] = json!(1024);
        app["mountPoints"] = json!([{"sourceVolume": "data", "containerPath": "/d"}]);
        app["dependsOn"] = json!([{"containerName": "init", "condition": "SUCCESS"}]);
        app["volumesFrom"] = json!([{"sourceContainer": "other"}]);
    });
    // Warnings: printed, exit 0 (--strict makes unknown members errors, not these).
    let warnings = check(&td, 0);
    assert_eq!(
        warnings,
        [
            "warning: .containerDefinitions[0].memory (container \"app\"): the container's \
             memory (1024 MiB) is more than the task's (512 MiB); the ECS documentation says \
             the task's must be at least each container's: lower the container's memory or \
             raise the task's",
            "warning: .containerDefinitions[0].mountPoints[0].sourceVolume (container \"app\"): \
             the sourceVolume \"data\" is not the name of a volume of the task definition; ECS \
             refuses a reference to nothing: fix the name, or add what it names",
            "warning: .containerDefinitions[0].dependsOn[0].containerName (container \"app\"): \
             the containerName \"init\" is not the name of a container of the task definition; \
             ECS refuses a reference to nothing: fix the name, or add what it names",
            "warning: .containerDefinitions[0].volumesFrom[0].sourceContainer (container \
             \"app\"): the sourceContainer \"other\" is not the name of a container of the task \
             definition; ECS refuses a reference to nothing: fix the name, or add what it names",
        ]
    );
}

#[test]
fn real_world_shapes_stay_register_ready() {
    let app_mesh = json!({
        "family": "mesh", "requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc",
        "cpu": "512", "memory": "1024",
        "executionRoleArn": "arn:aws:iam::123456789012:role/exec",
        "proxyConfiguration": {"type": "APPMESH", "containerName": "envoy", "properties": [
            {"name": "IgnoredUID", "value": "1337"}, {"name": "ProxyIngressPort", "value": "15000"},
            {"name": "ProxyEgressPort", "value": "15001"}, {"name": "AppPorts", "value": "8080"},
            {"name": "EgressIgnoredIPs", "value": "169.254.170.2,169.254.169.254"}]},
        "containerDefinitions": [
            {"name": "app", "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1",
             "essential": true, "portMappings": [{"containerPort": 8080, "protocol": "tcp"}],
             "dependsOn": [{"containerName": "envoy", "condition": "HEALTHY"}]},
            {"name": "envoy", "image": "840364872350.dkr.ecr.us-west-2.amazonaws.com/aws-appmesh-envoy:v1.27.0.0-prod",
             "essential": true, "user": "1337", "memoryReservation": 256,
             "environment": [{"name": "APPMESH_RESOURCE_ARN", "value": "arn:aws:appmesh:us-east-1:123456789012:mesh/m/virtualNode/n"}],
             "healthCheck": {"command": ["CMD-SHELL", "curl -s http://localhost:9901/server_info | grep state | grep -q LIVE"],
                             "interval": 5, "timeout": 2, "retries": 3, "startPeriod": 10}}
        ]
    });
    let firelens = json!({
        "family": "fl", "requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc",
        "cpu": "256", "memory": "512",
        "executionRoleArn": "arn:aws:iam::123456789012:role/exec",
        "containerDefinitions": [
            {"name": "log_router", "image": "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable",
             "essential": true, "firelensConfiguration": {"type": "fluentbit"},
             "logConfiguration": {"logDriver": "awslogs", "options": {
                 "awslogs-group": "firelens", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "fl"}}},
            {"name": "app", "image": "nginx", "essential": true,
             "logConfiguration": {"logDriver": "awsfirelens", "options": {"Name": "cloudwatch"}}}
        ]
    });
    let efs = json!({
        "family": "efs", "requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc",
        "cpu": "256", "memory": "512",
        "volumes": [{"name": "data", "efsVolumeConfiguration": {
            "fileSystemId": "fs-12345678", "transitEncryption": "ENABLED",
            "authorizationConfig": {"accessPointId": "fsap-12345678", "iam": "ENABLED"}}}],
        "containerDefinitions": [{"name": "app", "image": "nginx",
            "mountPoints": [{"sourceVolume": "data", "containerPath": "/data", "readOnly": false}]}]
    });
    let windows = json!({
        "family": "win", "requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc",
        "cpu": "1024", "memory": "2048",
        "runtimePlatform": {"operatingSystemFamily": "WINDOWS_SERVER_2019_CORE", "cpuArchitecture": "X86_64"},
        "containerDefinitions": [{"name": "iis", "image": "mcr.microsoft.com/windows/servercore/iis",
            "essential": true, "entryPoint": ["powershell", "-Command"],
            "portMappings": [{"containerPort": 80, "hostPort": 80, "protocol": "tcp"}]}]
    });
    let bridge = json!({
        "family": "legacy", "networkMode": "bridge",
        "containerDefinitions": [
            {"name": "web", "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1",
             "memory": 256, "links": ["db"], "hostname": "web",
             "portMappings": [{"containerPort": 80, "hostPort": 0}],
             "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "g"}},
             "volumesFrom": [{"sourceContainer": "db"}]},
            {"name": "db", "image": "postgres:16", "memoryReservation": 512, "essential": false}
        ]
    });
    let ec2 = json!({
        "family": "ec2", "requiresCompatibilities": ["EC2"],
        "containerDefinitions": [{"name": "app", "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1",
            "memoryReservation": 128, "secrets": [{"name": "S", "valueFrom": "arn:aws:ssm:us-east-1:123456789012:parameter/s"}],
            "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "g"}}}]
    });
    for (name, td) in [
        ("app mesh", app_mesh),
        ("firelens", firelens),
        ("efs", efs),
        ("windows", windows),
        ("bridge", bridge),
        ("ec2", ec2),
    ] {
        assert_eq!(check(&td, 0), Vec::<String>::new(), "{name}");
    }
}
