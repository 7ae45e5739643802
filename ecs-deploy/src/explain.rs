//! What a rollout says while it runs: new service events (once each, by id, oldest first, with
//! their own time) and the stopped tasks of our deployment (once each: stop code, stopped
//! reason, each container's exit code, reason and health).

use std::collections::HashSet;
use std::fmt::Write as _;

use aws_sdk_ecs::types::{ServiceEvent, Task};

use crate::log::{self, Log};
use crate::summary::{ContainerExit, Event, StoppedTask};

/// What was printed already, per service.
#[derive(Debug, Default)]
pub struct Seen {
    events: HashSet<String>,
    tasks: HashSet<String>,
}

impl Seen {
    /// Events already there before the update: not news.
    pub fn mark_events(&mut self, events: &[ServiceEvent]) {
        self.events
            .extend(events.iter().filter_map(|e| e.id().map(str::to_owned)));
    }

    /// The events not seen yet (ECS lists them newest first), oldest first; printed.
    pub fn new_events(&mut self, service: &str, events: &[ServiceEvent], log: Log) -> Vec<Event> {
        let mut fresh = Vec::new();
        for e in events.iter().rev() {
            let Some(id) = e.id() else { continue };
            if !self.events.insert(id.to_owned()) {
                continue;
            }
            let at = e.created_at().copied().unwrap_or_else(log::now);
            let message = e.message().unwrap_or_default().to_owned();
            log.service_at(service, at, &message);
            fresh.push(Event {
                id: id.to_owned(),
                created_at: log::rfc3339(&at),
                message,
            });
        }
        fresh
    }

    /// Whether a task was explained already.
    pub fn knows_task(&self, arn: &str) -> bool {
        self.tasks.contains(arn)
    }

    /// The stopped tasks of deployment `started_by` not explained yet; printed. Every task
    /// in `tasks` is known from now on.
    pub fn new_stopped(
        &mut self,
        service: &str,
        tasks: &[Task],
        started_by: &str,
        log: Log,
    ) -> Vec<StoppedTask> {
        let mut fresh = Vec::new();
        for t in tasks {
            let Some(arn) = t.task_arn() else { continue };
            if !self.tasks.insert(arn.to_owned()) || t.started_by() != Some(started_by) {
                continue;
            }
            let stopped = stopped_task(t);
            log.service(service, describe(&stopped));
            fresh.push(stopped);
        }
        fresh
    }
}

fn stopped_task(t: &Task) -> StoppedTask {
    StoppedTask {
        task_arn: t.task_arn().unwrap_or_default().to_owned(),
        stop_code: t.stop_code().map(|c| c.as_str().to_owned()),
        stopped_reason: t.stopped_reason().map(str::to_owned),
        stopped_at: t.stopped_at().and_then(log::rfc3339),
        containers: t
            .containers()
            .iter()
            .map(|c| ContainerExit {
                name: c.name().unwrap_or_default().to_owned(),
                exit_code: c.exit_code(),
                reason: c.reason().map(str::to_owned),
                health_status: c.health_status().map(|h| h.as_str().to_owned()),
            })
            .collect(),
    }
}

/// `task 1a2b3c stopped (TaskFailedToStart): REASON; container app: exit code 1: REASON,
/// UNHEALTHY`.
pub fn describe(t: &StoppedTask) -> String {
    let id = t.task_arn.rsplit('/').next().unwrap_or(&t.task_arn);
    let mut line = format!("task {id} stopped");
    if let Some(code) = &t.stop_code {
        let _ = write!(line, " ({code})");
    }
    if let Some(reason) = &t.stopped_reason {
        let _ = write!(line, ": {reason}");
    }
    for c in &t.containers {
        let mut parts = Vec::new();
        if let Some(code) = c.exit_code {
            parts.push(format!("exit code {code}"));
        }
        if let Some(reason) = c
            .reason
            .as_ref()
            .filter(|r| Some(*r) != t.stopped_reason.as_ref())
        {
            parts.push(reason.clone());
        }
        if c.health_status.as_deref() == Some("UNHEALTHY") {
            parts.push("health check UNHEALTHY".to_owned());
        }
        if !parts.is_empty() {
            let _ = write!(line, "; container {}: {}", c.name, parts.join(", "));
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stopped_task_in_one_line() {
        let t = StoppedTask {
            task_arn: "arn:aws:ecs:r:1:task/c/abc".into(),
            stop_code: Some("EssentialContainerExited".into()),
            stopped_reason: Some("Essential container in task exited".into()),
            stopped_at: None,
            containers: vec![
                ContainerExit {
                    name: "app".into(),
                    exit_code: Some(1),
                    reason: None,
                    health_status: Some("UNHEALTHY".into()),
                },
                ContainerExit {
                    name: "sidecar".into(),
                    ..ContainerExit::default()
                },
            ],
        };
        assert_eq!(
            describe(&t),
            "task abc stopped (EssentialContainerExited): Essential container in task exited; \
             container app: exit code 1, health check UNHEALTHY"
        );
    }
}
