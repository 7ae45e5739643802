//! What the schedule works with: the plan, where each target stands and what happened to
//! it, how the run ended, and the observer that shows progress.

use std::time::Duration;

use cli_support::signal::Signal;
use tokio::time::Instant;

use crate::latency::Latencies;
use crate::matcher::StatusMatcher;
use crate::pacing::Pacing;
use crate::probe::Attempt;

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
    pub(crate) fn fails_on(&self, attempt: &Attempt) -> Option<String> {
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
    /// The attempt started and not yet recorded: its phase and start. A run stopped then (a
    /// signal, the deadline's backstop) counts it ([`Stats::abandon`]).
    pub in_flight: Option<(Phase, Instant)>,
}

impl Stats {
    /// An attempt starts now.
    pub(crate) fn start(&mut self, phase: Phase) {
        self.in_flight = Some((phase, Instant::now()));
    }

    /// The run stopped during an attempt: it counts (`attempts` are the attempts started),
    /// and is the last one, with `why` as its error; it is neither a success nor a failure.
    pub(crate) fn abandon(&mut self, why: &str) {
        let Some((phase, started)) = self.in_flight.take() else {
            return;
        };
        match phase {
            Phase::Wait => self.attempts += 1,
            Phase::Watch => self.watch_attempts += 1,
        }
        self.last = Some(Attempt::error(started.elapsed(), why.to_owned()));
    }

    pub(crate) fn record(&mut self, attempt: &Attempt, phase: Phase) {
        self.in_flight = None;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_abandoned_attempt_counts_in_its_phase_and_is_the_last() {
        let mut s = Stats::default();
        s.abandon("nothing in flight");
        assert_eq!((s.attempts, s.last.is_none()), (0, true));
        s.start(Phase::Wait);
        s.record(&Attempt::default(), Phase::Wait);
        assert!(s.in_flight.is_none());
        s.start(Phase::Watch);
        s.abandon("interrupted by SIGINT before it finished");
        assert_eq!((s.attempts, s.watch_attempts), (1, 1));
        assert_eq!((s.watch_failures, s.consecutive_failures), (0, 0));
        assert_eq!(
            s.last.and_then(|a| a.error).as_deref(),
            Some("interrupted by SIGINT before it finished")
        );
    }
}
