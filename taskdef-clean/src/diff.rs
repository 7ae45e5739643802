//! `--diff OLD`: what differs between two register-ready task definitions, in the terms a
//! reviewer reads. Containers are matched by name; per container the image, the environment
//! (by name: its order does not count) and the secrets (by name), then any other member as a
//! JSON path relative to the container; the tags by key; any other member of the task
//! definition as a JSON path. Arrays other than those are compared item by item (`command`,
//! `entryPoint`: their order counts, as for the API).
//!
//! What the API fills in when it registers is no difference (a describe answer has it, the
//! register input that made it may not): an empty list or object and an absent member, a
//! container's `essential: true` and `cpu: 0`, a port mapping's `protocol: "tcp"`, its
//! `hostPort: 0`, and a `hostPort` equal to the `containerPort` in `awsvpc` or `host` mode.
//! Where such a member differs from its default on one side, the other side shows the
//! default (`.essential: true -> false`).

mod render;

use std::collections::{HashMap, HashSet};

use cli_support::json_path::JsonPath;
use serde::Serialize;
use serde_json::{Map, Value};

pub use render::{markdown, text};

/// The difference between two task definitions (`--diff --format json` writes it).
#[derive(Debug, Serialize, PartialEq)]
pub struct Diff {
    /// No difference at all.
    pub equal: bool,
    /// Containers added, removed or changed: the new definition's order, then the removed.
    pub containers: Vec<ContainerDiff>,
    /// Tags added, removed or changed, by key.
    pub tags: Vec<Entry>,
    /// Other members of the task definition that differ.
    pub members: Vec<Change>,
}

/// What happened to a container, a variable, a secret or a tag.
#[derive(Debug, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Added,
    Removed,
    Changed,
}

/// One container that differs.
#[derive(Debug, Serialize, PartialEq)]
pub struct ContainerDiff {
    pub name: String,
    pub status: Status,
    /// The image, when it changed (an added container's image as `new`, a removed one's as
    /// `old`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<Change>,
    /// Environment variables added, removed or changed, by name.
    pub environment: Vec<Entry>,
    /// Secrets added, removed or changed, by name; the values are their `valueFrom`.
    pub secrets: Vec<Entry>,
    /// Other members of the container that differ (paths from the container); all of an
    /// added or a removed container.
    pub members: Vec<Change>,
}

/// A named entry (an environment variable, a secret, a tag) that differs. `old` and `new`
/// are absent where there is none, and for environment values with `--diff-hide-values`.
/// They are the entry's value, or the whole entry but its name where it has other members
/// too (members the model does not know). An entry without a name (or with a name that is
/// no string) has no `name`: it is compared as a whole, added or removed.
#[derive(Debug, Serialize, PartialEq)]
pub struct Entry {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<Value>,
}

/// A member that differs, at `path` (as jq writes it); `old` or `new` absent where the
/// member is.
#[derive(Debug, Serialize, PartialEq)]
pub struct Change {
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<Value>,
}

/// The difference from `old` to `new` (both register-ready). `hide_values`: environment
/// values are not in the result.
pub fn diff(mut old: Map<String, Value>, mut new: Map<String, Value>, hide_values: bool) -> Diff {
    normalize(&mut old);
    normalize(&mut new);
    let mut members = Vec::new();
    let mut path = JsonPath::root();
    compare_members(
        &old,
        &new,
        &["containerDefinitions", "tags"],
        &mut path,
        &mut members,
    );
    let tags = entries(old.get("tags"), new.get("tags"), "key", "value", false);
    let containers = containers(Side::of(&old), Side::of(&new), hide_values);
    Diff {
        equal: members.is_empty() && tags.is_empty() && containers.is_empty(),
        containers,
        tags,
        members,
    }
}

/// The containers of a definition, by name.
fn by_name(list: Option<&Value>) -> Vec<(&str, &Map<String, Value>)> {
    list.and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|c| {
            let c = c.as_object()?;
            Some((c.get("name").and_then(Value::as_str).unwrap_or(""), c))
        })
        .collect()
}

/// One of the two task definitions, as the containers are compared.
#[derive(Clone, Copy)]
struct Side<'a> {
    containers: Option<&'a Value>,
    /// `networkMode` is `awsvpc` or `host`: a port mapping's `hostPort` defaults to its
    /// `containerPort`.
    host_is_container: bool,
}

impl<'a> Side<'a> {
    fn of(td: &'a Map<String, Value>) -> Self {
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

fn containers(old_td: Side<'_>, new_td: Side<'_>, hide_values: bool) -> Vec<ContainerDiff> {
    let old = by_name(old_td.containers);
    let new = by_name(new_td.containers);
    let old_index: HashMap<&str, &Map<String, Value>> = old.iter().copied().collect();
    let new_index: HashSet<&str> = new.iter().map(|(k, _)| *k).collect();
    let empty = Map::new();
    let mut out = Vec::new();
    for (name, n) in &new {
        let o = old_index.get(name).copied();
        let status = if o.is_some() {
            Status::Changed
        } else {
            Status::Added
        };
        let c = match o {
            // What the API fills in, written on one side only: its default on the other,
            // so that the change reads `true -> false`, not `(absent) -> false`.
            Some(o) => {
                let (mut o, mut n) = (o.clone(), (*n).clone());
                fill_defaults(&mut o, &mut n, old_td, new_td);
                container(name, status, &o, &n, hide_values)
            }
            None => container(name, status, &empty, n, hide_values),
        };
        if status == Status::Added || !c.is_unchanged() {
            out.push(c);
        }
    }
    for (name, o) in old.iter().filter(|(k, _)| !new_index.contains(k)) {
        out.push(container(name, Status::Removed, o, &empty, hide_values));
    }
    out
}

/// One container from `old` to `new` (an added one from nothing, a removed one to nothing:
/// every member of it is shown).
fn container(
    name: &str,
    status: Status,
    o: &Map<String, Value>,
    n: &Map<String, Value>,
    hide_values: bool,
) -> ContainerDiff {
    let image = match (o.get("image"), n.get("image")) {
        (a, b) if a == b => None,
        (a, b) => Some(Change {
            path: ".image".to_owned(),
            old: a.cloned(),
            new: b.cloned(),
        }),
    };
    let environment = entries(
        o.get("environment"),
        n.get("environment"),
        "name",
        "value",
        hide_values,
    );
    let secrets = entries(
        o.get("secrets"),
        n.get("secrets"),
        "name",
        "valueFrom",
        false,
    );
    let mut members = Vec::new();
    compare_members(
        o,
        n,
        &["name", "image", "environment", "secrets"],
        &mut JsonPath::root(),
        &mut members,
    );
    ContainerDiff {
        name: name.to_owned(),
        status,
        image,
        environment,
        secrets,
        members,
    }
}

impl ContainerDiff {
    /// Nothing differs in it.
    fn is_unchanged(&self) -> bool {
        self.image.is_none()
            && self.environment.is_empty()
            && self.secrets.is_empty()
            && self.members.is_empty()
    }
}

/// Named entries (`[{key, value}]`) compared by name, in the new list's order, then the
/// removed ones. A name given twice counts once, with its last value (as the container
/// sees it). Entries without a name: compared as a whole, the added then the removed.
fn entries(
    old: Option<&Value>,
    new: Option<&Value>,
    key: &str,
    value: &str,
    hide_values: bool,
) -> Vec<Entry> {
    let (old, old_unnamed) = keyed(old, key);
    let (new, new_unnamed) = keyed(new, key);
    // What is shown of an entry: its value, or all of it but the name when it has more.
    let shown = |item: Option<&Map<String, Value>>| -> Option<Value> {
        let item = item.filter(|_| !hide_values)?;
        if item.keys().all(|k| k == key || k == value) {
            item.get(value).cloned()
        } else {
            let mut rest = item.clone();
            rest.shift_remove(key);
            Some(Value::Object(rest))
        }
    };
    let old_index: HashMap<&str, &Map<String, Value>> = old.iter().copied().collect();
    let new_index: HashSet<&str> = new.iter().map(|(k, _)| *k).collect();
    let mut out = Vec::new();
    for (name, n) in &new {
        match old_index.get(name) {
            Some(o) if o == n => {}
            Some(o) => out.push(Entry {
                name: Some((*name).to_owned()),
                status: Status::Changed,
                old: shown(Some(o)),
                new: shown(Some(n)),
            }),
            None => out.push(Entry {
                name: Some((*name).to_owned()),
                status: Status::Added,
                old: None,
                new: shown(Some(n)),
            }),
        }
    }
    for (name, o) in &old {
        if !new_index.contains(name) {
            out.push(Entry {
                name: Some((*name).to_owned()),
                status: Status::Removed,
                old: shown(Some(o)),
                new: None,
            });
        }
    }
    // Without a name: as a multiset (an entry in both lists, wherever, is no difference),
    // by their JSON text.
    let mut unmatched: HashMap<String, usize> = HashMap::new();
    for o in &old_unnamed {
        *unmatched.entry(o.to_string()).or_default() += 1;
    }
    let mut matched: HashMap<String, usize> = HashMap::new();
    let whole = |v: &Value| if hide_values { None } else { Some(v.clone()) };
    for n in &new_unnamed {
        let text = n.to_string();
        if let Some(count) = unmatched.get_mut(&text).filter(|c| **c > 0) {
            *count -= 1;
            *matched.entry(text).or_default() += 1;
        } else {
            out.push(Entry {
                name: None,
                status: Status::Added,
                old: None,
                new: whole(n),
            });
        }
    }
    for o in &old_unnamed {
        if let Some(count) = matched.get_mut(&o.to_string()).filter(|c| **c > 0) {
            *count -= 1;
            continue;
        }
        out.push(Entry {
            name: None,
            status: Status::Removed,
            old: whole(o),
            new: None,
        });
    }
    out
}

/// Entries by name, in their list's order.
type Named<'a> = Vec<(&'a str, &'a Map<String, Value>)>;

/// The entries of a list by their `key` (a name given twice: the last entry), and the
/// items without one.
fn keyed<'a>(list: Option<&'a Value>, key: &str) -> (Named<'a>, Vec<&'a Value>) {
    let mut named: Named<'a> = Vec::new();
    let mut at: HashMap<&str, usize> = HashMap::new();
    let mut unnamed = Vec::new();
    for item in list.and_then(Value::as_array).into_iter().flatten() {
        match item
            .as_object()
            .and_then(|o| Some((o.get(key)?.as_str()?, o)))
        {
            Some((name, o)) => {
                if let Some(&i) = at.get(name) {
                    named[i].1 = o;
                } else {
                    at.insert(name, named.len());
                    named.push((name, o));
                }
            }
            None => unnamed.push(item),
        }
    }
    (named, unnamed)
}

/// The members of two objects, but `skip`, compared at `path`.
fn compare_members(
    old: &Map<String, Value>,
    new: &Map<String, Value>,
    skip: &[&str],
    path: &mut JsonPath<'_>,
    out: &mut Vec<Change>,
) {
    for (key, n) in new {
        if skip.contains(&key.as_str()) {
            continue;
        }
        path.push_key(key.clone());
        compare(old.get(key), Some(n), path, out);
        path.pop();
    }
    for (key, o) in old {
        if skip.contains(&key.as_str()) || new.contains_key(key) {
            continue;
        }
        path.push_key(key.clone());
        compare(Some(o), None, path, out);
        path.pop();
    }
}

/// Two values at `path`: objects member by member, arrays item by item, else whole.
fn compare(
    old: Option<&Value>,
    new: Option<&Value>,
    path: &mut JsonPath<'_>,
    out: &mut Vec<Change>,
) {
    match (old, new) {
        (Some(a), Some(b)) if a == b => {}
        (Some(Value::Object(a)), Some(Value::Object(b))) => compare_members(a, b, &[], path, out),
        (Some(Value::Array(a)), Some(Value::Array(b))) => {
            for i in 0..a.len().max(b.len()) {
                path.push_index(i);
                compare(a.get(i), b.get(i), path, out);
                path.pop();
            }
        }
        _ => out.push(Change {
            path: path.to_string(),
            old: old.cloned(),
            new: new.cloned(),
        }),
    }
}

/// Where one container has a member the API fills in and the other has not (`normalize`
/// removed the default), the default in the other.
fn fill_defaults(
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
    let (Some(Value::Array(op)), Some(Value::Array(np))) =
        (o.get_mut("portMappings"), n.get_mut("portMappings"))
    else {
        return;
    };
    for (a, b) in op.iter_mut().zip(np.iter_mut()) {
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

/// Remove what the API fills in (see the module's documentation).
fn normalize(td: &mut Map<String, Value>) {
    let host_is_container = host_is_container(td);
    if let Some(Value::Array(containers)) = td.get_mut("containerDefinitions") {
        for c in containers.iter_mut().filter_map(Value::as_object_mut) {
            drop_if(c, "essential", &Value::Bool(true));
            drop_if(c, "cpu", &Value::from(0));
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

#[cfg(test)]
mod tests;
