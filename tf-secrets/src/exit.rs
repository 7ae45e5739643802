//! tf-secrets' exit codes: the EXIT STATUS table of `--help` and the README documents them.

/// Every value was set, printed, or shown by `--dry-run`.
pub const SUCCESS: u8 = 0;
/// Validation or GitHub failure: every error that is not a usage error (the default of
/// `cli_support::report::finish_with`).
pub const FAILURE: u8 = 1;
/// Stopped by SIGINT (the shell's 128 + 2).
pub const INTERRUPTED: u8 = 130;
/// Stopped by SIGTERM (128 + 15).
pub const TERMINATED: u8 = 143;

/// The code for a run a signal stopped.
pub fn for_signal(signal: cli_support::signal::Signal) -> u8 {
    match signal {
        cli_support::signal::Signal::Int => INTERRUPTED,
        cli_support::signal::Signal::Term => TERMINATED,
    }
}

/// Usage: bad arguments, a filter that does not compile, or sensitive values to a
/// terminal without `--reveal`; `cli_support::report` gives it to a `UsageError`.
#[cfg(test)]
pub const USAGE: u8 = 2;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usage_errors_end_with_the_usage_code() {
        let err = cli_support::usage("bad flag");
        assert_eq!(cli_support::report::code_for(&err, FAILURE), USAGE);
        let err = anyhow::anyhow!("failed");
        assert_eq!(cli_support::report::code_for(&err, FAILURE), FAILURE);
    }

    #[test]
    fn signal_codes_are_the_shells() {
        use cli_support::signal::Signal;
        assert_eq!(for_signal(Signal::Int), Signal::Int.exit_code());
        assert_eq!(for_signal(Signal::Term), Signal::Term.exit_code());
    }
}
