//! The command line, checked and converted: everything that can be refused before a call.

use cli_support::aws::AwsArgs;
use cli_support::usage;

use crate::cli::Cli;
use crate::repo::{self, Target};
use crate::selection::{Selection, TagGlobs};

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
    pub quiet: bool,
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
            quiet: cli.quiet,
            aws: cli.aws,
            region,
        })
    }

    /// Every deletion, a full purge or a prune, is confirmed: by `--yes`, or on a terminal.
    pub fn needs_confirmation(&self) -> bool {
        !self.dry_run && !self.yes
    }
}
