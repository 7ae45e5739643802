//! Under GitHub Actions, a Markdown report appended to `$GITHUB_STEP_SUMMARY`
//! (`cli_support::gha::summary`): where the values went (a repository, an environment, an
//! organization, or `--format`), and per value its name, kind, size in bytes and what became
//! of it. Never a value, nor a redacted form of one, nor a message from GitHub or gh (it may
//! quote a value): a failure is named, its reason stays in the step's log.

use std::sync::atomic::{AtomicBool, Ordering};

use cli_support::gha::summary::{self, Table, code, text};

/// A report was appended: a later error does not add a second one.
static REPORTED: AtomicBool = AtomicBool::new(false);

/// One value of the report.
pub struct Line<'a> {
    pub name: &'a str,
    /// `secret`, `variable`, or `value` (printed with --format).
    pub kind: &'a str,
    pub bytes: usize,
    pub sensitive: bool,
    /// `created`, `updated`, `set`, `planned`, `printed`, `failed`, `not attempted`, `in doubt`
    pub status: &'a str,
}

/// The run's report: `headline` (the tool's own words) over the table of values.
pub fn report(headline: &str, lines: &[Line<'_>]) {
    REPORTED.store(true, Ordering::Relaxed);
    summary::append(|| markdown(headline, lines));
}

/// The run failed before a report was made: say so, and where the reason is.
pub fn failed(exit_code: u8) {
    if REPORTED.swap(true, Ordering::Relaxed) {
        return;
    }
    summary::append(|| {
        format!(
            "## tf-secrets: failed (exit {exit_code})\n\nThe reason is in the step's log: \
             messages are not copied into the summary, they could quote a value.\n\n"
        )
    });
}

fn markdown(headline: &str, lines: &[Line<'_>]) -> String {
    let mut md = format!("## tf-secrets: {headline}\n\n");
    if lines.is_empty() {
        return md;
    }
    let mut table = Table::new(&["Name", "Kind", "Size", "Sensitive", "Status"]);
    for l in lines {
        table.row([
            code(l.name),
            l.kind.to_owned(),
            format!("{} B", l.bytes),
            if l.sensitive { "yes" } else { "no" }.to_owned(),
            if matches!(l.status, "failed" | "in doubt") {
                format!("**{}**", text(l.status))
            } else {
                text(l.status)
            },
        ]);
    }
    md.push_str(&table.render());
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_kinds_and_sizes() {
        let md = markdown(
            "set 1 secret in repository o/r",
            &[Line {
                name: "DB_PASSWORD",
                kind: "secret",
                bytes: 12,
                sensitive: true,
                status: "failed",
            }],
        );
        assert_eq!(
            md,
            "## tf-secrets: set 1 secret in repository o/r\n\n\
             | Name | Kind | Size | Sensitive | Status |\n|---|---|---|---|---|\n\
             | `DB_PASSWORD` | secret | 12 B | yes | **failed** |\n\n"
        );
    }
}
