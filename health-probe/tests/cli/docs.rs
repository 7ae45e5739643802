//! The README section: its exit-code table is --help's, and its examples are what the demo
//! stage runs (scripts/demo.d/30-health-probe.sh, against a local app): commands given to its
//! `run_shown`, which prints them and runs exactly that text. Both checks are
//! test_support::docs's. And --generate writes completions and a man page.

use crate::{probe, stdout};

#[test]
fn readme_exit_table_is_the_help_table() {
    let out = probe().arg("--help").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let help = stdout(&out);
    let table = test_support::docs::assert_readme_has_exit_status(
        env!("CARGO_MANIFEST_DIR"),
        "health-probe",
        &help,
    );
    assert!(table.lines().count() >= 6, "{table}");
    let examples = help
        .split_once("\nEXAMPLES\n")
        .expect("EXAMPLES in --help")
        .1;
    assert!(
        examples.contains("  health-probe --timeout 5m --expect-json"),
        "{help}"
    );
}

#[test]
fn generate_man_and_completions() {
    let out = probe().args(["--generate", "man"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let man = stdout(&out);
    assert!(
        man.contains(".TH health-probe") && man.contains("stay\\-healthy"),
        "{man}"
    );

    assert!(man.contains("\n.SH EXAMPLES\n.nf\n"), "{man}");
    assert!(man.contains("\n.SH EXIT STATUS\n"), "{man}");

    let out = probe()
        .args(["--generate", "complete-bash"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("complete -F _health__probe"));
}

#[test]
fn the_demo_runs_every_readme_example() {
    let examples = test_support::docs::assert_demo_runs_readme_examples(
        env!("CARGO_MANIFEST_DIR"),
        "30-health-probe.sh",
    );
    assert_eq!(examples.len(), 7, "{examples:?}");
}
