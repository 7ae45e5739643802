//! Help, generated files and usage errors: no AWS call is made, nothing reaches stdout.

use assert_cmd::cargo::cargo_bin_cmd;
use predicates::prelude::*;
use test_support::CommandExt as _;

fn cmd() -> assert_cmd::Command {
    let mut cmd = cargo_bin_cmd!("ecs-run-wait");
    cmd.scrub_env();
    cmd
}

#[test]
fn readme_has_the_exit_code_table_of_help() {
    let out = cmd()
        .arg("--help")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let help = String::from_utf8(out).unwrap();
    let section = test_support::docs::assert_readme_has_exit_status(
        env!("CARGO_MANIFEST_DIR"),
        "ecs-run-wait",
        &help,
    );
    assert!(section.contains("  124  --timeout expired"));
}

#[test]
fn generates_man_page_and_completions() {
    cmd()
        .args(["--generate", "man"])
        .assert()
        .success()
        .stdout(predicate::str::contains(".TH ecs-run-wait"))
        .stdout(predicate::str::contains("network\\-from\\-service"));
    cmd()
        .args(["--generate", "complete-bash"])
        .assert()
        .success()
        .stdout(predicate::str::contains("--task-definition"));
}

#[test]
fn usage_errors_say_what_is_wrong_and_print_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("no/such/dir/summary.json");
    let base = ["--cluster", "c", "--task-definition", "t"];
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec![], "--cluster <CLUSTER>"),
        (
            vec!["--client-token".into(), "x".repeat(65)],
            "--client-token: must be 1 to 64 characters, got 65",
        ),
        (
            vec!["--command".into(), r#"["sh", 1]"#.into()],
            "--command: not a JSON array of strings",
        ),
        (
            vec!["--command".into(), "echo 'open".into()],
            "--command: missing closing quote",
        ),
        (
            vec!["--command".into(), "x".into(), "--".into(), "y".into()],
            "cannot be used with",
        ),
        (
            vec!["--env".into(), "ECS_RUN_WAIT_TEST_UNSET".into()],
            "--env ECS_RUN_WAIT_TEST_UNSET: ECS_RUN_WAIT_TEST_UNSET is not set",
        ),
        (vec!["--tag".into(), "novalue".into()], "expected KEY=VALUE"),
        (
            vec!["--capacity-provider".into(), "FARGATE:heavy".into()],
            "WEIGHT must be a number",
        ),
        (
            vec![
                "--launch-type".into(),
                "FARGATE".into(),
                "--capacity-provider".into(),
                "FARGATE".into(),
            ],
            "cannot be used with",
        ),
        (vec!["--poll".into(), "0s".into()], "must be more than zero"),
        (
            vec!["--overrides".into(), "{\"containerOverrides\": [".into()],
            "--overrides: not valid JSON: EOF while parsing a list at line 1 column 24",
        ),
        (
            vec!["--overrides".into(), "@/no/such/file.json".into()],
            "--overrides: cannot read /no/such/file.json",
        ),
        (
            vec!["--summary".into(), summary.display().to_string()],
            "does not exist",
        ),
    ];
    for (extra, expected) in cases {
        let args: Vec<String> = if extra.is_empty() {
            vec![]
        } else {
            base.iter()
                .map(|s| (*s).to_owned())
                .chain(extra.clone())
                .collect()
        };
        let assert = cmd().args(&args).assert().code(2).stdout("");
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
        assert!(
            stderr.contains(expected),
            "{args:?}: expected {expected:?} in:\n{stderr}"
        );
    }
    assert!(!summary.exists());
}

#[test]
fn attach_references_are_checked() {
    let cases = [
        (
            vec!["--attach", "arn:aws:ecs:us-east-2:1:service/c/web"],
            "--attach: \"arn:aws:ecs:us-east-2:1:service/c/web\" is not an ECS task ARN",
        ),
        (
            vec!["--attach", "0123abcd"],
            "give the task's full ARN, or --cluster",
        ),
        (
            vec![
                "--attach",
                "arn:aws:ecs:us-east-2:1:task/prod/0123",
                "--cluster",
                "staging",
            ],
            "--cluster staging does not match the task's cluster prod",
        ),
        (
            vec![
                "--attach",
                "arn:aws:ecs:us-east-2:1:task/prod/0123",
                "--region",
                "eu-west-1",
            ],
            "--region eu-west-1 does not match the task's region us-east-2",
        ),
        (
            vec![
                "--attach",
                "arn:aws:ecs:us-east-2:1:task/prod/0123",
                "--task-definition",
                "t",
            ],
            "cannot be used with",
        ),
    ];
    for (args, expected) in cases {
        cmd()
            .args(&args)
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains(expected));
    }
}

#[test]
fn client_tokens_are_printable_ascii_without_spaces() {
    for (token, bad) in [("run 42", "' '"), ("run-42-ü", "'ü'"), ("run\t42", "'\\t'")] {
        cmd()
            .args(["--cluster", "c", "--task-definition", "t"])
            .args(["--client-token", token])
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains(format!(
                "--client-token: {bad} is not allowed: ECS accepts printable ASCII characters \
                 without spaces (codes 33 to 126)"
            )));
    }
    // every character from '!' to '~' is accepted: the next check is the region's
    cmd()
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .args(["--cluster", "c", "--task-definition", "t"])
        .args(["--client-token", "migrate-123-1_!~{}"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no AWS region: pass --region"));
}

#[test]
fn attach_takes_no_start_options() {
    for flag in [["--started-by", "ci"], ["--start-retries", "5"]] {
        cmd()
            .args(["--attach", "arn:aws:ecs:us-east-2:1:task/prod/0123"])
            .args(flag)
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains("cannot be used with"));
    }
}

#[test]
fn no_region_is_a_usage_error() {
    cmd()
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .args(["--cluster", "c", "--task-definition", "t"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("no AWS region: pass --region"));
}

/// The commands of the EXAMPLES section, joined over their trailing backslashes; panics on a
/// line that is neither the start of a command nor the continuation of one (a wrapped line).
fn example_commands(help: &str) -> Vec<String> {
    let start = help.find("\nEXAMPLES\n").expect("an EXAMPLES section") + "\nEXAMPLES\n".len();
    let section = &help[start..help[start..].find("\n\n").map_or(help.len(), |e| start + e)];
    let mut commands: Vec<String> = Vec::new();
    let mut open = false;
    for line in section.lines() {
        let text = line.trim_start();
        if open {
            assert!(
                line.starts_with("      "),
                "not a continuation: {line:?} in\n{section}"
            );
        } else {
            assert!(
                line.starts_with("  ")
                    && (text.starts_with("ecs-run-wait ")
                        || text.starts_with("arn=$(ecs-run-wait ")),
                "a line that is not a command (wrapped?): {line:?} in\n{section}"
            );
            commands.push(String::new());
        }
        let last = commands.last_mut().expect("a command");
        open = text.ends_with(" \\");
        last.push_str(text.strip_suffix('\\').unwrap_or(text));
    }
    assert!(!open, "the last command goes on after its end:\n{section}");
    commands
}

#[test]
fn help_examples_are_copy_pasteable_at_every_width() {
    for columns in [None, Some("80"), Some("100"), Some("200")] {
        for flag in ["-h", "--help"] {
            let mut c = cmd();
            if let Some(columns) = columns {
                c.env("COLUMNS", columns);
            }
            let out = c
                .arg(flag)
                .assert()
                .success()
                .stderr("")
                .get_output()
                .stdout
                .clone();
            let help = String::from_utf8(out).unwrap();
            let commands = example_commands(&help);
            assert_eq!(commands.len(), 4, "{columns:?} {flag}: {commands:?}");
            for command in &commands {
                let words = shell_words::split(command)
                    .unwrap_or_else(|e| panic!("{columns:?} {flag}: {command:?}: {e}"));
                assert!(
                    words.iter().all(|w| !w.is_empty() && w != "\\"),
                    "{command:?}"
                );
            }
            assert_eq!(commands[3], "ecs-run-wait --attach \"$arn\"");
        }
    }
}

#[test]
fn env_forms_are_checked_before_anything_runs() {
    // The message names the flag and the part before `=`, never the value (it may be a
    // secret): clap's `invalid value '...'` would quote it whole.
    for (arg, expected) in [
        (
            ":A=S3cretV",
            "--env :A=…: the container name before ':' is empty",
        ),
        ("app:=S3cretV", "--env app:=…: the variable name is empty"),
        ("=S3cretV", "--env =…: the variable name is empty"),
        (
            "a:b:C=S3cretV",
            "--env a:…: the variable name after 'a:' holds a ':'",
        ),
        (
            "app:TOKEN:S3cretV",
            "--env app:…: the variable name after 'app:' holds a ':'",
        ),
    ] {
        let assert = cmd()
            .args(["--cluster", "c", "--task-definition", "t", "--env", arg])
            .assert()
            .code(2)
            .stdout("");
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
        assert!(
            stderr.starts_with(&format!("ecs-run-wait: error: {expected}")),
            "{arg}: {stderr}"
        );
        assert!(
            stderr.contains("(expected CONTAINER:NAME=VALUE, CONTAINER:NAME, NAME=VALUE or NAME)"),
            "{arg}: {stderr}"
        );
        assert!(!stderr.contains("S3cretV"), "{arg}: {stderr}");
    }
    cmd()
        .args([
            "--cluster",
            "c",
            "--task-definition",
            "t",
            "--env",
            "app:NOT_SET_HERE",
        ])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(
            "--env app:NOT_SET_HERE: NOT_SET_HERE is not set in ecs-run-wait's environment",
        ));
}
