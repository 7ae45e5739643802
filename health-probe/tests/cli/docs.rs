//! The README's exit-code table is --help's, and --generate writes completions and a man page.

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

/// Shell lines with `\` continuations joined.
fn joined_lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let line = line.trim();
        if let Some(head) = line.strip_suffix('\\') {
            current.push_str(head);
            current.push(' ');
        } else {
            current.push_str(line);
            out.push(std::mem::take(&mut current));
        }
    }
    out
}

/// The flags of a health-probe command line, without the timing ones (the demo shortens them).
fn flags(line: &str) -> Vec<String> {
    let words = shell_words::split(line).unwrap_or_else(|e| panic!("{line}: {e}"));
    let start = words
        .iter()
        .position(|w| w == "health-probe")
        .unwrap_or_else(|| panic!("no health-probe in {line}"));
    words[start + 1..]
        .iter()
        .take_while(|w| !w.starts_with('>') && *w != "|")
        .filter(|w| w.starts_with('-'))
        .filter(|w| !["--timeout", "-t", "--interval", "-i"].contains(&w.as_str()))
        .cloned()
        .collect()
}

#[test]
fn the_demo_runs_the_readme_examples() {
    let root = test_support::workspace_root();
    let readme = std::fs::read_to_string(root.join("health-probe/README.md")).unwrap();
    let demo = std::fs::read_to_string(root.join("scripts/demo.d/30-health-probe.sh")).unwrap();
    let block = readme
        .split("```sh\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("README.md has a sh block of examples");
    let examples: Vec<Vec<String>> = joined_lines(block)
        .iter()
        .filter(|l| !l.starts_with('#') && l.contains("health-probe "))
        .map(|l| flags(l))
        .collect();
    let shown: Vec<Vec<String>> = joined_lines(&demo)
        .iter()
        .filter(|l| l.contains("show health-probe ") || l.starts_with("echo_cmd 'health-probe "))
        .map(|l| flags(&l.replace("echo_cmd '", "").replace('\'', " ")))
        .collect();
    assert_eq!(examples.len(), 6, "{examples:?}");
    let mut rest = shown.iter();
    for example in &examples {
        assert!(
            rest.any(|s| s == example),
            "the demo does not show the README example with {example:?} (in order); it shows {shown:?}"
        );
    }
}
