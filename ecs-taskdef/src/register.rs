//! RegisterTaskDefinition input for the AWS SDK, built from register-ready JSON (what
//! `taskdef-clean` prints, or what `register-task-definition --cli-input-json` takes).
//!
//! The SDK has no serde input types, so [`register_task_definition_input`] walks the JSON
//! member by member (code generated from the botocore model, `register/mapping.rs`) and sets
//! every member on the SDK builders. Nothing is skipped: an unknown member, a value of the
//! wrong type, a missing required member or a `null` inside an array is an error naming the
//! JSON path; a member the SDK cannot send (see [`crate::model::SDK_LACKS`]) is an error
//! too, never silently dropped. `null` object members count as absent.
//!
//! ```ignore
//! let input = ecs_taskdef::register::register_task_definition_input(&json)?;
//! let out = input.send_with(&client).await.aws("RegisterTaskDefinition")?;
//! ```
//!
//! Two things the SDK itself adds, because its model makes these members plain values where
//! botocore's has them optional: a container without `cpu` is sent with `"cpu": 0` (what ECS
//! assumes anyway), and a resource requirement without `value` with `"value": ""` (which ECS
//! requires in practice).

mod mapping;

use std::collections::HashMap;
use std::fmt;

use aws_sdk_ecs::operation::register_task_definition::builders::RegisterTaskDefinitionInputBuilder;
use aws_smithy_types::error::operation::BuildError;
use cli_support::json_path::JsonPath;
use serde_json::{Map, Value};

use crate::{Shape, describe_value, model};

/// Why register-ready JSON could not become SDK input: where (a jq-style path such as
/// `.containerDefinitions[0].portMappings[1].containerPort`) and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapError {
    pub path: JsonPath<'static>,
    pub message: String,
}

impl fmt::Display for MapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for MapError {}

/// Build the SDK's RegisterTaskDefinition input from register-ready JSON. Send it with
/// `.send_with(&client)`.
pub fn register_task_definition_input(
    json: &Value,
) -> Result<RegisterTaskDefinitionInputBuilder, MapError> {
    mapping::register_task_definition_request(json, &Path::ROOT)
}

/// A JSON path, built on the stack while walking (no allocation per member) and turned into
/// a [`JsonPath`] only for an error.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Path<'a> {
    parent: Option<&'a Path<'a>>,
    seg: Seg<'a>,
}

#[derive(Debug, Clone, Copy)]
enum Seg<'a> {
    Root,
    Key(&'a str),
    Index(usize),
}

impl<'a> Path<'a> {
    const ROOT: Path<'static> = Path {
        parent: None,
        seg: Seg::Root,
    };

    fn key(&'a self, key: &'a str) -> Path<'a> {
        Path {
            parent: Some(self),
            seg: Seg::Key(key),
        }
    }

    fn index(&'a self, index: usize) -> Path<'a> {
        Path {
            parent: Some(self),
            seg: Seg::Index(index),
        }
    }
}

impl Path<'_> {
    /// The path from the root, as the workspace's one path type.
    fn json_path(&self) -> JsonPath<'static> {
        let mut segs = Vec::new();
        let mut cur = Some(self);
        while let Some(p) = cur {
            segs.push(p.seg);
            cur = p.parent;
        }
        let mut path = JsonPath::root();
        for seg in segs.iter().rev() {
            match *seg {
                Seg::Root => {}
                Seg::Key(k) => path.push_key(k.to_owned()),
                Seg::Index(i) => path.push_index(i),
            }
        }
        path
    }
}

fn error(path: &Path<'_>, message: impl Into<String>) -> MapError {
    MapError {
        path: path.json_path(),
        message: message.into(),
    }
}

fn wrong_type(path: &Path<'_>, shape: &Shape, value: &Value) -> MapError {
    error(
        path,
        format!(
            "expected {}, found {}",
            shape.expected(),
            describe_value(value)
        ),
    )
}

/// The object of a structure, after checking its required members.
fn object<'v>(
    value: &'v Value,
    path: &Path<'_>,
    shape: &Shape,
) -> Result<&'v Map<String, Value>, MapError> {
    let Value::Object(obj) = value else {
        return Err(wrong_type(path, shape, value));
    };
    for member in shape.members().iter().filter(|m| m.required) {
        if obj.get(member.name).is_none_or(Value::is_null) {
            return Err(error(
                path,
                format!("{} needs the member {:?}", shape.name, member.name),
            ));
        }
    }
    Ok(obj)
}

/// The one member set in a union.
fn union<'v>(
    value: &'v Value,
    path: &Path<'_>,
    shape: &Shape,
) -> Result<(&'v str, &'v Value), MapError> {
    let obj = object(value, path, shape)?;
    let mut set = obj.iter().filter(|(_, v)| !v.is_null());
    if let (Some((k, v)), None) = (set.next(), set.next()) {
        return Ok((k.as_str(), v));
    }
    let names: Vec<&str> = shape.members().iter().map(|m| m.name).collect();
    Err(error(
        path,
        format!(
            "{} takes exactly one of its members ({})",
            shape.name,
            names.join(", ")
        ),
    ))
}

fn unknown_member(path: &Path<'_>, shape: &Shape) -> MapError {
    let names: Vec<&str> = shape.members().iter().map(|m| m.name).collect();
    error(
        path,
        format!(
            "not a member of {} (it has: {}; model: {})",
            shape.name,
            names.join(", "),
            model::SOURCE
        ),
    )
}

fn sdk_lacks(path: &Path<'_>) -> MapError {
    error(
        path,
        "the AWS SDK for Rust this tool is built with cannot send this member (its model \
         predates it); register with the AWS CLI instead, or remove the member",
    )
}

fn string(value: &Value, path: &Path<'_>) -> Result<String, MapError> {
    match value {
        Value::String(s) => Ok(s.clone()),
        other => Err(error(
            path,
            format!("expected a string, found {}", describe_value(other)),
        )),
    }
}

fn integer(value: &Value, path: &Path<'_>) -> Result<i32, MapError> {
    value
        .as_i64()
        .and_then(|n| i32::try_from(n).ok())
        .ok_or_else(|| {
            let what = if value.is_number() {
                format!("{} (out of range, or not whole)", describe_value(value))
            } else {
                describe_value(value)
            };
            error(path, format!("expected a 32-bit integer, found {what}"))
        })
}

fn boolean(value: &Value, path: &Path<'_>) -> Result<bool, MapError> {
    value.as_bool().ok_or_else(|| {
        error(
            path,
            format!("expected true or false, found {}", describe_value(value)),
        )
    })
}

fn list<T>(
    value: &Value,
    path: &Path<'_>,
    item: impl Fn(&Value, &Path<'_>) -> Result<T, MapError>,
) -> Result<Vec<T>, MapError> {
    let Value::Array(items) = value else {
        return Err(error(
            path,
            format!("expected an array, found {}", describe_value(value)),
        ));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let path = path.index(i);
            if v.is_null() {
                return Err(error(&path, "null inside an array"));
            }
            item(v, &path)
        })
        .collect()
}

fn map<T>(
    value: &Value,
    path: &Path<'_>,
    item: impl Fn(&Value, &Path<'_>) -> Result<T, MapError>,
) -> Result<HashMap<String, T>, MapError> {
    let Value::Object(obj) = value else {
        return Err(error(
            path,
            format!("expected an object, found {}", describe_value(value)),
        ));
    };
    obj.iter()
        .map(|(k, v)| {
            let path = path.key(k);
            if v.is_null() {
                return Err(error(&path, "null value in a map (use a string)"));
            }
            Ok((k.clone(), item(v, &path)?))
        })
        .collect()
}

/// `builder.build()` returns the value itself for some SDK shapes and a `Result` for those
/// with required members; `.finish(path)` takes either. (The required members were checked
/// before, so a `BuildError` here would be a bug in the mapping; it is still reported.)
trait Finish<T> {
    fn finish(self, path: &Path<'_>) -> Result<T, MapError>;
}

impl<T> Finish<T> for Result<T, BuildError> {
    fn finish(self, path: &Path<'_>) -> Result<T, MapError> {
        self.map_err(|e| error(path, e.to_string()))
    }
}

macro_rules! infallible_finish {
    ($($t:ident),* $(,)?) => {
        $(impl Finish<aws_sdk_ecs::types::$t> for aws_sdk_ecs::types::$t {
            fn finish(self, _: &Path<'_>) -> Result<aws_sdk_ecs::types::$t, MapError> {
                Ok(self)
            }
        })*
    };
}

pub(super) use infallible_finish;

#[cfg(test)]
mod tests;
