//! The command line converted and checked: everything that can be refused before the input
//! is read (a destination, a selection, the token and the API URL for the REST API).

use std::path::PathBuf;
use std::time::Duration;

use cli_support::usage;

use crate::cli::{self, Cli};
use crate::dest::{Scope, Visibility};
use crate::format::Format;
use crate::github::{self, Backoff, Config, Token};
use crate::select::Options;

/// The first pause before a retry of a GitHub request (see [`Backoff`]).
const FIRST_BACKOFF: Duration = Duration::from_millis(500);

/// What a run does, in plain values.
#[derive(Debug)]
#[allow(clippy::struct_excessive_bools)] // independent switches, as the flags are
pub struct Settings {
    /// `SECRET=EXPR` and `OUTPUT` arguments, as given (none empty).
    pub selectors: Vec<String>,
    /// `-f FILE` (`None` or `-`: stdin).
    pub input: Option<PathBuf>,
    /// `--all`, `--exclude`, `--allow-empty`.
    pub options: Options,
    /// Where the values go on GitHub; `None`: they are printed (`--format`, `--dry-run`).
    pub scope: Option<Scope>,
    /// How the REST API is reached: with a scope, unless `--dry-run` or `--via-gh`.
    pub github: Option<Config>,
    /// `--variables`: values that are not sensitive become variables.
    pub variables: bool,
    pub via_gh: bool,
    pub allow_trim: bool,
    pub format: Option<Format>,
    pub reveal: bool,
    pub dry_run: bool,
    /// `--json`: a report on stdout.
    pub json: bool,
    /// `--quiet`: no status lines.
    pub quiet: bool,
}

impl Settings {
    /// Check the flags together (usage errors, exit 2) and read the token.
    pub fn from_cli(cli: Cli) -> anyhow::Result<Settings> {
        let scope = Scope::from_args(
            cli.to_github.as_deref(),
            cli.environment.as_deref(),
            cli.org.as_deref(),
            cli.visibility.map(visibility),
            &cli.repos,
        )
        .map_err(usage)?;
        if scope.is_none() && cli.format.is_none() && !cli.dry_run {
            return Err(usage(
                "nothing to do: choose a destination (--to-github OWNER/REPO, --org ORG), \
                 --format json|env|github-env|names, or --dry-run",
            ));
        }
        if cli.selectors.is_empty() && !cli.all {
            return Err(usage(
                "nothing selected: name what to set (SECRET=OUTPUT, SECRET=FILTER or OUTPUT), or pass --all",
            ));
        }
        if let Some(message) = empty_expression(&cli.selectors) {
            return Err(usage(message));
        }
        // Settings that would fail every write are checked before reading anything.
        let github = match &scope {
            Some(_) if !cli.dry_run && !cli.via_gh => {
                let base = github::parse_base(&cli.api_url).map_err(usage)?;
                let token = Token::from_env(|k| std::env::var(k).ok()).ok_or_else(|| {
                    usage(
                        "no GitHub token: set GH_TOKEN (or GITHUB_TOKEN) to a token that can \
                         write secrets; the workflow's own GITHUB_TOKEN cannot",
                    )
                })?;
                Some(Config {
                    base,
                    token,
                    timeout: cli.timeout,
                    retries: cli.retries,
                    backoff: Backoff {
                        first: FIRST_BACKOFF,
                    },
                })
            }
            _ => None,
        };
        Ok(Settings {
            selectors: cli.selectors,
            input: cli.input.file,
            options: Options {
                all: cli.all,
                exclude: cli.exclude,
                allow_empty: cli.allow_empty,
            },
            scope,
            github,
            variables: cli.variables,
            via_gh: cli.via_gh,
            allow_trim: cli.allow_trim,
            format: cli.format.map(format),
            reveal: cli.reveal,
            dry_run: cli.dry_run,
            json: cli.json,
            quiet: cli.quiet,
        })
    }
}

fn visibility(arg: cli::Visibility) -> Visibility {
    match arg {
        cli::Visibility::All => Visibility::All,
        cli::Visibility::Private => Visibility::Private,
        cli::Visibility::Selected => Visibility::Selected,
    }
}

fn format(arg: cli::Format) -> Format {
    match arg {
        cli::Format::Json => Format::Json,
        cli::Format::Env => Format::Env,
        cli::Format::GithubEnv => Format::GithubEnv,
        cli::Format::Names => Format::Names,
    }
}

/// An argument that selects nothing (`''`, `A=`): a usage error found before the input is
/// read, the one check for it.
fn empty_expression(args: &[String]) -> Option<String> {
    args.iter().find_map(|arg| match arg.split_once('=') {
        None if arg.trim().is_empty() => {
            Some("an empty argument: name an output or write SECRET=EXPR".to_owned())
        }
        Some((_, expr)) if expr.trim().is_empty() => Some(format!(
            "`{arg}`: nothing after '=': name an output or write a filter"
        )),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::ValueEnum as _;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn empty_arguments_and_expressions() {
        assert_eq!(empty_expression(&args(&["A=a", "b", "C=.c | csv"])), None);
        assert_eq!(
            empty_expression(&args(&["A=a", ""])).as_deref(),
            Some("an empty argument: name an output or write SECRET=EXPR")
        );
        assert_eq!(
            empty_expression(&args(&[" "])).as_deref(),
            Some("an empty argument: name an output or write SECRET=EXPR")
        );
        assert_eq!(
            empty_expression(&args(&["A= "])).as_deref(),
            Some("`A= `: nothing after '=': name an output or write a filter")
        );
    }

    /// Messages name a format or a visibility as the flag's value: the domain types print
    /// what clap reads.
    #[test]
    fn value_names_are_claps() {
        for arg in cli::Format::value_variants() {
            let name = arg.to_possible_value().unwrap();
            assert_eq!(format(*arg).to_string(), name.get_name());
        }
        for arg in cli::Visibility::value_variants() {
            let name = arg.to_possible_value().unwrap();
            assert_eq!(visibility(*arg).to_string(), name.get_name());
        }
        assert_eq!(format(cli::Format::GithubEnv).to_string(), "github-env");
    }
}
