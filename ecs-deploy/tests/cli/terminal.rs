//! On a terminal the progress of each service is one line redrawn in place at the bottom;
//! elsewhere each change of progress is a plain timestamped line. The terminal is a
//! pseudo-terminal made by util-linux `script` (without it the test fails under CI and says
//! it is skipped elsewhere: `test_support::require_tool`).

use std::process::Command;

use test_support::CommandExt as _;

use crate::fixture::{Breaker, setup, taskdef};

#[test]
fn progress_is_one_line_redrawn_on_a_terminal_and_plain_lines_elsewhere() {
    if test_support::require_tool("script").is_none() {
        return;
    }
    let env = setup();
    let v1 = env.register("web", "registry.example/app:1");
    env.service("web", &v1, Breaker::Rollback);
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("td.json");
    std::fs::write(&input, taskdef("web", "registry.example/app:2").to_string()).unwrap();
    let tool = env.std_cmd();
    let args: Vec<String> = tool
        .get_args()
        .map(|a| a.to_string_lossy().into_owned())
        .chain(["--service", "web", "-f"].map(String::from))
        .chain([input.display().to_string()])
        .collect();
    // `script` runs a shell command line: every word quoted.
    let quote = |w: &str| format!("'{}'", w.replace('\'', r"'\''"));
    let line: Vec<String> = std::iter::once(tool.get_program().to_string_lossy().into_owned())
        .chain(args)
        .map(|w| quote(&w))
        .collect();
    let out = Command::new("script")
        .args([
            "--quiet",
            "--return",
            "--command",
            &line.join(" "),
            "/dev/null",
        ])
        .scrub_env()
        .envs(env.moto.env())
        .env("SHELL", "/bin/sh")
        .env("TERM", "xterm")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    // Redrawn in place: carriage returns / erase-line sequences, the service's counts in it,
    // and no plain "deployment IN_PROGRESS" status line.
    assert!(text.contains("\x1b[2K") || text.contains('\r'), "{text:?}");
    assert!(text.contains("web: IN_PROGRESS"), "{text:?}");
    assert!(!text.contains("web: deployment IN_PROGRESS"), "{text:?}");
    assert!(text.contains("web: deployed"), "{text:?}");

    // Not a terminal: the same progress as plain lines.
    let v2 = env.register("web", "registry.example/app:3");
    env.cmd()
        .args(["--service", "web", "--task-definition", &v2])
        .assert()
        .code(0)
        .stderr(predicates::str::contains("web: deployment IN_PROGRESS"));
}
