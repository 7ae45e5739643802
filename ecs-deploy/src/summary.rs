//! The `--summary FILE` document: what was deployed where, how each rollout ended and why,
//! and what a rollback did. Written atomically at the end, also on a signal or a timeout.
//! Keys are snake_case; values keep AWS's spelling; times are RFC 3339 (UTC).

use std::path::Path;

use serde::Serialize;

/// The whole run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// `deployed`, `unchanged`, `stage_reached` (`--until`), `failed`, `timed_out`,
    /// `interrupted`, `error`.
    pub outcome: &'static str,
    /// The exit code the run ended with.
    pub exit_code: u8,
    pub cluster: String,
    /// The task definition deployed (registered now, given, or each service's own with
    /// `--force-new-deployment` alone: then null).
    pub task_definition_arn: Option<String>,
    /// Whether this run registered `task_definition_arn`.
    pub registered: bool,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub elapsed_seconds: Option<f64>,
    /// `SIGINT` or `SIGTERM` when a signal ended the run.
    pub signal: Option<&'static str>,
    /// The error that stopped the run, if any.
    pub error: Option<String>,
    /// What `--verify` found missing or invalid, one line each (then nothing was registered
    /// or changed); empty when it found everything or did not run.
    pub verify_problems: Vec<String>,
    pub services: Vec<ServiceSummary>,
}

/// One service's deployment.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ServiceSummary {
    pub service: String,
    pub service_arn: Option<String>,
    /// What the service ran before: the rollback target.
    pub before: Before,
    /// The task definition this run deployed to the service.
    pub task_definition_arn: Option<String>,
    /// `service_deployments` (ECS service deployments) or `deployments` (the service's
    /// `deployments[]` and `rolloutState`, where it has no service deployments).
    pub followed: Option<&'static str>,
    /// Our service deployment's ARN (or, following `deployments`, our deployment's id).
    pub deployment_arn: Option<String>,
    /// Its last status as ECS gave it (`SUCCESSFUL`, `ROLLBACK_SUCCESSFUL`, `IN_PROGRESS`,
    /// ..., or a rolloutState).
    pub status: Option<String>,
    pub status_reason: Option<String>,
    /// The verdict: `deployed`, `unchanged`, `stage_reached` (`--until`: the deployment
    /// continues), `rolled_back_by_ecs`, `rollback_failed`,
    /// `stopped`, `replaced`, `failed`, `timed_out`, `interrupted`, `not_started`.
    pub verdict: &'static str,
    /// Why, in a sentence, when it is not `deployed` or `unchanged`.
    pub reason: Option<String>,
    /// What a careful reader should know about a verdict (a deploy to a service with
    /// desiredCount 0 ran no task of the new task definition).
    pub warnings: Vec<String>,
    /// The tripped circuit breaker (`circuit breaker`) or CloudWatch alarms, by name.
    pub tripped: Vec<String>,
    /// The service events seen while following, oldest first.
    pub events: Vec<Event>,
    /// Tasks of our deployment that stopped, in the order they were seen.
    pub stopped_tasks: Vec<StoppedTask>,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub elapsed_seconds: Option<f64>,
    /// What `--rollback-on-failure` did for this service.
    pub rollback: Option<RollbackSummary>,
}

/// The service as it was before the update (the keys name what each ARN is of).
#[allow(clippy::struct_field_names)]
#[derive(Debug, Clone, Default, Serialize)]
pub struct Before {
    pub task_definition_arn: Option<String>,
    pub service_deployment_arn: Option<String>,
    pub service_revision_arn: Option<String>,
}

/// A service event.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Event {
    pub id: String,
    pub created_at: Option<String>,
    pub message: String,
}

/// A stopped task of our deployment.
#[derive(Debug, Clone, Default, Serialize)]
pub struct StoppedTask {
    pub task_arn: String,
    pub stop_code: Option<String>,
    pub stopped_reason: Option<String>,
    pub stopped_at: Option<String>,
    pub containers: Vec<ContainerExit>,
}

/// How a container of a stopped task ended.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ContainerExit {
    pub name: String,
    pub exit_code: Option<i32>,
    pub reason: Option<String>,
    pub health_status: Option<String>,
}

/// A rollback ecs-deploy started.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RollbackSummary {
    /// `stop_service_deployment` (StopServiceDeployment with ROLLBACK) or `update_service`
    /// (back to `to_task_definition_arn`).
    pub method: &'static str,
    pub to_task_definition_arn: Option<String>,
    /// The service deployment that carries the rollback, when known.
    pub deployment_arn: Option<String>,
    pub status: Option<String>,
    /// `back` (on the recorded task definition and stable), `failed`, `timed_out`,
    /// `interrupted`, `error`.
    pub verdict: &'static str,
    pub reason: Option<String>,
}

impl Summary {
    /// Write to `path` atomically (see CONTRIBUTING.md, output-file semantics).
    pub fn write(&self, path: &Path) -> anyhow::Result<()> {
        let mut bytes = serde_json::to_vec_pretty(self)?;
        bytes.push(b'\n');
        cli_support::output::write_atomic(path, &bytes, cli_support::output::Access::Shared)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_snake_case() {
        let s = Summary {
            outcome: "deployed",
            services: vec![ServiceSummary {
                verdict: "deployed",
                ..ServiceSummary::default()
            }],
            ..Summary::default()
        };
        let v = serde_json::to_value(&s).unwrap();
        assert_eq!(v["outcome"], "deployed");
        assert!(v["services"][0]["before"]["task_definition_arn"].is_null());
        assert!(v["services"][0]["stopped_tasks"].is_array());
    }
}
