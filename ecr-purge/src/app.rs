//! One run: check the arguments, list and plan every repository, confirm, delete, report.

use std::collections::HashMap;
use std::process::ExitCode;
use std::time::SystemTime;

use aws_sdk_ecr::Client;
use cli_support::aws::AwsArgs;
use cli_support::{gha, usage};

use crate::cli::Cli;
use crate::confirm;
use crate::console::{self, Console, ProgressMode, RepoReport};
use crate::ecr::{self, ListError};
use crate::plan::{self, Plan, Selection, TagGlobs};
use crate::purge::{self, Outcome};
use crate::repo::{self, Target};

/// The checked arguments.
#[derive(Debug)]
#[allow(clippy::struct_excessive_bools)] // they are the command's flags, one for one
pub struct Settings {
    pub targets: Vec<Target>,
    pub selection: Selection,
    pub dry_run: bool,
    pub yes: bool,
    pub delete_repository: bool,
    pub missing_ok: bool,
    pub concurrency: usize,
    pub json: bool,
    pub aws: AwsArgs,
    /// The region named by repository URIs or ARNs.
    pub region: Option<String>,
}

impl Settings {
    /// Validate everything that can be checked before a call; errors are usage errors.
    pub fn from_cli(cli: Cli) -> anyhow::Result<Settings> {
        if let Some(id) = &cli.registry_id {
            repo::validate_registry_id(id).map_err(|e| usage(format!("--registry-id: {e}")))?;
        }
        let mut targets = Vec::new();
        for arg in &cli.repositories {
            let mut t = repo::parse_target(arg).map_err(usage)?;
            match (&t.registry_id, &cli.registry_id) {
                (Some(own), Some(flag)) if own != flag => {
                    return Err(usage(format!(
                        "{arg:?} is in registry {own}, but --registry-id says {flag}"
                    )));
                }
                (None, Some(flag)) => t.registry_id = Some(flag.clone()),
                _ => {}
            }
            if !targets.contains(&t) {
                targets.push(t);
            }
        }
        let mut region: Option<String> = None;
        for t in &targets {
            let Some(r) = &t.region else { continue };
            if let Some(flag) = &cli.aws.region
                && flag != r
            {
                return Err(usage(format!(
                    "repository {t} is in region {r}, but --region says {flag}"
                )));
            }
            match &region {
                Some(prev) if prev != r => {
                    return Err(usage(format!(
                        "the repositories are in different regions ({prev}, {r}): \
                         run ecr-purge once per region"
                    )));
                }
                _ => region = Some(r.clone()),
            }
        }
        if cli.keep_latest == Some(0) {
            return Err(usage(
                "--keep-latest 0 keeps nothing; for a full purge drop it and pass --yes",
            ));
        }
        let selection = Selection {
            untagged_only: cli.untagged_only,
            tagged_only: cli.tagged_only,
            older_than: cli.older_than,
            tags: TagGlobs::new("--tag", &cli.tag).map_err(usage)?,
            keep_latest: cli.keep_latest,
            keep_tags: TagGlobs::new("--keep-tag", &cli.keep_tag).map_err(usage)?,
        };
        if cli.delete_repository && !selection.is_full() {
            return Err(usage(
                "--delete-repository deletes whole repositories: it cannot be combined with \
                 --untagged-only, --tagged-only, --older-than, --tag, --keep-latest or --keep-tag",
            ));
        }
        Ok(Settings {
            targets,
            selection,
            dry_run: cli.dry_run,
            yes: cli.yes,
            delete_repository: cli.delete_repository,
            missing_ok: cli.missing_ok,
            concurrency: usize::from(cli.concurrency),
            json: cli.json,
            aws: cli.aws,
            region,
        })
    }

    fn needs_confirmation(&self) -> bool {
        self.selection.is_full() && !self.dry_run && !self.yes
    }
}

/// Run with checked settings.
pub fn run(settings: Settings) -> anyhow::Result<ExitCode> {
    let answerer = if settings.needs_confirmation() {
        let Some(answerer) = confirm::terminal() else {
            let names: Vec<&str> = settings.targets.iter().map(|t| t.name.as_str()).collect();
            return Err(usage(format!(
                "without a selector this deletes every image of {}: pass --yes to confirm \
                 (or --dry-run to see what would go)",
                names.join(", ")
            )));
        };
        Some(answerer)
    } else {
        None
    };
    let mode = if std::io::IsTerminal::is_terminal(&std::io::stderr()) {
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
    let mut console = Console::new(settings.json, mode);
    let now = SystemTime::now();

    let mut listed = Vec::with_capacity(settings.targets.len());
    for target in &settings.targets {
        listed.push(list_and_plan(&client, target, &settings, now, &console).await);
    }

    if let Some(answerer) = answerer
        && !confirmed(answerer, &settings, &listed)?
    {
        console.error("not confirmed: nothing was deleted");
        return Ok(ExitCode::FAILURE);
    }

    let options = purge::Options {
        concurrency: settings.concurrency,
        full: settings.selection.is_full(),
        delete_repository: settings.delete_repository,
    };
    let mut outcomes: Vec<Option<Outcome>> = Vec::with_capacity(listed.len());
    for (target, l) in settings.targets.iter().zip(&mut listed) {
        let Listed::Planned { total, plan } = l else {
            outcomes.push(None);
            continue;
        };
        if settings.dry_run {
            console.planned(target, plan);
            console.note(&console::dry_run_summary(
                target,
                *total,
                plan,
                settings.delete_repository,
            ));
            outcomes.push(None);
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
        let outcome = purge::execute(&client, target, delete, options, &mut console).await;
        let done = outcome.deleted.len() + outcome.already_gone.len();
        console.stop(target, done);
        report_outcome(&console, target, plan, &outcome);
        outcomes.push(Some(outcome));
    }

    let code = finish(&settings, &listed, &outcomes, &mut console)?;
    match console.take_write_error() {
        Some(e) => Err(anyhow::Error::new(e).context("cannot write to stdout")),
        None => Ok(code),
    }
}

/// Ask before a full purge (nothing to ask when there is nothing to delete).
fn confirmed(
    answerer: confirm::Answerer,
    settings: &Settings,
    listed: &[Listed],
) -> anyhow::Result<bool> {
    let counts: Vec<String> = settings
        .targets
        .iter()
        .zip(listed)
        .filter_map(|(t, l)| match l {
            Listed::Planned { total, .. } if *total > 0 => Some(format!("{t} ({total})")),
            _ => None,
        })
        .collect();
    if counts.is_empty() {
        return Ok(true);
    }
    let mut question = format!("delete every image of {}", counts.join(", "));
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
    if settings.json {
        let doc = console::document(settings.dry_run, ok, &reports);
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
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

async fn list_and_plan(
    client: &Client,
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
                console.error(&format!(
                    "{target}: no such repository{registry} ({e}); check the name and region, \
                     or pass --missing-ok if a missing repository is fine"
                ));
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

fn report_outcome(console: &Console, target: &Target, plan: &Plan, outcome: &Outcome) {
    for (image, reason) in &outcome.kept {
        console.note(&format!("{target}: kept {}: {reason}", image.digest));
    }
    for line in console::problem_lines(target, outcome) {
        console.error(&line);
    }
    let summary = console::outcome_summary(target, plan, outcome);
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
                    console::problems(outcome).join(", ")
                ));
            }
            _ => {}
        }
    }
    parts.join("; ")
}
