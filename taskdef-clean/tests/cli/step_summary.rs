//! `--check` under GitHub Actions: the problems, or "register-ready", appended to
//! `$GITHUB_STEP_SUMMARY`; an error that stopped the check said there too; nothing without
//! GitHub Actions, nothing for usage errors or without `--check`.

use serde_json::{Value, json};
use test_support::step_summary::StepSummary;

use crate::{cmd, fixture_text};

fn web() -> Value {
    serde_json::from_str(&fixture_text("web-register.json")).unwrap()
}

fn check(summary: &StepSummary, args: &[&str], input: &str, code: i32) -> String {
    summary
        .env(&mut cmd())
        .arg("--check")
        .args(args)
        .write_stdin(input)
        .assert()
        .code(code)
        .stdout("");
    summary.report()
}

#[test]
fn a_clean_task_definition_is_register_ready() {
    let s = StepSummary::new();
    let md = check(&s, &[], &web().to_string(), 0);
    assert_eq!(
        md,
        "## taskdef-clean --check of `<stdin>`: register-ready\n\n"
    );
}

#[test]
fn problems_are_listed_with_severity_path_container_and_message() {
    let mut td = web();
    td["containerDefinitions"][1]["image"] = json!("/aws-for-fluent-bit:");
    td["containerDefinitions"][0]["futureOption"] = json!(1);
    let s = StepSummary::new();
    let md = check(&s, &[], &json!({ "taskDefinition": td }).to_string(), 1);
    assert!(
        md.starts_with(
            "## taskdef-clean --check of `<stdin>`: not register-ready, 1 error, 1 warning\n\n\
             | Severity | Path | Container | Message |\n|---|---|---|---|\n"
        ),
        "{md}"
    );
    // With --strict the warning is an error.
    let s = StepSummary::new();
    let strict = check(
        &s,
        &["--strict"],
        &json!({ "taskDefinition": td }).to_string(),
        1,
    );
    assert!(
        strict.starts_with(
            "## taskdef-clean --check of `<stdin>`: not register-ready, 2 errors\n\n\
             With `--strict`: warnings fail the check.\n\n"
        ),
        "{strict}"
    );
    assert!(
        md.contains(
            "| **error** | `.taskDefinition.containerDefinitions[1].image` | log-router | \
             \"/aws-for-fluent-bit:\" is not an image reference ECS can pull: "
        ),
        "{md}"
    );
    assert!(
        md.contains(
            "| warning | `.taskDefinition.containerDefinitions[0].futureOption` | app | not a \
             member of ContainerDefinition"
        ),
        "{md}"
    );
}

#[test]
fn hostile_text_cannot_break_the_table() {
    let mut td = web();
    td["containerDefinitions"][0]["name"] = json!("a|b<script>`x`\nc");
    td["containerDefinitions"][0]["image"] = json!("| <script>alert(1)</script> ```");
    let s = StepSummary::new();
    let md = check(&s, &[], &td.to_string(), 1);
    assert!(!md.contains("<script>"), "{md}");
    assert!(!md.contains("```"), "{md}");
    // Every row of the table has its four cells: no `|` of the input ends one.
    let rows: Vec<&str> = md.lines().filter(|l| l.starts_with('|')).collect();
    assert!(rows.len() >= 3, "{md}");
    for row in rows {
        let cells = row.replace("\\|", "").matches('|').count();
        assert_eq!(cells, 5, "{row}");
    }
    assert!(md.contains("a\\|b&lt;script&gt;\\`x\\` c"), "{md}");
}

#[test]
fn an_input_that_cannot_be_read_is_reported() {
    let s = StepSummary::new();
    let md = check(&s, &[], "{\"family\": <b>", 1);
    assert_eq!(
        md,
        "## taskdef-clean --check: error\n\n&lt;stdin&gt;: invalid JSON at line 1, column 12: \
         expected value\n\n"
    );
}

#[test]
fn nothing_is_written_without_github_actions_or_check_or_for_usage_errors() {
    let s = StepSummary::new();
    cmd()
        .env("GITHUB_STEP_SUMMARY", &s.path)
        .arg("--check")
        .write_stdin(web().to_string())
        .assert()
        .code(0);
    assert!(s.untouched());
    s.env(&mut cmd())
        .write_stdin(web().to_string())
        .assert()
        .code(0);
    assert!(s.untouched());
    s.env(&mut cmd())
        .args(["--check", "--no-such-flag"])
        .write_stdin(web().to_string())
        .assert()
        .code(2);
    s.env(&mut cmd())
        .args(["--check", "--image", "app=/web:"])
        .write_stdin(web().to_string())
        .assert()
        .code(2);
    assert!(s.untouched());
}

#[test]
fn a_summary_that_cannot_be_written_is_a_warning_only() {
    let dir = tempfile::tempdir().unwrap();
    let assert = cmd()
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", dir.path())
        .arg("--check")
        .write_stdin(web().to_string())
        .assert()
        .code(0);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(
        stderr.contains("::warning title=taskdef-clean::$GITHUB_STEP_SUMMARY: cannot open "),
        "{stderr}"
    );
}
