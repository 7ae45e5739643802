//! One run with checked settings: list and plan every repository, confirm, delete, report.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::SystemTime;

use aws_sdk_ecr::Client;
use cli_support::{gha, usage};

use crate::confirm;
use crate::console::{Console, ProgressMode};
use crate::ecr::{self, ListError};
use crate::exit;
use crate::plan::{self, Plan};
use crate::purge::{self, Outcome};
use crate::repo::{self, Target};
use crate::report::{Document, RepoReport};
use crate::settings::Settings;
use crate::summary;

/// Run with checked settings.
pub fn run(settings: Settings) -> anyhow::Result<ExitCode> {
    let answerer = if settings.needs_confirmation() {
        let Some(answerer) = confirm::terminal() else {
            let names: Vec<&str> = settings.targets.iter().map(|t| t.name.as_str()).collect();
            let what = if settings.selection.is_full() {
                "without a selector this deletes every image of"
            } else {
                "this deletes the selected images of"
            };
            return Err(usage(format!(
                "{what} {}, and there is no terminal to confirm on: nothing was deleted; add \
                 --yes to delete, or --dry-run to see what would go",
                names.join(", ")
            )));
        };
        Some(answerer)
    } else {
        None
    };
    let mode = if settings.quiet {
        ProgressMode::Off
    } else if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
        ProgressMode::Bar
    } else {
        ProgressMode::Lines
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run_async(settings, answerer, mode))
}

/// A repository after listing and planning. Messages do not repeat the repository's name.
enum Listed {
    Missing(String),
    /// `found`: the listing worked (reading the indexes did not).
    Failed {
        message: String,
        found: bool,
    },
    Planned {
        total: usize,
        plan: Plan,
    },
}

async fn run_async(
    settings: Settings,
    answerer: Option<confirm::Answerer>,
    mode: ProgressMode,
) -> anyhow::Result<ExitCode> {
    let config = cli_support::aws::load_config(&settings.aws, settings.region.as_deref()).await?;
    let client = Client::new(&config);
    let region = config
        .region()
        .map_or_else(|| "(no region)".to_owned(), ToString::to_string);
    let mut console = Console::new(settings.json, mode, settings.quiet);
    let now = SystemTime::now();

    let mut listed = Vec::with_capacity(settings.targets.len());
    for target in &settings.targets {
        listed.push(list_and_plan(&client, &region, target, &settings, now, &console).await);
    }

    if let Some(answerer) = answerer
        && !confirmed(answerer, &settings, &listed)?
    {
        console.error("not confirmed: nothing was deleted");
        return Ok(exit::code(exit::FAILURE));
    }

    // From here on a signal stops the purge cleanly (before, it ends the run at once:
    // nothing has been deleted, and a Ctrl-C at the question must simply end it).
    let signals = cli_support::signal::listen()
        .map_err(|e| anyhow::anyhow!("cannot handle SIGINT and SIGTERM: {e}"))?;
    if !settings.quiet {
        acknowledge(&signals);
    }
    let options = purge::Options {
        concurrency: settings.concurrency,
        full: settings.selection.is_full(),
        delete_repository: settings.delete_repository,
    };
    let mut outcomes: Vec<Option<Outcome>> = Vec::with_capacity(listed.len());
    let mut not_started: Vec<String> = Vec::new();
    for (target, l) in settings.targets.iter().zip(&mut listed) {
        let Listed::Planned { total, plan } = l else {
            outcomes.push(None);
            continue;
        };
        if settings.dry_run {
            console.planned(target, plan);
            console.note(&summary::dry_run_summary(
                target,
                *total,
                plan,
                settings.delete_repository,
            ));
            outcomes.push(None);
            continue;
        }
        if let Some(signal) = signals.fired() {
            not_started.push(target.to_string());
            let delete = std::mem::take(&mut plan.delete);
            outcomes.push(Some(Outcome::not_started(delete, options, signal)));
            continue;
        }
        if *total == 0 {
            console.note(&format!("{target}: the repository holds no images"));
        } else {
            let first = match plan.index_count() {
                0 => String::new(),
                1 => " (the index first)".to_owned(),
                n => format!(" ({n} indexes first)"),
            };
            console.note(&format!(
                "{target}: deleting {} of {total} images{first}",
                plan.delete.len()
            ));
        }
        console.start(target, plan.delete.len());
        // What goes moves into the purge; the report needs only what stays.
        let delete = std::mem::take(&mut plan.delete);
        let outcome =
            purge::execute(&client, target, delete, options, &mut console, &signals).await;
        let done = outcome.deleted.len() + outcome.already_gone.len();
        console.stop(target, done);
        report_outcome(&console, target, plan, &outcome);
        outcomes.push(Some(outcome));
    }

    if let Some(signal) = signals.fired() {
        console.error(&interrupted_message(signal, &not_started));
    }
    let code = finish(&settings, &listed, &outcomes, signals.fired(), &mut console)?;
    let code = match signals.fired() {
        Some(signal) => exit::code(exit::of_signal(signal)),
        None => code,
    };
    match console.take_write_error() {
        Some(e) => Err(anyhow::Error::new(e).context("cannot write to stdout")),
        None => Ok(code),
    }
}

/// What a signal did to the run.
fn interrupted_message(signal: cli_support::signal::Signal, not_started: &[String]) -> String {
    let mut msg = format!(
        "interrupted by {signal}: no deletion was started after it; every image known to be \
         deleted is listed"
    );
    if !not_started.is_empty() {
        let _ = write!(msg, "; not started: {}", not_started.join(", "));
    }
    msg.push_str("; re-run to finish the job");
    msg
}

/// Say on stderr, when the first signal comes, what happens now.
fn acknowledge(signals: &cli_support::signal::Signals) {
    let s = signals.clone();
    tokio::spawn(async move {
        let signal = s.first().await;
        cli_support::note(format_args!(
            "{signal}: no new deletion starts; finishing the calls in flight (a second signal \
             abandons them)"
        ));
    });
}

/// How many plan lines the confirmation shows per repository.
const PLAN_LINES: usize = 5;

/// Show the plan and ask (nothing to ask when there is nothing to delete). The plan is shown
/// under `--quiet` too: nobody is asked to confirm what they cannot see.
fn confirmed(
    answerer: confirm::Answerer,
    settings: &Settings,
    listed: &[Listed],
) -> anyhow::Result<bool> {
    let full = settings.selection.is_full();
    let mut counts = Vec::new();
    for (t, l) in settings.targets.iter().zip(listed) {
        let Listed::Planned { total, plan } = l else {
            continue;
        };
        if plan.delete.is_empty() {
            continue;
        }
        let n = plan.delete.len();
        if full {
            counts.push(format!("{t} ({total})"));
        } else {
            counts.push(format!("{n} of {total} images of {t}"));
        }
        cli_support::note(format_args!(
            "{t}: would delete {n} of {}{}; {}",
            summary::plural(*total, "image", "images"),
            match plan.index_count() {
                0 => String::new(),
                1 => " (1 index)".to_owned(),
                i => format!(" ({i} indexes)"),
            },
            summary::kept_summary(plan, None)
        ));
        for image in plan.delete.iter().take(PLAN_LINES) {
            let tags = if image.tags.is_empty() {
                String::new()
            } else {
                format!(" ({})", image.tag_list())
            };
            cli_support::note(format_args!("{t}:   {}{tags}", image.digest));
        }
        if n > PLAN_LINES {
            cli_support::note(format_args!(
                "{t}:   and {} more (--dry-run lists them all)",
                n - PLAN_LINES
            ));
        }
    }
    if counts.is_empty() {
        return Ok(true);
    }
    let mut question = if full {
        format!("delete every image of {}", counts.join(", "))
    } else {
        format!("delete {}", counts.join(", "))
    };
    if settings.delete_repository {
        question.push_str(", then the repositories");
    }
    question.push('?');
    Ok(confirm::ask(answerer, &question)?)
}

/// Exit status, the `--json` document and the GitHub Actions annotation.
fn finish(
    settings: &Settings,
    listed: &[Listed],
    outcomes: &[Option<Outcome>],
    interrupted: Option<cli_support::signal::Signal>,
    console: &mut Console,
) -> anyhow::Result<ExitCode> {
    let mut ok = true;
    let mut reports = Vec::with_capacity(listed.len());
    for ((target, l), outcome) in settings.targets.iter().zip(listed).zip(outcomes) {
        let report = match (l, outcome) {
            (Listed::Missing(message), _) => {
                ok &= settings.missing_ok;
                RepoReport::Missing {
                    target,
                    message: message.clone(),
                    ok: settings.missing_ok,
                }
            }
            (Listed::Failed { message, found }, _) => {
                ok = false;
                RepoReport::Failed {
                    target,
                    message: message.clone(),
                    found: *found,
                }
            }
            (Listed::Planned { total, plan }, Some(outcome)) => {
                ok &= outcome.ok();
                RepoReport::Done {
                    target,
                    total: *total,
                    plan,
                    outcome,
                }
            }
            (Listed::Planned { total, plan }, None) => RepoReport::Planned {
                target,
                total: *total,
                plan,
                delete_repository: settings.delete_repository,
            },
        };
        reports.push(report);
    }
    // step_summary.rs: under GitHub Actions, deleted / kept / failed per repository.
    crate::step_summary::report(settings.dry_run, ok, interrupted, &reports);
    if settings.json {
        let doc = Document::new(settings.dry_run, ok, interrupted, &reports);
        let mut text = serde_json::to_string_pretty(&doc)?;
        text.push('\n');
        console.write(text.as_bytes());
    }
    if !ok {
        gha::annotate_error(
            Some(cli_support::report::tool()),
            &failure_annotation(&reports),
        );
    }
    Ok(if ok {
        exit::code(exit::SUCCESS)
    } else {
        exit::code(exit::FAILURE)
    })
}

async fn list_and_plan(
    client: &Client,
    region: &str,
    target: &Target,
    settings: &Settings,
    now: SystemTime,
    console: &Console,
) -> Listed {
    let images = match ecr::list_images(client, target).await {
        Ok(images) => images,
        Err(ListError::Missing(e)) => {
            let registry = target
                .registry_id
                .as_deref()
                .map_or_else(String::new, |r| format!(" in registry {r}"));
            if settings.missing_ok {
                console.note(&format!(
                    "{target}: no such repository{registry}: nothing to do (--missing-ok)"
                ));
            } else {
                console.error(&missing_message(client, target, region, &e).await);
            }
            return Listed::Missing(e.to_string());
        }
        Err(ListError::Other(e)) => {
            console.error(&format!("{target}: {e}"));
            return Listed::Failed {
                message: e.to_string(),
                found: false,
            };
        }
    };
    let total = images.len();
    let children = if settings.selection.is_full() {
        // Everything goes: which image belongs to which index does not change what is
        // deleted, and the indexes go first anyway.
        HashMap::new()
    } else {
        let indexes: Vec<String> = images
            .iter()
            .filter(|i| i.is_index())
            .map(|i| i.digest.clone())
            .collect();
        if indexes.is_empty() {
            HashMap::new()
        } else {
            match ecr::read_indexes(client, target, &indexes, settings.concurrency).await {
                Ok((children, unreadable)) => {
                    for (digest, why) in unreadable {
                        console.warn(&format!(
                            "{target}: cannot read image index {digest}: {why}; its platform \
                             images count as top-level (ECR still refuses to delete them while \
                             the index exists)"
                        ));
                    }
                    children
                }
                Err(e) => {
                    let message = ecr::read_indexes_error(&e);
                    console.error(&format!("{target}: {message}"));
                    return Listed::Failed {
                        message,
                        found: true,
                    };
                }
            }
        }
    };
    let plan = plan::plan(images, &children, &settings.selection, now);
    Listed::Planned { total, plan }
}

/// "No such repository", naming the registry and region looked in, with close names of the
/// registry's repositories when DescribeRepositories answers (best effort: without them
/// otherwise).
async fn missing_message(
    client: &Client,
    target: &Target,
    region: &str,
    e: &cli_support::aws::AwsError,
) -> String {
    let (names, registry) = match ecr::repository_names(client, target.registry_id.as_deref()).await
    {
        Ok((names, registry)) => (names, target.registry_id.clone().or(registry)),
        Err(_) => (Vec::new(), target.registry_id.clone()),
    };
    let registry = registry.map_or_else(
        || "the caller's registry".to_owned(),
        |r| format!("registry {r}"),
    );
    let close = repo::close_names(&target.name, &names);
    let hint = match close.as_slice() {
        [] => String::new(),
        [one] => format!("did you mean {one:?}? "),
        many => format!(
            "did you mean one of {}? ",
            many.iter()
                .map(|n| format!("{n:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    format!(
        "{target}: no such repository in {registry}, region {region} ({e}); {hint}check the \
         name and region, or pass --missing-ok if a missing repository is fine"
    )
}

fn report_outcome(console: &Console, target: &Target, plan: &Plan, outcome: &Outcome) {
    for (image, reason) in &outcome.kept {
        console.note(&format!("{target}: kept {}: {reason}", image.digest));
    }
    for line in summary::problem_lines(target, outcome) {
        console.error(&line);
    }
    let summary = summary::outcome_summary(target, plan, outcome);
    if outcome.ok() {
        console.note(&summary);
    } else {
        console.error(&format!("{summary}; re-run to finish the job"));
    }
}

fn failure_annotation(reports: &[RepoReport<'_>]) -> String {
    let mut parts = Vec::new();
    for r in reports {
        match r {
            RepoReport::Missing {
                target, ok: false, ..
            } => {
                parts.push(format!("{target}: no such repository"));
            }
            RepoReport::Failed {
                target, message, ..
            } => parts.push(format!("{target}: {message}")),
            RepoReport::Done {
                target, outcome, ..
            } if !outcome.ok() => {
                parts.push(format!(
                    "{target}: {}",
                    summary::problems(outcome).join(", ")
                ));
            }
            _ => {}
        }
    }
    parts.join("; ")
}
