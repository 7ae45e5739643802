//! GitHub Actions workflow commands, written to stderr (stdout carries data); the step
//! summary in [`summary`].
//!
//! The runner reads workflow commands from both streams of a step; values are escaped as
//! the runner expects (`%`, CR, LF; and `:` `,` in properties). A tool that forwards output
//! on stdout inside a `::stop-commands::` fence calls [`commands_on_stdout`]: the runner
//! does not keep the order between the two streams, so later commands (an `::error::` after
//! the fence is lifted) must follow the fence on stdout to be processed at all.

pub mod summary;

use std::fmt::Write as _;

use std::io::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};

use rand::Rng as _;

static ON_STDOUT: AtomicBool = AtomicBool::new(false);

/// From now on, workflow commands go to stdout, after the forwarded output.
pub fn commands_on_stdout() {
    ON_STDOUT.store(true, Ordering::Relaxed);
}

/// Write one workflow command line on the commands' stream.
pub fn emit(command: &str) {
    if ON_STDOUT.load(Ordering::Relaxed) {
        let mut out = crate::output::stdout();
        let _ = writeln!(out, "{command}").and_then(|()| out.flush());
    } else {
        eprintln!("{command}");
    }
}

/// True under GitHub Actions (`GITHUB_ACTIONS=true`).
pub fn active() -> bool {
    std::env::var_os("GITHUB_ACTIONS").is_some_and(|v| v == "true")
}

/// Escape a command's message.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a command property (`title=...`).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// `::error title=...::message`
pub fn error_command(title: Option<&str>, message: &str) -> String {
    match title {
        Some(t) => format!(
            "::error title={}::{}",
            escape_property(t),
            escape_data(message)
        ),
        None => format!("::error::{}", escape_data(message)),
    }
}

/// Print an `::error::` annotation to stderr when running under GitHub Actions.
pub fn annotate_error(title: Option<&str>, message: &str) {
    if active() {
        emit(&error_command(title, message));
    }
}

/// `::warning title=...::message`
pub fn warning_command(title: Option<&str>, message: &str) -> String {
    match title {
        Some(t) => format!(
            "::warning title={}::{}",
            escape_property(t),
            escape_data(message)
        ),
        None => format!("::warning::{}", escape_data(message)),
    }
}

/// Print a `::warning::` annotation to stderr when running under GitHub Actions.
pub fn annotate_warning(title: Option<&str>, message: &str) {
    if active() {
        emit(&warning_command(title, message));
    }
}

/// `::add-mask::` commands for a secret value: one per non-empty line (the runner masks
/// single lines only), each escaped.
pub fn mask_commands(value: &str) -> String {
    let mut out = String::new();
    for line in value.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if !line.trim().is_empty() {
            let _ = writeln!(out, "::add-mask::{}", escape_data(line));
        }
    }
    out
}

/// A random token for `::stop-commands::` fences and heredoc delimiters.
pub fn random_token(prefix: &str) -> String {
    let mut rng = rand::rng();
    let mut token = String::from(prefix);
    for _ in 0..32 {
        let _ = write!(token, "{:x}", rng.random_range(0..16u8));
    }
    token
}

/// `::group::title`
pub fn group_command(title: &str) -> String {
    format!("::group::{}", escape_data(title))
}

/// `::endgroup::`
pub const END_GROUP: &str = "::endgroup::";

/// The pair of lines that stop and resume workflow-command processing, so that forwarded
/// output (a container's log) cannot issue commands.
pub fn stop_commands() -> (String, String) {
    let token = random_token("stop-");
    (format!("::stop-commands::{token}"), format!("::{token}::"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(escape_data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
        assert_eq!(
            error_command(Some("task: failed"), "line1\nline2"),
            "::error title=task%3A failed::line1%0Aline2"
        );
    }

    #[test]
    fn warnings_are_escaped_like_errors() {
        assert_eq!(
            warning_command(Some("taskdef-clean"), ".a: 50% off\nkept"),
            "::warning title=taskdef-clean::.a: 50%25 off%0Akept"
        );
        assert_eq!(warning_command(None, "x"), "::warning::x");
    }

    #[test]
    fn masks_each_line() {
        assert_eq!(
            mask_commands("-----BEGIN KEY-----\r\nabc%\n\n-----END KEY-----\n"),
            "::add-mask::-----BEGIN KEY-----\n::add-mask::abc%25\n::add-mask::-----END KEY-----\n"
        );
    }

    #[test]
    fn tokens_are_random() {
        let (a, b) = (random_token("x-"), random_token("x-"));
        assert!(a.starts_with("x-") && a.len() == 34);
        assert_ne!(a, b);
    }
}
