//! `ecs-deploy rollback`: where to roll a service back to. The rollout itself is a deploy of
//! that task definition (`--task-definition`), followed like any other.
//!
//! Without `--to` the target is what the service last ran successfully before what it runs
//! now: its SUCCESSFUL service deployments, newest first (ListServiceDeployments, every
//! page), the current one skipped, and each one's target service revision read
//! (DescribeServiceRevisions) until one runs a task definition other than the service's own.
//! Never "the previous revision number": a revision registered but never deployed, or one
//! that failed, is not what ran. With `--to`, DescribeTaskDefinition resolves the name and
//! checks that it exists.
//!
//! Retries: the SDK's (a handful of calls, nothing polled).

use aws_sdk_ecs::Client;
use aws_sdk_ecs::types::ServiceDeploymentStatus;
use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;
use cli_support::aws::AwsResultExt as _;

use crate::exit;
use crate::log::{self, Log};
use crate::settings::{Deploy, Input, Rollback, Settings};
use crate::summary::{ServiceSummary, Summary};

/// The task definition to roll back to, and why it is that one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub task_definition_arn: String,
    /// A sentence for the log: where the target comes from.
    pub why: String,
}

/// `ecs-deploy rollback` at its call point: [`deploy`] with a client of its own (from the
/// same arguments). When no target is found, the run ends here: the `--summary` file (and
/// under GitHub Actions the step summary) still says why.
pub async fn at_call_point(s: &Settings, r: &Rollback) -> anyhow::Result<Deploy> {
    let started = log::now();
    let result = async {
        let config = cli_support::aws::load_config(&s.aws, None).await?;
        crate::arn::check_regions(&s.arn_regions, config.region().map_or("", |r| r.as_ref()))?;
        deploy(&Client::new(&config), &s.cluster, r, s.quiet).await
    }
    .await;
    if let Err(e) = &result {
        let finished = log::now();
        let summary = Summary {
            outcome: "error",
            exit_code: cli_support::report::code_for(e, exit::FAILED),
            cluster: s.cluster.clone(),
            started_at: log::rfc3339(&started).unwrap_or_default(),
            finished_at: log::rfc3339(&finished),
            elapsed_seconds: Some(log::seconds_between(started, finished)),
            error: Some(format!("{e:#}")),
            services: vec![ServiceSummary {
                service: r.service.clone(),
                verdict: "not_started",
                reason: Some(format!("{e:#}")),
                ..ServiceSummary::default()
            }],
            ..Summary::default()
        };
        if let Some(path) = &s.summary
            && let Err(w) = summary.write(path)
        {
            cli_support::report::warn(format_args!(
                "cannot write the summary to {}: {w:#}",
                path.display()
            ));
        }
        crate::gha::at_end(&summary)?;
    }
    result
}

/// Resolve the target and print it; the deploy that carries the rollback.
pub async fn deploy(
    ecs: &Client,
    cluster: &str,
    r: &Rollback,
    quiet: bool,
) -> anyhow::Result<Deploy> {
    let target = find(ecs, cluster, &r.service, r.to.as_deref()).await?;
    Log { quiet }.service(
        &r.service,
        format_args!(
            "rolling back to {}: {}",
            target.task_definition_arn, target.why
        ),
    );
    Ok(Deploy {
        input: Input::Existing(target.task_definition_arn),
        services: vec![r.service.clone()],
        force_new_deployment: false,
        verify: false,
        rollback_on_failure: false,
        until: None,
    })
}

/// Where `service` rolls back to: `to` resolved, else the last successful deployment's task
/// definition before the current one. Nothing to roll back to is an error (exit 1).
pub async fn find(
    ecs: &Client,
    cluster: &str,
    service: &str,
    to: Option<&str>,
) -> anyhow::Result<Target> {
    if let Some(to) = to {
        return resolve(ecs, to).await;
    }
    let out = ecs
        .describe_services()
        .cluster(cluster)
        .services(service)
        .send()
        .await
        .aws("DescribeServices")?;
    let Some(svc) = out.services().first() else {
        let why = out
            .failures()
            .first()
            .and_then(|f| f.reason())
            .unwrap_or("not found");
        return Err(nothing(&format!(
            "service {service} in cluster {cluster}: {why}"
        )));
    };
    let current_td = svc.task_definition().unwrap_or_default();
    let current = svc.current_service_deployment();
    let mut token: Option<String> = None;
    let mut skipped_same = 0usize;
    loop {
        let page = ecs
            .list_service_deployments()
            .cluster(cluster)
            .service(service)
            .status(ServiceDeploymentStatus::Successful)
            .set_next_token(token.take())
            .send()
            .await
            .aws("ListServiceDeployments")?;
        for d in page.service_deployments() {
            let arn = d.service_deployment_arn().unwrap_or_default();
            if Some(arn) == current {
                continue;
            }
            let Some(revision) = d.target_service_revision_arn() else {
                continue;
            };
            let td = revision_task_definition(ecs, revision).await?;
            if td == current_td {
                skipped_same += 1;
                continue;
            }
            let when = d
                .finished_at()
                .or(d.created_at())
                .map_or_else(String::new, |t| format!(", finished {}", stamp(t)));
            return Ok(Target {
                task_definition_arn: td,
                why: format!(
                    "the last SUCCESSFUL service deployment before the current one \
                     ({arn}{when}; revision {revision}) ran it"
                ),
            });
        }
        match page.next_token() {
            Some(t) if !t.is_empty() => token = Some(t.to_owned()),
            _ => break,
        }
    }
    let same = if skipped_same > 0 {
        format!(
            " ({skipped_same} earlier successful one{} ran {current_td} too)",
            if skipped_same == 1 { "" } else { "s" }
        )
    } else {
        String::new()
    };
    Err(nothing(&format!(
        "{service}: no SUCCESSFUL service deployment before the current one runs a task \
         definition other than {current_td}{same}: nothing to roll back to; name one with --to"
    )))
}

/// `--to`: the full ARN of an existing revision.
async fn resolve(ecs: &Client, to: &str) -> anyhow::Result<Target> {
    let out = ecs
        .describe_task_definition()
        .task_definition(to)
        .send()
        .await
        .aws("DescribeTaskDefinition")
        .map_err(|e| nothing(&format!("--to {to}: no such task definition: {e}")))?;
    let arn = out
        .task_definition()
        .and_then(|t| t.task_definition_arn())
        .ok_or_else(|| nothing(&format!("--to {to}: DescribeTaskDefinition gave no ARN")))?;
    Ok(Target {
        task_definition_arn: arn.to_owned(),
        why: format!("given with --to {to}"),
    })
}

/// The task definition a service revision runs.
async fn revision_task_definition(ecs: &Client, revision: &str) -> anyhow::Result<String> {
    let out = ecs
        .describe_service_revisions()
        .service_revision_arns(revision)
        .send()
        .await
        .aws("DescribeServiceRevisions")?;
    out.service_revisions()
        .first()
        .and_then(|r| r.task_definition())
        .map(str::to_owned)
        .ok_or_else(|| {
            let why = out
                .failures()
                .first()
                .and_then(|f| f.reason())
                .unwrap_or("no task definition");
            anyhow::anyhow!("DescribeServiceRevisions: {revision}: {why}")
        })
}

/// Nothing to roll back to, or no such target: exit 1, nothing changed.
fn nothing(msg: &str) -> anyhow::Error {
    cli_support::report::exit(exit::FAILED, format!("{msg}; nothing was changed"))
}

fn stamp(t: &DateTime) -> String {
    t.fmt(Format::DateTime).unwrap_or_default()
}
