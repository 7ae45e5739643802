//! health-probe: probe HTTP(S) endpoints and TCP ports until healthy or a deadline.
//!
//! The tool as a library, internal to this repository (not an API, no stability promise):
//! `main.rs` is a thin binary over it and the fuzz targets (`fuzz/`) call its parsers, so
//! only the modules they need are public: `cli`, `exit`, `run` and `settings` for the
//! binary, `matcher`, `request`, `expect` and `redact` for the fuzz targets.

pub mod cli;
mod engine;
pub mod exit;
pub mod expect;
mod files;
mod latency;
pub mod matcher;
mod pacing;
mod probe;
pub mod redact;
mod report;
pub mod request;
pub mod run;
pub mod settings;
mod step_summary;
mod summary;
mod tls;
