//! `--via-gh` with a stand-in `gh` on PATH that records its argv and stdin.

use std::os::unix::fs::PermissionsExt as _;

use predicates::prelude::*;

use crate::common::{fixture, stderr_of, string, tool};

/// A directory with a stand-in `gh` (first on PATH) and the calls it recorded.
pub struct StandIn {
    dir: tempfile::TempDir,
}

impl StandIn {
    /// `fail_on`: the secret name for which `gh ... set` fails, echoing the value it read
    /// (as a careless tool might) to stderr.
    pub fn new(fail_on: &str) -> StandIn {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("calls")).unwrap();
        let script = format!(
            r#"#!/bin/sh
calls="{calls}"
n=$(ls "$calls" | grep -c argv)
printf '%s\n' "$@" > "$calls/$n.argv"
cat > "$calls/$n.stdin"
printf '%s' "$GH_PROMPT_DISABLED" > "$calls/$n.env"
if [ "$2" = set ] && [ "$3" = "{fail_on}" ]; then
  printf 'HTTP 422: could not set %s to ' "$3" >&2
  cat "$calls/$n.stdin" >&2
  exit 1
fi
if [ "$2" = set ]; then echo "✓ Set Actions secret $3"; fi
exit 0
"#,
            calls = dir.path().join("calls").display()
        );
        let gh = dir.path().join("gh");
        std::fs::write(&gh, script).unwrap();
        std::fs::set_permissions(&gh, std::fs::Permissions::from_mode(0o755)).unwrap();
        StandIn { dir }
    }

    pub fn path_env(&self) -> String {
        format!(
            "{}:{}",
            self.dir.path().display(),
            std::env::var("PATH").unwrap_or_default()
        )
    }

    /// Every call: (argv, stdin), in order.
    pub fn calls(&self) -> Vec<(Vec<String>, Vec<u8>)> {
        let calls = self.dir.path().join("calls");
        let n = std::fs::read_dir(&calls)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|x| x == "argv")
            })
            .count();
        (0..n)
            .map(|i| {
                let read = |ext: &str| std::fs::read(calls.join(format!("{i}.{ext}"))).unwrap();
                let argv = String::from_utf8(read("argv")).unwrap();
                (argv.lines().map(str::to_owned).collect(), read("stdin"))
            })
            .collect()
    }

    fn env_seen(&self, i: usize) -> String {
        std::fs::read_to_string(self.dir.path().join(format!("calls/{i}.env"))).unwrap()
    }
}

fn with(gh: &StandIn) -> assert_cmd::Command {
    let mut cmd = tool();
    cmd.env("PATH", gh.path_env())
        .arg("-f")
        .arg(fixture("outputs"));
    cmd
}

fn argv(words: &[&str]) -> Vec<String> {
    words.iter().map(|w| (*w).to_owned()).collect()
}

#[test]
fn values_go_on_stdin_never_in_argv() {
    let gh = StandIn::new("-");
    with(&gh)
        .args(["--to-github", "octo/app", "--via-gh"])
        .args([
            "DB_PASSWORD=db_password",
            "SHELL_CHARS=shell_chars",
            "BIG=big_number",
        ])
        .assert()
        .success()
        .stdout("")
        .stderr(
            predicate::str::contains("set secret DB_PASSWORD").and(predicate::str::contains(
                "set 3 secrets in repository octo/app",
            )),
        );
    let calls = gh.calls();
    assert_eq!(
        calls,
        [
            (argv(&["secret", "list", "--repo", "octo/app"]), Vec::new()),
            (
                argv(&["secret", "set", "DB_PASSWORD", "--repo", "octo/app"]),
                string("outputs", "db_password").into_bytes()
            ),
            (
                argv(&["secret", "set", "SHELL_CHARS", "--repo", "octo/app"]),
                string("outputs", "shell_chars").into_bytes()
            ),
            (
                argv(&["secret", "set", "BIG", "--repo", "octo/app"]),
                b"12345678901234567890123".to_vec()
            ),
        ]
    );
    for (args, _) in &calls {
        crate::common::assert_no_secret("gh's argv", args.join(" ").as_bytes());
    }
    assert_eq!(gh.env_seen(1), "1", "gh runs with GH_PROMPT_DISABLED=1");
}

#[test]
fn environment_organization_and_variables_flags() {
    let gh = StandIn::new("-");
    with(&gh)
        .args([
            "--to-github",
            "octo/app",
            "--environment",
            "prod",
            "--via-gh",
            "--variables",
        ])
        .args(["DB_PASSWORD=db_password", "DB_HOST=db-host"])
        .assert()
        .success();
    let calls: Vec<Vec<String>> = gh.calls().into_iter().map(|(a, _)| a).collect();
    assert_eq!(
        calls,
        [
            argv(&["secret", "list", "--repo", "octo/app", "--env", "prod"]),
            argv(&["variable", "list", "--repo", "octo/app", "--env", "prod"]),
            argv(&[
                "secret",
                "set",
                "DB_PASSWORD",
                "--repo",
                "octo/app",
                "--env",
                "prod"
            ]),
            argv(&[
                "variable", "set", "DB_HOST", "--repo", "octo/app", "--env", "prod"
            ]),
        ]
    );

    let gh = StandIn::new("-");
    with(&gh)
        .args([
            "--org",
            "acme",
            "--repos",
            "web,api",
            "--via-gh",
            "API_TOKEN=api_token",
        ])
        .assert()
        .success();
    let calls: Vec<Vec<String>> = gh.calls().into_iter().map(|(a, _)| a).collect();
    assert_eq!(
        calls,
        [
            argv(&["secret", "list", "--org", "acme"]),
            argv(&[
                "secret",
                "set",
                "API_TOKEN",
                "--org",
                "acme",
                "--visibility",
                "selected",
                "--repos",
                "web,api"
            ]),
        ]
    );
}

#[test]
fn trailing_newlines_are_refused_unless_trimming_is_allowed() {
    let gh = StandIn::new("-");
    with(&gh)
        .args(["--to-github", "octo/app", "--via-gh", "TLS_PRIVATE_KEY=tls_private_key", "CRLF=crlf_value"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(
            "tf-secrets: error: 2 problems; nothing was written\n  \
             TLS_PRIVATE_KEY: the value ends with CR/LF, which gh trims from stdin (1 byte would be lost); drop --via-gh (the REST API keeps every byte) or pass --allow-trim\n  \
             CRLF: the value ends with CR/LF, which gh trims from stdin (2 bytes would be lost); drop --via-gh (the REST API keeps every byte) or pass --allow-trim\n",
        );
    assert!(gh.calls().is_empty());

    with(&gh)
        .args([
            "--to-github",
            "octo/app",
            "--via-gh",
            "--allow-trim",
            "TLS_PRIVATE_KEY=tls_private_key",
        ])
        .assert()
        .success();
    assert_eq!(
        gh.calls()[1].1,
        string("outputs", "tls_private_key").into_bytes(),
        "the whole value is sent; gh does the trimming"
    );
}

#[test]
fn a_failing_gh_is_reported_per_secret_without_the_value() {
    let gh = StandIn::new("DB_PASSWORD");
    let out = with(&gh)
        .args([
            "--to-github",
            "octo/app",
            "--via-gh",
            "API_TOKEN=api_token",
            "DB_PASSWORD=db_password",
            "BIG=big_number",
        ])
        .assert()
        .code(1)
        .stdout("")
        .get_output()
        .clone();
    let stderr = stderr_of(&out);
    assert!(
        stderr.contains(
            "tf-secrets: error: secret DB_PASSWORD: not set: gh exited with 1: HTTP 422: could not set DB_PASSWORD to ***\n"
        ),
        "{stderr}"
    );
    assert!(
        stderr.ends_with("1 of 3 not set in repository octo/app: failed: DB_PASSWORD; 2 set; a re-run sets them all again\n"),
        "{stderr}"
    );
    crate::common::assert_no_secret("stderr", stderr.as_bytes());
    assert_eq!(gh.calls().len(), 4, "a gh failure does not stop the others");
}

#[test]
fn a_missing_gh_is_a_clear_error() {
    let empty = tempfile::tempdir().unwrap();
    tool()
        .env("PATH", empty.path())
        .arg("-f")
        .arg(fixture("outputs"))
        .args(["--to-github", "octo/app", "--via-gh", "DB_PASSWORD=db_password"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(
            "tf-secrets: error: nothing was written: cannot list the secrets of repository octo/app: \
             cannot run gh: not found on PATH (install the GitHub CLI, or drop --via-gh to use the REST API)\n",
        );
}
