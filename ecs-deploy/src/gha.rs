//! GitHub Actions outputs, under `GITHUB_ACTIONS=true`: a failed service's verdict as one
//! `::error::` annotation (in place of the plain line, see [`failure`]); the follow's lines
//! in one `::group::` while they stream; at the end `task-definition-arn` in `$GITHUB_OUTPUT`, and a
//! Markdown report in `$GITHUB_STEP_SUMMARY`, built from the `--summary` document so that
//! both say the same. Text from AWS (event messages, reasons) is escaped for Markdown and
//! HTML (`cli_support::gha::summary`); workflow commands are escaped by `cli_support::gha`.

use std::fmt::Write as _;
use std::path::PathBuf;

use cli_support::gha;
use cli_support::gha::summary::{code, text};

use crate::exit;
use crate::summary::{ServiceSummary, Summary};

/// A failed service's verdict line: under GitHub Actions one `::error title=ecs-deploy::`
/// annotation (the runner shows it in the log and on the run's page; a plain line as well
/// would say it twice) and `true`; elsewhere `false`, and the caller prints its line.
pub fn failure(service: &str, message: &str) -> bool {
    if !gha::active() {
        return false;
    }
    gha::emit(&gha::error_command(
        Some(cli_support::report::tool()),
        &format!("{service}: {message}"),
    ));
    true
}

/// Under GitHub Actions, the follow's lines (events, progress, stopped tasks) go into one
/// `::group::` while they stream, so the step's log shows the verdicts and errors first
/// (annotations show wherever they are printed). `true` when a group was opened.
pub fn begin_follow(services: &[&str]) -> bool {
    if !gha::active() {
        return false;
    }
    gha::emit(&gha::group_command(&format!(
        "ecs-deploy: following {} (service events, progress, stopped tasks)",
        services.join(", ")
    )));
    true
}

/// The end of [`begin_follow`]'s group, then a verdict line per service outside it.
pub fn end_follow(verdicts: &[(&str, &str)]) {
    gha::emit(gha::END_GROUP);
    for (service, verdict) in verdicts {
        cli_support::report::note(format_args!("{service}: {}", verdict.replace('_', " ")));
    }
}

/// Everything at the end of the run. A `$GITHUB_OUTPUT` that cannot be written fails a run
/// that succeeded (the next step would miss the ARN); a step summary that cannot be written
/// is a warning (`gha::summary::append`).
pub fn at_end(summary: &Summary) -> anyhow::Result<()> {
    if !gha::active() {
        return Ok(());
    }
    gha::summary::append(|| markdown(summary));
    if let (Some(path), Some(arn)) = (env_path("GITHUB_OUTPUT"), deployed_arn(summary))
        && let Err(e) =
            cli_support::output::append(&path, output_line("task-definition-arn", &arn).as_bytes())
    {
        if summary.exit_code == exit::SUCCESS {
            return Err(
                e.context("the deployment succeeded, but $GITHUB_OUTPUT could not be written")
            );
        }
        cli_support::report::warn_annotated(format_args!("$GITHUB_OUTPUT: {e:#}"));
    }
    Ok(())
}

fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// The task definition deployed: the run's, else the one every service got.
fn deployed_arn(summary: &Summary) -> Option<String> {
    if let Some(arn) = &summary.task_definition_arn {
        return Some(arn.clone());
    }
    let mut arns = summary
        .services
        .iter()
        .filter_map(|s| s.task_definition_arn.as_deref());
    let first = arns.next()?;
    arns.all(|a| a == first).then(|| first.to_owned())
}

/// `name=value`, or the runner's `name<<DELIMITER` form when the value has a line break.
fn output_line(name: &str, value: &str) -> String {
    if value.contains(['\n', '\r']) {
        let delimiter = gha::random_token("ghadelimiter_");
        format!("{name}<<{delimiter}\n{value}\n{delimiter}\n")
    } else {
        format!("{name}={value}\n")
    }
}

/// The step summary: per service old -> new revision, verdict and why, a timeline of its
/// events, stopped tasks and the rollback.
pub fn markdown(summary: &Summary) -> String {
    let mut md = String::new();
    let _ = writeln!(
        md,
        "## ecs-deploy: {} (exit {})\n",
        summary.outcome.replace('_', " "),
        summary.exit_code
    );
    let mut facts = vec![format!("cluster {}", code(&summary.cluster))];
    if let Some(arn) = &summary.task_definition_arn {
        let how = if summary.registered {
            "registered"
        } else {
            "registered already"
        };
        facts.push(format!("task definition {} ({how})", code(arn)));
    }
    if let Some(secs) = summary.elapsed_seconds {
        facts.push(format!("{secs:.1} s"));
    }
    if let Some(sig) = summary.signal {
        facts.push(format!("ended by {sig}"));
    }
    let _ = writeln!(md, "{}\n", facts.join(" · "));
    if let Some(err) = &summary.error {
        let _ = writeln!(md, "**Error:** {}\n", text(err));
    }
    for p in &summary.verify_problems {
        let _ = writeln!(md, "- {}", text(p));
    }
    if !summary.verify_problems.is_empty() {
        md.push('\n');
    }
    for s in &summary.services {
        service(&mut md, s);
    }
    md
}

fn service(md: &mut String, s: &ServiceSummary) {
    let _ = writeln!(
        md,
        "### {}: {}\n",
        text(&s.service),
        s.verdict.replace('_', " ")
    );
    let before = s.before.task_definition_arn.as_deref().map(revision);
    let after = s.task_definition_arn.as_deref().map(revision);
    let _ = writeln!(md, "| | |\n|---|---|");
    let _ = writeln!(
        md,
        "| Revision | {} → {} |",
        before.map_or_else(|| "?".to_owned(), code),
        after.map_or_else(|| "?".to_owned(), code)
    );
    let _ = writeln!(md, "| Verdict | **{}** |", s.verdict.replace('_', " "));
    if let Some(reason) = &s.reason {
        let _ = writeln!(md, "| Why | {} |", text(reason));
    }
    if !s.tripped.is_empty() {
        let tripped: Vec<String> = s.tripped.iter().map(|t| text(t)).collect();
        let _ = writeln!(md, "| Tripped | {} |", tripped.join(", "));
    }
    if let Some(arn) = &s.deployment_arn {
        let status = s
            .status
            .as_deref()
            .map_or_else(String::new, |st| format!(" ({})", text(st)));
        let _ = writeln!(md, "| Deployment | {}{status} |", code(arn));
    }
    if let Some(reason) = &s.status_reason {
        let _ = writeln!(md, "| Status reason | {} |", text(reason));
    }
    if let Some(secs) = s.elapsed_seconds {
        let _ = writeln!(md, "| Time | {secs:.1} s |");
    }
    md.push('\n');
    if !s.events.is_empty() {
        let _ = writeln!(md, "#### Timeline\n\n| Time (UTC) | Event |\n|---|---|");
        for e in &s.events {
            let _ = writeln!(
                md,
                "| {} | {} |",
                e.created_at.as_deref().map_or("", clock),
                text(&e.message)
            );
        }
        md.push('\n');
    }
    stopped_tasks(md, s);
    rollback(md, s);
}

/// The tasks of our deployment that stopped, and why.
fn stopped_tasks(md: &mut String, s: &ServiceSummary) {
    if !s.stopped_tasks.is_empty() {
        let _ = writeln!(
            md,
            "#### Stopped tasks\n\n| Task | Stop code | Stopped reason | Containers |\n|---|---|---|---|"
        );
        for t in &s.stopped_tasks {
            let containers: Vec<String> = t
                .containers
                .iter()
                .map(|c| {
                    let mut parts = Vec::new();
                    if let Some(code) = c.exit_code {
                        parts.push(format!("exit {code}"));
                    }
                    if let Some(h) = c.health_status.as_deref().filter(|h| *h != "UNKNOWN") {
                        parts.push(text(h));
                    }
                    // The task's reason is in its own column.
                    if let Some(r) = c
                        .reason
                        .as_deref()
                        .filter(|r| Some(*r) != t.stopped_reason.as_deref())
                    {
                        parts.push(text(r));
                    }
                    if parts.is_empty() {
                        text(&c.name)
                    } else {
                        format!("{}: {}", text(&c.name), parts.join(", "))
                    }
                })
                .collect();
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} |",
                code(t.task_arn.rsplit('/').next().unwrap_or(&t.task_arn)),
                t.stop_code.as_deref().map_or_else(String::new, text),
                t.stopped_reason.as_deref().map_or_else(String::new, text),
                containers.join("<br>")
            );
        }
        md.push('\n');
    }
}

/// What `--rollback-on-failure` did.
fn rollback(md: &mut String, s: &ServiceSummary) {
    if let Some(r) = &s.rollback {
        let to = r
            .to_task_definition_arn
            .as_deref()
            .map_or_else(String::new, |a| format!(" to {}", code(revision(a))));
        let status = r
            .status
            .as_deref()
            .map_or_else(String::new, |st| format!(", {}", text(st)));
        let why = r
            .reason
            .as_deref()
            .map_or_else(String::new, |w| format!(": {}", text(w)));
        let _ = writeln!(
            md,
            "#### Rollback\n\n{}{to}: **{}**{status}{why}\n",
            r.method.replace('_', " "),
            r.verdict.replace('_', " ")
        );
    }
}

/// `family:revision` of a task definition ARN (anything else as it is).
fn revision(arn: &str) -> &str {
    arn.rsplit_once("task-definition/").map_or(arn, |(_, r)| r)
}

/// `HH:MM:SS` of an RFC 3339 time.
fn clock(t: &str) -> &str {
    t.split_once('T')
        .and_then(|(_, rest)| rest.get(..8))
        .unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::{Before, ContainerExit, Event, RollbackSummary, StoppedTask};

    fn failed() -> Summary {
        Summary {
            outcome: "failed",
            exit_code: 1,
            cluster: "ci".into(),
            task_definition_arn: Some("arn:aws:ecs:r:1:task-definition/web:2".into()),
            registered: true,
            elapsed_seconds: Some(12.34),
            services: vec![ServiceSummary {
                service: "web".into(),
                before: Before {
                    task_definition_arn: Some("arn:aws:ecs:r:1:task-definition/web:1".into()),
                    ..Before::default()
                },
                task_definition_arn: Some("arn:aws:ecs:r:1:task-definition/web:2".into()),
                deployment_arn: Some("arn:sd/1".into()),
                status: Some("ROLLBACK_SUCCESSFUL".into()),
                verdict: "rolled_back_by_ecs",
                reason: Some("tasks failed to start".into()),
                tripped: vec!["circuit breaker".into()],
                events: vec![Event {
                    id: "1".into(),
                    created_at: Some("2026-12-03T05:36:06.123Z".into()),
                    message: "(service web) <b>failed</b> | *x* @team".into(),
                }],
                stopped_tasks: vec![StoppedTask {
                    task_arn: "arn:aws:ecs:r:1:task/ci/abc".into(),
                    stop_code: Some("TaskFailedToStart".into()),
                    stopped_reason: Some("CannotPullContainerError: not found".into()),
                    containers: vec![ContainerExit {
                        name: "app".into(),
                        exit_code: Some(1),
                        reason: Some("boom".into()),
                        health_status: None,
                    }],
                    ..StoppedTask::default()
                }],
                rollback: Some(RollbackSummary {
                    method: "update_service",
                    to_task_definition_arn: Some("arn:aws:ecs:r:1:task-definition/web:1".into()),
                    verdict: "back",
                    ..RollbackSummary::default()
                }),
                ..ServiceSummary::default()
            }],
            ..Summary::default()
        }
    }

    #[test]
    fn the_report_says_what_the_summary_says() {
        let md = markdown(&failed());
        assert!(md.starts_with("## ecs-deploy: failed (exit 1)\n\n"), "{md}");
        assert!(md.contains("### web: rolled back by ecs\n"), "{md}");
        assert!(md.contains("| Revision | `web:1` → `web:2` |\n"), "{md}");
        assert!(md.contains("| Why | tasks failed to start |\n"), "{md}");
        assert!(md.contains("| Tripped | circuit breaker |\n"), "{md}");
        assert!(
            md.contains(
                "| 05:36:06 | (service web) &lt;b&gt;failed&lt;/b&gt; \\| \\*x\\* \\@<!-- -->team |\n"
            ),
            "{md}"
        );
        assert!(
            md.contains(
                "| `abc` | TaskFailedToStart | CannotPullContainerError: not found | app: exit 1, boom |"
            ),
            "{md}"
        );
        assert!(
            md.contains("#### Rollback\n\nupdate service to `web:1`: **back**\n"),
            "{md}"
        );
    }

    #[test]
    fn outputs_use_the_multiline_form_only_when_needed() {
        assert_eq!(output_line("a", "arn:x"), "a=arn:x\n");
        let multi = output_line("a", "x\ny");
        let (head, rest) = multi.split_once('\n').unwrap();
        let delimiter = head.strip_prefix("a<<").unwrap();
        assert_eq!(rest, format!("x\ny\n{delimiter}\n"));
    }

    #[test]
    fn the_arn_is_the_runs_or_the_one_every_service_got() {
        let mut s = failed();
        assert_eq!(
            deployed_arn(&s).as_deref(),
            Some("arn:aws:ecs:r:1:task-definition/web:2")
        );
        s.task_definition_arn = None;
        s.services.push(ServiceSummary {
            task_definition_arn: Some("arn:aws:ecs:r:1:task-definition/api:7".into()),
            ..ServiceSummary::default()
        });
        assert_eq!(deployed_arn(&s), None);
    }
}
