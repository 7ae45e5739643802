//! Help, generated files and usage errors: no AWS call is made, nothing reaches stdout.

use assert_cmd::cargo::cargo_bin_cmd;
use predicates::prelude::*;
use test_support::CommandExt as _;

fn cmd() -> assert_cmd::Command {
    let mut cmd = cargo_bin_cmd!("ecs-deploy");
    cmd.scrub_env();
    cmd
}

#[test]
fn readme_has_the_exit_code_table_of_help() {
    let out = cmd()
        .arg("--help")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let help = String::from_utf8(out).unwrap();
    let section = test_support::docs::assert_readme_has_exit_status(
        env!("CARGO_MANIFEST_DIR"),
        "ecs-deploy",
        &help,
    );
    assert!(section.contains("  124  --timeout expired"));
}

#[test]
fn generates_man_page_and_completions() {
    cmd()
        .args(["--generate", "man"])
        .assert()
        .success()
        .stdout(predicate::str::contains(".TH ecs-deploy"));
    cmd()
        .args(["--generate", "complete-bash"])
        .assert()
        .success()
        .stdout(predicate::str::contains("rollback"));
}

#[test]
fn usage_errors_carry_the_tools_name() {
    cmd()
        .arg("--no-such-flag")
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::starts_with(
            "ecs-deploy: error: unexpected argument '--no-such-flag' found\n",
        ));
}

#[test]
fn cluster_and_service_are_required() {
    cmd()
        .args(["--force-new-deployment"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("--cluster <CLUSTER>"))
        .stderr(predicate::str::contains("--service <SERVICE>"));
}

#[test]
fn a_duration_without_a_unit_is_a_usage_error() {
    for (flag, value) in [("--timeout", "14"), ("--poll", "6")] {
        cmd()
            .args(["--cluster", "c", "--service", "s", "--force-new-deployment", flag, value])
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::starts_with(format!(
                "ecs-deploy: error: invalid value '{value}' for '{flag} <DURATION>': \
                 \"{value}\" has no unit: write {value}ms, {value}s, {value}m (minutes), {value}h or {value}d\n"
            )));
    }
}

#[test]
fn a_terminal_free_stdin_without_input_is_read() {
    // Without -f, --task-definition or --force-new-deployment the input is stdin: empty
    // stdin is invalid JSON (exit 1, nothing changed), not a hang.
    cmd()
        .args(["--cluster", "c", "--service", "s"])
        .write_stdin("")
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("<stdin>"));
}

#[test]
fn a_summary_that_cannot_be_written_is_refused_first() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no/such/dir/s.json");
    cmd()
        .args([
            "--cluster",
            "c",
            "--service",
            "s",
            "--force-new-deployment",
            "--summary",
        ])
        .arg(&missing)
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("does not exist"));
    cmd()
        .args([
            "--cluster",
            "c",
            "--service",
            "s",
            "--force-new-deployment",
            "--summary",
        ])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is a directory"));
}

#[test]
fn a_service_given_twice_is_a_usage_error() {
    cmd()
        .args([
            "--cluster",
            "c",
            "--service",
            "s",
            "--service",
            "s",
            "--force-new-deployment",
        ])
        .assert()
        .code(2)
        .stdout("")
        .stderr("ecs-deploy: error: --service s is given twice\n");
}
