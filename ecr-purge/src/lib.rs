//! ecr-purge: empty or prune ECR repositories, image-index aware, so teardown works.
//!
//! The tool as a library, internal to this repository (not an API, no stability promise):
//! `main.rs` is a thin binary over it and the fuzz targets (`fuzz/`) call its parsers, so
//! only the modules they need are public: `cli`, `exit`, `run` and `settings` for the
//! binary, `repo`, `selection`, `plan` and `image` for the fuzz targets.

// A library for this repository only: the lints about a public API's generality do not apply.
#![allow(clippy::implicit_hasher)]

pub mod cli;
mod confirm;
mod console;
mod ecr;
pub mod exit;
pub mod image;
#[cfg(test)]
mod mock_tests;
pub mod plan;
mod purge;
pub mod repo;
mod report;
pub mod run;
pub mod selection;
pub mod settings;
mod step_summary;
mod summary;
