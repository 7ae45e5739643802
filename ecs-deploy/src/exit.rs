//! ecs-deploy's exit codes (the EXIT STATUS table in `cli.rs`). Usage errors exit 2 through
//! `cli_support::report`.

use cli_support::signal::Signal;

/// Every service deployed, or the input unchanged.
pub const SUCCESS: u8 = 0;
/// The deployment failed and every service is back on (and stable with) the task definition
/// it ran before; or nothing was changed (invalid input, an AWS error before any update).
pub const FAILED: u8 = 1;
/// The deployment failed and a service is not known to be healthy.
pub const UNHEALTHY: u8 = 3;
/// `--timeout` expired while a deployment was in progress.
pub const TIMEOUT: u8 = 124;
/// SIGINT.
pub const INTERRUPTED: u8 = 130;
/// SIGTERM.
pub const TERMINATED: u8 = 143;

/// The code for a run that `signal` ended.
pub fn signal(signal: Signal) -> u8 {
    match signal {
        Signal::Int => INTERRUPTED,
        Signal::Term => TERMINATED,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signal_codes_are_the_shells() {
        for s in [Signal::Int, Signal::Term] {
            assert_eq!(signal(s), s.exit_code());
        }
    }
}
