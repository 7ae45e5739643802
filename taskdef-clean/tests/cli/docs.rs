//! The README section: its exit-code table is --help's, and its examples are what the demo
//! stage runs (scripts/demo.d/10-taskdef-clean.sh, against the emulator): commands given to
//! its `run_shown`, which prints them and runs exactly that text. Both checks are
//! test_support::docs's.

use crate::cmd;

#[test]
fn the_readme_exit_table_is_the_help_one() {
    let assert = cmd().arg("--help").assert().success();
    let help = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    test_support::docs::assert_readme_has_exit_status(
        env!("CARGO_MANIFEST_DIR"),
        "taskdef-clean",
        &help,
    );
}

#[test]
fn the_demo_runs_every_readme_example() {
    let examples = test_support::docs::assert_demo_runs_readme_examples(
        env!("CARGO_MANIFEST_DIR"),
        "10-taskdef-clean.sh",
    );
    assert!(examples.len() >= 4, "{examples:?}");
}
