//! Names that are very long or invisible: a member name of 2 million characters is cleaned
//! at once (no "did you mean" over it) and quoted cut, with its length; format characters
//! (zero-width, BOM, soft hyphen, tags) are escaped in check messages and in the three
//! forms of the diff, as controls are.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::{cmd, stderr_of};

/// A character that must not reach a terminal raw (besides the newline): a control, a
/// format character, an invisible filler.
fn invisible(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(
            u32::from(c),
            0xad | 0x34f
                | 0x61c
                | 0x115f
                | 0x1160
                | 0x180e
                | 0x200b..=0x200f
                | 0x2028..=0x202e
                | 0x2060..=0x206f
                | 0x3164
                | 0xfeff
                | 0xffa0
                | 0xfff9..=0xfffb
                | 0xe0001
                | 0xe0020..=0xe007f
        )
}

const INVISIBLE: &str = "A\u{200b}B\u{200d}C\u{feff}D\u{ad}E\u{fff9}F\u{e0001}G\u{2060}H";
const ESCAPED: &str = "A\\u200bB\\u200dC\\ufeffD\\u00adE\\ufff9F\\udb40\\udc01G\\u2060H";

#[test]
fn a_two_million_character_member_name_is_cut_in_messages_and_costs_no_suggestion() {
    let name = "x".repeat(2_000_000);
    let td = json!({"family": "f", "containerDefinitions": [
        {"name": "app", "image": "nginx", "memory": 128, name.clone(): 1}
    ]});
    let start = Instant::now();
    let assert = cmd()
        .args(["--check", "--strict"])
        .write_stdin(td.to_string())
        .assert()
        .code(1)
        .stdout("");
    // Was a minute (a quadratic distance for the suggestion); a generous bound.
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
    let stderr = stderr_of(&assert);
    assert!(stderr.len() < 1000, "{} bytes", stderr.len());
    assert!(
        stderr.contains(&format!(
            ".containerDefinitions[0][\"{}... (2000000 characters)\"] (container \"app\")",
            "x".repeat(120)
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("; remove it, or leave out --strict to keep it"),
        "{stderr}"
    );
    // Plain cleaning keeps it, with the warning.
    let start = Instant::now();
    cmd().write_stdin(td.to_string()).assert().code(0);
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn a_long_name_in_a_message_is_cut_with_its_length() {
    let name = "E".repeat(5000);
    let td = json!({"family": "f", "containerDefinitions": [{
        "name": "app", "image": "nginx", "memory": 128,
        "environment": [{"name": name, "value": "1"}],
        "secrets": [{"name": name, "valueFrom": "arn:aws:ssm:us-east-1:123456789012:parameter/x"}]
    }]});
    let assert = cmd()
        .args(["--check", "-q"])
        .write_stdin(td.to_string())
        .assert()
        .code(1);
    let stderr = stderr_of(&assert);
    assert!(stderr.len() < 1000, "{stderr}");
    assert!(
        stderr.contains(&format!("\"{}\"... (5000 characters)", "E".repeat(120))),
        "{stderr}"
    );
}

#[test]
fn format_characters_are_escaped_in_check_messages() {
    let td = json!({"family": "f", "containerDefinitions": [
        {"name": INVISIBLE, "image": "nginx", "memory": 128}
    ]});
    let assert = cmd()
        .args(["--check", "-q"])
        .write_stdin(td.to_string())
        .assert()
        .code(1);
    let stderr = stderr_of(&assert);
    assert!(!stderr.chars().any(invisible), "{stderr:?}");
    assert!(
        stderr.contains(&format!("(container \"{ESCAPED}\")")),
        "{stderr}"
    );
}

fn write(dir: &Path, name: &str, v: &Value) -> String {
    let path = dir.join(name);
    std::fs::write(&path, v.to_string()).expect("write");
    path.to_str().expect("utf-8").to_owned()
}

#[test]
fn format_characters_are_escaped_in_the_three_forms_of_the_diff() {
    let old = json!({"family": "f", "containerDefinitions": [
        {"name": "app", "image": "nginx", "memory": 128}
    ]});
    let mut new = old.clone();
    new["containerDefinitions"][0]["environment"] =
        json!([{"name": INVISIBLE, "value": INVISIBLE}]);
    new["containerDefinitions"][0]["dockerLabels"] = json!({ INVISIBLE: INVISIBLE });
    let dir = tempfile::tempdir().expect("tempdir");
    let (old, new_path) = (
        write(dir.path(), "old.json", &old),
        write(dir.path(), "new.json", &new),
    );
    for format in ["text", "markdown", "json"] {
        let assert = cmd()
            .args(["--diff", &old, "-f", &new_path, "--format", format])
            .assert()
            .code(1);
        let stdout = String::from_utf8(assert.get_output().stdout.clone()).expect("utf-8");
        assert!(!stdout.chars().any(invisible), "{format}: {stdout:?}");
        assert!(stdout.contains(ESCAPED), "{format}: {stdout}");
        if format == "json" {
            let parsed: Value = serde_json::from_str(&stdout).expect("JSON");
            assert_eq!(
                parsed["containers"][0]["environment"][0]["name"],
                json!(INVISIBLE)
            );
        }
    }
}
