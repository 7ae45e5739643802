//! What the ecs-ci-tools binaries share, and nothing more.
//!
//! - [`duration`]: duration flags (`30s`, `1m30s`, `14d`) and short durations in messages.
//! - [`report`]: the tool's name on every message, the error chain, exit codes.
//! - [`input`]: `-f FILE` or stdin, with a hint instead of a hang on a terminal and a size
//!   limit; JSON with line and column in errors (and a UTF-8 BOM named).
//! - [`output`]: atomic file output (`-`, `/dev/stdout`, `/dev/fd/N`: the open descriptor)
//!   and a stdout that survives `| head`.
//! - [`json_path`]: where in a JSON document a message points (`.containerDefinitions[0].image`).
//! - [`gha`]: GitHub Actions workflow commands (annotations, masks, groups, fences).
//! - [`generate`]: shell completions and man pages from the clap model.
//! - `aws` (feature `aws`): SDK configuration from the standard chain plus the common flags.
//! - `signal` (feature `signal`): SIGINT/SIGTERM as futures (the first, and a second one).
//! - `jq` (feature `jq`): jaq filters with `--arg`, readable errors, run in a worker process
//!   (feature `tokio`: cancellable, for async tools).
//! - `redact` (feature `redact`, which brings `jq`): known secret values kept out of messages.
//! - `duration::retry_after` (feature `retry-after`): HTTP `Retry-After` values (httpdate).

pub mod duration;
pub mod generate;
pub mod gha;
pub mod input;
pub mod json_path;
pub mod output;
pub mod report;

#[cfg(feature = "aws")]
pub mod aws;
#[cfg(feature = "jq")]
pub mod jq;
#[cfg(feature = "redact")]
pub mod redact;
#[cfg(feature = "signal")]
pub mod signal;

pub use report::{UsageError, note, parse, parse_hiding, usage, warn};
