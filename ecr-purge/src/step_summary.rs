//! Under GitHub Actions, a Markdown report appended to `$GITHUB_STEP_SUMMARY`
//! (`cli_support::gha::summary`): per repository the images deleted, kept and failed (with
//! `--dry-run`: would delete, and a headline that says nothing was deleted), and what
//! happened to the repository. Text from AWS (error messages) is escaped for Markdown and
//! HTML. An AWS error (credentials, network) is a repository's failure, so every run that
//! gets past its usage checks ends here.

use cli_support::gha::summary::{self, Table, code, text};
use cli_support::signal::Signal;

use crate::purge::RepoFate;
use crate::report::RepoReport;

/// The run's report, from what `--json` is made of.
pub fn report(dry_run: bool, ok: bool, interrupted: Option<Signal>, reports: &[RepoReport<'_>]) {
    summary::append(|| markdown(dry_run, ok, interrupted, reports));
}

fn markdown(
    dry_run: bool,
    ok: bool,
    interrupted: Option<Signal>,
    reports: &[RepoReport<'_>],
) -> String {
    let headline = match (dry_run, interrupted, ok) {
        (true, _, true) => "dry run, nothing deleted".to_owned(),
        (true, _, false) => "dry run, nothing deleted; some repositories failed".to_owned(),
        (false, Some(signal), _) => format!("interrupted by {signal}"),
        (false, None, true) => "done".to_owned(),
        (false, None, false) => "failed".to_owned(),
    };
    let mut md = format!("## ecr-purge: {headline}\n\n");
    let deleted = if dry_run { "Would delete" } else { "Deleted" };
    let mut table = Table::new(&["Repository", "Images", deleted, "Kept", "Failed", "Notes"]);
    for r in reports {
        table.row(row(r));
    }
    md.push_str(&table.render());
    md
}

fn row(r: &RepoReport<'_>) -> Vec<String> {
    match r {
        RepoReport::Missing {
            target,
            message,
            ok,
        } => {
            let note = if *ok {
                "missing (--missing-ok)".to_owned()
            } else {
                format!("**missing**: {}", text(message))
            };
            vec![
                code(&target.name),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                note,
            ]
        }
        RepoReport::Failed {
            target, message, ..
        } => vec![
            code(&target.name),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            format!("**failed**: {}", text(message)),
        ],
        RepoReport::Planned {
            target,
            total,
            plan,
            delete_repository,
        } => vec![
            code(&target.name),
            total.to_string(),
            plan.delete.len().to_string(),
            plan.keep.len().to_string(),
            String::new(),
            if *delete_repository {
                "would delete the repository".to_owned()
            } else {
                String::new()
            },
        ],
        RepoReport::Done {
            target,
            total,
            plan,
            outcome,
        } => {
            let mut notes = Vec::new();
            if !outcome.already_gone.is_empty() {
                notes.push(format!("{} already gone", outcome.already_gone.len()));
            }
            if !outcome.not_attempted.is_empty() {
                notes.push(format!("**{} not attempted**", outcome.not_attempted.len()));
            }
            if !outcome.in_doubt.is_empty() {
                notes.push(format!("**{} in doubt**", outcome.in_doubt.len()));
            }
            if !outcome.appeared.is_empty() {
                notes.push(format!("**{} pushed meanwhile**", outcome.appeared.len()));
            }
            match outcome.repository {
                RepoFate::Kept => {}
                RepoFate::Deleted => notes.push("repository deleted".to_owned()),
                RepoFate::AlreadyGone => notes.push("repository already gone".to_owned()),
                RepoFate::NotDeleted => notes.push("**repository not deleted**".to_owned()),
            }
            if let Some(e) = &outcome.error {
                notes.push(text(&e.to_string()));
            }
            let failed = outcome.failed.len() + outcome.unmatched.len();
            vec![
                code(&target.name),
                total.to_string(),
                outcome.deleted.len().to_string(),
                (plan.keep.len() + outcome.kept.len()).to_string(),
                if failed > 0 {
                    format!("**{failed}**")
                } else {
                    "0".to_owned()
                },
                notes.join("; "),
            ]
        }
    }
}
