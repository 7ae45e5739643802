//! `--diff OLD` (issue 14): what differs between two task definitions, for a reviewer; exit
//! 0 when equal, 1 when different, 2 for usage and inputs that cannot be compared.

use std::path::Path;

use serde_json::{Value, json};

use crate::{cmd, fixture, fixture_text, stderr_of};

fn web() -> Value {
    serde_json::from_str(&fixture_text("web-register.json")).unwrap()
}

fn write(dir: &Path, name: &str, v: &Value) -> String {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(v).unwrap()).unwrap();
    path.to_str().unwrap().to_owned()
}

/// `--diff OLD -f NEW ARGS`: exit code, stdout, stderr.
fn diff(old: &Value, new: &Value, args: &[&str], code: i32) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (
        write(dir.path(), "old.json", old),
        write(dir.path(), "new.json", new),
    );
    let assert = cmd()
        .args(["--diff", &old, "-f", &new])
        .args(args)
        .assert()
        .code(code);
    let stdout = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    (stdout, stderr_of(&assert))
}

#[test]
fn equal_inputs_exit_0_and_print_nothing() {
    let (stdout, stderr) = diff(&web(), &web(), &[], 0);
    assert_eq!(stdout, "");
    assert!(stderr.ends_with("are the same registration\n"), "{stderr}");
    let (stdout, stderr) = diff(&web(), &web(), &["-q"], 0);
    assert_eq!((stdout.as_str(), stderr.as_str()), ("", ""));
}

#[test]
fn a_new_image_and_an_edit_are_what_changes() {
    // The edits apply to the input: what `--image` would change.
    let (stdout, stderr) = diff(
        &web(),
        &web(),
        &["--image", "app=web:2", "--env", "app:RELEASE=abc"],
        1,
    );
    assert_eq!(stderr, "");
    assert_eq!(
        stdout,
        "container \"app\":\n  image: \
         \"123456789012.dkr.ecr.us-east-2.amazonaws.com/web:1.4.2\" -> \"web:2\"\n  \
         environment RELEASE added: \"abc\"\n"
    );
}

#[test]
fn environment_order_does_not_count_command_order_does() {
    let mut new = web();
    new["containerDefinitions"][0]["environment"]
        .as_array_mut()
        .unwrap()
        .reverse();
    new["tags"].as_array_mut().unwrap().reverse();
    diff(&web(), &new, &[], 0);
    new["containerDefinitions"][0]["command"] = json!(["bin/web", "8080", "--port"]);
    let (stdout, _) = diff(&web(), &new, &[], 1);
    assert_eq!(
        stdout,
        "container \"app\":\n  .command[1]: \"--port\" -> \"8080\"\n  .command[2]: \"8080\" -> \
         \"--port\"\n"
    );
}

#[test]
fn nested_members_are_json_paths_with_old_and_new_values() {
    let mut new = web();
    new["containerDefinitions"][1]["logConfiguration"]["options"]["awslogs-group"] =
        json!("/ecs/web/router");
    new["containerDefinitions"][0]["healthCheck"]["retries"] = json!(5);
    new["volumes"][0]["efsVolumeConfiguration"]["rootDirectory"] = json!("/data");
    new["cpu"] = json!("2048");
    new["memory"] = json!("4096");
    new["tags"][1]["value"] = json!("cc-42");
    new.as_object_mut().unwrap().shift_remove("taskRoleArn");
    let (stdout, _) = diff(&web(), &new, &[], 1);
    assert_eq!(
        stdout,
        "container \"app\":\n  .healthCheck.retries: 3 -> 5\n\
         container \"log-router\":\n  .logConfiguration.options[\"awslogs-group\"]: \
         \"/ecs/web/firelens\" -> \"/ecs/web/router\"\n\
         task definition:\n  tag cost-center changed: \"\" -> \"cc-42\"\n  \
         .cpu: \"1024\" -> \"2048\"\n  .memory: \"2048\" -> \"4096\"\n  \
         .volumes[0].efsVolumeConfiguration.rootDirectory: \"/\" -> \"/data\"\n  \
         .taskRoleArn: \"arn:aws:iam::123456789012:role/web-task\" -> (absent)\n"
    );
}

#[test]
fn a_describe_answer_equals_the_register_input_of_the_same_revision() {
    // What DescribeTaskDefinition returns for web-register.json: read-only members, tags
    // beside it, and the members the API fills in.
    let mut td = web();
    let tags = td.as_object_mut().unwrap().shift_remove("tags").unwrap();
    let obj = td.as_object_mut().unwrap();
    obj.insert(
        "taskDefinitionArn".into(),
        json!("arn:aws:ecs:us-east-2:123456789012:task-definition/web:7"),
    );
    obj.insert("revision".into(), json!(7));
    obj.insert("status".into(), json!("ACTIVE"));
    obj.insert("compatibilities".into(), json!(["EC2", "FARGATE"]));
    obj.insert("placementConstraints".into(), json!([]));
    obj.insert(
        "registeredAt".into(),
        json!("2026-02-03T04:05:06.789000+00:00"),
    );
    for c in obj["containerDefinitions"].as_array_mut().unwrap() {
        let c = c.as_object_mut().unwrap();
        c.insert("cpu".into(), json!(0));
        c.entry("portMappings").or_insert(json!([]));
        c.entry("environment").or_insert(json!([]));
        c.entry("mountPoints").or_insert(json!([]));
        c.insert("volumesFrom".into(), json!([]));
        c.insert("systemControls".into(), json!([]));
        for p in c["portMappings"].as_array_mut().unwrap() {
            p["hostPort"] = p["containerPort"].clone();
        }
    }
    let answer = json!({"taskDefinition": td, "tags": tags});
    let (stdout, _) = diff(&answer, &web(), &["-q"], 0);
    assert_eq!(stdout, "");
    let (stdout, _) = diff(&web(), &answer, &["-q"], 0);
    assert_eq!(stdout, "");
    // The fixture pair: a describe answer and its clean output.
    let described: Value = serde_json::from_str(&fixture_text("gpu-describe.json")).unwrap();
    let clean: Value = serde_json::from_str(&fixture_text("gpu-clean.json")).unwrap();
    diff(&described, &clean, &["-q"], 0);
    // The register input said "1 vCPU" and "2 GB": ECS registers (and describes) the
    // numbers, "1024" and "2048". The same registration; another size is a difference.
    let mut units = web();
    units["cpu"] = json!("1 vCPU");
    units["memory"] = json!("2 GB");
    diff(&answer, &units, &["-q"], 0);
    units["cpu"] = json!("2 vCPU");
    units["memory"] = json!("4 GB");
    let (stdout, _) = diff(&answer, &units, &["-q"], 1);
    assert_eq!(
        stdout,
        "task definition:\n  .cpu: \"1024\" -> \"2 vCPU\"\n  .memory: \"2048\" -> \"4 GB\"\n"
    );
}

#[test]
fn a_tag_key_given_twice_is_an_error_not_merged() {
    let mut new = web();
    new["tags"]
        .as_array_mut()
        .unwrap()
        .push(json!({"key": "team", "value": "other"}));
    let (stdout, stderr) = diff(&web(), &new, &[], 2);
    assert_eq!(stdout, "");
    assert!(
        stderr.contains(
            "new.json: .tags[2].key: the tag key \"team\" is the key of .tags[0].key too"
        ),
        "{stderr}"
    );
}

#[test]
fn hidden_values_stay_hidden_where_a_filter_copied_them() {
    // The filter copies an environment value into another member, and a lower-case copy
    // of another into a label: with --diff-hide-values no new value is shown at all.
    let mut new = web();
    new["containerDefinitions"][0]["environment"][0]["value"] = json!("S3cretValue");
    let filter = ".containerDefinitions[0].user = .containerDefinitions[0].environment[0].value \
        | .containerDefinitions[0].dockerLabels.x = (.containerDefinitions[0].environment[0].value | ascii_downcase)";
    for format in ["text", "json", "markdown"] {
        let (stdout, _) = diff(
            &web(),
            &new,
            &["--diff-hide-values", "--filter", filter, "--format", format],
            1,
        );
        assert!(
            !stdout.contains("S3cret") && !stdout.contains("s3cret"),
            "{format}: {stdout}"
        );
        assert!(stdout.contains("user"), "{format}: {stdout}");
        let said = if format == "json" {
            "\"new_hidden\": true"
        } else {
            "not shown"
        };
        assert!(stdout.contains(said), "{format}: {stdout}");
    }
    let (stdout, _) = diff(&web(), &new, &["--diff-hide-values", "--filter", filter], 1);
    assert!(
        stdout.contains("  .user: (absent) -> (not shown)\n"),
        "{stdout}"
    );
    // Without --diff-hide-values, or without a filter, the values are shown as before.
    let (stdout, _) = diff(&web(), &new, &["--filter", filter], 1);
    assert!(
        stdout.contains("  .user: (absent) -> \"S3cretValue\"\n"),
        "{stdout}"
    );
    let (stdout, _) = diff(
        &web(),
        &new,
        &["--diff-hide-values", "--image", "app=web:2"],
        1,
    );
    assert!(stdout.contains("-> \"web:2\""), "{stdout}");
    assert!(!stdout.contains("S3cret"), "{stdout}");
}

#[test]
fn json_for_machines_and_markdown_for_a_summary() {
    let mut new = web();
    new["containerDefinitions"][0]["image"] = json!("web:2");
    new["containerDefinitions"][0]["environment"][0]["value"] = json!("debug");
    new["containerDefinitions"][0]["secrets"]
        .as_array_mut()
        .unwrap()
        .pop();
    let (stdout, _) = diff(&web(), &new, &["--format", "json"], 1);
    let out: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        out,
        json!({
            "equal": false,
            "containers": [{
                "name": "app",
                "status": "changed",
                "image": {"path": ".image",
                          "old": "123456789012.dkr.ecr.us-east-2.amazonaws.com/web:1.4.2",
                          "new": "web:2"},
                "environment": [{"name": "LOG_LEVEL", "status": "changed", "old": "info", "new": "debug"}],
                "secrets": [{"name": "API_KEY", "status": "removed",
                             "old": "arn:aws:ssm:us-east-2:123456789012:parameter/web/api-key"}],
                "members": []
            }],
            "tags": [],
            "members": []
        })
    );
    let (stdout, _) = diff(&web(), &new, &["--format", "json", "--diff-hide-values"], 1);
    let out: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        out["containers"][0]["environment"],
        json!([{"name": "LOG_LEVEL", "status": "changed"}])
    );
    let (stdout, _) = diff(&web(), &new, &["--format", "markdown"], 1);
    assert!(
        stdout.starts_with(
            "### Task definition changes\n\n| container | what | old | new |\n|---|---|---|---|\n"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("| `app` | `environment LOG_LEVEL changed` | `\"info\"` | `\"debug\"` |\n"),
        "{stdout}"
    );
    let (stdout, _) = diff(
        &web(),
        &new,
        &["--format", "markdown", "--diff-hide-values"],
        1,
    );
    assert!(!stdout.contains("debug"), "{stdout}");
    let (stdout, _) = diff(&web(), &web(), &["--format", "markdown"], 0);
    assert_eq!(stdout, "### Task definition changes\n\nNo changes.\n");
    let (stdout, _) = diff(&web(), &web(), &["--format", "json"], 0);
    assert_eq!(
        serde_json::from_str::<Value>(&stdout).unwrap(),
        json!({"equal": true, "containers": [], "tags": [], "members": []})
    );
}

#[test]
fn inputs_that_cannot_be_compared_and_usage_errors_exit_2() {
    // A problem in either input: printed with its source, nothing compared.
    let mut bad = web();
    bad["tags"][0]["key"] = json!("");
    let (stdout, stderr) = diff(&bad, &web(), &[], 2);
    assert_eq!(stdout, "");
    assert!(
        stderr.contains("old.json: .tags[0].key: the string is empty"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing compared"), "{stderr}");
    let missing = fixture("no-such-file.json");
    let assert = cmd()
        .args(["--diff", missing.to_str().unwrap(), "-f"])
        .arg(fixture("web-register.json"))
        .assert()
        .code(2)
        .stdout("");
    assert!(stderr_of(&assert).contains("no-such-file.json"));
    for args in [
        &["--format", "json"][..],
        &["--diff-hide-values"],
        &["--diff", "-", "--check"],
        &["--diff", "-", "-o", "out.json"],
        &["--diff", "-"],
    ] {
        cmd()
            .args(args)
            .write_stdin("{}")
            .assert()
            .code(2)
            .stdout("");
    }
}

/// A character that must not reach a terminal raw: C0 and C1 controls, DEL, and the
/// bidirectional formatting characters.
fn unsafe_char(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(
            c,
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{2028}' | '\u{2029}'
        )
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

#[test]
fn names_and_values_are_escaped_one_way_in_text_markdown_and_json() {
    // Container names and tag keys like these are --check errors (see below); environment
    // and secret names and label keys ECS takes as they are.
    let nasty = "EV\u{1b}[2J\u{1b}]0;pwned\u{7}\rX\u{9b}1m\u{202e}\u{7f}";
    let old = web();
    let mut new = old.clone();
    new["containerDefinitions"][0]["environment"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": nasty, "value": nasty}));
    new["containerDefinitions"][0]["secrets"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": format!("S{nasty}"), "valueFrom": "arn:aws:ssm:us-east-2:123456789012:parameter/x"}));
    new["containerDefinitions"][0]["dockerLabels"] = json!({ nasty: nasty });
    let escaped = "EV\\u001b[2J\\u001b]0;pwned\\u0007\\rX\\u009b1m\\u202e\\u007f";
    let (stdout, _) = diff(&old, &new, &[], 1);
    assert!(!stdout.chars().any(unsafe_char), "{stdout:?}");
    assert!(stdout.starts_with("container \"app\":\n"), "{stdout}");
    assert!(
        stdout.contains(&format!("  environment {escaped} added: \"{escaped}\"\n")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("  secret S{escaped} added: ")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "  .dockerLabels[\"{escaped}\"]: (absent) -> \"{escaped}\"\n"
        )),
        "{stdout}"
    );
    let (stdout, _) = diff(&old, &new, &["--format", "markdown"], 1);
    assert!(!stdout.chars().any(unsafe_char), "{stdout:?}");
    assert!(
        stdout.contains(&format!("| `app` | `environment {escaped} added` |")),
        "{stdout}"
    );
    // JSON: the same escapes (C1 and bidirectional characters too), the same strings once
    // parsed; indented, or one line with --compact.
    for (args, lines) in [
        (&["--format", "json"][..], false),
        (&["--format", "json", "--compact"][..], true),
    ] {
        let (stdout, _) = diff(&old, &new, args, 1);
        assert!(!stdout.chars().any(unsafe_char), "{stdout:?}");
        assert!(stdout.contains(escaped), "{stdout}");
        assert_eq!(stdout.lines().count() == 1, lines, "{stdout}");
        let parsed: Value = serde_json::from_str(&stdout).unwrap();
        assert_eq!(
            parsed["containers"][0]["environment"][0]["name"],
            json!(nasty)
        );
        assert_eq!(
            parsed["containers"][0]["environment"][0]["new"],
            json!(nasty)
        );
    }
}

#[test]
fn check_messages_escape_names_as_the_diff_does() {
    let nasty = "EV\u{1b}[2J\u{1b}]0;pwned\u{7}\rX\u{9b}1m\u{202e}\u{7f}";
    let escaped = "EV\\u001b[2J\\u001b]0;pwned\\u0007\\rX\\u009b1m\\u202e\\u007f";
    let mut td = web();
    td["containerDefinitions"][0]["name"] = json!(format!("app{nasty}"));
    td["containerDefinitions"][0]["environment"] = json!([{"name": nasty, "value": "1"}]);
    td["containerDefinitions"][0]["secrets"] =
        json!([{"name": nasty, "valueFrom": "arn:aws:ssm:us-east-2:123456789012:parameter/x"}]);
    td["tags"] = json!([{"key": nasty, "value": "v"}]);
    td["networkMode"] = json!(format!("awsvpc{nasty}"));
    let assert = cmd()
        .args(["--check", "--strict"])
        .write_stdin(td.to_string())
        .assert()
        .code(1)
        .stdout("");
    let stderr = stderr_of(&assert);
    assert!(
        !stderr.chars().any(|c| c != '\n' && unsafe_char(c)),
        "{stderr:?}"
    );
    let container = format!("(container \"app{escaped}\")");
    for needle in [
        format!(
            ".containerDefinitions[0].name {container}: the container name \"app{escaped}\" has \"\\u001b\" (character 6); ECS takes 1 to 255 letters, digits, '-' and '_': rename it"
        ),
        format!(
            ".containerDefinitions[0].secrets[0] {container}: \"{escaped}\" is an environment variable too"
        ),
        format!(
            ".tags[0].key: the string \"{escaped}\" has \"\\u001b\" (character 3), which TagKey does not take"
        ),
        format!(".networkMode: \"awsvpc{escaped}\" is not a NetworkMode value"),
    ] {
        assert!(stderr.contains(&needle), "{needle}\n{stderr}");
    }
}

#[test]
fn an_added_or_removed_container_shows_its_image_and_every_member() {
    let mut old = web();
    old["containerDefinitions"].as_array_mut().unwrap().push(json!({
        "name": "old",
        "image": "busybox:1",
        "essential": false,
        "command": ["sleep", "1"],
        "environment": [{"name": "A", "value": "1"}],
        "secrets": [{"name": "S", "valueFrom": "arn:aws:ssm:us-east-2:123456789012:parameter/s"}]
    }));
    let mut new = web();
    new["containerDefinitions"]
        .as_array_mut()
        .unwrap()
        .push(json!({
            "name": "sidecar",
            "image": "nginx:1",
            "essential": false,
            "command": ["rm", "-rf", "/"],
            "privileged": true,
            "portMappings": [{"containerPort": 80}]
        }));
    let (stdout, _) = diff(&old, &new, &[], 1);
    assert_eq!(
        stdout,
        "container \"sidecar\":\n  container added: \"nginx:1\"\n  .essential: false\n  \
         .command: [\"rm\",\"-rf\",\"/\"]\n  .privileged: true\n  \
         .portMappings: [{\"containerPort\":80}]\n\
         container \"old\":\n  container removed: \"busybox:1\"\n  environment A removed: \
         \"1\"\n  secret S removed: \"arn:aws:ssm:us-east-2:123456789012:parameter/s\"\n  \
         .essential: false\n  .command: [\"sleep\",\"1\"]\n"
    );
    let (stdout, _) = diff(&old, &new, &["--format", "json"], 1);
    let out: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        out["containers"][0]["members"][2],
        json!({"path": ".privileged", "new": true})
    );
    assert_eq!(
        out["containers"][1]["image"],
        json!({"path": ".image", "old": "busybox:1"})
    );
    assert_eq!(
        out["containers"][1]["members"][1],
        json!({"path": ".command", "old": ["sleep", "1"]})
    );
    let (stdout, _) = diff(&old, &new, &["--format", "markdown"], 1);
    assert!(
        stdout.contains("| `sidecar` | `.privileged` |  | `true` |\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("| `old` | `container removed` | `\"busybox:1\"` |  |\n"),
        "{stdout}"
    );
}

#[test]
fn unknown_members_of_entries_and_entries_without_a_name_are_differences() {
    let mut new = web();
    new["tags"][0]["extra"] = json!(1);
    let (stdout, _) = diff(&web(), &new, &[], 1);
    assert_eq!(
        stdout,
        "task definition:\n  tag team changed: \"web\" -> {\"value\":\"web\",\"extra\":1}\n"
    );
    let mut new = web();
    new["containerDefinitions"][0]["environment"][0]["extra"] = json!(2);
    let (stdout, _) = diff(&web(), &new, &[], 1);
    assert_eq!(
        stdout,
        "container \"app\":\n  environment LOG_LEVEL changed: \"info\" -> \
         {\"value\":\"info\",\"extra\":2}\n"
    );
    let (stdout, _) = diff(&web(), &new, &["--diff-hide-values"], 1);
    assert_eq!(
        stdout,
        "container \"app\":\n  environment LOG_LEVEL changed: (value not shown)\n"
    );
    // An entry without a name: compared as a whole, in any order.
    let (mut old, mut new) = (web(), web());
    let env = |td: &mut Value| {
        td["containerDefinitions"][0]["environment"]
            .as_array_mut()
            .unwrap()
            .clone()
    };
    let mut a = env(&mut old);
    a.push(json!({"value": "A"}));
    a.push(json!({"value": "C"}));
    old["containerDefinitions"][0]["environment"] = Value::Array(a);
    let mut b = env(&mut new);
    b.insert(0, json!({"value": "C"}));
    b.push(json!({"value": "B"}));
    new["containerDefinitions"][0]["environment"] = Value::Array(b);
    let (stdout, _) = diff(&old, &new, &[], 1);
    assert_eq!(
        stdout,
        "container \"app\":\n  environment without a name added: {\"value\":\"B\"}\n  \
         environment without a name removed: {\"value\":\"A\"}\n"
    );
    let (stdout, _) = diff(&old, &new, &["--format", "json"], 1);
    let out: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        out["containers"][0]["environment"],
        json!([{"status": "added", "new": {"value": "B"}},
               {"status": "removed", "old": {"value": "A"}}])
    );
    old["containerDefinitions"][0]["environment"][3] = json!({"value": "B"});
    diff(&old, &new, &[], 0);
}

#[test]
fn a_value_the_api_fills_in_is_shown_as_its_default_not_as_absent() {
    let mut new = web();
    new["containerDefinitions"][0]["essential"] = json!(false);
    new["containerDefinitions"][0]["cpu"] = json!(256);
    new["containerDefinitions"][0]["portMappings"][0]["protocol"] = json!("udp");
    let (stdout, _) = diff(&web(), &new, &[], 1);
    assert_eq!(
        stdout,
        "container \"app\":\n  .essential: true -> false\n  \
         .portMappings[0].protocol: \"tcp\" -> \"udp\"\n  .cpu: 0 -> 256\n"
    );
    // The other way, and from a member left out.
    let mut old = web();
    old["containerDefinitions"][0]
        .as_object_mut()
        .unwrap()
        .shift_remove("essential");
    let (stdout, _) = diff(&new, &old, &[], 1);
    assert_eq!(
        stdout,
        "container \"app\":\n  .portMappings[0].protocol: \"udp\" -> \"tcp\"\n  \
         .essential: false -> true\n  .cpu: 256 -> 0\n"
    );
}

#[test]
fn a_health_check_the_api_completes_is_the_same_registration() {
    // Registered with the command alone, described with ECS's defaults (interval 30, timeout
    // 5, retries 3; no startPeriod).
    let mut input = web();
    input["containerDefinitions"][0]["healthCheck"] = json!({"command": ["CMD", "true"]});
    let mut answer = input.clone();
    answer["containerDefinitions"][0]["healthCheck"] =
        json!({"command": ["CMD", "true"], "interval": 30, "timeout": 5, "retries": 3});
    let answer = json!({"taskDefinition": answer});
    let (stdout, _) = diff(&answer, &input, &["-q"], 0);
    assert_eq!(stdout, "");
    let (stdout, _) = diff(&input, &answer, &["-q"], 0);
    assert_eq!(stdout, "");
    // Another value is a change from the default; a startPeriod is not a default.
    input["containerDefinitions"][0]["healthCheck"]["interval"] = json!(10);
    input["containerDefinitions"][0]["healthCheck"]["startPeriod"] = json!(0);
    let (stdout, _) = diff(&answer, &input, &[], 1);
    assert_eq!(
        stdout,
        "container \"app\":\n  .healthCheck.interval: 30 -> 10\n  \
         .healthCheck.startPeriod: (absent) -> 0\n"
    );
}

#[test]
fn lists_the_api_treats_as_sets_are_compared_without_order() {
    let mut old = web();
    old["requiresCompatibilities"] = json!(["FARGATE", "EC2"]);
    old["volumes"] = json!([{"name": "a"}, {"name": "b"}, {"name": "c"}]);
    old["placementConstraints"] = json!([
        {"type": "memberOf", "expression": "attribute:x == 1"},
        {"type": "memberOf", "expression": "attribute:y == 2"}
    ]);
    old["containerDefinitions"][0]["portMappings"] = json!([
        {"containerPort": 8080}, {"containerPort": 53, "protocol": "udp"}, {"containerPort": 53}
    ]);
    old["containerDefinitions"][0]["mountPoints"] = json!([
        {"sourceVolume": "a", "containerPath": "/a"}, {"sourceVolume": "b", "containerPath": "/b"}
    ]);
    // The same sets in another order: equal.
    let mut new = old.clone();
    new["requiresCompatibilities"] = json!(["EC2", "FARGATE"]);
    new["volumes"] = json!([{"name": "c"}, {"name": "a"}, {"name": "b"}]);
    new["placementConstraints"] = json!([
        {"type": "memberOf", "expression": "attribute:y == 2"},
        {"type": "memberOf", "expression": "attribute:x == 1"}
    ]);
    new["containerDefinitions"][0]["portMappings"] = json!([
        {"containerPort": 53, "protocol": "tcp"}, {"containerPort": 8080},
        {"containerPort": 53, "protocol": "udp"}
    ]);
    new["containerDefinitions"][0]["mountPoints"] = json!([
        {"sourceVolume": "b", "containerPath": "/b"}, {"sourceVolume": "a", "containerPath": "/a"}
    ]);
    let (stdout, _) = diff(&old, &new, &["-q"], 0);
    assert_eq!(stdout, "");
    // A volume removed from the middle is one removal, not a cascade; a port's new protocol
    // is a change of that mapping. Command order still counts.
    new["volumes"] = json!([{"name": "a"}, {"name": "c"}]);
    new["containerDefinitions"][0]["portMappings"] = json!([
        {"containerPort": 53, "protocol": "tcp"}, {"containerPort": 8080, "protocol": "udp"},
        {"containerPort": 53, "protocol": "udp"}
    ]);
    let (stdout, _) = diff(&old, &new, &[], 1);
    assert_eq!(
        stdout,
        "container \"app\":\n  .portMappings[1].protocol: \"tcp\" -> \"udp\"\n\
         task definition:\n  .volumes[1]: {\"name\":\"b\"} -> (absent)\n"
    );
}

#[test]
fn a_diff_of_many_variables_takes_about_as_long_as_cleaning() {
    // Quadratic matching took seconds here (a minute for 40,000); linear takes a fraction.
    let dir = tempfile::tempdir().unwrap();
    let mut old = web();
    old["containerDefinitions"][0]["environment"] = (0..30_000)
        .map(|i| json!({"name": format!("V{i}"), "value": i.to_string()}))
        .collect();
    let mut new = old.clone();
    let env = new["containerDefinitions"][0]["environment"]
        .as_array_mut()
        .unwrap();
    env.reverse();
    env[0]["value"] = json!("x");
    let (old, new) = (
        write(dir.path(), "old.json", &old),
        write(dir.path(), "new.json", &new),
    );
    let start = std::time::Instant::now();
    cmd().args(["-f", &old]).assert().success();
    let clean = start.elapsed();
    let start = std::time::Instant::now();
    cmd()
        .args(["--diff", &old, "-f", &new])
        .assert()
        .code(1)
        .stdout("container \"app\":\n  environment V29999 changed: \"29999\" -> \"x\"\n");
    let diff = start.elapsed();
    assert!(
        diff < clean * 10 + std::time::Duration::from_secs(3),
        "diff {diff:?}, cleaning {clean:?}"
    );
}
