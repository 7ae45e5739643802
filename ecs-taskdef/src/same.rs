//! Whether two register-ready task definitions register the same thing: a hand-written input
//! and the revision ECS made of it differ by what ECS fills in when a member is absent.
//!
//! DescribeTaskDefinition gives back what was registered with ECS's defaults written out:
//! empty lists for the lists not given (`environment`, `mountPoints`, `portMappings`,
//! `volumesFrom`, `volumes`, `placementConstraints`), a container's `cpu` of `0` and
//! `essential` of `true`, a port mapping's `protocol` of `tcp` (and its `hostPort`: in the
//! `awsvpc` and `host` network modes equal to its `containerPort`, else `0`, a port chosen
//! when the task starts), a health check's `interval` of 30, `timeout` of 5 and `retries` of
//! 3, the `bridge` network mode, `enableFaultInjection` of `false`; and a container's
//! `environment` and `secrets`, and the tags, in an order of its own. Both sides are
//! compared without those, and with those lists sorted by name (key). Empty lists and objects
//! count as absent only as members of the task definition, of its containers and of their
//! `logConfiguration` (`"secretOptions": []`), and a volume's empty `host` (a volume given by
//! its name alone): deeper, an empty object can be a choice (`"dockerVolumeConfiguration":
//! {}`).
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
    remove_if(top, "enableFaultInjection", &Value::Bool(false));
    // A volume given by its name alone is answered with an empty `host` (a bind mount that
    // ECS places itself).
    let volumes = top.get_mut("volumes").and_then(Value::as_array_mut);
    for volume in volumes
        .into_iter()
        .flatten()
        .filter_map(Value::as_object_mut)
    {
        remove_if(volume, "host", &Value::Object(Map::new()));
    }
    sort_by(top, "tags", "key");
    if let Some(containers) = top
        .get_mut("containerDefinitions")
        .and_then(Value::as_array_mut)
    {
        for c in containers.iter_mut().filter_map(Value::as_object_mut) {
            remove_if(c, "cpu", &Value::from(0));
            remove_if(c, "essential", &Value::Bool(true));
            if let Some(log) = c.get_mut("logConfiguration").and_then(Value::as_object_mut) {
                drop_empty(log);
            }
            if let Some(check) = c.get_mut("healthCheck").and_then(Value::as_object_mut) {
                remove_if(check, "interval", &Value::from(30));
                remove_if(check, "timeout", &Value::from(5));
                remove_if(check, "retries", &Value::from(3));
            }
            sort_by(c, "environment", "name");
            sort_by(c, "secrets", "name");
            let ports = c.get_mut("portMappings").and_then(Value::as_array_mut);
            for p in ports.into_iter().flatten().filter_map(Value::as_object_mut) {
                remove_if(p, "protocol", &Value::from("tcp"));
                let copied = matches!(mode.as_deref(), Some("awsvpc" | "host"))
                    && p.get("hostPort").is_some()
                    && p.get("hostPort") == p.get("containerPort");
                if copied || p.get("hostPort") == Some(&Value::from(0)) {
                    p.remove("hostPort");
                }
            }
            drop_empty(c);
        }
    }
    drop_empty(top);
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

/// Remove the members whose value is an empty list or object.
fn drop_empty(object: &mut Map<String, Value>) {
    object.retain(|_, value| !is_empty(value));
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

    /// A describe answer shaped as real ECS gives it (Fargate, a health check, awslogs), for
    /// the input a repository keeps.
    #[test]
    fn a_real_describe_answer_is_its_hand_written_input() {
        let answer = json!({"taskDefinition": {
            "taskDefinitionArn": "arn:aws:ecs:us-east-2:123456789012:task-definition/web:5",
            "containerDefinitions": [{"name": "web", "image": "registry.example/app:2",
                "cpu": 0, "essential": true, "environmentFiles": [], "mountPoints": [],
                "volumesFrom": [], "ulimits": [], "systemControls": [],
                "portMappings": [{"containerPort": 8000, "hostPort": 8000, "protocol": "tcp",
                    "name": "http", "appProtocol": "http"}],
                "environment": [{"name": "LOG_LEVEL", "value": "info"},
                    {"name": "APP_ENV", "value": "production"}],
                "logConfiguration": {"logDriver": "awslogs", "secretOptions": [],
                    "options": {"awslogs-group": "/ecs/web", "awslogs-region": "us-east-2",
                        "awslogs-stream-prefix": "ecs"}},
                "healthCheck": {"command": ["CMD-SHELL", "curl -f localhost:8000/health"],
                    "interval": 30, "timeout": 5, "retries": 3}}],
            "family": "web", "networkMode": "awsvpc", "revision": 5, "volumes": [],
            "status": "ACTIVE", "placementConstraints": [], "compatibilities": ["EC2", "FARGATE"],
            "requiresAttributes": [{"name": "com.amazonaws.ecs.capability.docker-remote-api.1.24"}],
            "requiresCompatibilities": ["FARGATE"], "cpu": "256", "memory": "512",
            "registeredAt": "2026-12-01T10:00:00.000Z", "registeredBy": "arn:aws:sts::1:x",
            "enableFaultInjection": false}, "tags": []});
        let hand_written = json!({"family": "web", "networkMode": "awsvpc",
            "requiresCompatibilities": ["FARGATE"], "cpu": "256", "memory": "512",
            "containerDefinitions": [{"name": "web", "image": "registry.example/app:2",
                "portMappings": [{"containerPort": 8000, "name": "http", "appProtocol": "http"}],
                "environment": [{"name": "APP_ENV", "value": "production"},
                    {"name": "LOG_LEVEL", "value": "info"}],
                "logConfiguration": {"logDriver": "awslogs", "options": {
                    "awslogs-group": "/ecs/web", "awslogs-region": "us-east-2",
                    "awslogs-stream-prefix": "ecs"}},
                "healthCheck": {"command": ["CMD-SHELL", "curl -f localhost:8000/health"]}}]});
        let cleaned = crate::clean::register_input(answer).unwrap();
        assert!(same_registration(&hand_written, &cleaned));
        let mut slower = hand_written.clone();
        slower["containerDefinitions"][0]["healthCheck"]["interval"] = json!(60);
        assert!(!same_registration(&slower, &cleaned));
    }

    #[test]
    fn deeper_empty_objects_and_bridge_host_ports() {
        let volume = |v: Value| {
            let mut t = input();
            t["volumes"] = json!([{"name": "data"}]);
            t["volumes"][0]
                .as_object_mut()
                .unwrap()
                .extend(v.as_object().unwrap().clone());
            t
        };
        let docker = volume(json!({"dockerVolumeConfiguration": {}}));
        let host = volume(json!({"host": {}}));
        assert!(!same_registration(&docker, &host));
        // A volume given by its name alone comes back with an empty `host`.
        assert!(same_registration(&volume(json!({})), &host));
        // In bridge mode a host port of 0 is a port chosen when the task starts: as absent.
        let mut zero = input();
        zero["networkMode"] = json!("bridge");
        zero["containerDefinitions"][0]["portMappings"][0]["hostPort"] = json!(0);
        let mut absent = input();
        absent["networkMode"] = json!("bridge");
        assert!(same_registration(&zero, &absent));
    }

    #[test]
    fn not_an_object_is_compared_as_it_is() {
        assert!(same_registration(&json!([1]), &json!([1])));
        assert!(!same_registration(&json!([1]), &json!([])));
    }
}
