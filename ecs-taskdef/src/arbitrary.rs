//! Random task definitions built from the model alone (feature `arbitrary`, for property
//! tests): any value of a shape, and register-ready task definitions. A test that checks a
//! tool against them checks it against botocore's model, not against the tool's own code.

use proptest::prelude::*;
use serde_json::{Map, Value, json};

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
        Kind::String { values, .. } if !values.is_empty() => proptest::sample::select(values)
            .prop_map(|s| json!(s))
            .boxed(),
        Kind::String { pattern, .. } => {
            let len = counts(shape, 0, 12);
            let any = format!("\\PC{{{},{}}}", len.start(), len.end());
            proptest::string::string_regex(&any)
                .expect("a valid pattern")
                .prop_map(move |s| match pattern {
                    Some(pattern) => Value::String(to_pattern(pattern, &s)),
                    None => Value::String(s),
                })
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

/// `s` made to match `pattern`: each character the pattern does not take alone becomes
/// `x` (the model's patterns are classes of characters repeated, `([...]*)`).
fn to_pattern(pattern: &crate::Pattern, s: &str) -> String {
    let mut buf = [0; 4];
    let out: String = s
        .chars()
        .map(|c| {
            if pattern.matches(c.encode_utf8(&mut buf)) == Some(true) {
                c
            } else {
                'x'
            }
        })
        .collect();
    assert_eq!(
        pattern.matches(&out),
        Some(true),
        "{}: not a class of characters repeated; teach arbitrary::value_of this pattern",
        pattern.source
    );
    out
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
/// tag keys are unique and none starts with `aws:`; the family and the container names are
/// names ECS takes (letters, digits, `-` and `_`), the names unique; there is a container at
/// least, each with an image (a reference Docker can pull); the task-level cpu and memory
/// are a size Fargate runs (in either form the API takes), present when FARGATE is
/// required; and the values ECS refuses beyond the model are made ones it takes: container
/// memory and memoryReservation positive (a reservation at most the memory; one of them when
/// the task has no memory), ephemeral storage 21 to 200 GiB, stop and start timeouts 2 to
/// 120 s on Fargate, a port mapping's hostPort its containerPort (or none) in awsvpc and host
/// mode; on Fargate, awsvpc, an execution role and no host ipcMode or pidMode; no hostname
/// or links in awsvpc mode; an essential container; health check values in range; container
/// memory at most the task's; references to volumes and containers that exist. Which image and size follow from the generated strings, and each value made from
/// the one generated, so shrinking still works.
pub fn task_definition() -> impl Strategy<Value = Value> {
    value_of(&model::REGISTER_TASK_DEFINITION_REQUEST).prop_map(|mut td| {
        register_ready(td.as_object_mut().expect("a structure is an object"));
        td
    })
}

fn register_ready(obj: &mut Map<String, Value>) {
    const IMAGES: [&str; 4] = [
        "nginx",
        "amazon/amazon-ecs-agent:latest",
        "123456789012.dkr.ecr.us-east-2.amazonaws.com/web:1.5.0",
        "localhost:5000/a/b@sha256:94afd1f2e64d908bc90dbca0035a5b567e94afd1f2e64d908bc90dbca0035a5b",
    ];
    const SIZES: [(&str, &str); 3] = [("256", "512"), ("1 vCPU", "2 GB"), ("0.5 vCPU", "4096")];
    tags(obj);
    let family = obj.get("family").and_then(Value::as_str).unwrap_or("");
    obj.insert("family".to_owned(), json!(ecs_name(family, "f")));
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
    // Task memory in MiB (the sizes above), the most a container's memory can be.
    let task_memory = obj.get("memory").map(|m| match m.as_str() {
        Some("2 GB") => 2048,
        Some("4096") => 4096,
        _ => 512,
    });
    if fargate {
        fargate_rules(obj);
    }
    let awsvpc = obj.get("networkMode").is_some_and(|m| m == "awsvpc");
    let volumes: Vec<String> = obj
        .get("volumes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| Some(v.get("name")?.as_str()?.to_owned()))
        .collect();
    let host_is_container = obj
        .get("networkMode")
        .is_some_and(|m| m == "awsvpc" || m == "host");
    if let Some(size) = obj
        .get_mut("ephemeralStorage")
        .and_then(|e| e.get_mut("sizeInGiB"))
    {
        *size = json!(21 + int(size).rem_euclid(180));
    }
    let containers = obj
        .get_mut("containerDefinitions")
        .and_then(Value::as_array_mut);
    let mut names = std::collections::HashSet::new();
    let Some(containers) = containers else {
        return;
    };
    if containers.is_empty() {
        containers.push(json!({}));
    }
    for (i, c) in containers.iter_mut().enumerate() {
        let Some(c) = c.as_object_mut() else {
            continue;
        };
        let n = c.get("image").and_then(Value::as_str).map_or(0, str::len);
        c.insert("image".to_owned(), json!(IMAGES[n % IMAGES.len()]));
        let given = c.get("name").and_then(Value::as_str).unwrap_or("");
        let mut name = ecs_name(given, &format!("c{i}"));
        while names.contains(&name) {
            name.push('x');
        }
        names.insert(name.clone());
        c.insert("name".to_owned(), json!(name));
        container_memory(c, task_memory);
        container_rules(c, fargate, awsvpc, &volumes);
        let ports = c.get_mut("portMappings").and_then(Value::as_array_mut);
        for p in ports.into_iter().flatten().filter_map(Value::as_object_mut) {
            if host_is_container && p.contains_key("hostPort") {
                match p.get("containerPort").cloned() {
                    Some(port) => p.insert("hostPort".to_owned(), port),
                    None => p.shift_remove("hostPort"),
                };
            }
        }
    }
    references_and_essential(containers);
}

/// On Fargate: awsvpc, an execution role, no host ipcMode or pidMode.
fn fargate_rules(obj: &mut Map<String, Value>) {
    obj.insert("networkMode".to_owned(), json!("awsvpc"));
    obj.entry("executionRoleArn")
        .or_insert_with(|| json!("arn:aws:iam::123456789012:role/exec"));
    for key in ["ipcMode", "pidMode"] {
        if obj.get(key).is_some_and(|m| m == "host") {
            obj.shift_remove(key);
        }
    }
}

/// References to containers name the first; one container at least is essential.
fn references_and_essential(containers: &mut [Value]) {
    let first = containers
        .iter()
        .find_map(|c| c.get("name")?.as_str())
        .unwrap_or("c0")
        .to_owned();
    for c in containers.iter_mut().filter_map(Value::as_object_mut) {
        for (list, key) in [
            ("dependsOn", "containerName"),
            ("volumesFrom", "sourceContainer"),
        ] {
            let items = c.get_mut(list).and_then(Value::as_array_mut);
            for item in items.into_iter().flatten().filter_map(Value::as_object_mut) {
                if item.contains_key(key) {
                    item.insert(key.to_owned(), json!(first));
                }
            }
        }
    }
    let essential = |c: &Value| c.get("essential") != Some(&Value::Bool(false));
    if !containers.iter().any(essential)
        && let Some(c) = containers.first_mut().and_then(Value::as_object_mut)
    {
        c.shift_remove("essential");
    }
}

/// No hostname or links in awsvpc mode, a health check in range, mount points of a volume
/// there is (or none), Fargate's stop and start timeouts, secrets named unlike the
/// environment's variables.
fn container_rules(c: &mut Map<String, Value>, fargate: bool, awsvpc: bool, volumes: &[String]) {
    if awsvpc {
        c.shift_remove("hostname");
        c.shift_remove("links");
    }
    health_check(c);
    // ECS rejects a name both in the environment and in the secrets.
    let env: std::collections::HashSet<String> = c
        .get("environment")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|e| Some(e.get("name")?.as_str()?.to_owned()))
        .collect();
    let secrets = c.get_mut("secrets").and_then(Value::as_array_mut);
    for secret in secrets
        .into_iter()
        .flatten()
        .filter_map(Value::as_object_mut)
    {
        if let Some(Value::String(name)) = secret.get_mut("name") {
            while env.contains(name.as_str()) {
                name.push_str("_S");
            }
        }
    }
    let mounts = c.get_mut("mountPoints").and_then(Value::as_array_mut);
    for m in mounts
        .into_iter()
        .flatten()
        .filter_map(Value::as_object_mut)
    {
        match volumes.first() {
            Some(v) => m.insert("sourceVolume".to_owned(), json!(v)),
            None => m.shift_remove("sourceVolume"),
        };
    }
    if fargate {
        for key in ["stopTimeout", "startTimeout"] {
            if let Some(t) = c.get_mut(key) {
                *t = json!(2 + int(t).rem_euclid(119));
            }
        }
    }
}

/// A health check's interval, timeout, retries and startPeriod within what ECS takes.
fn health_check(c: &mut Map<String, Value>) {
    let Some(Value::Object(check)) = c.get_mut("healthCheck") else {
        return;
    };
    for (key, min, max) in [
        ("interval", 5, 300),
        ("timeout", 2, 60),
        ("retries", 1, 10),
        ("startPeriod", 0, 300),
    ] {
        if let Some(v) = check.get_mut(key) {
            *v = json!(min + int(v).rem_euclid(max - min + 1));
        }
    }
}

/// An integer value as i64 (the model's are 32-bit).
fn int(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

/// `given` with the characters ECS does not take in a name as `x`, or `default` if empty.
fn ecs_name(given: &str, default: &str) -> String {
    if given.is_empty() {
        return default.to_owned();
    }
    given
        .chars()
        .map(|c| if crate::is_name_char(c) { c } else { 'x' })
        .collect()
}

/// Tags: none when the list is empty; keys unique, none with the reserved `aws:` prefix.
fn tags(obj: &mut Map<String, Value>) {
    let Some(Value::Array(tags)) = obj.get_mut("tags") else {
        return;
    };
    if tags.is_empty() {
        obj.shift_remove("tags");
        return;
    }
    let mut keys = std::collections::HashSet::new();
    for (i, tag) in tags.iter_mut().filter_map(Value::as_object_mut).enumerate() {
        // ECS refuses a tag without a key.
        let mut key = match tag.get("key").and_then(Value::as_str) {
            Some(key) => key.to_owned(),
            None => format!("k{i}"),
        };
        if key.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("aws:")) {
            key.replace_range(..1, "x");
        }
        while keys.contains(&key) {
            // Within the key's 128 characters: the generated ones have at most 12.
            key.push('x');
        }
        keys.insert(key.clone());
        tag.insert("key".to_owned(), json!(key));
    }
}

/// A container's memory and memoryReservation positive, the reservation at most the memory,
/// and one of them when the task has no memory.
fn container_memory(c: &mut Map<String, Value>, task_memory: Option<i64>) {
    // At most the task's memory when it has one (or a warning).
    let most = task_memory.unwrap_or(1 << 20);
    let positive = |v: &Value| 6 + int(v).rem_euclid(most - 5);
    let memory = c.get("memory").map(positive);
    let reservation = c.get("memoryReservation").map(positive);
    match (memory, reservation) {
        (Some(m), Some(r)) => {
            c.insert("memory".to_owned(), json!(m));
            c.insert("memoryReservation".to_owned(), json!(r.min(m)));
        }
        (Some(m), None) => {
            c.insert("memory".to_owned(), json!(m));
        }
        (None, Some(r)) => {
            c.insert("memoryReservation".to_owned(), json!(r));
        }
        (None, None) if task_memory.is_none() => {
            c.insert("memory".to_owned(), json!(512));
        }
        (None, None) => {}
    }
}
