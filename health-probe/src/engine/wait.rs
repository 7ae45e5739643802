//! The waiting phase: one target probed until it is healthy, gives up or meets the
//! deadline, at the interval or with backoff, and never past the deadline.

use std::cell::RefCell;

use cli_support::duration;
use tokio::time::Instant;

use super::model::{Observer, Outcome, Phase, Plan, State, Stats};
use crate::probe::{Attempt, Probe};

/// What follows an attempt.
enum Next {
    Healthy,
    Stop(State, Outcome),
    At(Instant),
}

/// Probe one target until it is healthy: then `Ok` with the time its next attempt is due
/// (the watch, if any, goes on from there); or `Err` with why the run must stop.
pub(super) async fn wait_healthy<P: Probe, O: Observer>(
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
        cell.borrow_mut().start(Phase::Wait);
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
            State::GaveUp(format!(
                "not healthy after {max} attempt{} (--max-attempts)",
                if max == 1 { "" } else { "s" }
            )),
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
