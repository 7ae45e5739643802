//! Whether two register-ready task definitions register the same thing: a hand-written input
//! and the revision ECS made of it differ by what ECS fills in when a member is absent.
//!
//! DescribeTaskDefinition gives back what was registered with ECS's defaults written out:
//! empty lists for the lists not given (`environment`, `mountPoints`, `portMappings`,
//! `volumesFrom`, `volumes`, `placementConstraints`), a container's `cpu` of `0` and
//! `essential` of `true`, a port mapping's `protocol` of `tcp` (and, in the `awsvpc` and
//! `host` network modes, its `hostPort` equal to its `containerPort`), the `bridge` network
//! mode; and a container's `environment` and `secrets`, and the tags, in an order of its own.
//! Both sides are compared without those, and with those lists sorted by name (key).
//! Anything else is a difference: a value ECS would have changed otherwise (say `"cpu":
//! "1 vCPU"`, registered as `"1024"`) makes them different, and the caller registers.

use serde_json::{Map, Value};

/// Do `a` and `b`, both register-ready (`clean::register_input`), register the same task
/// definition, up to the defaults ECS writes out (see the module)?
pub fn same_registration(a: &Value, b: &Value) -> bool {
    without_defaults(a) == without_defaults(b)
}

/// `taskdef` with ECS's defaults left out and its unordered lists sorted.
fn without_defaults(taskdef: &Value) -> Value {
    let mut v = taskdef.clone();
    let Some(top) = v.as_object_mut() else {
        return v;
    };
    let mode = top
        .get("networkMode")
        .and_then(Value::as_str)
        .map(str::to_owned);
    if mode.as_deref() == Some("bridge") {
        top.remove("networkMode");
    }
    sort_by(top, "tags", "key");
    if let Some(containers) = top
        .get_mut("containerDefinitions")
        .and_then(Value::as_array_mut)
    {
        for c in containers.iter_mut().filter_map(Value::as_object_mut) {
            remove_if(c, "cpu", &Value::from(0));
            remove_if(c, "essential", &Value::Bool(true));
            sort_by(c, "environment", "name");
            sort_by(c, "secrets", "name");
            let ports = c.get_mut("portMappings").and_then(Value::as_array_mut);
            for p in ports.into_iter().flatten().filter_map(Value::as_object_mut) {
                remove_if(p, "protocol", &Value::from("tcp"));
                if matches!(mode.as_deref(), Some("awsvpc" | "host"))
                    && p.get("hostPort").is_some()
                    && p.get("hostPort") == p.get("containerPort")
                {
                    p.remove("hostPort");
                }
            }
        }
    }
    drop_empty(&mut v);
    v
}

fn remove_if(object: &mut Map<String, Value>, key: &str, default: &Value) {
    if object.get(key) == Some(default) {
        object.remove(key);
    }
}

/// Sort the list at `key` by its items' `by` member (a stable sort: items without one keep
/// their order).
fn sort_by(object: &mut Map<String, Value>, key: &str, by: &str) {
    if let Some(items) = object.get_mut(key).and_then(Value::as_array_mut) {
        items.sort_by(|x, y| {
            let name = |v: &Value| v.get(by).and_then(Value::as_str).map(str::to_owned);
            name(x).cmp(&name(y))
        });
    }
}

/// Remove, at every depth, the object members whose value is an empty list or object (after
/// their own members are looked at). Items of lists stay, empty or not: a list's length is
/// part of its meaning.
fn drop_empty(v: &mut Value) {
    match v {
        Value::Object(members) => {
            for value in members.values_mut() {
                drop_empty(value);
            }
            members.retain(|_, value| !is_empty(value));
        }
        Value::Array(items) => items.iter_mut().for_each(drop_empty),
        _ => {}
    }
}

fn is_empty(v: &Value) -> bool {
    matches!(v, Value::Array(a) if a.is_empty()) || matches!(v, Value::Object(o) if o.is_empty())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn input() -> Value {
        json!({"family": "web", "networkMode": "awsvpc", "containerDefinitions": [{
            "name": "app", "image": "registry.example/app:2", "memory": 64,
            "portMappings": [{"containerPort": 8000}],
            "environment": [{"name": "B", "value": "2"}, {"name": "A", "value": "1"}]}]})
    }

    /// What ECS (and the emulator) gives back for `input()`, cleaned.
    fn described() -> Value {
        json!({"family": "web", "networkMode": "awsvpc", "volumes": [],
            "placementConstraints": [], "containerDefinitions": [{
            "name": "app", "image": "registry.example/app:2", "cpu": 0, "memory": 64,
            "essential": true, "mountPoints": [], "volumesFrom": [], "systemControls": [],
            "portMappings": [{"containerPort": 8000, "hostPort": 8000, "protocol": "tcp"}],
            "environment": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]}]})
    }

    #[test]
    fn an_input_is_the_revision_ecs_made_of_it() {
        assert!(same_registration(&input(), &described()));
        assert!(same_registration(&described(), &input()));
        // Without a network mode, ECS registers bridge.
        let mut bridge = described();
        bridge["networkMode"] = json!("bridge");
        bridge["containerDefinitions"][0]["portMappings"][0]["hostPort"] = json!(0);
        let mut plain = input();
        plain.as_object_mut().unwrap().remove("networkMode");
        plain["containerDefinitions"][0]["portMappings"][0]["hostPort"] = json!(0);
        assert!(same_registration(&plain, &bridge));
    }

    /// `described()` with one change.
    fn described_but(change: impl FnOnce(&mut Value)) -> Value {
        let mut v = described();
        change(&mut v);
        v
    }

    #[test]
    fn every_other_difference_counts() {
        let ports = |v: &mut Value| {
            v["containerDefinitions"][0]["portMappings"]
                .as_array_mut()
                .map(std::mem::take)
                .unwrap()
        };
        let different = [
            described_but(|v| v["containerDefinitions"][0]["image"] = json!("app:3")),
            described_but(|v| v["containerDefinitions"][0]["cpu"] = json!(256)),
            described_but(|v| v["containerDefinitions"][0]["essential"] = json!(false)),
            described_but(|v| v["containerDefinitions"][0]["environment"][0]["value"] = json!("9")),
            described_but(|v| v["tags"] = json!([{"key": "team", "value": "a"}])),
            described_but(|v| v["networkMode"] = json!("host")),
            described_but(|v| {
                v["containerDefinitions"][0]["portMappings"][0]["protocol"] = json!("udp");
            }),
            described_but(|v| {
                let mut more = ports(v);
                more.push(json!({"containerPort": 9000}));
                v["containerDefinitions"][0]["portMappings"] = Value::Array(more);
            }),
            described_but(|v| {
                let mut more = ports(v);
                more.push(json!({}));
                v["containerDefinitions"][0]["portMappings"] = Value::Array(more);
            }),
        ];
        for other in different {
            assert!(!same_registration(&input(), &other), "{other}");
        }
        // In bridge mode a host port is a choice, not a copy of the container port.
        let bridge = described_but(|v| v["networkMode"] = json!("bridge"));
        let mut plain = input();
        plain["networkMode"] = json!("bridge");
        plain["containerDefinitions"][0]["portMappings"][0]["hostPort"] = json!(0);
        assert!(!same_registration(&plain, &bridge));
    }

    #[test]
    fn not_an_object_is_compared_as_it_is() {
        assert!(same_registration(&json!([1]), &json!([1])));
        assert!(!same_registration(&json!([1]), &json!([])));
    }
}
