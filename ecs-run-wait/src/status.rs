//! Status lines: what ecs-run-wait is doing, on stderr (`ecs-run-wait: started task ...`),
//! unless `--quiet`. Errors and warnings are not status lines: they always show.

use std::fmt;

/// Where status lines go, unless `--quiet`. A plain function, so that a unit test can pass one
/// that records the lines; the tool passes [`Reporter::stderr`]'s, which prints them with the
/// tool's name on stderr (what the integration tests read).
#[derive(Debug, Clone, Copy)]
pub struct Reporter {
    pub quiet: bool,
    pub print: fn(&dyn fmt::Display),
}

impl Reporter {
    /// Status lines on stderr (`cli_support::note`), none with `quiet`.
    pub fn stderr(quiet: bool) -> Reporter {
        Reporter {
            quiet,
            print: |msg| cli_support::note(msg),
        }
    }

    pub fn status(self, msg: impl fmt::Display) {
        if !self.quiet {
            (self.print)(&msg);
        }
    }
}
