//! GitHub's REST API for Actions secrets and variables.
//!
//! Secrets: read the scope's public key, seal each value with it (libsodium's sealed box),
//! `PUT` it. Variables: `POST`, or `PATCH` when it exists (409). Every request carries a
//! User-Agent, GitHub's media type and API version; requests time out; 5xx answers, rate
//! limits, timeouts and lost connections are retried with backoff (or as long as GitHub's
//! `Retry-After` on a rate limit or a 503, or `x-ratelimit-reset`, ask, up to a minute).

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use cli_support::duration;
use cli_support::redact::Redactor;
use crypto_box::aead::OsRng;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue};
use reqwest::{Method, Url};

use crate::cli::Visibility;
use crate::dest::{Kind, Scope};

pub const API_VERSION: &str = "2022-11-28";
const MEDIA_TYPE: &str = "application/vnd.github+json";
const USER_AGENT: &str = concat!("tf-secrets/", env!("CARGO_PKG_VERSION"));

/// The longest wait for a rate limit the tool accepts before giving up.
pub const MAX_WAIT: Duration = Duration::from_mins(1);

/// A token and the variable it came from (for messages); its value is never shown.
#[derive(Clone)]
pub struct Token {
    value: String,
    pub source: &'static str,
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Token(from {})", self.source)
    }
}

impl Token {
    /// `GH_TOKEN`, else `GITHUB_TOKEN` (gh's order); empty values do not count.
    pub fn from_env(get: impl Fn(&str) -> Option<String>) -> Option<Token> {
        ["GH_TOKEN", "GITHUB_TOKEN"].into_iter().find_map(|source| {
            get(source)
                .filter(|v| !v.trim().is_empty())
                .map(|value| Token {
                    value: value.trim().to_owned(),
                    source,
                })
        })
    }
}

/// Check the API base URL: https, or http to a loopback address (tests, local proxies).
pub fn parse_base(text: &str) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|e| format!("--api-url / GITHUB_API_URL `{text}`: {e}"))?;
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost",
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => Ok(url),
        "http" if loopback => Ok(url),
        "http" => Err(format!(
            "--api-url / GITHUB_API_URL `{text}`: refusing to send the token over plain HTTP; use https://"
        )),
        other => Err(format!(
            "--api-url / GITHUB_API_URL `{text}`: unsupported scheme {other}"
        )),
    }
}

/// A failed request: the HTTP status when there was an answer, and a message that is
/// safe to print: it never contains the token, and GitHub's words in it were redacted as
/// they were read (see [`http_message`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: Option<u16>,
    pub message: String,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ApiError {}

impl ApiError {
    /// Whether later writes would fail the same way (bad token, missing repository, GitHub
    /// unreachable), so the run stops instead of trying every value.
    pub fn stops_the_run(&self) -> bool {
        !matches!(self.status, Some(400 | 409 | 422))
    }
}

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

/// The scope's public key, for sealing secret values.
#[derive(Debug, Clone)]
pub struct SealKey {
    pub key_id: String,
    key: crypto_box::PublicKey,
}

impl SealKey {
    /// libsodium's `crypto_box_seal`, base64: what GitHub expects as `encrypted_value`.
    pub fn seal(&self, value: &[u8]) -> Result<String, String> {
        self.key
            .seal(&mut OsRng, value)
            .map(|sealed| base64::engine::general_purpose::STANDARD.encode(sealed))
            .map_err(|_| "cannot encrypt the value".to_owned())
    }
}

/// What the writes need, fetched before the first one.
#[derive(Debug, Clone, Default)]
pub struct Prepared {
    pub key: Option<SealKey>,
    pub repo_ids: Vec<u64>,
}

/// Settings of a [`Client`].
#[derive(Debug, Clone)]
pub struct Settings {
    pub base: Url,
    pub token: Token,
    pub timeout: Duration,
    pub retries: u32,
    /// First pause before a retry (doubled each time) when GitHub does not say how long.
    pub backoff: Duration,
}

pub struct Client {
    http: reqwest::Client,
    base: Url,
    token_source: &'static str,
    timeout: Duration,
    retries: u32,
    backoff: Duration,
    /// Applied to GitHub's text where it is read: an answer may quote what was sent.
    redactor: Redactor,
}

/// A request that got no answer: what happened, and whether trying again may help.
struct Failure {
    message: String,
    retry: bool,
}

/// A redirect off the API's origin (the URL as shown), or too many (empty).
#[derive(Debug)]
struct OffOrigin(String);

impl fmt::Display for OffOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a redirect off the API's origin: {}", self.0)
    }
}

impl std::error::Error for OffOrigin {}

fn find_source<'a, T: std::error::Error + 'static>(
    e: &'a (dyn std::error::Error + 'static),
) -> Option<&'a T> {
    let mut cause = Some(e);
    while let Some(c) = cause {
        if let Some(found) = c.downcast_ref::<T>() {
            return Some(found);
        }
        cause = c.source();
    }
    None
}

/// A URL as it may be printed: no user name or password, no query (it may carry a token).
fn shown_url(url: &Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    let query = shown.query().is_some();
    shown.set_query(None);
    shown.set_fragment(None);
    let mut text = shown.to_string();
    if query {
        text.push_str("?…");
    }
    text
}

struct Answer {
    status: u16,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

impl Client {
    /// `redactor` knows the values that must not be shown; every message built from
    /// GitHub's answers goes through it.
    ///
    /// Redirects are followed only within the API's origin (scheme, host and port): the
    /// token goes nowhere else, and a redirect elsewhere is an error that names it.
    pub fn new(settings: Settings, mut redactor: Redactor) -> Result<Client, String> {
        // reqwest is built without a default crypto provider: rustls with ring, as the rest
        // of the workspace. An error means one is installed already.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut auth =
            HeaderValue::from_str(&format!("Bearer {}", settings.token.value)).map_err(|_| {
                format!(
                    "the token in {} has characters an HTTP header cannot carry",
                    settings.token.source
                )
            })?;
        auth.set_sensitive(true);
        // An answer may quote the token (an echoing proxy, a 401 that repeats it).
        redactor.add(&settings.token.value);
        let origin = settings.base.origin();
        let redirects = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.url().origin() != origin {
                let to = shown_url(attempt.url());
                attempt.error(OffOrigin(to))
            } else if attempt.previous().len() > 10 {
                attempt.error(OffOrigin(String::new()))
            } else {
                attempt.follow()
            }
        });
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static(MEDIA_TYPE));
        headers.insert(
            "X-GitHub-Api-Version",
            HeaderValue::from_static(API_VERSION),
        );
        headers.insert(AUTHORIZATION, auth);
        let http = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .default_headers(headers)
            .redirect(redirects)
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout.min(Duration::from_secs(10)))
            .build()
            .map_err(|e| format!("cannot set up the HTTP client: {}", chain(&e)))?;
        Ok(Client {
            http,
            base: settings.base,
            token_source: settings.token.source,
            timeout: settings.timeout,
            retries: settings.retries,
            backoff: settings.backoff,
            redactor,
        })
    }

    fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    /// One request, retried while the failure is transient. `Ok` holds any final answer
    /// (the caller decides what a status means).
    async fn request(
        &self,
        method: Method,
        segments: &[&str],
        query: Option<&str>,
        body: Option<&serde_json::Value>,
    ) -> Result<Answer, ApiError> {
        let mut url = self.url(segments);
        url.set_query(query);
        let what = format!("{method} {}", url.path());
        let body = body.map(serde_json::Value::to_string);
        let mut attempt: u32 = 0;
        loop {
            let mut builder = self.http.request(method.clone(), url.clone());
            if let Some(body) = &body {
                builder = builder
                    .header(CONTENT_TYPE, "application/json")
                    .body(body.clone());
            }
            let (status, failure, wait) = match self.attempt(builder).await {
                Ok((status, headers, body)) => {
                    let answer = Answer { status, body };
                    let Some(wait) = self.retry_wait(&answer, &headers, attempt) else {
                        return Ok(answer);
                    };
                    (Some(status), http_message(&answer, &self.redactor), wait)
                }
                Err(Failure {
                    message,
                    retry: false,
                }) => {
                    return Err(ApiError {
                        status: None,
                        message,
                    });
                }
                Err(Failure { message, .. }) => (None, message, Ok(self.backoff_for(attempt))),
            };
            let wait = match wait {
                Ok(wait) if attempt < self.retries => wait,
                Ok(_) => {
                    let tries = attempt + 1;
                    let tries = if tries == 1 {
                        "1 attempt".to_owned()
                    } else {
                        format!("{tries} attempts")
                    };
                    return Err(ApiError {
                        status,
                        message: format!("{failure} (gave up after {tries})"),
                    });
                }
                Err(too_long) => {
                    return Err(ApiError {
                        status,
                        message: format!("{failure}; {too_long}"),
                    });
                }
            };
            cli_support::note(format_args!(
                "{what}: {failure}; retrying in {}",
                duration::format(wait)
            ));
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    async fn attempt(
        &self,
        builder: reqwest::RequestBuilder,
    ) -> Result<(u16, HeaderMap, Vec<u8>), Failure> {
        let response = builder.send().await.map_err(|e| self.describe(&e))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await.map_err(|e| self.describe(&e))?;
        Ok((status, headers, body.to_vec()))
    }

    fn describe(&self, e: &reqwest::Error) -> Failure {
        let message = if let Some(OffOrigin(to)) = find_source::<OffOrigin>(e) {
            let message = if to.is_empty() {
                format!(
                    "more than 10 redirects within {}; check --api-url / GITHUB_API_URL",
                    shown_url(&self.base)
                )
            } else {
                format!(
                    "the API answered with a redirect to {to}, off its origin {}; the token is \
                     not sent there: set --api-url / GITHUB_API_URL to the address the API \
                     answers on",
                    self.base.origin().ascii_serialization()
                )
            };
            return Failure {
                message,
                retry: false,
            };
        } else if e.is_timeout() {
            format!(
                "no answer within {} (--timeout)",
                duration::format(self.timeout)
            )
        } else if e.is_connect() {
            format!(
                "cannot connect to {}: {}",
                self.base.host_str().unwrap_or("the API"),
                root_cause(e)
            )
        } else {
            chain(e)
        };
        Failure {
            message,
            retry: true,
        }
    }

    fn backoff_for(&self, attempt: u32) -> Duration {
        self.backoff
            .saturating_mul(2u32.saturating_pow(attempt))
            .min(Duration::from_secs(30))
    }

    /// `None`: final answer. `Some(Ok(wait))`: retry after `wait`. `Some(Err(_))`: the
    /// wait GitHub asks for is too long.
    fn retry_wait(
        &self,
        answer: &Answer,
        headers: &HeaderMap,
        attempt: u32,
    ) -> Option<Result<Duration, String>> {
        let now = SystemTime::now();
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        // Seconds or an HTTP date (RFC 9110).
        let retry_after = header("retry-after").and_then(|v| duration::retry_after(v, now));
        let exhausted = header("x-ratelimit-remaining") == Some("0");
        let says_rate_limit = String::from_utf8_lossy(&answer.body)
            .to_ascii_lowercase()
            .contains("rate limit");
        let rate_limited = answer.status == 429
            || (answer.status == 403 && (retry_after.is_some() || exhausted || says_rate_limit));
        let (wait, why) = if rate_limited {
            let wait = if let Some(wait) = retry_after {
                wait
            } else if exhausted {
                let reset = header("x-ratelimit-reset")
                    .and_then(|v| v.trim().parse::<u64>().ok())
                    .unwrap_or(0);
                let now = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
                Duration::from_secs(reset.saturating_sub(now).max(1))
            } else {
                // GitHub's advice for a secondary rate limit without a header: a minute.
                MAX_WAIT
            };
            (wait, "rate limit")
        } else if answer.status == 503
            && let Some(wait) = retry_after
        {
            (wait, "Retry-After")
        } else {
            return matches!(answer.status, 500 | 502 | 503 | 504)
                .then(|| Ok(self.backoff_for(attempt)));
        };
        Some(if wait > MAX_WAIT {
            Err(format!(
                "GitHub asks to wait {} ({why}); re-run after that",
                duration::format(wait)
            ))
        } else {
            Ok(wait)
        })
    }

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

    fn org_fields(scope: &Scope, prepared: &Prepared, body: &mut serde_json::Value) {
        if let Scope::Org { visibility, .. } = scope {
            body["visibility"] = visibility.to_string().into();
            if *visibility == Visibility::Selected {
                body["selected_repository_ids"] = prepared.repo_ids.clone().into();
            }
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
        let mut body = serde_json::json!({ "encrypted_value": sealed, "key_id": key.key_id });
        Self::org_fields(scope, prepared, &mut body);
        let mut path = Self::collection(scope, Kind::Secret);
        path.push(name);
        let answer = self.request(Method::PUT, &path, None, Some(&body)).await?;
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
        let mut body = serde_json::json!({ "name": name, "value": value });
        Self::org_fields(scope, prepared, &mut body);
        let answer = self.request(Method::POST, &path, None, Some(&body)).await?;
        match answer.status {
            201 => return Ok(Written::Created),
            409 => {}
            200..=299 => return Ok(Written::Set),
            _ => return Err(self.explain(&answer, scope, Kind::Variable)),
        }
        let mut path = path;
        path.push(name);
        let mut body = serde_json::json!({ "value": value });
        Self::org_fields(scope, prepared, &mut body);
        let answer = self
            .request(Method::PATCH, &path, None, Some(&body))
            .await?;
        match answer.status {
            200..=299 => Ok(Written::Updated),
            _ => Err(self.explain(&answer, scope, Kind::Variable)),
        }
    }
}

/// The permission a fine-grained token needs, for messages and the README.
fn permission(scope: &Scope, kind: Kind) -> &'static str {
    match (scope, kind) {
        (Scope::Repo { .. } | Scope::Org { .. }, Kind::Secret) => "\"Secrets\"",
        (Scope::Repo { .. } | Scope::Org { .. }, Kind::Variable) => "\"Variables\"",
        (Scope::Env { .. }, Kind::Secret) => "\"Secrets\" and \"Environments\"",
        (Scope::Env { .. }, Kind::Variable) => "\"Variables\" and \"Environments\"",
    }
}

fn parse_key(answer: &Answer) -> Result<SealKey, String> {
    let json = answer.json().ok_or("GitHub's answer is not JSON")?;
    let key_id = json["key_id"]
        .as_str()
        .ok_or("GitHub's answer has no key_id")?
        .to_owned();
    let bytes = json["key"]
        .as_str()
        .and_then(|k| base64::engine::general_purpose::STANDARD.decode(k).ok())
        .ok_or("GitHub's answer has no base64 key")?;
    let key = crypto_box::PublicKey::from_slice(&bytes)
        .map_err(|_| format!("the key is {} bytes, not 32", bytes.len()))?;
    Ok(SealKey { key_id, key })
}

/// At most this many characters of GitHub's words in a message.
pub const MAX_EXCERPT: usize = 200;

/// `HTTP 422 Unprocessable Entity: <GitHub's message>`. GitHub's words (the JSON message
/// and errors, or the start of any other body) go through `redactor` whole, before they are
/// cut: an answer may quote what was sent (the token, a value). Then [`excerpt`].
fn http_message(answer: &Answer, redactor: &Redactor) -> String {
    let reason = reqwest::StatusCode::from_u16(answer.status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    let detail = if let Some(json) = answer.json() {
        let mut parts: Vec<String> = json["message"]
            .as_str()
            .map(str::to_owned)
            .into_iter()
            .collect();
        if let Some(errors) = json["errors"].as_array() {
            parts.extend(errors.iter().filter_map(|e| {
                e["message"]
                    .as_str()
                    .or_else(|| e.as_str())
                    .map(str::to_owned)
            }));
        }
        parts.join("; ")
    } else {
        String::from_utf8_lossy(&answer.body).into_owned()
    };
    let detail = excerpt(&redactor.redact(&detail));
    let mut message = format!("HTTP {} {reason}", answer.status);
    if !detail.is_empty() {
        message.push_str(": ");
        message.push_str(&detail);
    }
    message
}

/// Text from elsewhere, fit for one line of a message: runs of whitespace as one space,
/// other control characters escaped (`\u{1b}`), at most [`MAX_EXCERPT`] characters.
pub fn excerpt(text: &str) -> String {
    let mut out = String::new();
    let mut count = 0;
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
            count += 1;
        }
        for c in word.chars() {
            if count >= MAX_EXCERPT {
                out.push('…');
                return out;
            }
            if c.is_control() {
                out.extend(c.escape_default());
            } else {
                out.push(c);
            }
            count += 1;
        }
    }
    out
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// An error and its causes, without the URL reqwest puts in front.
fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = Vec::new();
    let mut cause = e.source();
    while let Some(c) = cause {
        parts.push(c.to_string());
        cause = c.source();
    }
    if parts.is_empty() {
        e.to_string()
    } else {
        parts.join(": ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_order_and_debug() {
        let env = |k: &str| match k {
            "GH_TOKEN" => Some(" ".to_owned()),
            "GITHUB_TOKEN" => Some("ghs_abc".to_owned()),
            _ => None,
        };
        let token = Token::from_env(env).unwrap();
        assert_eq!(token.source, "GITHUB_TOKEN");
        assert_eq!(format!("{token:?}"), "Token(from GITHUB_TOKEN)");
        assert!(Token::from_env(|_| None).is_none());
    }

    #[test]
    fn base_urls() {
        assert!(parse_base("https://ghe.example/api/v3").is_ok());
        assert!(parse_base("http://127.0.0.1:8080").is_ok());
        assert!(parse_base("http://localhost:1/").is_ok());
        assert!(
            parse_base("http://ghe.example")
                .unwrap_err()
                .contains("plain HTTP")
        );
        assert!(parse_base("nope").is_err());
    }

    fn client(base: &str) -> Client {
        Client::new(
            Settings {
                base: Url::parse(base).unwrap(),
                token: Token {
                    value: "t".into(),
                    source: "GH_TOKEN",
                },
                timeout: Duration::from_secs(1),
                retries: 2,
                backoff: Duration::from_millis(100),
            },
            Redactor::default(),
        )
        .unwrap()
    }

    #[test]
    fn urls_encode_each_segment() {
        let c = client("https://ghe.example/api/v3/");
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

    fn answer(status: u16, body: &str) -> Answer {
        Answer {
            status,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn retry_decisions() {
        let c = client("https://api.github.com");
        let none = HeaderMap::new();
        assert!(c.retry_wait(&answer(422, "{}"), &none, 0).is_none());
        assert!(
            c.retry_wait(
                &answer(403, r#"{"message":"Resource not accessible"}"#),
                &none,
                0
            )
            .is_none()
        );
        assert_eq!(
            c.retry_wait(&answer(502, ""), &none, 2),
            Some(Ok(Duration::from_millis(400)))
        );
        let mut retry_after = HeaderMap::new();
        retry_after.insert("retry-after", HeaderValue::from_static("3"));
        assert_eq!(
            c.retry_wait(&answer(403, ""), &retry_after, 0),
            Some(Ok(Duration::from_secs(3)))
        );
        assert_eq!(
            c.retry_wait(
                &answer(
                    403,
                    r#"{"message":"You have exceeded a secondary rate limit"}"#
                ),
                &none,
                0
            ),
            Some(Ok(MAX_WAIT))
        );
        let mut long = HeaderMap::new();
        long.insert("retry-after", HeaderValue::from_static("3600"));
        assert!(c.retry_wait(&answer(429, ""), &long, 0).unwrap().is_err());
        let mut reset = HeaderMap::new();
        reset.insert("x-ratelimit-remaining", HeaderValue::from_static("0"));
        let soon = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
            + 5;
        reset.insert(
            "x-ratelimit-reset",
            HeaderValue::from_str(&soon.to_string()).unwrap(),
        );
        let wait = c.retry_wait(&answer(403, ""), &reset, 0).unwrap().unwrap();
        assert!(
            wait <= Duration::from_secs(5) && wait >= Duration::from_secs(3),
            "{wait:?}"
        );
    }

    #[test]
    fn retry_after_is_seconds_or_a_date_and_counts_on_a_503() {
        let c = client("https://api.github.com");
        let with = |value: &'static str| {
            let mut h = HeaderMap::new();
            h.insert("retry-after", HeaderValue::from_static(value));
            h
        };
        // a 503 waits as long as it asks; other 5xx keep their backoff
        assert_eq!(
            c.retry_wait(&answer(503, ""), &with("2"), 0),
            Some(Ok(Duration::from_secs(2)))
        );
        assert_eq!(
            c.retry_wait(&answer(502, ""), &with("2"), 0),
            Some(Ok(Duration::from_millis(100)))
        );
        assert_eq!(
            c.retry_wait(&answer(503, ""), &HeaderMap::new(), 1),
            Some(Ok(Duration::from_millis(200)))
        );
        assert_eq!(
            c.retry_wait(&answer(503, ""), &with("7200"), 0),
            Some(Err(
                "GitHub asks to wait 2h (Retry-After); re-run after that".to_owned()
            ))
        );
        // an HTTP date: one in the past means now
        let past = with("Wed, 21 Oct 2015 07:28:00 GMT");
        assert_eq!(
            c.retry_wait(&answer(503, ""), &past, 0),
            Some(Ok(Duration::ZERO))
        );
        assert_eq!(
            c.retry_wait(&answer(429, ""), &past, 0),
            Some(Ok(Duration::ZERO))
        );
        assert_eq!(
            c.retry_wait(&answer(403, ""), &past, 0),
            Some(Ok(Duration::ZERO))
        );
        // nonsense is ignored: a 503 backs off, a 429 waits GitHub's minute
        assert_eq!(
            c.retry_wait(&answer(503, ""), &with("soon"), 0),
            Some(Ok(Duration::from_millis(100)))
        );
        assert_eq!(
            c.retry_wait(&answer(429, ""), &with("soon"), 0),
            Some(Ok(MAX_WAIT))
        );
    }

    #[test]
    fn messages() {
        assert_eq!(
            http_message(
                &answer(
                    422,
                    r#"{"message":"Validation Failed","errors":[{"message":"bad name"}]}"#
                ),
                &Redactor::default()
            ),
            "HTTP 422 Unprocessable Entity: Validation Failed; bad name"
        );
        assert_eq!(
            http_message(&answer(502, ""), &Redactor::default()),
            "HTTP 502 Bad Gateway"
        );
        assert_eq!(
            http_message(&answer(500, "oops\nmore"), &Redactor::default()),
            "HTTP 500 Internal Server Error: oops more"
        );
        assert!(
            !ApiError {
                status: Some(422),
                message: String::new()
            }
            .stops_the_run()
        );
        assert!(
            ApiError {
                status: Some(401),
                message: String::new()
            }
            .stops_the_run()
        );
        assert!(
            ApiError {
                status: None,
                message: String::new()
            }
            .stops_the_run()
        );
    }

    #[test]
    fn answers_are_redacted_whole_before_they_are_cut() {
        let mut redactor = Redactor::default();
        redactor.add("s3cret-value\nsecond-line");
        let json = answer(
            502,
            r#"{"message":"bad value s3cret-value\nsecond-line","errors":["again: second-line"]}"#,
        );
        assert_eq!(
            http_message(&json, &redactor),
            "HTTP 502 Bad Gateway: bad value ***; again: ***"
        );
        // The value straddles the 200-character cut: redacted before it, not a prefix left.
        let text = format!("{} s3cret-value\nsecond-line", "x".repeat(185));
        let message = http_message(&answer(500, &text), &redactor);
        assert!(
            !message.contains("s3c") && !message.contains("second"),
            "{message}"
        );
        assert!(message.ends_with(" ***"), "{message}");
    }

    #[test]
    fn excerpts_are_one_line_cut_and_escaped() {
        assert_eq!(excerpt("  a\r\n\tb  c "), "a b c");
        assert_eq!(excerpt("bell\u{7}\u{1b}[0m"), "bell\\u{7}\\u{1b}[0m");
        let long = excerpt(&"é".repeat(500));
        assert_eq!(long.chars().count(), MAX_EXCERPT + 1);
        assert!(long.ends_with('…'));
        assert_eq!(excerpt(&"x".repeat(MAX_EXCERPT)), "x".repeat(MAX_EXCERPT));
    }

    #[test]
    fn redirect_targets_are_shown_without_credentials() {
        let url = Url::parse("https://u:p@other.example:8443/x/y?token=abc#f").unwrap();
        assert_eq!(shown_url(&url), "https://other.example:8443/x/y?…");
        let url = Url::parse("https://other.example/x").unwrap();
        assert_eq!(shown_url(&url), "https://other.example/x");
    }

    #[test]
    fn sealed_values_open_with_the_secret_key() {
        let secret = crypto_box::SecretKey::generate(&mut OsRng);
        let key = SealKey {
            key_id: "k".into(),
            key: secret.public_key(),
        };
        let sealed = key.seal(b"exact\r\n").unwrap();
        let raw = base64::engine::general_purpose::STANDARD
            .decode(sealed)
            .unwrap();
        assert_eq!(secret.unseal(&raw).unwrap(), b"exact\r\n");
    }
}
