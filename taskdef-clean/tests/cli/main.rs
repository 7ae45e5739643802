//! The taskdef-clean binary, tested as a user runs it: real stdin and stdout, exit codes,
//! stdout and stderr checked separately.

mod advice;
mod constraints;
mod conventions;
mod depth;
mod diff;
mod docs;
mod ecs_rules;
mod edits;
mod errors;
mod hidden_values;
mod io;
mod long_and_invisible;
mod numbers;
mod output;
mod property;
mod refused;
mod register_ready;
mod roundtrip;
mod signals;
mod size;
mod step_summary;
mod usage;

use std::path::PathBuf;

use assert_cmd::cargo::cargo_bin_cmd;
use test_support::CommandExt as _;

/// The binary, with a clean environment.
pub fn cmd() -> assert_cmd::Command {
    let mut cmd = cargo_bin_cmd!("taskdef-clean");
    cmd.scrub_env();
    cmd
}

/// A file in tests/fixtures.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The text of a file in tests/fixtures.
pub fn fixture_text(name: &str) -> String {
    std::fs::read_to_string(fixture(name)).expect("fixture")
}

/// stdout of a successful run, parsed.
pub fn json_of(assert: &assert_cmd::assert::Assert) -> serde_json::Value {
    serde_json::from_slice(&assert.get_output().stdout).expect("stdout is JSON")
}

/// stderr of a run, as text.
pub fn stderr_of(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&assert.get_output().stderr).into_owned()
}
