//! The exit codes of ecr-purge (the `EXIT STATUS` table of `cli.rs`). A usage error (2) is
//! `cli_support::UsageError`, which `cli_support::report::finish` turns into its code.

use std::process::ExitCode;

use cli_support::signal::Signal;

/// Every selected image is gone (with `--dry-run`: the plan was printed).
pub const SUCCESS: u8 = 0;
/// Images left, a repository missing or not deleted, the confirmation declined, a failed
/// call, stdout not written.
pub const FAILURE: u8 = 1;
/// SIGINT stopped the purge.
pub const INTERRUPTED: u8 = 130;
/// SIGTERM stopped the purge.
pub const TERMINATED: u8 = 143;

/// The code of a run that `signal` stopped.
pub fn of_signal(signal: Signal) -> u8 {
    match signal {
        Signal::Int => INTERRUPTED,
        Signal::Term => TERMINATED,
    }
}

/// `code` for `main`.
pub fn code(code: u8) -> ExitCode {
    ExitCode::from(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signal_codes_are_the_shells() {
        assert_eq!(of_signal(Signal::Int), Signal::Int.exit_code());
        assert_eq!(of_signal(Signal::Term), Signal::Term.exit_code());
    }

    #[test]
    fn every_code_is_in_the_exit_status_table() {
        for code in [SUCCESS, FAILURE, 2, INTERRUPTED, TERMINATED] {
            let row = format!("\n{code:>5}  ");
            assert!(crate::cli::EXIT_STATUS.contains(&row), "{code}");
        }
    }
}
