//! The README and `--help` say the same thing; completions and the man page come out.

use predicates::prelude::*;

use crate::common::{stdout_of, tool};

fn help() -> String {
    stdout_of(
        tool()
            .arg("--help")
            .assert()
            .success()
            .stderr("")
            .get_output(),
    )
}

#[test]
fn readme_exit_status_table_is_the_one_in_help() {
    test_support::docs::assert_readme_has_exit_status(
        env!("CARGO_MANIFEST_DIR"),
        "tf-secrets",
        &help(),
    );
}

#[test]
fn help_documents_the_helpers() {
    let help = help();
    for helper in ["strip_port", "port", "csv", "lines"] {
        assert!(help.contains(&format!("  {helper} ")), "{helper} in --help");
    }
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    for helper in ["strip_port", "port", "csv", "lines"] {
        assert!(
            readme.contains(&format!("| `{helper}` |")),
            "{helper} in README.md"
        );
    }
}

#[test]
fn help_reads_cleanly_and_marks_rest_api_settings() {
    let help = help();
    assert!(
        !help.contains("\\\""),
        "a backslash before a quote:\n{help}"
    );
    assert!(
        help.contains(r#"json:       {"NAME": "value", ...}"#),
        "{help}"
    );
    for flag in ["--api-url <URL>", "--timeout <DURATION>", "--retries <N>"] {
        let (_, rest) = help.split_once(&format!("      {flag}\n")).unwrap();
        let (text, _) = rest.split_once("\n\n").unwrap();
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(text.contains("(REST API only"), "{flag}: {text}");
    }
}

#[test]
fn completions_and_man_page() {
    tool()
        .args(["--generate", "complete-bash"])
        .assert()
        .success()
        .stdout(predicate::str::contains("tf-secrets"))
        .stderr("");
    tool()
        .args(["--generate", "man"])
        .assert()
        .success()
        .stdout(predicate::str::contains(".TH tf-secrets"))
        .stderr("");
}

#[test]
fn help_and_the_man_page_have_examples() {
    let help = help();
    let examples = help
        .split_once("\nEXAMPLES\n")
        .expect("an EXAMPLES section in --help")
        .1;
    assert!(
        examples.contains("  terraform output -json | tf-secrets --to-github octo/app"),
        "{help}"
    );
    let page = stdout_of(
        tool()
            .args(["--generate", "man"])
            .assert()
            .success()
            .get_output(),
    );
    assert!(page.contains("\n.SH EXAMPLES\n.nf\n"), "{page}");
    assert!(page.contains("\n.SH EXIT STATUS\n"), "{page}");
}
