//! What ECS refuses beyond the model (issue 14, follow-up): names, tag keys, memory,
//! ephemeral storage, Fargate timeouts, host ports; each an error of `--check` (and of
//! cleaning) with its path, its container and what to do, every problem at once.

use serde_json::{Value, json};

use crate::{cmd, stderr_of};

fn base() -> Value {
    json!({"family": "web", "containerDefinitions": [{"name": "app", "image": "nginx", "memory": 128}]})
}

/// `--check --strict` of `td`: exit code `code`, the error lines (without the prefix).
fn check(td: &Value, code: i32) -> Vec<String> {
    let assert = cmd()
        .args(["--check", "--strict", "-q"])
        .write_stdin(td.to_string())
        .assert()
        .code(code)
        .stdout("");
    let stderr = stderr_of(&assert);
    stderr
        .lines()
        .map(|l| {
            l.strip_prefix("taskdef-clean: error: <stdin>: ")
                .unwrap_or_else(|| panic!("not an error line: {l}"))
                .to_owned()
        })
        .collect()
}

fn with(changes: impl FnOnce(&mut Value)) -> Value {
    let mut td = base();
    changes(&mut td);
    td
}

#[test]
fn the_family_takes_what_family_takes() {
    for (family, message) in [
        (
            json!("a.b c"),
            ".family: the family \"a.b c\" has \".\" (character 2); ECS takes 1 to 255 letters, \
             digits, '-' and '_': rename it, or set it with --family NAME",
        ),
        (
            json!("x".repeat(300)),
            ".family: the family is 300 characters long; ECS takes 1 to 255 letters, digits, \
             '-' and '_': shorten it",
        ),
        (
            json!("web\u{1b}[2J"),
            ".family: the family \"web\\u001b[2J\" has \"\\u001b\" (character 4); ECS takes 1 to \
             255 letters, digits, '-' and '_': rename it, or set it with --family NAME",
        ),
    ] {
        assert_eq!(
            check(&with(|td| td["family"] = family.clone()), 1),
            [message],
            "{family}"
        );
        // --family fixes it, as the message says.
        let assert = cmd()
            .args(["--check", "--strict", "-q", "--family", "web-2"])
            .write_stdin(with(|td| td["family"] = family.clone()).to_string())
            .assert();
        assert.code(0).stderr("");
    }
    // 255 is fine, and so are '-' and '_'.
    check(&with(|td| td["family"] = json!("a".repeat(255))), 0);
    check(&with(|td| td["family"] = json!("web-api_2")), 0);
}

#[test]
fn container_names_take_what_ecs_takes() {
    let td = with(|td| {
        td["containerDefinitions"] = json!([
            {"name": "web app", "image": "nginx", "memory": 128},
            {"name": "x".repeat(256), "image": "nginx", "memory": 128},
            {"name": "ok-1_2", "image": "nginx", "memory": 128},
            {"name": "tab\there", "image": "nginx", "memory": 128}
        ]);
    });
    // A name longer than 120 characters is cut in the location, with its length.
    let long = format!("{}\"... (256 characters)", "x".repeat(120));
    assert_eq!(
        check(&td, 1),
        [
            ".containerDefinitions[0].name (container \"web app\"): the container name \"web \
             app\" has \" \" (character 4); ECS takes 1 to 255 letters, digits, '-' and '_': \
             rename it (and where other containers name it)"
                .to_owned(),
            format!(
                ".containerDefinitions[1].name (container \"{long}): the container name is \
                 256 characters long; ECS takes 1 to 255 letters, digits, '-' and '_': shorten it"
            ),
            ".containerDefinitions[3].name (container \"tab\\there\"): the container name \
             \"tab\\there\" has \"\\t\" (character 4); ECS takes 1 to 255 letters, digits, '-' \
             and '_': rename it (and where other containers name it)"
                .to_owned(),
        ]
    );
}

#[test]
fn tag_keys_and_values_match_the_models_pattern_whole() {
    let td = with(|td| {
        td["tags"] = json!([
            {"key": "team", "value": "web, api"},
            {"key": "cost#center", "value": "Équipe 2 / a+b=c @x"},
            {"key": "数据", "value": ""}
        ]);
    });
    let errors = check(&td, 1);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors[0].starts_with(
            ".tags[0].value: the string \"web, api\" has \",\" (character 4), which TagValue \
             does not take: the whole value must match ([\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*) \
             (letters, digits, spaces and _ . : / = + - @) (the ECS model, botocore "
        ),
        "{errors:?}"
    );
    assert!(errors[0].ends_with("); remove or replace it"), "{errors:?}");
    assert!(
        errors[1].starts_with(
            ".tags[1].key: the string \"cost#center\" has \"#\" (character 5), which TagKey \
             does not take"
        ),
        "{errors:?}"
    );
}

#[test]
fn a_tag_key_given_twice_or_starting_with_aws_is_an_error() {
    let answer = json!({
        "taskDefinition": base(),
        "tags": [
            {"key": "team", "value": "a"},
            {"key": "aws:cloudformation:stack-name", "value": "web"},
            {"key": "team", "value": "b"},
            {"key": "AWS:Other", "value": "x"}
        ]
    });
    let filter = ".tags |= map(select(.key | ascii_downcase | startswith(\"aws:\") | not))";
    assert_eq!(
        check(&answer, 1),
        [
            format!(
                ".tags[1].key: the tag key \"aws:cloudformation:stack-name\" starts with \
                 \"aws:\", which AWS reserves for its own tags (as CloudFormation's \
                 aws:cloudformation:* ones); ECS refuses it: remove the tag (--filter '{filter}' \
                 removes them all)"
            ),
            ".tags[2].key: the tag key \"team\" is the key of .tags[0].key too; ECS takes each \
             key once, with one value: remove one of them"
                .to_owned(),
            format!(
                ".tags[3].key: the tag key \"AWS:Other\" starts with \"aws:\", which AWS reserves \
                 for its own tags (as CloudFormation's aws:cloudformation:* ones); ECS refuses \
                 it: remove the tag (--filter '{filter}' removes them all)"
            ),
        ]
    );
    // The filter the message gives does what it says; the repeated key is left.
    let assert = cmd()
        .args(["--compact", "--filter", filter])
        .write_stdin(answer.to_string())
        .assert()
        .code(1)
        .stdout("");
    let stderr = stderr_of(&assert);
    assert!(
        stderr.contains("in the --filter output: .tags[1].key: the tag key \"team\" is the key of .tags[0].key too"),
        "{stderr}"
    );
    assert!(!stderr.contains("aws:"), "{stderr}");
}

#[test]
fn values_ecs_refuses_beyond_the_model_are_errors_every_one_listed() {
    let td = json!({
        "family": "web",
        "requiresCompatibilities": ["FARGATE"],
        "networkMode": "awsvpc",
        "cpu": "256",
        "memory": "512",
        "ephemeralStorage": {"sizeInGiB": 20},
        "containerDefinitions": [
            {"name": "app", "image": "nginx", "memory": 0, "memoryReservation": -1,
             "stopTimeout": 121, "startTimeout": 1,
             "portMappings": [{"containerPort": 80, "hostPort": 8080},
                              {"containerPort": 81, "hostPort": 81},
                              {"containerPort": 82, "hostPort": 0},
                              {"containerPort": 83}]},
            {"name": "sidecar", "image": "nginx", "memory": 128, "memoryReservation": 256,
             "stopTimeout": 120, "startTimeout": 2}
        ]
    });
    let app = ".containerDefinitions[0]";
    assert_eq!(
        check(&td, 1),
        [
            ".ephemeralStorage.sizeInGiB: 20 GiB of ephemeral storage is outside what ECS takes \
             (21 to 200 GiB): write a value from 21 to 200, or leave ephemeralStorage out for \
             the default (20 GiB)"
                .to_owned(),
            format!(
                "{app}.memory (container \"app\"): 0 MiB is no memory; ECS takes a positive \
                 number of MiB as a container's memory (its hard limit; Docker needs 6 at \
                 least): write one, or leave memory out"
            ),
            format!(
                "{app}.memoryReservation (container \"app\"): -1 MiB is no memory; ECS takes a \
                 positive number of MiB as a container's memoryReservation (its soft limit; \
                 Docker needs 6 at least): write one, or leave memoryReservation out"
            ),
            format!(
                "{app}.stopTimeout (container \"app\"): 121 seconds is outside what Fargate \
                 takes as a stopTimeout (2 to 120; requiresCompatibilities has FARGATE): write \
                 a value from 2 to 120"
            ),
            format!(
                "{app}.startTimeout (container \"app\"): 1 seconds is outside what Fargate \
                 takes as a startTimeout (2 to 120; requiresCompatibilities has FARGATE): write \
                 a value from 2 to 120"
            ),
            format!(
                "{app}.portMappings[0].hostPort (container \"app\"): the hostPort (8080) is not \
                 its containerPort (80); in awsvpc network mode ECS takes the containerPort as \
                 the host port (\"the host ports and container ports in port mappings must \
                 match\"): leave hostPort out or make it 80"
            ),
            ".containerDefinitions[1].memoryReservation (container \"sidecar\"): the \
             memoryReservation (256 MiB) is more than the memory (128 MiB), the container's \
             hard limit; ECS refuses it: make the reservation at most the memory"
                .to_owned(),
        ]
    );
    // Within the rules: register-ready (a reservation equal to the memory too).
    let mut ok = td.clone();
    ok["ephemeralStorage"]["sizeInGiB"] = json!(200);
    ok["containerDefinitions"][0] = json!({"name": "app", "image": "nginx", "memory": 6,
        "memoryReservation": 6, "stopTimeout": 2, "startTimeout": 120,
        "portMappings": [{"containerPort": 80, "hostPort": 80}]});
    ok["containerDefinitions"][1]["memoryReservation"] = json!(128);
    check(&ok, 0);
    // Not on Fargate, in bridge mode: timeouts and host ports are the EC2 agent's.
    let mut ec2 = td.clone();
    ec2.as_object_mut()
        .unwrap()
        .shift_remove("requiresCompatibilities");
    ec2["networkMode"] = json!("bridge");
    let errors = check(&ec2, 1);
    assert!(
        errors
            .iter()
            .all(|e| !e.contains("Timeout") && !e.contains("hostPort")),
        "{errors:?}"
    );
    assert_eq!(errors.len(), 4, "{errors:?}");
    // host mode: the same rule as awsvpc.
    let mut host = ec2;
    host["networkMode"] = json!("host");
    let errors = check(&host, 1);
    assert!(
        errors.iter().any(|e| e.contains("in host network mode")),
        "{errors:?}"
    );
}

#[test]
fn a_name_in_environment_and_secrets_among_20000_variables_is_found() {
    // Linear: a set of the environment's names (the check was quadratic).
    let env: Vec<Value> = (0..20_000)
        .map(|i| json!({"name": format!("VAR_{i}"), "value": "x"}))
        .collect();
    let mut secrets: Vec<Value> = (0..20_000)
        .map(|i| json!({"name": format!("SECRET_{i}"), "valueFrom": "arn:aws:ssm:us-east-2:123456789012:parameter/s"}))
        .collect();
    secrets[19_999]["name"] = json!("VAR_12345");
    let td = with(|td| {
        td["containerDefinitions"][0]["environment"] = Value::Array(env);
        td["containerDefinitions"][0]["secrets"] = Value::Array(secrets);
    });
    let start = std::time::Instant::now();
    assert_eq!(
        check(&td, 1),
        [
            ".containerDefinitions[0].secrets[19999] (container \"app\"): \"VAR_12345\" is an \
          environment variable too, and ECS rejects a name in both environment and secrets; \
          remove one (--unset-env app:VAR_12345 or --unset-secret app:VAR_12345)"
        ]
    );
    // A generous bound (a debug build on a busy machine): quadratic took far longer.
    assert!(start.elapsed() < std::time::Duration::from_mins(1));
}
