//! The README's exit-code table is --help's, and --generate writes completions and a man page.

use crate::{probe, stdout};

fn help_exit_status() -> String {
    let out = probe().arg("--help").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let help = stdout(&out);
    let start = help
        .find("EXIT STATUS:")
        .expect("--help has an EXIT STATUS section");
    help[start..].trim_end().to_owned()
}

#[test]
fn readme_exit_table_is_the_help_table() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let table = help_exit_status();
    assert!(table.lines().count() >= 6, "{table}");
    assert!(
        readme.contains(&format!("```text\n{table}\n```")),
        "README.md must hold the EXIT STATUS block of --help verbatim:\n{table}"
    );
    assert!(readme.starts_with("## health-probe\n"));
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

    let out = probe()
        .args(["--generate", "complete-bash"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("complete -F _health__probe"));
}
