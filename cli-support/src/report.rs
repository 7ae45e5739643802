//! Messages on stderr prefixed with the tool's name, and the mapping from the result of
//! `run()` to the process exit code.
//!
//! Every tool's `main` is the same three lines:
//!
//! ```ignore
//! fn main() -> ExitCode {
//!     let cli = Cli::parse();
//!     cli_support::report::finish(run(cli))
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

/// Under GitHub Actions an `::error::` annotation titled with the tool's name, then
/// [`error`].
pub fn error_annotated(msg: impl Display) {
    let msg = msg.to_string();
    crate::gha::annotate_error(Some(tool()), &msg);
    error(&msg);
}

/// Under GitHub Actions a `::warning::` annotation titled with the tool's name, then
/// [`warn`].
pub fn warn_annotated(msg: impl Display) {
    let msg = msg.to_string();
    crate::gha::annotate_warning(Some(tool()), &msg);
    warn(&msg);
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
}
