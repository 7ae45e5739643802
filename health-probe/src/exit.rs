//! health-probe's exit codes: the EXIT STATUS table of `--help` and the README documents
//! them.

use cli_support::signal::Signal;

/// Every URL is healthy (and stayed healthy through `--stay-healthy`).
pub const SUCCESS: u8 = 0;
/// A URL was not healthy by the deadline, gave up early or failed the watch; also any
/// error that is not a usage error (the default of `cli_support::report::finish_with`).
pub const FAILURE: u8 = 1;
/// Usage: a malformed URL, matcher, regex, filter, header, duration or file;
/// `cli_support::report` gives it to a `UsageError`.
#[cfg(test)]
pub const USAGE: u8 = 2;
/// Interrupted by SIGINT (128 + 2).
pub const INTERRUPTED: u8 = 130;
/// Terminated by SIGTERM (128 + 15).
pub const TERMINATED: u8 = 143;

/// The code for a run a signal stopped.
pub fn for_signal(signal: Signal) -> u8 {
    match signal {
        Signal::Int => INTERRUPTED,
        Signal::Term => TERMINATED,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_agree_with_the_shared_helpers() {
        for signal in [Signal::Int, Signal::Term] {
            assert_eq!(for_signal(signal), signal.exit_code());
        }
        let err = cli_support::usage("bad flag");
        assert_eq!(cli_support::report::code_for(&err, FAILURE), USAGE);
    }
}
