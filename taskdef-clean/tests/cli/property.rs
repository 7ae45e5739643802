//! Property: any model-valid task definition, wrapped as a describe answer (read-only
//! members, tags at the top, nulls where the API and console exports put them), comes back
//! from the binary equal; and the AWS SDK, given it through ecs-taskdef's mapping, puts it on
//! the wire equal. The random task definitions are built from the botocore model
//! (ecs_taskdef::model), not from the code under test.

use ecs_taskdef::{Kind, Shape, model};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Map, Value, json};

use crate::cmd;

/// Any value of `shape`: optional members present about a third of the time, lists and
/// maps of 0 to 2 items, any 32-bit integer, any printable string (empty included).
fn arb(shape: &'static Shape) -> BoxedStrategy<Value> {
    match shape.kind {
        Kind::Structure {
            members,
            union: true,
        } => {
            let choices: Vec<BoxedStrategy<Value>> = members
                .iter()
                .map(|m| arb(m.shape).prop_map(move |v| json!({ m.name: v })).boxed())
                .collect();
            proptest::strategy::Union::new(choices).boxed()
        }
        Kind::Structure { members, .. } => {
            let parts: Vec<BoxedStrategy<Option<(String, Value)>>> = members
                .iter()
                .map(|m| {
                    let member = arb(m.shape).prop_map(move |v| (m.name.to_owned(), v));
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
        Kind::List(item) => proptest::collection::vec(arb(item), 0..3)
            .prop_map(Value::Array)
            .boxed(),
        Kind::Map(item) => {
            proptest::collection::btree_map("[a-zA-Z0-9._/-]{1,12}", arb(item), 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect()))
                .boxed()
        }
        Kind::String { values } if !values.is_empty() => proptest::sample::select(values)
            .prop_map(|s| json!(s))
            .boxed(),
        Kind::String { .. } => "\\PC{0,12}".prop_map(Value::String).boxed(),
        Kind::Integer => any::<i32>().prop_map(|n| json!(n)).boxed(),
        Kind::Boolean => any::<bool>().prop_map(Value::Bool).boxed(),
    }
}

/// A register-ready task definition: the API rejects an empty tag list, so there is none;
/// images are references Docker can pull, and the task-level cpu and memory are a size
/// Fargate runs (in either form the API takes), present when FARGATE is required. Which
/// image and size follow from the generated strings, so shrinking still works.
fn task_definition() -> impl Strategy<Value = Value> {
    const IMAGES: [&str; 4] = [
        "nginx",
        "amazon/amazon-ecs-agent:latest",
        "123456789012.dkr.ecr.us-east-2.amazonaws.com/web:1.5.0",
        "localhost:5000/a/b@sha256:94afd1f2e64d908bc90dbca0035a5b567e94afd1f2e64d908bc90dbca0035a5b",
    ];
    const SIZES: [(&str, &str); 3] = [("256", "512"), ("1 vCPU", "2 GB"), ("0.5 vCPU", "4096")];
    arb(&model::REGISTER_TASK_DEFINITION_REQUEST).prop_map(|mut td| {
        let obj = td.as_object_mut().unwrap();
        if obj
            .get("tags")
            .and_then(Value::as_array)
            .is_some_and(Vec::is_empty)
        {
            obj.shift_remove("tags");
        }
        let containers = obj
            .get_mut("containerDefinitions")
            .and_then(Value::as_array_mut);
        for c in containers.into_iter().flatten() {
            if let Some(image) = c.get_mut("image") {
                let n = image.as_str().map_or(0, str::len);
                *image = json!(IMAGES[n % IMAGES.len()]);
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

/// What the SDK should put on the wire for `td`: the same, except for two members that its
/// model makes plain values (documented in ecs_taskdef::register): `cpu: 0` for a
/// container without cpu, `value: ""` for a resource requirement without value.
pub fn expected_on_the_wire(td: &Value) -> Value {
    let mut td = td.clone();
    if let Some(Value::Array(containers)) = td.get_mut("containerDefinitions") {
        for c in containers {
            let c = c.as_object_mut().unwrap();
            c.entry("cpu").or_insert(json!(0));
            if let Some(Value::Array(requirements)) = c.get_mut("resourceRequirements") {
                for r in requirements {
                    r.as_object_mut()
                        .unwrap()
                        .entry("value")
                        .or_insert(json!(""));
                }
            }
        }
    }
    td
}

/// The JSON body the SDK sends for `td` (the HTTP client captures instead of sending).
pub fn sdk_wire_json(runtime: &tokio::runtime::Runtime, td: &Value) -> Result<Value, String> {
    use aws_sdk_ecs::config::{BehaviorVersion, Credentials, Region};
    let input =
        ecs_taskdef::register::register_task_definition_input(td).map_err(|e| e.to_string())?;
    let (http, request) = aws_smithy_http_client::test_util::capture_request(None);
    let config = aws_sdk_ecs::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-2"))
        .credentials_provider(Credentials::new("test", "test", None, None, "test"))
        .http_client(http)
        .build();
    let client = aws_sdk_ecs::Client::from_conf(config);
    // The captured answer is an empty 200: only the request matters.
    let _ = runtime.block_on(input.send_with(&client));
    let request = request.expect_request();
    Ok(serde_json::from_slice(request.body().bytes().unwrap()).unwrap())
}

#[test]
fn describe_answers_come_back_equal_and_survive_the_sdk() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
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

            let lacks = model::SDK_LACKS.iter().find(|m| td.get(**m).is_some());
            match (sdk_wire_json(&runtime, &clean), lacks) {
                (Ok(wire), None) => prop_assert_eq!(wire, expected_on_the_wire(&td)),
                (Err(e), Some(member)) => {
                    prop_assert!(e.starts_with(&format!(".{member}: ")), "{}", e);
                }
                (other, _) => prop_assert!(false, "unexpected: {:?}", other),
            }
            Ok(())
        })
        .unwrap();
}
