//! `--diff OLD`: what differs between two register-ready task definitions, in the terms a
//! reviewer reads. Containers are matched by name; per container the image, the environment
//! (by name: its order does not count) and the secrets (by name), then any other member as a
//! JSON path relative to the container; the tags by key; any other member of the task
//! definition as a JSON path. Lists the API treats as sets are matched by what identifies
//! an item ([`set_key`]: `requiresCompatibilities`, `placementConstraints`, `volumes`,
//! `portMappings`, `mountPoints`); other arrays are compared item by item (`command`,
//! `entryPoint`: their order counts, as for the API).
//!
//! What the API fills in when it registers is no difference (a describe answer has it, the
//! register input that made it may not): an empty list or object and an absent member, a
//! container's `essential: true` and `cpu: 0`, a port mapping's `protocol: "tcp"`, its
//! `hostPort: 0`, and a `hostPort` equal to the `containerPort` in `awsvpc` or `host` mode.
//! Where such a member differs from its default on one side, the other side shows the
//! default (`.essential: true -> false`). The task-level cpu and memory are compared as
//! sizes: `"1 vCPU"` is `"1024"` (ECS registers the number; a describe answer never has
//! the unit).

mod defaults;
mod render;

use std::collections::{HashMap, HashSet};

use self::defaults::{Side, fill_defaults, normalize, same_size};

use cli_support::json_path::JsonPath;
use serde::Serialize;
use serde_json::{Map, Value};

pub use render::{markdown, text, to_json};

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
    /// The new values are not shown (`--diff-hide-values` with a `--filter` over
    /// environment values: see [`Diff::hide_new_values`]).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub new_values_hidden: bool,
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
/// no string) has no `name`: it is compared as a whole, added or removed; so is a tag whose
/// key an earlier tag has (ECS refuses that, `--check` says so), with its `name`.
#[derive(Debug, Serialize, PartialEq)]
pub struct Entry {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<Value>,
    /// There is a new value, not shown ([`Diff::hide_new_values`]).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub new_hidden: bool,
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
    /// There is a new value, not shown ([`Diff::hide_new_values`]).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub new_hidden: bool,
}

/// The difference from `old` to `new` (both register-ready). `hide_values`: environment
/// values are not in the result.
pub fn diff(mut old: Map<String, Value>, mut new: Map<String, Value>, hide_values: bool) -> Diff {
    normalize(&mut old);
    normalize(&mut new);
    same_size(&old, &mut new, "cpu", crate::task_size::cpu_units);
    same_size(&old, &mut new, "memory", crate::task_size::memory_mib);
    let mut members = Vec::new();
    let mut path = JsonPath::root();
    compare_members(
        &old,
        &new,
        &["containerDefinitions", "tags"],
        &mut path,
        &mut members,
    );
    let tags = entries(old.get("tags"), new.get("tags"), Keys::TAGS, false);
    let containers = containers(Side::of(&old), Side::of(&new), hide_values);
    Diff {
        equal: members.is_empty() && tags.is_empty() && containers.is_empty(),
        containers,
        tags,
        members,
        new_values_hidden: false,
    }
}

impl Diff {
    /// Show no new value: the paths, names and old values stay. For `--diff-hide-values`
    /// when a `--filter` ran over a task definition with environment values: the filter may
    /// have copied one, whole or transformed (a slice, lower case), into any member, where
    /// no comparison with the environment's values can recognise it. (As `--check` then
    /// quotes no value, only paths and types.) The old side ran no filter.
    pub fn hide_new_values(&mut self) {
        self.new_values_hidden = true;
        let hide_change = |c: &mut Change| c.new_hidden |= c.new.take().is_some();
        let hide_entry = |e: &mut Entry| e.new_hidden |= e.new.take().is_some();
        for c in &mut self.containers {
            c.image.iter_mut().for_each(hide_change);
            c.environment.iter_mut().for_each(hide_entry);
            c.secrets.iter_mut().for_each(hide_entry);
            c.members.iter_mut().for_each(hide_change);
        }
        self.tags.iter_mut().for_each(hide_entry);
        self.members.iter_mut().for_each(hide_change);
    }
}

impl Diff {
    /// Show every name (a container's, a variable's, a secret's, a tag key) and every path
    /// for which `conceals` holds as `(not shown)`: with [`Diff::hide_new_values`], the
    /// names that contain an environment value the filter may have copied.
    pub fn hide_names(&mut self, conceals: impl Fn(&str) -> bool) {
        let not_shown = || ecs_taskdef::problem::NOT_SHOWN.to_owned();
        let hide_entry = |e: &mut Entry| {
            if e.name.as_deref().is_some_and(&conceals) {
                e.name = Some(not_shown());
            }
        };
        let hide_change = |c: &mut Change| {
            if conceals(&c.path) {
                c.path = not_shown();
            }
        };
        for c in &mut self.containers {
            if conceals(&c.name) {
                c.name = not_shown();
            }
            c.image.iter_mut().for_each(hide_change);
            c.environment.iter_mut().for_each(hide_entry);
            c.secrets.iter_mut().for_each(hide_entry);
            c.members.iter_mut().for_each(hide_change);
        }
        self.tags.iter_mut().for_each(hide_entry);
        self.members.iter_mut().for_each(hide_change);
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
            new_hidden: false,
        }),
    };
    let environment = entries(
        o.get("environment"),
        n.get("environment"),
        Keys::ENVIRONMENT,
        hide_values,
    );
    let secrets = entries(o.get("secrets"), n.get("secrets"), Keys::SECRETS, false);
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

/// How the entries of a list are named and what their value is.
#[derive(Clone, Copy)]
struct Keys {
    key: &'static str,
    value: &'static str,
    /// A name given twice counts once, with its last value (environment variables and
    /// secrets, as the container sees them); else (tags, which ECS refuses twice) the
    /// entries after the first are compared whole.
    merge: bool,
}

impl Keys {
    const TAGS: Keys = Keys {
        key: "key",
        value: "value",
        merge: false,
    };
    const ENVIRONMENT: Keys = Keys {
        key: "name",
        value: "value",
        merge: true,
    };
    const SECRETS: Keys = Keys {
        key: "name",
        value: "valueFrom",
        merge: true,
    };
}

/// Named entries (`[{key, value}]`) compared by name, in the new list's order, then the
/// removed ones. A name given twice (see [`Keys::merge`]) counts once, with its last value,
/// or its later entries are compared whole. Entries without a name: compared as a whole,
/// the added then the removed.
fn entries(old: Option<&Value>, new: Option<&Value>, keys: Keys, hide_values: bool) -> Vec<Entry> {
    let Keys { key, value, .. } = keys;
    let (old, old_unnamed) = keyed(old, keys);
    let (new, new_unnamed) = keyed(new, keys);
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
                new_hidden: false,
            }),
            None => out.push(Entry {
                name: Some((*name).to_owned()),
                status: Status::Added,
                old: None,
                new: shown(Some(n)),
                new_hidden: false,
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
                new_hidden: false,
            });
        }
    }
    // Without a name (or a repeated one): as a multiset (an entry in both lists, wherever,
    // is no difference), by their JSON text; named by their name if they have one.
    let name_of = |v: &Value| v.get(key).and_then(Value::as_str).map(str::to_owned);
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
                name: name_of(n),
                status: Status::Added,
                old: None,
                new: whole(n),
                new_hidden: false,
            });
        }
    }
    for o in &old_unnamed {
        if let Some(count) = matched.get_mut(&o.to_string()).filter(|c| **c > 0) {
            *count -= 1;
            continue;
        }
        out.push(Entry {
            name: name_of(o),
            status: Status::Removed,
            old: whole(o),
            new: None,
            new_hidden: false,
        });
    }
    out
}

/// Entries by name, in their list's order.
type Named<'a> = Vec<(&'a str, &'a Map<String, Value>)>;

/// The entries of a list by their key (a name given twice: the last entry, or with
/// [`Keys::merge`] off the first), and the items without one (and the later entries of a
/// name given twice, without merging).
fn keyed<'a>(list: Option<&'a Value>, keys: Keys) -> (Named<'a>, Vec<&'a Value>) {
    let key = keys.key;
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
                    if keys.merge {
                        named[i].1 = o;
                    } else {
                        unnamed.push(item);
                    }
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
        (Some(Value::Array(a)), Some(Value::Array(b))) if set_key(path).is_some() => {
            compare_sets(a, b, set_key(path).expect("a set"), path, out);
        }
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
            new_hidden: false,
        }),
    }
}

/// What identifies an item of a list the API treats as a set, when `path` is one (a member
/// of the task definition or of a container): its order does not count, and an item
/// removed from the middle is one removal. Items are matched by the first key, then those
/// left by the second, if any (a port mapping by containerPort and protocol, then by
/// containerPort: a new protocol is a change of the mapping).
type SetKey = fn(&Value, usize) -> Option<String>;

fn set_key(path: &JsonPath<'_>) -> Option<SetKey> {
    let [segment] = path.segments() else {
        return None;
    };
    Some(match segment.key()? {
        "requiresCompatibilities" | "placementConstraints" => {
            |v, level| (level == 0).then(|| v.to_string())
        }
        "volumes" => |v, level| {
            (level == 0).then(|| {
                v.get("name")
                    .map_or_else(|| v.to_string(), Value::to_string)
            })
        },
        "portMappings" => defaults::port_key,
        "mountPoints" => |v, level| {
            let part = |k: &str| v.get(k).map(Value::to_string).unwrap_or_default();
            (level == 0).then(|| format!("{} {}", part("sourceVolume"), part("containerPath")))
        },
        _ => return None,
    })
}

/// Two sets: items matched by `key`; a matched pair compared at the new item's index, an
/// item of `b` alone added at its index, an item of `a` alone removed at its (old) index.
fn compare_sets(
    a: &[Value],
    b: &[Value],
    key: SetKey,
    path: &mut JsonPath<'_>,
    out: &mut Vec<Change>,
) {
    // pair[j]: the item of `a` that item j of `b` is matched with.
    let mut pair: Vec<Option<usize>> = vec![None; b.len()];
    let mut matched = vec![false; a.len()];
    for level in 0..2 {
        let mut old: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, item) in a.iter().enumerate().rev().filter(|(i, _)| !matched[*i]) {
            if let Some(k) = key(item, level) {
                old.entry(k).or_default().push(i);
            }
        }
        for (j, item) in b.iter().enumerate() {
            if pair[j].is_some() {
                continue;
            }
            let i = key(item, level).and_then(|k| old.get_mut(&k)?.pop());
            if let Some(i) = i {
                matched[i] = true;
                pair[j] = Some(i);
            }
        }
    }
    for (j, item) in b.iter().enumerate() {
        path.push_index(j);
        compare(pair[j].map(|i| &a[i]), Some(item), path, out);
        path.pop();
    }
    for (i, item) in a.iter().enumerate().filter(|(i, _)| !matched[*i]) {
        path.push_index(i);
        compare(Some(item), None, path, out);
        path.pop();
    }
}

#[cfg(test)]
mod tests;
