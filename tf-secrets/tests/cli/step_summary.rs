//! Under GitHub Actions: names, kinds, sizes and what became of each value, appended to
//! `$GITHUB_STEP_SUMMARY`; never a value, nor a message from GitHub.

use test_support::step_summary::StepSummary;

use crate::common::{assert_no_secret, fixture, string, tool};
use crate::fake_github::{FakeGithub, TOKEN};
use test_support::http::Reply;

fn under_actions(s: &StepSummary) -> assert_cmd::Command {
    let mut cmd = tool();
    s.env(&mut cmd).arg("-f").arg(fixture("outputs"));
    cmd
}

#[test]
fn a_format_run_reports_names_and_sizes_only() {
    let s = StepSummary::new();
    let out = under_actions(&s)
        .args([
            "--format",
            "github-env",
            "DB_PASSWORD=db_password",
            "TLS_KEY=tls_private_key",
        ])
        .assert()
        .success()
        .get_output()
        .clone();
    assert!(!out.stdout.is_empty());
    let md = s.report();
    let password = string("outputs", "db_password").len();
    let key = string("outputs", "tls_private_key").len();
    assert_eq!(
        md,
        format!(
            "## tf-secrets: 2 values printed with `--format github-env`\n\n\
             | Name | Kind | Size | Sensitive | Status |\n|---|---|---|---|---|\n\
             | `DB_PASSWORD` | value | {password} B | yes | printed |\n\
             | `TLS_KEY` | value | {key} B | yes | printed |\n\n"
        )
    );
    assert_no_secret("the step summary", md.as_bytes());
}

#[test]
fn writes_to_github_report_each_outcome_without_githubs_messages() {
    let fake = FakeGithub::start();
    fake.script(
        "PUT",
        "secrets/SHELL_CHARS",
        Reply::json(
            422,
            &serde_json::json!({"message": "Validation Failed <script>", "errors": []}),
        ),
        1,
    );
    let s = StepSummary::new();
    under_actions(&s)
        .env("GITHUB_API_URL", fake.url())
        .env("GH_TOKEN", TOKEN)
        .args([
            "--to-github",
            "octo/app",
            "DB_PASSWORD=db_password",
            "SHELL_CHARS=shell_chars",
        ])
        .assert()
        .code(1);
    let md = s.report();
    assert!(
        md.starts_with(
            "## tf-secrets: failed: 1 of 2 not set in repository octo/app\n\n\
             | Name | Kind | Size | Sensitive | Status |\n|---|---|---|---|---|\n\
             | `DB_PASSWORD` | secret | "
        ),
        "{md}"
    );
    assert!(md.contains("| `SHELL_CHARS` | secret | "), "{md}");
    assert!(md.ends_with(" | no | **failed** |\n\n"), "{md}");
    assert!(!md.contains("Validation"), "{md}");
    assert!(!md.contains(TOKEN), "{md}");
    assert!(!md.contains(&string("outputs", "shell_chars")), "{md}");
    assert_no_secret("the step summary", md.as_bytes());
    // One report: the error that follows adds none.
    assert_eq!(md.matches("## tf-secrets").count(), 1, "{md}");
}

#[test]
fn hostile_names_are_escaped_and_dry_runs_say_so() {
    let s = StepSummary::new();
    under_actions(&s)
        .args([
            "--dry-run",
            "--to-github",
            "octo/app",
            "--environment",
            "a|b <script>alert(1)</script> ```x``` @team",
            "SHELL_CHARS=shell_chars",
        ])
        .assert()
        .success();
    let md = s.report();
    assert!(
        md.starts_with(
            "## tf-secrets: dry run, nothing written: would set 1 secret in environment \
             a\\|b &lt;script&gt;alert(1)&lt;/script&gt; \\`\\`\\`x\\`\\`\\` \\@<!-- -->team of octo/app\n\n"
        ),
        "{md}"
    );
    assert!(md.contains("| planned |\n"), "{md}");
    assert!(!md.contains(&string("outputs", "shell_chars")), "{md}");
}

#[test]
fn a_failure_is_named_without_its_message() {
    let s = StepSummary::new();
    tool()
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &s.path)
        .args(["--format", "env", "X=.nope | error(\"<b>boom</b>\")"])
        .write_stdin(r#"{"a": {"value": "v", "sensitive": true}}"#)
        .assert()
        .code(1);
    assert_eq!(
        s.report(),
        "## tf-secrets: failed (exit 1)\n\nThe reason is in the step's log: messages are not \
         copied into the summary, they could quote a value.\n\n"
    );
}

#[test]
fn nothing_without_github_actions_nor_for_usage_errors() {
    let s = StepSummary::new();
    tool()
        .env("GITHUB_STEP_SUMMARY", &s.path)
        .arg("-f")
        .arg(fixture("outputs"))
        .args(["--format", "names", "DB_PASSWORD=db_password"])
        .assert()
        .success();
    assert!(s.untouched());
    under_actions(&s)
        .args(["--format", "names", "--no-such-flag"])
        .assert()
        .code(2);
    under_actions(&s)
        .args(["--format", "names", "X=.a | ("])
        .assert()
        .code(2);
    assert!(s.untouched());
}
