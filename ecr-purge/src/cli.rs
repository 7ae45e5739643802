//! Command-line arguments.

use std::time::Duration;

use clap::Parser;
use cli_support::aws::AwsArgs;
use cli_support::generate::GenerateArgs;

/// The exit-code table: the `EXIT STATUS` section of `--help`, and (verbatim) of the README.
pub const EXIT_STATUS: &str = "\
EXIT STATUS
    0  done: every selected image is gone (with --dry-run: the plan was printed);
       a missing repository with --missing-ok
    1  some images could not be deleted (each is listed with the API's reason), a
       full purge left the repository not empty, --delete-repository could not
       delete it, a repository is missing (without --missing-ok), the
       confirmation was declined (nothing was deleted), an AWS call failed, or
       stdout could not be written
    2  usage: bad arguments, an invalid repository name, or a deletion (a full
       purge or a prune) without --yes where there is no terminal to confirm on
       (nothing was deleted)
  130  SIGINT: no new deletion was started; the images deleted so far are
       listed, with the summary (a second signal abandons the calls in flight:
       their images are reported as not known to be deleted)
  143  SIGTERM: the same as SIGINT";

const EXAMPLES: &str = "\
EXAMPLES
  ecr-purge --yes app                       # empty the repository (all images, every status)
  ecr-purge --yes --delete-repository --missing-ok app web   # teardown, safe to re-run
  ecr-purge --yes --keep-latest 10 app      # prune: keep the 10 newest images
  ecr-purge --yes --untagged-only --older-than 14d app
  ecr-purge --tag 'pr-*' --keep-tag 'release-*' --dry-run app";

/// Empty or prune ECR repositories, image-index aware, so teardown works.
///
/// Lists every image (every page, every image status), reads image indexes to know which
/// images are platform manifests of which index, and deletes by digest in batches of 100,
/// indexes first. Prints one line per deleted image on stdout:
/// repository<TAB>digest<TAB>tag1,tag2.
///
/// Without selectors it is a full purge: every image goes, and the repository is checked to
/// be empty at the end. Every deletion (a full purge or a prune) needs --yes, or a yes on
/// the terminal after the plan is shown; without a terminal, nothing is deleted without --yes.
#[derive(Debug, Parser)]
#[command(
    name = "ecr-purge",
    version,
    after_help = format!("{EXAMPLES}\n\n{EXIT_STATUS}"),
    max_term_width = 100
)]
#[allow(clippy::struct_excessive_bools)]
pub struct Cli {
    /// Repositories: a name (team/app), a repository URI
    /// (123456789012.dkr.ecr.us-east-2.amazonaws.com/team/app, or the dual-stack
    /// 123456789012.dkr-ecr.us-east-2.on.aws/team/app) or a repository ARN.
    #[arg(value_name = "REPOSITORY", required_unless_present = "generate")]
    pub repositories: Vec<String>,

    /// Delete only untagged images (and the platform manifests of untagged indexes).
    #[arg(long, help_heading = "Selection", conflicts_with_all = ["tagged_only", "tag"])]
    pub untagged_only: bool,

    /// Delete only tagged images (with the platform manifests of their indexes).
    #[arg(long, help_heading = "Selection")]
    pub tagged_only: bool,

    /// Delete only images pushed more than DURATION ago (90m, 36h, 14d, 2w).
    #[arg(long, value_name = "DURATION", value_parser = cli_support::duration::parse_positive, help_heading = "Selection")]
    pub older_than: Option<Duration>,

    /// Delete only images with a tag matching GLOB (repeatable: any of them).
    #[arg(long, value_name = "GLOB", help_heading = "Selection")]
    pub tag: Vec<String>,

    /// Keep the N newest top-level images of the repository (by push time, ties by digest;
    /// N >= 1).
    #[arg(long, value_name = "N", help_heading = "Protection")]
    pub keep_latest: Option<usize>,

    /// Keep images with a tag matching GLOB (repeatable).
    #[arg(long, value_name = "GLOB", help_heading = "Protection")]
    pub keep_tag: Vec<String>,

    /// Print what would be deleted; delete nothing.
    #[arg(short = 'n', long)]
    pub dry_run: bool,

    /// Delete without asking (required when there is no terminal to ask on, for a full
    /// purge and a prune alike).
    #[arg(short = 'y', long)]
    pub yes: bool,

    /// Delete each repository once it is empty (a full purge only).
    #[arg(long)]
    pub delete_repository: bool,

    /// A repository that does not exist is a success (a teardown can be re-run).
    #[arg(long)]
    pub missing_ok: bool,

    /// The registry (account id) that holds the repositories [default: the caller's].
    #[arg(long, value_name = "ACCOUNT_ID")]
    pub registry_id: Option<String>,

    /// Delete calls in flight at once (each deletes up to 100 images).
    #[arg(long, value_name = "N", default_value_t = 4,
          value_parser = clap::value_parser!(u16).range(1..=32))]
    pub concurrency: u16,

    /// Print one JSON document on stdout instead of one line per image.
    #[arg(long)]
    pub json: bool,

    /// No progress or notes on stderr (errors, warnings and the confirmation still show).
    #[arg(short, long)]
    pub quiet: bool,

    #[command(flatten)]
    pub aws: AwsArgs,

    #[command(flatten)]
    pub generate: GenerateArgs,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory as _;

    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
    }
}
