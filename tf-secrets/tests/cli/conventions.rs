//! What every tool shares (cli-support), through this binary: usage errors carry the tool's
//! name, durations need a unit, no flag abbreviations or second names.

use predicates::prelude::*;

use crate::common::{fixture, tool};

#[test]
fn usage_errors_carry_the_tools_name() {
    tool()
        .arg("--no-such-flag")
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::starts_with(
            "tf-secrets: error: unexpected argument '--no-such-flag' found\n",
        ))
        .stderr(predicate::str::contains("Usage: tf-secrets"));
    tool()
        .arg("--version")
        .assert()
        .success()
        .stderr("")
        .stdout(predicate::str::starts_with("tf-secrets "));
}

#[test]
fn env_is_not_environment() {
    // `--env` was a second name of `--environment`; no flag has another name or an
    // abbreviation now.
    for flag in ["--env", "--environ"] {
        tool()
            .arg("-f")
            .arg(fixture("outputs"))
            .args(["--to-github", "octo/app", flag, "x", "DB_HOST=db-host"])
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::starts_with(format!(
                "tf-secrets: error: unexpected argument '{flag}' found\n"
            )));
    }
}

#[test]
fn a_duration_without_a_unit_is_a_usage_error() {
    tool()
        .args([
            "--timeout",
            "14",
            "--to-github",
            "octo/app",
            "DB_HOST=db-host",
        ])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::starts_with(
            "tf-secrets: error: invalid value '14' for '--timeout <DURATION>': \
             \"14\" has no unit: write 14ms, 14s, 14m (minutes), 14h or 14d\n",
        ));
}
