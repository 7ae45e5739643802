//! One attempt against one target: an HTTP request judged by the expectations, or a TCP
//! connect. Every attempt ends within its timeout, whatever the server does.

use std::fmt::Write as _;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Client, Method, redirect};
use tokio::time::Instant;
use url::Url;

use crate::expect::{self, Expectations, ResponseView};
use crate::redact;
use crate::request::{Resolve, Target};
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

    fn error(latency: Duration, message: String) -> Attempt {
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

/// Where the redirects of the current attempt led last, so that an error on the way is not
/// blamed on the URL asked: reqwest's errors carry the original URL. One per client; a
/// target's attempts run one at a time, each starting with [`LastHop::take`].
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

/// A client for one target, and where its redirects lead: `--resolve` entries apply when
/// their port is the target's.
///
/// Every attempt opens a new connection, as ALB and Kubernetes probes do: a kept-alive
/// connection would pin the probe to one task behind a network load balancer (the old one,
/// after a deploy) and would not show a server that stopped accepting connections.
pub fn client_for(target: &Target, options: &ClientOptions) -> anyhow::Result<(Client, LastHop)> {
    let (_, port) = target.host_port();
    let last_hop = LastHop::default();
    let policy = if options.follow_redirects {
        let hop = last_hop.clone();
        let limited = redirect::Policy::limited(10);
        redirect::Policy::custom(move |attempt| {
            hop.set(attempt.url());
            limited.redirect(attempt)
        })
    } else {
        redirect::Policy::none()
    };
    let mut builder = Client::builder()
        .pool_max_idle_per_host(0)
        .user_agent(concat!("health-probe/", env!("CARGO_PKG_VERSION")))
        .redirect(policy)
        .tls_backend_preconfigured(options.tls.clone());
    for entry in options.resolve.iter().filter(|r| r.port == port) {
        builder = builder.resolve_to_addrs(&entry.host, &entry.socket_addrs());
    }
    let client = builder
        .build()
        .map_err(|e| anyhow::anyhow!("cannot set up the HTTP client: {}", describe(&e)))?;
    Ok((client, last_hop))
}

/// An HTTP(S) target with its request and expectations.
pub struct HttpProbe<'a> {
    pub client: Client,
    pub last_hop: LastHop,
    pub target: &'a Target,
    pub method: Method,
    pub headers: HeaderMap,
    pub body: Option<Bytes>,
    pub expect: &'a Expectations,
}

struct Answer {
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
    truncated: bool,
    /// The URL that answered (shown form), when redirects led elsewhere.
    final_url: Option<String>,
}

impl HttpProbe<'_> {
    /// [`describe`], and where the error happened when that is not the target (a redirect
    /// led elsewhere): the line must not blame the URL asked.
    fn describe(&self, err: &reqwest::Error) -> String {
        let message = describe(err);
        let at = self
            .last_hop
            .take()
            .or_else(|| err.url().cloned())
            .filter(|url| *url != self.target.url);
        match at {
            Some(url) => format!("{message} (at {})", redact::url(&url)),
            None => message,
        }
    }

    async fn exchange(&self) -> Result<Answer, String> {
        self.last_hop.take();
        let mut request = self
            .client
            .request(self.method.clone(), self.target.url.clone())
            .headers(self.headers.clone());
        if let Some(body) = &self.body {
            request = request.body(body.clone());
        }
        let mut response = request.send().await.map_err(|e| self.describe(&e))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let final_url = (*response.url() != self.target.url).then(|| redact::url(response.url()));
        let cap = self.expect.max_body;
        let mut body = Vec::new();
        let mut truncated = false;
        if self.method != Method::HEAD {
            while let Some(chunk) = response
                .chunk()
                .await
                .map_err(|e| format!("reading the body: {}", self.describe(&e)))?
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
}

impl Probe for HttpProbe<'_> {
    async fn attempt(&self, timeout: Duration, at_deadline: bool) -> Attempt {
        let start = Instant::now();
        let result = tokio::time::timeout(timeout, self.exchange()).await;
        let latency = start.elapsed();
        let answer = match result {
            Err(_) => {
                let mut message = timed_out(timeout, at_deadline);
                if let Some(url) = self.last_hop.take().filter(|u| *u != self.target.url) {
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
        let checking = self.expect.check_async(&view);
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
            excerpt: (failed && !answer.body.is_empty())
                .then(|| expect::excerpt(&answer.body, 120)),
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
    if err.is_redirect() {
        return "too many redirects".to_owned();
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
