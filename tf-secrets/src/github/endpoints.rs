//! GitHub's endpoints for Actions secrets and variables: what the writes need first (the
//! repository ids of `--repos`, the public key, access to the variables), then one `PUT` per
//! secret and a `POST` (or `PATCH` when it exists) per variable, and what a failure most
//! likely means.

use reqwest::Method;
use serde::Serialize;

use super::answer::{Answer, ApiError, http_message};
use super::seal::{SealKey, parse_key};
use super::transport::Client;
use crate::dest::{Kind, Scope, Visibility};

/// What a write did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    Created,
    Updated,
    /// Done, without saying which (gh, or an unexpected 2xx).
    Set,
}

impl Written {
    pub fn as_str(self) -> &'static str {
        match self {
            Written::Created => "created",
            Written::Updated => "updated",
            Written::Set => "set",
        }
    }
}

/// What the writes need, fetched before the first one.
#[derive(Debug, Clone, Default)]
pub struct Prepared {
    pub key: Option<SealKey>,
    pub repo_ids: Vec<u64>,
}

/// The body of a secret's `PUT` (GitHub's "Create or update a secret").
#[derive(Serialize)]
struct SecretBody<'a> {
    encrypted_value: &'a str,
    key_id: &'a str,
    #[serde(flatten)]
    org: Option<OrgFields<'a>>,
}

/// The body of a variable's `POST` (`name` set) or `PATCH` (`name` absent).
#[derive(Serialize)]
struct VariableBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    value: &'a str,
    #[serde(flatten)]
    org: Option<OrgFields<'a>>,
}

/// What an organization's secret or variable adds: who sees it.
#[derive(Serialize)]
struct OrgFields<'a> {
    /// `all`, `private` or `selected`.
    visibility: String,
    /// With `selected`: the ids of the `--repos` repositories.
    #[serde(skip_serializing_if = "Option::is_none")]
    selected_repository_ids: Option<&'a [u64]>,
}

/// A request body as sent: the struct's fields in order, as compact JSON.
fn to_body(body: &impl Serialize) -> String {
    serde_json::to_string(body).expect("the request bodies serialize: strings and numbers")
}

impl Client {
    /// A failure with what it most likely means for this request.
    fn explain(&self, answer: &Answer, scope: &Scope, kind: Kind) -> ApiError {
        let base = http_message(answer, &self.redactor);
        let hint = match answer.status {
            401 => format!(
                "GitHub rejected the token in {}: it is wrong, expired or revoked",
                self.token_source
            ),
            403 => format!(
                "the token in {} may not write {}s in {}. The workflow's own GITHUB_TOKEN cannot \
                 write secrets or variables; use a fine-grained personal access token or a GitHub \
                 App token with the {} permission (read and write), or a classic token with the \
                 repo scope (admin:org for an organization)",
                self.token_source,
                kind.as_str(),
                scope.describe(),
                permission(scope, kind)
            ),
            404 => match scope {
                Scope::Env { env, .. } => format!(
                    "{} does not exist or the token cannot see it (create the environment `{env}` first)",
                    scope.describe()
                ),
                _ => format!(
                    "{} does not exist or the token cannot see it",
                    scope.describe()
                ),
            },
            _ => {
                return ApiError {
                    status: Some(answer.status),
                    message: base,
                };
            }
        };
        ApiError {
            status: Some(answer.status),
            message: format!("{base}: {hint}"),
        }
    }

    fn collection(scope: &Scope, kind: Kind) -> Vec<&str> {
        let last = match kind {
            Kind::Secret => "secrets",
            Kind::Variable => "variables",
        };
        match scope {
            Scope::Repo { owner, repo } => vec!["repos", owner, repo, "actions", last],
            Scope::Env { owner, repo, env } => {
                vec!["repos", owner, repo, "environments", env, last]
            }
            Scope::Org { org, .. } => vec!["orgs", org, "actions", last],
        }
    }

    /// Everything that can fail before a write: repository ids for `--repos`, the public
    /// key (secrets), read access to the variables (variables).
    pub async fn prepare(
        &self,
        scope: &Scope,
        secrets: bool,
        variables: bool,
    ) -> Result<Prepared, ApiError> {
        let mut prepared = Prepared::default();
        for (owner, name) in scope.selected_repos() {
            let answer = self
                .request(Method::GET, &["repos", &owner, &name], None, None)
                .await?;
            if answer.status != 200 {
                let mut err = self.explain(
                    &answer,
                    &Scope::Repo {
                        owner: owner.clone(),
                        repo: name.clone(),
                    },
                    Kind::Secret,
                );
                err.message = format!("--repos {owner}/{name}: {}", err.message);
                return Err(err);
            }
            let id = answer
                .json()
                .and_then(|v| v["id"].as_u64())
                .ok_or_else(|| ApiError {
                    status: Some(answer.status),
                    message: format!(
                        "--repos {owner}/{name}: GitHub's answer has no repository id"
                    ),
                })?;
            prepared.repo_ids.push(id);
        }
        if secrets {
            let mut path = Self::collection(scope, Kind::Secret);
            path.push("public-key");
            let answer = self.request(Method::GET, &path, None, None).await?;
            if answer.status != 200 {
                let mut err = self.explain(&answer, scope, Kind::Secret);
                err.message = format!(
                    "cannot read the public key of {}: {}",
                    scope.describe(),
                    err.message
                );
                return Err(err);
            }
            prepared.key = Some(parse_key(&answer).map_err(|message| ApiError {
                status: Some(answer.status),
                message: format!("the public key of {}: {message}", scope.describe()),
            })?);
        }
        if variables {
            let path = Self::collection(scope, Kind::Variable);
            let answer = self
                .request(Method::GET, &path, Some("per_page=1"), None)
                .await?;
            if answer.status != 200 {
                let mut err = self.explain(&answer, scope, Kind::Variable);
                err.message = format!(
                    "cannot read the variables of {}: {}",
                    scope.describe(),
                    err.message
                );
                return Err(err);
            }
        }
        Ok(prepared)
    }

    fn org_fields<'a>(scope: &Scope, prepared: &'a Prepared) -> Option<OrgFields<'a>> {
        match scope {
            Scope::Org { visibility, .. } => Some(OrgFields {
                visibility: visibility.to_string(),
                selected_repository_ids: (*visibility == Visibility::Selected)
                    .then_some(prepared.repo_ids.as_slice()),
            }),
            _ => None,
        }
    }

    /// Seal and `PUT` one secret.
    pub async fn set_secret(
        &self,
        scope: &Scope,
        prepared: &Prepared,
        name: &str,
        value: &str,
    ) -> Result<Written, ApiError> {
        let key = prepared.key.as_ref().ok_or_else(|| ApiError {
            status: None,
            message: "no public key was fetched (a bug)".to_owned(),
        })?;
        let sealed = key.seal(value.as_bytes()).map_err(|message| ApiError {
            status: None,
            message,
        })?;
        let body = to_body(&SecretBody {
            encrypted_value: &sealed,
            key_id: &key.key_id,
            org: Self::org_fields(scope, prepared),
        });
        let mut path = Self::collection(scope, Kind::Secret);
        path.push(name);
        let answer = self.request(Method::PUT, &path, None, Some(body)).await?;
        match answer.status {
            201 => Ok(Written::Created),
            204 => Ok(Written::Updated),
            200..=299 => Ok(Written::Set),
            _ => Err(self.explain(&answer, scope, Kind::Secret)),
        }
    }

    /// Create a variable, or update it when it exists.
    pub async fn set_variable(
        &self,
        scope: &Scope,
        prepared: &Prepared,
        name: &str,
        value: &str,
    ) -> Result<Written, ApiError> {
        let path = Self::collection(scope, Kind::Variable);
        let body = to_body(&VariableBody {
            name: Some(name),
            value,
            org: Self::org_fields(scope, prepared),
        });
        let answer = self.request(Method::POST, &path, None, Some(body)).await?;
        match answer.status {
            201 => return Ok(Written::Created),
            409 => {}
            200..=299 => return Ok(Written::Set),
            _ => return Err(self.explain(&answer, scope, Kind::Variable)),
        }
        let mut path = path;
        path.push(name);
        let body = to_body(&VariableBody {
            name: None,
            value,
            org: Self::org_fields(scope, prepared),
        });
        let answer = self.request(Method::PATCH, &path, None, Some(body)).await?;
        match answer.status {
            200..=299 => Ok(Written::Updated),
            _ => Err(self.explain(&answer, scope, Kind::Variable)),
        }
    }
}

/// The permission a fine-grained token needs, for messages and the README.
pub(super) fn permission(scope: &Scope, kind: Kind) -> &'static str {
    match (scope, kind) {
        (Scope::Repo { .. } | Scope::Org { .. }, Kind::Secret) => "\"Secrets\"",
        (Scope::Repo { .. } | Scope::Org { .. }, Kind::Variable) => "\"Variables\"",
        (Scope::Env { .. }, Kind::Secret) => "\"Secrets\" and \"Environments\"",
        (Scope::Env { .. }, Kind::Variable) => "\"Variables\" and \"Environments\"",
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use cli_support::redact::Redactor;
    use reqwest::Url;

    use super::*;
    use crate::github::retry::Backoff;
    use crate::github::transport::{Config, Token};

    #[test]
    fn urls_encode_each_segment() {
        let c = Client::new(
            Config {
                base: Url::parse("https://ghe.example/api/v3/").unwrap(),
                token: Token::from_env(|_| Some("t".to_owned())).unwrap(),
                timeout: Duration::from_secs(1),
                retries: 2,
                backoff: Backoff {
                    first: Duration::from_millis(100),
                },
            },
            Redactor::default(),
        )
        .unwrap();
        let scope = Scope::Env {
            owner: "o".into(),
            repo: "r".into(),
            env: "prod/eu west".into(),
        };
        let mut path = Client::collection(&scope, Kind::Secret);
        path.push("public-key");
        assert_eq!(
            c.url(&path).as_str(),
            "https://ghe.example/api/v3/repos/o/r/environments/prod%2Feu%20west/secrets/public-key"
        );
    }

    #[test]
    fn bodies_are_what_json_built_them_as() {
        // The bodies were built with `json!` (keys in insertion order); the types keep the
        // bytes.
        let org = |visibility, ids: &'static [u64]| OrgFields {
            visibility: format!("{visibility}"),
            selected_repository_ids: (visibility == Visibility::Selected).then_some(ids),
        };
        let secret = to_body(&SecretBody {
            encrypted_value: "c2VhbGVk",
            key_id: "568",
            org: None,
        });
        let mut json = serde_json::json!({ "encrypted_value": "c2VhbGVk", "key_id": "568" });
        assert_eq!(secret, json.to_string());
        let secret = to_body(&SecretBody {
            encrypted_value: "c2VhbGVk",
            key_id: "568",
            org: Some(org(Visibility::Selected, &[2001, 2002])),
        });
        json["visibility"] = "selected".into();
        json["selected_repository_ids"] = vec![2001_u64, 2002].into();
        assert_eq!(secret, json.to_string());
        assert_eq!(
            secret,
            r#"{"encrypted_value":"c2VhbGVk","key_id":"568","visibility":"selected","selected_repository_ids":[2001,2002]}"#
        );

        let value = "eu-west-1 \"x\"\n\u{1b}";
        let variable = to_body(&VariableBody {
            name: Some("REGION"),
            value,
            org: Some(org(Visibility::Private, &[])),
        });
        let mut json = serde_json::json!({ "name": "REGION", "value": value });
        json["visibility"] = "private".into();
        assert_eq!(variable, json.to_string());
        let patch = to_body(&VariableBody {
            name: None,
            value,
            org: None,
        });
        assert_eq!(patch, serde_json::json!({ "value": value }).to_string());
    }
}
