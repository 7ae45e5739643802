//! Which layer retries which call: one layer per call, never both.
//!
//! The SDK's retries (its standard mode: exponential backoff with jitter, a retry quota, with
//! `cli_support::aws::DEFAULT_MAX_ATTEMPTS` attempts; `AWS_MAX_ATTEMPTS`, `AWS_RETRY_MODE` and
//! the profile's settings apply) are the default. ecs-run-wait retries a call itself only where the SDK cannot do what is needed, and
//! turns the SDK's retries off for that call ([`no_sdk_retries`]):
//!
//! - RunTask's throttling and transient errors: the SDK. It sends the same request again,
//!   with the same client token: no second task.
//! - RunTask's capacity failures (`failures[]` in a successful answer): ecs-run-wait
//!   (`start.rs`). The SDK sees a success; each attempt gets a new token (`--start-retries`).
//! - DescribeTasks (the wait, `--attach`): ecs-run-wait (`lookup.rs`). The wait survives an
//!   outage of any length (until `--timeout`), says so on stderr and follows the logs meanwhile.
//! - GetLogEvents: ecs-run-wait (`logs.rs`). The next poll reads again; one stream's backoff
//!   does not hold up the others.
//! - StopTask: the SDK, within the 10 s the stop may take.
//! - Everything else (DescribeTaskDefinition, DescribeServices, DescribeClusters, the lists
//!   behind "did you mean", DescribeLogStreams): the SDK. One-off reads.
//!
//! The unit tests build their mock clients with the SDK's standard retry configuration, what
//! the tool runs with in a clean environment, so the calls they count are the calls production
//! sends (`mocks.rs`).

use std::time::Duration;

use aws_smithy_types::retry::RetryConfig;
use rand::Rng as _;

/// The SDK's retries turned off, for a call ecs-run-wait retries itself.
pub fn no_sdk_retries() -> RetryConfig {
    RetryConfig::disabled()
}

/// The pause before try number `attempt` + 1: `base` doubled at each attempt (at most 32
/// times `base`, at most a minute) plus up to 250 ms of jitter.
pub fn backoff(base: Duration, attempt: u32) -> Duration {
    let exp = base.saturating_mul(1 << attempt.saturating_sub(1).min(5));
    let jitter = Duration::from_millis(rand::rng().random_range(0..=250));
    exp.min(Duration::from_mins(1)) + jitter
}
