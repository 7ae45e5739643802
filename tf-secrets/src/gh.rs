//! `--via-gh`: the same writes through the GitHub CLI, one `gh secret set NAME ...` (or
//! `gh variable set`) per value with the value on stdin, never in argv. gh trims trailing
//! CR/LF from stdin; `dest::check` refuses such values unless `--allow-trim`.

use std::ffi::OsString;
use std::process::Stdio;

use tokio::io::AsyncWriteExt as _;

use cli_support::redact::Redactor;

use crate::dest::{Kind, Scope};

/// The gh program (`gh` on PATH).
#[derive(Debug, Clone)]
pub struct Gh {
    program: OsString,
    /// Applied to gh's stderr where it is read: gh may quote what it was given.
    redactor: Redactor,
}

impl Gh {
    /// `gh` on PATH; its messages go through `redactor`.
    pub fn new(redactor: Redactor) -> Gh {
        Gh {
            program: OsString::from("gh"),
            redactor,
        }
    }
}

fn subcommand(kind: Kind) -> &'static str {
    match kind {
        Kind::Secret => "secret",
        Kind::Variable => "variable",
    }
}

/// The scope as gh's flags; `listing` leaves out what `gh ... list` does not take.
pub fn scope_args(scope: &Scope, listing: bool) -> Vec<String> {
    match scope {
        Scope::Repo { owner, repo } => vec!["--repo".into(), format!("{owner}/{repo}")],
        Scope::Env { owner, repo, env } => vec![
            "--repo".into(),
            format!("{owner}/{repo}"),
            "--env".into(),
            env.clone(),
        ],
        Scope::Org {
            org,
            visibility,
            repos,
        } => {
            let mut args = vec!["--org".into(), org.clone()];
            if !listing {
                args.extend(["--visibility".into(), visibility.to_string()]);
                if !repos.is_empty() {
                    args.extend(["--repos".into(), repos.join(",")]);
                }
            }
            args
        }
    }
}

impl Gh {
    /// Run gh to its end. Dropping the future (a second signal abandons a write) kills gh.
    async fn run(&self, args: &[String], stdin: Option<&str>) -> Result<(), String> {
        let mut child = tokio::process::Command::new(&self.program)
            .args(args)
            .env("GH_PROMPT_DISABLED", "1")
            .env("NO_COLOR", "1")
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| {
                if e.kind() == std::io::ErrorKind::NotFound {
                    "cannot run gh: not found on PATH (install the GitHub CLI, or drop --via-gh \
                     to use the REST API)"
                        .to_owned()
                } else {
                    format!("cannot run gh: {e}")
                }
            })?;
        // Written alongside the wait so a gh that talks first cannot dead-lock us.
        let pipe = child.stdin.take();
        let write = async move {
            if let (Some(value), Some(mut pipe)) = (stdin, pipe) {
                // gh may exit without reading everything; its exit status says what happened.
                let _ = pipe.write_all(value.as_bytes()).await;
            }
        };
        let (output, ()) = tokio::join!(child.wait_with_output(), write);
        let output = output.map_err(|e| format!("gh did not finish: {e}"))?;
        if output.status.success() {
            return Ok(());
        }
        let stderr = self
            .redactor
            .redact(&String::from_utf8_lossy(&output.stderr));
        // One line, cut, control characters escaped, as GitHub's own answers.
        let stderr = crate::github::excerpt(&stderr);
        Err(match output.status.code() {
            Some(code) => format!("gh exited with {code}: {stderr}"),
            None => format!("gh was killed: {stderr}"),
        })
    }

    /// `gh secret list` (and `gh variable list`) for the scope: fails, before any write,
    /// when gh is missing, not logged in or cannot see the repository.
    pub async fn prepare(
        &self,
        scope: &Scope,
        secrets: bool,
        variables: bool,
    ) -> Result<(), String> {
        for (kind, wanted) in [(Kind::Secret, secrets), (Kind::Variable, variables)] {
            if wanted {
                let mut args = vec![subcommand(kind).to_owned(), "list".to_owned()];
                args.extend(scope_args(scope, true));
                self.run(&args, None).await.map_err(|e| {
                    format!(
                        "cannot list the {}s of {}: {e}",
                        kind.as_str(),
                        scope.describe()
                    )
                })?;
            }
        }
        Ok(())
    }

    /// `gh secret set NAME <scope>` with the value on stdin.
    pub async fn set(
        &self,
        scope: &Scope,
        kind: Kind,
        name: &str,
        value: &str,
    ) -> Result<(), String> {
        let mut args = vec![
            subcommand(kind).to_owned(),
            "set".to_owned(),
            name.to_owned(),
        ];
        args.extend(scope_args(scope, false));
        self.run(&args, Some(value)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dest::Visibility;

    #[test]
    fn scope_flags() {
        let env = Scope::Env {
            owner: "o".into(),
            repo: "r".into(),
            env: "prod".into(),
        };
        assert_eq!(scope_args(&env, false), ["--repo", "o/r", "--env", "prod"]);
        let org = Scope::Org {
            org: "acme".into(),
            visibility: Visibility::Selected,
            repos: vec!["a".into(), "b".into()],
        };
        assert_eq!(
            scope_args(&org, false),
            [
                "--org",
                "acme",
                "--visibility",
                "selected",
                "--repos",
                "a,b"
            ]
        );
        assert_eq!(scope_args(&org, true), ["--org", "acme"]);
    }

    #[tokio::test]
    async fn what_gh_says_is_redacted_where_it_is_read() {
        let mut redactor = Redactor::default();
        redactor.add("s3cret-value");
        let gh = Gh {
            program: "sh".into(),
            redactor,
        };
        // a "gh" that quotes its stdin on stderr
        let args = [
            "-c".to_owned(),
            "exec 1>&2; printf 'bad: '; cat; exit 3".to_owned(),
        ];
        let err = gh.run(&args, Some("s3cret-value")).await.unwrap_err();
        assert_eq!(err, "gh exited with 3: bad: ***");
        let long = format!("s3cret-value\n\u{1b}[1m {}", "x".repeat(300));
        let err = gh.run(&args, Some(&long)).await.unwrap_err();
        assert_eq!(
            err,
            format!(
                "gh exited with 3: bad: *** \\u{{1b}}[1m {}…",
                "x".repeat(200 - "bad: *** \u{1b}[1m ".chars().count())
            )
        );
    }

    #[tokio::test]
    async fn a_missing_gh_says_so() {
        let gh = Gh {
            program: "/nonexistent/gh".into(),
            redactor: Redactor::default(),
        };
        let repo = Scope::Repo {
            owner: "o".into(),
            repo: "r".into(),
        };
        assert!(
            gh.prepare(&repo, true, false)
                .await
                .unwrap_err()
                .contains("not found on PATH")
        );
    }
}
