//! Random task definitions built from the model alone (feature `arbitrary`, for property
//! tests): any value of a shape, and register-ready task definitions. A test that checks a
//! tool against them checks it against botocore's model, not against the tool's own code.

use proptest::prelude::*;
use serde_json::{Value, json};

use crate::{Kind, Shape, model};

/// Any value of `shape`: optional members present about a third of the time, lists and
/// maps of 0 to 2 items, any 32-bit integer, any printable string (empty included) of up to
/// 12 characters, each within the shape's bounds ([`crate::Range`]).
pub fn value_of(shape: &'static Shape) -> BoxedStrategy<Value> {
    match shape.kind {
        Kind::Structure {
            members,
            union: true,
        } => {
            let choices: Vec<BoxedStrategy<Value>> = members
                .iter()
                .map(|m| {
                    value_of(m.shape)
                        .prop_map(move |v| json!({ m.name: v }))
                        .boxed()
                })
                .collect();
            proptest::strategy::Union::new(choices).boxed()
        }
        Kind::Structure { members, .. } => {
            let parts: Vec<BoxedStrategy<Option<(String, Value)>>> = members
                .iter()
                .map(|m| {
                    let member = value_of(m.shape).prop_map(move |v| (m.name.to_owned(), v));
                    if m.required {
                        member.prop_map(Some).boxed()
                    } else {
                        proptest::option::weighted(0.35, member).boxed()
                    }
                })
                .collect();
            parts
                .prop_map(|kvs| Value::Object(kvs.into_iter().flatten().collect()))
                .boxed()
        }
        Kind::List(item) => proptest::collection::vec(value_of(item), counts(shape, 0, 2))
            .prop_map(Value::Array)
            .boxed(),
        Kind::Map(item) => {
            proptest::collection::btree_map("[a-zA-Z0-9._/-]{1,12}", value_of(item), 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect()))
                .boxed()
        }
        Kind::String { values } if !values.is_empty() => proptest::sample::select(values)
            .prop_map(|s| json!(s))
            .boxed(),
        Kind::String { .. } => {
            let len = counts(shape, 0, 12);
            let pattern = format!("\\PC{{{},{}}}", len.start(), len.end());
            proptest::string::string_regex(&pattern)
                .expect("a valid pattern")
                .prop_map(Value::String)
                .boxed()
        }
        Kind::Integer => {
            let min = shape
                .range
                .min
                .map_or(i32::MIN, |m| i32::try_from(m).unwrap_or(i32::MAX));
            let max = shape
                .range
                .max
                .map_or(i32::MAX, |m| i32::try_from(m).unwrap_or(i32::MAX));
            (min..=max).prop_map(|n| json!(n)).boxed()
        }
        Kind::Boolean => any::<bool>().prop_map(Value::Bool).boxed(),
    }
}

/// From `low` to `high` (items or characters), within the shape's bounds.
fn counts(shape: &Shape, low: usize, high: usize) -> std::ops::RangeInclusive<usize> {
    let bound =
        |b: Option<i64>, default: usize| b.map_or(default, |b| usize::try_from(b).unwrap_or(0));
    let min = bound(shape.range.min, low).max(low);
    let max = bound(shape.range.max, high).min(high).max(min);
    min..=max
}

/// A register-ready task definition: the API rejects an empty tag list, so there is none;
/// the family is not empty; there is a container at least, each with an image and a name,
/// not empty and unique (the model requires none of these, the API all); images are
/// references Docker can pull, and the task-level cpu and memory are a size
/// Fargate runs (in either form the API takes), present when FARGATE is required. Which
/// image and size follow from the generated strings, so shrinking still works.
pub fn task_definition() -> impl Strategy<Value = Value> {
    const IMAGES: [&str; 4] = [
        "nginx",
        "amazon/amazon-ecs-agent:latest",
        "123456789012.dkr.ecr.us-east-2.amazonaws.com/web:1.5.0",
        "localhost:5000/a/b@sha256:94afd1f2e64d908bc90dbca0035a5b567e94afd1f2e64d908bc90dbca0035a5b",
    ];
    const SIZES: [(&str, &str); 3] = [("256", "512"), ("1 vCPU", "2 GB"), ("0.5 vCPU", "4096")];
    value_of(&model::REGISTER_TASK_DEFINITION_REQUEST).prop_map(|mut td| {
        let obj = td.as_object_mut().unwrap();
        if obj
            .get("tags")
            .and_then(Value::as_array)
            .is_some_and(Vec::is_empty)
        {
            obj.shift_remove("tags");
        }
        if obj.get("family").and_then(Value::as_str) == Some("") {
            obj.insert("family".to_owned(), json!("f"));
        }
        let containers = obj
            .get_mut("containerDefinitions")
            .and_then(Value::as_array_mut);
        let mut names = std::collections::HashSet::new();
        if let Some(containers) = containers {
            if containers.is_empty() {
                containers.push(json!({}));
            }
            for (i, c) in containers.iter_mut().enumerate() {
                let Some(c) = c.as_object_mut() else {
                    continue;
                };
                let n = c.get("image").and_then(Value::as_str).map_or(0, str::len);
                c.insert("image".to_owned(), json!(IMAGES[n % IMAGES.len()]));
                let mut name = c
                    .get("name")
                    .and_then(Value::as_str)
                    .filter(|n| !n.is_empty())
                    .map_or_else(|| format!("c{i}"), str::to_owned);
                while names.contains(&name) {
                    name.push('x');
                }
                names.insert(name.clone());
                c.insert("name".to_owned(), json!(name));
            }
        }
        let fargate = obj
            .get("requiresCompatibilities")
            .and_then(Value::as_array)
            .is_some_and(|c| c.iter().any(|c| c == "FARGATE"));
        let seed = ["cpu", "memory"]
            .iter()
            .filter_map(|k| obj.get(*k).and_then(Value::as_str))
            .map(str::len)
            .sum::<usize>();
        let (cpu, memory) = SIZES[seed % SIZES.len()];
        for (key, value) in [("cpu", cpu), ("memory", memory)] {
            if fargate || obj.contains_key(key) {
                obj.insert(key.to_owned(), json!(value));
            }
        }
        td
    })
}
