//! A fault-injecting HTTP proxy for tests: it sits on a loopback port between a tool and its
//! API (the emulator, a fake GitHub API) and, for a share of the requests, answers with a
//! fault instead of (or on top of) the real answer.
//!
//! ```ignore
//! let moto = Moto::start();
//! let proxy = FaultProxy::start(&moto.endpoint(), Faults::seeded(7).rate(0.3));
//! // the tool talks to proxy.url() instead of moto.endpoint()
//! let injected = proxy.injected();
//! assert!(injected.total() > 0);
//! ```
//!
//! What it injects ([`Fault`]): the API's throttling error, 500 and 503 answers, a gateway's
//! HTML page instead of JSON, a connection closed without an answer, added latency, a body
//! sent slowly, no answer at all; GitHub's secondary rate limit, AWS's expired token, an
//! answer lost after the API acted. Which requests: a share of them (`rate`), only during a
//! time window counted from the proxy's start, only for named operations, only the first
//! few; requests signed with a revoked or expired access key ([`FaultProxy::revoke`],
//! [`FaultProxy::expire_keys_named`]) get the expired-token answer; the choice is a
//! function of the seed and the request's number among the matching ones, so a run that
//! makes its requests in the same order gets the same faults.
//!
//! Operations are named as AWS names them for the JSON protocols (the part of `X-Amz-Target`
//! after the dot: `DescribeTasks`), and `METHOD /path` otherwise (`PUT /repos/o/r/...`);
//! [`Faults::only`] matches an AWS name exactly or a `METHOD /path` by prefix.
//!
//! Requests are forwarded unchanged (the `Host` header included: neither the emulator nor
//! the fake servers check signatures), one connection per request. The proxy runs on its own
//! thread and stops when dropped.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http_body_util::BodyExt as _;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use answers::{Body, Closed, canned, forward, slow};

mod answers;

/// One kind of fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The API's throttling answer: for an AWS JSON request (it has `X-Amz-Target`), 400 with
    /// `{"__type":"ThrottlingException"}` as ECS, ECR and CloudWatch Logs send it; otherwise
    /// 429 with `Retry-After: 1` (GitHub's secondary rate limit answers 403 or 429).
    Throttle,
    /// 500 with an AWS error body (`InternalFailure`); the request is not forwarded.
    ServerError,
    /// 503 with a plain-text body; the request is not forwarded.
    Unavailable,
    /// 502 with an HTML page (what a gateway in front of an API answers): not JSON.
    NotJson,
    /// The connection is closed without an answer; the request is not forwarded.
    Reset,
    /// The request is forwarded after this delay.
    Latency(Duration),
    /// The request is forwarded; the answer's body is sent in pieces spread over this time.
    SlowBody(Duration),
    /// The request is read and never answered: the connection stays open until the client
    /// gives up (an API that accepts connections and never answers).
    Hang,
    /// GitHub's secondary rate limit as it sends it: 403 with its message and
    /// `Retry-After: 1`; the request is not forwarded.
    SecondaryRateLimit,
    /// AWS's answer to a request signed with an expired session token: 400 with
    /// `{"__type":"ExpiredTokenException"}` (AWS JSON); the request is not forwarded. Also
    /// what a key given to [`FaultProxy::revoke`] gets.
    ExpiredToken,
    /// The request is forwarded and the API acts on it, then the connection is closed
    /// without its answer: a retried call is made twice.
    LostAnswer,
}

impl Fault {
    /// The name used in [`Injected`] counts: `throttle`, `500`, `503`, `not-json`, `reset`,
    /// `latency`, `slow-body`, `hang`, `secondary-rate-limit`, `expired-token`, `lost-answer`.
    pub fn name(self) -> &'static str {
        match self {
            Fault::Throttle => "throttle",
            Fault::ServerError => "500",
            Fault::Unavailable => "503",
            Fault::NotJson => "not-json",
            Fault::Reset => "reset",
            Fault::Latency(_) => "latency",
            Fault::SlowBody(_) => "slow-body",
            Fault::Hang => "hang",
            Fault::SecondaryRateLimit => "secondary-rate-limit",
            Fault::ExpiredToken => "expired-token",
            Fault::LostAnswer => "lost-answer",
        }
    }

    /// The faults an API really produces and a client is expected to survive by retrying:
    /// throttling, 500, 503, a gateway's HTML page, a reset, 200 ms of latency, a body sent
    /// over 200 ms.
    pub fn transient() -> Vec<Fault> {
        vec![
            Fault::Throttle,
            Fault::ServerError,
            Fault::Unavailable,
            Fault::NotJson,
            Fault::Reset,
            Fault::Latency(Duration::from_millis(200)),
            Fault::SlowBody(Duration::from_millis(200)),
        ]
    }
}

/// Which requests get which faults.
#[derive(Debug, Clone)]
pub struct Faults {
    seed: u64,
    rate: f64,
    kinds: Vec<Fault>,
    only: Vec<String>,
    window: Option<(Duration, Duration)>,
    first: Option<u64>,
}

impl Faults {
    /// No faults yet: set a [`rate`](Faults::rate). The kinds default to [`Fault::transient`].
    pub fn seeded(seed: u64) -> Faults {
        Faults {
            seed,
            rate: 0.0,
            kinds: Fault::transient(),
            only: Vec::new(),
            window: None,
            first: None,
        }
    }

    /// No faults at all: every request forwarded.
    pub fn none() -> Faults {
        Faults::seeded(0)
    }

    /// Every matching request gets `fault`: a fault that never clears.
    pub fn always(fault: Fault) -> Faults {
        Faults::seeded(0).rate(1.0).kinds(&[fault])
    }

    /// The share of matching requests that get a fault (0.0 to 1.0).
    #[must_use]
    pub fn rate(mut self, rate: f64) -> Faults {
        self.rate = rate.clamp(0.0, 1.0);
        self
    }

    /// The kinds to choose from (evenly, by the seed).
    #[must_use]
    pub fn kinds(mut self, kinds: &[Fault]) -> Faults {
        assert!(!kinds.is_empty(), "Faults::kinds needs at least one kind");
        self.kinds = kinds.to_vec();
        self
    }

    /// Only these operations (AWS names such as `DescribeTasks`, or `METHOD /path` prefixes).
    #[must_use]
    pub fn only(mut self, operations: &[&str]) -> Faults {
        self.only = operations.iter().map(|o| (*o).to_owned()).collect();
        self
    }

    /// Only for requests that arrive between `from` and `until` after the proxy started (or
    /// after [`FaultProxy::set`]).
    #[must_use]
    pub fn window(mut self, from: Duration, until: Duration) -> Faults {
        self.window = Some((from, until));
        self
    }

    /// Only the first `n` matching requests (a fault that clears: `always(Fault::Reset)
    /// .first(1)` loses one connection).
    #[must_use]
    pub fn first(mut self, n: u64) -> Faults {
        self.first = Some(n);
        self
    }

    fn matches(&self, operation: &str) -> bool {
        self.only.is_empty()
            || self
                .only
                .iter()
                .any(|o| o == operation || (o.contains(' ') && operation.starts_with(o.as_str())))
    }

    /// The fault for the `n`th matching request, if any.
    fn choose(&self, n: u64) -> Option<Fault> {
        if self.first.is_some_and(|first| n >= first) {
            return None;
        }
        let x = splitmix64(self.seed ^ splitmix64(n));
        // The top 53 bits as a number in [0, 1).
        #[allow(clippy::cast_precision_loss)]
        let draw = (x >> 11) as f64 / (1u64 << 53) as f64;
        if draw >= self.rate {
            return None;
        }
        let pick = usize::try_from(splitmix64(x) % self.kinds.len() as u64).unwrap_or(0);
        Some(self.kinds[pick])
    }
}

fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// What the proxy did so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Injected {
    /// Requests received.
    pub requests: usize,
    /// Requests forwarded to the API (with or without latency or a slow body).
    pub forwarded: usize,
    /// Faults injected, by [`Fault::name`].
    pub faults: BTreeMap<&'static str, usize>,
    /// Faults injected, by operation.
    pub by_operation: BTreeMap<String, usize>,
    /// Every request in order: its operation and the fault it got.
    pub log: Vec<(String, Option<&'static str>)>,
    /// The access key ids of signed requests (`Credential=` of the `Authorization` header),
    /// each once, in the order first seen.
    pub keys: Vec<String>,
}

impl Injected {
    /// How many faults were injected in all.
    pub fn total(&self) -> usize {
        self.faults.values().sum()
    }

    /// How many faults of this kind ([`Fault::name`]).
    pub fn of(&self, name: &str) -> usize {
        self.faults.get(name).copied().unwrap_or(0)
    }
}

struct State {
    upstream: SocketAddr,
    plan: Mutex<(Faults, Instant)>,
    matching: AtomicU64,
    injected: Mutex<Injected>,
    revoked: Mutex<Vec<String>>,
    expiring: Mutex<Option<String>>,
}

/// The running proxy; stops when dropped.
pub struct FaultProxy {
    addr: SocketAddr,
    state: Arc<State>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FaultProxy {
    /// A proxy on a free 127.0.0.1 port to `upstream` (`http://127.0.0.1:PORT`, as
    /// `Moto::endpoint` or `Server::url("")` give it).
    pub fn start(upstream: &str, faults: Faults) -> FaultProxy {
        let authority = upstream
            .strip_prefix("http://")
            .expect("the proxy forwards to http:// only")
            .trim_end_matches('/');
        let upstream: SocketAddr = authority
            .parse()
            .expect("the upstream is http://IP:PORT on loopback");
        let listener =
            std::net::TcpListener::bind(("127.0.0.1", 0)).expect("cannot bind the fault proxy");
        listener.set_nonblocking(true).expect("nonblocking");
        let addr = listener.local_addr().expect("local address");
        let state = Arc::new(State {
            upstream,
            plan: Mutex::new((faults, Instant::now())),
            matching: AtomicU64::new(0),
            injected: Mutex::new(Injected::default()),
            revoked: Mutex::new(Vec::new()),
            expiring: Mutex::new(None),
        });
        let (stop_tx, mut stop_rx) = tokio::sync::oneshot::channel::<()>();
        let shared = state.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let listener = TcpListener::from_std(listener).expect("listener");
                loop {
                    let (stream, _) = tokio::select! {
                        _ = &mut stop_rx => break,
                        accepted = listener.accept() => match accepted {
                            Ok(s) => s,
                            Err(_) => continue,
                        },
                    };
                    let state = shared.clone();
                    tokio::spawn(async move {
                        let service = service_fn(move |req| {
                            let state = state.clone();
                            async move { handle(&state, req).await }
                        });
                        let _ = http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    });
                }
            });
        });
        FaultProxy {
            addr,
            state,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`: give it to the tool as its endpoint.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Replace the plan (e.g. [`Faults::none`] once an outage is over); the window and the
    /// request numbering restart.
    pub fn set(&self, faults: Faults) {
        *self.state.plan.lock().unwrap() = (faults, Instant::now());
        self.state.matching.store(0, Ordering::SeqCst);
    }

    /// From now on, requests signed with this access key id get [`Fault::ExpiredToken`]
    /// whatever the plan (credentials revoked or expired mid-run).
    pub fn revoke(&self, access_key_id: &str) {
        self.state
            .revoked
            .lock()
            .unwrap()
            .push(access_key_id.to_owned());
    }

    /// Keys named `PREFIX` followed by a Unix time in seconds (`ASIAEXP1764762000`) expire at
    /// that time: from then on, requests signed with them get [`Fault::ExpiredToken`], as AWS
    /// refuses a session token past its `Expiration`. A test's `credential_process` names the
    /// keys it hands out so.
    pub fn expire_keys_named(&self, prefix: &str) {
        *self.state.expiring.lock().unwrap() = Some(prefix.to_owned());
    }

    /// What was injected so far.
    pub fn injected(&self) -> Injected {
        self.state.injected.lock().unwrap().clone()
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The access key id of a SigV4-signed request: `Credential=KEY/date/region/service/...`.
fn access_key(parts: &hyper::http::request::Parts) -> Option<String> {
    let auth = parts.headers.get("authorization")?.to_str().ok()?;
    let rest = &auth[auth.find("Credential=")? + "Credential=".len()..];
    Some(rest.split('/').next()?.to_owned())
}

impl State {
    /// Whether `key` is revoked or past the expiry its name carries.
    fn refuses(&self, key: &str) -> bool {
        if self.revoked.lock().unwrap().iter().any(|k| k == key) {
            return true;
        }
        let expiring = self.expiring.lock().unwrap();
        let Some(at) = expiring
            .as_deref()
            .and_then(|prefix| key.strip_prefix(prefix))
            .and_then(|secs| secs.parse::<u64>().ok())
        else {
            return false;
        };
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        now >= at
    }
}

fn operation(parts: &hyper::http::request::Parts) -> String {
    match parts
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
    {
        Some(target) => target.rsplit('.').next().unwrap_or(target).to_owned(),
        None => format!("{} {}", parts.method, parts.uri.path()),
    }
}

async fn handle(
    state: &State,
    req: hyper::Request<Incoming>,
) -> Result<hyper::Response<Body>, Closed> {
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map_err(|_| Closed("the request body could not be read"))?
        .to_bytes();
    let op = operation(&parts);
    let key = access_key(&parts);
    let refused = key.as_deref().is_some_and(|k| state.refuses(k));
    let fault = if refused {
        Some(Fault::ExpiredToken)
    } else {
        let plan = state.plan.lock().unwrap();
        let (faults, since) = &*plan;
        let in_window = faults.window.is_none_or(|(from, until)| {
            let t = since.elapsed();
            t >= from && t < until
        });
        if in_window && faults.matches(&op) {
            faults.choose(state.matching.fetch_add(1, Ordering::SeqCst))
        } else {
            None
        }
    };
    {
        let mut injected = state.injected.lock().unwrap();
        injected.requests += 1;
        injected.log.push((op.clone(), fault.map(Fault::name)));
        if let Some(k) = key
            && !injected.keys.contains(&k)
        {
            injected.keys.push(k);
        }
        if let Some(f) = fault {
            *injected.faults.entry(f.name()).or_default() += 1;
            *injected.by_operation.entry(op).or_default() += 1;
        }
        if matches!(
            fault,
            None | Some(Fault::Latency(_) | Fault::SlowBody(_) | Fault::LostAnswer)
        ) {
            injected.forwarded += 1;
        }
    }
    let aws_json = parts.headers.contains_key("x-amz-target");
    if let Some(answer) = fault.and_then(|f| canned(f, aws_json)) {
        return Ok(answer);
    }
    match fault {
        None => forward(state.upstream, parts, body).await,
        Some(Fault::Latency(d)) => {
            tokio::time::sleep(d).await;
            forward(state.upstream, parts, body).await
        }
        Some(Fault::SlowBody(d)) => {
            let response = forward(state.upstream, parts, body).await?;
            let (head, body) = response.into_parts();
            let bytes = body
                .collect()
                .await
                .map_err(|_| Closed("the upstream body could not be read"))?
                .to_bytes();
            Ok(hyper::Response::from_parts(head, slow(bytes, d)))
        }
        Some(Fault::Reset) => Err(Closed("fault injected: connection reset")),
        Some(Fault::Hang) => std::future::pending().await,
        Some(Fault::LostAnswer) => {
            // The API acts on the request; its answer never reaches the client.
            let _ = forward(state.upstream, parts, body).await;
            Err(Closed("fault injected: the answer was lost"))
        }
        Some(_) => unreachable!("answered by `canned`"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_choice_is_a_function_of_the_seed_and_the_request_number() {
        let a = Faults::seeded(7).rate(0.3);
        let b = Faults::seeded(7).rate(0.3);
        let c = Faults::seeded(8).rate(0.3);
        let seq = |f: &Faults| (0..1000).map(|n| f.choose(n)).collect::<Vec<_>>();
        assert_eq!(seq(&a), seq(&b));
        assert_ne!(seq(&a), seq(&c));
        let hits = seq(&a).iter().filter(|f| f.is_some()).count();
        assert!(
            (250..350).contains(&hits),
            "{hits} of 1000 at a rate of 0.3"
        );
        // Every kind is used.
        for kind in Fault::transient() {
            assert!(seq(&a).contains(&Some(kind)), "{kind:?} never chosen");
        }
    }

    #[test]
    fn rates_zero_and_one_are_exact() {
        assert!((0..1000).all(|n| Faults::seeded(3).choose(n).is_none()));
        assert!((0..1000).all(|n| Faults::always(Fault::Reset).choose(n) == Some(Fault::Reset)));
    }

    #[test]
    fn first_limits_the_faults_to_the_first_matching_requests() {
        let f = Faults::always(Fault::Reset).first(2);
        assert_eq!(f.choose(0), Some(Fault::Reset));
        assert_eq!(f.choose(1), Some(Fault::Reset));
        assert!((2..100).all(|n| f.choose(n).is_none()));
    }

    #[test]
    fn the_access_key_is_read_from_the_signature() {
        let req = hyper::Request::builder()
            .header(
                "authorization",
                "AWS4-HMAC-SHA256 Credential=ASIAEXP123/20261203/us-east-1/ecs/aws4_request, \
                 SignedHeaders=host;x-amz-date, Signature=abc",
            )
            .body(())
            .unwrap();
        let (parts, ()) = req.into_parts();
        assert_eq!(access_key(&parts).as_deref(), Some("ASIAEXP123"));
        let (unsigned, ()) = hyper::Request::new(()).into_parts();
        assert_eq!(access_key(&unsigned), None);
    }

    #[test]
    fn only_matches_aws_names_exactly_and_paths_by_prefix() {
        let f = Faults::seeded(1).only(&["DescribeTasks", "PUT /repos/"]);
        assert!(f.matches("DescribeTasks"));
        assert!(!f.matches("DescribeTasksX"));
        assert!(f.matches("PUT /repos/o/r/actions/secrets/A"));
        assert!(!f.matches("GET /repos/o/r"));
    }
}
