//! What a service runs before the update, read from DescribeServices' `deployments[]`: the
//! rollback target is the task definition that last completed a rollout and still runs, not
//! merely the one the service is set to (after a failed rollout without ECS's rollback the
//! service is set to the failed revision while the old tasks keep running).

use aws_sdk_ecs::types::{Deployment, DeploymentRolloutState, Service};

/// Where the service stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// One deployment, its rollout completed (or a service without rollout states).
    Stable,
    /// A rollout is in progress.
    InProgress,
    /// The newest rollout failed (ECS did not roll it back); older tasks may still run.
    Failed,
}

/// A service before the update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Before {
    /// The task definition the service is set to.
    pub set_to: String,
    /// The rollback target: the task definition of the deployment that completed last and
    /// still runs; the one it is set to when none is known to have completed.
    pub target: String,
    /// Whether `target` is known to have completed a rollout.
    pub target_completed: bool,
    pub state: State,
}

fn completed(d: &Deployment) -> bool {
    matches!(
        d.rollout_state(),
        Some(DeploymentRolloutState::Completed) | None
    )
}

/// Read `svc`.
pub fn assess(svc: &Service) -> Before {
    let set_to = svc.task_definition().unwrap_or_default().to_owned();
    let deployments = svc.deployments();
    let primary = deployments.iter().find(|d| d.status() == Some("PRIMARY"));
    let state = match primary.and_then(Deployment::rollout_state) {
        Some(DeploymentRolloutState::Failed) => State::Failed,
        Some(DeploymentRolloutState::InProgress) => State::InProgress,
        _ if deployments.len() > 1 => State::InProgress,
        _ => State::Stable,
    };
    if state == State::Stable {
        return Before {
            target: set_to.clone(),
            set_to,
            target_completed: true,
            state,
        };
    }
    // The newest other deployment that completed (ECS lists the newest first), else none.
    let older = deployments
        .iter()
        .filter(|d| d.status() != Some("PRIMARY") && completed(d))
        .max_by_key(|d| d.created_at().and_then(|t| t.to_millis().ok()))
        .and_then(Deployment::task_definition);
    match older {
        Some(td) => Before {
            set_to,
            target: td.to_owned(),
            target_completed: true,
            state,
        },
        None => Before {
            target: set_to.clone(),
            set_to,
            target_completed: false,
            state,
        },
    }
}

/// The line that says what the service runs and what a rollback returns to.
pub fn describe(b: &Before) -> String {
    match b.state {
        State::Stable => format!("runs {}", b.target),
        State::InProgress if b.target_completed => format!(
            "a rollout of {} is in progress; {} (which completed before it) still runs",
            b.set_to, b.target
        ),
        State::InProgress => format!(
            "a rollout of {} is in progress and no earlier one is known to have completed",
            b.set_to
        ),
        State::Failed if b.target_completed => format!(
            "the last rollout (of {}) failed; {} (which completed before it) still runs",
            b.set_to, b.target
        ),
        State::Failed => format!(
            "the last rollout (of {}) failed and no earlier one is known to have completed",
            b.set_to
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ecs::types::Deployment;
    use aws_smithy_types::DateTime;

    fn dep(status: &str, td: &str, state: DeploymentRolloutState, at: i64) -> Deployment {
        Deployment::builder()
            .status(status)
            .task_definition(td)
            .rollout_state(state)
            .created_at(DateTime::from_secs(at))
            .build()
    }

    fn svc(set_to: &str, deployments: Vec<Deployment>) -> Service {
        Service::builder()
            .task_definition(set_to)
            .set_deployments(Some(deployments))
            .build()
    }

    #[test]
    fn a_stable_service_runs_what_it_is_set_to() {
        let b = assess(&svc(
            "td:1",
            vec![dep("PRIMARY", "td:1", DeploymentRolloutState::Completed, 1)],
        ));
        assert_eq!(
            (b.state, b.target.as_str(), b.target_completed),
            (State::Stable, "td:1", true)
        );
    }

    #[test]
    fn after_a_failed_rollout_the_target_is_what_completed_before() {
        let b = assess(&svc(
            "td:5",
            vec![
                dep("PRIMARY", "td:5", DeploymentRolloutState::Failed, 3),
                dep("ACTIVE", "td:1", DeploymentRolloutState::Completed, 1),
            ],
        ));
        assert_eq!(
            (b.state, b.set_to.as_str(), b.target.as_str()),
            (State::Failed, "td:5", "td:1")
        );
        assert!(describe(&b).contains("failed; td:1"));
    }

    #[test]
    fn during_a_rollout_the_target_is_the_newest_completed_one() {
        let b = assess(&svc(
            "td:3",
            vec![
                dep("PRIMARY", "td:3", DeploymentRolloutState::InProgress, 5),
                dep("ACTIVE", "td:1", DeploymentRolloutState::Completed, 1),
                dep("ACTIVE", "td:2", DeploymentRolloutState::Completed, 3),
            ],
        ));
        assert_eq!((b.state, b.target.as_str()), (State::InProgress, "td:2"));
    }

    #[test]
    fn a_first_rollout_that_failed_has_no_completed_target() {
        let b = assess(&svc(
            "td:1",
            vec![dep("PRIMARY", "td:1", DeploymentRolloutState::Failed, 1)],
        ));
        assert_eq!(
            (b.state, b.target.as_str(), b.target_completed),
            (State::Failed, "td:1", false)
        );
    }
}
