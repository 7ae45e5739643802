//! The follow loop against scripted ECS answers (aws-smithy-mocks), for what the emulator
//! cannot produce on demand: throttling mid-watch, a service without service deployments
//! (another deployment controller, an older API), ECS's rollback seen through
//! `deployments[]`. Mock clients have the production retry configuration, so the calls
//! counted are the calls production sends.

use std::time::Duration;

use aws_sdk_ecs::Client;
use aws_sdk_ecs::operation::describe_service_deployments::DescribeServiceDeploymentsOutput;
use aws_sdk_ecs::operation::describe_service_revisions::DescribeServiceRevisionsOutput;
use aws_sdk_ecs::operation::describe_services::DescribeServicesOutput;
use aws_sdk_ecs::operation::list_tasks::ListTasksOutput;
use aws_sdk_ecs::types::{
    Deployment, DeploymentRolloutState, Service, ServiceDeployment, ServiceDeploymentStatus,
    ServiceRevision, ServiceRevisionSummary,
};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use tokio::time::Instant;

use crate::follow::{Ctx, Watch, follow};
use crate::log::Log;
use crate::verdict::Verdict;

const OLD: &str = "arn:aws:ecs:us-east-2:1:task-definition/web:1";
const NEW: &str = "arn:aws:ecs:us-east-2:1:task-definition/web:2";
const SD: &str = "arn:aws:ecs:us-east-2:1:service-deployment/ci/web/new";
const REV: &str = "arn:aws:ecs:us-east-2:1:service-revision/ci/web/2";

/// What `aws_config` resolves by default: the production retry configuration.
fn ecs(rules: &[&Rule]) -> Client {
    mock_client!(aws_sdk_ecs, RuleMode::MatchAny, rules, |c| c
        .retry_config(cli_support::aws::default_retries()))
}

fn services(svc: Service) -> DescribeServicesOutput {
    DescribeServicesOutput::builder().services(svc).build()
}

fn deployment(id: &str, td: &str, state: DeploymentRolloutState) -> Deployment {
    Deployment::builder()
        .id(id)
        .status("PRIMARY")
        .task_definition(td)
        .rollout_state(state)
        .desired_count(2)
        .running_count(2)
        .build()
}

fn no_tasks() -> Rule {
    mock!(Client::list_tasks).then_output(|| ListTasksOutput::builder().build())
}

async fn run(client: &Client, w: &mut Watch) -> Verdict {
    let ctx = Ctx {
        ecs: client,
        cluster: "ci",
        log: Log { quiet: true },
        poll: Duration::from_millis(1),
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    follow(ctx, w, NEW, deadline).await.unwrap()
}

fn watch() -> Watch {
    let mut w = Watch::new("web");
    w.recorded_td = OLD.into();
    w.updated = true;
    w
}

#[tokio::test]
async fn a_throttled_poll_is_made_again_at_the_next_one() {
    let describe = mock!(Client::describe_services)
        .sequence()
        .http_status(
            400,
            Some(r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#.into()),
        )
        .output(|| {
            services(
                Service::builder()
                    .service_name("web")
                    .task_definition(NEW)
                    .current_service_deployment(SD)
                    .build(),
            )
        })
        .repeatedly()
        .build();
    let sd = mock!(Client::describe_service_deployments).then_output(|| {
        DescribeServiceDeploymentsOutput::builder()
            .service_deployments(
                ServiceDeployment::builder()
                    .service_deployment_arn(SD)
                    .status(ServiceDeploymentStatus::Successful)
                    .target_service_revision(ServiceRevisionSummary::builder().arn(REV).build())
                    .build(),
            )
            .build()
    });
    let rev = mock!(Client::describe_service_revisions).then_output(|| {
        DescribeServiceRevisionsOutput::builder()
            .service_revisions(
                ServiceRevision::builder()
                    .service_revision_arn(REV)
                    .task_definition(NEW)
                    .build(),
            )
            .build()
    });
    let tasks = no_tasks();
    let client = ecs(&[&describe, &sd, &rev, &tasks]);
    let mut w = watch();
    assert_eq!(run(&client, &mut w).await, Verdict::Deployed);
    // the SDK did not retry the throttled poll: the loop did, once; then the last events
    // are read after the verdict
    assert_eq!(describe.num_calls(), 3);
    assert_eq!(w.summary.followed, Some("service_deployments"));
}

#[tokio::test]
async fn a_service_without_service_deployments_is_followed_through_deployments() {
    let describe = mock!(Client::describe_services)
        .sequence()
        .output(|| {
            services(
                Service::builder()
                    .service_name("web")
                    .task_definition(NEW)
                    .deployments(deployment(
                        "ecs-svc/2",
                        NEW,
                        DeploymentRolloutState::InProgress,
                    ))
                    .deployments(deployment(
                        "ecs-svc/1",
                        OLD,
                        DeploymentRolloutState::Completed,
                    ))
                    .build(),
            )
        })
        .output(|| {
            services(
                Service::builder()
                    .service_name("web")
                    .task_definition(NEW)
                    .deployments(deployment(
                        "ecs-svc/2",
                        NEW,
                        DeploymentRolloutState::Completed,
                    ))
                    .build(),
            )
        })
        // the last events, read after the verdict
        .repeatedly()
        .build();
    let tasks = no_tasks();
    let client = ecs(&[&describe, &tasks]);
    let mut w = watch();
    assert_eq!(run(&client, &mut w).await, Verdict::Deployed);
    assert_eq!(describe.num_calls(), 3);
    assert_eq!(w.summary.followed, Some("deployments"));
    assert_eq!(w.summary.deployment_arn.as_deref(), Some("ecs-svc/2"));
    assert_eq!(w.summary.status.as_deref(), Some("COMPLETED"));
}

#[tokio::test]
async fn ecs_rolling_back_is_seen_through_deployments() {
    let failed = || {
        let mut d = deployment("ecs-svc/2", NEW, DeploymentRolloutState::Failed);
        d.rollout_state_reason =
            Some("ECS deployment circuit breaker: tasks failed to start.".into());
        d
    };
    let describe = mock!(Client::describe_services)
        .sequence()
        .output(|| {
            services(
                Service::builder()
                    .service_name("web")
                    .task_definition(NEW)
                    .deployments(deployment(
                        "ecs-svc/2",
                        NEW,
                        DeploymentRolloutState::InProgress,
                    ))
                    .build(),
            )
        })
        .output(move || {
            services(
                Service::builder()
                    .service_name("web")
                    .task_definition(OLD)
                    .deployments(deployment(
                        "ecs-svc/3",
                        OLD,
                        DeploymentRolloutState::InProgress,
                    ))
                    .deployments(failed())
                    .build(),
            )
        })
        .output(|| {
            services(
                Service::builder()
                    .service_name("web")
                    .task_definition(OLD)
                    .deployments(deployment(
                        "ecs-svc/3",
                        OLD,
                        DeploymentRolloutState::Completed,
                    ))
                    .build(),
            )
        })
        .repeatedly()
        .build();
    let tasks = no_tasks();
    let client = ecs(&[&describe, &tasks]);
    let mut w = watch();
    let v = run(&client, &mut w).await;
    assert!(matches!(v, Verdict::RolledBackByEcs(_)), "{v:?}");
    assert_eq!(w.last_td.as_deref(), Some(OLD));
}
