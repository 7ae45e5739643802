//! Helpers shared by the test modules.

use std::path::PathBuf;

use assert_cmd::Command;
use test_support::CommandExt as _;

/// The tool with a clean environment (no GitHub or AWS variables of the machine).
pub fn tool() -> Command {
    let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("tf-secrets");
    cmd.scrub_env();
    cmd
}

/// `tests/fixtures/<name>`.
pub fn fixture_dir(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// The committed `terraform output -json` of a fixture.
pub fn fixture(name: &str) -> PathBuf {
    fixture_dir(name).join("output.json")
}

/// An output's value from a fixture, as Terraform wrote it.
pub fn value(fixture_name: &str, output: &str) -> serde_json::Value {
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fixture(fixture_name)).unwrap()).unwrap();
    json[output]["value"].clone()
}

/// A string output's value.
pub fn string(fixture_name: &str, output: &str) -> String {
    value(fixture_name, output)
        .as_str()
        .unwrap_or_else(|| panic!("{output} is not a string"))
        .to_owned()
}

/// The sensitive values of the `outputs` fixture, and the forms they could leak in: JSON
/// escaped, and line by line.
pub fn sensitive_needles() -> Vec<String> {
    let mut needles = Vec::new();
    for name in ["db_password", "tls_private_key", "api_token"] {
        let v = string("outputs", name);
        let json = serde_json::Value::String(v.clone()).to_string();
        needles.push(json[1..json.len() - 1].to_owned());
        needles.extend(
            v.lines()
                .filter(|l| l.len() > 8 && !l.starts_with("-----"))
                .map(str::to_owned),
        );
        needles.push(v);
    }
    needles
}

/// Fails when any sensitive value of the `outputs` fixture is in `text`.
pub fn assert_no_secret(what: &str, text: &[u8]) {
    let text = String::from_utf8_lossy(text);
    for needle in sensitive_needles() {
        assert!(
            !text.contains(&needle),
            "a sensitive value leaked to {what}: {needle:?} in\n{text}"
        );
    }
}

pub fn stdout_of(output: &std::process::Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

pub fn stderr_of(output: &std::process::Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}
