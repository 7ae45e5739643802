//! `--format env|github-env|json|names`: what a shell or the Actions runner reads back is
//! the exact value; sensitive values stay off terminals; masks come first under Actions.

use std::fmt::Write as _;
use std::process::Command;

use test_support::CommandExt as _;

use crate::common::{assert_no_secret, fixture, stderr_of, stdout_of, string, tool};

const VALUES: &[(&str, &str)] = &[
    ("DB_PASSWORD", "db_password"),
    ("TLS_PRIVATE_KEY", "tls_private_key"),
    ("SHELL_CHARS", "shell_chars"),
    ("CRLF", "crlf_value"),
];

fn selectors() -> Vec<String> {
    VALUES.iter().map(|(n, o)| format!("{n}={o}")).collect()
}

fn render(format: &str) -> Vec<u8> {
    tool()
        .arg("-f")
        .arg(fixture("outputs"))
        .args(["--format", format])
        .args(selectors())
        .assert()
        .success()
        .stderr("")
        .get_output()
        .stdout
        .clone()
}

#[test]
fn env_format_reads_back_exactly_in_a_shell() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("values.env");
    std::fs::write(&file, render("env")).unwrap();
    for (name, output) in VALUES {
        let out = Command::new("sh")
            .scrub_env()
            .env("HOME", "/should-not-expand")
            .arg("-c")
            .arg(format!(". \"$1\" && printf %s \"${name}\""))
            .arg("sh")
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            out.stdout,
            string("outputs", output).into_bytes(),
            "{name} as the shell reads it"
        );
    }
}

/// The runner's parser of `$GITHUB_ENV` / `$GITHUB_OUTPUT` (actions/runner
/// FileCommandManager on Linux): `NAME<<DELIM`, lines split on LF, the LF before the closing
/// delimiter is not part of the value.
fn parse_github_env(text: &str) -> Vec<(String, String)> {
    let mut values = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let (line, after) = rest.split_once('\n').unwrap_or((rest, ""));
        let (name, delimiter) = line.split_once("<<").expect("heredoc form");
        let end = format!("\n{delimiter}\n");
        let (value, tail) = if let Some(v) = after.strip_prefix(&format!("{delimiter}\n")) {
            ("", v)
        } else {
            let at = after.find(&end).expect("closing delimiter");
            (&after[..at], &after[at + end.len()..])
        };
        values.push((name.to_owned(), value.to_owned()));
        rest = tail;
    }
    values
}

#[test]
fn github_env_format_is_parsed_back_exactly_by_the_runner_rules() {
    let first = String::from_utf8(render("github-env")).unwrap();
    let parsed = parse_github_env(&first);
    let expected: Vec<(String, String)> = VALUES
        .iter()
        .map(|(n, o)| ((*n).to_owned(), string("outputs", o)))
        .collect();
    assert_eq!(parsed, expected);
    // a fresh random delimiter on every run
    let second = String::from_utf8(render("github-env")).unwrap();
    assert_ne!(first.lines().next(), second.lines().next());
    assert!(first.starts_with("DB_PASSWORD<<ghadelimiter_"));
}

#[test]
fn json_and_names_formats() {
    let json: serde_json::Value = serde_json::from_slice(&render("json")).unwrap();
    for (name, output) in VALUES {
        assert_eq!(json[name].as_str().unwrap(), string("outputs", output));
    }
    let names = String::from_utf8(render("names")).unwrap();
    assert_eq!(
        names,
        "DB_PASSWORD\t22\nTLS_PRIVATE_KEY\t119\nSHELL_CHARS\t66\nCRLF\t10\n"
    );
}

#[test]
fn under_github_actions_masks_go_to_stderr_before_the_data() {
    let out = tool()
        .env("GITHUB_ACTIONS", "true")
        .arg("-f")
        .arg(fixture("outputs"))
        .args([
            "--format",
            "github-env",
            "TLS_PRIVATE_KEY=tls_private_key",
            "DB_HOST=db-host",
        ])
        .assert()
        .success()
        .get_output()
        .clone();
    let key = string("outputs", "tls_private_key");
    let mut expected = String::new();
    for line in key.lines() {
        let _ = writeln!(expected, "::add-mask::{line}");
    }
    let escaped = serde_json::Value::String(key.clone()).to_string();
    let _ = writeln!(expected, "::add-mask::{}", &escaped[1..escaped.len() - 1]);
    assert_eq!(stderr_of(&out), expected);
    let stdout = stdout_of(&out);
    assert!(!stdout.contains("::add-mask::"));
    assert_eq!(
        parse_github_env(&stdout),
        [
            ("TLS_PRIVATE_KEY".to_owned(), key),
            ("DB_HOST".to_owned(), "db.internal".to_owned())
        ]
    );

    // nothing sensitive, no masks; and `names` never needs them
    for args in [
        ["--format", "env", "DB_HOST=db-host"],
        ["--format", "names", "TLS=tls_private_key"],
    ] {
        tool()
            .env("GITHUB_ACTIONS", "true")
            .arg("-f")
            .arg(fixture("outputs"))
            .args(args)
            .assert()
            .success()
            .stderr("");
    }
}

/// Runs the tool with stdout on a terminal (util-linux `script`); `None` when `script` is
/// missing (and not under CI, where that fails: see `test_support::require_tool`).
fn on_a_terminal(args: &[&str]) -> Option<std::process::Output> {
    let script = test_support::require_tool("script")?;
    let bin = assert_cmd::cargo::cargo_bin!("tf-secrets");
    let mut line = format!("'{}' -f '{}'", bin.display(), fixture("outputs").display());
    for a in args {
        let _ = write!(line, " '{a}'");
    }
    let out = Command::new(script)
        .scrub_env()
        .args(["-qec", &line, "/dev/null"])
        .output()
        .expect("script runs");
    Some(out)
}

#[test]
fn sensitive_values_need_reveal_on_a_terminal() {
    let Some(out) = on_a_terminal(&[
        "--format",
        "env",
        "DB_PASSWORD=db_password",
        "DB_HOST=db-host",
    ]) else {
        return;
    };
    assert_eq!(out.status.code(), Some(2));
    let screen = stdout_of(&out);
    assert!(
        screen.contains(
            "tf-secrets: error: refusing to print sensitive values (DB_PASSWORD) to a terminal: redirect stdout"
        ),
        "{screen}"
    );
    assert_no_secret("the terminal", screen.as_bytes());

    let out = on_a_terminal(&["--format", "env", "--reveal", "DB_PASSWORD=db_password"]).unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout_of(&out).contains("export DB_PASSWORD="));

    // names and plain values are fine on a terminal
    let out = on_a_terminal(&["--format", "names", "DB_PASSWORD=db_password"]).unwrap();
    assert_eq!(out.status.code(), Some(0));
    let out = on_a_terminal(&["--format", "env", "DB_HOST=db-host"]).unwrap();
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn dry_run_without_a_destination_lists_what_would_be_printed_and_says_so() {
    tool()
        .arg("-f")
        .arg(fixture("outputs"))
        .args([
            "--dry-run",
            "--format",
            "env",
            "DB_PASSWORD=db_password",
            "N=.big_number",
        ])
        .assert()
        .success()
        .stdout(
            "NAME         KIND   SENSITIVE   BYTES  SOURCE\n\
             DB_PASSWORD  value  yes            22  db_password\n\
             N            value  yes            23  .big_number\n",
        )
        .stderr(
            "tf-secrets: dry run: 2 values selected for --format env; the plan above is on \
             stdout, no value was printed\n",
        );
    tool()
        .arg("-f")
        .arg(fixture("outputs"))
        .args(["--dry-run", "DB_PASSWORD=db_password"])
        .assert()
        .success()
        .stderr(
            "tf-secrets: dry run: 1 value selected; the plan above is on stdout, no value was \
             printed\n",
        );
}

#[test]
fn a_closed_stdout_does_not_change_the_exit_code_or_show_a_value() {
    // The reader left before the values were written (`| head -0`): the exit code is the
    // tool's, nothing panics, and the failed write does not put a value on stderr.
    let mut child = Command::new(assert_cmd::cargo::cargo_bin!("tf-secrets"))
        .scrub_env()
        .arg("-f")
        .arg(fixture("outputs"))
        .args(["--format", "env"])
        .args(selectors())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_no_secret("stderr", &output.stderr);
}
