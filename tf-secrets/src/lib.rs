//! tf-secrets: Terraform outputs to GitHub Actions secrets and variables, exactly and
//! without leaks.
//!
//! The tool as a library, internal to this repository (not an API, no stability promise):
//! `main.rs` is a thin binary over it and the fuzz targets (`fuzz/`) call its parsers, so
//! only the modules they need are public: `cli`, `exit`, `run` and `settings` for the
//! binary, `outputs`, `select` and `format` for the fuzz targets.

pub mod cli;
mod dest;
pub mod exit;
pub mod format;
mod gh;
mod github;
mod notes;
pub mod outputs;
pub mod run;
pub mod select;
pub mod settings;
mod step_summary;
mod write;
