use super::*;
use ecs_taskdef::problem::Severity;
use serde_json::json;

fn problems(td: &Value, strict: bool) -> Vec<(Severity, String)> {
    let mut problems = Vec::new();
    check(
        td.as_object().unwrap(),
        &Origin::BARE,
        Mode {
            strict,
            hide_values: false,
        },
        &mut problems,
    );
    problems
        .into_iter()
        .map(|p| (p.severity, p.to_string()))
        .collect()
}

fn valid() -> Value {
    json!({
        "family": "web",
        "networkMode": "awsvpc",
        "cpu": "256",
        "memory": "512",
        "containerDefinitions": [{
            "name": "app", "image": "app:1", "cpu": 0, "essential": true,
            "portMappings": [{"containerPort": 80, "protocol": "tcp", "name": "http", "appProtocol": "http"}],
            "environment": [{"name": "A", "value": ""}],
            "secrets": [{"name": "DB", "valueFrom": "arn:aws:ssm:us-east-2:123456789012:parameter/db"}],
            "dockerLabels": {"com.example.team": "web"},
            "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/web"}},
            "healthCheck": {"command": ["CMD-SHELL", "true"], "interval": 30},
            "resourceRequirements": [{"type": "GPU", "value": "1", "sharingStrategy": {"nvidiaMps": {"memory": 8}}}]
        }],
        "volumes": [{"name": "data", "efsVolumeConfiguration": {"fileSystemId": "fs-1", "transitEncryption": "ENABLED"}}],
        "tags": [{"key": "team", "value": "web"}],
        "enableFaultInjection": false,
        "trustedExecutionConfiguration": {"isolationMode": "SHARED"}
    })
}

#[test]
fn a_valid_task_definition_has_no_problems() {
    assert_eq!(problems(&valid(), true), []);
}

#[test]
fn wrong_types_are_errors_with_hints() {
    let mut td = valid();
    td["cpu"] = json!(256);
    td["containerDefinitions"][0]["portMappings"][0]["containerPort"] = json!("80");
    td["containerDefinitions"][0]["essential"] = json!("true");
    td["containerDefinitions"][0]["memory"] = json!(1.5);
    td["containerDefinitions"][0]["dockerLabels"]["com.example.n"] = json!(1);
    td["volumes"] = json!({});
    let found = problems(&td, false);
    let expected = [
        ".cpu: expected a string, found the number 256 (the task-level cpu is a string: \"256\")",
        ".containerDefinitions[0].essential (container \"app\"): expected true or false, found the string \"true\": write true or false (without quotes)",
        ".containerDefinitions[0].portMappings[0].containerPort (container \"app\"): expected an integer, found the string \"80\": write 80 without quotes",
        ".containerDefinitions[0].dockerLabels[\"com.example.n\"] (container \"app\"): expected a string, found the number 1 (quote it)",
        ".containerDefinitions[0].memory (container \"app\"): expected an integer, found the number 1.5 (write a whole number)",
        ".volumes: expected an array, found an object",
    ];
    assert_eq!(
        found,
        expected
            .iter()
            .map(|s| (Severity::Error, (*s).to_owned()))
            .collect::<Vec<_>>()
    );
}

#[test]
fn missing_required_members_and_unions() {
    let mut td = valid();
    td.as_object_mut().unwrap().shift_remove("family");
    td["containerDefinitions"][0]["secrets"][0] = json!({"name": "DB"});
    td["containerDefinitions"][0]["resourceRequirements"][0]["sharingStrategy"] = json!({});
    let found: Vec<String> = problems(&td, false).into_iter().map(|p| p.1).collect();
    assert_eq!(
        found,
        [
            ".: missing the required member \"family\" (RegisterTaskDefinitionRequest)",
            ".containerDefinitions[0].secrets[0] (container \"app\"): missing the required member \"valueFrom\" (Secret)",
            ".containerDefinitions[0].resourceRequirements[0].sharingStrategy (container \"app\"): SharingStrategy takes exactly one of its members (nvidiaMps), found 0",
        ]
    );
}

#[test]
fn unknown_members_and_values_are_warnings_or_strict_errors() {
    let mut td = valid();
    td["exectionRoleArn"] = json!("arn:x");
    td["networkMode"] = json!("awsvcp");
    td["containerDefinitions"][0]["newFeature"] = json!({"on": true});
    let found = problems(&td, false);
    let source = model::SOURCE;
    assert_eq!(
        found,
        [
            (
                Severity::Warning,
                format!(
                    ".networkMode: \"awsvcp\" is not a NetworkMode value the ECS model knows (bridge, host, awsvpc, none) (did you mean \"awsvpc\"?); model: {source}; kept"
                )
            ),
            (
                Severity::Warning,
                format!(
                    ".containerDefinitions[0].newFeature (container \"app\"): not a member of ContainerDefinition in the ECS model this tool knows ({source}); kept"
                )
            ),
            (
                Severity::Warning,
                format!(
                    ".exectionRoleArn: not a RegisterTaskDefinition member in the ECS model this tool knows ({source}) (did you mean \"executionRoleArn\"?); kept"
                )
            ),
        ]
    );
    let strict = problems(&td, true);
    assert!(strict.iter().all(|(s, _)| *s == Severity::Error));
    assert!(strict[1].1.ends_with("; remove it with --filter 'del(.containerDefinitions[0].newFeature)', or leave out --strict to keep it"), "{strict:?}");
    assert!(
        strict[2]
            .1
            .ends_with("; remove it with --drop=exectionRoleArn, or leave out --strict to keep it"),
        "{strict:?}"
    );
}

#[test]
fn hidden_values_name_paths_and_types_only() {
    let mut td = valid();
    td["cpu"] = json!("S3cret");
    td["networkMode"] = json!("S3cret");
    td["containerDefinitions"][0]["image"] = json!("S3cret");
    td["containerDefinitions"][0]["memory"] = json!("S3cret");
    td["containerDefinitions"][0]["environment"] = json!(["S3cret"]);
    let mut found = Vec::new();
    let mode = Mode {
        strict: true,
        hide_values: true,
    };
    check(td.as_object().unwrap(), &Origin::BARE, mode, &mut found);
    assert_eq!(found.len(), 5, "{found:?}");
    for p in &found {
        assert!(!p.to_string().contains("S3cret"), "{p}");
    }
    // Inside environment, never quoted, even without hide_values.
    let mut found = Vec::new();
    check(
        td.as_object().unwrap(),
        &Origin::BARE,
        Mode::default(),
        &mut found,
    );
    let text: Vec<String> = found.iter().map(ToString::to_string).collect();
    assert!(
        text.contains(
            &".containerDefinitions[0].environment[0] (container \"app\"): expected an object \
              (KeyValuePair), found a string"
                .to_owned()
        ),
        "{text:?}"
    );
    assert!(
        text.iter()
            .any(|t| t.contains("\"S3cret\" is not an image reference")),
        "{text:?}"
    );
}

#[test]
fn a_name_in_environment_and_secrets_is_an_error() {
    let mut td = valid();
    td["containerDefinitions"][0]["environment"] = json!([{"name": "DB", "value": "x"}]);
    assert_eq!(
        problems(&td, false),
        [(
            Severity::Error,
            ".containerDefinitions[0].secrets[0] (container \"app\"): \"DB\" is an environment \
             variable too, and ECS rejects a name in both environment and secrets; remove one \
             (--unset-env app:DB or --unset-secret app:DB)"
                .to_owned()
        )]
    );
}

#[test]
fn what_ecs_refuses_beyond_the_model_hides_values_where_asked() {
    let mut td = valid();
    td["family"] = json!("S3cret.x");
    td["containerDefinitions"][0]["memory"] = json!(-77_777);
    td["containerDefinitions"][0]["portMappings"][0]["hostPort"] = json!(55_555);
    td["tags"] = json!([{"key": "S3cret", "value": "a"}, {"key": "S3cret", "value": "b"}]);
    td["ephemeralStorage"] = json!({"sizeInGiB": 66_666});
    let mut found = Vec::new();
    let mode = Mode {
        strict: true,
        hide_values: true,
    };
    check(td.as_object().unwrap(), &Origin::BARE, mode, &mut found);
    let text: Vec<String> = found.iter().map(ToString::to_string).collect();
    assert_eq!(text.len(), 5, "{text:?}");
    assert!(
        text[4].contains(": the hostPort is not its containerPort; in awsvpc network mode"),
        "{text:?}"
    );
    for t in &text {
        for value in ["S3cret", "77777", "55555", "66666", "80"] {
            assert!(!t.contains(value), "{value} in {t}");
        }
    }
    assert!(
        text[0].starts_with(".family: the family has a character ECS does not take (character 7)"),
        "{text:?}"
    );
    // Shown without hide_values.
    let text: Vec<String> = problems(&td, true).into_iter().map(|p| p.1).collect();
    assert!(text.iter().any(|t| t.contains("\"S3cret.x\"")), "{text:?}");
    assert!(text.iter().any(|t| t.contains("-77777 MiB")), "{text:?}");
    assert!(
        text.iter()
            .any(|t| t.contains("the tag key \"S3cret\" is the key of .tags[0].key too")),
        "{text:?}"
    );
}

#[test]
fn tag_patterns_name_the_first_character_they_do_not_take() {
    let mut td = valid();
    td["tags"] = json!([{"key": "ok key", "value": "a;b"}]);
    let found = problems(&td, false);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].1.starts_with(
            ".tags[0].value: the string \"a;b\" has \";\" (character 2), which TagValue does not take"
        ),
        "{found:?}"
    );
}
