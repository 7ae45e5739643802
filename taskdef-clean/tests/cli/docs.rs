//! The README section: its exit-code table is --help's, and its examples are what the demo
//! stage runs (scripts/demo.d/10-taskdef-clean.sh, against the emulator).

use crate::cmd;

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap()
}

/// The lines of the fenced blocks of `lang` in `text`.
fn fenced(text: &str, lang: &str) -> Vec<Vec<String>> {
    let mut blocks = Vec::new();
    let mut current: Option<Vec<String>> = None;
    for line in text.lines() {
        match &mut current {
            None if line.trim() == format!("```{lang}") => current = Some(Vec::new()),
            Some(_) if line.trim() == "```" => blocks.push(current.take().unwrap()),
            Some(block) => block.push(line.to_owned()),
            None => {}
        }
    }
    blocks
}

/// Shell commands: comments and blank lines dropped, `\` continuations joined, whitespace
/// collapsed.
fn commands(lines: &[String]) -> Vec<String> {
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
    let demo = std::fs::read_to_string(
        test_support::workspace_root().join("scripts/demo.d/10-taskdef-clean.sh"),
    )
    .unwrap();
    let demo_commands = commands(&demo.lines().map(str::to_owned).collect::<Vec<_>>());
    let examples: Vec<String> = fenced(&readme(), "sh")
        .iter()
        .flat_map(|b| commands(b))
        .collect();
    assert!(examples.len() >= 4, "{examples:?}");
    for example in examples {
        assert!(
            demo_commands.contains(&example),
            "the demo stage does not run this README example:\n{example}"
        );
    }
}
