//! taskdef-clean: describe-task-definition JSON in, register-ready JSON out.
//!
//! The tool as a library, internal to this repository (not an API, no stability promise):
//! `main.rs` is a thin binary over it and the fuzz targets (`fuzz/`) call its parsers, so
//! only the modules they need are public: `cli`, `exit`, `run` and `settings` for the
//! binary, `pipeline` and `edit` for the fuzz targets.

mod check;
pub mod cli;
mod diff;
pub mod edit;
pub mod exit;
pub mod pipeline;
mod problem;
pub mod run;
pub mod settings;
mod step_summary;
mod task_size;
