//! Status lines on stderr: `ecs-deploy: HH:MM:SSZ SERVICE: message`, the time in UTC (an
//! event's own time for a service event, else now). `-q` silences them; errors and warnings
//! always show.

use std::time::SystemTime;

use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;

/// Where status lines go.
#[derive(Debug, Clone, Copy)]
pub struct Log {
    pub quiet: bool,
}

impl Log {
    /// A line about the run as a whole.
    pub fn note(self, msg: impl std::fmt::Display) {
        if !self.quiet {
            cli_support::report::note(format_args!("{} {msg}", clock(now())));
        }
    }

    /// A line about one service, stamped now.
    pub fn service(self, service: &str, msg: impl std::fmt::Display) {
        self.service_at(service, now(), msg);
    }

    /// A line about one service, stamped `at`.
    pub fn service_at(self, service: &str, at: DateTime, msg: impl std::fmt::Display) {
        if !self.quiet {
            cli_support::report::note(format_args!("{} {service}: {msg}", clock(at)));
        }
    }

    /// A warning about one service (shown with -q too).
    // A method, so that every line about a service reads `log.…`.
    #[allow(clippy::unused_self)]
    pub fn warn(self, service: &str, msg: impl std::fmt::Display) {
        cli_support::report::warn(format_args!("{} {service}: {msg}", clock(now())));
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
