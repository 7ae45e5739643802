//! The `--stay-healthy` watch: every healthy target probed through one window; a target
//! that fails `--unhealthy-threshold` times in a row (or answers a `--fail-on` status, or
//! asks to wait past the window) ends the run.

use std::cell::RefCell;

use cli_support::duration;
use tokio::time::Instant;

use super::model::{Observer, Outcome, Phase, Plan, State, Stats};
use crate::probe::Probe;

/// The `--stay-healthy` window of every target: it ends at `until` (for all at once).
pub(super) struct Window {
    pub(super) until: Instant,
    pub(super) unhealthy_threshold: u32,
}

/// Keep probing one healthy target through the window, from `first` (the attempt due
/// after the one that made it healthy).
pub(super) async fn watch_healthy<P: Probe, O: Observer>(
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
        cell.borrow_mut().start(Phase::Watch);
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
