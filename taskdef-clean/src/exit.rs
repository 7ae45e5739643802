//! taskdef-clean's exit codes (the EXIT STATUS table in cli.rs): 0 success, [`PROBLEMS`],
//! [`INTERRUPTED`] and [`TERMINATED`], and 2 for usage errors, which
//! `cli_support::report::finish` gives every `cli_support::usage` error and clap's.

use cli_support::signal::Signal;

/// The input cannot be made register-ready, an edit or the filter failed, or (with --check)
/// an error was found: every problem was printed, nothing was written. Other failures (a
/// file that cannot be read or written) exit 1 too, through `report::finish`.
pub const PROBLEMS: u8 = 1;
/// With --diff: the two task definitions differ (as diff(1)).
pub const DIFFERENT: u8 = 1;
/// With --diff: an input cannot be read or made register-ready (as diff(1)'s trouble; the
/// code usage errors have too).
pub const DIFF_TROUBLE: u8 = 2;
/// Stopped by SIGINT (Ctrl-C) after the input was read: the filter's worker was stopped,
/// nothing was written.
pub const INTERRUPTED: u8 = 130;
/// Stopped by SIGTERM, likewise.
pub const TERMINATED: u8 = 143;

/// The code of a run that `signal` stopped.
pub fn of_signal(signal: Signal) -> u8 {
    match signal {
        Signal::Int => INTERRUPTED,
        Signal::Term => TERMINATED,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signal_codes_are_the_shells() {
        assert_eq!(of_signal(Signal::Int), Signal::Int.exit_code());
        assert_eq!(of_signal(Signal::Term), Signal::Term.exit_code());
    }
}
