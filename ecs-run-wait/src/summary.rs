//! The `--summary` JSON: what a later step (a report, a cancel step that stops the task) needs.
//!
//! [`Summary`] is the document, written pretty-printed with a final newline as soon as the task
//! started (`outcome: running`) and again on every outcome. Keys are snake_case; values keep
//! their AWS spelling (ARNs, statuses, stop codes); a value ECS did not give (or gave empty) is
//! `null`. `cluster`, `failures`, `log_lines`, `logs`, `task_stop` and `signals` appear only
//! when they apply.

use aws_sdk_ecs::types::Task;
use aws_smithy_types::date_time::Format;
use serde::Serialize;

use crate::start::StartFailure;
use crate::taskdef::LogState;

/// How ecs-run-wait ended, as the summary's `outcome`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Started and being watched (written as soon as the task starts).
    Running,
    /// `--detach`: started, not watched.
    Detached,
    /// The task stopped and gave an exit code.
    Exited,
    /// The task stopped without an exit code (failed to start...).
    Failed,
    /// `timed-out`: `--timeout` expired.
    TimedOut,
    /// A signal ended the run.
    Interrupted,
    /// ecs-run-wait could not start or follow the task.
    Error,
}

/// The `--summary` document; the members in the order they are written.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub outcome: Outcome,
    /// The tool's exit code; `null` while the task runs.
    pub exit_code: Option<u8>,
    /// The error or explanation printed on stderr, when there was one.
    pub message: Option<String>,
    pub task_arn: Option<String>,
    /// The cluster's ARN: the task's `clusterArn`; before a task is known, the cluster given
    /// when it was given as an ARN, or the one an `--attach` task ARN names; else `null`.
    pub cluster_arn: Option<String>,
    /// The cluster as given (`--cluster NAME`), only when `cluster_arn` is `null`: no task was
    /// started or found, so ECS never named the cluster's ARN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    pub region: Option<String>,
    /// The task's task definition ARN, else the task definition as given.
    pub task_definition_arn: Option<String>,
    pub last_status: Option<String>,
    pub desired_status: Option<String>,
    pub stop_code: Option<String>,
    pub stopped_reason: Option<String>,
    /// RFC 3339 times, as ECS gave them.
    pub created_at: Option<String>,
    pub started_at: Option<String>,
    pub stopping_at: Option<String>,
    pub stopped_at: Option<String>,
    pub containers: Vec<ContainerSummary>,
    /// RunTask's `failures[]` (`arn`, `reason`, `detail`), when the start failed with some.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failures: Vec<StartFailure>,
    /// Log lines written on stdout (when logs were followed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_lines: Option<u64>,
    /// Each container's logs (`container`, `state`, `group`, `stream`, `region`, `detail`);
    /// absent with `--no-logs`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logs: Option<Vec<LogState>>,
    /// After a timeout or a signal, what became of the task: `not_requested`, `requested`,
    /// `stopped`, `left_running`, `already_stopped`, `stop_failed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_stop: Option<&'static str>,
    /// The signals that ended the run (`SIGINT`, `SIGTERM`), in the order they came.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub signals: Vec<&'static str>,
}

/// One of the task's containers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContainerSummary {
    pub name: String,
    /// Essential in the task definition.
    pub essential: bool,
    pub last_status: Option<String>,
    pub exit_code: Option<i32>,
    pub reason: Option<String>,
}

/// Everything the summary says.
#[derive(Debug, Clone, Default)]
pub struct Facts<'a> {
    /// The cluster as given: a name or an ARN.
    pub cluster: Option<&'a str>,
    /// The cluster's ARN when it is known without a task (from an `--attach` task ARN).
    pub cluster_arn: Option<&'a str>,
    pub region: Option<&'a str>,
    pub task_definition: Option<&'a str>,
    pub task: Option<&'a Task>,
    pub essential: &'a [String],
    pub exit_code: Option<u8>,
    pub message: Option<String>,
    pub failures: &'a [StartFailure],
    pub log_lines: Option<u64>,
    /// Each container's logs (`None` with --no-logs).
    pub logs: Option<&'a [LogState]>,
}

fn time(t: Option<&aws_smithy_types::DateTime>) -> Option<String> {
    t.and_then(|t| t.fmt(Format::DateTime).ok())
}

/// A text ECS gave, `None` when it gave none or an empty one.
fn text(s: Option<&str>) -> Option<String> {
    s.filter(|s| !s.is_empty()).map(str::to_owned)
}

impl Summary {
    /// The summary of `outcome`, without `task_stop` and `signals`.
    pub fn new(outcome: Outcome, f: &Facts<'_>) -> Summary {
        let t = f.task;
        let containers = t
            .map(Task::containers)
            .unwrap_or_default()
            .iter()
            .map(|c| {
                let name = c.name().unwrap_or_default();
                ContainerSummary {
                    name: name.to_owned(),
                    essential: f.essential.iter().any(|e| e == name),
                    last_status: text(c.last_status()),
                    exit_code: c.exit_code(),
                    reason: text(c.reason()),
                }
            })
            .collect();
        let cluster_arn = text(t.and_then(Task::cluster_arn))
            .or_else(|| text(f.cluster_arn))
            .or_else(|| text(f.cluster.filter(|c| c.starts_with("arn:"))));
        Summary {
            outcome,
            exit_code: f.exit_code,
            message: f.message.clone(),
            task_arn: text(t.and_then(Task::task_arn)),
            cluster_arn: cluster_arn.clone(),
            cluster: if cluster_arn.is_none() {
                text(f.cluster)
            } else {
                None
            },
            region: text(f.region),
            task_definition_arn: t
                .and_then(Task::task_definition_arn)
                .map_or_else(|| text(f.task_definition), |d| Some(d.to_owned())),
            last_status: text(t.and_then(Task::last_status)),
            desired_status: text(t.and_then(Task::desired_status)),
            stop_code: text(
                t.and_then(Task::stop_code)
                    .map(aws_sdk_ecs::types::TaskStopCode::as_str),
            ),
            stopped_reason: text(t.and_then(Task::stopped_reason)),
            created_at: time(t.and_then(Task::created_at)),
            started_at: time(t.and_then(Task::started_at)),
            stopping_at: time(t.and_then(Task::stopping_at)),
            stopped_at: time(t.and_then(Task::stopped_at)),
            containers,
            failures: f.failures.to_vec(),
            log_lines: f.log_lines,
            logs: f.logs.map(<[LogState]>::to_vec),
            task_stop: None,
            signals: Vec::new(),
        }
    }

    /// The file's bytes: pretty-printed, with a final newline.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn to_value(s: Summary) -> Value {
        serde_json::to_value(s).unwrap()
    }
    use aws_sdk_ecs::types::{Container, TaskStopCode};
    use aws_smithy_types::DateTime;

    /// Every member, in the order the file has always had them.
    fn everything() -> Summary {
        let task = Task::builder()
            .task_arn("arn:aws:ecs:us-east-2:1:task/c/abc")
            .cluster_arn("arn:aws:ecs:us-east-2:1:cluster/c")
            .task_definition_arn("arn:aws:ecs:us-east-2:1:task-definition/app:3")
            .last_status("STOPPED")
            .desired_status("STOPPED")
            .stop_code(TaskStopCode::UserInitiated)
            .stopped_reason("ecs-run-wait was interrupted (SIGTERM)")
            .created_at(DateTime::from_secs(1_800_000_000))
            .stopped_at(DateTime::from_millis(1_800_000_061_500))
            .containers(
                Container::builder()
                    .name("app")
                    .exit_code(143)
                    .last_status("STOPPED")
                    .build(),
            )
            .containers(Container::builder().name("side").reason("").build())
            .build();
        let failures = [StartFailure {
            arn: None,
            reason: Some("RESOURCE:MEMORY".into()),
            detail: Some("a \"quoted\" detail".into()),
        }];
        let logs = [LogState {
            container: "app".into(),
            state: "followed",
            group: Some("/ecs/app".into()),
            stream: Some("ecs/app/abc".into()),
            region: Some("us-east-2".into()),
            detail: None,
        }];
        let mut doc = Summary::new(
            Outcome::Interrupted,
            &Facts {
                cluster: Some("c"),
                cluster_arn: None,
                region: Some("us-east-2"),
                task_definition: Some("app:3"),
                task: Some(&task),
                essential: &["app".to_owned()],
                exit_code: Some(143),
                message: Some(
                    "interrupted by SIGTERM; the task was stopped (StopTask sent)".into(),
                ),
                failures: &failures,
                log_lines: Some(0),
                logs: Some(&logs),
            },
        );
        doc.task_stop = Some("stopped");
        doc.signals = vec!["SIGTERM"];
        doc
    }

    #[test]
    fn the_bytes_of_the_file() {
        let expected = r#"{
  "outcome": "interrupted",
  "exit_code": 143,
  "message": "interrupted by SIGTERM; the task was stopped (StopTask sent)",
  "task_arn": "arn:aws:ecs:us-east-2:1:task/c/abc",
  "cluster_arn": "arn:aws:ecs:us-east-2:1:cluster/c",
  "region": "us-east-2",
  "task_definition_arn": "arn:aws:ecs:us-east-2:1:task-definition/app:3",
  "last_status": "STOPPED",
  "desired_status": "STOPPED",
  "stop_code": "UserInitiated",
  "stopped_reason": "ecs-run-wait was interrupted (SIGTERM)",
  "created_at": "2027-01-15T08:00:00Z",
  "started_at": null,
  "stopping_at": null,
  "stopped_at": "2027-01-15T08:01:01.5Z",
  "containers": [
    {
      "name": "app",
      "essential": true,
      "last_status": "STOPPED",
      "exit_code": 143,
      "reason": null
    },
    {
      "name": "side",
      "essential": false,
      "last_status": null,
      "exit_code": null,
      "reason": null
    }
  ],
  "failures": [
    {
      "arn": null,
      "reason": "RESOURCE:MEMORY",
      "detail": "a \"quoted\" detail"
    }
  ],
  "log_lines": 0,
  "logs": [
    {
      "container": "app",
      "state": "followed",
      "group": "/ecs/app",
      "stream": "ecs/app/abc",
      "region": "us-east-2",
      "detail": null
    }
  ],
  "task_stop": "stopped",
  "signals": [
    "SIGTERM"
  ]
}
"#;
        assert_eq!(
            String::from_utf8(everything().to_bytes()).unwrap(),
            expected
        );
    }

    #[test]
    fn a_stopped_task() {
        let task = Task::builder()
            .task_arn("arn:aws:ecs:us-east-2:1:task/c/abc")
            .cluster_arn("arn:aws:ecs:us-east-2:1:cluster/c")
            .task_definition_arn("arn:aws:ecs:us-east-2:1:task-definition/app:3")
            .last_status("STOPPED")
            .stop_code(TaskStopCode::EssentialContainerExited)
            .stopped_reason("Essential container in task exited")
            .stopped_at(DateTime::from_secs(1_800_000_000))
            .containers(
                Container::builder()
                    .name("app")
                    .exit_code(3)
                    .last_status("STOPPED")
                    .build(),
            )
            .containers(
                Container::builder()
                    .name("side")
                    .last_status("STOPPED")
                    .reason("killed")
                    .build(),
            )
            .build();
        let doc = to_value(Summary::new(
            Outcome::Exited,
            &Facts {
                cluster: Some("c"),
                region: Some("us-east-2"),
                task: Some(&task),
                essential: &["app".to_owned()],
                exit_code: Some(3),
                log_lines: Some(12),
                ..Facts::default()
            },
        ));
        assert_eq!(doc["outcome"], "exited");
        assert_eq!(doc["exit_code"], 3);
        assert_eq!(doc["cluster_arn"], "arn:aws:ecs:us-east-2:1:cluster/c");
        assert!(doc.get("cluster").is_none());
        assert_eq!(doc["stopped_at"], "2027-01-15T08:00:00Z");
        assert_eq!(doc["started_at"], Value::Null);
        assert_eq!(
            doc["containers"],
            json!([
                {"name": "app", "essential": true, "last_status": "STOPPED", "exit_code": 3, "reason": null},
                {"name": "side", "essential": false, "last_status": "STOPPED", "exit_code": null, "reason": "killed"}
            ])
        );
        assert!(doc.get("failures").is_none());
        assert_eq!(doc["log_lines"], 12);
    }

    #[test]
    fn a_start_that_failed() {
        let failures = [StartFailure {
            arn: Some("arn:aws:ecs:us-east-2:1:container-instance/x".into()),
            reason: Some("RESOURCE:MEMORY".into()),
            detail: None,
        }];
        let doc = to_value(Summary::new(
            Outcome::Error,
            &Facts {
                cluster: Some("c"),
                task_definition: Some("app:3"),
                failures: &failures,
                exit_code: Some(125),
                message: Some("RunTask failed".into()),
                ..Facts::default()
            },
        ));
        assert_eq!(doc["task_arn"], Value::Null);
        // a name is not an ARN: it is said under `cluster`
        assert_eq!(doc["cluster_arn"], Value::Null);
        assert_eq!(doc["cluster"], "c");
        assert_eq!(doc["task_definition_arn"], "app:3");
        assert_eq!(doc["failures"][0]["reason"], "RESOURCE:MEMORY");
        assert_eq!(doc["containers"], json!([]));
    }

    #[test]
    fn the_cluster_arn_is_an_arn_or_null() {
        let doc = |f: Facts<'_>| to_value(Summary::new(Outcome::Error, &f));
        let arn = "arn:aws:ecs:us-east-2:1:cluster/prod";
        let given = doc(Facts {
            cluster: Some(arn),
            ..Facts::default()
        });
        assert_eq!(given["cluster_arn"], arn);
        assert!(given.get("cluster").is_none());
        let attached = doc(Facts {
            cluster: Some("prod"),
            cluster_arn: Some(arn),
            ..Facts::default()
        });
        assert_eq!(attached["cluster_arn"], arn);
        assert!(attached.get("cluster").is_none());
        let none = doc(Facts::default());
        assert_eq!(none["cluster_arn"], Value::Null);
        assert!(none.get("cluster").is_none());
    }
}
