//! Usage: rejected values of --env and --secret are not echoed, -q/--quiet, the EXAMPLES of
//! --help and the man page (the README's).

use crate::{cmd, fixture_text, stderr_of};

#[test]
fn rejected_env_and_secret_values_are_not_echoed() {
    for (args, what) in [
        (
            ["--env", "a:=S3cretV"],
            "--env <NAME:KEY=VALUE>': expected NAME:KEY=VALUE (container name, variable name, value), e.g. app:LOG_LEVEL=debug; container \"a\": the KEY is empty",
        ),
        (
            ["--env", "S3cretV"],
            "--env <NAME:KEY=VALUE>': expected NAME:KEY=VALUE (container name, variable name, value), e.g. app:LOG_LEVEL=debug; there is no ':' after the container NAME",
        ),
        (
            ["--env", "a:S3cretV"],
            "--env <NAME:KEY=VALUE>': expected NAME:KEY=VALUE (container name, variable name, value), e.g. app:LOG_LEVEL=debug; container \"a\": there is no '=' after the KEY",
        ),
        (
            ["--secret", "a:S3cretV"],
            "--secret <NAME:KEY=ARN>': expected NAME:KEY=VALUE",
        ),
    ] {
        let assert = cmd().args(args).assert().code(2).stdout("");
        let err = stderr_of(&assert);
        assert!(
            err.starts_with(&format!(
                "taskdef-clean: error: invalid value '***' for '{what}"
            )),
            "{args:?}: {err}"
        );
        assert!(!err.contains("S3cretV"), "{args:?}: {err}");
    }
    let assert = cmd().arg("--env=a:=S3cretV").assert().code(2).stdout("");
    assert!(!stderr_of(&assert).contains("S3cretV"));
    // Other flags keep clap's message with the value (it helps).
    let assert = cmd().args(["--memory", "lots"]).assert().code(2);
    assert!(
        stderr_of(&assert).contains("invalid value 'lots' for '--memory <MIB>'"),
        "{}",
        stderr_of(&assert)
    );
}

#[test]
fn quiet_silences_status_lines_not_problems() {
    let web = fixture_text("web-register.json");
    for flag in ["-q", "--quiet"] {
        // A register-ready definition: nothing at all.
        cmd()
            .args(["--check", "--strict", flag])
            .write_stdin(web.clone())
            .assert()
            .success()
            .stdout("")
            .stderr("");
        cmd()
            .arg(flag)
            .write_stdin(web.clone())
            .assert()
            .success()
            .stderr("");
    }
    // Without -q, --check says so.
    cmd()
        .arg("--check")
        .write_stdin(web.clone())
        .assert()
        .success()
        .stderr("taskdef-clean: <stdin>: register-ready\n");
    // Warnings and errors still show; the summary lines do not.
    let mut unknown: serde_json::Value = serde_json::from_str(&web).unwrap();
    unknown["brandNewMember"] = serde_json::json!(1);
    let assert = cmd()
        .args(["--check", "-q"])
        .write_stdin(unknown.to_string())
        .assert()
        .success();
    let err = stderr_of(&assert);
    assert!(
        err.starts_with("taskdef-clean: warning: <stdin>: .brandNewMember: "),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    unknown["cpu"] = serde_json::json!(1);
    unknown["memory"] = serde_json::json!(1);
    let assert = cmd()
        .args(["--check", "--strict", "-q"])
        .write_stdin(unknown.to_string())
        .assert()
        .code(1)
        .stdout("");
    let err = stderr_of(&assert);
    assert_eq!(err.lines().count(), 3, "{err}");
    assert!(
        err.lines()
            .all(|l| l.starts_with("taskdef-clean: error: <stdin>: ")),
        "{err}"
    );
}

/// The commands of the EXAMPLES section of --help, continuations joined.
fn help_examples() -> Vec<String> {
    let assert = cmd().arg("--help").assert().success();
    let help = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    let start = help.find("\nEXAMPLES\n").expect("an EXAMPLES section") + "\nEXAMPLES\n".len();
    let end = start + help[start..].find("\n\n").expect("the end of EXAMPLES");
    for line in help[start..end].lines() {
        assert!(line.starts_with("  ") && line.len() <= 100, "{line:?}");
    }
    let lines: Vec<String> = help[start..end].lines().map(str::to_owned).collect();
    test_support::docs::shell_commands(&lines)
}

#[test]
fn help_shows_the_readme_examples() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let readme_examples: Vec<String> = test_support::docs::fenced(&readme, "sh")
        .iter()
        .flat_map(|b| test_support::docs::shell_commands(b))
        .collect();
    assert_eq!(help_examples(), readme_examples);
}

#[test]
fn the_man_page_has_examples_and_exit_status_sections() {
    let out = cmd().args(["--generate", "man"]).assert().success();
    let page = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(page.contains("\n.SH EXAMPLES\n.nf\n"), "{page}");
    assert!(page.contains("\n.SH EXIT STATUS\n.nf\n"), "{page}");
    assert!(
        page.contains("taskdef\\-clean \\-\\-check \\-\\-strict \\-q \\-f staging.json\n"),
        "{page}"
    );
    assert!(page.contains("  143  stopped by SIGTERM"), "{page}");
}
