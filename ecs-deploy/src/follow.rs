//! Following one service's rollout to a verdict: every `--poll`, DescribeServices (events,
//! `currentServiceDeployment`, `deployments[]`) and DescribeServiceDeployments for the
//! deployment followed; DescribeServiceRevisions once it is SUCCESSFUL, to check that its
//! target revision runs the task definition deployed; ListTasks/DescribeTasks for the stopped
//! tasks of our deployment (each described once). A service without service deployments is
//! followed through `deployments[]` and `rolloutState` instead, and the tool says so.

use std::time::Duration;

use aws_sdk_ecs::Client;
use aws_sdk_ecs::types::{Service, ServiceDeployment};
use tokio::time::Instant;

use crate::ecs;
use crate::explain::Seen;
use crate::log::Log;
use crate::summary::ServiceSummary;
use crate::verdict::{self, Verdict};

/// What every follow shares.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    pub ecs: &'a Client,
    pub cluster: &'a str,
    pub log: Log,
    pub poll: Duration,
}

/// How a service's deployment starts.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// UpdateService to the task definition.
    #[default]
    Update,
    /// Our task definition is rolling out already: follow that deployment, update nothing.
    Follow,
    /// Our task definition's last rollout failed: UpdateService with a new deployment.
    Again,
}

/// One service: what it ran before, what is followed, what was seen.
#[derive(Debug, Default)]
pub struct Watch {
    pub name: String,
    pub summary: ServiceSummary,
    /// The task definition it ran before: the rollback target.
    pub recorded_td: String,
    /// The service deployment followed (ours, later a rollback's).
    pub sd: Option<String>,
    /// A service deployment that is not the one followed (the one before the update).
    pub not_ours: Option<String>,
    /// Our deployment's id in `deployments[]` (`ecs-svc/N`): the startedBy of its tasks.
    pub deployment_id: Option<String>,
    /// Following `deployments[]` (no service deployments).
    pub legacy: bool,
    /// The followed deployment could still change (StopServiceDeployment accepts it).
    pub ongoing: bool,
    /// UpdateService was sent (the service may have changed).
    pub updated: bool,
    /// The service's task definition at the last poll.
    pub last_td: Option<String>,
    /// The service's desired count at the last poll.
    pub desired: Option<i32>,
    /// What the service ran before the update (`None` before DescribeServices).
    pub before: Option<crate::before::Before>,
    /// How our deployment starts.
    pub start: Start,
    /// The PRIMARY deployment's id before the update.
    pub primary_id: Option<String>,
    pub verdict: Option<Verdict>,
    /// `--until STAGE` while our deployment is followed (until.rs).
    pub until: Option<String>,
    pub seen: Seen,
    progress: String,
}

impl Watch {
    pub fn new(name: &str) -> Watch {
        Watch {
            name: name.to_owned(),
            summary: ServiceSummary {
                service: name.to_owned(),
                verdict: "not_started",
                ..ServiceSummary::default()
            },
            ..Watch::default()
        }
    }

    /// Take `arn` as the service deployment followed.
    pub fn follow_deployment(&mut self, arn: &str, log: Log) {
        if self.sd.as_deref() == Some(arn) {
            return;
        }
        self.sd = Some(arn.to_owned());
        self.legacy = false;
        self.ongoing = true;
        self.summary.followed = Some("service_deployments");
        if self.summary.deployment_arn.is_none() {
            self.summary.deployment_arn = Some(arn.to_owned());
        }
        log.service(
            &self.name,
            format_args!("following service deployment {arn}"),
        );
    }

    /// What UpdateService answered: our deployment's id, and our service deployment when the
    /// answer names it already.
    pub fn updated(&mut self, svc: &Service, log: Log) {
        self.deployment_id = svc
            .deployments()
            .iter()
            .find(|d| d.status() == Some("PRIMARY"))
            .and_then(|d| d.id())
            .map(str::to_owned);
        if let Some(arn) = svc.current_service_deployment()
            && Some(arn) != self.not_ours.as_deref()
        {
            self.follow_deployment(arn, log);
        }
    }
}

/// Follow until a verdict or `deadline` (then `TimedOut`); `target` is the task definition
/// the deployment followed must end on.
pub async fn follow(
    ctx: Ctx<'_>,
    w: &mut Watch,
    target: &str,
    deadline: Instant,
) -> anyhow::Result<Verdict> {
    loop {
        // A poll that has not answered by the deadline (an API that stopped answering) is
        // dropped: polls only read.
        let Ok(polled) = tokio::time::timeout_at(deadline, poll(ctx, w, target)).await else {
            return Ok(Verdict::TimedOut);
        };
        match polled {
            Ok(Some(v)) => return Ok(v),
            Ok(None) => {}
            // Throttled, a 5xx, a network failure: made again at the next poll.
            Err(e) if retryable(&e) => {
                ctx.log.warn(
                    &w.name,
                    format_args!("{e:#} (trying again at the next poll)"),
                );
            }
            Err(e) => return Err(e),
        }
        let now = Instant::now();
        if now >= deadline {
            return Ok(Verdict::TimedOut);
        }
        tokio::time::sleep(ctx.poll.min(deadline - now)).await;
    }
}

/// One poll: events, the decision, stopped tasks.
async fn poll(ctx: Ctx<'_>, w: &mut Watch, target: &str) -> anyhow::Result<Option<Verdict>> {
    let svc = ecs::describe_service(ctx.ecs, ctx.cluster, &w.name).await?;
    let events = w.seen.new_events(&w.name, svc.events(), ctx.log);
    w.summary.events.extend(events);
    w.last_td = svc.task_definition().map(str::to_owned);
    w.desired = Some(svc.desired_count());
    // Deleted under the follow: no rollout of it will end; an error, not a wait to --timeout.
    if let Some(status) = svc.status().filter(|s| *s != "ACTIVE") {
        anyhow::bail!(
            "the service is {status} (deleted?), not ACTIVE: its rollout cannot be followed"
        );
    }
    let verdict = step(ctx, w, &svc, target).await?;
    sweep_stopped(ctx, w).await?;
    if verdict.is_some() {
        // The last events before the verdict: the rollback's, or the deployment's completion
        // and steady state, which ECS may record between the two reads above.
        let svc = ecs::describe_service(ctx.ecs, ctx.cluster, &w.name).await?;
        let events = w.seen.new_events(&w.name, svc.events(), ctx.log);
        w.summary.events.extend(events);
        w.last_td = svc.task_definition().map(str::to_owned);
    }
    Ok(verdict)
}

fn retryable(e: &anyhow::Error) -> bool {
    e.chain()
        .find_map(|c| c.downcast_ref::<cli_support::aws::AwsError>())
        .is_some_and(cli_support::aws::AwsError::is_retryable)
}

/// One poll's decision.
async fn step(
    ctx: Ctx<'_>,
    w: &mut Watch,
    svc: &Service,
    target: &str,
) -> anyhow::Result<Option<Verdict>> {
    if w.sd.is_none() && !w.legacy {
        match svc.current_service_deployment() {
            Some(arn) if Some(arn) != w.not_ours.as_deref() => w.follow_deployment(arn, ctx.log),
            Some(_) => return Ok(None), // ours is not there yet
            None => {
                w.legacy = true;
                w.summary.followed = Some("deployments");
                ctx.log.service(
                    &w.name,
                    "the service has no service deployments: following deployments[] and \
                     rolloutState",
                );
            }
        }
    }
    if w.legacy {
        return Ok(step_legacy(ctx, w, svc, target));
    }
    let arn = w.sd.clone().unwrap_or_default();
    let Some(sd) = ecs::describe_service_deployment(ctx.ecs, &arn).await? else {
        w.ongoing = false;
        return Ok(Some(Verdict::Failed(format!(
            "service deployment {arn} is not known to ECS"
        ))));
    };
    record(ctx, w, &sd);
    // until.rs: `--until STAGE`.
    if let Some(v) = crate::until::reached(&sd, w.until.as_deref()) {
        return Ok(Some(v));
    }
    let verdict = match verdict::judge(&sd) {
        Some(Verdict::Deployed) => {
            let revision = sd.target_service_revision().and_then(|r| r.arn());
            let td = match revision {
                Some(rev) => ecs::revision_task_definition(ctx.ecs, rev).await?,
                None => None,
            };
            if td.as_deref() == Some(target) {
                Verdict::Deployed
            } else {
                Verdict::Failed(format!(
                    "service deployment {arn} is SUCCESSFUL, but its target revision runs {}, \
                     not {target}",
                    td.as_deref().unwrap_or("an unknown task definition")
                ))
            }
        }
        Some(Verdict::Stopped(reason)) => match svc.current_service_deployment() {
            Some(other) if other != arn => Verdict::Replaced(format!(
                "replaced by service deployment {other} (ours was stopped: {reason})"
            )),
            _ => Verdict::Stopped(reason),
        },
        Some(v) => v,
        None => return Ok(None),
    };
    Ok(Some(verdict))
}

/// Status, reason, monitors and progress of the service deployment followed.
fn record(ctx: Ctx<'_>, w: &mut Watch, sd: &ServiceDeployment) {
    w.ongoing = verdict::ongoing(sd);
    let status = sd.status().map_or("UNKNOWN", |s| s.as_str()).to_owned();
    w.summary.status = Some(status.clone());
    w.summary.status_reason = sd.status_reason().map(str::to_owned);
    for t in verdict::tripped(sd) {
        if !w.summary.tripped.contains(&t) {
            ctx.log.service(&w.name, format_args!("tripped: {t}"));
            w.summary.tripped.push(t);
        }
    }
    let stage = sd.lifecycle_stage().map_or("", |s| s.as_str());
    let counts = sd.target_service_revision().map_or(String::new(), |r| {
        format!(
            ": {} running, {} pending of {}",
            r.running_task_count(),
            r.pending_task_count(),
            r.requested_task_count()
        )
    });
    let reason = sd
        .status_reason()
        .map_or(String::new(), |r| format!(" ({r})"));
    let progress = if stage.is_empty() {
        format!("{status}{reason}{counts}")
    } else {
        format!("{status} {stage}{reason}{counts}")
    };
    if progress != w.progress {
        ctx.log.progress(&w.name, &progress);
        w.progress = progress;
    }
}

/// The `deployments[]` path.
fn step_legacy(ctx: Ctx<'_>, w: &mut Watch, svc: &Service, target: &str) -> Option<Verdict> {
    if w.deployment_id.is_none() {
        w.deployment_id = svc
            .deployments()
            .iter()
            .find(|d| d.status() == Some("PRIMARY") && d.task_definition() == Some(target))
            .and_then(|d| d.id())
            .map(str::to_owned);
    }
    let id = w.deployment_id.clone()?;
    if w.summary.deployment_arn.is_none() {
        w.summary.deployment_arn = Some(id.clone());
    }
    if let Some(d) = svc.deployments().iter().find(|d| d.id() == Some(&id)) {
        let state = d.rollout_state().map_or("", |s| s.as_str()).to_owned();
        w.summary.status = Some(state.clone());
        w.summary.status_reason = d.rollout_state_reason().map(str::to_owned);
        let progress = format!(
            "{id} {state}: {} running, {} pending of {}",
            d.running_count(),
            d.pending_count(),
            d.desired_count()
        );
        if progress != w.progress {
            ctx.log.progress(&w.name, &progress);
            w.progress = progress;
        }
    }
    let v = verdict::judge_legacy(svc.deployments(), &id);
    w.ongoing = v.is_none();
    match v {
        Some(Verdict::Deployed) if svc.task_definition() != Some(target) => {
            Some(Verdict::Failed(format!(
                "deployment {id} completed, but the service runs {}",
                svc.task_definition()
                    .unwrap_or("an unknown task definition")
            )))
        }
        Some(Verdict::Failed(r)) if svc.task_definition() == Some(w.recorded_td.as_str()) => {
            // ECS put the recorded task definition back: a rollback, done once it is alone.
            if svc.deployments().len() == 1 {
                Some(Verdict::RolledBackByEcs(r))
            } else {
                w.ongoing = true;
                None
            }
        }
        v => v,
    }
}

/// Explain the stopped tasks of our deployment not explained yet.
async fn sweep_stopped(ctx: Ctx<'_>, w: &mut Watch) -> anyhow::Result<()> {
    let Some(id) = w.deployment_id.clone() else {
        return Ok(());
    };
    let seen = &w.seen;
    let tasks =
        ecs::stopped_tasks(ctx.ecs, ctx.cluster, &w.name, |arn| seen.knows_task(arn)).await?;
    let fresh = w.seen.new_stopped(&w.name, &tasks, &id, ctx.log);
    w.summary.stopped_tasks.extend(fresh);
    Ok(())
}
