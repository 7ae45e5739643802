//! What ECS refuses although the model has no bound or pattern for it. Each rule is what the
//! model's own documentation of the member says (botocore's `documentation` text, the same
//! as the ECS API reference), or what ECS answers (`ClientException` messages quoted below):
//!
//! - a family and a container name: 1 to 255 letters, digits, `-` and `_` ("Up to 255
//!   letters (uppercase and lowercase), numbers, underscores, and hyphens are allowed",
//!   `RegisterTaskDefinitionRequest.family`, `ContainerDefinition.name`); container names
//!   unique; a container, with an image;
//! - tag keys: each once ("each tag key must be unique, and each tag key can have only one
//!   value"), none starting with `aws:` in any case ("Do not use aws:, AWS:, or any upper or
//!   lowercase combination of such as a prefix ... it is reserved for Amazon Web Services
//!   use"; `RegisterTaskDefinitionRequest.tags`);
//! - a container's `memory` and `memoryReservation`: a positive number of MiB ("you must
//!   specify a non-zero integer"), the reservation at most the memory ("If you specify both,
//!   memory must be greater than memoryReservation"; ECS registers them equal too, so equal
//!   passes; `ContainerDefinition.memoryReservation`);
//! - `ephemeralStorage.sizeInGiB`: 21 to 200 ("The minimum supported value is 21 GiB and the
//!   maximum supported value is 200 GiB", `EphemeralStorage.sizeInGiB`);
//! - on Fargate, a container's `stopTimeout` and `startTimeout`: 2 to 120 seconds ("The valid
//!   values for Fargate are 2-120 seconds", `ContainerDefinition.stopTimeout`,
//!   `startTimeout`);
//! - in `awsvpc` and `host` network mode, a port mapping's `hostPort`: absent (0 too) or its
//!   `containerPort` ("the hostPort can either be left blank or set to the same value as the
//!   containerPort", `PortMapping.hostPort`; ECS: "When networkMode=awsvpc, the host ports and
//!   container ports in port mappings must match");
//! - a name both in a container's environment and in its secrets.

use std::collections::{HashMap, HashSet};

use cli_support::json_path::JsonPath;
use ecs_taskdef::text::{capped, shown};
use ecs_taskdef::{NAME_MAX, is_name_char};
use serde_json::{Map, Value};

use super::{Checker, NOT_SHOWN};
use crate::problem::shell_quote;

/// What ECS takes in a family and a container name, for messages.
const NAME_RULE: &str = "ECS takes 1 to 255 letters, digits, '-' and '_'";

impl<'a> Checker<'a> {
    /// The family and the containers: a name ECS takes, a container at least, each with a
    /// name (unique) and an image. (A missing family and an empty image are found elsewhere.)
    pub(super) fn required_by_ecs(&mut self) {
        if let Some(Value::String(family)) = self.taskdef.get("family") {
            self.name(
                JsonPath::root().key("family"),
                "family",
                family,
                "write one or set it with --family NAME",
            );
        }
        let Some(Value::Array(containers)) = self.taskdef.get("containerDefinitions") else {
            return;
        };
        if containers.is_empty() {
            self.error_at(
                JsonPath::root().key("containerDefinitions"),
                "no container; ECS needs at least one: add a container definition",
            );
            return;
        }
        let mut first: HashMap<&str, usize> = HashMap::new();
        for (i, container) in containers.iter().enumerate() {
            let Some(container) = container.as_object() else {
                continue;
            };
            let at = || JsonPath::root().key("containerDefinitions").index(i);
            match container.get("name") {
                None => self.error_at(
                    at(),
                    "the container has no name; ECS needs a name, unique in the task \
                     definition: write one",
                ),
                Some(Value::String(name)) => {
                    self.name(at().key("name"), "container name", name, "write one");
                    match first.get(name.as_str()) {
                        _ if name.is_empty() => {}
                        Some(&j) => {
                            let earlier = JsonPath::root().key("containerDefinitions").index(j);
                            let earlier = self.origin.path(&earlier);
                            self.error_at(
                                at().key("name"),
                                format!(
                                    "the container name is the name of {earlier} too; ECS needs \
                                     names unique in the task definition: rename one"
                                ),
                            );
                        }
                        None => {
                            first.insert(name, i);
                        }
                    }
                }
                Some(_) => {}
            }
            if !container.contains_key("image") {
                self.error_at(
                    at(),
                    "the container has no image; ECS needs one: write one or set it with \
                     --image NAME=IMAGE",
                );
            }
        }
    }

    /// A family or a container name (`what`) that ECS takes; `empty` says what to do about
    /// an empty one.
    fn name(&mut self, steps: JsonPath<'a>, what: &str, name: &str, empty: &str) {
        let message = if name.is_empty() {
            match what {
                "family" => format!("the family is empty; ECS needs one ({NAME_RULE}): {empty}"),
                _ => format!(
                    "the {what} is empty; ECS needs a name, unique in the task definition: \
                     {empty}"
                ),
            }
        } else if let Some((k, c)) = name.chars().enumerate().find(|(_, c)| !is_name_char(*c)) {
            let remedy = match what {
                "family" => "rename it, or set it with --family NAME",
                _ => "rename it (and where other containers name it)",
            };
            let k = k + 1;
            if self.hide_values {
                format!(
                    "the {what} has a character ECS does not take (character {k}); {NAME_RULE}: \
                     {remedy}; {NOT_SHOWN}"
                )
            } else {
                format!(
                    "the {what} {} has {} (character {k}); {NAME_RULE}: {remedy}",
                    shown(name),
                    shown(c.encode_utf8(&mut [0; 4]))
                )
            }
        } else if name.len() > NAME_MAX {
            format!(
                "the {what} is {} characters long; {NAME_RULE}: shorten it",
                name.len()
            )
        } else {
            return;
        };
        self.error_at(steps, message);
    }

    /// The rules of the module's documentation that are not about names.
    pub(super) fn beyond_the_model(&mut self) {
        self.tags();
        self.ephemeral_storage();
        let Some(Value::Array(containers)) = self.taskdef.get("containerDefinitions") else {
            return;
        };
        let fargate = self
            .taskdef
            .get("requiresCompatibilities")
            .and_then(Value::as_array)
            .is_some_and(|c| c.iter().any(|c| c == "FARGATE"));
        let mode = self
            .taskdef
            .get("networkMode")
            .and_then(Value::as_str)
            .filter(|m| matches!(*m, "awsvpc" | "host"));
        for (i, container) in containers.iter().enumerate() {
            let Some(container) = container.as_object() else {
                continue;
            };
            let at = || JsonPath::root().key("containerDefinitions").index(i);
            self.memory(at, container);
            if fargate {
                self.timeouts(at, container);
            }
            if let Some(mode) = mode {
                self.host_ports(at, container, mode);
            }
            self.env_and_secrets(at, container);
        }
    }

    /// `n` and its unit (`20 GiB`), or "the value" where values are hidden.
    pub(super) fn amount(&self, n: i64, unit: &str) -> String {
        if self.hide_values {
            "the value".to_owned()
        } else {
            format!("{n} {unit}")
        }
    }

    /// Tag keys: each once, none with the reserved `aws:` prefix.
    fn tags(&mut self) {
        let Some(Value::Array(tags)) = self.taskdef.get("tags") else {
            return;
        };
        let mut first: HashMap<&str, usize> = HashMap::new();
        for (i, tag) in tags.iter().enumerate() {
            let Some(key) = tag.get("key").and_then(Value::as_str) else {
                continue;
            };
            let at = || JsonPath::root().key("tags").index(i).key("key");
            let shown = if self.hide_values {
                "the tag key".to_owned()
            } else {
                format!("the tag key {}", shown(key))
            };
            if key.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("aws:")) {
                self.error_at(
                    at(),
                    format!(
                        "{shown} starts with \"aws:\", which AWS reserves for its own tags (as \
                         CloudFormation's aws:cloudformation:* ones); ECS refuses it: remove \
                         the tag (--filter '.tags |= map(select(.key | ascii_downcase | \
                         startswith(\"aws:\") | not))' removes them all)"
                    ),
                );
            }
            match first.get(key) {
                Some(&j) => {
                    let earlier = JsonPath::root().key("tags").index(j).key("key");
                    let earlier = self.origin.path(&earlier);
                    self.error_at(
                        at(),
                        format!(
                            "{shown} is the key of {earlier} too; ECS takes each key once, \
                             with one value: remove one of them"
                        ),
                    );
                }
                None => {
                    first.insert(key, i);
                }
            }
        }
    }

    /// `ephemeralStorage.sizeInGiB`: 21 to 200.
    fn ephemeral_storage(&mut self) {
        let size = self
            .taskdef
            .get("ephemeralStorage")
            .and_then(|e| e.get("sizeInGiB"))
            .and_then(Value::as_i64);
        if let Some(n) = size.filter(|n| !(21..=200).contains(n)) {
            let message = format!(
                "{} of ephemeral storage is outside what ECS takes (21 to 200 GiB): write a \
                 value from 21 to 200, or leave ephemeralStorage out for the default (20 GiB)",
                self.amount(n, "GiB")
            );
            self.error_at(
                JsonPath::root().key("ephemeralStorage").key("sizeInGiB"),
                message,
            );
        }
    }

    /// A container's memory and memoryReservation: positive, the reservation at most the
    /// memory.
    fn memory(&mut self, at: impl Fn() -> JsonPath<'a>, container: &Map<String, Value>) {
        let get = |key: &str| container.get(key).and_then(Value::as_i64);
        let (memory, reservation) = (get("memory"), get("memoryReservation"));
        for (key, n, what) in [
            ("memory", memory, "hard limit"),
            ("memoryReservation", reservation, "soft limit"),
        ] {
            if let Some(n) = n.filter(|n| *n < 1) {
                let message = format!(
                    "{} is no memory; ECS takes a positive number of MiB as a container's \
                     {key} (its {what}; Docker needs 6 at least): write one, or leave {key} \
                     out",
                    self.amount(n, "MiB")
                );
                self.error_at(at().key(key), message);
            }
        }
        if let (Some(m), Some(r)) = (memory, reservation)
            && m >= 1
            && r > m
        {
            let message = format!(
                "the memoryReservation ({}) is more than the memory ({}), the \
                 container's hard limit; ECS refuses it: make the reservation at most the memory",
                self.amount(r, "MiB"),
                self.amount(m, "MiB")
            );
            self.error_at(at().key("memoryReservation"), message);
        }
    }

    /// On Fargate, a container's stopTimeout and startTimeout: 2 to 120 seconds.
    fn timeouts(&mut self, at: impl Fn() -> JsonPath<'a>, container: &Map<String, Value>) {
        for key in ["stopTimeout", "startTimeout"] {
            if let Some(n) = container
                .get(key)
                .and_then(Value::as_i64)
                .filter(|n| !(2..=120).contains(n))
            {
                let message = format!(
                    "{} is outside what Fargate takes as a {key} (2 to 120; \
                     requiresCompatibilities has FARGATE): write a value from 2 to 120",
                    self.amount(n, "seconds")
                );
                self.error_at(at().key(key), message);
            }
        }
    }

    /// In awsvpc and host mode, a port mapping's hostPort is absent (or 0) or its
    /// containerPort.
    fn host_ports(
        &mut self,
        at: impl Fn() -> JsonPath<'a>,
        container: &Map<String, Value>,
        mode: &str,
    ) {
        let ports = container.get("portMappings").and_then(Value::as_array);
        for (j, port) in ports.into_iter().flatten().enumerate() {
            let Some(host) = port.get("hostPort").and_then(Value::as_i64) else {
                continue;
            };
            let container_port = port.get("containerPort").and_then(Value::as_i64);
            if host == 0 || container_port == Some(host) {
                continue;
            }
            let (what, todo) = match container_port {
                Some(_) if self.hide_values => (
                    "the hostPort is not its containerPort".to_owned(),
                    "leave hostPort out or make it the containerPort".to_owned(),
                ),
                Some(c) => (
                    format!("the hostPort ({host}) is not its containerPort ({c})"),
                    format!("leave hostPort out or make it {c}"),
                ),
                None => (
                    "the port mapping has a hostPort and no containerPort".to_owned(),
                    "leave hostPort out".to_owned(),
                ),
            };
            let message = format!(
                "{what}; in {mode} network mode ECS takes the containerPort as the host port \
                 (\"the host ports and container ports in port mappings must match\"): {todo}"
            );
            self.error_at(at().key("portMappings").index(j).key("hostPort"), message);
        }
    }

    /// A name both in a container's environment and in its secrets: ECS rejects the
    /// definition, so it is an error (where --env or --secret set it too). Linear: the
    /// environment's names in a set.
    fn env_and_secrets(&mut self, at: impl Fn() -> JsonPath<'a>, container: &Map<String, Value>) {
        let names = |member: &str| {
            let items = container.get(member).and_then(Value::as_array);
            items
                .into_iter()
                .flatten()
                .enumerate()
                .filter_map(|(j, e)| Some((j, e.get("name")?.as_str()?)))
        };
        let env: HashSet<&str> = names("environment").map(|(_, n)| n).collect();
        if env.is_empty() {
            return;
        }
        let both = "and ECS rejects a name in both environment and secrets";
        for (j, name) in names("secrets").filter(|(_, n)| env.contains(n)) {
            let message = match container.get("name").and_then(Value::as_str) {
                _ if self.hide_values => format!(
                    "this secret's name is an environment variable's too, {both}; remove \
                     one; {NOT_SHOWN}"
                ),
                Some(c) if capped(c).is_none() && capped(name).is_none() => {
                    let pair = shell_quote(&format!("{c}:{name}"));
                    format!(
                        "{} is an environment variable too, {both}; remove one \
                         (--unset-env {pair} or --unset-secret {pair})",
                        shown(name)
                    )
                }
                _ => format!(
                    "{} is an environment variable too, {both}; remove one",
                    shown(name)
                ),
            };
            self.error_at(at().key("secrets").index(j), message);
        }
    }
}
