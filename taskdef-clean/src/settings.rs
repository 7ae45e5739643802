//! The command line converted into what the job needs: plain values, checked, the filter
//! compiled. The only module besides main that reads `crate::cli`.

use std::path::PathBuf;

use cli_support::jq::Filter;

use crate::cli::{Cli, DiffFormat};
use crate::edit::Edits;

/// Where the register-ready JSON goes (`-o` and `--check` exclude each other).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Destination {
    /// `--check`: nothing is written; a note says the input is register-ready.
    Check,
    Stdout,
    /// `-o FILE`; `force` (`--force`) replaces a read-only file.
    File {
        path: PathBuf,
        force: bool,
    },
}

/// `--diff OLD`: compare instead of writing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffSettings {
    /// OLD; `-` is stdin.
    pub old: PathBuf,
    pub format: Format,
    /// `--diff-hide-values`: environment values are not shown.
    pub hide_values: bool,
}

/// How a diff is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Markdown,
}

/// What one run does.
#[derive(Debug)]
pub struct Settings {
    /// `-f FILE`; `None` or `-`: stdin.
    pub input: Option<PathBuf>,
    /// Where the register-ready JSON goes.
    pub destination: Destination,
    /// Unknown members and enum values are errors.
    pub strict: bool,
    /// Top-level members to remove.
    pub drop: Vec<String>,
    /// One line of JSON instead of indented.
    pub compact: bool,
    pub edits: Edits,
    /// `--filter` with its `--arg` values, compiled.
    pub filter: Option<Filter>,
    /// `-q`: no status lines (`register-ready`, the count of errors); errors and warnings
    /// still show.
    pub quiet: bool,
    /// `--diff OLD`: print what differs from OLD instead of the JSON.
    pub diff: Option<DiffSettings>,
}

impl Settings {
    /// Check and convert the arguments. A filter that does not compile and one container
    /// given two images are usage errors, found before anything is read.
    pub fn from_cli(cli: Cli) -> anyhow::Result<Self> {
        let filter = match &cli.filter {
            Some(code) => Some(
                cli_support::jq::compile(code, &cli_support::jq::arg_pairs(&cli.arg))
                    .map_err(|e| cli_support::usage(format!("--filter does not compile: {e}")))?,
            ),
            None => None,
        };
        crate::edit::repeated_image(&cli.image).map_err(cli_support::usage)?;
        let stdin = |p: &Option<PathBuf>| p.as_deref().is_none_or(|p| p.as_os_str() == "-");
        if cli.diff.as_ref().is_some_and(|old| old.as_os_str() == "-") && stdin(&cli.input.file) {
            return Err(cli_support::usage(
                "--diff - and the input both read stdin; give one of them as a file (-f FILE)",
            ));
        }
        let diff = cli.diff.map(|old| DiffSettings {
            old,
            format: match cli.format {
                None | Some(DiffFormat::Text) => Format::Text,
                Some(DiffFormat::Json) => Format::Json,
                Some(DiffFormat::Markdown) => Format::Markdown,
            },
            hide_values: cli.diff_hide_values,
        });
        Ok(Settings {
            input: cli.input.file,
            destination: match (cli.check, cli.output) {
                (true, _) => Destination::Check,
                (false, None) => Destination::Stdout,
                (false, Some(path)) => Destination::File {
                    path,
                    force: cli.force,
                },
            },
            strict: cli.strict,
            drop: cli.drop,
            compact: cli.compact,
            edits: Edits {
                family: cli.family,
                cpu: cli.cpu,
                memory: cli.memory,
                task_role_arn: cli.task_role_arn,
                execution_role_arn: cli.execution_role_arn,
                images: cli.image,
                unset_env: cli.unset_env,
                env: cli.env,
                unset_secrets: cli.unset_secret,
                secrets: cli.secret,
            },
            filter,
            quiet: cli.quiet,
            diff,
        })
    }
}
