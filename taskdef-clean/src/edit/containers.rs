//! The container definitions, looked up by name, and the environment and secrets lists the
//! edits change (replacing an entry, never duplicating it; noting removed entries in the
//! origin so that later messages use the input's indexes).

use cli_support::json_path::JsonPath;
use ecs_taskdef::problem::{Origin, Problem};
use serde_json::{Map, Value, json};

use super::{ContainerKey, ContainerKeyValue};
use crate::problem::did_you_mean;

/// Which list of a container an edit changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum List {
    Environment,
    Secrets,
}

impl List {
    pub(super) fn member(self) -> &'static str {
        match self {
            List::Environment => "environment",
            List::Secrets => "secrets",
        }
    }

    pub(super) fn value_member(self) -> &'static str {
        match self {
            List::Environment => "value",
            List::Secrets => "valueFrom",
        }
    }

    pub(super) fn flag(self) -> &'static str {
        match self {
            List::Environment => "--env",
            List::Secrets => "--secret",
        }
    }

    pub(super) fn unset_flag(self) -> &'static str {
        match self {
            List::Environment => "--unset-env",
            List::Secrets => "--unset-secret",
        }
    }
}

/// The container definitions, looked up by name.
pub(super) struct Containers<'a> {
    pub(super) containers: &'a mut Vec<Value>,
    pub(super) origin: &'a mut Origin,
}

impl Containers<'_> {
    fn names(&self) -> Vec<&str> {
        self.containers
            .iter()
            .filter_map(|c| c.get("name").and_then(Value::as_str))
            .collect()
    }

    /// The one container named `name`, with its index.
    pub(super) fn find_indexed(
        &mut self,
        name: &str,
        flag: &str,
    ) -> Result<(usize, &mut Map<String, Value>), Problem> {
        let i = self.index(name, flag)?;
        match self.containers[i].as_object_mut() {
            Some(c) => Ok((i, c)),
            None => Err(Problem::error(
                None,
                format!("{flag}: container {name:?} is not an object"),
            )),
        }
    }

    /// The index of the one container named `name`.
    fn index(&self, name: &str, flag: &str) -> Result<usize, Problem> {
        let matching: Vec<usize> = self
            .containers
            .iter()
            .enumerate()
            .filter(|(_, c)| c.get("name").and_then(Value::as_str) == Some(name))
            .map(|(i, _)| i)
            .collect();
        match matching[..] {
            [i] => Ok(i),
            [] => {
                let names = self.names();
                let hint = did_you_mean(name, names.iter().copied())
                    .map(|n| format!("; did you mean {n:?}?"))
                    .unwrap_or_default();
                Err(Problem::error(
                    None,
                    format!(
                        "{flag}: no container named {name:?} (the task definition has: {}){hint}",
                        list_names(&names)
                    ),
                ))
            }
            _ => Err(Problem::error(
                None,
                format!(
                    "{flag}: {} containers are named {name:?}; names must be unique",
                    matching.len()
                ),
            )),
        }
    }

    pub(super) fn only(&mut self, flag: &str) -> Result<&mut Map<String, Value>, Problem> {
        if self.containers.len() != 1 {
            let names = self.names();
            return Err(Problem::error(
                None,
                format!(
                    "{flag}: an image without a container name needs exactly one container, \
                     and the task definition has {} ({}); use --image NAME=URI",
                    self.containers.len(),
                    list_names(&names)
                ),
            ));
        }
        self.containers[0]
            .as_object_mut()
            .ok_or_else(|| Problem::error(None, format!("{flag}: the container is not an object")))
    }

    pub(super) fn set(
        &mut self,
        edit: &ContainerKeyValue,
        list: List,
        problems: &mut Vec<Problem>,
    ) {
        // The value may be sensitive: messages show NAME:KEY only.
        let flag = format!("{} {}:{}", list.flag(), edit.container, edit.key);
        let (index, container) = match self.find_indexed(&edit.container, &flag) {
            Ok(found) => found,
            Err(p) => return problems.push(p),
        };
        let entries = container
            .entry(list.member())
            .or_insert_with(|| Value::Array(Vec::new()));
        let Value::Array(entries) = entries else {
            return problems.push(Problem::error(
                None,
                format!("{flag}: the container's {} is not an array", list.member()),
            ));
        };
        let entry = json!({"name": edit.key, list.value_member(): edit.value});
        let mut first = None;
        let removed = retain_noting(entries, |i, e| {
            let same = e.get("name").and_then(Value::as_str) == Some(edit.key.as_str());
            let keep = !same || first.is_none();
            if same && first.is_none() {
                first = Some(i);
            }
            keep
        });
        // Only entries after the first of that name went: its index is unchanged.
        match first {
            Some(i) => entries[i] = entry,
            None => entries.push(entry),
        }
        if let Some((kept, len_before)) = removed {
            self.note_removed(index, list, &kept, len_before);
        }
    }

    /// Note in the origin that the list of container `index` lost entries.
    fn note_removed(&mut self, index: usize, list: List, kept: &[usize], len_before: usize) {
        let steps = JsonPath::root()
            .key("containerDefinitions")
            .index(index)
            .key(list.member());
        self.origin.removed(&steps, kept, len_before);
    }

    pub(super) fn unset(&mut self, edit: &ContainerKey, list: List, problems: &mut Vec<Problem>) {
        let flag = format!("{} {edit}", list.unset_flag());
        let (index, container) = match self.find_indexed(&edit.container, &flag) {
            Ok(found) => found,
            Err(p) => return problems.push(p),
        };
        match container.get_mut(list.member()) {
            None => {}
            Some(Value::Array(entries)) => {
                let removed = retain_noting(entries, |_, e| {
                    e.get("name").and_then(Value::as_str) != Some(edit.key.as_str())
                });
                if let Some((kept, len_before)) = removed {
                    self.note_removed(index, list, &kept, len_before);
                }
            }
            Some(_) => problems.push(Problem::error(
                None,
                format!("{flag}: the container's {} is not an array", list.member()),
            )),
        }
    }
}

/// `Vec::retain` with the item's index; when items went, the indexes (before) of those
/// kept and the length before.
fn retain_noting(
    entries: &mut Vec<Value>,
    mut keep: impl FnMut(usize, &Value) -> bool,
) -> Option<(Vec<usize>, usize)> {
    let len_before = entries.len();
    let kept: Vec<usize> = (0..len_before).filter(|&i| keep(i, &entries[i])).collect();
    if kept.len() == len_before {
        return None;
    }
    let mut i = 0;
    entries.retain(|_| {
        let k = kept.binary_search(&i).is_ok();
        i += 1;
        k
    });
    Some((kept, len_before))
}

fn list_names(names: &[&str]) -> String {
    if names.is_empty() {
        "no named containers".to_owned()
    } else {
        names.join(", ")
    }
}
