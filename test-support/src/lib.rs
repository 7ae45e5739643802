//! Test harness shared by the tools' integration tests.
//!
//! - [`moto`]: the local AWS emulator (moto's standalone server from the workspace's `.venv`),
//!   started on a free 127.0.0.1 port, with reset, the ECS task state manager, the AWS CLI.
//! - [`docs`]: the README section carries the exit-code table of `--help`.
//! - [`process`]: a tool running in the background, watched with deadlines, killed on drop.
//! - [`memory`]: a tool run to its end with its peak resident set (`wait4`).
//! - [`faults`]: a proxy between a tool and its API that injects faults (throttling, 5xx,
//!   resets, latency, hangs) for a seeded share of the requests, and counts them.
//! - [`http`]: local HTTP(S) servers whose answers the test decides.
//! - [`invocations`]: the tool command lines of the READMEs and examples, cut out of their
//!   shell as a shell would, for the test that hands each to the real binary.
//! - [`port`]: a port held closed (refused) until a server takes it, never released to
//!   others in between.
//! - [`tools`]: [`require_tool`] for tests that need a program of the machine: they fail
//!   under CI without it and say they are skipped elsewhere.
//! - [`step_summary`]: a `$GITHUB_STEP_SUMMARY` file with an earlier step's text.
//! - [`CommandExt`]: run a tool with a clean environment (no GitHub Actions or AWS variables
//!   of the machine running the tests).

pub mod docs;
pub mod faults;
pub mod http;
pub mod invocations;
pub mod memory;
pub mod moto;
pub mod port;
pub mod process;
pub mod step_summary;
pub mod tools;

pub use port::ClosedPort;
pub use tools::require_tool;

use std::path::PathBuf;

/// The workspace root (where `Cargo.toml`, `.venv` and `emulator/` are).
pub fn workspace_root() -> PathBuf {
    // Cargo sets CARGO_MANIFEST_DIR for a test it runs (a workspace member, one level below
    // the root); the value compiled in is the fallback. Read at run time, a checkout that was
    // moved (with its target directory) still finds its own files.
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from)
        .parent()
        .expect("test-support lives in the workspace root")
        .to_owned()
}

/// Environment variables removed from every command a test runs, so that the machine's own
/// settings (a CI runner's `GITHUB_ACTIONS`, a developer's `AWS_PROFILE`) cannot change the
/// outcome.
pub const SCRUBBED_PREFIXES: &[&str] = &["AWS_", "GITHUB_", "GH_", "RUNNER_", "ACTIONS_"];

/// Environment set-up for a tool under test.
pub trait CommandExt {
    /// Remove the variables of [`SCRUBBED_PREFIXES`].
    fn scrub_env(&mut self) -> &mut Self;
}

fn scrubbed_names() -> Vec<std::ffi::OsString> {
    std::env::vars_os()
        .map(|(k, _)| k)
        .filter(|k| {
            let k = k.to_string_lossy();
            SCRUBBED_PREFIXES.iter().any(|p| k.starts_with(p))
        })
        .collect()
}

impl CommandExt for std::process::Command {
    fn scrub_env(&mut self) -> &mut Self {
        for name in scrubbed_names() {
            self.env_remove(name);
        }
        self
    }
}

impl CommandExt for assert_cmd::Command {
    fn scrub_env(&mut self) -> &mut Self {
        for name in scrubbed_names() {
            self.env_remove(name);
        }
        self
    }
}

/// A free TCP port on 127.0.0.1 (bound, then released).
///
/// Deprecated: racy, the port is free for anyone until the test uses it. Use
/// [`ClosedPort`] (a port that refuses connections) and
/// [`Server::start_on_port`](http::Server::start_on_port) (a server that appears on it
/// later). Kept only for the tests that still call it; new code must not.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("no free port on 127.0.0.1")
        .port()
}
