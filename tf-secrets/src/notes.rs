//! Status lines (`created secret DB`, dry-run and retry notes) on stderr, unless `--quiet`.
//! Errors and warnings always show; they go through `cli_support::report` directly.

use std::fmt::Display;
use std::sync::atomic::{AtomicBool, Ordering};

static QUIET: AtomicBool = AtomicBool::new(false);

/// `--quiet`: no status lines from now on (set once, by `run`).
pub fn set_quiet(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
}

/// A status line, as `cli_support::note` prints it, unless quiet.
pub fn note(msg: impl Display) {
    if !QUIET.load(Ordering::Relaxed) {
        cli_support::note(msg);
    }
}
