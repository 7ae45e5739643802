//! The run: the AWS client set up, then a deploy (or a rollback), the summary written at the
//! end whatever happened.
//!
//! A deploy: DescribeServices (a missing or inactive service stops everything before any
//! change), the rollback target of each service recorded and printed, the task definition
//! resolved (`prepare.rs`: registered, found unchanged, or given), its ARN on stdout; then per
//! service, in parallel (`service.rs`): UpdateService, the rollout followed to its verdict
//! (`follow.rs`) and, with `--rollback-on-failure`, rolled back (`rollback.rs`).
//!
//! The parts in their own modules are called where a comment names the module: `--verify`
//! (verify.rs, before anything is registered), `--until` (until.rs, in the follow loop),
//! `ecs-deploy rollback` (rollback_target.rs: a deploy of its target), GitHub Actions outputs
//! (gha.rs).

use std::process::ExitCode;

use anyhow::Context as _;
use aws_sdk_ecs::Client;
use cli_support::signal::Signals;
use tokio::time::Instant;

use crate::before::State;
use crate::exit;
use crate::follow::{Ctx, Start, Watch};
use crate::log::{self, Log};
use crate::prepare;
use crate::service::{interrupt, one, standing};
use crate::settings::{Deploy, Input, Mode, Settings};
use crate::summary::{Before, Summary};
use crate::verdict::{self, Standing, Verdict};

/// Run the job on a current-thread runtime.
pub fn run(settings: Settings) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    rt.block_on(execute(settings))
}

async fn execute(s: Settings) -> anyhow::Result<ExitCode> {
    // `--timeout` counts from the start: every call before the update is bounded by it too.
    let deadline = Instant::now() + s.timeout;
    let rollback;
    let d = match &s.mode {
        // rollback_target.rs: `ecs-deploy rollback` is a deploy of its target.
        Mode::Rollback(r) => {
            rollback =
                tokio::time::timeout_at(deadline, crate::rollback_target::at_call_point(&s, r))
                    .await
                    .map_err(|_| expired_before_update(&s))??;
            &rollback
        }
        Mode::Deploy(d) => d,
    };
    let signals = cli_support::signal::listen().context("cannot handle signals")?;
    let log = Log { quiet: s.quiet };
    let started = log::now();
    let mut summary = Summary {
        outcome: "error",
        cluster: s.cluster.clone(),
        started_at: log::rfc3339(&started).unwrap_or_default(),
        ..Summary::default()
    };
    let mut watches: Vec<Watch> = d.services.iter().map(|name| Watch::new(name)).collect();
    let result = async {
        let before_update = async {
            let config = cli_support::aws::load_config(&s.aws, None).await?;
            crate::arn::check_regions(&s.arn_regions, config.region().map_or("", |r| r.as_ref()))?;
            // verify.rs: `--verify`, before anything is registered or changed.
            if d.verify {
                crate::verify::input(&config, &d.input, s.quiet, &mut summary.verify_problems)
                    .await?;
            }
            anyhow::Ok(config)
        };
        let Ok(config) = tokio::time::timeout_at(deadline, before_update).await else {
            return Err(expired_before_update(&s));
        };
        let ecs = Client::new(&config?);
        let ctx = Ctx {
            ecs: &ecs,
            cluster: &s.cluster,
            log,
            poll: s.poll,
        };
        Box::pin(deploy(
            &s,
            d,
            ctx,
            &mut summary,
            &mut watches,
            &signals,
            deadline,
        ))
        .await
    }
    .await;
    let changed = watches.iter().any(|w| w.updated);
    let code = match &result {
        Ok(code) => *code,
        Err(e) => cli_support::report::code_for(
            e,
            if changed {
                exit::UNHEALTHY
            } else {
                exit::FAILED
            },
        ),
    };
    if code == exit::TIMEOUT && result.is_err() {
        // The one error with the timeout's code: `expired_before_update`.
        summary.outcome = "timed_out";
    }
    let finished = log::now();
    summary.exit_code = code;
    summary.error = result.as_ref().err().map(|e| format!("{e:#}"));
    summary.finished_at = log::rfc3339(&finished);
    summary.elapsed_seconds = Some(log::seconds_between(started, finished));
    summary.services = watches.into_iter().map(|w| w.summary).collect();
    // The path was checked before anything ran; a failure now (a full disk) is a warning: the
    // exit code stays the deployment's, which is what the services are.
    if let Some(path) = &s.summary
        && let Err(e) = summary.write(path)
    {
        cli_support::report::warn(format_args!(
            "cannot write the summary to {}: {e:#}",
            path.display()
        ));
    }
    // gha.rs: GitHub Actions outputs ($GITHUB_OUTPUT task-definition-arn,
    // $GITHUB_STEP_SUMMARY Markdown, ::group:: for events), from `summary`.
    crate::gha::at_end(&summary)?;
    match result {
        Ok(code) => Ok(ExitCode::from(code)),
        Err(e) if changed && cli_support::report::code_for(&e, 0) == 0 => {
            Err(cli_support::report::exit(exit::UNHEALTHY, format!("{e:#}")))
        }
        Err(e) => Err(e),
    }
}

/// Everything after the client: the exit code, or an error.
async fn deploy(
    s: &Settings,
    d: &Deploy,
    ctx: Ctx<'_>,
    summary: &mut Summary,
    watches: &mut [Watch],
    signals: &Signals,
    deadline: Instant,
) -> anyhow::Result<u8> {
    // Nothing changes before the update: a signal or the deadline here just ends the run.
    let prepared = tokio::select! {
        r = prepare(d, ctx, watches) => r?,
        () = tokio::time::sleep_until(deadline) => return Err(expired_before_update(s)),
        sig = signals.first() => {
            ctx.log.note(format_args!("{sig}: stopped before any service was updated"));
            summary.outcome = "interrupted";
            summary.signal = Some(sig.name());
            return Ok(exit::signal(sig));
        }
    };
    let mut printed = Vec::new();
    for w in watches.iter_mut() {
        let before = w
            .before
            .clone()
            .unwrap_or_else(|| unreachable!("set by prepare"));
        let td = prepared
            .as_ref()
            .map_or(before.set_to.clone(), |r| r.arn.clone());
        if !printed.contains(&td) {
            cli_support::output::print(format!("{td}\n").as_bytes())?;
            printed.push(td.clone());
        }
        w.summary.task_definition_arn = Some(td.clone());
        if td == before.set_to && !d.force_new_deployment {
            match before.state {
                State::Stable => {
                    ctx.log
                        .service(&w.name, format_args!("unchanged: runs {td} already"));
                    w.verdict = Some(Verdict::Unchanged);
                    w.summary.verdict = "unchanged";
                }
                State::InProgress => {
                    ctx.log.service(
                        &w.name,
                        format_args!(
                            "a rollout of {td} is in progress already: following it (no update)"
                        ),
                    );
                    w.start = Start::Follow;
                }
                State::Failed => {
                    ctx.log.service(
                        &w.name,
                        format_args!("the last rollout of {td} failed: deploying it again"),
                    );
                    w.start = Start::Again;
                }
            }
        }
    }
    if let Some(r) = &prepared {
        summary.task_definition_arn = Some(r.arn.clone());
        summary.registered = r.registered;
    }
    if watches.iter().all(|w| w.verdict.is_some()) {
        summary.outcome = "unchanged";
        return Ok(exit::SUCCESS);
    }
    let names: Vec<&str> = d.services.iter().map(String::as_str).collect();
    let grouped = crate::gha::begin_follow(&names);
    ctx.log.start_progress();
    let pending = watches.iter_mut().filter(|w| w.verdict.is_none());
    let all = futures_util::future::join_all(pending.map(|w| {
        let td = w.summary.task_definition_arn.clone().unwrap_or_default();
        one(ctx, w, td, d, s, deadline)
    }));
    let interrupted = tokio::select! {
        () = async { all.await; } => None,
        sig = signals.first() => Some(sig),
    };
    ctx.log.stop_progress();
    if let Some(sig) = interrupted {
        Box::pin(interrupt(sig, d, ctx, watches, signals, s)).await;
        if grouped {
            crate::gha::end_follow(&[]);
        }
        summary.outcome = "interrupted";
        summary.signal = Some(sig.name());
        return Ok(exit::signal(sig));
    }
    if grouped {
        let verdicts: Vec<(&str, &str)> = watches
            .iter()
            .map(|w| (w.name.as_str(), w.summary.verdict))
            .collect();
        crate::gha::end_follow(&verdicts);
    }
    let standings: Vec<Standing> = watches.iter().map(standing).collect();
    let code = verdict::exit_code(&standings);
    let reached = |w: &Watch| matches!(w.verdict, Some(Verdict::Reached(_)));
    summary.outcome = match code {
        exit::SUCCESS if watches.iter().any(reached) => "stage_reached",
        exit::SUCCESS => "deployed",
        exit::TIMEOUT => "timed_out",
        _ => "failed",
    };
    Ok(code)
}

/// DescribeServices, the rollback targets recorded and printed, the task definition resolved
/// (`None`: each service's own).
async fn prepare(
    d: &Deploy,
    ctx: Ctx<'_>,
    watches: &mut [Watch],
) -> anyhow::Result<Option<prepare::Resolved>> {
    // The input is checked before any call.
    let checked = match &d.input {
        Input::Register { source, json } => Some(prepare::check(source, json)?),
        _ => None,
    };
    let services = crate::ecs::describe_services(ctx.ecs, ctx.cluster, &d.services).await?;
    for (w, svc) in watches.iter_mut().zip(&services) {
        let before = crate::before::assess(svc);
        w.recorded_td.clone_from(&before.target);
        w.not_ours = svc.current_service_deployment().map(str::to_owned);
        w.primary_id = svc
            .deployments()
            .iter()
            .find(|d| d.status() == Some("PRIMARY"))
            .and_then(|d| d.id())
            .map(str::to_owned);
        w.seen.mark_events(svc.events());
        // The revisions running now (a finished deployment's target may be one that failed).
        let revisions: Vec<&str> = svc
            .current_service_revisions()
            .iter()
            .filter_map(|r| r.arn())
            .collect();
        let revision = (!revisions.is_empty()).then(|| revisions.join(", "));
        w.summary.service_arn = svc.service_arn().map(str::to_owned);
        w.summary.before = Before {
            task_definition_arn: Some(w.recorded_td.clone()),
            service_deployment_arn: w.not_ours.clone(),
            service_revision_arn: revision.clone(),
        };
        let target = if before.state == State::Stable {
            "the rollback target".to_owned()
        } else {
            format!("the rollback target is {}", before.target)
        };
        ctx.log.service(
            &w.name,
            format_args!(
                "{} (service deployment {}, revision {}): {target}",
                crate::before::describe(&before),
                w.not_ours.as_deref().unwrap_or("none"),
                revision.as_deref().unwrap_or("none")
            ),
        );
        if !before.target_completed {
            ctx.log.warn(
                &w.name,
                format_args!(
                    "no revision of the service is known to have completed a rollout: a \
                     rollback returns to {}, which may not be healthy",
                    before.target
                ),
            );
        }
        w.before = Some(before);
    }
    match &d.input {
        Input::Current => Ok(None),
        Input::Existing(reference) => prepare::existing(ctx.ecs, reference).await.map(Some),
        Input::Register { .. } => {
            let checked = checked.unwrap_or_else(|| unreachable!("checked above"));
            // What each service is set to (a re-run finds its own deployment) and what it
            // runs: the input may be either.
            let mut current: Vec<String> = Vec::new();
            for b in watches.iter().filter_map(|w| w.before.as_ref()) {
                for td in [&b.set_to, &b.target] {
                    if !current.contains(td) {
                        current.push(td.clone());
                    }
                }
            }
            if let Some(arn) = prepare::unchanged(ctx.ecs, &checked, &current).await? {
                ctx.log.note(format_args!(
                    "the input is {arn}, registered already: nothing to register"
                ));
                return Ok(Some(prepare::Resolved {
                    arn,
                    registered: false,
                }));
            }
            crate::register::register(ctx.ecs, &checked, ctx.log)
                .await
                .map(Some)
        }
    }
}

/// `--timeout` expired before any UpdateService was sent (exit 124).
fn expired_before_update(s: &Settings) -> anyhow::Error {
    cli_support::report::exit(
        exit::TIMEOUT,
        format!(
            "--timeout {} expired before any service was updated: no service was changed",
            cli_support::duration::format(s.timeout)
        ),
    )
}
