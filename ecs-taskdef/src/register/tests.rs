use super::*;
use crate::{Kind, Member};
use serde_json::json;

/// How [`sample`] fills values.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fill {
    /// Every member of every shape, two items per list and map, distinct values.
    Maximal,
    /// Every member, one item per list and map, zero / false / empty-string values.
    Zero,
    /// Every member, empty lists and maps.
    Empty,
}

/// A value of `shape` built from the model alone (not from the mapping under test).
fn sample(shape: &Shape, fill: Fill, counter: &mut i32) -> Value {
    *counter += 1;
    let n = *counter;
    match shape.kind {
        Kind::Structure { members, union } => {
            let members: Vec<&Member> = members
                .iter()
                .filter(|m| {
                    !(shape.name == model::REGISTER_TASK_DEFINITION_REQUEST.name
                        && model::SDK_LACKS.contains(&m.name))
                })
                .collect();
            let take = if union { 1 } else { members.len() };
            Value::Object(
                members
                    .iter()
                    .take(take)
                    .map(|m| (m.name.to_owned(), sample(m.shape, fill, counter)))
                    .collect(),
            )
        }
        Kind::List(item) => {
            let count = match fill {
                Fill::Maximal => 2,
                Fill::Zero => 1,
                Fill::Empty => 0,
            };
            Value::Array((0..count).map(|_| sample(item, fill, counter)).collect())
        }
        Kind::Map(item) => {
            let count = match fill {
                Fill::Maximal => 2,
                Fill::Zero => 1,
                Fill::Empty => 0,
            };
            Value::Object(
                (0..count)
                    .map(|i| {
                        let key = if fill == Fill::Zero {
                            String::new()
                        } else {
                            format!("key-{n}-{i}")
                        };
                        (key, sample(item, fill, counter))
                    })
                    .collect(),
            )
        }
        Kind::String { values, .. } => match (values.is_empty(), fill) {
            (false, _) => json!(values[usize::try_from(n).unwrap() % values.len()]),
            (true, Fill::Zero) => json!(""),
            (true, _) => json!(format!("value-{n} with \"quotes\", unicode é and \\")),
        },
        Kind::Integer => match fill {
            Fill::Zero => json!(0),
            _ => json!(n * 7919 % 1_000_003 - 500_000),
        },
        Kind::Boolean => json!(fill != Fill::Zero && n % 2 == 0),
    }
}

/// Send `input` through the SDK's own serializer and return the JSON body it put on the
/// wire (the HTTP client captures the request instead of sending it).
fn wire_json(input: RegisterTaskDefinitionInputBuilder) -> Value {
    use aws_sdk_ecs::config::{BehaviorVersion, Credentials, Region};
    let (http, request) = aws_smithy_http_client::test_util::capture_request(None);
    let config = aws_sdk_ecs::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-2"))
        .credentials_provider(Credentials::new("test", "test", None, None, "test"))
        .http_client(http)
        .build();
    let client = aws_sdk_ecs::Client::from_conf(config);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // The captured answer is an empty 200, which the SDK may not parse: only the
    // request matters here.
    let _ = runtime.block_on(input.send_with(&client));
    let request = request.expect_request();
    assert_eq!(
        request.headers().get("x-amz-target"),
        Some("AmazonEC2ContainerServiceV20141113.RegisterTaskDefinition")
    );
    serde_json::from_slice(request.body().bytes().expect("a buffered body")).unwrap()
}

/// Every member the model has, except those the SDK lacks, counted.
fn count_members(shape: &Shape, seen: &mut std::collections::HashSet<&'static str>) -> usize {
    match shape.kind {
        Kind::Structure { members, .. } => {
            if !seen.insert(shape.name) {
                return 0;
            }
            members
                .iter()
                .map(|m| 1 + count_members(m.shape, seen))
                .sum()
        }
        Kind::List(item) | Kind::Map(item) => count_members(item, seen),
        _ => 0,
    }
}

/// Every member of every structure (but the SDK's gaps) is in `value`.
fn assert_every_member(shape: &Shape, value: &Value) {
    match (&shape.kind, value) {
        (Kind::Structure { members, union }, Value::Object(obj)) => {
            for m in *members {
                match obj.get(m.name) {
                    Some(v) => assert_every_member(m.shape, v),
                    None if *union && !obj.is_empty() => {}
                    None if model::SDK_LACKS.contains(&m.name) => {}
                    None => panic!("{}.{} is missing from the sample", shape.name, m.name),
                }
            }
        }
        (Kind::List(item), Value::Array(items)) => {
            assert!(!items.is_empty(), "an empty {}", shape.name);
            for v in items {
                assert_every_member(item, v);
            }
        }
        (Kind::Map(item), Value::Object(obj)) => {
            for v in obj.values() {
                assert_every_member(item, v);
            }
        }
        _ => {}
    }
}

#[test]
fn no_member_is_lost() {
    let mut counter = 0;
    let input = sample(
        &model::REGISTER_TASK_DEFINITION_REQUEST,
        Fill::Maximal,
        &mut counter,
    );
    // The sample really is maximal: it holds every member of every structure.
    let text = input.to_string();
    let total = count_members(
        &model::REGISTER_TASK_DEFINITION_REQUEST,
        &mut std::collections::HashSet::new(),
    );
    assert!(total > 150, "{total} members in the model");
    assert_every_member(&model::REGISTER_TASK_DEFINITION_REQUEST, &input);
    for name in [
        "containerPortRange",
        "nvidiaMps",
        "fsxWindowsFileServerVolumeConfiguration",
        "s3filesVolumeConfiguration",
        "credentialSpecs",
        "restartPolicy",
        "versionConsistency",
        "enableFaultInjection",
        "proxyConfiguration",
        "ephemeralStorage",
        "runtimePlatform",
    ] {
        assert!(text.contains(&format!("\"{name}\"")), "{name}");
    }
    let built = register_task_definition_input(&input).unwrap();
    assert_eq!(wire_json(built), input);
}

#[test]
fn zero_false_and_empty_values_are_kept() {
    for fill in [Fill::Zero, Fill::Empty] {
        let mut counter = 0;
        let input = sample(&model::REGISTER_TASK_DEFINITION_REQUEST, fill, &mut counter);
        let built = register_task_definition_input(&input).unwrap();
        assert_eq!(wire_json(built), input);
    }
}

#[test]
fn the_sdk_adds_cpu_0_and_an_empty_resource_value() {
    // Plain values in the SDK's model, optional in botocore's: documented in the module.
    let input = json!({"family": "f", "containerDefinitions": [{"name": "a", "image": "i",
        "resourceRequirements": [{"type": "GPU"}]}]});
    let wire = wire_json(register_task_definition_input(&input).unwrap());
    assert_eq!(
        wire,
        json!({"family": "f", "containerDefinitions": [{"name": "a", "image": "i", "cpu": 0,
            "resourceRequirements": [{"type": "GPU", "value": ""}]}]})
    );
}

#[test]
fn null_members_count_as_absent() {
    let input = json!({"family": "f", "taskRoleArn": null,
        "containerDefinitions": [{"name": "a", "cpu": 0, "logConfiguration": null}]});
    let wire = wire_json(register_task_definition_input(&input).unwrap());
    assert_eq!(
        wire,
        json!({"family": "f", "containerDefinitions": [{"name": "a", "cpu": 0}]})
    );
}

fn error_of(input: &Value) -> String {
    register_task_definition_input(input)
        .unwrap_err()
        .to_string()
}

#[test]
fn errors_name_the_json_path() {
    let base = || {
        json!({"family": "f", "containerDefinitions": [
        {"name": "a", "portMappings": [{"containerPort": 80}, {"containerPort": 81}]}]})
    };

    let mut v = base();
    v["containerDefinitions"][0]["portMappings"][1]["containerPort"] = json!("81");
    assert_eq!(
        error_of(&v),
        ".containerDefinitions[0].portMappings[1].containerPort: expected a 32-bit integer, \
         found the string \"81\""
    );

    let mut v = base();
    v["containerDefinitions"][0]["portMapings"] = json!([]);
    let err = error_of(&v);
    assert!(
        err.starts_with(".containerDefinitions[0].portMapings: not a member of ContainerDefinition (it has: name, image,"),
        "{err}"
    );

    let mut v = base();
    v["containerDefinitions"][0]["portMappings"][0] = Value::Null;
    assert_eq!(
        error_of(&v),
        ".containerDefinitions[0].portMappings[0]: null inside an array"
    );

    let mut v = base();
    v["containerDefinitions"][0]["secrets"] = json!([{"name": "DB"}]);
    assert_eq!(
        error_of(&v),
        ".containerDefinitions[0].secrets[0]: Secret needs the member \"valueFrom\""
    );

    let mut v = base();
    v["containerDefinitions"][0]["dockerLabels"] = json!({"a b": 1});
    assert_eq!(
        error_of(&v),
        ".containerDefinitions[0].dockerLabels[\"a b\"]: expected a string, found the number 1"
    );

    let mut v = base();
    v["cpu"] = json!(256);
    assert_eq!(
        error_of(&v),
        ".cpu: expected a string, found the number 256"
    );

    let mut v = base();
    v["containerDefinitions"][0]["memory"] = json!(4_294_967_296_u64);
    assert_eq!(
        error_of(&v),
        ".containerDefinitions[0].memory: expected a 32-bit integer, found the number \
         4294967296 (out of range, or not whole)"
    );

    let mut v = base();
    v["containerDefinitions"] = json!({});
    assert_eq!(
        error_of(&v),
        ".containerDefinitions: expected an array, found an object"
    );

    assert_eq!(
        error_of(&json!({"containerDefinitions": []})),
        ".: RegisterTaskDefinitionRequest needs the member \"family\""
    );
    assert_eq!(
        error_of(&json!([])),
        ".: expected an object (RegisterTaskDefinitionRequest), found an array"
    );

    let mut v = base();
    v["containerDefinitions"][0]["resourceRequirements"] = json!([{"type": "GPU", "value": "1",
        "sharingStrategy": {}}]);
    let err = error_of(&v);
    assert!(
        err.starts_with(".containerDefinitions[0].resourceRequirements[0].sharingStrategy: SharingStrategy takes exactly one of its members (nvidiaMps)"),
        "{err}"
    );
}

#[test]
fn members_the_sdk_lacks_are_errors_not_dropped() {
    for name in model::SDK_LACKS {
        let v =
            json!({"family": "f", "containerDefinitions": [], *name: {"isolationMode": "SHARED"}});
        let err = error_of(&v);
        assert!(
            err.starts_with(&format!(".{name}: the AWS SDK for Rust")),
            "{err}"
        );
    }
}

#[test]
fn paths_are_jq_style() {
    let root = Path::ROOT;
    let a = root.key("containerDefinitions");
    let b = a.index(2);
    let c = b.key("docker labels");
    assert_eq!(root.json_path().to_string(), ".");
    assert_eq!(
        c.json_path(),
        JsonPath::root()
            .key("containerDefinitions")
            .index(2)
            .key("docker labels")
    );
    assert_eq!(
        c.json_path().to_string(),
        ".containerDefinitions[2][\"docker labels\"]"
    );
}
