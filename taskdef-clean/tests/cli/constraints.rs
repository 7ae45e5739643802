//! Every constraint of the ECS model is checked (issue 14): one case per entry of the
//! generated `ecs_taskdef::model::CONSTRAINTS` table (and per side of a bound), each a minimal
//! register-ready task definition with that one violation, reported once with its path. A new
//! model version brings its cases with it.

use cli_support::json_path::JsonPath;
use ecs_taskdef::{Constraint, Kind, Rule, Shape, model};
use serde_json::{Value, json};

use crate::{cmd, stderr_of};

/// The task definition every case starts from; register-ready.
fn base() -> Value {
    json!({"family": "web", "containerDefinitions": [{"name": "app", "image": "nginx", "memory": 128}]})
}

/// The least value of `shape` the model takes: required members only, lists and strings as
/// short as allowed (strings at least one character), the first enum value, the minimum.
fn minimal(shape: &'static Shape) -> Value {
    match shape.kind {
        Kind::Structure {
            members,
            union: true,
        } => json!({ members[0].name: minimal(members[0].shape) }),
        Kind::Structure { members, .. } => Value::Object(
            members
                .iter()
                // ECS refuses a tag without a key, which the model does not require.
                .filter(|m| m.required || (shape.name == "Tag" && m.name == "key"))
                .map(|m| (m.name.to_owned(), minimal(m.shape)))
                .collect(),
        ),
        Kind::List(item) => Value::Array(vec![minimal(item); count(shape.range.min)]),
        Kind::Map(_) => json!({}),
        Kind::String { values, .. } if !values.is_empty() => json!(values[0]),
        Kind::String { .. } => json!("x".repeat(count(shape.range.min).max(1))),
        Kind::Integer => json!(shape.range.min.unwrap_or(1)),
        Kind::Boolean => json!(false),
    }
}

fn count(n: Option<i64>) -> usize {
    n.map_or(0, |n| usize::try_from(n).unwrap())
}

/// One step of a path pattern: a member, or `[]` (an item of a list, a value of a map).
fn steps(pattern: &str) -> Vec<Option<&str>> {
    let mut out = Vec::new();
    for part in pattern.split('.').skip(1) {
        let (name, items) = part.split_at(part.find('[').unwrap_or(part.len()));
        out.push(Some(name));
        out.extend(std::iter::repeat_n(None, items.matches("[]").count()));
    }
    out
}

/// Walk `pattern` into `td`, creating what is missing (minimal values; the first item of a
/// list, the value "k" of a map), and hand the parent of the last step, the last step (a
/// member, or `None` for an item or a map value) and the concrete path of that parent to
/// `change`.
fn at(td: &mut Value, pattern: &str, change: impl FnOnce(&mut Value, Option<&str>, &JsonPath<'_>)) {
    let mut shape: &'static Shape = &model::REGISTER_TASK_DEFINITION_REQUEST;
    let mut value = td;
    let mut path = JsonPath::root();
    let steps = steps(pattern);
    let (last, walk) = steps.split_last().unwrap();
    for step in walk {
        match (step, &shape.kind) {
            (Some(name), Kind::Structure { union, .. }) => {
                let member = shape.member(name).unwrap();
                let obj = value.as_object_mut().unwrap();
                if *union {
                    obj.retain(|k, _| k == name);
                }
                value = obj.entry(*name).or_insert_with(|| minimal(member.shape));
                shape = member.shape;
                path.push_key(name.to_string());
            }
            (None, Kind::List(item)) => {
                let items = value.as_array_mut().unwrap();
                if items.is_empty() {
                    items.push(minimal(item));
                }
                value = &mut items[0];
                shape = item;
                path.push_index(0);
            }
            (None, Kind::Map(item)) => {
                value = value
                    .as_object_mut()
                    .unwrap()
                    .entry("k")
                    .or_insert_with(|| minimal(item));
                shape = item;
                path.push_key("k");
            }
            _ => panic!("{pattern}: the model has no such path"),
        }
    }
    if let (Some(key), Kind::Structure { union: true, .. }) = (last, &shape.kind) {
        value.as_object_mut().unwrap().retain(|k, _| k == key);
    }
    change(value, *last, &path);
}

/// The error lines of a run's stderr.
fn errors(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.starts_with("taskdef-clean: error: <stdin>: "))
        .collect()
}

/// Check `td` with `args`; the exit code must be `code`; stderr back.
fn check(td: &Value, args: &[&str], code: i32) -> String {
    let assert = cmd()
        .arg("--check")
        .args(args)
        .write_stdin(td.to_string())
        .assert()
        .code(code)
        .stdout("");
    stderr_of(&assert)
}

/// One violation, reported once, as an error at `path`, with `needle` in its message.
fn assert_one_error(td: &Value, path: &str, needle: &str, case: &str) {
    let stderr = check(td, &["--strict"], 1);
    let errors = errors(&stderr);
    assert_eq!(errors.len(), 1, "{case}: {stderr}");
    let expected = format!("taskdef-clean: error: <stdin>: {path}");
    assert!(
        errors[0].starts_with(&expected) && errors[0].contains(needle),
        "{case}: expected {expected:?} ... {needle:?}: {stderr}"
    );
}

/// The violations of one constraint: (task definition, path of the error, what it says).
fn violations(c: &Constraint) -> Vec<(Value, String, String)> {
    let mut out = Vec::new();
    let mut violate = |value: Option<Value>, needle: String| {
        let mut td = base();
        let mut shown = String::new();
        at(&mut td, c.path, |parent, key, path| {
            match (parent, key, &value) {
                (Value::Object(obj), Some(key), Some(v)) => {
                    obj.insert(key.to_owned(), v.clone());
                    shown = path.clone().key(key).to_string();
                }
                (Value::Object(obj), Some(key), None) => {
                    obj.shift_remove(key);
                    shown = path.to_string();
                }
                (Value::Array(items), None, Some(v)) => {
                    *items = vec![v.clone()];
                    shown = path.clone().index(0).to_string();
                }
                (Value::Object(obj), None, Some(v)) => {
                    obj.insert("k".to_owned(), v.clone());
                    shown = path.clone().key("k").to_string();
                }
                (parent, key, _) => panic!("{}: {key:?} of {parent}", c.path),
            }
        });
        out.push((td, shown, needle));
    };
    match c.rule {
        // `missing the required member "family"`, or `no containerDefinitions: ...`.
        Rule::Required => violate(None, c.path.rsplit('.').next().unwrap().to_owned()),
        Rule::Enum => violate(Some(json!("NOT_A_VALUE")), "is not a".to_owned()),
        // The minimal string (which matches) with one character the pattern does not take.
        Rule::Pattern => {
            let Kind::String {
                pattern: Some(pattern),
                ..
            } = c.shape.kind
            else {
                panic!("{}: a pattern rule on {:?}", c.path, c.shape.kind)
            };
            let odd = ['#', '!', ',', '%', '~', '\u{7}', '\t']
                .into_iter()
                .find(|o| pattern.matches(&o.to_string()) == Some(false))
                .unwrap_or_else(|| panic!("{}: no character outside {}", c.path, pattern.source));
            let len = count(c.shape.range.min).max(1);
            let value = format!("{}{odd}", "x".repeat(len - 1));
            assert_eq!(pattern.matches(&"x".repeat(len)), Some(true), "{}", c.path);
            violate(
                Some(json!(value)),
                format!(
                    "(character {len}), which {} does not take: the whole value must match",
                    c.shape.name
                ),
            );
        }
        Rule::Bounds => {
            let range = c.shape.range;
            let mut sides = Vec::new();
            if let Some(min) = range.min.filter(|&m| m > 0) {
                sides.push((min - 1, "min"));
            }
            if let Some(max) = range.max {
                sides.push((max + 1, "max"));
            }
            for (n, side) in sides {
                let (value, needle) = match c.shape.kind {
                    Kind::Integer => (json!(n), "is out of range".to_owned()),
                    Kind::String { .. } => (
                        json!("x".repeat(count(Some(n)))),
                        format!("valid {side} length"),
                    ),
                    Kind::List(item) => (
                        // Tags with keys of their own, as ECS takes them.
                        Value::Array(
                            (0..count(Some(n)))
                                .map(|i| match item.name {
                                    "Tag" => json!({"key": format!("k{i}")}),
                                    _ => minimal(item),
                                })
                                .collect(),
                        ),
                        format!("valid {side} count"),
                    ),
                    _ => panic!("{}: bounds on {:?}", c.path, c.shape.kind),
                };
                violate(Some(value), needle);
            }
        }
    }
    out
}

#[test]
fn the_base_and_minimal_values_are_register_ready() {
    let mut td = base();
    for c in model::CONSTRAINTS {
        if c.path.starts_with(".containerDefinitions[]") {
            at(&mut td, c.path, |_, _, _| {});
        }
    }
    // Every nested structure a constraint reaches, created with its minimal value: no error.
    let stderr = check(&td, &["--strict"], 0);
    assert!(errors(&stderr).is_empty(), "{stderr}");
}

#[test]
fn every_constraint_of_the_model_is_checked_with_its_path() {
    assert!(model::CONSTRAINTS.len() > 20, "the table is generated");
    let mut kinds = std::collections::BTreeSet::new();
    for c in model::CONSTRAINTS {
        for (td, path, needle) in violations(c) {
            let case = format!("{} ({:?})", c.path, c.rule);
            if c.rule == Rule::Enum {
                // A warning without --strict: the API adds values.
                let stderr = check(&td, &[], 0);
                assert!(
                    stderr.contains(&format!("taskdef-clean: warning: <stdin>: {path}")),
                    "{case}: {stderr}"
                );
            }
            assert_one_error(&td, &path, &needle, &case);
            kinds.insert(format!(
                "{:?} {:?}",
                c.rule,
                std::mem::discriminant(&c.shape.kind)
            ));
        }
    }
    // Required members, enums, patterns, and bounds on strings, lists and integers at least.
    assert!(kinds.len() >= 6, "{kinds:?}");
    assert!(kinds.iter().any(|k| k.starts_with("Pattern")), "{kinds:?}");
}

#[test]
fn an_empty_tag_key_is_refused_as_the_aws_cli_does() {
    // A committed `register-task-definition --generate-cli-skeleton` file.
    let td = json!({
        "family": "web",
        "containerDefinitions": [{"name": "app", "image": "nginx", "memory": 128}],
        "tags": [{"key": "", "value": "x"}]
    });
    let stderr = check(&td, &["--strict", "-q"], 1);
    assert_eq!(
        stderr,
        "taskdef-clean: error: <stdin>: .tags[0].key: the string is empty, and TagKey takes 1 \
         to 128 characters (invalid length, valid min length: 1); write at least 1 character\n"
    );
    // Not written either.
    let assert = cmd()
        .write_stdin(td.to_string())
        .assert()
        .code(1)
        .stdout("");
    assert!(stderr_of(&assert).contains(".tags[0].key: the string is empty"));
}

#[test]
fn nvidia_mps_percentages_take_1_to_100_and_every_problem_is_listed() {
    let td = json!({
        "family": "gpu",
        "containerDefinitions": [{"name": "trainer", "image": "nginx", "memory": 128, "resourceRequirements": [
            {"type": "GPU", "value": "1",
             "sharingStrategy": {"nvidiaMps": {"memory": 0, "maxComputePercent": 0}}}
        ]}],
        "tags": [{"key": "team", "value": "x"}, {"key": "", "value": "y"}]
    });
    let stderr = check(&td, &["-q"], 1);
    let errors = errors(&stderr);
    assert_eq!(errors.len(), 3, "{stderr}");
    let mps = ".containerDefinitions[0].resourceRequirements[0].sharingStrategy.nvidiaMps";
    assert_eq!(
        errors[0],
        format!(
            "taskdef-clean: error: <stdin>: {mps}.memory (container \"trainer\"): 0 is out of \
             range: NvidiaMpsAllocationMemoryInteger takes at least 1 (the ECS model, {}); \
             write 1 or more",
            model::SOURCE
        )
    );
    assert_eq!(
        errors[1],
        format!(
            "taskdef-clean: error: <stdin>: {mps}.maxComputePercent (container \"trainer\"): 0 \
             is out of range: NvidiaMpsAllocationMaxComputePercentInteger takes 1 to 100 (the \
             ECS model, {}); write a value from 1 to 100",
            model::SOURCE
        )
    );
    assert!(
        errors[2].contains(".tags[1].key: the string is empty"),
        "{stderr}"
    );
    // A describe answer: the paths are the input's.
    let answer = json!({"taskDefinition": {"family": "gpu", "containerDefinitions": td["containerDefinitions"]}, "tags": td["tags"]});
    let stderr = check(&answer, &["-q"], 1);
    assert!(
        stderr.contains(&format!(
            ".taskDefinition{mps}.memory (container \"trainer\")"
        )),
        "{stderr}"
    );
    assert!(stderr.contains("<stdin>: .tags[1].key"), "{stderr}");
}

#[test]
fn what_ecs_requires_beyond_the_model_is_an_error_every_problem_listed() {
    // The model has no bounds here; the API refuses each of them.
    for (td, path, needle) in [
        (
            json!({"family": "", "containerDefinitions": [{"name": "app", "image": "nginx", "memory": 128}]}),
            ".family",
            "the family is empty",
        ),
        (
            json!({"family": "web", "containerDefinitions": []}),
            ".containerDefinitions",
            "no container",
        ),
        (
            json!({"family": "web", "containerDefinitions": [{"name": "", "image": "nginx", "memory": 128}]}),
            ".containerDefinitions[0].name",
            "the container name is empty",
        ),
        (
            json!({"family": "web", "containerDefinitions": [{"image": "nginx", "memory": 128}]}),
            ".containerDefinitions[0]",
            "the container has no name",
        ),
        (
            json!({"family": "web", "containerDefinitions": [{"name": "app", "memory": 128}]}),
            ".containerDefinitions[0] (container \"app\")",
            "the container has no image",
        ),
        (
            json!({"family": "web", "containerDefinitions": [
                {"name": "app", "image": "nginx", "memory": 128}, {"name": "app", "image": "nginx", "memory": 128}]}),
            ".containerDefinitions[1].name (container \"app\")",
            "is the name of .containerDefinitions[0] too",
        ),
    ] {
        assert_one_error(&td, path, needle, &td.to_string());
    }
    // Every problem at once.
    let td = json!({"family": "", "containerDefinitions": [{"memory": 128}, {"name": "", "image": "nginx", "memory": 128}]});
    let stderr = check(&td, &["-q"], 1);
    assert_eq!(errors(&stderr).len(), 4, "{stderr}");
}
