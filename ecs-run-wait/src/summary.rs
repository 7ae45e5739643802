//! The `--summary` JSON: what a later step (a report, a cancel step that stops the task) needs.

use aws_sdk_ecs::types::Task;
use aws_smithy_types::date_time::Format;
use serde_json::{Map, Value, json};

use crate::start::StartFailure;
use crate::taskdef::LogState;

/// How ecs-run-wait ended, as the summary's `outcome`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Started and being watched (written as soon as the task starts).
    Running,
    /// `--detach`: started, not watched.
    Detached,
    /// The task stopped and gave an exit code.
    Exited,
    /// The task stopped without an exit code (failed to start...).
    Failed,
    TimedOut,
    Interrupted,
    /// ecs-run-wait could not start or follow the task.
    Error,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Running => "running",
            Outcome::Detached => "detached",
            Outcome::Exited => "exited",
            Outcome::Failed => "failed",
            Outcome::TimedOut => "timed-out",
            Outcome::Interrupted => "interrupted",
            Outcome::Error => "error",
        }
    }
}

/// Everything the summary says.
#[derive(Debug, Clone, Default)]
pub struct Facts<'a> {
    pub cluster: Option<&'a str>,
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

fn time(t: Option<&aws_smithy_types::DateTime>) -> Value {
    t.and_then(|t| t.fmt(Format::DateTime).ok())
        .map_or(Value::Null, Value::String)
}

fn text(s: Option<&str>) -> Value {
    s.filter(|s| !s.is_empty())
        .map_or(Value::Null, |s| Value::String(s.to_owned()))
}

/// The summary document.
pub fn document(outcome: Outcome, f: &Facts<'_>) -> Value {
    let mut doc = Map::new();
    doc.insert("outcome".into(), json!(outcome.as_str()));
    doc.insert("exit_code".into(), json!(f.exit_code));
    doc.insert("message".into(), json!(f.message));
    let t = f.task;
    doc.insert("task_arn".into(), text(t.and_then(Task::task_arn)));
    doc.insert(
        "cluster_arn".into(),
        t.and_then(Task::cluster_arn)
            .map_or_else(|| text(f.cluster), |c| json!(c)),
    );
    doc.insert("region".into(), text(f.region));
    doc.insert(
        "task_definition_arn".into(),
        t.and_then(Task::task_definition_arn)
            .map_or_else(|| text(f.task_definition), |d| json!(d)),
    );
    doc.insert("last_status".into(), text(t.and_then(Task::last_status)));
    doc.insert(
        "desired_status".into(),
        text(t.and_then(Task::desired_status)),
    );
    doc.insert(
        "stop_code".into(),
        text(
            t.and_then(Task::stop_code)
                .map(aws_sdk_ecs::types::TaskStopCode::as_str),
        ),
    );
    doc.insert(
        "stopped_reason".into(),
        text(t.and_then(Task::stopped_reason)),
    );
    doc.insert("created_at".into(), time(t.and_then(Task::created_at)));
    doc.insert("started_at".into(), time(t.and_then(Task::started_at)));
    doc.insert("stopping_at".into(), time(t.and_then(Task::stopping_at)));
    doc.insert("stopped_at".into(), time(t.and_then(Task::stopped_at)));
    let containers: Vec<Value> = t
        .map(Task::containers)
        .unwrap_or_default()
        .iter()
        .map(|c| {
            let name = c.name().unwrap_or_default();
            json!({
                "name": name,
                "essential": f.essential.iter().any(|e| e == name),
                "last_status": text(c.last_status()),
                "exit_code": c.exit_code(),
                "reason": text(c.reason()),
            })
        })
        .collect();
    doc.insert("containers".into(), Value::Array(containers));
    if !f.failures.is_empty() {
        let failures: Vec<Value> = f
            .failures
            .iter()
            .map(|x| json!({"arn": x.arn, "reason": x.reason, "detail": x.detail}))
            .collect();
        doc.insert("failures".into(), Value::Array(failures));
    }
    if let Some(n) = f.log_lines {
        doc.insert("log_lines".into(), json!(n));
    }
    if let Some(logs) = f.logs {
        let logs: Vec<Value> = logs
            .iter()
            .map(|l| {
                json!({
                    "container": l.container,
                    "state": l.state,
                    "group": l.group,
                    "stream": l.stream,
                    "region": l.region,
                    "detail": l.detail,
                })
            })
            .collect();
        doc.insert("logs".into(), Value::Array(logs));
    }
    Value::Object(doc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ecs::types::{Container, TaskStopCode};
    use aws_smithy_types::DateTime;

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
        let doc = document(
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
        );
        assert_eq!(doc["outcome"], "exited");
        assert_eq!(doc["exit_code"], 3);
        assert_eq!(doc["cluster_arn"], "arn:aws:ecs:us-east-2:1:cluster/c");
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
        let doc = document(
            Outcome::Error,
            &Facts {
                cluster: Some("c"),
                task_definition: Some("app:3"),
                failures: &failures,
                exit_code: Some(125),
                message: Some("RunTask failed".into()),
                ..Facts::default()
            },
        );
        assert_eq!(doc["task_arn"], Value::Null);
        assert_eq!(doc["cluster_arn"], "c");
        assert_eq!(doc["task_definition_arn"], "app:3");
        assert_eq!(doc["failures"][0]["reason"], "RESOURCE:MEMORY");
        assert_eq!(doc["containers"], json!([]));
    }
}
