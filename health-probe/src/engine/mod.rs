//! The schedule: every target probed concurrently until it is healthy (its threshold of
//! consecutive successes) or the deadline, then optionally watched for a while.
//!
//! Two clocks: the overall deadline is hard (an attempt's timeout is clamped to the time
//! left, and no attempt starts or waits past it), and each attempt has its own timeout.
//! Intervals run start to start. Everything uses tokio's clock, so the unit tests ([`tests`]) run
//! on paused time.
//!
//! The run is here; what it works with (the plan, each target's state and figures, the
//! outcome) is in [`model`], the waiting phase in [`wait`], the `--stay-healthy` watch in
//! [`watch`].

use std::cell::RefCell;
use std::future::Future;

use cli_support::signal::Signal;
use futures_util::future::try_join_all;
use tokio::time::Instant;

use crate::probe::Probe;

mod model;
#[cfg(test)]
mod tests;
mod wait;
mod watch;

pub use model::{Observer, Outcome, Phase, Plan, State, Stats, Watch};

use wait::wait_healthy;
use watch::{Window, watch_healthy};

/// Probe every target; stop at the first that cannot become healthy, or when `interrupt`
/// resolves (with the signal that came).
pub async fn run<P: Probe, O: Observer>(
    probes: &[P],
    plan: &Plan,
    observer: &O,
    interrupt: impl Future<Output = Signal>,
) -> (Outcome, Vec<Stats>) {
    let stats: Vec<RefCell<Stats>> = probes.iter().map(|_| RefCell::default()).collect();
    let outcome = tokio::select! {
        outcome = wait_then_watch(probes, plan, &stats, observer) => outcome,
        signal = interrupt => Outcome::Interrupted(signal),
    };
    let stats = stats
        .into_iter()
        .map(|cell| {
            let mut s = cell.into_inner();
            s.abandon(&match outcome {
                Outcome::Interrupted(signal) => {
                    format!("interrupted by {signal} before it finished")
                }
                Outcome::TimedOut => "cut off by the --timeout deadline".to_owned(),
                _ => "stopped before it finished: another URL ended the run".to_owned(),
            });
            if s.state == State::Probing {
                s.state = if outcome == Outcome::TimedOut {
                    State::TimedOut
                } else {
                    State::Stopped
                };
            }
            s
        })
        .collect();
    (outcome, stats)
}

/// Both phases: every target healthy within the deadline, then the watch (if any).
async fn wait_then_watch<P: Probe, O: Observer>(
    probes: &[P],
    plan: &Plan,
    stats: &[RefCell<Stats>],
    observer: &O,
) -> Outcome {
    let waiting = try_join_all(
        probes
            .iter()
            .zip(stats)
            .enumerate()
            .map(|(i, (probe, cell))| wait_healthy(i, probe, plan, cell, observer)),
    );
    // The attempts are clamped to the deadline already; this is the backstop.
    let next_starts = match tokio::time::timeout_at(plan.deadline, waiting).await {
        Err(_) => return Outcome::TimedOut,
        Ok(Err(outcome)) => return outcome,
        Ok(Ok(next_starts)) => next_starts,
    };
    let Some(watch) = plan.watch else {
        return Outcome::Healthy;
    };
    observer.watching(&watch);
    let window = Window {
        until: Instant::now() + watch.duration,
        unhealthy_threshold: watch.unhealthy_threshold,
    };
    let watching = try_join_all(probes.iter().zip(stats).zip(next_starts).enumerate().map(
        |(i, ((probe, cell), first))| watch_healthy(i, probe, plan, &window, first, cell, observer),
    ));
    match watching.await {
        Ok(_) => Outcome::Healthy,
        Err(outcome) => outcome,
    }
}
