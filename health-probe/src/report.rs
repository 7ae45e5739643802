//! What the user sees on stderr: a line per attempt, the verdict. (The `--json` report on
//! stdout: [`crate::summary`].)

use std::cell::RefCell;
use std::fmt::Write as _;
use std::time::Duration;

use crate::engine::{Observer, Phase, State, Stats, Watch};
use crate::probe::Attempt;
use cli_support::duration;

/// Attempts in a row that answer the same 4xx before the warning that the path or host may
/// be wrong.
pub const SAME_4XX_HINT_AFTER: u32 = 3;

/// Progress lines on stderr (none with `-q`), and the warnings about what they show.
pub struct Progress<'a> {
    /// The shown (redacted) form of each target.
    pub names: &'a [String],
    pub healthy_threshold: u32,
    pub unhealthy_threshold: u32,
    pub quiet: bool,
    /// Per target: the 4xx the last attempts answered and how many in a row.
    same_4xx: RefCell<Vec<Repeat>>,
}

#[derive(Debug, Clone, Copy, Default)]
struct Repeat {
    status: u16,
    times: u32,
    /// The warning was given (once per target).
    warned: bool,
}

impl<'a> Progress<'a> {
    pub fn new(
        names: &'a [String],
        healthy_threshold: u32,
        unhealthy_threshold: u32,
        quiet: bool,
    ) -> Progress<'a> {
        Progress {
            names,
            healthy_threshold,
            unhealthy_threshold,
            quiet,
            same_4xx: RefCell::new(vec![Repeat::default(); names.len()]),
        }
    }

    /// After [`SAME_4XX_HINT_AFTER`] failed attempts in a row answer the same 4xx (but 408
    /// and 429, which say "later"), once per target: the URL is likely wrong, and retrying
    /// it to the deadline will not help. A warning, shown with `-q` too.
    fn hint_same_4xx(&self, index: usize, attempt: &Attempt) {
        let mut all = self.same_4xx.borrow_mut();
        let repeat = &mut all[index];
        match attempt.status {
            Some(status)
                if !attempt.ok()
                    && (400..500).contains(&status)
                    && status != 408
                    && status != 429 =>
            {
                if repeat.status == status {
                    repeat.times += 1;
                } else {
                    repeat.status = status;
                    repeat.times = 1;
                }
            }
            _ => repeat.times = 0,
        }
        if repeat.times >= SAME_4XX_HINT_AFTER && !repeat.warned {
            repeat.warned = true;
            let at = attempt
                .redirected_to
                .as_ref()
                .map(|to| format!(" (from {to})"))
                .unwrap_or_default();
            cli_support::warn(format!(
                "{}: {} attempts in a row answered {}{at}: the path or host may be wrong \
                 (--fail-on {} ends the probe at the first such answer)",
                self.names[index],
                repeat.times,
                status_text(repeat.status),
                repeat.status
            ));
        }
    }
}

/// `404 Not Found`, `499`.
fn status_text(status: u16) -> String {
    let reason = reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .map(|r| format!(" {r}"))
        .unwrap_or_default();
    format!("{status}{reason}")
}

impl Observer for Progress<'_> {
    fn attempt(
        &self,
        index: usize,
        phase: Phase,
        stats: &Stats,
        attempt: &Attempt,
        wait: Option<Duration>,
    ) {
        if !self.quiet {
            self.attempt_line(index, phase, stats, attempt, wait);
        }
        if phase == Phase::Wait {
            self.hint_same_4xx(index, attempt);
        }
    }

    fn healthy(&self, index: usize, stats: &Stats) {
        if self.quiet || self.names.len() == 1 {
            return;
        }
        cli_support::note(format!(
            "{}: healthy after {} ({})",
            self.names[index],
            attempts(stats.attempts),
            duration::format(stats.healthy_after.unwrap_or_default())
        ));
    }

    fn watching(&self, watch: &Watch) {
        if self.quiet {
            return;
        }
        cli_support::note(format!(
            "healthy; watching for {} (fails on {} consecutive failures)",
            duration::format(watch.duration),
            watch.unhealthy_threshold
        ));
    }
}

impl Progress<'_> {
    fn attempt_line(
        &self,
        index: usize,
        phase: Phase,
        stats: &Stats,
        attempt: &Attempt,
        wait: Option<Duration>,
    ) {
        let (label, number) = match phase {
            Phase::Wait => ("#", stats.attempts),
            Phase::Watch => ("watch #", stats.watch_attempts),
        };
        let mut line = format!(
            "{}: {label}{number} {}",
            self.names[index],
            summary(attempt)
        );
        if attempt.ok() {
            if phase == Phase::Wait && self.healthy_threshold > 1 {
                let _ = write!(
                    line,
                    ": ok ({}/{})",
                    stats.consecutive_successes, self.healthy_threshold
                );
            } else {
                line.push_str(": ok");
            }
        } else if phase == Phase::Watch {
            let _ = write!(
                line,
                " (failure {}/{})",
                stats.consecutive_failures, self.unhealthy_threshold
            );
        }
        if let Some(wait) = wait {
            let _ = write!(line, "; next attempt in {}", duration::format(wait));
        }
        cli_support::note(line);
    }
}

fn attempts(n: u32) -> String {
    if n == 1 {
        "1 attempt".to_owned()
    } else {
        format!("{n} attempts")
    }
}

/// One attempt in a line: `503 Service Unavailable in 12ms: status 503 is not in 200-299;
/// body: "starting"`, `connection refused after 1ms`, `connected in 2ms`.
pub fn summary(a: &Attempt) -> String {
    let took = duration::format(a.latency);
    let mut out = match (&a.error, a.status) {
        (Some(error), _) if error.starts_with("timed out") => error.clone(),
        (Some(error), _) => format!("{error} after {took}"),
        (None, Some(status)) => format!("{} in {took}", status_text(status)),
        (None, None) => format!("connected in {took}"),
    };
    if let Some(to) = &a.redirected_to {
        let _ = write!(out, " from {to}");
    }
    if !a.failures.is_empty() {
        let _ = write!(out, ": {}", a.failures.join("; "));
    }
    if let Some(excerpt) = &a.excerpt {
        let _ = write!(out, "; body: {excerpt:?}");
    }
    if let Some(after) = a.retry_after {
        let _ = write!(out, "; Retry-After {}", duration::format(after));
    }
    out
}

/// The verdict for one target that is not healthy, for an error line and the annotation.
pub fn failure(name: &str, stats: &Stats, timeout: Duration, watch: Option<&Watch>) -> String {
    let last = stats
        .last
        .as_ref()
        .map(|a| format!("; last: {}", summary(a)))
        .unwrap_or_default();
    match &stats.state {
        State::TimedOut => format!(
            "{name}: not healthy by the deadline ({}) after {}{last}",
            duration::format(timeout),
            attempts(stats.attempts)
        ),
        State::GaveUp(why) => format!("{name}: gave up: {why}{last}"),
        State::Unhealthy => format!(
            "{name}: did not stay healthy: {} failed during the --stay-healthy {} watch{last}",
            match stats.consecutive_failures {
                1 => "the last check".to_owned(),
                n => format!("{n} consecutive checks"),
            },
            watch
                .map(|w| duration::format(w.duration))
                .unwrap_or_default()
        ),
        State::Stopped | State::Probing => format!(
            "{name}: not healthy yet when the probe stopped after {}{last}",
            attempts(stats.attempts)
        ),
        State::Healthy => format!("{name}: healthy"),
    }
}

/// The success line: `http://x/health is healthy (4 attempts, 3.2s)`, `all 3 URLs are
/// healthy (3.2s)`, plus the watch.
pub fn success(names: &[String], stats: &[Stats], watch: Option<&Watch>) -> String {
    let mut line = if let ([name], [s]) = (names, stats) {
        format!(
            "{name} is healthy ({}, {})",
            attempts(s.attempts),
            duration::format(s.healthy_after.unwrap_or_default())
        )
    } else {
        let slowest = stats
            .iter()
            .filter_map(|s| s.healthy_after)
            .max()
            .unwrap_or_default();
        format!(
            "all {} URLs are healthy ({})",
            names.len(),
            duration::format(slowest)
        )
    };
    if let Some(w) = watch {
        let _ = write!(
            line,
            " and stayed healthy for {}",
            duration::format(w.duration)
        );
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(status: Option<u16>, error: Option<&str>, failures: &[&str]) -> Attempt {
        Attempt {
            latency: Duration::from_millis(12),
            status,
            error: error.map(str::to_owned),
            failures: failures.iter().map(|s| (*s).to_owned()).collect(),
            ..Attempt::default()
        }
    }

    #[test]
    fn summaries() {
        assert_eq!(summary(&attempt(Some(200), None, &[])), "200 OK in 12ms");
        let mut a = attempt(Some(503), None, &["status 503 is not in 200-299"]);
        a.excerpt = Some("starting \"db\"".into());
        a.retry_after = Some(Duration::from_secs(5));
        assert_eq!(
            summary(&a),
            r#"503 Service Unavailable in 12ms: status 503 is not in 200-299; body: "starting \"db\""; Retry-After 5s"#
        );
        assert_eq!(
            summary(&attempt(None, Some("connection refused"), &[])),
            "connection refused after 12ms"
        );
        assert_eq!(summary(&attempt(None, None, &[])), "connected in 12ms");
        assert_eq!(summary(&attempt(Some(599), None, &[])), "599 in 12ms");
    }

    #[test]
    fn failures_name_the_url_and_the_last_attempt() {
        let stats = Stats {
            state: State::TimedOut,
            attempts: 7,
            last: Some(attempt(None, Some("connection refused"), &[])),
            ..Stats::default()
        };
        assert_eq!(
            failure("http://x/", &stats, Duration::from_secs(30), None),
            "http://x/: not healthy by the deadline (30s) after 7 attempts; last: connection refused after 12ms"
        );
    }
}
