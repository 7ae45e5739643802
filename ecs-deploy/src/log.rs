//! Status lines on stderr: `ecs-deploy: HH:MM:SSZ SERVICE: message`, the time in UTC (an
//! event's own time for a service event, else now). `-q` silences them; errors and warnings
//! always show.
//!
//! On a terminal, while the rollouts are followed, the progress of each service (status,
//! lifecycle stage, running / pending / desired tasks of our revision) and the time elapsed
//! are one line at the bottom, redrawn in place; the other lines print above it. Elsewhere
//! each change of progress is a plain timestamped line.

use std::collections::BTreeMap;
use std::io::IsTerminal as _;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The progress line, while following on a terminal.
static BAR: OnceLock<ProgressBar> = OnceLock::new();
/// Each service's progress, in the line in name order.
static PARTS: Mutex<BTreeMap<String, String>> = Mutex::new(BTreeMap::new());

/// Where status lines go.
#[derive(Debug, Clone, Copy)]
pub struct Log {
    pub quiet: bool,
}

impl Log {
    /// A line about the run as a whole.
    pub fn note(self, msg: impl std::fmt::Display) {
        if !self.quiet {
            above(|| cli_support::report::note(format_args!("{} {msg}", clock(now()))));
        }
    }

    /// A line about one service, stamped now.
    pub fn service(self, service: &str, msg: impl std::fmt::Display) {
        self.service_at(service, now(), msg);
    }

    /// A line about one service, stamped `at`.
    pub fn service_at(self, service: &str, at: DateTime, msg: impl std::fmt::Display) {
        if !self.quiet {
            above(|| cli_support::report::note(format_args!("{} {service}: {msg}", clock(at))));
        }
    }

    /// A service's progress: the progress line on a terminal, else a status line.
    pub fn progress(self, service: &str, progress: &str) {
        match BAR.get().filter(|b| !b.is_finished()) {
            Some(bar) => {
                let mut parts = PARTS
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                parts.insert(service.to_owned(), progress.to_owned());
                let line: Vec<String> = parts.iter().map(|(s, p)| format!("{s}: {p}")).collect();
                bar.set_message(line.join(" | "));
            }
            None => self.service(service, format_args!("deployment {progress}")),
        }
    }

    /// Start the progress line: on a terminal, unless quiet.
    pub fn start_progress(self) {
        if self.quiet || !std::io::stderr().is_terminal() {
            return;
        }
        let bar = BAR.get_or_init(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template("{spinner} {elapsed:>4} {wide_msg}") {
                bar.set_style(style);
            }
            bar
        });
        bar.set_message("waiting for the first poll");
        bar.enable_steady_tick(Duration::from_millis(250));
    }

    /// Remove the progress line (the verdicts follow as plain lines).
    // A method, so that every line about the run reads `log.…`.
    #[allow(clippy::unused_self)]
    pub fn stop_progress(self) {
        if let Some(bar) = BAR.get() {
            bar.finish_and_clear();
        }
    }

    /// A failure of one service (shown with -q too).
    #[allow(clippy::unused_self)]
    pub fn error(self, service: &str, msg: impl std::fmt::Display) {
        above(|| cli_support::report::error(format_args!("{} {service}: {msg}", clock(now()))));
    }

    /// A warning about one service (shown with -q too).
    // A method, so that every line about a service reads `log.…`.
    #[allow(clippy::unused_self)]
    pub fn warn(self, service: &str, msg: impl std::fmt::Display) {
        above(|| cli_support::report::warn(format_args!("{} {service}: {msg}", clock(now()))));
    }
}

/// Print a line above the progress line (hidden while printing), or as is without one.
fn above(print: impl FnOnce()) {
    match BAR.get().filter(|b| !b.is_finished()) {
        Some(bar) => bar.suspend(print),
        None => print(),
    }
}

/// Now, as the SDK's time.
pub fn now() -> DateTime {
    DateTime::from(SystemTime::now())
}

/// Seconds since `start`, for timings.
pub fn seconds_between(start: DateTime, end: DateTime) -> f64 {
    let ms = end.to_millis().unwrap_or(0) - start.to_millis().unwrap_or(0);
    // Durations of a run: far below 2^52 ms.
    #[allow(clippy::cast_precision_loss)]
    let secs = ms as f64 / 1000.0;
    (secs * 1000.0).round() / 1000.0
}

/// RFC 3339, for the summary.
pub fn rfc3339(t: &DateTime) -> Option<String> {
    t.fmt(Format::DateTime).ok()
}

/// `HH:MM:SSZ`.
pub fn clock(t: DateTime) -> String {
    let secs = t.secs().rem_euclid(86_400);
    format!("{:02}:{:02}:{:02}Z", secs / 3600, secs / 60 % 60, secs % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_is_utc_time_of_day() {
        assert_eq!(clock(DateTime::from_secs(1_796_275_197)), "05:19:57Z");
        let d = seconds_between(DateTime::from_millis(1_000), DateTime::from_millis(3_500));
        assert!((d - 2.5).abs() < 1e-9, "{d}");
    }
}
