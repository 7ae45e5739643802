//! The pause between tries of a call that ecs-run-wait retries itself.

use std::time::Duration;

use rand::Rng as _;

/// The pause before try number `attempt` + 1: `base` doubled at each attempt (at most 32
/// times `base`, at most a minute) plus up to 250 ms of jitter.
pub fn backoff(base: Duration, attempt: u32) -> Duration {
    let exp = base.saturating_mul(1 << attempt.saturating_sub(1).min(5));
    let jitter = Duration::from_millis(rand::rng().random_range(0..=250));
    exp.min(Duration::from_mins(1)) + jitter
}
