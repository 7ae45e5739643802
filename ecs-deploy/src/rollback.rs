//! `--rollback-on-failure`: back to the task definition each service ran before. While our
//! service deployment is still in progress, StopServiceDeployment with ROLLBACK (ECS returns
//! to the last revision that completed); otherwise UpdateService to the recorded task
//! definition. Either way the rollback is followed to its own verdict, with its own
//! `--timeout`.

use std::time::Duration;

use tokio::time::Instant;

use crate::ecs;
use crate::follow::{self, Ctx, Watch};
use crate::summary::RollbackSummary;
use crate::verdict::Verdict;

/// Whether a service with this verdict is rolled back.
pub fn wanted(w: &Watch, verdict: &Verdict) -> bool {
    match verdict {
        Verdict::TimedOut
        | Verdict::Stopped(_)
        | Verdict::RollbackFailed(_)
        | Verdict::Failed(_)
        | Verdict::Interrupted => w.updated,
        // ECS rolled back, but not to what ran before.
        Verdict::RolledBackByEcs(_) => w.last_td.as_deref() != Some(w.recorded_td.as_str()),
        // Another deployment owns the service now; Deployed, Unchanged: nothing to undo;
        // Reached (`--until`): no longer ours to judge.
        Verdict::Replaced(_) | Verdict::Deployed | Verdict::Unchanged | Verdict::Reached(_) => {
            false
        }
    }
}

/// Roll `w` back and follow that; the outcome is in `w.summary.rollback` (written as it goes,
/// so that a second signal leaves it saying how far it got).
pub async fn run(ctx: Ctx<'_>, w: &mut Watch, timeout: Duration) {
    let deadline = Instant::now() + timeout;
    let stop = !w.legacy && w.ongoing && w.sd.is_some();
    let recorded = w.recorded_td.clone();
    w.summary.rollback = Some(RollbackSummary {
        method: if stop {
            "stop_service_deployment"
        } else {
            "update_service"
        },
        to_task_definition_arn: Some(recorded.clone()),
        deployment_arn: None,
        status: None,
        verdict: "requested",
        reason: None,
    });
    let result = if stop {
        let arn = w.sd.clone().unwrap_or_default();
        ctx.log.service(
            &w.name,
            format_args!("rolling back: stopping service deployment {arn} with a ROLLBACK"),
        );
        set(w, |r| r.deployment_arn = Some(arn.clone()));
        async {
            ecs::stop_with_rollback(ctx.ecs, &arn).await?;
            follow::follow(ctx, w, &recorded, deadline).await
        }
        .await
    } else {
        ctx.log.service(
            &w.name,
            format_args!("rolling back: updating the service back to {recorded}"),
        );
        w.not_ours = w.sd.take();
        w.ongoing = false;
        async {
            let svc = ecs::update_service(ctx.ecs, ctx.cluster, &w.name, &recorded, false).await?;
            w.updated(&svc, ctx.log);
            follow::follow(ctx, w, &recorded, deadline).await
        }
        .await
    };
    let (verdict, reason) = match result {
        Ok(Verdict::RolledBackByEcs(_)) if stop => back(w),
        Ok(Verdict::Deployed) if !stop => back(w),
        Ok(Verdict::TimedOut) => (
            "timed_out",
            Some("still in progress when its --timeout expired".to_owned()),
        ),
        Ok(v) => ("failed", v.reason().map(str::to_owned)),
        Err(e) => ("error", Some(format!("{e:#}"))),
    };
    let arn = w.sd.clone();
    let status = w.summary.status.clone();
    set(w, |r| {
        r.verdict = verdict;
        r.reason.clone_from(&reason);
        if r.deployment_arn.is_none() {
            r.deployment_arn = arn;
        }
        r.status = status;
    });
    match verdict {
        "back" => ctx.log.service(
            &w.name,
            format_args!("rolled back: the service runs {recorded} again, stable"),
        ),
        _ => ctx.log.warn(
            &w.name,
            format_args!(
                "the rollback did not bring the service back to {recorded}: {}",
                reason.as_deref().unwrap_or(verdict)
            ),
        ),
    }
}

/// Back on the recorded task definition, or not after all.
fn back(w: &Watch) -> (&'static str, Option<String>) {
    if w.last_td.as_deref() == Some(w.recorded_td.as_str()) {
        ("back", None)
    } else {
        (
            "failed",
            Some(format!(
                "the service runs {}",
                w.last_td.as_deref().unwrap_or("an unknown task definition")
            )),
        )
    }
}

fn set(w: &mut Watch, f: impl FnOnce(&mut RollbackSummary)) {
    if let Some(r) = w.summary.rollback.as_mut() {
        f(r);
    }
}
