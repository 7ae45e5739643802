//! The TaskOverride: `--overrides` JSON as the base, the command, `--env`, `--cpu` and
//! `--memory` merged into it by container name, then checked member by member against what
//! RunTask accepts (no `secrets`, no `image`: ECS has no such overrides) with the JSON path of
//! anything wrong, written as jq writes it (`.containerOverrides[0].command[1]`, the root being
//! the TaskOverride) and its type, never its value.

use aws_sdk_ecs::types::{
    ContainerOverride, EnvironmentFile, EnvironmentFileType, EphemeralStorage, KeyValuePair,
    ResourceRequirement, ResourceType, TaskOverride,
};
use cli_support::json_path::JsonPath;
use serde_json::{Map, Value, json};

/// What the flags add to the base override.
#[derive(Debug, Clone, Default)]
pub struct Flags {
    /// The container the command applies to.
    pub container: Option<String>,
    pub command: Option<Vec<String>>,
    /// `(container, name, value)`, containers resolved.
    pub env: Vec<(String, String, String)>,
    pub cpu: Option<String>,
    pub memory: Option<String>,
}

/// Merge the flags into `base` and build the SDK override; `None` when there is nothing to
/// override. `containers` are the task definition's container names.
pub fn build(
    base: Option<Value>,
    flags: &Flags,
    containers: &[String],
) -> Result<Option<TaskOverride>, String> {
    let mut root = match base {
        None => Map::new(),
        Some(Value::Object(m)) => m,
        Some(other) => {
            return Err(format!(
                "--overrides: expected a JSON object (a TaskOverride), found {}",
                kind(&other)
            ));
        }
    };
    merge_flags(&mut root, flags)?;
    if root.is_empty() {
        return Ok(None);
    }
    task_override(&root, containers)
        .map(Some)
        .map_err(|e| format!("--overrides: {e}"))
}

fn merge_flags(root: &mut Map<String, Value>, flags: &Flags) -> Result<(), String> {
    if let Some(cpu) = &flags.cpu {
        root.insert("cpu".into(), json!(cpu));
    }
    if let Some(memory) = &flags.memory {
        root.insert("memory".into(), json!(memory));
    }
    if let Some(command) = &flags.command {
        let name = flags
            .container
            .as_deref()
            .ok_or("the command needs a container")?;
        container_entry(root, name)?
            .1
            .insert("command".into(), json!(command));
    }
    for (name, k, v) in &flags.env {
        let (path, entry) = container_entry(root, name)?;
        let env = entry.entry("environment").or_insert_with(|| json!([]));
        let kind = kind(env);
        let env = env.as_array_mut().ok_or_else(|| {
            format!(
                "--overrides: {}: expected an array, found {kind}",
                path.key("environment")
            )
        })?;
        env.retain(|e| e.get("name").and_then(Value::as_str) != Some(k));
        env.push(json!({"name": k, "value": v}));
    }
    Ok(())
}

/// The `containerOverrides` entry of container `name` and its path, added when there is none.
fn container_entry<'a>(
    root: &'a mut Map<String, Value>,
    name: &str,
) -> Result<(JsonPath<'static>, &'a mut Map<String, Value>), String> {
    let path = JsonPath::root().key("containerOverrides");
    let list = root
        .entry("containerOverrides")
        .or_insert_with(|| json!([]));
    let found = kind(list);
    let list = list
        .as_array_mut()
        .ok_or_else(|| format!("--overrides: {path}: expected an array, found {found}"))?;
    let pos = list
        .iter()
        .position(|c| c.get("name").and_then(Value::as_str) == Some(name));
    let i = if let Some(i) = pos {
        i
    } else {
        list.push(json!({"name": name}));
        list.len() - 1
    };
    let path = path.index(i);
    let found = kind(&list[i]);
    match list[i].as_object_mut() {
        Some(entry) => Ok((path, entry)),
        None => Err(format!(
            "--overrides: {path}: expected an object, found {found}"
        )),
    }
}

/// What a value is, in messages: its type, never the value itself (it may be a secret).
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A JSON object checked against the members a shape allows; `path` is where it is, as jq
/// writes it (`.containerOverrides[0]`).
struct Obj<'a> {
    path: JsonPath<'static>,
    map: &'a Map<String, Value>,
}

impl<'a> Obj<'a> {
    fn new(
        path: JsonPath<'static>,
        v: &'a Value,
        allowed: &[&str],
        hint: &str,
    ) -> Result<Self, String> {
        let map = v
            .as_object()
            .ok_or_else(|| format!("{path}: expected an object, found {}", kind(v)))?;
        for key in map.keys() {
            if !allowed.contains(&key.as_str()) {
                return Err(format!(
                    "{}: not something RunTask can override{hint}; allowed: {}",
                    path.clone().key(key.clone()),
                    allowed.join(", ")
                ));
            }
        }
        Ok(Obj { path, map })
    }

    /// The path of the member `key`.
    fn at(&self, key: &'static str) -> JsonPath<'static> {
        self.path.clone().key(key)
    }

    fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    fn string(&self, key: &'static str) -> Result<Option<String>, String> {
        self.get(key)
            .map(|v| match v {
                Value::String(s) => Ok(s.clone()),
                // ECS takes task-level cpu/memory as strings; accept a number too.
                Value::Number(n) if matches!(key, "cpu" | "memory") => Ok(n.to_string()),
                other => Err(format!(
                    "{}: expected a string, found {}",
                    self.at(key),
                    kind(other)
                )),
            })
            .transpose()
    }

    fn int(&self, key: &'static str) -> Result<Option<i32>, String> {
        self.get(key)
            .map(|v| {
                v.as_i64()
                    .and_then(|n| i32::try_from(n).ok())
                    .ok_or_else(|| {
                        let found = match v {
                            Value::Number(_) => "a number that is not a 32-bit integer",
                            other => kind(other),
                        };
                        format!("{}: expected an integer, found {found}", self.at(key))
                    })
            })
            .transpose()
    }

    /// The items of the array `key` with their paths (none when it is absent).
    fn list(&self, key: &'static str) -> Result<Vec<(JsonPath<'static>, &'a Value)>, String> {
        match self.get(key) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => Ok(items
                .iter()
                .enumerate()
                .map(|(i, v)| (self.at(key).index(i), v))
                .collect()),
            Some(other) => Err(format!(
                "{}: expected an array, found {}",
                self.at(key),
                kind(other)
            )),
        }
    }

    /// The string `key`, which must be there.
    fn required(&self, key: &'static str) -> Result<String, String> {
        self.string(key)?
            .ok_or_else(|| format!("{}: missing", self.at(key)))
    }
}

fn task_override(root: &Map<String, Value>, containers: &[String]) -> Result<TaskOverride, String> {
    let value = Value::Object(root.clone());
    let o = Obj::new(
        JsonPath::root(),
        &value,
        &[
            "containerOverrides",
            "cpu",
            "memory",
            "taskRoleArn",
            "executionRoleArn",
            "ephemeralStorage",
        ],
        "",
    )?;
    let mut out = TaskOverride::builder()
        .set_cpu(o.string("cpu")?)
        .set_memory(o.string("memory")?)
        .set_task_role_arn(o.string("taskRoleArn")?)
        .set_execution_role_arn(o.string("executionRoleArn")?);
    if let Some(v) = o.get("ephemeralStorage") {
        let e = Obj::new(o.at("ephemeralStorage"), v, &["sizeInGiB"], "")?;
        let size = e
            .int("sizeInGiB")?
            .ok_or_else(|| format!("{}: missing", e.at("sizeInGiB")))?;
        out = out.ephemeral_storage(EphemeralStorage::builder().size_in_gib(size).build());
    }
    for (path, v) in o.list("containerOverrides")? {
        out = out.container_overrides(container_override(path, v, containers)?);
    }
    Ok(out.build())
}

fn container_override(
    path: JsonPath<'static>,
    v: &Value,
    containers: &[String],
) -> Result<ContainerOverride, String> {
    let c = Obj::new(
        path,
        v,
        &[
            "name",
            "command",
            "environment",
            "environmentFiles",
            "cpu",
            "memory",
            "memoryReservation",
            "resourceRequirements",
        ],
        " (secrets, images and log settings come from the task definition)",
    )?;
    let name = c.required("name")?;
    if !containers.contains(&name) {
        return Err(format!(
            "{}: the task definition has no container {name:?}; its containers: {}",
            c.at("name"),
            containers.join(", ")
        ));
    }
    let mut out = ContainerOverride::builder()
        .name(&name)
        .set_cpu(c.int("cpu")?)
        .set_memory(c.int("memory")?)
        .set_memory_reservation(c.int("memoryReservation")?);
    if c.get("command").is_some() {
        let mut command = Vec::new();
        for (p, word) in c.list("command")? {
            command.push(
                word.as_str()
                    .ok_or_else(|| format!("{p}: expected a string, found {}", kind(word)))?
                    .to_owned(),
            );
        }
        out = out.set_command(Some(command));
    }
    for (p, e) in c.list("environment")? {
        let kv = Obj::new(p, e, &["name", "value"], "")?;
        out = out.environment(
            KeyValuePair::builder()
                .name(kv.required("name")?)
                .set_value(kv.string("value")?)
                .build(),
        );
    }
    for (p, f) in c.list("environmentFiles")? {
        let file = Obj::new(p, f, &["value", "type"], "")?;
        let value = file.required("value")?;
        let kind = file.string("type")?.unwrap_or_else(|| "s3".into());
        out = out.environment_files(
            EnvironmentFile::builder()
                .value(value)
                .r#type(EnvironmentFileType::from(kind.as_str()))
                .build()
                .map_err(|err| err.to_string())?,
        );
    }
    for (p, r) in c.list("resourceRequirements")? {
        let req = Obj::new(p, r, &["value", "type"], "")?;
        let value = req.required("value")?;
        let kind = req.required("type")?;
        out = out.resource_requirements(
            ResourceRequirement::builder()
                .value(value)
                .r#type(ResourceType::from(kind.as_str()))
                .build()
                .map_err(|err| err.to_string())?,
        );
    }
    Ok(out.build())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        vec!["app".into(), "sidecar".into()]
    }

    #[test]
    fn nothing_to_override() {
        assert!(build(None, &Flags::default(), &names()).unwrap().is_none());
    }

    #[test]
    fn flags_merge_into_the_base_by_container_name() {
        let base = json!({
            "taskRoleArn": "arn:role",
            "containerOverrides": [
                {"name": "sidecar", "cpu": 128},
                {"name": "app", "command": ["old"], "environment": [
                    {"name": "KEEP", "value": "1"}, {"name": "LEVEL", "value": "info"}]}
            ]
        });
        let flags = Flags {
            container: Some("app".into()),
            command: Some(vec!["./migrate".into(), "up".into()]),
            env: vec![
                ("app".into(), "LEVEL".into(), "debug".into()),
                ("app".into(), "NEW".into(), String::new()),
                ("sidecar".into(), "ONLY_HERE".into(), "1".into()),
            ],
            cpu: Some("1024".into()),
            memory: None,
        };
        let o = build(Some(base), &flags, &names()).unwrap().unwrap();
        assert_eq!(o.task_role_arn(), Some("arn:role"));
        assert_eq!(o.cpu(), Some("1024"));
        let app = &o.container_overrides()[1];
        assert_eq!(app.name(), Some("app"));
        assert_eq!(app.command(), ["./migrate", "up"]);
        let env: Vec<_> = app
            .environment()
            .iter()
            .map(|e| (e.name().unwrap(), e.value().unwrap()))
            .collect();
        assert_eq!(env, [("KEEP", "1"), ("LEVEL", "debug"), ("NEW", "")]);
        let sidecar = &o.container_overrides()[0];
        assert_eq!(sidecar.cpu(), Some(128));
        assert_eq!(sidecar.environment()[0].name(), Some("ONLY_HERE"));
    }

    #[test]
    fn a_new_container_entry_is_added() {
        let flags = Flags {
            container: Some("sidecar".into()),
            command: Some(vec!["true".into()]),
            ..Flags::default()
        };
        let o = build(None, &flags, &names()).unwrap().unwrap();
        assert_eq!(o.container_overrides().len(), 1);
        assert_eq!(o.container_overrides()[0].name(), Some("sidecar"));
    }

    #[test]
    fn errors_name_the_json_path() {
        let err = |v: Value| build(Some(v), &Flags::default(), &names()).unwrap_err();
        assert_eq!(
            err(json!([])),
            "--overrides: expected a JSON object (a TaskOverride), found an array"
        );
        let e = err(json!({"containerOverrides": [{"name": "app", "secrets": []}]}));
        assert!(
            e.starts_with("--overrides: .containerOverrides[0].secrets: not something RunTask can override (secrets"),
            "{e}"
        );
        let e = err(json!({"containerOverrides": [{"name": "app", "command": ["a", 2]}]}));
        assert_eq!(
            e,
            "--overrides: .containerOverrides[0].command[1]: expected a string, found a number"
        );
        let e = err(json!({"containerOverrides": [{"name": "web"}]}));
        assert!(
            e.contains("has no container \"web\"; its containers: app, sidecar"),
            "{e}"
        );
        let e =
            err(json!({"containerOverrides": [{"name": "app", "environment": [{"value": "x"}]}]}));
        assert_eq!(
            e,
            "--overrides: .containerOverrides[0].environment[0].name: missing"
        );
        let e = err(json!({"image": "x"}));
        assert!(
            e.contains(".image: not something RunTask can override"),
            "{e}"
        );
        let e = err(json!({"ephemeralStorage": {"sizeInGiB": "big"}}));
        assert!(
            e.contains(
                "--overrides: .ephemeralStorage.sizeInGiB: expected an integer, found a string"
            ),
            "{e}"
        );
    }

    #[test]
    fn errors_give_the_type_never_the_value() {
        let flags = Flags {
            env: vec![("app".into(), "K".into(), "v".into())],
            ..Flags::default()
        };
        let merge = |v: Value| build(Some(v), &flags, &names()).unwrap_err();
        assert_eq!(
            merge(json!({"containerOverrides": "S3cretV"})),
            "--overrides: .containerOverrides: expected an array, found a string"
        );
        assert_eq!(
            merge(
                json!({"containerOverrides": [{"name": "side"}, {"name": "app", "environment": "S3cretV"}]})
            ),
            "--overrides: .containerOverrides[1].environment: expected an array, found a string"
        );
        let err = |v: Value| build(Some(v), &Flags::default(), &names()).unwrap_err();
        for v in [json!("S3cretV"), json!(1.5), json!(4_000_000_000_u64)] {
            let e = err(json!({"containerOverrides": [{"name": "app", "cpu": v}]}));
            assert!(
                e.starts_with(
                    "--overrides: .containerOverrides[0].cpu: expected an integer, found "
                ),
                "{e}"
            );
            assert!(
                !e.contains("S3cretV") && !e.contains("1.5") && !e.contains("4000"),
                "{e}"
            );
        }
        assert_eq!(
            err(
                json!({"containerOverrides": [{"name": "app", "environment": [{"name": "K", "value": 7}]}]})
            ),
            "--overrides: .containerOverrides[0].environment[0].value: expected a string, found a number"
        );
    }

    #[test]
    fn the_other_members_are_carried() {
        let o = build(
            Some(json!({
                "memory": 4096,
                "executionRoleArn": "arn:exec",
                "ephemeralStorage": {"sizeInGiB": 30},
                "containerOverrides": [{
                    "name": "app", "memoryReservation": 256,
                    "environmentFiles": [{"value": "arn:aws:s3:::b/k.env", "type": "s3"}],
                    "resourceRequirements": [{"value": "1", "type": "GPU"}]
                }]
            })),
            &Flags::default(),
            &names(),
        )
        .unwrap()
        .unwrap();
        assert_eq!(o.memory(), Some("4096"));
        assert_eq!(o.execution_role_arn(), Some("arn:exec"));
        assert_eq!(
            o.ephemeral_storage().map(EphemeralStorage::size_in_gib),
            Some(30)
        );
        let c = &o.container_overrides()[0];
        assert_eq!(c.memory_reservation(), Some(256));
        assert_eq!(c.environment_files()[0].value(), "arn:aws:s3:::b/k.env");
        assert_eq!(c.resource_requirements()[0].r#type(), &ResourceType::Gpu);
    }
}
