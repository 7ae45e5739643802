//! The `--json` report on stdout, written once the run ends (also when a signal stopped
//! it), pretty-printed. Its schema is these types, field by field, in order:
//!
//! ```json
//! {
//!   "healthy": true,                  // every URL healthy (and stayed healthy)
//!   "outcome": "healthy",             // healthy | timeout | gave-up | unhealthy | interrupted
//!   "elapsed_ms": 5020,
//!   "urls": [{
//!     "url": "http://x/",             // as shown: credentials and secret query values redacted
//!     "healthy": true,
//!     "state": "healthy",             // healthy | timeout | gave-up | unhealthy | stopped
//!     "reason": null,                 // why it gave up (gave-up only)
//!     "attempts": 2,                  // started while waiting for health (one a signal
//!                                     //   interrupted too: last_error says so)
//!     "successes": 1,
//!     "time_to_healthy_ms": 5012,     // from the start of the run; null unless healthy
//!     "last_status": 200,             // null when the last attempt got no answer
//!     "last_error": null,             // refused, reset, DNS, TLS, timeout...
//!     "last_failures": [],            // the expectations the last answer did not meet
//!     "latency_ms": {"min": 3, "median": 3, "max": 9, "last": 3},  // null before an answer
//!     "watch": null                   // with --stay-healthy: attempts, failures,
//!   }]                                //   max_consecutive_failures
//! }
//! ```

use std::time::Duration;

use cli_support::duration;
use serde::Serialize;

use crate::engine::{Outcome, State, Stats, Watch};
use crate::latency::Figures;

/// The whole report: see the module documentation.
#[derive(Serialize)]
pub struct Summary<'a> {
    healthy: bool,
    outcome: &'static str,
    elapsed_ms: u64,
    urls: Vec<UrlSummary<'a>>,
}

/// One URL of the [`Summary`].
#[derive(Serialize)]
struct UrlSummary<'a> {
    url: &'a str,
    healthy: bool,
    state: &'static str,
    reason: Option<&'a str>,
    attempts: u32,
    successes: u32,
    time_to_healthy_ms: Option<u64>,
    last_status: Option<u16>,
    last_error: Option<&'a str>,
    last_failures: &'a [String],
    latency_ms: Option<LatencyMs>,
    watch: Option<WatchSummary>,
}

/// The latency figures of the attempts that got an answer, in whole milliseconds.
#[derive(Serialize)]
struct LatencyMs {
    min: u64,
    median: u64,
    max: u64,
    last: u64,
}

impl From<Figures> for LatencyMs {
    fn from(f: Figures) -> LatencyMs {
        LatencyMs {
            min: f.min,
            median: f.median,
            max: f.max,
            last: f.last,
        }
    }
}

/// The `--stay-healthy` figures of one URL.
#[derive(Serialize)]
struct WatchSummary {
    attempts: u32,
    failures: u32,
    max_consecutive_failures: u32,
}

impl<'a> Summary<'a> {
    /// The report of a run: its outcome and, per target (`names`, shown form), its state
    /// and figures.
    pub fn new(
        outcome: Outcome,
        names: &'a [String],
        stats: &'a [Stats],
        elapsed: Duration,
        watch: Option<&Watch>,
    ) -> Summary<'a> {
        let urls = names
            .iter()
            .zip(stats)
            .map(|(name, s)| {
                let last = s.last.as_ref();
                UrlSummary {
                    url: name,
                    healthy: s.state == State::Healthy,
                    state: state_name(&s.state),
                    reason: match &s.state {
                        State::GaveUp(why) => Some(why),
                        _ => None,
                    },
                    attempts: s.attempts,
                    successes: s.successes,
                    time_to_healthy_ms: s.healthy_after.map(duration::millis),
                    last_status: last.and_then(|a| a.status),
                    last_error: last.and_then(|a| a.error.as_deref()),
                    last_failures: last.map_or(&[], |a| a.failures.as_slice()),
                    latency_ms: s.latencies.figures().map(LatencyMs::from),
                    watch: watch.map(|_| WatchSummary {
                        attempts: s.watch_attempts,
                        failures: s.watch_failures,
                        max_consecutive_failures: s.watch_max_consecutive_failures,
                    }),
                }
            })
            .collect();
        Summary {
            healthy: outcome == Outcome::Healthy,
            outcome: outcome_name(outcome),
            elapsed_ms: duration::millis(elapsed),
            urls,
        }
    }
}

pub(crate) fn outcome_name(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Healthy => "healthy",
        Outcome::TimedOut => "timeout",
        Outcome::GaveUp => "gave-up",
        Outcome::Unhealthy => "unhealthy",
        Outcome::Interrupted(_) => "interrupted",
    }
}

pub(crate) fn state_name(state: &State) -> &'static str {
    match state {
        State::Probing | State::Stopped => "stopped",
        State::Healthy => "healthy",
        State::TimedOut => "timeout",
        State::GaveUp(_) => "gave-up",
        State::Unhealthy => "unhealthy",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::Attempt;
    use cli_support::signal::Signal;
    use serde_json::{Value, json};

    fn attempt(status: Option<u16>, error: Option<&str>, failures: &[&str]) -> Attempt {
        Attempt {
            latency: Duration::from_millis(12),
            status,
            error: error.map(str::to_owned),
            failures: failures.iter().map(|s| (*s).to_owned()).collect(),
            ..Attempt::default()
        }
    }

    fn pretty(value: &impl Serialize) -> String {
        serde_json::to_string_pretty(value).unwrap()
    }

    #[test]
    fn json_report_shape() {
        let stats = Stats {
            state: State::Healthy,
            attempts: 2,
            successes: 1,
            latencies: [Duration::from_millis(9), Duration::from_millis(3)]
                .into_iter()
                .collect(),
            healthy_after: Some(Duration::from_millis(5012)),
            last: Some(attempt(Some(200), None, &[])),
            ..Stats::default()
        };
        let names = ["http://x/".to_owned()];
        let stats = [stats];
        let report = Summary::new(
            Outcome::Healthy,
            &names,
            &stats,
            Duration::from_millis(5020),
            None,
        );
        assert_eq!(
            serde_json::to_value(&report).unwrap(),
            json!({
                "healthy": true, "outcome": "healthy", "elapsed_ms": 5020,
                "urls": [{
                    "url": "http://x/", "healthy": true, "state": "healthy", "reason": null,
                    "attempts": 2, "successes": 1, "time_to_healthy_ms": 5012,
                    "last_status": 200, "last_error": null, "last_failures": [],
                    "latency_ms": {"min": 3, "median": 3, "max": 9, "last": 3},
                    "watch": null
                }]
            })
        );
    }

    /// The report was built with `json!`; the types print the same bytes, for every state.
    #[test]
    fn the_types_print_what_json_built() {
        let names: Vec<String> = [
            "http://x/",
            "https://***@y:8443/h?token=***",
            "tcp://db:5432",
        ]
        .map(str::to_owned)
        .to_vec();
        let stats = [
            Stats {
                state: State::GaveUp("answered 500 (--fail-on 500-599) \"quoted\"".into()),
                attempts: 3,
                last: Some(attempt(
                    Some(500),
                    None,
                    &[
                        "status 500 is not in 200-299",
                        "body does not contain \"ok\"",
                    ],
                )),
                latencies: [Duration::from_millis(40)].into_iter().collect(),
                watch_attempts: 2,
                watch_failures: 1,
                watch_max_consecutive_failures: 1,
                ..Stats::default()
            },
            Stats {
                state: State::Stopped,
                attempts: 1,
                last: Some(attempt(None, Some("connection refused"), &[])),
                ..Stats::default()
            },
            Stats::default(),
        ];
        let watch = Watch {
            duration: Duration::from_secs(30),
            unhealthy_threshold: 2,
        };
        for (outcome, watch) in [
            (Outcome::GaveUp, None),
            (Outcome::Unhealthy, Some(&watch)),
            (Outcome::Interrupted(Signal::Term), None),
            (Outcome::TimedOut, Some(&watch)),
        ] {
            let elapsed = Duration::from_millis(61_234);
            let new = pretty(&Summary::new(outcome, &names, &stats, elapsed, watch));
            let old = pretty(&old_report(outcome, &names, &stats, elapsed, watch));
            assert_eq!(new, old);
        }
    }

    fn outcome_name(outcome: Outcome) -> &'static str {
        match outcome {
            Outcome::Healthy => "healthy",
            Outcome::TimedOut => "timeout",
            Outcome::GaveUp => "gave-up",
            Outcome::Unhealthy => "unhealthy",
            Outcome::Interrupted(_) => "interrupted",
        }
    }

    fn state_name(state: &State) -> &'static str {
        match state {
            State::Probing | State::Stopped => "stopped",
            State::Healthy => "healthy",
            State::TimedOut => "timeout",
            State::GaveUp(_) => "gave-up",
            State::Unhealthy => "unhealthy",
        }
    }

    fn latency(stats: &Stats) -> Value {
        let Some(f) = stats.latencies.figures() else {
            return Value::Null;
        };
        json!({
            "min": f.min,
            "median": f.median,
            "max": f.max,
            "last": f.last,
        })
    }

    /// The report as it was built before the types: `json!`, key by key.
    fn old_report(
        outcome: Outcome,
        names: &[String],
        stats: &[Stats],
        elapsed: Duration,
        watch: Option<&Watch>,
    ) -> Value {
        let urls: Vec<Value> = names
            .iter()
            .zip(stats)
            .map(|(name, s)| {
                let last = s.last.as_ref();
                json!({
                    "url": name,
                    "healthy": s.state == State::Healthy,
                    "state": state_name(&s.state),
                    "reason": match &s.state {
                        State::GaveUp(why) => Value::from(why.as_str()),
                        _ => Value::Null,
                    },
                    "attempts": s.attempts,
                    "successes": s.successes,
                    "time_to_healthy_ms": s.healthy_after.map(duration::millis),
                    "last_status": last.and_then(|a| a.status),
                    "last_error": last.and_then(|a| a.error.clone()),
                    "last_failures": last.map(|a| a.failures.clone()).unwrap_or_default(),
                    "latency_ms": latency(s),
                    "watch": watch.map(|_| json!({
                        "attempts": s.watch_attempts,
                        "failures": s.watch_failures,
                        "max_consecutive_failures": s.watch_max_consecutive_failures,
                    })),
                })
            })
            .collect();
        json!({
            "healthy": outcome == Outcome::Healthy,
            "outcome": outcome_name(outcome),
            "elapsed_ms": duration::millis(elapsed),
            "urls": urls,
        })
    }
}
