use serde_json::{Map, Value, json};

use super::*;

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(o) => o,
        _ => panic!("an object"),
    }
}

fn td(image: &str, env: Value) -> Map<String, Value> {
    let mut td = obj(json!({"family": "web", "containerDefinitions": [
        {"name": "app", "image": image, "command": ["a", "b"]}
    ]}));
    td["containerDefinitions"][0]["environment"] = env;
    td
}

#[test]
fn equal_definitions_have_no_difference() {
    let a = td("web:1", json!([{"name": "A", "value": "1"}]));
    let d = diff(a.clone(), a.clone(), false);
    assert!(d.equal);
    assert_eq!(text(&d), "");
    assert_eq!(markdown(&d), "### Task definition changes\n\nNo changes.\n");
}

#[test]
fn environment_order_does_not_count_but_command_order_does() {
    let a = td(
        "web:1",
        json!([{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]),
    );
    let b = td(
        "web:1",
        json!([{"name": "B", "value": "2"}, {"name": "A", "value": "1"}]),
    );
    assert!(diff(a.clone(), b.clone(), false).equal);
    let mut c = b.clone();
    c["containerDefinitions"][0]["command"] = json!(["b", "a"]);
    let d = diff(a.clone(), c.clone(), false);
    assert!(!d.equal);
    assert_eq!(
        text(&d),
        "container \"app\":\n  .command[0]: \"a\" -> \"b\"\n  .command[1]: \"b\" -> \"a\"\n"
    );
}

#[test]
fn images_variables_secrets_and_members_are_named() {
    let a = obj(
        json!({"family": "web", "cpu": "256", "tags": [{"key": "team", "value": "a"}],
        "containerDefinitions": [
            {"name": "app", "image": "web:1", "memory": 512,
             "environment": [{"name": "KEEP", "value": "k"}, {"name": "OLD", "value": "o"},
                             {"name": "CHANGE", "value": "1"}],
             "secrets": [{"name": "DB", "valueFrom": "arn:1"}]},
            {"name": "gone", "image": "x"}]}),
    );
    let b = obj(
        json!({"family": "web", "cpu": "512", "tags": [{"key": "team", "value": "b"}],
        "containerDefinitions": [
            {"name": "app", "image": "web:2", "memory": 1024,
             "environment": [{"name": "CHANGE", "value": "2"}, {"name": "KEEP", "value": "k"},
                             {"name": "NEW", "value": "n"}],
             "secrets": [{"name": "DB", "valueFrom": "arn:2"}]},
            {"name": "sidecar", "image": "envoy:1"}]}),
    );
    let d = diff(a.clone(), b.clone(), false);
    assert_eq!(
        text(&d),
        "container \"app\":\n\
         \x20 image: \"web:1\" -> \"web:2\"\n\
         \x20 environment CHANGE changed: \"1\" -> \"2\"\n\
         \x20 environment NEW added: \"n\"\n\
         \x20 environment OLD removed: \"o\"\n\
         \x20 secret DB changed: \"arn:1\" -> \"arn:2\"\n\
         \x20 .memory: 512 -> 1024\n\
         container \"sidecar\":\n\
         \x20 container added: \"envoy:1\"\n\
         container \"gone\":\n\
         \x20 container removed: \"x\"\n\
         task definition:\n\
         \x20 tag team changed: \"a\" -> \"b\"\n\
         \x20 .cpu: \"256\" -> \"512\"\n"
    );
    let hidden = diff(a.clone(), b.clone(), true);
    assert!(text(&hidden).contains("  environment CHANGE changed: (value not shown)\n"));
    assert!(!serde_json::to_string(&hidden).unwrap().contains("\"n\""));
    let md = markdown(&d);
    assert!(
        md.contains("| `app` | `image` | `\"web:1\"` | `\"web:2\"` |\n"),
        "{md}"
    );
}

#[test]
fn what_the_api_fills_in_is_no_difference() {
    let register = obj(
        json!({"family": "web", "networkMode": "awsvpc", "containerDefinitions": [
        {"name": "app", "image": "web:1", "portMappings": [{"containerPort": 80}]}]}),
    );
    let described = obj(
        json!({"family": "web", "networkMode": "awsvpc", "volumes": [],
        "placementConstraints": [], "containerDefinitions": [
        {"name": "app", "image": "web:1", "cpu": 0, "essential": true, "environment": [],
         "mountPoints": [], "volumesFrom": [],
         "portMappings": [{"containerPort": 80, "hostPort": 80, "protocol": "tcp"}]}]}),
    );
    assert!(diff(register.clone(), described.clone(), false).equal);
}

#[test]
fn markdown_cells_stay_in_their_column() {
    assert_eq!(render::code("a|b"), "`a\\|b`");
    assert_eq!(render::code("x`y"), "``x`y``");
}

#[test]
fn a_host_port_written_on_one_side_is_compared_with_its_default() {
    let td = |mode: &str, port: Value| {
        obj(
            json!({"family": "web", "networkMode": mode, "containerDefinitions": [
        {"name": "app", "image": "web:1", "portMappings": [port]}]}),
        )
    };
    let bridge = diff(
        td("bridge", json!({"containerPort": 80})),
        td("bridge", json!({"containerPort": 80, "hostPort": 8080})),
        false,
    );
    assert_eq!(
        text(&bridge),
        "container \"app\":\n  .portMappings[0].hostPort: 0 -> 8080\n"
    );
    let to_awsvpc = diff(
        td("bridge", json!({"containerPort": 80, "hostPort": 8080})),
        td("awsvpc", json!({"containerPort": 80})),
        false,
    );
    assert_eq!(
        text(&to_awsvpc),
        "container \"app\":\n  .portMappings[0].hostPort: 8080 -> 80\n\
         task definition:\n  .networkMode: \"bridge\" -> \"awsvpc\"\n"
    );
}

#[test]
fn task_sizes_compare_as_sizes() {
    // A describe answer has the number ECS converted the unit to.
    let mut a = td("web:1", json!([]));
    a.insert("cpu".into(), json!("1024"));
    a.insert("memory".into(), json!("2048"));
    let mut b = a.clone();
    b.insert("cpu".into(), json!("1 vCPU"));
    b.insert("memory".into(), json!("2 GB"));
    assert!(diff(a.clone(), b.clone(), false).equal);
    b.insert("cpu".into(), json!("2 vcpu"));
    let d = diff(a, b, false);
    assert_eq!(
        text(&d),
        "task definition:\n  .cpu: \"1024\" -> \"2 vcpu\"\n"
    );
}

#[test]
fn a_tag_key_given_twice_is_not_merged() {
    let mut a = td("web:1", json!([]));
    a.insert("tags".into(), json!([{"key": "team", "value": "a"}]));
    let mut b = a.clone();
    b.insert(
        "tags".into(),
        json!([{"key": "team", "value": "a"}, {"key": "team", "value": "b"}]),
    );
    let d = diff(a.clone(), b.clone(), false);
    assert!(!d.equal);
    assert_eq!(
        text(&d),
        "task definition:\n  tag team added: {\"key\":\"team\",\"value\":\"b\"}\n"
    );
    // Environment variables: the last value counts, as the container sees it.
    let a = td(
        "web:1",
        json!([{"name": "A", "value": "1"}, {"name": "A", "value": "2"}]),
    );
    let b = td("web:1", json!([{"name": "A", "value": "2"}]));
    assert!(diff(a, b, false).equal);
}

#[test]
fn new_values_can_be_hidden_everywhere() {
    let a = td("web:1", json!([{"name": "A", "value": "1"}]));
    let mut b = td("web:2", json!([{"name": "A", "value": "2"}]));
    b["containerDefinitions"][0]["user"] = json!("s3cret");
    b["containerDefinitions"][0]["secrets"] = json!([{"name": "S", "valueFrom": "s3cret"}]);
    b.insert("tags".into(), json!([{"key": "k", "value": "s3cret"}]));
    b.insert("taskRoleArn".into(), json!("s3cret"));
    let mut d = diff(a, b, true);
    d.hide_new_values();
    let shown = format!("{}{}{}", text(&d), markdown(&d), to_json(&d, true));
    assert!(
        !shown.contains("s3cret") && !shown.contains("web:2"),
        "{shown}"
    );
    assert_eq!(
        text(&d),
        "container \"app\":\n  image: \"web:1\" -> (not shown)\n  environment A changed: \
         (value not shown)\n  secret S added: (not shown)\n  .user: (absent) -> (not shown)\n\
         task definition:\n  tag k added: (not shown)\n  .taskRoleArn: (absent) -> (not shown)\n\
         (the new values are not shown: --diff-hide-values, and the --filter ran over \
         environment values and may have copied one into any member)\n"
    );
    let json: Value = serde_json::from_str(&to_json(&d, false)).unwrap();
    assert_eq!(json["new_values_hidden"], json!(true));
    assert_eq!(
        json["members"][0],
        json!({"path": ".taskRoleArn", "new_hidden": true})
    );
}
