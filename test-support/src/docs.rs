//! Documentation checks every tool makes, in one place:
//!
//! - [`assert_readme_has_exit_status`]: the README section carries the exit-code table of
//!   `--help` verbatim, under the one heading form.
//! - [`assert_demo_runs_readme_examples`]: the demo stage runs every README example as
//!   written, through a helper that prints and runs exactly that text.

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

/// The lines of each fenced block of `lang` (```` ```sh ````) in `text`.
pub fn fenced(text: &str, lang: &str) -> Vec<Vec<String>> {
    let open = format!("```{lang}");
    let mut blocks = Vec::new();
    let mut current: Option<Vec<String>> = None;
    for line in text.lines() {
        match &mut current {
            None if line.trim() == open => current = Some(Vec::new()),
            Some(_) if line.trim() == "```" => blocks.extend(current.take()),
            Some(block) => block.push(line.to_owned()),
            None => {}
        }
    }
    blocks
}

/// Shell commands of `lines`: comments and blank lines dropped, `\` continuations joined,
/// whitespace collapsed.
pub fn shell_commands(lines: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut pending = String::new();
    for line in lines {
        let line = line.trim();
        if pending.is_empty() && (line.is_empty() || line.starts_with('#')) {
            continue;
        }
        if let Some(part) = line.strip_suffix('\\') {
            pending.push_str(part);
            pending.push(' ');
            continue;
        }
        pending.push_str(line);
        out.push(pending.split_whitespace().collect::<Vec<_>>().join(" "));
        pending.clear();
    }
    out
}

/// The bodies of a demo stage's `run_shown ... <<'CMD'` heredocs: the commands the demo
/// prints and then runs, as they are.
pub fn run_shown_bodies(stage: &str) -> Vec<Vec<String>> {
    let mut bodies = Vec::new();
    let mut current: Option<Vec<String>> = None;
    for line in stage.lines() {
        match &mut current {
            None if line.contains("run_shown") && line.trim_end().ends_with("<<'CMD'") => {
                current = Some(Vec::new());
            }
            Some(_) if line == "CMD" => bodies.extend(current.take()),
            Some(body) => body.push(line.to_owned()),
            None => {}
        }
    }
    assert!(current.is_none(), "a run_shown heredoc is not closed");
    bodies
}

/// Assert that the demo stage `scripts/demo.d/<stage>` runs every example of the ```sh
/// blocks of `<manifest_dir>/README.md`, exactly as written (continuations joined,
/// whitespace collapsed), through the `run_shown` helper (scripts/demo's, or the stage's
/// own), which must print its command and run exactly that text (`eval`): what a reader copies from the README is what the demo
/// shows working. Returns the examples, for the caller's own checks.
pub fn assert_demo_runs_readme_examples(manifest_dir: &str, stage: &str) -> Vec<String> {
    let readme_path = std::path::Path::new(manifest_dir).join("README.md");
    let readme = std::fs::read_to_string(&readme_path)
        .unwrap_or_else(|e| panic!("{}: {e}", readme_path.display()));
    let stage_path = crate::workspace_root().join("scripts/demo.d").join(stage);
    let demo = std::fs::read_to_string(&stage_path)
        .unwrap_or_else(|e| panic!("{}: {e}", stage_path.display()));
    // The helper runs what it prints, nothing else: the stage's own, or scripts/demo's.
    let helper_path = if demo.contains("\nrun_shown() {\n") {
        stage_path.clone()
    } else {
        crate::workspace_root().join("scripts/demo")
    };
    let helper = std::fs::read_to_string(&helper_path)
        .unwrap_or_else(|e| panic!("{}: {e}", helper_path.display()));
    assert!(
        helper.contains("\nrun_shown() {\n  local cmd\n  cmd=$(cat)\n  echo_cmd \"$cmd\"\n"),
        "{}: run_shown must print its command:\n{helper}",
        helper_path.display()
    );
    assert!(
        helper.contains("    eval \"$cmd\" </dev/null >\"$1\"\n")
            && helper.contains("    eval \"$cmd\" </dev/null\n"),
        "{}: run_shown must run the text it printed:\n{helper}",
        helper_path.display()
    );
    let run: Vec<String> = run_shown_bodies(&demo)
        .iter()
        .flat_map(|b| shell_commands(b))
        .collect();
    let examples: Vec<String> = fenced(&readme, "sh")
        .iter()
        .flat_map(|b| shell_commands(b))
        .collect();
    assert!(
        !examples.is_empty(),
        "{} has no ```sh examples",
        readme_path.display()
    );
    for example in &examples {
        assert!(
            run.contains(example),
            "{} does not run this README example (through run_shown):\n{example}\nit runs:\n{}",
            stage_path.display(),
            run.join("\n")
        );
    }
    examples
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn run_shown_bodies_are_the_heredoc_bodies() {
        let stage = "run_shown() {\n  :\n}\nshown <<'CMD'\nprinted only\nCMD\n\
                     run_shown <<'CMD'\na \\\n  b\nCMD\nif run_shown out.json <<'CMD'\nc\nCMD\nthen :; fi\n";
        let bodies = run_shown_bodies(stage);
        assert_eq!(bodies, [vec!["a \\", "  b"], vec!["c"]]);
        assert_eq!(shell_commands(&bodies[0]), ["a b"]);
    }

    #[test]
    fn readme_examples_are_the_sh_blocks_commands() {
        let readme =
            "x\n```sh\n# a comment\n\ntool -f in.json \\\n   --check\n```\n```text\nno\n```\n";
        let blocks = fenced(readme, "sh");
        assert_eq!(blocks.len(), 1);
        assert_eq!(shell_commands(&blocks[0]), ["tool -f in.json --check"]);
    }
}
