//! Property: any model-valid task definition, wrapped as a describe answer (read-only
//! members, tags at the top, nulls where the API and console exports put them), comes back
//! from the binary equal. The random task definitions are built from the botocore model
//! (ecs_taskdef::arbitrary), not from the code under test; ecs-taskdef's own tests put the
//! same task definitions through the AWS SDK.

use ecs_taskdef::arbitrary::task_definition;
use ecs_taskdef::{Kind, Shape, model};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Map, Value, json};

use crate::cmd;

/// How to dress a task definition up as a describe answer.
#[derive(Debug, Clone)]
struct Dressing {
    wrapped: bool,
    read_only: Vec<bool>,
    empty_tags_outside: bool,
    /// Decides which absent members get a `null` (top level and containers).
    null_seed: u64,
}

fn dressing() -> impl Strategy<Value = Dressing> {
    (
        any::<bool>(),
        proptest::collection::vec(any::<bool>(), model::READ_ONLY.len()),
        any::<bool>(),
        any::<u64>(),
    )
        .prop_map(
            |(wrapped, read_only, empty_tags_outside, null_seed)| Dressing {
                wrapped,
                read_only,
                empty_tags_outside,
                null_seed,
            },
        )
}

fn read_only_value(name: &str) -> Value {
    match name {
        "revision" => json!(42),
        "requiresAttributes" => json!([{"name": "com.amazonaws.ecs.capability.task-iam-role"}]),
        "compatibilities" => json!(["EC2", "FARGATE"]),
        "status" => json!("INACTIVE"),
        "registeredAt" | "deregisteredAt" | "deleteRequestedAt" => {
            json!("2026-02-03T04:05:06.789000+00:00")
        }
        _ => json!(format!("arn:aws:ecs:us-east-2:123456789012:{name}")),
    }
}

/// `null` for some absent optional members of `obj` (a structure of `shape`).
fn add_nulls(obj: &mut Map<String, Value>, shape: &Shape, seed: &mut u64) {
    for member in shape.members() {
        // A small LCG: reproducible from the seed proptest shrinks.
        *seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        if !obj.contains_key(member.name) && (*seed >> 33).is_multiple_of(3) {
            obj.insert(member.name.to_owned(), Value::Null);
        }
    }
}

fn dress(td: &Value, how: &Dressing) -> Value {
    let mut inner = td.as_object().unwrap().clone();
    let mut seed = how.null_seed;
    add_nulls(
        &mut inner,
        &model::REGISTER_TASK_DEFINITION_REQUEST,
        &mut seed,
    );
    let Kind::List(container_shape) = model::REGISTER_TASK_DEFINITION_REQUEST
        .member("containerDefinitions")
        .unwrap()
        .shape
        .kind
    else {
        unreachable!("containerDefinitions is a list")
    };
    if let Some(Value::Array(containers)) = inner.get_mut("containerDefinitions") {
        for c in containers {
            add_nulls(c.as_object_mut().unwrap(), container_shape, &mut seed);
        }
    }
    for (name, on) in model::READ_ONLY.iter().zip(&how.read_only) {
        if *on {
            inner.insert((*name).to_owned(), read_only_value(name));
        }
    }
    if !how.wrapped {
        return Value::Object(inner);
    }
    let mut answer = Map::new();
    let tags = inner.shift_remove("tags");
    answer.insert("taskDefinition".to_owned(), Value::Object(inner));
    match tags {
        Some(Value::Null) | None if how.empty_tags_outside => {
            answer.insert("tags".to_owned(), json!([]));
        }
        Some(Value::Null) | None => {}
        Some(tags) => {
            answer.insert("tags".to_owned(), tags);
        }
    }
    Value::Object(answer)
}

#[test]
fn describe_answers_come_back_equal() {
    let mut runner = TestRunner::new(Config {
        cases: 96,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&(task_definition(), dressing()), |(td, how)| {
            let answer = dress(&td, &how);
            let assert = cmd()
                .arg("--compact")
                .write_stdin(answer.to_string())
                .assert();
            let out = assert.get_output();
            prop_assert_eq!(
                out.status.code(),
                Some(0),
                "stderr: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            prop_assert_eq!(String::from_utf8_lossy(&out.stderr), "");
            let clean: Value = serde_json::from_slice(&out.stdout).unwrap();
            prop_assert_eq!(&clean, &td);
            Ok(())
        })
        .unwrap();
}
