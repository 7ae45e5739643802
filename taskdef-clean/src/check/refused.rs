//! More of what ECS refuses with a `ClientException` although the model has no bound for it,
//! each from the model's documentation of the member (the ECS API reference) or the answer
//! ECS gives, quoted below; and warnings for what the documentation says but an answer has not
//! confirmed.
//!
//! Errors:
//! - Fargate (`requiresCompatibilities` has `FARGATE`) in a network mode other than `awsvpc`
//!   ("If using the Fargate launch type, the awsvpc network mode is required", `networkMode`;
//!   ECS: "Fargate only supports network mode 'awsvpc'."); with `ipcMode` or `pidMode`
//!   `host` (`ipcMode`: "This parameter is not supported for Windows containers or tasks run
//!   on Fargate"; `pidMode`: "If task is specified, all containers within the specified task
//!   share the same process namespace", the one value Fargate takes);
//! - Fargate without `executionRoleArn` and with an `awslogs` log driver, an image in a
//!   private ECR registry, `secrets` or `repositoryCredentials` (ECS: "Fargate requires task
//!   definition to have execution role ARN to support log driver awslogs.", "... to support
//!   ECR images."; `executionRoleArn`: "The Amazon Resource Name (ARN) of the task execution
//!   role that grants the Amazon ECS container agent permission to make Amazon Web Services
//!   API calls on your behalf");
//! - a container's `hostname` or `links` in `awsvpc` mode (`hostname`: "The hostname
//!   parameter is not supported if you're using the awsvpc network mode."; `links`: "This
//!   parameter is only supported if the network mode of a task definition is bridge"; ECS:
//!   "Links are not supported when networkMode=awsvpc.");
//! - no task-level memory and a container with neither `memory` nor `memoryReservation` (ECS:
//!   "Invalid setting for container 'app'. At least one of 'memory' or 'memoryReservation'
//!   must be specified.");
//! - no essential container (`essential` is true when absent; ECS: "Task definition must have
//!   at least one essential container");
//! - a health check's `interval` 5 to 300 seconds, `timeout` 2 to 60, `retries` 1 to 10,
//!   `startPeriod` 0 to 300 (`HealthCheck`: "You may specify between 5 and 300 seconds",
//!   "between 2 and 60 seconds", "between 1 and 10 retries", "between 0 and 300 seconds");
//! - a tag without a key (`Tag.key`: "One part of a key-value pair that make up a tag"; the
//!   CLI: "Invalid length for parameter tags[0].key, value: 0, valid min length: 1" for an
//!   empty one).
//!
//! Warnings: a container's `memory` above the task's (`memory`: "the task-level memory value
//! ... must be greater than or equal to the container-level memory"); a `mountPoints`
//! `sourceVolume` naming no volume, a `dependsOn` `containerName` or `volumesFrom`
//! `sourceContainer` naming no container.

use std::collections::HashSet;

use cli_support::json_path::JsonPath;
use ecs_taskdef::problem::Problem;
use ecs_taskdef::text::shown;
use serde_json::{Map, Value};

use super::Checker;
use crate::task_size;

/// A health check's members and the seconds (or retries) ECS takes.
const HEALTH_CHECK: [(&str, i64, i64, &str); 4] = [
    ("interval", 5, 300, "seconds"),
    ("timeout", 2, 60, "seconds"),
    ("retries", 1, 10, "retries"),
    ("startPeriod", 0, 300, "seconds"),
];

impl<'a> Checker<'a> {
    /// Every rule of the module's documentation.
    pub(super) fn refused_by_ecs(&mut self) {
        self.tag_keys();
        let Some(Value::Array(containers)) = self.taskdef.get("containerDefinitions") else {
            return;
        };
        let containers: Vec<(usize, &'a Map<String, Value>)> = containers
            .iter()
            .enumerate()
            .filter_map(|(i, c)| Some((i, c.as_object()?)))
            .collect();
        let text = |key: &str| self.taskdef.get(key).and_then(Value::as_str);
        let fargate = self
            .taskdef
            .get("requiresCompatibilities")
            .and_then(Value::as_array)
            .is_some_and(|c| c.iter().any(|c| c == "FARGATE"));
        let mode = text("networkMode");
        if fargate {
            self.fargate(mode, &containers);
        }
        if !containers.is_empty()
            && containers
                .iter()
                .all(|(_, c)| c.get("essential") == Some(&Value::Bool(false)))
        {
            self.error_at(
                JsonPath::root().key("containerDefinitions"),
                "no container is essential (every one has \"essential\": false); ECS needs \
                 at least one essential container: make the main container essential \
                 (leave essential out, or write true)",
            );
        }
        let task_memory = self.taskdef.get("memory").and_then(|m| match m {
            Value::String(s) => task_size::memory_mib(s).ok(),
            Value::Number(n) => n.as_u64(),
            _ => None,
        });
        let has_task_memory = !matches!(self.taskdef.get("memory"), None | Some(Value::Null));
        let names: HashSet<&str> = containers
            .iter()
            .filter_map(|(_, c)| c.get("name")?.as_str())
            .collect();
        let volumes: HashSet<&str> = self
            .taskdef
            .get("volumes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|v| v.get("name")?.as_str())
            .collect();
        for &(i, container) in &containers {
            let at = || JsonPath::root().key("containerDefinitions").index(i);
            if mode == Some("awsvpc") {
                for key in ["hostname", "links"] {
                    if configured(container.get(key)) {
                        self.error_at(
                            at().key(key),
                            format!(
                                "ECS refuses a container's {key} in awsvpc network mode ({}): \
                                 remove it{}",
                                if key == "links" {
                                    "links are for bridge mode; the containers of an awsvpc \
                                     task reach each other on localhost"
                                } else {
                                    "the task's network interface has its own name"
                                },
                                removal(i, key)
                            ),
                        );
                    }
                }
            }
            let memory = container.get("memory").and_then(Value::as_i64);
            if !has_task_memory
                && !container.contains_key("memory")
                && !container.contains_key("memoryReservation")
            {
                self.error_at(
                    at(),
                    "the container has neither memory nor memoryReservation, and the task has \
                     no memory; ECS refuses it (\"At least one of 'memory' or \
                     'memoryReservation' must be specified\"): give the container a \
                     memoryReservation (or memory) in MiB, or the task a memory",
                );
            }
            if let (Some(m), Some(t)) = (memory, task_memory)
                && u64::try_from(m).is_ok_and(|m| m > t)
            {
                let message = format!(
                    "the container's memory ({}) is more than the task's ({}); the ECS \
                     documentation says the task's must be at least each container's: lower \
                     the container's memory or raise the task's",
                    self.amount(m, "MiB"),
                    self.amount(i64::try_from(t).unwrap_or(i64::MAX), "MiB")
                );
                self.warning_at(&at().key("memory"), message);
            }
            self.health_check(at, container);
            self.references(at, container, &names, &volumes);
        }
    }

    /// A warning at `steps` (from the top of the task definition).
    fn warning_at(&mut self, steps: &JsonPath<'a>, message: impl Into<String>) {
        let location = self.origin.locate(steps, self.taskdef);
        self.problems.push(Problem::warning(location, message));
    }

    /// The Fargate rules: the network mode, ipcMode and pidMode, the execution role.
    fn fargate(&mut self, mode: Option<&str>, containers: &[(usize, &'a Map<String, Value>)]) {
        match mode {
            Some("awsvpc") => {}
            Some(_) => self.error_at(
                JsonPath::root().key("networkMode"),
                "Fargate runs only the awsvpc network mode (requiresCompatibilities has \
                 FARGATE; ECS: \"Fargate only supports network mode 'awsvpc'\"): write \
                 \"awsvpc\"",
            ),
            None => self.error_at(
                JsonPath::root(),
                "no networkMode, and Fargate runs only awsvpc (requiresCompatibilities has \
                 FARGATE; ECS: \"Fargate only supports network mode 'awsvpc'\"): add \
                 \"networkMode\": \"awsvpc\"",
            ),
        }
        for key in ["ipcMode", "pidMode"] {
            if self.taskdef.get(key).and_then(Value::as_str) == Some("host") {
                self.error_at(
                    JsonPath::root().key(key),
                    format!(
                        "Fargate does not take {key} \"host\" (requiresCompatibilities has \
                         FARGATE): remove it{}",
                        if key == "pidMode" {
                            " or write \"task\""
                        } else {
                            ""
                        }
                    ),
                );
            }
        }
        if self.taskdef.contains_key("executionRoleArn") {
            return;
        }
        for &(i, container) in containers {
            let at = || JsonPath::root().key("containerDefinitions").index(i);
            let awslogs = container
                .get("logConfiguration")
                .and_then(|l| l.get("logDriver"))
                .and_then(Value::as_str)
                == Some("awslogs");
            let ecr = container
                .get("image")
                .and_then(Value::as_str)
                .is_some_and(is_private_ecr);
            let needs = [
                (
                    awslogs,
                    at().key("logConfiguration"),
                    "the awslogs log driver",
                ),
                (ecr, at().key("image"), "an image in a private ECR registry"),
                (
                    container.contains_key("secrets"),
                    at().key("secrets"),
                    "secrets",
                ),
                (
                    container.contains_key("repositoryCredentials"),
                    at().key("repositoryCredentials"),
                    "repositoryCredentials",
                ),
            ];
            for (needed, steps, what) in needs {
                if needed {
                    self.error_at(
                        steps,
                        format!(
                            "{what} on Fargate needs the task execution role, and the task \
                             definition has no executionRoleArn; ECS refuses it (\"Fargate \
                             requires task definition to have execution role ARN\"): set \
                             executionRoleArn to the task execution role's ARN"
                        ),
                    );
                }
            }
        }
    }

    /// A health check's interval, timeout, retries and startPeriod within what ECS takes.
    fn health_check(&mut self, at: impl Fn() -> JsonPath<'a>, container: &Map<String, Value>) {
        let Some(Value::Object(check)) = container.get("healthCheck") else {
            return;
        };
        for (key, min, max, unit) in HEALTH_CHECK {
            let Some(n) = check.get(key).and_then(Value::as_i64) else {
                continue;
            };
            if (min..=max).contains(&n) {
                continue;
            }
            let message = format!(
                "{} is outside what ECS takes as a health check's {key} ({min} to {max} \
                 {unit}): write a value from {min} to {max}, or leave it out for the default",
                self.amount(n, unit)
            );
            self.error_at(at().key("healthCheck").key(key), message);
        }
    }

    /// mountPoints, dependsOn and volumesFrom that name a volume or container that is not
    /// there: warnings.
    fn references(
        &mut self,
        at: impl Fn() -> JsonPath<'a>,
        container: &Map<String, Value>,
        names: &HashSet<&str>,
        volumes: &HashSet<&str>,
    ) {
        for (list, key, known, what) in [
            (
                "mountPoints",
                "sourceVolume",
                volumes,
                "a volume of the task definition",
            ),
            (
                "dependsOn",
                "containerName",
                names,
                "a container of the task definition",
            ),
            (
                "volumesFrom",
                "sourceContainer",
                names,
                "a container of the task definition",
            ),
        ] {
            let items = container.get(list).and_then(Value::as_array);
            for (j, item) in items.into_iter().flatten().enumerate() {
                let Some(name) = item.get(key).and_then(Value::as_str) else {
                    continue;
                };
                if known.contains(name) {
                    continue;
                }
                let shown = if self.hide_values {
                    String::new()
                } else {
                    format!(" {}", shown(name))
                };
                let message = format!(
                    "the {key}{shown} is not the name of {what}; ECS refuses a reference to \
                     nothing: fix the name, or add what it names"
                );
                self.warning_at(&at().key(list).index(j).key(key), message);
            }
        }
    }

    /// Each tag has a key.
    fn tag_keys(&mut self) {
        let Some(Value::Array(tags)) = self.taskdef.get("tags") else {
            return;
        };
        for (i, tag) in tags.iter().enumerate() {
            if tag.as_object().is_some_and(|t| !t.contains_key("key")) {
                self.error_at(
                    JsonPath::root().key("tags").index(i),
                    "the tag has no key; ECS needs one of 1 to 128 characters (\"Invalid \
                     length for parameter tags[0].key, value: 0, valid min length: 1\"): write \
                     one, or remove the tag",
                );
            }
        }
    }
}

/// ` (--filter 'del(...)')` for a container member.
fn removal(i: usize, key: &str) -> String {
    let path = JsonPath::root()
        .key("containerDefinitions")
        .index(i)
        .key(key);
    format!(
        " (--filter {})",
        crate::problem::shell_quote(&format!("del({path})"))
    )
}

/// An image in a private ECR registry: `ACCOUNT.dkr.ecr.REGION.amazonaws.com/...` (or
/// `.amazonaws.com.cn`), which ECS pulls with the execution role.
fn is_private_ecr(image: &str) -> bool {
    let Some((host, _)) = image.split_once('/') else {
        return false;
    };
    host.contains(".dkr.ecr.")
        && (host.ends_with(".amazonaws.com") || host.ends_with(".amazonaws.com.cn"))
}

/// Whether a member configures something: an empty list or string does not (exports write
/// `[]` and `""`), and a wrong error would block the output, so those are not refused.
fn configured(value: Option<&Value>) -> bool {
    match value {
        None | Some(Value::Null) => false,
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::String(s)) => !s.is_empty(),
        Some(_) => true,
    }
}
