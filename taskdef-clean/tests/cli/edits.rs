//! Edits through the binary: containers by name, task-level members, the jq filter.

use serde_json::{Value, json};

use crate::{cmd, fixture_text, json_of};

fn web() -> String {
    fixture_text("web-register.json")
}

fn run(args: &[&str]) -> Value {
    let assert = cmd()
        .args(args)
        .write_stdin(web())
        .assert()
        .success()
        .stderr("");
    json_of(&assert)
}

fn env_of(td: &Value, container: usize) -> Vec<(String, String)> {
    td["containerDefinitions"][container]["environment"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["name"].as_str().unwrap().to_owned(),
                e["value"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[test]
fn container_edits_by_name() {
    let td = run(&[
        "--image",
        "app=123456789012.dkr.ecr.us-east-2.amazonaws.com/web:1.5.0",
        "--image",
        "log-router=public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.0",
        "--env",
        "app:LOG_LEVEL=debug",
        "--env",
        "app:RELEASE=sha=abc123",
        "--env",
        "log-router:FLB_LOG_LEVEL=",
        "--unset-env",
        "app:DATABASE_POOL",
        "--secret",
        "app:API_KEY=arn:aws:ssm:us-east-2:123456789012:parameter/web/api-key-v2",
        "--unset-secret",
        "app:DATABASE_URL",
    ]);
    let app = &td["containerDefinitions"][0];
    assert_eq!(
        app["image"],
        "123456789012.dkr.ecr.us-east-2.amazonaws.com/web:1.5.0"
    );
    assert_eq!(
        td["containerDefinitions"][1]["image"],
        "public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.0"
    );
    // Replaced in place, never duplicated; new keys at the end; '=' in values kept.
    assert_eq!(
        env_of(&td, 0),
        [
            ("LOG_LEVEL".to_owned(), "debug".to_owned()),
            ("FEATURE_FLAGS".to_owned(), String::new()),
            ("RELEASE".to_owned(), "sha=abc123".to_owned()),
        ]
    );
    assert_eq!(
        env_of(&td, 1),
        [("FLB_LOG_LEVEL".to_owned(), String::new())]
    );
    assert_eq!(
        app["secrets"],
        json!([{"name": "API_KEY", "valueFrom": "arn:aws:ssm:us-east-2:123456789012:parameter/web/api-key-v2"}])
    );
    // Nothing else changed.
    let mut original: Value = serde_json::from_str(&web()).unwrap();
    let mut edited = td.clone();
    for td in [&mut original, &mut edited] {
        for c in td["containerDefinitions"].as_array_mut().unwrap() {
            let c = c.as_object_mut().unwrap();
            for key in ["image", "environment", "secrets"] {
                c.shift_remove(key);
            }
        }
    }
    assert_eq!(edited, original);
}

#[test]
fn one_container_takes_an_image_without_a_name() {
    let td = json!({"family": "job", "containerDefinitions": [{"name": "migrate", "image": "job:1", "memory": 128}]});
    let assert = cmd()
        .args(["--image", "job:2"])
        .write_stdin(td.to_string())
        .assert()
        .success()
        .stderr("");
    assert_eq!(
        json_of(&assert)["containerDefinitions"][0]["image"],
        "job:2"
    );
}

#[test]
fn task_level_edits() {
    let td = run(&[
        "--family",
        "web-staging",
        "--cpu",
        "2048",
        "--memory",
        "4 GB",
        "--task-role-arn",
        "arn:aws:iam::123456789012:role/web-staging-task",
        "--execution-role-arn",
        "arn:aws:iam::123456789012:role/staging-exec",
    ]);
    assert_eq!(td["family"], "web-staging");
    assert_eq!(td["cpu"], "2048");
    assert_eq!(td["memory"], "4 GB");
    assert_eq!(
        td["taskRoleArn"],
        "arn:aws:iam::123456789012:role/web-staging-task"
    );
    assert_eq!(
        td["executionRoleArn"],
        "arn:aws:iam::123456789012:role/staging-exec"
    );
}

#[test]
fn the_filter_sees_the_clean_task_definition_with_args_and_env() {
    let describe =
        json!({"taskDefinition": serde_json::from_str::<Value>(&web()).unwrap(), "tags": []});
    let assert = cmd()
        .args([
            "--image",
            "app=web:9",
            "--filter",
            r#".containerDefinitions |= map(if .name == "app" then .dockerLabels["com.example.commit"] = $commit | .logConfiguration.options.splunk_index = env.SPLUNK_INDEX else . end)
               | .revision = "should be stripped again"
               | .seen = ([keys[] | select(. == "taskDefinitionArn" or . == "tags")] | length)"#,
            "--arg",
            "commit",
            "abc123",
        ])
        .env("SPLUNK_INDEX", "web-prod")
        .write_stdin(describe.to_string())
        .assert()
        .success();
    let td = json_of(&assert);
    let app = &td["containerDefinitions"][0];
    assert_eq!(app["image"], "web:9", "the edits came first");
    assert_eq!(app["dockerLabels"]["com.example.commit"], "abc123");
    assert_eq!(
        app["logConfiguration"]["options"]["splunk_index"],
        "web-prod"
    );
    assert!(td.get("revision").is_none());
    // The tags were carried in (the answer's empty list was dropped), nothing read-only left.
    assert_eq!(td["seen"], json!(1));
    assert_eq!(
        td["tags"],
        json!([{"key": "team", "value": "web"}, {"key": "cost-center", "value": ""}])
    );
    // The added member is not in the model: kept, with a warning.
    let err = crate::stderr_of(&assert);
    assert!(
        err.contains("in the --filter output: .seen: not a RegisterTaskDefinition member"),
        "{err}"
    );
}

#[test]
fn setting_a_secret_name_as_env_needs_the_secret_unset() {
    let assert = cmd()
        .args(["--env", "app:API_KEY=plain-text"])
        .write_stdin(web())
        .assert()
        .code(1)
        .stdout("");
    let err = crate::stderr_of(&assert);
    assert_eq!(
        err,
        "taskdef-clean: error: <stdin>: .containerDefinitions[0].secrets[1] (container \"app\"): \
         \"API_KEY\" is an environment variable too, and ECS rejects a name in both environment \
         and secrets; remove one (--unset-env app:API_KEY or --unset-secret app:API_KEY)\n"
    );
    assert!(
        !err.contains("plain-text"),
        "the value stays out of messages"
    );
    let td = run(&[
        "--unset-secret",
        "app:API_KEY",
        "--env",
        "app:API_KEY=plain-text",
    ]);
    assert_eq!(
        td["containerDefinitions"][0]["secrets"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}
