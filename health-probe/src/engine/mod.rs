//! The schedule: every target probed concurrently until it is healthy (its threshold of
//! consecutive successes) or the deadline, then optionally watched for a while.
//!
//! Two clocks: the overall deadline is hard (an attempt's timeout is clamped to the time
//! left, and no attempt starts or waits past it), and each attempt has its own timeout.
//! Intervals run start to start. Everything uses tokio's clock, so the unit tests ([`tests`]) run
//! on paused time.
//!
//! The model (the plan, each target's state and figures, the outcome) and the run are here;
//! the waiting phase is in [`wait`], the `--stay-healthy` watch in [`watch`].

use std::cell::RefCell;
use std::future::Future;
use std::time::Duration;

use cli_support::signal::Signal;
use futures_util::future::try_join_all;
use tokio::time::Instant;

use crate::latency::Latencies;
use crate::matcher::StatusMatcher;
use crate::pacing::Pacing;
use crate::probe::{Attempt, Probe};

#[cfg(test)]
mod tests;
mod wait;
mod watch;

use wait::wait_healthy;
use watch::{Window, watch_healthy};

/// How to probe.
#[derive(Debug, Clone)]
pub struct Plan {
    pub started: Instant,
    /// `started + --timeout`: nothing of the waiting phase runs past it.
    pub deadline: Instant,
    pub attempt_timeout: Duration,
    pub pacing: Pacing,
    pub healthy_threshold: u32,
    pub max_attempts: Option<u32>,
    pub watch: Option<Watch>,
    /// `--fail-on`: an answer with one of these statuses ends the run at once.
    pub fail_on: Option<StatusMatcher>,
}

impl Plan {
    /// Why the run must stop at once after this attempt (`--fail-on`), if it must.
    pub(super) fn fails_on(&self, attempt: &Attempt) -> Option<String> {
        let matcher = self.fail_on.as_ref()?;
        let status = attempt.status.filter(|s| matcher.contains(*s))?;
        Some(format!("answered {status} (--fail-on {matcher})"))
    }
}

/// `--stay-healthy`: once all are healthy, keep probing for `duration`; fail on
/// `unhealthy_threshold` consecutive failures of one target.
#[derive(Debug, Clone, Copy)]
pub struct Watch {
    pub duration: Duration,
    pub unhealthy_threshold: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Waiting for health, within the deadline.
    Wait,
    /// The `--stay-healthy` window.
    Watch,
}

/// Where a target stands.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum State {
    /// Still being probed (or was, when the run stopped).
    #[default]
    Probing,
    Healthy,
    /// Not healthy by the deadline.
    TimedOut,
    /// Stopped before the deadline, for the reason given.
    GaveUp(String),
    /// Failed the `--stay-healthy` watch.
    Unhealthy,
    /// Not done when the run stopped (another target failed, or a signal).
    Stopped,
}

/// What happened to one target.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub state: State,
    /// Attempts while waiting for health.
    pub attempts: u32,
    pub successes: u32,
    pub consecutive_successes: u32,
    pub consecutive_failures: u32,
    pub last: Option<Attempt>,
    /// Latencies of the attempts that got an answer (or a connection).
    pub latencies: Latencies,
    /// From the start of the run to the attempt that made it healthy.
    pub healthy_after: Option<Duration>,
    pub watch_attempts: u32,
    pub watch_failures: u32,
    pub watch_max_consecutive_failures: u32,
}

impl Stats {
    pub(super) fn record(&mut self, attempt: &Attempt, phase: Phase) {
        match phase {
            Phase::Wait => self.attempts += 1,
            Phase::Watch => self.watch_attempts += 1,
        }
        if attempt.error.is_none() {
            self.latencies.push(attempt.latency);
        }
        if attempt.ok() {
            self.successes += 1;
            self.consecutive_successes += 1;
            self.consecutive_failures = 0;
        } else {
            self.consecutive_successes = 0;
            self.consecutive_failures += 1;
            if phase == Phase::Watch {
                self.watch_failures += 1;
                self.watch_max_consecutive_failures = self
                    .watch_max_consecutive_failures
                    .max(self.consecutive_failures);
            }
        }
        self.last = Some(attempt.clone());
    }
}

/// How the run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Every target healthy (and, with a watch, stayed healthy).
    Healthy,
    /// A target was not healthy by the deadline.
    TimedOut,
    /// A target gave up early (`--max-attempts`, a `Retry-After` past the deadline).
    GaveUp,
    /// A target failed the watch.
    Unhealthy,
    /// A signal stopped the run.
    Interrupted(Signal),
}

/// Progress, as it happens.
pub trait Observer {
    /// After each attempt; `wait` is the time to the next one when it is not `--interval`
    /// (backoff, `Retry-After`).
    fn attempt(
        &self,
        index: usize,
        phase: Phase,
        stats: &Stats,
        attempt: &Attempt,
        wait: Option<Duration>,
    );
    fn healthy(&self, index: usize, stats: &Stats);
    fn watching(&self, watch: &Watch);
}

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
