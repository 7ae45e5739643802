//! One service's deploy, in parallel with the others' (`run.rs`): UpdateService, the rollout
//! followed to its verdict (`follow.rs`) and, with `--rollback-on-failure`, rolled back
//! (`rollback.rs`); a signal during the rollout (`interrupt`); how each service stands, for
//! the exit code.

use cli_support::signal::{Signal, Signals};
use tokio::time::Instant;

use crate::follow::{self, Ctx, Start, Watch};
use crate::log;
use crate::rollback;
use crate::settings::{Deploy, Settings};
use crate::verdict::{Standing, Verdict};

/// One service: UpdateService, the follow, the rollback if wanted. Errors end this service
/// only: they are its verdict.
pub(crate) async fn one(
    ctx: Ctx<'_>,
    w: &mut Watch,
    td: String,
    d: &Deploy,
    s: &Settings,
    deadline: Instant,
) {
    let started = log::now();
    w.summary.started_at = log::rfc3339(&started);
    let result = async {
        w.updated = true;
        if w.start == Start::Follow {
            // Our task definition is rolling out already (a re-run after a timeout or a
            // signal): follow that deployment to its verdict; a second one would restart it.
            w.deployment_id.clone_from(&w.primary_id);
            if let Some(arn) = w.not_ours.take() {
                w.follow_deployment(&arn, ctx.log);
            }
            w.until.clone_from(&d.until);
            let v = follow::follow(ctx, w, &td, deadline).await;
            w.until = None;
            return v;
        }
        let update = crate::ecs::update_service(
            ctx.ecs,
            ctx.cluster,
            &w.name,
            &td,
            d.force_new_deployment || w.start == Start::Again,
        );
        let Ok(updated) = tokio::time::timeout_at(deadline, update).await else {
            // The request may have reached ECS: the service may be updating.
            ctx.log.warn(
                &w.name,
                format_args!(
                    "UpdateService had not answered when --timeout expired: the service may \
                     be updating to {td}"
                ),
            );
            return Ok(Verdict::TimedOut);
        };
        let svc = match updated {
            Ok(svc) => svc,
            Err(e) => {
                // ECS refused the update: nothing changed (after a timeout or a network
                // failure it may have changed).
                let refused = e
                    .downcast_ref::<cli_support::aws::AwsError>()
                    .is_some_and(|a| a.kind == cli_support::aws::ErrorKind::Service);
                w.updated = !refused;
                return Err(e);
            }
        };
        ctx.log.service(&w.name, format_args!("updated to {td}"));
        w.updated(&svc, ctx.log);
        // until.rs: `--until STAGE` for our deployment, not a rollback's.
        w.until.clone_from(&d.until);
        let v = follow::follow(ctx, w, &td, deadline).await;
        w.until = None;
        v
    }
    .await;
    // An error is this service's verdict, said once by `conclude` (under GitHub Actions its
    // `::error::`).
    let v = result.unwrap_or_else(|e| Verdict::Failed(failure(&e)));
    conclude(ctx, w, &v);
    let finished = log::now();
    w.summary.finished_at = log::rfc3339(&finished);
    w.summary.elapsed_seconds = Some(log::seconds_between(started, finished));
    if !rollback::wanted(w, &v) {
        if let Verdict::Replaced(_) = v {
            ctx.log.warn(
                &w.name,
                "not rolled back: another deployment owns the service now",
            );
        }
    } else if d.rollback_on_failure {
        rollback::run(ctx, w, s.timeout).await;
    } else {
        ctx.log.warn(
            &w.name,
            "not rolled back (no --rollback-on-failure): the service may not be healthy",
        );
    }
}

/// An error that ended a service's follow; credentials that expired or were refused (keys
/// in the environment are not refreshed) say what to do.
fn failure(e: &anyhow::Error) -> String {
    let credentials = e
        .chain()
        .filter_map(|c| c.downcast_ref::<cli_support::aws::AwsError>())
        .any(|a| a.kind == cli_support::aws::ErrorKind::Credentials);
    if credentials {
        format!(
            "{e:#} (the credentials expired or were refused: get fresh credentials and run the \
             same command again; it picks up a rollout still in progress)"
        )
    } else {
        format!("{e:#}")
    }
}

/// The verdict recorded and printed.
fn conclude(ctx: Ctx<'_>, w: &mut Watch, v: &Verdict) {
    w.summary.verdict = v.name();
    w.summary.reason = v.reason().map(str::to_owned);
    match v {
        Verdict::Deployed => {
            ctx.log.service(&w.name, "deployed");
            if w.desired == Some(0) {
                let warning = "desiredCount is 0: no task of the new task definition ran, so \
                               the deployment did not exercise it";
                ctx.log.warn(&w.name, warning);
                w.summary.warnings.push(warning.to_owned());
            }
        }
        Verdict::Reached(msg) => ctx.log.service(&w.name, msg),
        Verdict::RolledBackByEcs(why) if w.last_td.as_deref() == Some(w.recorded_td.as_str()) => {
            let msg = format!(
                "failed, rolled back by ECS: {why}; the service runs {} again, stable",
                w.recorded_td
            );
            // gha.rs: under GitHub Actions the `::error::` in its place.
            if !crate::gha::failure(&w.name, &msg) {
                ctx.log.error(&w.name, msg);
            }
        }
        _ => {
            let msg = format!(
                "{}: {}",
                v.name().replace('_', " "),
                v.reason().unwrap_or_default()
            );
            if !crate::gha::failure(&w.name, &msg) {
                ctx.log.error(&w.name, msg);
            }
        }
    }
    w.verdict = Some(v.clone());
}

/// A signal during the rollout: each service still followed is rolled back with
/// `--rollback-on-failure` (all in parallel), else left to ECS; a second signal abandons the
/// rollbacks (ECS carries on with what was requested).
pub(crate) async fn interrupt(
    sig: Signal,
    d: &Deploy,
    ctx: Ctx<'_>,
    watches: &mut [Watch],
    signals: &Signals,
    s: &Settings,
) {
    let mut rolling = Vec::new();
    for w in watches.iter_mut() {
        let in_rollback = w
            .summary
            .rollback
            .as_ref()
            .is_some_and(|r| r.verdict == "requested");
        if in_rollback {
            if let Some(r) = w.summary.rollback.as_mut() {
                r.verdict = "interrupted";
            }
            ctx.log
                .warn(&w.name, format_args!("{sig}: the rollback is left to ECS"));
            continue;
        }
        if w.verdict.is_some() {
            continue;
        }
        w.summary.verdict = "interrupted";
        w.summary.reason = Some(format!("{sig} while the rollout was followed"));
        w.verdict = Some(Verdict::Interrupted);
        if !w.updated {
            continue;
        }
        if d.rollback_on_failure {
            ctx.log.warn(&w.name, format_args!("{sig}: rolling back"));
            rolling.push(w);
        } else if w.sd.is_none() && w.deployment_id.is_none() {
            // UpdateService was sent and had not answered: it may or may not have taken.
            ctx.log.warn(
                &w.name,
                format_args!(
                    "{sig}: UpdateService had not answered: the service may be updating to \
                     {}; if it is, that rollout is left to ECS",
                    w.summary
                        .task_definition_arn
                        .as_deref()
                        .unwrap_or("the new revision")
                ),
            );
        } else {
            ctx.log.warn(
                &w.name,
                format_args!(
                    "{sig}: the rollout is left to ECS (service deployment {}{})",
                    w.sd.as_deref().unwrap_or("unknown"),
                    w.summary
                        .status
                        .as_deref()
                        .map_or(String::new(), |st| format!(", {st}"))
                ),
            );
        }
    }
    if rolling.is_empty() {
        return;
    }
    let all = futures_util::future::join_all(
        rolling
            .into_iter()
            .map(|w| rollback::run(ctx, w, s.timeout)),
    );
    tokio::select! {
        _ = all => {}
        again = signals.second() => {
            for w in watches.iter_mut() {
                if let Some(r) = w.summary.rollback.as_mut().filter(|r| r.verdict == "requested") {
                    r.verdict = "interrupted";
                    ctx.log.warn(&w.name, format_args!("{again}: the rollback is left to ECS"));
                }
            }
        }
    }
}

/// How a service stands, for the exit code.
pub(crate) fn standing(w: &Watch) -> Standing {
    let back = || {
        w.summary
            .rollback
            .as_ref()
            .is_some_and(|r| r.verdict == "back")
    };
    match &w.verdict {
        Some(Verdict::Deployed | Verdict::Unchanged | Verdict::Reached(_)) => Standing::Good,
        Some(Verdict::TimedOut) => Standing::TimedOut,
        Some(Verdict::RolledBackByEcs(_))
            if w.last_td.as_deref() == Some(w.recorded_td.as_str()) =>
        {
            Standing::Back
        }
        _ if !w.updated => Standing::Back,
        _ if back() => Standing::Back,
        _ => Standing::Unhealthy,
    }
}
