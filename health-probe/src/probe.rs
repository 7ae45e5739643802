//! One attempt against one target: an HTTP request judged by the expectations, or a TCP
//! connect. Every attempt ends within its timeout, whatever the server does.

use std::fmt::Write as _;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use reqwest::header::{
    AUTHORIZATION, CONTENT_ENCODING, CONTENT_LANGUAGE, CONTENT_LENGTH, CONTENT_LOCATION,
    CONTENT_TYPE, HOST, HeaderMap, HeaderName, LOCATION, RETRY_AFTER, TRANSFER_ENCODING,
};
use reqwest::{Client, Method, redirect};
use tokio::time::Instant;
use url::Url;

use crate::expect::{self, Expectations, ResponseView};
use crate::redact::{self, Secrets};
use crate::request::{self, Resolve, Target};
use cli_support::duration;

/// What one attempt saw.
#[derive(Debug, Clone, Default)]
pub struct Attempt {
    pub latency: Duration,
    /// The HTTP status, when a response came back.
    pub status: Option<u16>,
    /// No response: refused, reset, DNS, TLS, timeout...
    pub error: Option<String>,
    /// The response came back but these expectations did not hold.
    pub failures: Vec<String>,
    /// The start of the body of a failed attempt.
    pub excerpt: Option<String>,
    /// `Retry-After` of a failed attempt.
    pub retry_after: Option<Duration>,
    /// The URL answered after following redirects (shown form), if not the one asked.
    pub redirected_to: Option<String>,
}

impl Attempt {
    pub fn ok(&self) -> bool {
        self.error.is_none() && self.failures.is_empty()
    }

    pub(crate) fn error(latency: Duration, message: String) -> Attempt {
        Attempt {
            latency,
            error: Some(message),
            ..Attempt::default()
        }
    }
}

/// Something that can be probed once.
pub trait Probe {
    /// One attempt that ends within `timeout`; `at_deadline` says the timeout was shortened
    /// to the overall deadline (for the message).
    fn attempt(&self, timeout: Duration, at_deadline: bool) -> impl Future<Output = Attempt>;
}

fn timed_out(timeout: Duration, at_deadline: bool) -> String {
    let why = if at_deadline {
        "the deadline"
    } else {
        "--attempt-timeout"
    };
    format!("timed out after {} ({why})", duration::format(timeout))
}

/// How the HTTP client is set up.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Shared by every client (see [`crate::tls`]).
    pub tls: rustls::ClientConfig,
    pub follow_redirects: bool,
    pub resolve: Vec<Resolve>,
}

/// The most redirects one attempt follows (as browsers do; curl allows 30).
pub const MAX_REDIRECTS: usize = 20;

/// Where the current attempt is (the URL of the request in flight), so that a timeout on the
/// way is not blamed on the URL asked. A target's attempts run one at a time, each starting
/// with [`LastHop::take`].
#[derive(Debug, Clone, Default)]
pub struct LastHop(Arc<Mutex<Option<Url>>>);

impl LastHop {
    fn set(&self, url: &Url) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(url.clone());
    }

    fn take(&self) -> Option<Url> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).take()
    }
}

/// A client for one target: `--resolve` entries apply when their port is the target's (and
/// then to every hop of a redirect, as with curl).
///
/// The client follows no redirect: [`HttpProbe`] does, so that credentials go only to the
/// target's origin.
///
/// Every attempt opens a new connection, as ALB and Kubernetes probes do: a kept-alive
/// connection would pin the probe to one task behind a network load balancer (the old one,
/// after a deploy) and would not show a server that stopped accepting connections.
pub fn client_for(target: &Target, options: &ClientOptions) -> anyhow::Result<Client> {
    let (_, port) = target.host_port();
    let mut builder = Client::builder()
        .pool_max_idle_per_host(0)
        .user_agent(concat!("health-probe/", env!("CARGO_PKG_VERSION")))
        .redirect(redirect::Policy::none())
        .tls_backend_preconfigured(options.tls.clone());
    for entry in options.resolve.iter().filter(|r| r.port == port) {
        builder = builder.resolve_to_addrs(&entry.host, &entry.socket_addrs());
    }
    builder
        .build()
        .map_err(|e| anyhow::anyhow!("cannot set up the HTTP client: {}", describe(&e)))
}

/// An HTTP(S) target with its request and expectations.
pub struct HttpProbe<'a> {
    pub client: Client,
    pub last_hop: LastHop,
    pub target: &'a Target,
    pub method: Method,
    pub headers: HeaderMap,
    /// The names of the headers in `headers` that are credentials.
    pub credentials: &'a [HeaderName],
    pub body: Option<Bytes>,
    pub follow_redirects: bool,
    pub expect: &'a Expectations,
    /// Kept out of what is shown of an answer.
    pub secrets: &'a Secrets,
}

struct Answer {
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
    truncated: bool,
    /// The URL that answered (shown form), when redirects led elsewhere.
    final_url: Option<String>,
}

/// The headers that describe a request body, dropped with it when a redirect turns the
/// request into a GET (as browsers do).
const BODY_HEADERS: [HeaderName; 6] = [
    CONTENT_TYPE,
    CONTENT_LENGTH,
    CONTENT_ENCODING,
    CONTENT_LANGUAGE,
    CONTENT_LOCATION,
    TRANSFER_ENCODING,
];

/// One request of an attempt: where, how, and whether the user's credentials go with it.
struct Hop {
    url: Url,
    method: Method,
    body: Option<Bytes>,
    headers: HeaderMap,
    /// Still on the target's origin since the first request: once a redirect has left it,
    /// this stays false for the rest of the attempt, even back on the origin (as curl does:
    /// a server elsewhere chose that way back, and may be reading along).
    credentials: bool,
}

impl HttpProbe<'_> {
    /// [`describe`], and where the error happened when that is not the target (a redirect
    /// led elsewhere): the line must not blame the URL asked.
    fn describe_at(&self, err: &reqwest::Error, url: &Url) -> String {
        format!("{}{}", describe(err), self.at(url))
    }

    /// ` (at URL)` when `url` is not the target's, else nothing.
    fn at(&self, url: &Url) -> String {
        if *url == self.target.request_url() {
            String::new()
        } else {
            format!(" (at {})", redact::url(url))
        }
    }

    /// The headers of a request: the user's, without the credentials (and `Host`) once off
    /// the origin;
    /// the URL's credentials as Basic unless an `Authorization` header is given.
    fn request_headers(&self, hop: &Hop) -> HeaderMap {
        let mut headers = hop.headers.clone();
        if hop.credentials {
            if let Some(basic) = &self.target.basic
                && !headers.contains_key(AUTHORIZATION)
            {
                headers.insert(AUTHORIZATION, basic.clone());
            }
        } else {
            for name in self.credentials {
                headers.remove(name);
            }
            // A Host given for the origin would misroute the request elsewhere (curl drops
            // it too); the URL's host is used.
            headers.remove(HOST);
        }
        headers
    }

    /// The request after a redirect answer, or `None` when the answer is not a redirect to
    /// follow (it is then the answer). Methods and bodies as browsers and curl: 301 and 302
    /// turn a POST into a GET, 303 turns anything but HEAD into a GET (without the body and
    /// its headers); 307 and 308 repeat the request as it was.
    fn next_hop(&self, hop: &Hop, status: u16, headers: &HeaderMap) -> Result<Option<Hop>, String> {
        if !self.follow_redirects || !matches!(status, 301 | 302 | 303 | 307 | 308) {
            return Ok(None);
        }
        let Some(location) = headers.get(LOCATION) else {
            return Ok(None);
        };
        let at = self.at(&hop.url);
        let location = location
            .to_str()
            .map_err(|_| format!("a {status} redirect whose Location is not text{at}"))?;
        let next = hop.url.join(location.trim()).map_err(|e| {
            format!(
                "a {status} redirect to {:?}, which is not a URL: {e}{at}",
                redact::unparsed(location)
            )
        })?;
        if !matches!(next.scheme(), "http" | "https") {
            return Err(format!(
                "a {status} redirect to a {}: URL, not followed{at}",
                next.scheme()
            ));
        }
        // Credentials come from the user, for the target's origin only; a Location that
        // carries some is followed without them.
        let next = request::without_userinfo(&next);
        let credentials =
            hop.credentials && request::same_origin(&next, &self.target.request_url());
        let to_get = match status {
            301 | 302 => hop.method == Method::POST,
            303 => hop.method != Method::HEAD && hop.method != Method::GET,
            _ => false,
        };
        let mut headers = hop.headers.clone();
        let (method, body) = if to_get {
            for name in &BODY_HEADERS {
                headers.remove(name);
            }
            (Method::GET, None)
        } else {
            (hop.method.clone(), hop.body.clone())
        };
        Ok(Some(Hop {
            url: next,
            method,
            body,
            headers,
            credentials,
        }))
    }

    async fn exchange(&self) -> Result<Answer, String> {
        self.last_hop.take();
        let first = self.target.request_url();
        let mut hop = Hop {
            url: first.clone(),
            method: self.method.clone(),
            body: self.body.clone(),
            headers: self.headers.clone(),
            credentials: true,
        };
        let mut redirects = 0;
        let mut response = loop {
            self.last_hop.set(&hop.url);
            let mut request = self
                .client
                .request(hop.method.clone(), hop.url.clone())
                .headers(self.request_headers(&hop));
            if let Some(body) = &hop.body {
                request = request.body(body.clone());
            }
            let response = request
                .send()
                .await
                .map_err(|e| self.describe_at(&e, &hop.url))?;
            let status = response.status().as_u16();
            match self.next_hop(&hop, status, response.headers())? {
                None => break response,
                Some(next) => {
                    redirects += 1;
                    if redirects > MAX_REDIRECTS {
                        return Err(format!(
                            "too many redirects (more than {MAX_REDIRECTS}){}",
                            self.at(&hop.url)
                        ));
                    }
                    hop = next;
                }
            }
        };
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let final_url = (hop.url != first).then(|| redact::url(&hop.url));
        let cap = self.expect.max_body;
        let mut body = Vec::new();
        let mut truncated = false;
        if hop.method != Method::HEAD {
            while let Some(chunk) = response
                .chunk()
                .await
                .map_err(|e| format!("reading the body: {}", self.describe_at(&e, &hop.url)))?
            {
                let room = cap - body.len();
                if chunk.len() > room {
                    body.extend_from_slice(&chunk[..room]);
                    truncated = true;
                    break;
                }
                body.extend_from_slice(&chunk);
            }
        }
        Ok(Answer {
            status,
            headers,
            body,
            truncated,
            final_url,
        })
    }

    /// The start of a failed answer's body, without the request's secrets (redacted before
    /// the cut, so that no part of one is left at the end).
    fn excerpt(&self, body: &[u8]) -> String {
        let window = &body[..body.len().min(EXCERPT_WINDOW)];
        let text = self.secrets.redact(&String::from_utf8_lossy(window));
        expect::excerpt(text.as_bytes(), EXCERPT_CHARS)
    }
}

/// The characters of a body shown for a failed attempt.
const EXCERPT_CHARS: usize = 120;

/// The bytes of a body searched for secrets before the excerpt is cut from it.
const EXCERPT_WINDOW: usize = 64 * 1024;

impl Probe for HttpProbe<'_> {
    async fn attempt(&self, timeout: Duration, at_deadline: bool) -> Attempt {
        let start = Instant::now();
        let result = tokio::time::timeout(timeout, self.exchange()).await;
        let latency = start.elapsed();
        let answer = match result {
            Err(_) => {
                let mut message = timed_out(timeout, at_deadline);
                if let Some(url) = self
                    .last_hop
                    .take()
                    .filter(|u| *u != self.target.request_url())
                {
                    let _ = write!(message, " (at {})", redact::url(&url));
                }
                return Attempt::error(latency, message);
            }
            Ok(Err(message)) => return Attempt::error(latency, message),
            Ok(Ok(answer)) => answer,
        };
        // A busy --expect-json filter counts against the attempt's time, like the exchange.
        let view = ResponseView {
            status: answer.status,
            headers: &answer.headers,
            body: &answer.body,
            truncated: answer.truncated,
            latency,
        };
        // The failures are redacted where the answer's words enter them.
        let checking = self.expect.check_async(&view, self.secrets);
        let failures = match tokio::time::timeout(timeout.saturating_sub(latency), checking).await {
            Ok(failures) => failures,
            Err(_) => vec![format!(
                "--expect-json did not finish: {}",
                timed_out(timeout, at_deadline)
            )],
        };
        let failed = !failures.is_empty();
        Attempt {
            latency,
            status: Some(answer.status),
            error: None,
            excerpt: (failed && !answer.body.is_empty()).then(|| self.excerpt(&answer.body)),
            retry_after: if failed {
                answer
                    .headers
                    .get(RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| duration::retry_after(v, SystemTime::now()))
            } else {
                None
            },
            failures,
            redirected_to: answer.final_url,
        }
    }
}

/// A `tcp://host:port` target: healthy when a connection opens (within `--max-latency`).
pub struct TcpProbe<'a> {
    pub host: String,
    pub port: u16,
    /// From `--resolve`; else the system resolver.
    pub addrs: Option<Vec<SocketAddr>>,
    pub expect: &'a Expectations,
}

impl TcpProbe<'_> {
    async fn connect(&self) -> Result<(), String> {
        let addrs: Vec<SocketAddr> = match &self.addrs {
            Some(a) => a.clone(),
            None => tokio::net::lookup_host((self.host.as_str(), self.port))
                .await
                .map_err(|e| format!("DNS: {e}"))?
                .collect(),
        };
        let mut last = format!("DNS: no address for {}", self.host);
        for addr in addrs {
            match tokio::net::TcpStream::connect(addr).await {
                Ok(_) => return Ok(()),
                Err(e) => last = format!("{addr}: {}", io_message(&e)),
            }
        }
        Err(last)
    }
}

impl Probe for TcpProbe<'_> {
    async fn attempt(&self, timeout: Duration, at_deadline: bool) -> Attempt {
        let start = Instant::now();
        let result = tokio::time::timeout(timeout, self.connect()).await;
        let latency = start.elapsed();
        match result {
            Err(_) => Attempt::error(latency, timed_out(timeout, at_deadline)),
            Ok(Err(message)) => Attempt::error(latency, message),
            Ok(Ok(())) => Attempt {
                latency,
                failures: self.expect.check_latency(latency).into_iter().collect(),
                ..Attempt::default()
            },
        }
    }
}

/// Either kind of probe, so that one run holds HTTP and TCP targets together.
pub enum AnyProbe<'a> {
    Http(HttpProbe<'a>),
    Tcp(TcpProbe<'a>),
}

impl Probe for AnyProbe<'_> {
    async fn attempt(&self, timeout: Duration, at_deadline: bool) -> Attempt {
        match self {
            AnyProbe::Http(p) => p.attempt(timeout, at_deadline).await,
            AnyProbe::Tcp(p) => p.attempt(timeout, at_deadline).await,
        }
    }
}

fn io_message(e: &std::io::Error) -> String {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::ConnectionRefused => "connection refused".to_owned(),
        ErrorKind::ConnectionReset => "connection reset".to_owned(),
        _ => {
            let text = e.to_string();
            // "No route to host (os error 113)" -> "no route to host"
            let text = text
                .rfind(" (os error")
                .map_or(text.as_str(), |i| &text[..i]);
            let mut chars = text.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_lowercase().chain(chars).collect()
            })
        }
    }
}

/// A transport error without the URL (reqwest's own message names it, with any token in
/// it): the chain of causes, e.g. `connection refused`, `DNS: failed to lookup address
/// information: Name or service not known`, `TLS: invalid peer certificate: UnknownIssuer`.
pub fn describe(err: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut causes: Vec<String> = Vec::new();
    let mut source = err.source();
    let mut io_kind = None;
    while let Some(e) = source {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            io_kind.get_or_insert(io.kind());
        }
        let text = e.to_string();
        let generic = text.starts_with("client error (") || text.is_empty();
        if !generic && !causes.iter().any(|c| c.contains(&text)) {
            causes.push(text);
        }
        source = e.source();
    }
    match io_kind {
        Some(std::io::ErrorKind::ConnectionRefused) => return "connection refused".to_owned(),
        Some(std::io::ErrorKind::ConnectionReset) => return "connection reset".to_owned(),
        _ => {}
    }
    let text = causes.join(": ");
    if text.contains("dns error") {
        let rest = causes.last().map_or(text.as_str(), String::as_str);
        return format!("DNS: {rest}");
    }
    if text.contains("certificate") || text.contains("TLS") || text.contains("tls") {
        let rest = causes.last().map_or(text.as_str(), String::as_str);
        return format!("TLS: {rest}");
    }
    if !text.is_empty() {
        text
    } else if err.is_timeout() {
        "timed out".to_owned()
    } else if err.is_connect() {
        "cannot connect".to_owned()
    } else if err.is_body() {
        "cannot read the body".to_owned()
    } else {
        "the request failed".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_messages_are_short() {
        use std::io::{Error, ErrorKind};
        assert_eq!(
            io_message(&Error::from(ErrorKind::ConnectionRefused)),
            "connection refused"
        );
        assert_eq!(
            io_message(&Error::from_raw_os_error(113)),
            "no route to host"
        );
    }

    #[test]
    fn attempts_are_ok_only_without_error_or_failure() {
        assert!(Attempt::default().ok());
        assert!(!Attempt::error(Duration::ZERO, "x".into()).ok());
        let a = Attempt {
            failures: vec!["status".into()],
            ..Attempt::default()
        };
        assert!(!a.ok());
    }
}
