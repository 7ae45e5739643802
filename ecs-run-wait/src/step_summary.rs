//! Under GitHub Actions, a Markdown report appended to `$GITHUB_STEP_SUMMARY` once the run
//! ends (`cli_support::gha::summary`), made from the `--summary` document so that both say
//! the same: the outcome, the task and its task definition, each container's exit code, the
//! stop code and reason, how long the task ran, and the last log lines.
//!
//! The log lines are the last [`TAIL_LINES`] that went to stdout (the step's log), in a code
//! block whose fence is longer than any run of backticks in them. A line longer than
//! [`TAIL_LINE_CHARS`] characters is named, not shown: the runner masks a registered secret
//! only as a whole value, and a line cut in the middle of one would show its beginning. They are what the step's log shows already: ecs-run-wait adds no
//! value of its own to them, and the runner masks registered secrets in the summary as it
//! does in the log. Every other text from AWS is escaped for Markdown and HTML.

use std::collections::VecDeque;
use std::fmt::Write as _;

use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;
use cli_support::gha::summary::{self, Table, code, code_block, text};

use crate::summary::{Outcome, Summary};

/// How many log lines the report shows, at most.
pub const TAIL_LINES: usize = 20;
/// A longer log line is not shown (its length is).
pub const TAIL_LINE_CHARS: usize = 500;

/// The last log lines written, for the report.
#[derive(Debug, Default, Clone)]
pub struct Tail {
    lines: VecDeque<String>,
}

impl Tail {
    /// A line as written to stdout (with its `[container] ` prefix, if any).
    pub fn push(&mut self, line: &str) {
        if self.lines.len() == TAIL_LINES {
            self.lines.pop_front();
        }
        let chars = line.chars().count();
        self.lines.push_back(if chars > TAIL_LINE_CHARS {
            format!("(a line of {chars} characters: see the step's log)")
        } else {
            line.to_owned()
        });
    }

    pub fn lines(&self) -> impl Iterator<Item = &str> {
        self.lines.iter().map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }
}

/// Append the report of `doc` (the run's last summary) and `tail`.
pub fn report(doc: &Summary, tail: Option<&Tail>) {
    summary::append(|| markdown(doc, tail));
}

fn headline(doc: &Summary) -> String {
    let code = doc
        .exit_code
        .map_or_else(String::new, |c| format!(" (exit {c})"));
    let what = match doc.outcome {
        Outcome::Running => "running",
        Outcome::Detached => "started, not waited for (--detach)",
        Outcome::Exited => "exited",
        Outcome::Failed => "failed, no exit code",
        Outcome::TimedOut => "timed out",
        Outcome::Interrupted => "interrupted",
        Outcome::Error => "error",
    };
    format!("## ecs-run-wait: {what}{code}\n\n")
}

fn markdown(doc: &Summary, tail: Option<&Tail>) -> String {
    let mut md = headline(doc);
    if let Some(message) = &doc.message {
        let _ = write!(md, "{}\n\n", text(message));
    }
    let mut facts: Vec<(&str, String)> = Vec::new();
    if let Some(arn) = &doc.task_arn {
        let id = arn.rsplit('/').next().unwrap_or(arn);
        facts.push(("Task", format!("{} ({})", code(id), code(arn))));
    }
    if let Some(td) = &doc.task_definition_arn {
        let short = td
            .rsplit_once("task-definition/")
            .map_or(td.as_str(), |(_, r)| r);
        facts.push(("Task definition", code(short)));
    }
    if let Some(cluster) = doc.cluster_arn.as_deref().or(doc.cluster.as_deref()) {
        let short = cluster.rsplit_once(":cluster/").map_or(cluster, |(_, c)| c);
        facts.push(("Cluster", code(short)));
    }
    if let Some(status) = &doc.last_status {
        facts.push(("Last status", text(status)));
    }
    if let Some(stop_code) = &doc.stop_code {
        facts.push(("Stop code", text(stop_code)));
    }
    if let Some(reason) = &doc.stopped_reason {
        facts.push(("Stopped reason", text(reason)));
    }
    if let Some(ran) = ran(doc) {
        facts.push(("Duration", ran));
    }
    if let Some(stop) = doc.task_stop {
        facts.push(("Task after the end", stop.replace('_', " ")));
    }
    // A list, not a two-column table: a table needs a header row, and this one has none.
    for (what, value) in &facts {
        let _ = writeln!(md, "- {what}: {value}");
    }
    if !facts.is_empty() {
        md.push('\n');
    }
    if !doc.containers.is_empty() {
        let mut containers = Table::new(&[
            "Container",
            "Essential",
            "Last status",
            "Exit code",
            "Reason",
        ]);
        for c in &doc.containers {
            containers.row([
                code(&c.name),
                if c.essential { "yes" } else { "no" }.to_owned(),
                c.last_status.as_deref().map_or_else(String::new, text),
                c.exit_code.map_or_else(String::new, |e| format!("**{e}**")),
                c.reason.as_deref().map_or_else(String::new, text),
            ]);
        }
        md.push_str("### Containers\n\n");
        md.push_str(&containers.render());
    }
    if !doc.failures.is_empty() {
        md.push_str("### RunTask failures\n\n");
        let mut failures = Table::new(&["ARN", "Reason", "Detail"]);
        for f in &doc.failures {
            failures.row([
                f.arn.as_deref().map_or_else(String::new, code),
                f.reason.as_deref().map_or_else(String::new, text),
                f.detail.as_deref().map_or_else(String::new, text),
            ]);
        }
        md.push_str(&failures.render());
    }
    if let Some(tail) = tail.filter(|t| !t.is_empty()) {
        let total = doc.log_lines.unwrap_or(0);
        let shown = tail.len();
        if total > shown as u64 {
            let _ = write!(md, "### Last {shown} log lines (of {total})\n\n");
        } else {
            md.push_str("### Log\n\n");
        }
        md.push_str(&code_block(tail.lines()));
    }
    md
}

/// How long the task ran: started (or created) to stopped, as ECS gave the times.
fn ran(doc: &Summary) -> Option<String> {
    let parse = |t: &Option<String>| {
        t.as_deref()
            .and_then(|t| DateTime::from_str(t, Format::DateTime).ok())
    };
    let from = parse(&doc.started_at).or_else(|| parse(&doc.created_at))?;
    let to = parse(&doc.stopped_at)?;
    let millis = to.to_millis().ok()? - from.to_millis().ok()?;
    let millis = u64::try_from(millis).ok()?;
    Some(cli_support::duration::format(
        std::time::Duration::from_millis(millis),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tail_keeps_the_last_lines_and_names_a_long_one_without_any_of_it() {
        let mut tail = Tail::default();
        for i in 0..25 {
            tail.push(&format!("line {i}"));
        }
        tail.push(&"x".repeat(TAIL_LINE_CHARS));
        // A secret the runner would mask as a whole, straddling the limit: none of it shows.
        tail.push(&format!("{}S3cretValue", "y".repeat(TAIL_LINE_CHARS - 4)));
        assert_eq!(tail.len(), TAIL_LINES);
        let lines: Vec<&str> = tail.lines().collect();
        assert_eq!(lines[0], "line 7");
        assert_eq!(lines[TAIL_LINES - 2], "x".repeat(TAIL_LINE_CHARS));
        assert_eq!(
            lines[TAIL_LINES - 1],
            "(a line of 507 characters: see the step's log)"
        );
    }
}
