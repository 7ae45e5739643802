//! How a rollout ended, decided from what ECS reports (pure functions, unit-tested here), and
//! what that means for the exit code.

use std::fmt::Write as _;

use aws_sdk_ecs::types::{Deployment, ServiceDeployment};

use crate::exit;

/// One service's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// SUCCESSFUL, and its target revision runs our task definition.
    Deployed,
    /// Nothing to do: the service runs the task definition already.
    Unchanged,
    /// `--until STAGE` reached (until.rs): no longer followed, the deployment continues.
    Reached(String),
    /// ECS rolled our deployment back (ROLLBACK_SUCCESSFUL; circuit breaker or alarm).
    RolledBackByEcs(String),
    /// ECS's rollback failed (ROLLBACK_FAILED).
    RollbackFailed(String),
    /// Our deployment was stopped (STOPPED), without a rollback.
    Stopped(String),
    /// Another deployment took the service over.
    Replaced(String),
    /// Failed otherwise (a SUCCESSFUL deployment running another task definition; a FAILED
    /// rolloutState; our deployment gone).
    Failed(String),
    /// Still in progress at the deadline.
    TimedOut,
    /// A signal ended the follow.
    Interrupted,
}

impl Verdict {
    /// The summary's name of it.
    pub fn name(&self) -> &'static str {
        match self {
            Verdict::Deployed => "deployed",
            Verdict::Unchanged => "unchanged",
            Verdict::Reached(_) => "stage_reached",
            Verdict::RolledBackByEcs(_) => "rolled_back_by_ecs",
            Verdict::RollbackFailed(_) => "rollback_failed",
            Verdict::Stopped(_) => "stopped",
            Verdict::Replaced(_) => "replaced",
            Verdict::Failed(_) => "failed",
            Verdict::TimedOut => "timed_out",
            Verdict::Interrupted => "interrupted",
        }
    }

    /// Why, for a failure.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Verdict::RolledBackByEcs(r)
            | Verdict::RollbackFailed(r)
            | Verdict::Stopped(r)
            | Verdict::Replaced(r)
            | Verdict::Failed(r)
            | Verdict::Reached(r) => Some(r),
            Verdict::TimedOut => Some("still in progress when --timeout expired"),
            Verdict::Interrupted => Some("interrupted by a signal"),
            Verdict::Deployed | Verdict::Unchanged => None,
        }
    }
}

/// What a service deployment's status says: `None` while it goes on; `Some(Deployed)` for
/// SUCCESSFUL (the caller checks the target revision's task definition).
pub fn judge(sd: &ServiceDeployment) -> Option<Verdict> {
    let status = sd.status().map_or("", |s| s.as_str());
    let why = || {
        let mut why = sd.status_reason().unwrap_or(status).to_owned();
        let tripped = tripped(sd);
        if !tripped.is_empty() && !why.contains(&tripped[0]) {
            let _ = write!(why, " (tripped: {})", tripped.join(", "));
        }
        why
    };
    match status {
        "SUCCESSFUL" => Some(Verdict::Deployed),
        "ROLLBACK_SUCCESSFUL" => Some(Verdict::RolledBackByEcs(why())),
        "ROLLBACK_FAILED" => Some(Verdict::RollbackFailed(why())),
        "STOPPED" => Some(Verdict::Stopped(why())),
        // PENDING, IN_PROGRESS, STOP_REQUESTED, ROLLBACK_REQUESTED, ROLLBACK_IN_PROGRESS and
        // any status ECS adds later: not a verdict yet.
        _ => None,
    }
}

/// Whether ECS may still act on it (StopServiceDeployment accepts it).
pub fn ongoing(sd: &ServiceDeployment) -> bool {
    matches!(
        sd.status()
            .map(aws_sdk_ecs::types::ServiceDeploymentStatus::as_str),
        Some(
            "PENDING"
                | "IN_PROGRESS"
                | "STOP_REQUESTED"
                | "ROLLBACK_REQUESTED"
                | "ROLLBACK_IN_PROGRESS"
        )
    )
}

/// The rollback monitors that tripped: `circuit breaker (4 failed tasks, threshold 3)`,
/// `alarm NAME`.
pub fn tripped(sd: &ServiceDeployment) -> Vec<String> {
    let mut names = Vec::new();
    if let Some(cb) = sd.deployment_circuit_breaker()
        && cb
            .status()
            .map(aws_sdk_ecs::types::ServiceDeploymentRollbackMonitorsStatus::as_str)
            == Some("TRIGGERED")
    {
        names.push(format!(
            "circuit breaker ({} failed tasks, threshold {})",
            cb.failure_count(),
            cb.threshold()
        ));
    }
    if let Some(alarms) = sd.alarms() {
        names.extend(
            alarms
                .triggered_alarm_names()
                .iter()
                .map(|a| format!("alarm {a}")),
        );
    }
    names
}

/// The `deployments[]` path (no service deployments): our deployment is the one with `id`.
pub fn judge_legacy(deployments: &[Deployment], id: &str) -> Option<Verdict> {
    let Some(ours) = deployments.iter().find(|d| d.id() == Some(id)) else {
        return Some(Verdict::Failed(format!(
            "deployment {id} is gone from the service's deployments (rolled back or replaced)"
        )));
    };
    match ours
        .rollout_state()
        .map(aws_sdk_ecs::types::DeploymentRolloutState::as_str)
    {
        Some("FAILED") => Some(Verdict::Failed(
            ours.rollout_state_reason()
                .unwrap_or("rolloutState FAILED")
                .to_owned(),
        )),
        Some("COMPLETED") if deployments.len() == 1 => Some(Verdict::Deployed),
        // No rolloutState (a Classic Load Balancer): the PRIMARY alone, every task running.
        None if deployments.len() == 1
            && ours.status() == Some("PRIMARY")
            && ours.running_count() == ours.desired_count() =>
        {
            Some(Verdict::Deployed)
        }
        _ => None,
    }
}

/// How a service stands once everything is done, for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Standing {
    /// Deployed or unchanged.
    Good,
    /// Failed, and back on the recorded task definition, stable.
    Back,
    /// Timed out (with or without a rollback).
    TimedOut,
    /// Failed, and not known to be healthy.
    Unhealthy,
}

/// The exit code for all services: 3 when one is not known healthy, else 124 when one timed
/// out, else 1 when one failed (and is back), else 0.
pub fn exit_code(standings: &[Standing]) -> u8 {
    match standings.iter().max() {
        None | Some(Standing::Good) => exit::SUCCESS,
        Some(Standing::Back) => exit::FAILED,
        Some(Standing::TimedOut) => exit::TIMEOUT,
        Some(Standing::Unhealthy) => exit::UNHEALTHY,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ecs::types::{
        DeploymentRolloutState, ServiceDeploymentCircuitBreaker,
        ServiceDeploymentRollbackMonitorsStatus, ServiceDeploymentStatus,
    };

    fn sd(status: &str) -> ServiceDeployment {
        ServiceDeployment::builder()
            .status(ServiceDeploymentStatus::from(status))
            .status_reason("ECS deployment circuit breaker: tasks failed to start.")
            .deployment_circuit_breaker(
                ServiceDeploymentCircuitBreaker::builder()
                    .status(ServiceDeploymentRollbackMonitorsStatus::Triggered)
                    .failure_count(4)
                    .threshold(3)
                    .build(),
            )
            .build()
    }

    #[test]
    fn statuses_become_verdicts() {
        assert_eq!(judge(&sd("IN_PROGRESS")), None);
        assert_eq!(judge(&sd("ROLLBACK_IN_PROGRESS")), None);
        assert_eq!(judge(&sd("SUCCESSFUL")), Some(Verdict::Deployed));
        assert_eq!(
            judge(&sd("ROLLBACK_SUCCESSFUL")),
            Some(Verdict::RolledBackByEcs(
                "ECS deployment circuit breaker: tasks failed to start. (tripped: circuit \
                 breaker (4 failed tasks, threshold 3))"
                    .into()
            ))
        );
        assert!(matches!(judge(&sd("STOPPED")), Some(Verdict::Stopped(_))));
        assert!(ongoing(&sd("ROLLBACK_REQUESTED")));
        assert!(!ongoing(&sd("STOPPED")));
    }

    #[test]
    fn legacy_deployments() {
        let d = |id: &str, state: DeploymentRolloutState| {
            Deployment::builder()
                .id(id)
                .status("PRIMARY")
                .rollout_state(state)
                .build()
        };
        let done = [d("a", DeploymentRolloutState::Completed)];
        assert_eq!(judge_legacy(&done, "a"), Some(Verdict::Deployed));
        let two = [
            d("a", DeploymentRolloutState::Completed),
            d("b", DeploymentRolloutState::Completed),
        ];
        assert_eq!(judge_legacy(&two, "a"), None);
        assert!(matches!(judge_legacy(&done, "x"), Some(Verdict::Failed(_))));
        let failed = [d("a", DeploymentRolloutState::Failed)];
        assert!(matches!(
            judge_legacy(&failed, "a"),
            Some(Verdict::Failed(_))
        ));
    }

    #[test]
    fn the_worst_standing_decides() {
        use Standing::*;
        assert_eq!(exit_code(&[]), 0);
        assert_eq!(exit_code(&[Good, Good]), 0);
        assert_eq!(exit_code(&[Good, Back]), 1);
        assert_eq!(exit_code(&[Back, TimedOut]), 124);
        assert_eq!(exit_code(&[TimedOut, Unhealthy, Good]), 3);
    }
}
