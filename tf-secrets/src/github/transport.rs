//! The HTTP side of GitHub's REST API: the token, the base URL, one client with GitHub's
//! headers, a timeout and redirects kept on the API's origin, and one request retried while
//! its failure is transient (when and how long: [`super::retry`]).

use std::fmt;
use std::time::Duration;

use cli_support::duration;
use cli_support::redact::Redactor;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue};
use reqwest::{Method, Url};

use super::answer::{Answer, ApiError, http_message};
use super::retry::{self, Backoff};

pub const API_VERSION: &str = "2022-11-28";
const MEDIA_TYPE: &str = "application/vnd.github+json";
const USER_AGENT: &str = concat!("tf-secrets/", env!("CARGO_PKG_VERSION"));

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

/// How a [`Client`] reaches GitHub.
#[derive(Debug, Clone)]
pub struct Config {
    pub base: Url,
    pub token: Token,
    pub timeout: Duration,
    pub retries: u32,
    /// The pause before a retry when GitHub does not say how long.
    pub backoff: Backoff,
}

pub struct Client {
    http: reqwest::Client,
    base: Url,
    pub(super) token_source: &'static str,
    timeout: Duration,
    retries: u32,
    backoff: Backoff,
    /// Applied to GitHub's text where it is read: an answer may quote what was sent.
    pub(super) redactor: Redactor,
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

impl Client {
    /// `redactor` knows the values that must not be shown; every message built from
    /// GitHub's answers goes through it.
    ///
    /// Redirects are followed only within the API's origin (scheme, host and port): the
    /// token goes nowhere else, and a redirect elsewhere is an error that names it.
    pub fn new(settings: Config, mut redactor: Redactor) -> Result<Client, String> {
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

    pub(super) fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    /// One request, retried while the failure is transient. `Ok` holds any final answer
    /// (the caller decides what a status means).
    pub(super) async fn request(
        &self,
        method: Method,
        segments: &[&str],
        query: Option<&str>,
        body: Option<String>,
    ) -> Result<Answer, ApiError> {
        let mut url = self.url(segments);
        url.set_query(query);
        let what = format!("{method} {}", url.path());
        let mut attempt: u32 = 0;
        loop {
            let mut builder = self.http.request(method.clone(), url.clone());
            if let Some(body) = &body {
                builder = builder
                    .header(CONTENT_TYPE, "application/json")
                    .body(body.clone());
            }
            // Drawn for every attempt, used when GitHub does not say how long to wait.
            let backoff = self.backoff.wait(attempt, &mut rand::rng());
            let (status, failure, wait) = match self.attempt(builder).await {
                Ok((status, headers, body)) => {
                    let answer = Answer { status, body };
                    let Some(wait) = retry::retry_wait(&answer, &headers, backoff) else {
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
                Err(Failure { message, .. }) => (None, message, Ok(backoff)),
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
            crate::notes::note(format_args!(
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
                // The address came from the server: it may quote what was sent.
                format!(
                    "the API answered with a redirect to {}, off its origin {}; the token is \
                     not sent there: set --api-url / GITHUB_API_URL to the address the API \
                     answers on",
                    self.redactor.redact(to),
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

    #[test]
    fn redirect_targets_are_shown_without_credentials() {
        let url = Url::parse("https://u:p@other.example:8443/x/y?token=abc#f").unwrap();
        assert_eq!(shown_url(&url), "https://other.example:8443/x/y?…");
        let url = Url::parse("https://other.example/x").unwrap();
        assert_eq!(shown_url(&url), "https://other.example/x");
    }
}
