//! What every tool shares (cli-support), through this binary: usage errors carry the tool's
//! name, durations need a unit.

use assert_cmd::cargo::cargo_bin_cmd;
use predicates::prelude::*;
use test_support::CommandExt as _;

fn cmd() -> assert_cmd::Command {
    let mut cmd = cargo_bin_cmd!("ecs-run-wait");
    cmd.scrub_env();
    cmd
}

#[test]
fn usage_errors_carry_the_tools_name() {
    cmd()
        .arg("--no-such-flag")
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::starts_with(
            "ecs-run-wait: error: unexpected argument '--no-such-flag' found\n",
        ))
        .stderr(predicate::str::contains("Usage: ecs-run-wait"));
}

#[test]
fn a_duration_without_a_unit_is_a_usage_error() {
    for (flag, value) in [("--timeout", "14"), ("--poll", "6"), ("--log-grace", "0")] {
        cmd()
            .args(["--cluster", "c", "--task-definition", "t", flag, value])
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::starts_with(format!(
                "ecs-run-wait: error: invalid value '{value}' for '{flag} <DURATION>': \
                 \"{value}\" has no unit: write {value}ms, {value}s, {value}m (minutes), {value}h or {value}d\n"
            )));
    }
}
