//! Command-line arguments.

use std::time::Duration;

use clap::{ArgGroup, Parser, ValueEnum};
use cli_support::generate::GenerateArgs;
use cli_support::input::InputArgs;

/// The exit-code table: `--help` shows it and the README carries the same text (a test
/// keeps them equal).
pub const EXIT_STATUS: &str = "\
EXIT STATUS
    0  done: every value was set, printed, or shown by --dry-run
    1  validation or GitHub failure: the message names each secret and why; when
       validation fails nothing is written, when a write fails the others are
       still reported
    2  usage: bad arguments, a filter that does not compile, or sensitive values
       to a terminal without --reveal
  130  SIGINT: no new write was started and the write in flight finished (a
       second signal abandons it: that value is reported in doubt); the message
       and --json say what was set, in doubt and not attempted
  143  SIGTERM: the same as SIGINT";

/// Typical runs for `--help` and the man page's EXAMPLES section; each line at most 80
/// columns.
const EXAMPLES: &str = "\
EXAMPLES
  terraform output -json | tf-secrets --to-github octo/app DB_PASSWORD=db_password
  terraform output -json | tf-secrets --to-github octo/app --environment prod \\
      DB_HOST='.db_endpoint | strip_port' DB_PORT='.db_endpoint | port'
  terraform output -json | tf-secrets --org acme --visibility selected \\
      --repos web,api --all --exclude db_password
  terraform output -json | tf-secrets --format github-env --all >> \"$GITHUB_ENV\"
  terraform output -json | tf-secrets --dry-run --to-github octo/app --all";

const ABOUT: &str =
    "Terraform outputs to GitHub Actions secrets and variables, exactly and without leaks.";

const LONG_ABOUT: &str = "\
Terraform outputs to GitHub Actions secrets and variables, exactly and without leaks.

Reads the whole `terraform output -json` object (stdin or -f FILE) and selects values with
SECRET=EXPR arguments: a bare output name (DB_PASSWORD=db_password), or a jq filter over the
object of output values (DB_HOST='.db_endpoint | strip_port'). Strings are used as they are,
numbers keep their exact digits, lists and objects must be converted explicitly (csv, join,
tojson). Every name and value is validated before anything is written; sensitive values never
reach argv, a log line or a terminal unless you ask.

Helpers available in filters:
  strip_port   \"host:5432\" -> \"host\" (only a trailing :DIGITS; [v6]:port kept bracketed)
  port         \"host:5432\" -> \"5432\"
  csv          [\"a\", \"b\", 3] -> \"a,b,3\"
  lines        [\"a\", \"b\"] -> \"a\\nb\"";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// {"NAME": "value", ...}
    Json,
    /// export NAME='value' lines for a POSIX shell
    Env,
    /// NAME<<DELIMITER blocks for $GITHUB_ENV or $GITHUB_OUTPUT
    GithubEnv,
    /// NAME<TAB>BYTES lines: no values
    Names,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Visibility {
    /// every repository of the organization
    All,
    /// private and internal repositories
    Private,
    /// the repositories named by --repos
    Selected,
}

#[derive(Debug, Parser)]
#[command(
    name = "tf-secrets",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = format!("{EXAMPLES}\n\n{EXIT_STATUS}"),
    group(ArgGroup::new("destination").args(["to_github", "org"])),
)]
#[allow(clippy::struct_excessive_bools)] // independent switches, as the flags are
pub struct Cli {
    /// What to set: SECRET=OUTPUT, SECRET=FILTER (jq over the object of output values), or
    /// OUTPUT alone (named like --all names it)
    #[arg(value_name = "SECRET=EXPR")]
    pub selectors: Vec<String>,

    #[command(flatten)]
    pub input: InputArgs,

    /// Every output, named after it in upper case with '-' as '_' (lists and objects as
    /// compact JSON); explicit SECRET=EXPR arguments take precedence
    #[arg(long)]
    pub all: bool,

    /// With --all: leave this output out (repeatable)
    #[arg(long, value_name = "OUTPUT", requires = "all")]
    pub exclude: Vec<String>,

    /// Accept empty values (an error otherwise)
    #[arg(long)]
    pub allow_empty: bool,

    /// Set repository secrets of OWNER/REPO through GitHub's REST API
    #[arg(long, value_name = "OWNER/REPO", help_heading = "GitHub")]
    pub to_github: Option<String>,

    // Which flags go with --to-github and which with --org: Scope::from_args checks it, with
    // one message whichever other flags are given.
    /// With --to-github: set the secrets of this deployment environment
    #[arg(long, value_name = "ENV", help_heading = "GitHub")]
    pub environment: Option<String>,

    /// Set organization secrets of ORG
    #[arg(
        long,
        value_name = "ORG",
        conflicts_with = "to_github",
        help_heading = "GitHub"
    )]
    pub org: Option<String>,

    /// With --org: which repositories see the secrets [default: private, or selected with --repos]
    #[arg(long, value_enum, help_heading = "GitHub")]
    pub visibility: Option<Visibility>,

    /// With --org: the repositories that see the secrets (NAME or OWNER/NAME, comma-separated)
    #[arg(
        long,
        value_name = "REPO,...",
        value_delimiter = ',',
        help_heading = "GitHub"
    )]
    pub repos: Vec<String>,

    /// Write values that are not sensitive as Actions variables; sensitive ones stay secrets
    #[arg(long, requires = "destination", help_heading = "GitHub")]
    pub variables: bool,

    /// Set each value with `gh secret set` (value on stdin) instead of the REST API
    #[arg(long, requires = "destination", help_heading = "GitHub")]
    pub via_gh: bool,

    /// With --via-gh: accept that gh trims trailing CR/LF from values
    #[arg(long, requires = "via_gh", help_heading = "GitHub")]
    pub allow_trim: bool,

    /// GitHub API base URL, https://HOST/api/v3 for GitHub Enterprise Server (REST API only;
    /// gh uses GH_HOST)
    #[arg(
        long,
        env = "GITHUB_API_URL",
        value_name = "URL",
        default_value = "https://api.github.com",
        help_heading = "GitHub"
    )]
    pub api_url: String,

    /// Give up on a GitHub request after this long, e.g. 30s or 2m (REST API only)
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "30s",
        value_parser = cli_support::duration::parse_positive,
        conflicts_with = "via_gh",
        help_heading = "GitHub"
    )]
    pub timeout: Duration,

    /// Retries of a GitHub request after a 5xx, a rate limit, a timeout or a lost connection
    /// (REST API only)
    #[arg(
        long,
        value_name = "N",
        default_value_t = 3,
        conflicts_with = "via_gh",
        help_heading = "GitHub"
    )]
    pub retries: u32,

    /// Print the values to stdout instead of setting them
    #[arg(
        long,
        value_enum,
        conflicts_with = "destination",
        help_heading = "Output"
    )]
    pub format: Option<Format>,

    /// Allow --format to print sensitive values to a terminal
    #[arg(long, requires = "format", help_heading = "Output")]
    pub reveal: bool,

    /// Show what would be set (names, kinds, sizes, sources, sensitivity), never values;
    /// nothing is written and GitHub is not contacted
    #[arg(long, help_heading = "Output")]
    pub dry_run: bool,

    /// A JSON report on stdout: what was set (or would be, with --dry-run), never values
    #[arg(long, conflicts_with = "format", help_heading = "Output")]
    pub json: bool,

    /// No status lines on stderr (`created secret DB`, retries, dry-run notes, the closing
    /// summary); errors and warnings still show
    #[arg(short = 'q', long, help_heading = "Output")]
    pub quiet: bool,

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

    #[test]
    fn destinations_exclude_format() {
        let err =
            Cli::try_parse_from(["tf-secrets", "--to-github", "o/r", "--format", "env", "A=a"])
                .unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::ArgumentConflict);
        let err =
            Cli::try_parse_from(["tf-secrets", "--variables", "--format", "env"]).unwrap_err();
        assert!(err.to_string().contains("--to-github"), "{err}");
    }

    #[test]
    fn rest_api_settings_do_not_go_with_gh() {
        for flag in [["--timeout", "5s"], ["--retries", "1"]] {
            let err = Cli::try_parse_from(
                ["tf-secrets", "--to-github", "o/r", "--via-gh", "A=a"]
                    .into_iter()
                    .chain(flag),
            )
            .unwrap_err();
            assert_eq!(err.kind(), clap::error::ErrorKind::ArgumentConflict);
        }
        // the defaults do not count
        assert!(
            Cli::try_parse_from(["tf-secrets", "--to-github", "o/r", "--via-gh", "A=a"]).is_ok()
        );
    }

    #[test]
    fn repos_split_on_commas() {
        let cli =
            Cli::try_parse_from(["tf-secrets", "--org", "o", "--repos", "a,b/c", "X=x"]).unwrap();
        assert_eq!(cli.repos, ["a", "b/c"]);
    }
}
