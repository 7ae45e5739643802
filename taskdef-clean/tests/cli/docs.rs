//! The README section: its exit-code table is --help's, and its examples are what the demo
//! stage runs (scripts/demo.d/10-taskdef-clean.sh, against the emulator): commands given to
//! its `run_shown`, which prints them and runs exactly that text.

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

/// The bodies of the stage's `run_shown ... <<'CMD'` heredocs: the commands the demo prints
/// and then runs, as they are (its `run_shown` evals exactly the text it echoes).
fn run_commands(stage: &str) -> Vec<Vec<String>> {
    let mut bodies = Vec::new();
    let mut current: Option<Vec<String>> = None;
    for line in stage.lines() {
        match &mut current {
            None if line.contains("run_shown") && line.trim_end().ends_with("<<'CMD'") => {
                current = Some(Vec::new());
            }
            Some(_) if line == "CMD" => bodies.push(current.take().unwrap()),
            Some(body) => body.push(line.to_owned()),
            None => {}
        }
    }
    assert!(current.is_none(), "a run_shown heredoc is not closed");
    bodies
}

#[test]
fn the_demo_runs_every_readme_example() {
    let demo = std::fs::read_to_string(
        test_support::workspace_root().join("scripts/demo.d/10-taskdef-clean.sh"),
    )
    .unwrap();
    // The helper runs what it prints, nothing else.
    assert!(
        demo.contains("  cmd=$(cat)\n  echo_cmd \"$cmd\"\n"),
        "run_shown must print its command:\n{demo}"
    );
    assert!(
        demo.contains("    eval \"$cmd\" </dev/null >\"$1\"\n")
            && demo.contains("    eval \"$cmd\" </dev/null\n"),
        "run_shown must run the text it printed:\n{demo}"
    );
    let run: Vec<String> = run_commands(&demo)
        .iter()
        .flat_map(|b| commands(b))
        .collect();
    let examples: Vec<String> = fenced(&readme(), "sh")
        .iter()
        .flat_map(|b| commands(b))
        .collect();
    assert!(examples.len() >= 4, "{examples:?}");
    for example in examples {
        assert!(
            run.contains(&example),
            "the demo stage does not run this README example (through run_shown):\n{example}\nit runs:\n{}",
            run.join("\n")
        );
    }
}

#[test]
fn run_commands_are_the_heredoc_bodies() {
    let stage = "run_shown() {\n  :\n}\nshown <<'CMD'\nprinted only\nCMD\n\
                 run_shown <<'CMD'\na \\\n  b\nCMD\nif run_shown out.json <<'CMD'\nc\nCMD\nthen :; fi\n";
    let bodies = run_commands(stage);
    assert_eq!(bodies, [vec!["a \\", "  b"], vec!["c"]]);
    assert_eq!(commands(&bodies[0]), ["a b"]);
}
