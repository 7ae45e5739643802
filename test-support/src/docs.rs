//! Documentation checks every tool makes: the README section carries the exit-code table of
//! `--help` verbatim.

/// The EXIT STATUS section of a tool's `--help` output: from its heading to the end,
/// trailing whitespace trimmed.
pub fn exit_status_section(help: &str) -> &str {
    let start = help
        .find("EXIT STATUS")
        .expect("--help has an EXIT STATUS section (after_help)");
    help[start..].trim_end()
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
    assert!(
        readme.contains(&format!("```text\n{section}\n```")),
        "{} must carry the EXIT STATUS section of --help verbatim in a ```text block:\n{section}",
        path.display()
    );
    section
}
