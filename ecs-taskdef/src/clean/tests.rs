use super::*;
use serde_json::json;

fn clean(input: Value) -> (Value, Vec<String>) {
    clean_with(input, &[], false)
}

fn clean_with(input: Value, drop: &[String], strict: bool) -> (Value, Vec<String>) {
    let mut problems = Vec::new();
    match clean_input(input, drop, strict, &mut problems) {
        Ok(c) => (
            Value::Object(c.taskdef),
            problems.iter().map(ToString::to_string).collect(),
        ),
        Err(p) => (Value::Null, vec![p.to_string()]),
    }
}

fn describe_answer() -> Value {
    json!({
        "taskDefinition": {
            "taskDefinitionArn": "arn:aws:ecs:us-east-2:123456789012:task-definition/web:7",
            "containerDefinitions": [{
                "name": "app", "image": "app:1", "cpu": 0,
                "environment": [{"name": "EMPTY", "value": ""}],
                "logConfiguration": {"logDriver": "splunk", "options": {"tag": ""}},
                "healthCheck": null
            }],
            "family": "web",
            "revision": 7,
            "volumes": [],
            "status": "ACTIVE",
            "requiresAttributes": [{"name": "com.amazonaws.ecs.capability.logging-driver.splunk"}],
            "placementConstraints": [],
            "compatibilities": ["EC2", "FARGATE"],
            "requiresCompatibilities": ["FARGATE"],
            "cpu": "256",
            "memory": "512",
            "registeredAt": "2026-01-01T00:00:00+00:00",
            "registeredBy": "arn:aws:iam::123456789012:user/ci",
            "deregisteredAt": "2026-01-02T00:00:00+00:00",
            "deleteRequestedAt": "2026-01-03T00:00:00+00:00",
            "ipcMode": null
        },
        "tags": [{"key": "team", "value": "web"}]
    })
}

#[test]
fn strips_the_9_read_only_members_and_carries_tags_in() {
    let (out, problems) = clean(describe_answer());
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(
        out,
        json!({
            "containerDefinitions": [{
                "name": "app", "image": "app:1", "cpu": 0,
                "environment": [{"name": "EMPTY", "value": ""}],
                "logConfiguration": {"logDriver": "splunk", "options": {"tag": ""}}
            }],
            "family": "web",
            "volumes": [],
            "placementConstraints": [],
            "requiresCompatibilities": ["FARGATE"],
            "cpu": "256",
            "memory": "512",
            "tags": [{"key": "team", "value": "web"}]
        })
    );
}

#[test]
fn is_idempotent_and_takes_bare_task_definitions() {
    let (once, _) = clean(describe_answer());
    let (twice, problems) = clean(once.clone());
    assert!(problems.is_empty());
    assert_eq!(once, twice);
    let bare = describe_answer()["taskDefinition"].clone();
    let (out, _) = clean(bare);
    let mut expected = once;
    expected.as_object_mut().unwrap().shift_remove("tags");
    assert_eq!(out, expected);
}

#[test]
fn empty_tags_are_dropped() {
    let mut input = describe_answer();
    input["tags"] = json!([]);
    let (out, _) = clean(input);
    assert!(out.get("tags").is_none());
    let (out, _) = clean(json!({"family": "f", "containerDefinitions": [], "tags": []}));
    assert_eq!(out, json!({"family": "f", "containerDefinitions": []}));
    let mut input = describe_answer();
    input["tags"] = Value::Null;
    let (out, problems) = clean(input);
    assert!(out.get("tags").is_none());
    assert!(problems.is_empty());
}

#[test]
fn nulls_are_dropped_in_objects_and_errors_in_arrays() {
    let mut input = describe_answer();
    input["taskDefinition"]["containerDefinitions"][0]["environment"] =
        json!([{"name": "A", "value": null}, null]);
    input["taskDefinition"]["volumes"] = json!([null]);
    input["tags"] = json!([{"key": "k", "value": "v"}, null]);
    let (out, problems) = clean(input);
    assert_eq!(
        problems,
        [
            ".taskDefinition.containerDefinitions[0].environment[1] (container \"app\"): null inside an array: the API takes no nulls, and there is no telling what was meant; remove it",
            ".taskDefinition.volumes[0]: null inside an array: the API takes no nulls, and there is no telling what was meant; remove it",
            ".tags[1]: null inside an array: the API takes no nulls, and there is no telling what was meant; remove it",
        ]
    );
    // Cleaning went on, for the rest of the checks.
    assert_eq!(
        out["containerDefinitions"][0]["environment"],
        json!([{"name": "A"}])
    );
}

#[test]
fn wrong_shapes_are_one_clear_error() {
    let (_, p) = clean(json!([1]));
    assert_eq!(
        p,
        [
            ".: expected a JSON object (describe-task-definition output, or a task definition), found an array"
        ]
    );
    let (_, p) = clean(json!({"taskDefinition": "web:1"}));
    assert_eq!(
        p,
        [".taskDefinition: expected an object (the task definition), found the string \"web:1\""]
    );
    let (_, p) = clean(json!({"taskDefinition": {"family": "web"}}));
    assert_eq!(
        p,
        [
            ".taskDefinition: no containerDefinitions: expected describe-task-definition output ({\"taskDefinition\": {...}}) or a task definition, found an object with family"
        ]
    );
    let (_, p) = clean(json!({"services": [], "failures": []}));
    assert_eq!(
        p,
        [
            ".: no containerDefinitions: expected describe-task-definition output ({\"taskDefinition\": {...}}) or a task definition, found an object with services, failures"
        ]
    );
    let (_, p) = clean(json!({}));
    assert!(p[0].ends_with("found an empty object"), "{p:?}");
}

#[test]
fn other_members_of_the_answer_are_ignored_with_a_warning() {
    let mut input = describe_answer();
    input["ResponseMetadata"] = json!({});
    let (out, problems) = clean(input.clone());
    assert!(out.get("ResponseMetadata").is_none());
    assert_eq!(
        problems,
        [
            ".ResponseMetadata: not part of a describe-task-definition answer (taskDefinition, tags); ignored"
        ]
    );
    let (_, problems) = clean_with(input, &[], true);
    assert_eq!(
        problems,
        [
            ".ResponseMetadata: not part of a describe-task-definition answer (taskDefinition, tags); remove it, or leave out --strict to ignore it"
        ]
    );
}

#[test]
fn tags_in_two_places_must_agree() {
    let mut input = describe_answer();
    input["taskDefinition"]["tags"] = json!([{"key": "team", "value": "web"}]);
    let (out, problems) = clean(input.clone());
    assert!(problems.is_empty());
    assert_eq!(out["tags"], json!([{"key": "team", "value": "web"}]));
    input["taskDefinition"]["tags"] = json!([{"key": "team", "value": "api"}]);
    let (_, problems) = clean(input);
    assert_eq!(
        problems,
        [".tags: tags are both next to taskDefinition and inside it, and they differ; keep one"]
    );
}

#[test]
fn drop_removes_top_level_keys() {
    let input = json!({"family": "f", "containerDefinitions": [], "placementConstraints": [], "newThing": 1});
    let (out, _) = clean_with(
        input,
        &[
            "newThing".into(),
            "placementConstraints".into(),
            "absent".into(),
        ],
        false,
    );
    assert_eq!(out, json!({"family": "f", "containerDefinitions": []}));
}

#[test]
fn read_only_and_dropped_members_are_removed_before_nulls_are_looked_for() {
    let mut input = describe_answer();
    input["taskDefinition"]["compatibilities"] = json!(["EC2", null]);
    input["taskDefinition"]["futureThing"] = json!([null, {"x": [null]}]);
    input["taskDefinition"]["tags"] = json!([{"key": "team", "value": "api"}]);
    input["tags"] = json!([{"key": "team", "value": "web"}, null]);
    let (out, problems) = clean_with(input, &["futureThing".into(), "tags".into()], false);
    assert!(problems.is_empty(), "{problems:?}");
    // --drop tags: neither the definition's tags nor the answer's are carried in.
    assert!(out.get("tags").is_none(), "{out}");
    assert!(out.get("futureThing").is_none(), "{out}");
    assert!(out.get("compatibilities").is_none(), "{out}");
}

#[test]
fn later_locations_use_the_input_indexes_after_nulls_are_dropped() {
    let mut problems = Vec::new();
    let input = json!({"taskDefinition": {
        "family": "f",
        "containerDefinitions": [null, {"name": "app", "environment": [null, null, {"name": "A"}]}]
    }, "tags": [null, {"key": "k"}]});
    let cleaned = clean_input(input, &[], false, &mut problems).unwrap();
    assert_eq!(problems.len(), 4, "{problems:?}");
    // Steps into the clean task definition, located in the input.
    let steps = JsonPath::root()
        .key("containerDefinitions")
        .index(0)
        .key("environment")
        .index(0)
        .key("value");
    assert_eq!(
        cleaned.origin.locate(&steps, &cleaned.taskdef),
        ".taskDefinition.containerDefinitions[1].environment[2].value (container \"app\")"
    );
    assert_eq!(
        cleaned
            .origin
            .locate(&JsonPath::root().key("tags").index(0), &cleaned.taskdef),
        ".tags[1]"
    );
}

#[test]
fn clean_again_handles_filter_output() {
    let mut td = json!({"family": "f", "revision": 3, "containerDefinitions": [null], "tags": [], "x": null})
        .as_object()
        .unwrap()
        .clone();
    let mut problems = Vec::new();
    clean_again(&mut td, Vec::new(), &mut problems);
    assert_eq!(
        Value::Object(td),
        json!({"family": "f", "containerDefinitions": []})
    );
    assert_eq!(
        problems[0].to_string(),
        "in the --filter output: .containerDefinitions[0]: null inside an array: the API takes no nulls, and there is no telling what was meant; remove it"
    );
}

#[test]
fn clean_again_locates_in_the_filter_output_and_ignores_read_only_members() {
    let mut td = json!({"family": "f", "compatibilities": [null], "containerDefinitions": [null, {"name": "app"}]})
        .as_object()
        .unwrap()
        .clone();
    let mut problems = Vec::new();
    let origin = clean_again(&mut td, Vec::new(), &mut problems);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(
        origin.locate(&JsonPath::root().key("containerDefinitions").index(0), &td),
        "in the --filter output: .containerDefinitions[1] (container \"app\")"
    );
}

#[test]
fn register_input_is_the_clean_output_tags_included() {
    let (expected, _) = clean(describe_answer());
    assert_eq!(register_input(describe_answer()).unwrap(), expected);
    assert_eq!(expected["tags"], json!([{"key": "team", "value": "web"}]));
    // Register-ready JSON is already clean; other members of the answer are ignored.
    assert_eq!(register_input(expected.clone()).unwrap(), expected);
    let mut input = describe_answer();
    input["ResponseMetadata"] = json!({"RequestId": "x"});
    assert_eq!(register_input(input).unwrap(), expected);
    // The same definition registered again is equal; a changed image is not.
    let mut again = describe_answer();
    again["taskDefinition"]["revision"] = json!(8);
    again["taskDefinition"]["registeredAt"] = json!("2026-02-01T00:00:00+00:00");
    assert_eq!(register_input(again.clone()).unwrap(), expected);
    again["taskDefinition"]["containerDefinitions"][0]["image"] = json!("app:2");
    assert_ne!(register_input(again).unwrap(), expected);
}

#[test]
fn register_input_lists_every_error() {
    let e = register_input(json!("web:1")).unwrap_err();
    assert_eq!(
        e.to_string(),
        ".: expected a JSON object (describe-task-definition output, or a task definition), found the string \"web:1\""
    );
    let mut input = describe_answer();
    input["taskDefinition"]["volumes"] = json!([null]);
    input["taskDefinition"]["tags"] = json!([{"key": "team", "value": "api"}]);
    let e = register_input(input).unwrap_err();
    assert_eq!(e.problems.len(), 2, "{e:?}");
    assert_eq!(
        e.to_string(),
        ".taskDefinition.volumes[0]: null inside an array: the API takes no nulls, and there is no telling what was meant; remove it; .tags: tags are both next to taskDefinition and inside it, and they differ; keep one"
    );
}
