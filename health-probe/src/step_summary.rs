//! Under GitHub Actions, a Markdown report appended to `$GITHUB_STEP_SUMMARY`
//! (`cli_support::gha::summary`): the outcome, then per URL its verdict, attempts, time to
//! healthy, latency (last and median) and the last status or error. URLs are in their shown
//! form (credentials and secret query values redacted, as everywhere); every text from a
//! server (errors, expectations quoting a body) is escaped for Markdown and HTML.

use std::fmt::Write as _;
use std::time::Duration;

use cli_support::duration;
use cli_support::gha::summary::{self, Table, code, text};

use crate::engine::{Outcome, State, Stats, Watch};
use crate::summary::{outcome_name, state_name};

/// The report of a run that probed.
pub fn report(
    outcome: Outcome,
    names: &[String],
    stats: &[Stats],
    elapsed: Duration,
    watch: Option<&Watch>,
) {
    summary::append(|| markdown(outcome, names, stats, elapsed, watch));
}

/// The run could not probe (a client could not be built).
pub fn failed(err: &anyhow::Error) {
    summary::append(|| {
        format!(
            "## health-probe: error\n\n{}\n\n",
            text(&format!("{err:#}"))
        )
    });
}

fn markdown(
    outcome: Outcome,
    names: &[String],
    stats: &[Stats],
    elapsed: Duration,
    watch: Option<&Watch>,
) -> String {
    let healthy = stats.iter().filter(|s| s.state == State::Healthy).count();
    let verdict = match outcome {
        Outcome::Interrupted(signal) => format!("interrupted by {signal}"),
        o => outcome_name(o).replace('-', " "),
    };
    let mut md = format!(
        "## health-probe: {verdict}\n\n{healthy} of {} healthy after {}",
        names.len(),
        duration::format(elapsed)
    );
    if let Some(w) = watch {
        let _ = write!(md, ", `--stay-healthy {}`", duration::format(w.duration));
    }
    md.push_str("\n\n");
    let mut header = vec![
        "URL",
        "Verdict",
        "Attempts",
        "Time to healthy",
        "Latency (last / median)",
        "Last status or error",
    ];
    if watch.is_some() {
        header.push("Stay healthy (attempts, failures)");
    }
    let mut table = Table::new(&header);
    for (name, s) in names.iter().zip(stats) {
        let verdict = state_name(&s.state).replace('-', " ");
        let mut row = vec![
            code(name),
            if s.state == State::Healthy {
                verdict
            } else {
                format!("**{verdict}**")
            },
            s.attempts.to_string(),
            s.healthy_after.map_or_else(String::new, duration::format),
            s.latencies
                .figures()
                .map_or_else(String::new, |f| format!("{} ms / {} ms", f.last, f.median)),
            last(s),
        ];
        if watch.is_some() {
            row.push(format!("{}, {}", s.watch_attempts, s.watch_failures));
        }
        table.row(row);
    }
    md.push_str(&table.render());
    md
}

/// The last attempt: its status (or error) and the expectations it did not meet; why the
/// URL was given up.
fn last(s: &Stats) -> String {
    let mut parts = Vec::new();
    if let State::GaveUp(why) = &s.state {
        parts.push(format!("gave up: {}", text(why)));
    }
    if let Some(a) = &s.last {
        if let Some(status) = a.status {
            parts.push(format!("HTTP {status}"));
        }
        if let Some(e) = &a.error {
            parts.push(text(e));
        }
        parts.extend(a.failures.iter().map(|f| text(f)));
    }
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::Attempt;

    #[test]
    fn a_row_per_url() {
        let stats = [
            Stats {
                state: State::Healthy,
                attempts: 2,
                latencies: [Duration::from_millis(9), Duration::from_millis(3)]
                    .into_iter()
                    .collect(),
                healthy_after: Some(Duration::from_millis(5012)),
                last: Some(Attempt {
                    status: Some(200),
                    ..Attempt::default()
                }),
                ..Stats::default()
            },
            Stats {
                state: State::TimedOut,
                attempts: 3,
                last: Some(Attempt {
                    error: Some("connection refused | <b>".into()),
                    ..Attempt::default()
                }),
                ..Stats::default()
            },
        ];
        let names = ["http://a/".to_owned(), "tcp://b:1".to_owned()];
        let md = markdown(
            Outcome::TimedOut,
            &names,
            &stats,
            Duration::from_secs(30),
            None,
        );
        assert_eq!(
            md,
            "## health-probe: timeout\n\n1 of 2 healthy after 30s\n\n\
             | URL | Verdict | Attempts | Time to healthy | Latency (last / median) | Last status or error |\n\
             |---|---|---|---|---|---|\n\
             | `http://a/` | healthy | 2 | 5s | 3 ms / 3 ms | HTTP 200 |\n\
             | `tcp://b:1` | **timeout** | 3 |  |  | connection refused \\| &lt;b&gt; |\n\n"
        );
    }
}
