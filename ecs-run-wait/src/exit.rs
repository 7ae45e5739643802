//! ecs-run-wait's own exit codes (the EXIT STATUS table in `cli.rs`); every other code is the
//! container's. Usage errors exit 2 through `cli_support::report`.

use cli_support::signal::Signal;

/// The container exited 0 (with `--detach`: the task started).
pub const SUCCESS: u8 = 0;
/// `--timeout` expired.
pub const TIMEOUT: u8 = 124;
/// No exit code to pass on: the task failed to start or was lost, or ecs-run-wait itself
/// failed (as `docker run` does: the tool's own failures must not look like the task's code).
pub const FAILURE: u8 = 125;
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
