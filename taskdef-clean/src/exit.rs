//! taskdef-clean's exit codes (the EXIT STATUS table in cli.rs): 0 success, [`PROBLEMS`], and
//! 2 for usage errors, which `cli_support::report::finish` gives every `cli_support::usage`
//! error and clap's.

/// The input cannot be made register-ready, an edit or the filter failed, or (with --check)
/// an error was found: every problem was printed, nothing was written. Other failures (a
/// file that cannot be read or written) exit 1 too, through `report::finish`.
pub const PROBLEMS: u8 = 1;
