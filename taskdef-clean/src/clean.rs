//! The cleaning rules: unwrap a describe answer, carry its tags in, drop read-only members,
//! `null` members and an empty tag list, and `--drop` keys. A `null` inside an array is an
//! error (there is no right place to move it to).

use cli_support::json_path::JsonPath;
use ecs_taskdef::{describe_value, model};
use serde_json::{Map, Value};

use crate::problem::{Origin, Problem};

/// A task definition after cleaning, and where it came from in the input.
#[derive(Debug, Clone)]
pub struct Cleaned {
    pub taskdef: Map<String, Value>,
    pub origin: Origin,
}

/// Clean the input. `Err` when the input is not a task definition at all (the one problem
/// worth reporting); otherwise problems found on the way are pushed and the cleaning goes on
/// as far as it can.
pub fn clean_input(
    input: Value,
    drop: &[String],
    strict: bool,
    problems: &mut Vec<Problem>,
) -> Result<Cleaned, Problem> {
    let Value::Object(mut top) = input else {
        return Err(Problem::error(
            Some(".".to_owned()),
            format!(
                "expected a JSON object (describe-task-definition output, or a task \
                 definition), found {}",
                describe_value(&input)
            ),
        ));
    };
    let (mut taskdef, outer_tags, origin_prefix) = match top.shift_remove("taskDefinition") {
        Some(Value::Object(taskdef)) => {
            // No tags, or an empty list (what --include TAGS gives an untagged definition).
            let tags = top
                .shift_remove("tags")
                .filter(|t| !t.is_null() && t.as_array().is_none_or(|a| !a.is_empty()));
            for key in top.keys() {
                let message = format!(
                    "not part of a describe-task-definition answer ({}); {}",
                    model::DESCRIBE_RESPONSE.join(", "),
                    if strict {
                        "remove it, or leave out --strict to ignore it"
                    } else {
                        "ignored"
                    }
                );
                let location = JsonPath::root().key(key).to_string();
                problems.push(if strict {
                    Problem::error(Some(location), message)
                } else {
                    Problem::warning(location, message)
                });
            }
            (taskdef, tags, true)
        }
        Some(other) => {
            return Err(Problem::error(
                Some(".taskDefinition".to_owned()),
                format!(
                    "expected an object (the task definition), found {}",
                    describe_value(&other)
                ),
            ));
        }
        None => (top, None, false),
    };
    // `--drop tags` drops the describe answer's tags too: they are not carried in.
    let outer_tags = outer_tags.filter(|_| !drop.iter().any(|k| k == "tags"));
    let mut origin = if origin_prefix {
        Origin::wrapped(outer_tags.is_some())
    } else {
        Origin::BARE
    };
    if taskdef
        .get("containerDefinitions")
        .is_none_or(Value::is_null)
    {
        let keys: Vec<&str> = taskdef.keys().map(String::as_str).take(8).collect();
        let found = if keys.is_empty() {
            "an empty object".to_owned()
        } else {
            format!("an object with {}", keys.join(", "))
        };
        return Err(Problem::error(
            Some(
                if origin_prefix {
                    ".taskDefinition"
                } else {
                    "."
                }
                .to_owned(),
            ),
            format!(
                "no containerDefinitions: expected describe-task-definition output \
                 ({{\"taskDefinition\": {{...}}}}) or a task definition, found {found}"
            ),
        ));
    }

    // What is removed anyway is not looked into: a null in `compatibilities` or in a
    // dropped member is no problem.
    remove_members(&mut taskdef, drop);
    drop_nulls_reporting(&mut taskdef, &mut origin, problems);
    if let Some(mut tags) = outer_tags {
        let mut steps = JsonPath::root().key("tags");
        report_nulls_in_arrays(&tags, &mut steps, &origin, &taskdef, problems);
        drop_nulls_renumbering(&mut tags, &mut JsonPath::root().key("tags"), &mut origin);
        match taskdef.get("tags") {
            Some(inner) if *inner != tags => problems.push(Problem::error(
                Some(".tags".to_owned()),
                "tags are both next to taskDefinition and inside it, and they differ; keep one",
            )),
            _ => {
                taskdef.insert("tags".to_owned(), tags);
            }
        }
    }
    drop_empty_tags(&mut taskdef);
    Ok(Cleaned { taskdef, origin })
}

/// Clean the output of `--filter` again: read-only members, nulls, empty tags. The origin
/// returned locates problems in it.
pub fn clean_again(taskdef: &mut Map<String, Value>, problems: &mut Vec<Problem>) -> Origin {
    let mut origin = Origin::FILTER;
    remove_members(taskdef, &[]);
    drop_nulls_reporting(taskdef, &mut origin, problems);
    drop_empty_tags(taskdef);
    origin
}

/// Remove the read-only members and the `--drop` keys.
fn remove_members(taskdef: &mut Map<String, Value>, drop: &[String]) {
    for key in model::READ_ONLY {
        taskdef.shift_remove(*key);
    }
    for key in drop {
        taskdef.shift_remove(key);
    }
}

/// The API rejects an empty tag list ("Tags can not be empty").
fn drop_empty_tags(taskdef: &mut Map<String, Value>) {
    if taskdef
        .get("tags")
        .and_then(Value::as_array)
        .is_some_and(Vec::is_empty)
    {
        taskdef.shift_remove("tags");
    }
}

/// Report every `null` inside an array (with its location in the input), then drop `null`
/// members of objects and `null` array items, so that the rest can still be checked; the
/// origin notes the arrays that lost items, so that later paths use the input's indexes.
fn drop_nulls_reporting(
    taskdef: &mut Map<String, Value>,
    origin: &mut Origin,
    problems: &mut Vec<Problem>,
) {
    let mut steps = JsonPath::root();
    for (key, value) in taskdef.iter() {
        steps.push_key(key);
        report_nulls_in_arrays(value, &mut steps, origin, taskdef, problems);
        steps.pop();
    }
    taskdef.retain(|_, v| !v.is_null());
    let mut steps = JsonPath::root();
    for (key, value) in taskdef.iter_mut() {
        steps.push_key(key);
        drop_nulls_renumbering(value, &mut steps, origin);
        steps.pop();
    }
}

/// Drop `null` object members and array items of the value at `steps`, at any depth, noting
/// in `origin` each array that lost items.
fn drop_nulls_renumbering<'a>(value: &'a mut Value, steps: &mut JsonPath<'a>, origin: &mut Origin) {
    match value {
        Value::Array(items) => {
            if items.iter().any(Value::is_null) {
                let kept = (0..items.len()).filter(|i| !items[*i].is_null()).collect();
                origin.renumber(steps, kept, items.len());
                items.retain(|v| !v.is_null());
            }
            for (i, item) in items.iter_mut().enumerate() {
                steps.push_index(i);
                drop_nulls_renumbering(item, steps, origin);
                steps.pop();
            }
        }
        Value::Object(members) => {
            members.retain(|_, v| !v.is_null());
            for (key, member) in members.iter_mut() {
                steps.push_key(key);
                drop_nulls_renumbering(member, steps, origin);
                steps.pop();
            }
        }
        _ => {}
    }
}

fn report_nulls_in_arrays<'a>(
    value: &'a Value,
    steps: &mut JsonPath<'a>,
    origin: &Origin,
    taskdef: &Map<String, Value>,
    problems: &mut Vec<Problem>,
) {
    match value {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                steps.push_index(i);
                if item.is_null() {
                    problems.push(Problem::error(
                        Some(origin.locate(steps, taskdef)),
                        "null inside an array: the API takes no nulls, and there is no \
                         telling what was meant; remove it",
                    ));
                } else {
                    report_nulls_in_arrays(item, steps, origin, taskdef, problems);
                }
                steps.pop();
            }
        }
        Value::Object(members) => {
            for (key, member) in members {
                steps.push_key(key);
                report_nulls_in_arrays(member, steps, origin, taskdef, problems);
                steps.pop();
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
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
            [
                ".taskDefinition: expected an object (the task definition), found the string \"web:1\""
            ]
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
            [
                ".tags: tags are both next to taskDefinition and inside it, and they differ; keep one"
            ]
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
        clean_again(&mut td, &mut problems);
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
        let origin = clean_again(&mut td, &mut problems);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(
            origin.locate(&JsonPath::root().key("containerDefinitions").index(0), &td),
            "in the --filter output: .containerDefinitions[1] (container \"app\")"
        );
    }
}
