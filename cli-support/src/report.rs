//! Messages on stderr prefixed with the tool's name, and the mapping from the result of
//! `run()` to the process exit code.
//!
//! Every tool's `main` has the same shape (CONTRIBUTING.md, "A tool"): name the tool, parse,
//! convert the CLI into settings, run, and hand the result to [`finish`]:
//!
//! ```ignore
//! fn main() -> ExitCode {
//!     cli_support::report::set_tool("tool");
//!     let cli: cli::Cli = cli_support::parse();
//!     // ... --generate, a runtime for async tools ...
//!     cli_support::report::finish(settings::Settings::from_cli(cli).and_then(run::run))
//! }
//! ```
//!
//! `run` returns `Ok(code)` for every outcome it handled itself (success, or a job failure it
//! already explained), and `Err` for the rest: [`UsageError`] anywhere in the chain exits 2,
//! [`Exit`] carries its own code, anything else exits 1 (or the tool's own default, see
//! [`finish_with`]).

use std::fmt::{self, Display};
use std::process::ExitCode;
use std::sync::OnceLock;

static TOOL: OnceLock<String> = OnceLock::new();

/// The tool's name as it prefixes messages: set by [`set_tool`], else taken from argv\[0\].
pub fn tool() -> &'static str {
    TOOL.get_or_init(|| {
        std::env::args_os()
            .next()
            .and_then(|a| {
                std::path::Path::new(&a)
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
            })
            .unwrap_or_else(|| "tool".to_owned())
    })
}

/// Name the tool for every later message. Call it first in `main`; later calls are ignored.
pub fn set_tool(name: &str) {
    let _ = TOOL.set(name.to_owned());
}

/// `tool: warning: ...` on stderr.
pub fn warn(msg: impl Display) {
    eprintln!("{}: warning: {msg}", tool());
}

/// `tool: ...` on stderr: progress and status lines.
pub fn note(msg: impl Display) {
    eprintln!("{}: {msg}", tool());
}

/// `tool: error: ...` on stderr, for errors the tool reports and then carries on (or
/// exits with a code of its own).
pub fn error(msg: impl Display) {
    eprintln!("{}: error: {msg}", tool());
}

/// Under GitHub Actions an `::error title=TOOL::` annotation alone (the runner shows it in
/// the step's log as well as on the summary page, so a plain line would say it twice);
/// elsewhere [`error`].
pub fn error_annotated(msg: impl Display) {
    let msg = msg.to_string();
    if crate::gha::active() {
        crate::gha::annotate_error(Some(tool()), &msg);
    } else {
        error(&msg);
    }
}

/// Under GitHub Actions a `::warning title=TOOL::` annotation alone; elsewhere [`warn`].
pub fn warn_annotated(msg: impl Display) {
    let msg = msg.to_string();
    if crate::gha::active() {
        crate::gha::annotate_warning(Some(tool()), &msg);
    } else {
        warn(&msg);
    }
}

/// Parse the command line like `C::parse()`, with clap's usage errors (unknown flag,
/// missing or malformed value) prefixed with the tool's name like every other message:
/// `tool: error: unexpected argument '--foo' found`, clap's tip and usage lines kept, exit
/// code 2 (under GitHub Actions the error line is an annotation). `--help` and `--version`
/// print on stdout and exit 0, as clap does. Call [`set_tool`] first.
pub fn parse<C: clap::Parser>() -> C {
    parse_from(std::env::args_os())
}

/// [`parse`] from the given arguments (the first is the program name).
pub fn parse_from<C, I, T>(args: I) -> C
where
    C: clap::Parser,
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    parse_from_hiding(args, &[])
}

/// [`parse`] for a tool with flags whose values may be secrets (`--env NAME:KEY=VALUE`): a
/// usage error about a value of one of `secret_flags` (long names, `--env`) shows
/// [`HIDDEN_VALUE`] instead of the rejected value (`invalid value '***' for '--env
/// <NAME:KEY=VALUE>': ...`); the parser's own message (after the colon) must not quote it
/// either.
pub fn parse_hiding<C: clap::Parser>(secret_flags: &[&str]) -> C {
    parse_from_hiding(std::env::args_os(), secret_flags)
}

/// What a usage error shows for a rejected value of a secret flag ([`parse_hiding`]).
pub const HIDDEN_VALUE: &str = "***";

/// [`parse_hiding`] from the given arguments (the first is the program name).
pub fn parse_from_hiding<C, I, T>(args: I, secret_flags: &[&str]) -> C
where
    C: clap::Parser,
    I: IntoIterator<Item = T>,
    T: Into<std::ffi::OsString> + Clone,
{
    // No abbreviations: `--env` must never be taken for `--environment` (clap's default, made
    // explicit so that no tool turns it on).
    let mut cmd = C::command().infer_long_args(false).infer_subcommands(false);
    let parsed = cmd
        .try_get_matches_from_mut(args)
        .and_then(|mut matches| C::from_arg_matches_mut(&mut matches))
        .map_err(|err| hide_value(err.format(&mut cmd), secret_flags));
    match parsed {
        Ok(_) if parse_only() => std::process::exit(0),
        Ok(cli) => cli,
        Err(err) => exit_usage(&err),
    }
}

/// The environment variable that makes [`parse`] a check of the command line alone: set to
/// `1`, a command line that parses exits 0 at once, before anything runs (no file read, no
/// call made); one that does not is the usual usage error (exit 2). The docs test runs every
/// invocation in the examples and READMEs this way, so that a renamed flag fails the build.
pub const PARSE_ONLY_ENV: &str = "CI_TOOLS_PARSE_ONLY";

fn parse_only() -> bool {
    std::env::var_os(PARSE_ONLY_ENV).is_some_and(|v| v == "1")
}

/// `err` with [`HIDDEN_VALUE`] for the rejected value when it is a value of one of
/// `secret_flags`.
fn hide_value(mut err: clap::Error, secret_flags: &[&str]) -> clap::Error {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if !matches!(
        err.kind(),
        ErrorKind::ValueValidation | ErrorKind::InvalidValue
    ) {
        return err;
    }
    // The argument as clap names it: `--env <NAME:KEY=VALUE>`.
    let secret = match err.get(ContextKind::InvalidArg) {
        Some(ContextValue::String(arg)) => secret_flags.iter().any(|flag| {
            arg.strip_prefix(flag)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '=']))
        }),
        _ => false,
    };
    if secret {
        err.insert(
            ContextKind::InvalidValue,
            ContextValue::String(HIDDEN_VALUE.to_owned()),
        );
    }
    err
}

fn exit_usage(err: &clap::Error) -> ! {
    use clap::error::ErrorKind;
    if !err.use_stderr() || err.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
        err.exit();
    }
    eprint!("{}", usage_text(err));
    std::process::exit(err.exit_code());
}

/// clap's rendering of a usage error with `tool: ` in front of its `error:` line; under
/// GitHub Actions that line is an `::error title=TOOL::` annotation instead.
fn usage_text(err: &clap::Error) -> String {
    let text = err.render().to_string();
    let text = text.strip_prefix("error: ").unwrap_or(&text);
    let (first, rest) = text.split_once('\n').unwrap_or((text, ""));
    let mut out = if crate::gha::active() {
        crate::gha::error_command(Some(tool()), first)
    } else {
        format!("{}: error: {first}", tool())
    };
    out.push('\n');
    out.push_str(rest);
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// A usage error: bad flag values or combinations that clap cannot check. Exit code 2.
#[derive(Debug)]
pub struct UsageError(pub String);

impl Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Shorthand for `anyhow::Error::new(UsageError(msg))`.
pub fn usage(msg: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(UsageError(msg.into()))
}

/// An error that ends the process with a specific exit code (after its message is printed).
#[derive(Debug)]
pub struct Exit {
    pub code: u8,
    pub message: String,
}

impl Display for Exit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Exit {}

/// Shorthand for `anyhow::Error::new(Exit { code, message })`.
pub fn exit(code: u8, message: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Exit {
        code,
        message: message.into(),
    })
}

/// The exit code an error maps to: 2 for a [`UsageError`] anywhere in the chain, the code of
/// an [`Exit`], else `default`.
pub fn code_for(err: &anyhow::Error, default: u8) -> u8 {
    for cause in err.chain() {
        if cause.downcast_ref::<UsageError>().is_some() {
            return 2;
        }
        if let Some(exit) = cause.downcast_ref::<Exit>() {
            return exit.code;
        }
    }
    default
}

/// Print the error chain (`tool: error: outer: inner: ...`, annotated under GitHub
/// Actions) and choose the exit code; errors without a code of their own exit 1.
pub fn finish(result: anyhow::Result<ExitCode>) -> ExitCode {
    finish_with(result, 1)
}

/// Like [`finish`], for tools whose own failures have a code other than 1 (for example 125
/// for `ecs-run-wait`, whose 1 may be the task's own exit code).
pub fn finish_with(result: anyhow::Result<ExitCode>, default: u8) -> ExitCode {
    match result {
        Ok(code) => code,
        Err(err) => {
            error_annotated(format_args!("{err:#}"));
            ExitCode::from(code_for(&err, default))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context as _;

    #[test]
    fn usage_anywhere_in_the_chain_is_2() {
        let err = Err::<(), _>(usage("bad --image"))
            .context("while reading flags")
            .unwrap_err();
        assert_eq!(code_for(&err, 1), 2);
    }

    #[test]
    fn exit_carries_its_code_and_others_default() {
        assert_eq!(code_for(&exit(124, "timed out"), 1), 124);
        assert_eq!(code_for(&anyhow::anyhow!("boom"), 1), 1);
        assert_eq!(code_for(&anyhow::anyhow!("boom"), 125), 125);
    }

    #[test]
    fn rejected_values_of_secret_flags_are_hidden() {
        fn kv(s: &str) -> Result<String, String> {
            if s.contains('=') {
                Ok(s.to_owned())
            } else {
                Err("expected KEY=VALUE".to_owned())
            }
        }
        let cmd = || {
            clap::Command::new("t")
                .arg(clap::Arg::new("env").long("env").value_parser(kv))
                .arg(clap::Arg::new("envelope").long("envelope").value_parser(kv))
        };
        let render = |args: &[&str]| {
            let err = cmd().try_get_matches_from(args).unwrap_err();
            hide_value(err, &["--env"]).render().to_string()
        };
        let text = render(&["t", "--env", "S3cretV"]);
        assert!(
            text.starts_with("error: invalid value '***' for '--env <env>': expected KEY=VALUE"),
            "{text}"
        );
        assert!(!text.contains("S3cretV"), "{text}");
        let text = render(&["t", "--env=S3cretV"]);
        assert!(!text.contains("S3cretV"), "{text}");
        // Another flag (even one that starts the same) keeps clap's message.
        let text = render(&["t", "--envelope", "plain"]);
        assert!(text.contains("invalid value 'plain'"), "{text}");
    }
}
