//! The schedule: every target probed concurrently until it is healthy (its threshold of
//! consecutive successes) or the deadline, then optionally watched for a while.
//!
//! Two clocks: the overall deadline is hard (an attempt's timeout is clamped to the time
//! left, and no attempt starts or waits past it), and each attempt has its own timeout.
//! Intervals run start to start. Everything uses tokio's clock, so the unit tests below run
//! on paused time.

use std::cell::RefCell;
use std::future::Future;
use std::time::Duration;

use futures_util::future::try_join_all;
use tokio::time::Instant;

use crate::latency::Latencies;
use crate::matcher::StatusMatcher;
use crate::pacing::Pacing;
use crate::probe::{Attempt, Probe};
use cli_support::duration;

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
    fn fails_on(&self, attempt: &Attempt) -> Option<String> {
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
    fn record(&mut self, attempt: &Attempt, phase: Phase) {
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
    /// A signal stopped the run: the exit code to use (130 for SIGINT, 143 for SIGTERM).
    Interrupted(u8),
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
/// resolves (to an exit code).
pub async fn run<P: Probe, O: Observer>(
    probes: &[P],
    plan: &Plan,
    observer: &O,
    interrupt: impl Future<Output = u8>,
) -> (Outcome, Vec<Stats>) {
    let stats: Vec<RefCell<Stats>> = probes.iter().map(|_| RefCell::default()).collect();
    let outcome = tokio::select! {
        outcome = wait_then_watch(probes, plan, &stats, observer) => outcome,
        code = interrupt => Outcome::Interrupted(code),
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

/// What follows an attempt.
enum Next {
    Healthy,
    Stop(State, Outcome),
    At(Instant),
}

/// Probe one target until it is healthy: then `Ok` with the time its next attempt is due
/// (the watch, if any, goes on from there); or `Err` with why the run must stop.
async fn wait_healthy<P: Probe, O: Observer>(
    index: usize,
    probe: &P,
    plan: &Plan,
    cell: &RefCell<Stats>,
    observer: &O,
) -> Result<Instant, Outcome> {
    let mut next_start = Instant::now();
    loop {
        tokio::time::sleep_until(next_start).await;
        let start = Instant::now();
        let left = plan.deadline.saturating_duration_since(start);
        if left.is_zero() {
            cell.borrow_mut().state = State::TimedOut;
            return Err(Outcome::TimedOut);
        }
        let (timeout, at_deadline) = if plan.attempt_timeout < left {
            (plan.attempt_timeout, false)
        } else {
            (left, true)
        };
        let attempt = probe.attempt(timeout, at_deadline).await;
        let now = Instant::now();
        let mut s = cell.borrow_mut();
        s.record(&attempt, Phase::Wait);
        let next = after_attempt(plan, &s, &attempt, start, now);
        let unusual_wait = match next {
            Next::At(at) if at != start + plan.pacing.interval => {
                Some(at.saturating_duration_since(now))
            }
            _ => None,
        };
        observer.attempt(index, Phase::Wait, &s, &attempt, unusual_wait);
        match next {
            Next::Healthy => {
                s.state = State::Healthy;
                s.healthy_after = Some(now - plan.started);
                observer.healthy(index, &s);
                return Ok(start + plan.pacing.interval);
            }
            Next::Stop(state, outcome) => {
                s.state = state;
                return Err(outcome);
            }
            Next::At(at) => next_start = at,
        }
    }
}

/// Healthy, give up, or when to try again: the interval or backoff, a later `Retry-After`,
/// and no attempt (nor sleep) that cannot start before the deadline.
fn after_attempt(plan: &Plan, s: &Stats, attempt: &Attempt, start: Instant, now: Instant) -> Next {
    if attempt.ok() && s.consecutive_successes >= plan.healthy_threshold {
        return Next::Healthy;
    }
    if let Some(why) = plan.fails_on(attempt) {
        return Next::Stop(State::GaveUp(why), Outcome::GaveUp);
    }
    if let Some(max) = plan.max_attempts
        && s.attempts >= max
    {
        return Next::Stop(
            State::GaveUp(format!("not healthy after {max} attempts (--max-attempts)")),
            Outcome::GaveUp,
        );
    }
    let wait = if attempt.ok() {
        plan.pacing.interval
    } else {
        plan.pacing.wait(s.consecutive_failures, &mut rand::rng())
    };
    let mut next = start + wait;
    if let Some(asked) = attempt.retry_after {
        let asked_at = now + asked;
        if asked_at > next {
            if asked_at >= plan.deadline {
                return Next::Stop(
                    State::GaveUp(format!(
                        "the server asked to retry after {}, past the deadline ({} left)",
                        duration::format(asked),
                        duration::format(plan.deadline.saturating_duration_since(now))
                    )),
                    Outcome::GaveUp,
                );
            }
            next = asked_at;
        }
    }
    if next >= plan.deadline {
        return Next::Stop(State::TimedOut, Outcome::TimedOut);
    }
    Next::At(next)
}

/// The `--stay-healthy` window of every target: it ends at `until` (for all at once).
struct Window {
    until: Instant,
    unhealthy_threshold: u32,
}

/// Keep probing one healthy target through the window, from `first` (the attempt due
/// after the one that made it healthy).
async fn watch_healthy<P: Probe, O: Observer>(
    index: usize,
    probe: &P,
    plan: &Plan,
    window: &Window,
    first: Instant,
    cell: &RefCell<Stats>,
    observer: &O,
) -> Result<(), Outcome> {
    let until = window.until;
    cell.borrow_mut().consecutive_failures = 0;
    let mut next_start = first;
    // Attempts start inside the window; the last one may finish after it, and counts.
    while next_start < until {
        tokio::time::sleep_until(next_start).await;
        let start = Instant::now();
        let attempt = probe.attempt(plan.attempt_timeout, false).await;
        let now = Instant::now();
        let mut s = cell.borrow_mut();
        s.record(&attempt, Phase::Watch);
        let failed = !attempt.ok() && s.consecutive_failures >= window.unhealthy_threshold;
        next_start = start + plan.pacing.interval;
        let mut unusual_wait = None;
        let fail_on = plan.fails_on(&attempt);
        let mut gone = None;
        if let Some(asked) = attempt.retry_after {
            let asked_at = now + asked;
            if asked_at >= until {
                // It will not answer before the window ends: it did not stay healthy.
                gone = Some(format!(
                    "the server asked to retry after {}, past the end of the --stay-healthy watch",
                    duration::format(asked)
                ));
            } else if asked_at > next_start {
                next_start = asked_at;
                unusual_wait = Some(asked);
            }
        }
        observer.attempt(
            index,
            Phase::Watch,
            &s,
            &attempt,
            unusual_wait.filter(|_| !failed && fail_on.is_none()),
        );
        if let Some(why) = fail_on {
            s.state = State::GaveUp(why);
            return Err(Outcome::Unhealthy);
        }
        if failed {
            s.state = State::Unhealthy;
            return Err(Outcome::Unhealthy);
        }
        if let Some(why) = gone {
            s.state = State::GaveUp(why);
            return Err(Outcome::Unhealthy);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    /// A probe that plays a script of answers: `true` healthy, `false` failed, each taking
    /// `latency` (or timing out if that is longer than the attempt's timeout).
    struct Script {
        answers: Vec<bool>,
        latency: Duration,
        retry_after: Option<Duration>,
        calls: Cell<usize>,
        starts: RefCell<Vec<Duration>>,
        origin: Instant,
    }

    impl Script {
        fn new(answers: &[bool]) -> Script {
            Script {
                answers: answers.to_vec(),
                latency: Duration::from_millis(10),
                retry_after: None,
                calls: Cell::new(0),
                starts: RefCell::new(Vec::new()),
                origin: Instant::now(),
            }
        }
    }

    impl Probe for Script {
        async fn attempt(&self, timeout: Duration, _at_deadline: bool) -> Attempt {
            self.starts.borrow_mut().push(self.origin.elapsed());
            let n = self.calls.get();
            self.calls.set(n + 1);
            if self.latency > timeout {
                tokio::time::sleep(timeout).await;
                return Attempt {
                    latency: timeout,
                    error: Some("timed out".into()),
                    ..Attempt::default()
                };
            }
            tokio::time::sleep(self.latency).await;
            let ok = self
                .answers
                .get(n)
                .copied()
                .unwrap_or(*self.answers.last().unwrap());
            Attempt {
                latency: self.latency,
                status: Some(if ok { 200 } else { 503 }),
                failures: if ok { vec![] } else { vec!["503".into()] },
                retry_after: if ok { None } else { self.retry_after },
                ..Attempt::default()
            }
        }
    }

    struct Quiet;
    impl Observer for Quiet {
        fn attempt(&self, _: usize, _: Phase, _: &Stats, _: &Attempt, _: Option<Duration>) {}
        fn healthy(&self, _: usize, _: &Stats) {}
        fn watching(&self, _: &Watch) {}
    }

    const S: fn(u64) -> Duration = Duration::from_secs;

    fn plan(timeout: Duration) -> Plan {
        let started = Instant::now();
        Plan {
            started,
            deadline: started + timeout,
            attempt_timeout: S(5),
            pacing: Pacing {
                interval: S(5),
                backoff_max: None,
            },
            healthy_threshold: 1,
            max_attempts: None,
            watch: None,
            fail_on: None,
        }
    }

    fn never() -> std::future::Pending<u8> {
        std::future::pending()
    }

    #[tokio::test(start_paused = true)]
    async fn healthy_after_failures_at_the_interval_start_to_start() {
        let probe = Script::new(&[false, false, true]);
        let p = plan(S(60));
        let (outcome, stats) = run(std::slice::from_ref(&probe), &p, &Quiet, never()).await;
        assert_eq!(outcome, Outcome::Healthy);
        assert_eq!(stats[0].attempts, 3);
        assert_eq!(stats[0].state, State::Healthy);
        assert_eq!(*probe.starts.borrow(), [S(0), S(5), S(10)]);
        assert_eq!(
            stats[0].healthy_after,
            Some(S(10) + Duration::from_millis(10))
        );
    }

    #[tokio::test(start_paused = true)]
    async fn threshold_needs_consecutive_successes() {
        let probe = Script::new(&[true, true, false, true, true, true]);
        let mut p = plan(S(60));
        p.healthy_threshold = 3;
        let (outcome, stats) = run(std::slice::from_ref(&probe), &p, &Quiet, never()).await;
        assert_eq!(outcome, Outcome::Healthy);
        assert_eq!(stats[0].attempts, 6);
        assert_eq!(stats[0].successes, 5);
    }

    #[tokio::test(start_paused = true)]
    async fn no_sleep_after_the_last_attempt() {
        let probe = Script::new(&[false]);
        let p = plan(S(12));
        let t0 = Instant::now();
        let (outcome, stats) = run(std::slice::from_ref(&probe), &p, &Quiet, never()).await;
        assert_eq!(outcome, Outcome::TimedOut);
        // attempts at 0, 5, 10; the next would start at 15 > 12: stop right after the third
        assert_eq!(stats[0].attempts, 3);
        assert_eq!(stats[0].state, State::TimedOut);
        assert_eq!(t0.elapsed(), S(10) + Duration::from_millis(10));
    }

    #[tokio::test(start_paused = true)]
    async fn attempts_are_clamped_to_the_deadline() {
        let mut probe = Script::new(&[false]);
        probe.latency = S(30); // hangs
        let mut p = plan(S(7));
        p.attempt_timeout = S(5);
        let t0 = Instant::now();
        let (outcome, stats) = run(std::slice::from_ref(&probe), &p, &Quiet, never()).await;
        assert_eq!(outcome, Outcome::TimedOut);
        assert_eq!(stats[0].attempts, 2); // 0..5 timed out, 5..7 clamped
        assert_eq!(t0.elapsed(), S(7));
    }

    #[tokio::test(start_paused = true)]
    async fn one_target_failing_stops_the_others() {
        let good = Script::new(&[true]);
        let mut bad = Script::new(&[false]);
        bad.retry_after = Some(S(600));
        let probes = [good, bad];
        let p = plan(S(60));
        let (outcome, stats) = run(&probes, &p, &Quiet, never()).await;
        assert_eq!(outcome, Outcome::GaveUp);
        assert_eq!(stats[0].state, State::Healthy);
        assert!(
            matches!(&stats[1].state, State::GaveUp(why) if why.contains("retry after 10m")),
            "{:?}",
            stats[1].state
        );
    }

    #[tokio::test(start_paused = true)]
    async fn retry_after_within_the_deadline_is_honoured() {
        let mut probe = Script::new(&[false, true]);
        probe.retry_after = Some(S(20));
        let p = plan(S(60));
        let (outcome, _) = run(std::slice::from_ref(&probe), &p, &Quiet, never()).await;
        assert_eq!(outcome, Outcome::Healthy);
        let starts = probe.starts.borrow();
        assert_eq!(starts[1], S(20) + Duration::from_millis(10));
    }

    #[tokio::test(start_paused = true)]
    async fn fail_on_stops_at_the_first_such_answer_in_either_phase() {
        let probe = Script::new(&[false]);
        let mut p = plan(S(600));
        p.fail_on = Some(StatusMatcher::parse("404,503").unwrap());
        let (outcome, stats) = run(std::slice::from_ref(&probe), &p, &Quiet, never()).await;
        assert_eq!(outcome, Outcome::GaveUp);
        assert_eq!(stats[0].attempts, 1);
        assert_eq!(
            stats[0].state,
            State::GaveUp("answered 503 (--fail-on 404,503)".into())
        );

        let probe = Script::new(&[true, true, false]);
        p.watch = Some(Watch {
            duration: S(60),
            unhealthy_threshold: 3,
        });
        let (outcome, stats) = run(std::slice::from_ref(&probe), &p, &Quiet, never()).await;
        assert_eq!(outcome, Outcome::Unhealthy);
        assert_eq!(stats[0].watch_attempts, 2);
        assert!(matches!(&stats[0].state, State::GaveUp(why) if why.contains("--fail-on")));
    }

    #[tokio::test(start_paused = true)]
    async fn max_attempts_gives_up() {
        let probe = Script::new(&[false]);
        let mut p = plan(S(600));
        p.max_attempts = Some(4);
        let (outcome, stats) = run(std::slice::from_ref(&probe), &p, &Quiet, never()).await;
        assert_eq!(outcome, Outcome::GaveUp);
        assert_eq!(stats[0].attempts, 4);
    }

    #[tokio::test(start_paused = true)]
    async fn watch_fails_on_consecutive_failures_only() {
        // healthy, then in the watch: ok, fail, ok, fail, fail
        let probe = Script::new(&[true, true, false, true, false, false, true]);
        let mut p = plan(S(60));
        p.watch = Some(Watch {
            duration: S(60),
            unhealthy_threshold: 2,
        });
        let (outcome, stats) = run(std::slice::from_ref(&probe), &p, &Quiet, never()).await;
        assert_eq!(outcome, Outcome::Unhealthy);
        assert_eq!(stats[0].state, State::Unhealthy);
        assert_eq!(stats[0].watch_attempts, 5);
        assert_eq!(stats[0].watch_failures, 3);
        assert_eq!(stats[0].watch_max_consecutive_failures, 2);
    }

    #[tokio::test(start_paused = true)]
    async fn watch_gives_up_on_a_retry_after_past_its_end() {
        let mut probe = Script::new(&[true, false]);
        probe.retry_after = Some(S(600));
        let mut p = plan(S(60));
        p.watch = Some(Watch {
            duration: S(60),
            unhealthy_threshold: 3,
        });
        let (outcome, stats) = run(std::slice::from_ref(&probe), &p, &Quiet, never()).await;
        assert_eq!(outcome, Outcome::Unhealthy);
        assert!(
            matches!(&stats[0].state, State::GaveUp(why) if why.contains("past the end of the --stay-healthy watch")),
            "{:?}",
            stats[0].state
        );
        assert_eq!(stats[0].watch_attempts, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn watch_passes_and_ends_with_its_window() {
        let probe = Script::new(&[true]);
        let mut p = plan(S(60));
        p.watch = Some(Watch {
            duration: S(21),
            unhealthy_threshold: 2,
        });
        let t0 = Instant::now();
        let (outcome, stats) = run(std::slice::from_ref(&probe), &p, &Quiet, never()).await;
        assert_eq!(outcome, Outcome::Healthy);
        // healthy at 0; the window runs 0.01..21.01; watch attempts at 5, 10, 15, 20
        assert_eq!(stats[0].watch_attempts, 4);
        assert_eq!(t0.elapsed(), S(20) + Duration::from_millis(10));
    }

    #[tokio::test(start_paused = true)]
    async fn an_interrupt_stops_everything() {
        let probe = Script::new(&[false]);
        let p = plan(S(600));
        let interrupt = async {
            tokio::time::sleep(S(12)).await;
            130
        };
        let (outcome, stats) = run(std::slice::from_ref(&probe), &p, &Quiet, interrupt).await;
        assert_eq!(outcome, Outcome::Interrupted(130));
        assert_eq!(stats[0].state, State::Stopped);
        assert_eq!(stats[0].attempts, 3);
    }
}
