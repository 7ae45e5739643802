//! What the API fills in when it registers, and the task size: made equal on both sides
//! before the task definitions are compared (see the documentation of `diff`).

use serde_json::{Map, Value};

/// One of the two task definitions, as the containers are compared.
#[derive(Clone, Copy)]
pub(super) struct Side<'a> {
    pub(super) containers: Option<&'a Value>,
    /// `networkMode` is `awsvpc` or `host`: a port mapping's `hostPort` defaults to its
    /// `containerPort`.
    pub(super) host_is_container: bool,
}

impl<'a> Side<'a> {
    pub(super) fn of(td: &'a Map<String, Value>) -> Self {
        Side {
            containers: td.get("containerDefinitions"),
            host_is_container: host_is_container(td),
        }
    }
}

fn host_is_container(td: &Map<String, Value>) -> bool {
    td.get("networkMode")
        .and_then(Value::as_str)
        .is_some_and(|m| m == "awsvpc" || m == "host")
}

/// What ECS fills in a container's health check when it registers (`HealthCheck`: "The
/// default value is 30 seconds", "The default value is 5", "The default value is 3";
/// `startPeriod` has none: "By default, the startPeriod is off").
const HEALTH_CHECK: [(&str, i64); 3] = [("interval", 30), ("timeout", 5), ("retries", 3)];

/// Where one container has a member the API fills in and the other has not (`normalize`
/// removed the default), the default in the other.
pub(super) fn fill_defaults(
    o: &mut Map<String, Value>,
    n: &mut Map<String, Value>,
    old_td: Side<'_>,
    new_td: Side<'_>,
) {
    align(
        o,
        n,
        "essential",
        Some(Value::Bool(true)),
        Some(Value::Bool(true)),
    );
    align(o, n, "cpu", Some(Value::from(0)), Some(Value::from(0)));
    if let (Some(Value::Object(a)), Some(Value::Object(b))) =
        (o.get_mut("healthCheck"), n.get_mut("healthCheck"))
    {
        for (key, default) in HEALTH_CHECK {
            align(
                a,
                b,
                key,
                Some(Value::from(default)),
                Some(Value::from(default)),
            );
        }
    }
    let (Some(Value::Array(op)), Some(Value::Array(np))) =
        (o.get_mut("portMappings"), n.get_mut("portMappings"))
    else {
        return;
    };
    // Paired by containerPort and protocol, as the diff matches them (their order does not
    // count).
    let mut taken = vec![false; op.len()];
    for b in np.iter_mut() {
        let found = (0..2).find_map(|level| {
            let key = port_key(b, level);
            (0..op.len()).find(|&at| !taken[at] && port_key(&op[at], level) == key)
        });
        let Some(at) = found else {
            continue;
        };
        taken[at] = true;
        let a = &mut op[at];
        let (Some(a), Some(b)) = (a.as_object_mut(), b.as_object_mut()) else {
            continue;
        };
        let tcp = Some(Value::from("tcp"));
        align(a, b, "protocol", tcp.clone(), tcp);
        let host = |p: &Map<String, Value>, side: Side<'_>| {
            if side.host_is_container {
                p.get("containerPort").cloned()
            } else {
                Some(Value::from(0))
            }
        };
        let (ha, hb) = (host(a, old_td), host(b, new_td));
        align(a, b, "hostPort", ha, hb);
    }
}

/// What identifies a port mapping: its containerPort and protocol (`tcp` when absent), or
/// (`level` 1) its containerPort alone.
pub(super) fn port_key(p: &Value, level: usize) -> Option<String> {
    let port = p
        .get("containerPort")
        .map(Value::to_string)
        .unwrap_or_default();
    let protocol = p.get("protocol").and_then(Value::as_str).unwrap_or("tcp");
    match level {
        0 => Some(format!("{port}/{protocol}")),
        1 => Some(port),
        _ => None,
    }
}

/// `key` in one of `a` and `b` only: its default (`in_a`, `in_b`) in the other.
fn align(
    a: &mut Map<String, Value>,
    b: &mut Map<String, Value>,
    key: &str,
    in_a: Option<Value>,
    in_b: Option<Value>,
) {
    match (a.contains_key(key), b.contains_key(key), in_a, in_b) {
        (true, false, _, Some(d)) => {
            b.insert(key.to_owned(), d);
        }
        (false, true, Some(d), _) => {
            a.insert(key.to_owned(), d);
        }
        _ => {}
    }
}

/// The task-level `key` (cpu or memory) of `new` written as `old`'s where both stand for the
/// same size: ECS converts `"1 vCPU"` to `"1024"` and `"2 GB"` to `"2048"` when it registers
/// ("String values are converted to an integer indicating the CPU units [the MiB] when the
/// task definition is registered", the model's documentation of both), so a describe
/// answer has the number where the register input that made it may have the unit. Sizes
/// that differ are shown as written.
pub(super) fn same_size(
    old: &Map<String, Value>,
    new: &mut Map<String, Value>,
    key: &str,
    parse: fn(&str) -> Result<u64, String>,
) {
    let size = |td: &Map<String, Value>| {
        let text = td.get(key)?.as_str()?;
        Some((text.to_owned(), parse(text).ok()?))
    };
    if let (Some((text, a)), Some((_, b))) = (size(old), size(new))
        && a == b
    {
        new.insert(key.to_owned(), Value::String(text));
    }
}

/// Remove what the API fills in (see the module's documentation).
pub(super) fn normalize(td: &mut Map<String, Value>) {
    let host_is_container = host_is_container(td);
    if let Some(Value::Array(containers)) = td.get_mut("containerDefinitions") {
        for c in containers.iter_mut().filter_map(Value::as_object_mut) {
            drop_if(c, "essential", &Value::Bool(true));
            drop_if(c, "cpu", &Value::from(0));
            if let Some(Value::Object(check)) = c.get_mut("healthCheck") {
                for (key, default) in HEALTH_CHECK {
                    drop_if(check, key, &Value::from(default));
                }
            }
            let ports = c.get_mut("portMappings").and_then(Value::as_array_mut);
            for p in ports.into_iter().flatten().filter_map(Value::as_object_mut) {
                drop_if(p, "protocol", &Value::from("tcp"));
                drop_if(p, "hostPort", &Value::from(0));
                if host_is_container && p.get("hostPort") == p.get("containerPort") {
                    p.shift_remove("hostPort");
                }
            }
        }
    }
    drop_empty(td);
}

fn drop_if(obj: &mut Map<String, Value>, key: &str, default: &Value) {
    if obj.get(key).is_some_and(|v| {
        v.as_i64()
            .zip(default.as_i64())
            .map_or(v == default, |(a, b)| a == b)
    }) {
        obj.shift_remove(key);
    }
}

/// Members whose value is an empty list or object, at any depth.
fn drop_empty(obj: &mut Map<String, Value>) {
    obj.retain(|_, v| {
        match v {
            Value::Object(o) => drop_empty(o),
            Value::Array(items) => {
                for item in items.iter_mut().filter_map(Value::as_object_mut) {
                    drop_empty(item);
                }
            }
            _ => {}
        }
        !matches!(v, Value::Array(a) if a.is_empty())
            && !matches!(v, Value::Object(o) if o.is_empty())
    });
}
