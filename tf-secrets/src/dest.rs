//! Where values go on GitHub (repository, environment, organization), as secrets or
//! variables, and GitHub's limits, checked before anything is written.

use std::fmt;

use crate::select::Item;

/// GitHub's limit on one secret or variable value: 48 KB.
pub const MAX_VALUE_BYTES: usize = 48 * 1024;

/// Which repositories of an organization see its secrets and variables (`--visibility`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Every repository of the organization.
    All,
    /// Private and internal repositories.
    Private,
    /// The repositories named by `--repos`.
    Selected,
}

/// GitHub's word for it (`all`, `private`, `selected`), which is also the flag's value.
impl fmt::Display for Visibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Visibility::All => "all",
            Visibility::Private => "private",
            Visibility::Selected => "selected",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Repo {
        owner: String,
        repo: String,
    },
    Env {
        owner: String,
        repo: String,
        env: String,
    },
    Org {
        org: String,
        visibility: Visibility,
        /// `NAME` (in the organization) or `OWNER/NAME`.
        repos: Vec<String>,
    },
}

fn valid_part(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// `OWNER/REPO`, or a message saying what is wrong with it.
pub fn parse_repo(text: &str) -> Result<(String, String), String> {
    match text.split_once('/') {
        Some((owner, repo)) if valid_part(owner) && valid_part(repo) => {
            Ok((owner.to_owned(), repo.to_owned()))
        }
        _ => Err(format!(
            "`{text}` is not OWNER/REPO (letters, digits, '-', '_' and '.' on each side of one '/')"
        )),
    }
}

impl Scope {
    /// The scope the flags name, if any; `Err` is a usage message. The one check of which
    /// flags go with --to-github and which with --org (clap's `requires` would answer
    /// differently depending on the other flags).
    pub fn from_args(
        to_github: Option<&str>,
        environment: Option<&str>,
        org: Option<&str>,
        visibility: Option<Visibility>,
        repos: &[String],
    ) -> Result<Option<Scope>, String> {
        if (to_github.is_some() || org.is_none()) && (visibility.is_some() || !repos.is_empty()) {
            return Err("--visibility and --repos go with --org ORG".to_owned());
        }
        if let Some(target) = to_github {
            let (owner, repo) = parse_repo(target).map_err(|e| format!("--to-github: {e}"))?;
            return Ok(Some(match environment {
                None => Scope::Repo { owner, repo },
                Some(env) if env.trim().is_empty() => {
                    return Err("--environment: the name is empty".to_owned());
                }
                Some(env) => Scope::Env {
                    owner,
                    repo,
                    env: env.to_owned(),
                },
            }));
        }
        if environment.is_some() {
            return Err("--environment goes with --to-github OWNER/REPO".to_owned());
        }
        let Some(org) = org else {
            return Ok(None);
        };
        if !valid_part(org) {
            return Err(format!("--org: `{org}` is not an organization name"));
        }
        for r in repos {
            let ok = if r.contains('/') {
                parse_repo(r).is_ok()
            } else {
                valid_part(r)
            };
            if !ok {
                return Err(format!("--repos: `{r}` is not NAME or OWNER/NAME"));
            }
        }
        let visibility = match (visibility, repos.is_empty()) {
            (None, true) => Visibility::Private,
            (None | Some(Visibility::Selected), false) => Visibility::Selected,
            (Some(Visibility::Selected), true) => {
                return Err("--visibility selected needs --repos R1,R2".to_owned());
            }
            (Some(v), false) => {
                return Err(format!(
                    "--repos goes with --visibility selected, not --visibility {v}"
                ));
            }
            (Some(v), true) => v,
        };
        Ok(Some(Scope::Org {
            org: org.to_owned(),
            visibility,
            repos: repos.to_vec(),
        }))
    }

    /// For messages: `repository o/r`, `environment prod of o/r`, `organization o (private)`.
    pub fn describe(&self) -> String {
        match self {
            Scope::Repo { owner, repo } => format!("repository {owner}/{repo}"),
            Scope::Env { owner, repo, env } => format!("environment {env} of {owner}/{repo}"),
            Scope::Org {
                org,
                visibility,
                repos,
            } => match visibility {
                Visibility::Selected => {
                    format!("organization {org} (visible to {})", repos.join(", "))
                }
                v => format!("organization {org} (visibility {v})"),
            },
        }
    }

    /// How many secrets GitHub keeps at this level.
    pub fn secret_limit(&self) -> usize {
        match self {
            Scope::Repo { .. } | Scope::Env { .. } => 100,
            Scope::Org { .. } => 1000,
        }
    }

    /// How many variables GitHub keeps at this level.
    pub fn variable_limit(&self) -> usize {
        match self {
            Scope::Repo { .. } => 500,
            Scope::Env { .. } => 100,
            Scope::Org { .. } => 1000,
        }
    }

    /// `owner/name` of each `--repos` entry (for `NAME`, the organization is the owner).
    pub fn selected_repos(&self) -> Vec<(String, String)> {
        match self {
            Scope::Org { org, repos, .. } => repos
                .iter()
                .map(|r| {
                    r.split_once('/').map_or_else(
                        || (org.clone(), r.clone()),
                        |(o, n)| (o.to_owned(), n.to_owned()),
                    )
                })
                .collect(),
            _ => Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Secret,
    Variable,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Secret => "secret",
            Kind::Variable => "variable",
        }
    }

    /// Sensitive values are always secrets; with `--variables` the others are variables.
    pub fn for_item(item: &Item, variables: bool) -> Kind {
        if variables && !item.sensitive {
            Kind::Variable
        } else {
            Kind::Secret
        }
    }
}

/// GitHub's limits and gh's trimming, checked for every value before anything is written;
/// each problem names the value.
pub fn check(
    planned: &[(Item, Kind)],
    scope: &Scope,
    via_gh: bool,
    allow_trim: bool,
) -> Vec<String> {
    let mut problems = Vec::new();
    for (item, kind) in planned {
        let bytes = item.value.len();
        if bytes > MAX_VALUE_BYTES {
            problems.push(format!(
                "{}: the value is {bytes} bytes; GitHub takes at most 48 KB ({MAX_VALUE_BYTES} bytes) per {}",
                item.name,
                kind.as_str()
            ));
        }
        if via_gh && !allow_trim && item.value.ends_with(['\r', '\n']) {
            let trimmed = bytes - item.value.trim_end_matches(['\r', '\n']).len();
            problems.push(format!(
                "{}: the value ends with CR/LF, which gh trims from stdin ({trimmed} byte{} would \
                 be lost); drop --via-gh (the REST API keeps every byte) or pass --allow-trim",
                item.name,
                if trimmed == 1 { "" } else { "s" }
            ));
        }
    }
    for (kind, limit) in [
        (Kind::Secret, scope.secret_limit()),
        (Kind::Variable, scope.variable_limit()),
    ] {
        let count = planned.iter().filter(|(_, k)| *k == kind).count();
        if count > limit {
            problems.push(format!(
                "{count} {}s selected; GitHub keeps at most {limit} per {}",
                kind.as_str(),
                match scope {
                    Scope::Repo { .. } => "repository",
                    Scope::Env { .. } => "environment",
                    Scope::Org { .. } => "organization",
                }
            ));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(name: &str, value: &str, sensitive: bool) -> Item {
        Item {
            name: name.into(),
            value: value.into(),
            sensitive,
            source: "o".into(),
        }
    }

    #[test]
    fn scopes_from_flags() {
        assert_eq!(
            Scope::from_args(Some("octo/app"), Some("prod eu"), None, None, &[]).unwrap(),
            Some(Scope::Env {
                owner: "octo".into(),
                repo: "app".into(),
                env: "prod eu".into()
            })
        );
        assert!(
            Scope::from_args(Some("octo"), None, None, None, &[])
                .unwrap_err()
                .contains("is not OWNER/REPO")
        );
        assert!(Scope::from_args(Some("a/b/c"), None, None, None, &[]).is_err());
        let org = Scope::from_args(
            None,
            None,
            Some("acme"),
            None,
            &["web".into(), "x/y".into()],
        )
        .unwrap()
        .unwrap();
        assert_eq!(org.describe(), "organization acme (visible to web, x/y)");
        assert_eq!(
            org.selected_repos(),
            [("acme".into(), "web".into()), ("x".into(), "y".into())]
        );
        let org = Scope::from_args(None, None, Some("acme"), None, &[])
            .unwrap()
            .unwrap();
        assert_eq!(org.describe(), "organization acme (visibility private)");
        assert!(
            Scope::from_args(None, None, Some("acme"), Some(Visibility::Selected), &[]).is_err()
        );
        assert!(
            Scope::from_args(
                None,
                None,
                Some("acme"),
                Some(Visibility::All),
                &["a".into()]
            )
            .is_err()
        );
        assert_eq!(Scope::from_args(None, None, None, None, &[]).unwrap(), None);
        assert!(Scope::from_args(None, Some("prod"), None, None, &[]).is_err());
        assert!(Scope::from_args(None, None, None, Some(Visibility::All), &[]).is_err());
        // flags of the other destination
        for (visibility, repos) in [(Some(Visibility::All), vec![]), (None, vec!["web".into()])] {
            assert_eq!(
                Scope::from_args(Some("o/r"), None, None, visibility, &repos).unwrap_err(),
                "--visibility and --repos go with --org ORG"
            );
        }
        assert_eq!(
            Scope::from_args(None, Some("prod"), Some("acme"), None, &[]).unwrap_err(),
            "--environment goes with --to-github OWNER/REPO"
        );
    }

    #[test]
    fn kinds() {
        assert_eq!(Kind::for_item(&item("A", "x", true), true), Kind::Secret);
        assert_eq!(Kind::for_item(&item("A", "x", false), true), Kind::Variable);
        assert_eq!(Kind::for_item(&item("A", "x", false), false), Kind::Secret);
    }

    #[test]
    fn limits_and_trimming() {
        let repo = Scope::Repo {
            owner: "o".into(),
            repo: "r".into(),
        };
        let big = "x".repeat(MAX_VALUE_BYTES + 1);
        let planned = vec![
            (item("BIG", &big, false), Kind::Secret),
            (item("PEM", "key\r\n", true), Kind::Secret),
            (
                item("OK", &"x".repeat(MAX_VALUE_BYTES), false),
                Kind::Secret,
            ),
        ];
        assert_eq!(check(&planned, &repo, false, false).len(), 1);
        let p = check(&planned, &repo, true, false);
        assert_eq!(p.len(), 2);
        assert!(
            p[1].starts_with("PEM: the value ends with CR/LF, which gh trims from stdin (2 bytes")
        );
        assert_eq!(check(&planned, &repo, true, true).len(), 1);

        let many: Vec<_> = (0..101)
            .map(|i| (item(&format!("S{i}"), "v", true), Kind::Secret))
            .collect();
        assert_eq!(
            check(&many, &repo, false, false),
            ["101 secrets selected; GitHub keeps at most 100 per repository"]
        );
        let org = Scope::from_args(None, None, Some("acme"), None, &[])
            .unwrap()
            .unwrap();
        assert!(check(&many, &org, false, false).is_empty());
    }
}
