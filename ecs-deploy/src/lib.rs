//! ecs-deploy: deploy a task definition to ECS services, follow each rollout to a true
//! verdict, explain failures, roll back to what ran.
//!
//! The tool as a library, internal to this repository (not an API, no stability promise):
//! `main.rs` is a thin binary over it and the fuzz targets (`fuzz/`) call its parsers, so
//! only the modules they need are public: `cli`, `exit`, `run` and `settings` for the
//! binary, `arn` for the fuzz targets.

pub mod arn;
mod before;
pub mod cli;
mod ecs;
pub mod exit;
mod explain;
mod follow;
mod gha;
mod log;
#[cfg(test)]
mod mock_tests;
mod prepare;
mod register;
mod rollback;
mod rollback_target;
pub mod run;
mod service;
pub mod settings;
mod summary;
mod until;
mod verdict;
mod verify;
