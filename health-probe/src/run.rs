//! The run: probes built from the settings, the engine on a current-thread runtime, the
//! verdict.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use cli_support::signal::Signals;
use cli_support::{note, output};
use tokio::time::Instant;

use crate::engine::{self, Outcome, Plan, State, Stats};
use crate::exit;
use crate::probe::{self, AnyProbe, HttpProbe, TcpProbe};
use crate::report;
use crate::request::Kind;
use crate::settings::Settings;
use crate::step_summary;
use crate::summary;

pub fn run(settings: Settings) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let result = runtime.block_on(probe_all(&settings));
    // A DNS lookup stuck in a resolver thread must not hold the exit past the deadline.
    runtime.shutdown_background();
    let (outcome, stats, elapsed) = result.inspect_err(|e| {
        // step_summary.rs: under GitHub Actions, said in the step summary too.
        step_summary::failed(e);
    })?;
    verdict(settings, outcome, &stats, elapsed)
}

async fn probe_all(setup: &Settings) -> anyhow::Result<(Outcome, Vec<Stats>, Duration)> {
    // --timeout counts from the tool's start: reading the files the flags name included.
    let started = Instant::from_std(setup.started);
    let plan = Plan {
        started,
        deadline: started + setup.timeout,
        attempt_timeout: setup.attempt_timeout,
        pacing: setup.pacing,
        healthy_threshold: setup.healthy_threshold,
        max_attempts: setup.max_attempts,
        watch: setup.watch,
        fail_on: setup.fail_on.clone(),
    };
    let probes = setup
        .targets
        .iter()
        .map(|target| {
            Ok(match &target.kind {
                Kind::Http => {
                    let client = probe::client_for(target, &setup.client)?;
                    AnyProbe::Http(HttpProbe {
                        client,
                        last_hop: probe::LastHop::default(),
                        target,
                        method: setup.method.clone(),
                        headers: setup.headers.clone(),
                        credentials: &setup.credentials,
                        body: setup.body.clone(),
                        follow_redirects: setup.client.follow_redirects,
                        expect: &setup.expect,
                        secrets: &setup.secrets,
                    })
                }
                Kind::Tcp { host, port } => AnyProbe::Tcp(TcpProbe {
                    host: host.clone(),
                    port: *port,
                    addrs: setup
                        .client
                        .resolve
                        .iter()
                        .find(|r| r.applies_to(host, *port))
                        .map(crate::request::Resolve::socket_addrs),
                    expect: &setup.expect,
                }),
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let names = names(setup);
    let progress = report::Progress::new(
        &names,
        setup.healthy_threshold,
        setup.watch.map_or(0, |w| w.unhealthy_threshold),
        setup.quiet,
    );
    // SIGINT or SIGTERM stops the run at once; the report is still written. Without
    // handlers (they cannot be installed) a signal ends the process as by default.
    let signals = cli_support::signal::listen().unwrap_or_else(|_| Signals::never());
    let (outcome, stats) = engine::run(&probes, &plan, &progress, signals.first()).await;
    Ok((outcome, stats, started.elapsed()))
}

fn names(setup: &Settings) -> Vec<String> {
    setup.targets.iter().map(|t| t.shown.clone()).collect()
}

fn verdict(
    setup: Settings,
    outcome: Outcome,
    stats: &[Stats],
    elapsed: Duration,
) -> anyhow::Result<ExitCode> {
    let names: Vec<String> = setup.targets.into_iter().map(|t| t.shown).collect();
    let watch = setup.watch.as_ref();
    step_summary::report(outcome, &names, stats, elapsed, watch);
    if setup.json {
        let report = summary::Summary::new(outcome, &names, stats, elapsed, watch);
        let mut text = serde_json::to_string_pretty(&report)?;
        text.push('\n');
        output::print(text.as_bytes())?;
    }
    match outcome {
        Outcome::Healthy => {
            if !setup.quiet {
                note(report::success(&names, stats, watch));
            }
            Ok(ExitCode::from(exit::SUCCESS))
        }
        Outcome::Interrupted(signal) => {
            let healthy = stats.iter().filter(|s| s.state == State::Healthy).count();
            cli_support::report::error(format!(
                "interrupted after {}; {healthy} of {} URLs healthy",
                cli_support::duration::format(elapsed),
                names.len()
            ));
            Ok(ExitCode::from(exit::for_signal(signal)))
        }
        Outcome::TimedOut | Outcome::GaveUp | Outcome::Unhealthy => {
            for (name, s) in names.iter().zip(stats) {
                let message = report::failure(name, s, setup.timeout, watch);
                match s.state {
                    State::Healthy => {}
                    State::Stopped if setup.quiet => {}
                    State::Stopped => note(message),
                    _ => cli_support::report::error_annotated(message),
                }
            }
            Ok(ExitCode::from(exit::FAILURE))
        }
    }
}
