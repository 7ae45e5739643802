//! What ecs-run-wait needs from the task definition: its containers, which of them are
//! essential, and where each one's logs go.

use aws_sdk_ecs::types::{LogDriver, TaskDefinition};

/// Where a container's output goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogSetup {
    /// The `awslogs` driver.
    Awslogs {
        group: Option<String>,
        region: Option<String>,
        prefix: Option<String>,
    },
    /// Another driver (`awsfirelens`, `splunk`, `json-file`...).
    Other(String),
    /// No log configuration at all.
    None,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerInfo {
    pub name: String,
    pub essential: bool,
    pub log: LogSetup,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskDefInfo {
    pub arn: String,
    /// `family:revision`, for messages.
    pub label: String,
    pub network_mode: Option<String>,
    /// `requiresCompatibilities` (`FARGATE`, `EC2`, ...).
    pub requires: Vec<String>,
    pub containers: Vec<ContainerInfo>,
}

/// What came of a container's logs, for the summary's `logs` member (these keys, in this
/// order).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LogState {
    pub container: String,
    /// `followed`, `missing_group`, `missing_stream`, `missing` (group or stream: not
    /// determined), `not_read` (no read done), `unreadable`, `other_driver`, `not_configured`.
    pub state: &'static str,
    pub group: Option<String>,
    pub stream: Option<String>,
    pub region: Option<String>,
    /// The driver (`other_driver`), or why the logs could not be read or followed.
    pub detail: Option<String>,
}

impl LogState {
    fn of(container: &str, state: &'static str, detail: String) -> LogState {
        LogState {
            container: container.to_owned(),
            state,
            group: None,
            stream: None,
            region: None,
            detail: Some(detail),
        }
    }
}

/// One CloudWatch Logs stream to follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogTarget {
    pub container: String,
    pub group: String,
    /// `None`: the task's own region.
    pub region: Option<String>,
    pub stream: String,
}

impl TaskDefInfo {
    pub fn from_sdk(td: &TaskDefinition) -> TaskDefInfo {
        let containers = td
            .container_definitions()
            .iter()
            .map(|c| {
                let log = match c.log_configuration() {
                    None => LogSetup::None,
                    Some(lc) if *lc.log_driver() == LogDriver::Awslogs => {
                        let opt = |k: &str| lc.options().and_then(|o| o.get(k)).cloned();
                        LogSetup::Awslogs {
                            group: opt("awslogs-group"),
                            region: opt("awslogs-region"),
                            prefix: opt("awslogs-stream-prefix"),
                        }
                    }
                    Some(lc) => LogSetup::Other(lc.log_driver().as_str().to_owned()),
                };
                ContainerInfo {
                    name: c.name().unwrap_or_default().to_owned(),
                    // ECS's default: a container is essential unless it says otherwise.
                    essential: c.essential().unwrap_or(true),
                    log,
                }
            })
            .collect();
        let arn = td.task_definition_arn().unwrap_or_default().to_owned();
        let label = match td.family() {
            Some(f) => format!("{f}:{}", td.revision()),
            None => arn.clone(),
        };
        TaskDefInfo {
            arn,
            label,
            network_mode: td.network_mode().map(|m| m.as_str().to_owned()),
            requires: td
                .requires_compatibilities()
                .iter()
                .map(|c| c.as_str().to_owned())
                .collect(),
            containers,
        }
    }

    /// `requiresCompatibilities` is exactly `["FARGATE"]`.
    pub fn fargate_only(&self) -> bool {
        self.requires == ["FARGATE"]
    }

    pub fn names(&self) -> Vec<String> {
        self.containers.iter().map(|c| c.name.clone()).collect()
    }

    pub fn essential(&self) -> Vec<String> {
        self.containers
            .iter()
            .filter(|c| c.essential)
            .map(|c| c.name.clone())
            .collect()
    }

    /// Check `--container` against the task definition.
    pub fn check_container(&self, name: &str) -> Result<(), String> {
        if self.containers.iter().any(|c| c.name == name) {
            Ok(())
        } else {
            Err(format!(
                "--container {name}: task definition {} has no such container; its containers: {}",
                self.label,
                self.names().join(", ")
            ))
        }
    }

    /// The container a command or environment override applies to: `--container`, else the
    /// only container, else the only essential one.
    pub fn override_target(&self, selected: Option<&str>) -> Result<String, String> {
        if let Some(name) = selected {
            self.check_container(name)?;
            return Ok(name.to_owned());
        }
        if let [only] = self.containers.as_slice() {
            return Ok(only.name.clone());
        }
        match self.essential().as_slice() {
            [only] => Ok(only.clone()),
            names => Err(format!(
                "task definition {} has {} containers ({}) and {} essential ones: pass --container \
                 NAME to say which one the command and --env are for",
                self.label,
                self.containers.len(),
                self.names().join(", "),
                names.len()
            )),
        }
    }

    /// The container an `--env` is for: the one it names, else `--container` (`selected`,
    /// already checked), else the only container. Messages never show the value (it may be a
    /// secret).
    pub fn env_target(
        &self,
        container: Option<&str>,
        name: &str,
        selected: Option<&str>,
    ) -> Result<String, String> {
        if let Some(c) = container {
            if self.containers.iter().any(|x| x.name == c) {
                return Ok(c.to_owned());
            }
            return Err(format!(
                "--env {c}:{name}: task definition {} has no container {c:?}; its containers: {}",
                self.label,
                self.names().join(", ")
            ));
        }
        if let Some(c) = selected {
            return Ok(c.to_owned());
        }
        if let [only] = self.containers.as_slice() {
            return Ok(only.name.clone());
        }
        let first = self
            .containers
            .first()
            .map_or("CONTAINER", |c| c.name.as_str());
        Err(format!(
            "--env {name}: task definition {} has {} containers ({}): say which one with \
             --env {first}:{name}=VALUE (or --env {first}:{name}), or pass --container NAME",
            self.label,
            self.containers.len(),
            self.names().join(", ")
        ))
    }

    /// The streams to follow for task `task_id`, and a note for each container that cannot
    /// be followed (with its state for the summary).
    pub fn log_targets(&self, task_id: &str) -> (Vec<LogTarget>, Vec<(String, LogState)>) {
        let mut targets = Vec::new();
        let mut notes = Vec::new();
        let state = |c: &ContainerInfo| -> (&'static str, String) {
            match &c.log {
                LogSetup::Other(driver) => ("other_driver", driver.clone()),
                LogSetup::Awslogs { group: None, .. } => {
                    ("not_configured", "awslogs without awslogs-group".to_owned())
                }
                LogSetup::Awslogs { .. } => (
                    "not_configured",
                    "awslogs without awslogs-stream-prefix".to_owned(),
                ),
                LogSetup::None => ("not_configured", "no log configuration".to_owned()),
            }
        };
        for c in &self.containers {
            let note = match &c.log {
                LogSetup::Awslogs {
                    group: Some(group),
                    region,
                    prefix: Some(prefix),
                } => {
                    targets.push(LogTarget {
                        container: c.name.clone(),
                        group: group.clone(),
                        region: region.clone(),
                        stream: format!("{prefix}/{}/{task_id}", c.name),
                    });
                    None
                }
                LogSetup::Awslogs { group: None, .. } => Some(format!(
                    "container {}: awslogs without awslogs-group; its logs are not followed",
                    c.name
                )),
                LogSetup::Awslogs { prefix: None, .. } => Some(format!(
                    "container {}: awslogs without awslogs-stream-prefix, so its stream name \
                     cannot be known; its logs are not followed",
                    c.name
                )),
                LogSetup::Other(driver) => Some(format!(
                    "container {}: logs go to the {driver} driver, not CloudWatch Logs; they are \
                     not followed",
                    c.name
                )),
                LogSetup::None => Some(format!(
                    "container {}: no log configuration; its output is not kept anywhere",
                    c.name
                )),
            };
            if let Some(note) = note {
                let (s, detail) = state(c);
                notes.push((note, LogState::of(&c.name, s, detail)));
            }
        }
        (targets, notes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ecs::types::{ContainerDefinition, LogConfiguration};

    fn awslogs(prefix: Option<&str>) -> LogConfiguration {
        let mut b = LogConfiguration::builder()
            .log_driver(LogDriver::Awslogs)
            .options("awslogs-group", "/ecs/app");
        if let Some(p) = prefix {
            b = b.options("awslogs-stream-prefix", p);
        }
        b.build().unwrap()
    }

    fn td() -> TaskDefInfo {
        let def = TaskDefinition::builder()
            .task_definition_arn("arn:aws:ecs:us-east-2:1:task-definition/app:7")
            .family("app")
            .revision(7)
            .container_definitions(
                ContainerDefinition::builder()
                    .name("app")
                    .log_configuration(awslogs(Some("ecs")))
                    .build(),
            )
            .container_definitions(
                ContainerDefinition::builder()
                    .name("proxy")
                    .essential(false)
                    .log_configuration(
                        LogConfiguration::builder()
                            .log_driver(LogDriver::Awsfirelens)
                            .build()
                            .unwrap(),
                    )
                    .build(),
            )
            .container_definitions(
                ContainerDefinition::builder()
                    .name("init")
                    .essential(false)
                    .log_configuration(awslogs(None))
                    .build(),
            )
            .container_definitions(
                ContainerDefinition::builder()
                    .name("bare")
                    .essential(false)
                    .build(),
            )
            .build();
        TaskDefInfo::from_sdk(&def)
    }

    #[test]
    fn reads_containers_and_logs() {
        let td = td();
        assert_eq!(td.label, "app:7");
        assert_eq!(td.essential(), ["app"]);
        let (targets, notes) = td.log_targets("abc");
        assert_eq!(
            targets,
            [LogTarget {
                container: "app".into(),
                group: "/ecs/app".into(),
                region: None,
                stream: "ecs/app/abc".into()
            }]
        );
        assert_eq!(notes.len(), 3);
        assert!(
            notes[0]
                .0
                .contains("proxy: logs go to the awsfirelens driver"),
            "{notes:?}"
        );
        assert_eq!(notes[0].1.state, "other_driver");
        assert_eq!(notes[0].1.detail.as_deref(), Some("awsfirelens"));
        assert!(
            notes[1]
                .0
                .contains("init: awslogs without awslogs-stream-prefix")
        );
        assert_eq!(notes[1].1.state, "not_configured");
        assert!(notes[2].0.contains("bare: no log configuration"));
        assert_eq!(notes[2].1.container, "bare");
    }

    #[test]
    fn override_target() {
        let td = td();
        assert_eq!(td.override_target(None).unwrap(), "app");
        assert_eq!(td.override_target(Some("init")).unwrap(), "init");
        let err = td.override_target(Some("web")).unwrap_err();
        assert_eq!(
            err,
            "--container web: task definition app:7 has no such container; its containers: app, proxy, init, bare"
        );
        let mut two = td.clone();
        two.containers[1].essential = true;
        let err = two.override_target(None).unwrap_err();
        assert!(err.contains("pass --container NAME"), "{err}");
    }

    #[test]
    fn env_target() {
        let td = td();
        assert_eq!(td.env_target(Some("proxy"), "A", None).unwrap(), "proxy");
        assert_eq!(td.env_target(None, "A", Some("init")).unwrap(), "init");
        assert_eq!(
            td.env_target(Some("web"), "A", Some("app")).unwrap_err(),
            "--env web:A: task definition app:7 has no container \"web\"; its containers: app, \
             proxy, init, bare"
        );
        let err = td.env_target(None, "A", None).unwrap_err();
        assert!(
            err.starts_with("--env A: task definition app:7 has 4 containers (app, proxy, init, bare): say which one with --env app:A=VALUE"),
            "{err}"
        );
        let mut one = td.clone();
        one.containers.truncate(1);
        assert_eq!(one.env_target(None, "A", None).unwrap(), "app");
    }
}
