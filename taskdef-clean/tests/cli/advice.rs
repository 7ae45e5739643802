//! The commands that check messages suggest are safe to paste: run by a shell, each removes
//! exactly the member it names, whatever the name (quotes, `;`, `$(...)`, a leading `--`,
//! controls), and runs nothing else.

use std::process::Command;

use assert_cmd::cargo::cargo_bin;
use serde_json::{Map, Value, json};

use crate::{cmd, json_of, stderr_of};

/// The advice of the one unknown member of `input` under `--check --strict`.
fn advice(input: &Value) -> String {
    let assert = cmd()
        .args(["--check", "--strict", "-q"])
        .write_stdin(input.to_string())
        .assert()
        .code(1)
        .stdout("");
    let stderr = stderr_of(&assert);
    let after = stderr
        .split("remove it with ")
        .nth(1)
        .unwrap_or_else(|| panic!("no advice in {stderr}"));
    after
        .split(", or leave out --strict to keep it")
        .next()
        .expect("advice")
        .to_owned()
}

/// Run the tool with the pasted `advice` through bash, in an empty directory, on `input`:
/// its stdout (the exit code must be 0 and stderr empty).
fn pasted(advice: &str, input: &Value) -> Value {
    let dir = tempfile::tempdir().expect("tempdir");
    let line = format!("'{}' -q {advice}", cargo_bin!("taskdef-clean").display());
    let mut child = Command::new("bash")
        .arg("-c")
        .arg(&line)
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("bash");
    std::io::Write::write_all(
        &mut child.stdin.take().expect("stdin"),
        input.to_string().as_bytes(),
    )
    .expect("write");
    let out = child.wait_with_output().expect("bash runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{line}: {stderr}");
    assert_eq!(stderr, "", "{line}");
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("dir").count(),
        0,
        "{line} created a file"
    );
    serde_json::from_slice(&out.stdout).expect("stdout is JSON")
}

/// The plain cleaning of `input`.
fn cleaned(input: &Value) -> Value {
    json_of(
        &cmd()
            .arg("-q")
            .write_stdin(input.to_string())
            .assert()
            .code(0),
    )
}

fn app() -> Map<String, Value> {
    json!({"name": "app", "image": "nginx", "memory": 128})
        .as_object()
        .expect("object")
        .clone()
}

const HOSTILE: &[&str] = &[
    "x'; echo INJECTED >&2; echo '",
    "my key; touch pwned",
    "--force",
    "$(touch pwned)",
    "`touch pwned`",
    "a\"b\\c'd",
    "a\\(1)",
    "~",
    "",
    "new\nline; touch pwned",
    "esc\u{1b}[2J",
    "rtl\u{202e}txt",
    "nel\u{85}zw\u{200b}",
    "-",
    "=x",
];

#[test]
fn the_drop_advice_for_a_hostile_top_level_name_removes_that_member_only() {
    for name in HOSTILE {
        let mut input = json!({"family": "f", "containerDefinitions": [app()]});
        input[*name] = json!(1);
        let advice = advice(&input);
        let expected = cleaned(&json!({"family": "f", "containerDefinitions": [app()]}));
        assert_eq!(pasted(&advice, &input), expected, "{name:?}: {advice}");
    }
}

#[test]
fn the_filter_advice_for_a_hostile_container_member_removes_that_member_only() {
    for name in HOSTILE {
        let mut container = app();
        container.insert((*name).to_owned(), json!(1));
        let input = json!({"family": "f", "containerDefinitions": [container]});
        let advice = advice(&input);
        assert!(advice.starts_with("--filter '"), "{name:?}: {advice}");
        let expected = cleaned(&json!({"family": "f", "containerDefinitions": [app()]}));
        assert_eq!(pasted(&advice, &input), expected, "{name:?}: {advice}");
    }
}

#[test]
fn the_advice_quotes_a_name_as_one_shell_word() {
    let input = json!({"family": "f", "containerDefinitions": [app()], "--force": 1});
    assert_eq!(advice(&input), "--drop=--force");
    let input = json!({"family": "f", "containerDefinitions": [app()], "my key; x": 1});
    assert_eq!(advice(&input), "--drop='my key; x'");
    let mut container = app();
    container.insert("x'y".to_owned(), json!(1));
    let input = json!({"family": "f", "containerDefinitions": [container]});
    assert_eq!(
        advice(&input),
        r#"--filter 'del(.containerDefinitions[0]["x'\''y"])'"#
    );
}
