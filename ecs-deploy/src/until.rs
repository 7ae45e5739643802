//! `--until STAGE`: stop following once our service deployment has reached a lifecycle
//! stage, and say that the deployment goes on without us.
//!
//! "Reached" means: the deployment is still IN_PROGRESS (not rolling back, not stopping) and
//! its `lifecycleStage` is STAGE or a later one in the order ECS goes through them
//! ([`ORDER`]). A strategy skips stages (a rolling deployment goes from SCALE_UP to CLEAN_UP,
//! without traffic shifts or BAKE_TIME), so a later stage counts: `--until BAKE_TIME` on a
//! rolling service stops at CLEAN_UP. A deployment that ends first gets its own verdict
//! (deployed, rolled back...), as without `--until`. Services without service deployments
//! have no stages: they are followed to the end.

use aws_sdk_ecs::types::{ServiceDeployment, ServiceDeploymentStatus};

use crate::verdict::Verdict;

/// The lifecycle stages of a service deployment, in the order ECS goes through them
/// (`--until` takes these names).
pub const ORDER: [&str; 10] = [
    "RECONCILE_SERVICE",
    "PRE_SCALE_UP",
    "SCALE_UP",
    "POST_SCALE_UP",
    "TEST_TRAFFIC_SHIFT",
    "POST_TEST_TRAFFIC_SHIFT",
    "PRODUCTION_TRAFFIC_SHIFT",
    "POST_PRODUCTION_TRAFFIC_SHIFT",
    "BAKE_TIME",
    "CLEAN_UP",
];

fn position(stage: &str) -> Option<usize> {
    ORDER.iter().position(|s| *s == stage)
}

/// `Some(Verdict::Reached)` once `sd` is IN_PROGRESS at `until` or a later stage.
pub fn reached(sd: &ServiceDeployment, until: Option<&str>) -> Option<Verdict> {
    let until = until?;
    if sd.status() != Some(&ServiceDeploymentStatus::InProgress) {
        return None;
    }
    let stage = sd.lifecycle_stage()?.as_str();
    let (now, wanted) = (position(stage)?, position(until)?);
    (now >= wanted).then(|| {
        let at = if stage == until {
            String::new()
        } else {
            format!(" (the deployment is at {stage}, past it)")
        };
        Verdict::Reached(format!(
            "stopped waiting at {until}{at}; the deployment continues"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ecs::types::ServiceDeploymentLifecycleStage as Stage;

    fn sd(status: ServiceDeploymentStatus, stage: Stage) -> ServiceDeployment {
        ServiceDeployment::builder()
            .status(status)
            .lifecycle_stage(stage)
            .build()
    }

    #[test]
    fn the_order_names_every_stage_the_sdk_knows() {
        let mut ours = ORDER.to_vec();
        let mut sdk = aws_sdk_ecs::types::ServiceDeploymentLifecycleStage::values().to_vec();
        ours.sort_unstable();
        sdk.sort_unstable();
        assert_eq!(ours, sdk);
    }

    // No test against the emulator for this: it models rolling deployments only (SCALE_UP,
    // CLEAN_UP), never a blue/green BAKE_TIME.
    #[test]
    fn a_blue_green_deployment_in_bake_time_has_reached_bake_time_and_earlier_stages() {
        let baking = sd(ServiceDeploymentStatus::InProgress, Stage::BakeTime);
        assert_eq!(
            reached(&baking, Some("BAKE_TIME")),
            Some(Verdict::Reached(
                "stopped waiting at BAKE_TIME; the deployment continues".into()
            ))
        );
        let Some(Verdict::Reached(msg)) = reached(&baking, Some("PRODUCTION_TRAFFIC_SHIFT")) else {
            panic!("a later stage counts");
        };
        assert!(
            msg.contains("(the deployment is at BAKE_TIME, past it)"),
            "{msg}"
        );
        assert_eq!(reached(&baking, Some("CLEAN_UP")), None);
        assert_eq!(reached(&baking, None), None);
    }

    #[test]
    fn only_a_deployment_in_progress_reaches_a_stage() {
        for status in [
            ServiceDeploymentStatus::RollbackInProgress,
            ServiceDeploymentStatus::StopRequested,
            ServiceDeploymentStatus::Pending,
            ServiceDeploymentStatus::Successful,
        ] {
            assert_eq!(
                reached(&sd(status.clone(), Stage::CleanUp), Some("SCALE_UP")),
                None,
                "{status:?}"
            );
        }
        let rolling = sd(ServiceDeploymentStatus::InProgress, Stage::ScaleUp);
        assert_eq!(reached(&rolling, Some("BAKE_TIME")), None);
    }

    /// A blue/green deployment through the follow loop, with scripted ECS answers
    /// (aws-smithy-mocks): the emulator has no BAKE_TIME stage. The follow stops at the poll
    /// that sees BAKE_TIME, not before, without waiting for the bake time to end.
    #[tokio::test]
    async fn the_follow_stops_at_bake_time() {
        use std::time::Duration;

        use aws_sdk_ecs::Client;
        use aws_sdk_ecs::operation::describe_service_deployments::DescribeServiceDeploymentsOutput;
        use aws_sdk_ecs::operation::describe_services::DescribeServicesOutput;
        use aws_sdk_ecs::operation::list_tasks::ListTasksOutput;
        use aws_sdk_ecs::types::Service;
        use aws_smithy_mocks::{RuleMode, mock, mock_client};

        use crate::follow::{Ctx, Watch, follow};
        use crate::log::Log;

        const SD: &str = "arn:aws:ecs:us-east-2:1:service-deployment/ci/web/new";
        const NEW: &str = "arn:aws:ecs:us-east-2:1:task-definition/web:2";
        let stage = |stage: Stage| {
            move || {
                DescribeServiceDeploymentsOutput::builder()
                    .service_deployments(
                        ServiceDeployment::builder()
                            .service_deployment_arn(SD)
                            .status(ServiceDeploymentStatus::InProgress)
                            .lifecycle_stage(stage.clone())
                            .build(),
                    )
                    .build()
            }
        };
        let describe = mock!(Client::describe_services).then_output(|| {
            DescribeServicesOutput::builder()
                .services(
                    Service::builder()
                        .service_name("web")
                        .task_definition(NEW)
                        .current_service_deployment(SD)
                        .build(),
                )
                .build()
        });
        let sd = mock!(Client::describe_service_deployments)
            .sequence()
            .output(stage(Stage::ScaleUp))
            .output(stage(Stage::ProductionTrafficShift))
            .output(stage(Stage::BakeTime))
            .build();
        let tasks = mock!(Client::list_tasks).then_output(|| ListTasksOutput::builder().build());
        let client = mock_client!(
            aws_sdk_ecs,
            RuleMode::MatchAny,
            &[&describe, &sd, &tasks],
            |c| c.retry_config(cli_support::aws::default_retries())
        );
        let ctx = Ctx {
            ecs: &client,
            cluster: "ci",
            log: Log { quiet: true },
            poll: Duration::from_millis(1),
        };
        let mut w = Watch::new("web");
        w.updated = true;
        w.until = Some("BAKE_TIME".into());
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        let v = follow(ctx, &mut w, NEW, deadline).await.unwrap();
        assert_eq!(
            v,
            Verdict::Reached("stopped waiting at BAKE_TIME; the deployment continues".into())
        );
        assert_eq!(sd.num_calls(), 3);
    }
}
