//! Documentation checks every tool makes: the README section carries the exit-code table of
//! `--help` verbatim.

/// The one form of the exit-code heading in every tool's `--help` and README: a line of its
/// own, no colon (as `EXAMPLES`, and as the man page's section is named).
pub const EXIT_STATUS_HEADING: &str = "EXIT STATUS";

/// The EXIT STATUS section of a tool's `--help` output: from its heading (a line that is
/// exactly [`EXIT_STATUS_HEADING`]) to the end, trailing whitespace trimmed.
pub fn exit_status_section(help: &str) -> &str {
    let heading = format!("\n{EXIT_STATUS_HEADING}\n");
    let start = help.find(&heading).unwrap_or_else(|| {
        panic!("--help must have an EXIT STATUS section (after_help) headed by a line `{EXIT_STATUS_HEADING}`, no colon:\n{help}")
    });
    assert_eq!(
        help.matches(EXIT_STATUS_HEADING).count(),
        1,
        "--help names EXIT STATUS once, as its heading"
    );
    help[start + 1..].trim_end()
}

/// Assert that `<manifest_dir>/README.md` starts with the tool's `## tool` heading and holds
/// the EXIT STATUS section of `help` verbatim in a ```text block; returns the section.
pub fn assert_readme_has_exit_status<'h>(manifest_dir: &str, tool: &str, help: &'h str) -> &'h str {
    let section = exit_status_section(help);
    let path = std::path::Path::new(manifest_dir).join("README.md");
    let readme =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        readme.starts_with(&format!("## {tool}\n")),
        "{} must start with `## {tool}` (it is a section of the root README)",
        path.display()
    );
    for line in readme.lines() {
        assert!(
            !line.trim_start().starts_with("EXIT STATUS") || line == EXIT_STATUS_HEADING,
            "{}: the exit-code heading is `{EXIT_STATUS_HEADING}` alone on its line, not {line:?}",
            path.display()
        );
    }
    assert!(
        readme.contains(&format!("```text\n{section}\n```")),
        "{} must carry the EXIT STATUS section of --help verbatim in a ```text block:\n{section}",
        path.display()
    );
    section
}
