//! ecs-run-wait: run a one-off ECS task, follow its CloudWatch logs, exit with its exit code.
//!
//! The tool as a library, internal to this repository (not an API, no stability promise):
//! `main.rs` is a thin binary over it and the fuzz targets (`fuzz/`) call its parsers, so
//! only the modules they need are public: `cli`, `exit`, `run` and `settings` for the
//! binary, `arn` for the fuzz targets.

pub mod arn;
pub mod cli;
mod describe;
pub mod exit;
mod launch;
mod log_clients;
mod logs;
mod lookup;
#[cfg(test)]
mod mocks;
mod notfound;
mod outcome;
mod overrides;
mod plan;
mod retry;
pub mod run;
mod session;
pub mod settings;
mod signals;
mod start;
mod status;
mod step_summary;
mod stop;
mod summary;
mod taskdef;
mod wait;
