//! Local HTTP(S) servers for tests: the test decides every answer.
//!
//! ```ignore
//! let server = Server::start(|req: &Request| {
//!     if req.path == "/health" { Reply::text(200, "ok") } else { Reply::status(404) }
//! });
//! let url = server.url("/health");
//! ```
//!
//! Each server runs on its own thread with its own runtime and stops when dropped.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// Path and query, as sent.
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// The first header of that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What the server answers.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Wait this long before answering (a slow server).
    pub delay: Duration,
}

impl Reply {
    pub fn status(status: u16) -> Reply {
        Reply {
            status,
            headers: Vec::new(),
            body: Vec::new(),
            delay: Duration::ZERO,
        }
    }

    pub fn text(status: u16, body: &str) -> Reply {
        Reply::status(status)
            .header("Content-Type", "text/plain")
            .body(body.as_bytes().to_vec())
    }

    pub fn json(status: u16, body: &serde_json::Value) -> Reply {
        Reply::status(status)
            .header("Content-Type", "application/json")
            .body(body.to_string().into_bytes())
    }

    #[must_use]
    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    #[must_use]
    pub fn body(mut self, body: Vec<u8>) -> Reply {
        self.body = body;
        self
    }

    #[must_use]
    pub fn delay(mut self, delay: Duration) -> Reply {
        self.delay = delay;
        self
    }
}

type Handler = dyn Fn(&Request) -> Reply + Send + Sync;

/// A running server.
pub struct Server {
    addr: SocketAddr,
    tls: bool,
    hits: Arc<AtomicUsize>,
    requests: Arc<Mutex<Vec<Request>>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// A test certificate authority and a leaf certificate for `127.0.0.1` and `localhost`.
pub struct TestCert {
    /// The CA certificate (PEM), for `--cacert`.
    pub ca_pem: String,
    leaf_der: Vec<u8>,
    key_der: Vec<u8>,
}

impl TestCert {
    pub fn new() -> TestCert {
        use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
        let ca_key = KeyPair::generate().expect("CA key");
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "test-support CA");
        let ca = CertifiedIssuer::self_signed(ca_params, ca_key).expect("CA certificate");
        let leaf_key = KeyPair::generate().expect("leaf key");
        let leaf = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .expect("leaf params")
            .signed_by(&leaf_key, &ca)
            .expect("leaf certificate");
        TestCert {
            ca_pem: ca.pem(),
            leaf_der: leaf.der().to_vec(),
            key_der: leaf_key.serialize_der(),
        }
    }

    fn server_config(&self) -> Arc<rustls::ServerConfig> {
        use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(
                vec![CertificateDer::from(self.leaf_der.clone())],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key_der.clone())),
            )
            .expect("server certificate");
        Arc::new(config)
    }
}

impl Default for TestCert {
    fn default() -> Self {
        Self::new()
    }
}

/// Where a server listens.
enum Bind {
    /// This port, 0 for any.
    Port(u16),
    Held(crate::ClosedPort),
}

enum Bound {
    Listener(std::net::TcpListener),
    /// Listens once the server's runtime runs.
    Socket(crate::ClosedPort),
}

impl Server {
    /// Serve plain HTTP on a free 127.0.0.1 port.
    pub fn start(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> Server {
        Self::spawn(Bind::Port(0), None, Arc::new(handler))
    }

    /// Serve plain HTTP on the given port (for a server that appears mid-run).
    ///
    /// Prefer [`Server::start_on_port`]: a port number known in advance was released by
    /// whoever found it, and anyone may have taken it since.
    pub fn start_on(
        port: u16,
        handler: impl Fn(&Request) -> Reply + Send + Sync + 'static,
    ) -> Server {
        Self::spawn(Bind::Port(port), None, Arc::new(handler))
    }

    /// Serve plain HTTP on a port held closed until now (a server that appears mid-run):
    /// connections were refused until this call, and no one else could take the port.
    pub fn start_on_port(
        port: crate::ClosedPort,
        handler: impl Fn(&Request) -> Reply + Send + Sync + 'static,
    ) -> Server {
        Self::spawn(Bind::Held(port), None, Arc::new(handler))
    }

    /// Serve HTTPS with the test certificate on a free port.
    pub fn start_tls(
        cert: &TestCert,
        handler: impl Fn(&Request) -> Reply + Send + Sync + 'static,
    ) -> Server {
        Self::spawn(Bind::Port(0), Some(cert.server_config()), Arc::new(handler))
    }

    fn spawn(bind: Bind, tls: Option<Arc<rustls::ServerConfig>>, handler: Arc<Handler>) -> Server {
        let bound = match bind {
            Bind::Port(port) => {
                let listener = std::net::TcpListener::bind(("127.0.0.1", port))
                    .expect("cannot bind the test server");
                listener.set_nonblocking(true).expect("nonblocking");
                Bound::Listener(listener)
            }
            Bind::Held(port) => Bound::Socket(port),
        };
        let addr = match &bound {
            Bound::Listener(l) => l.local_addr().expect("local address"),
            Bound::Socket(p) => p.addr(),
        };
        let hits = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let (stop_tx, mut stop_rx) = tokio::sync::oneshot::channel::<()>();
        let is_tls = tls.is_some();
        let (h, r) = (hits.clone(), requests.clone());
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let listener = match bound {
                    Bound::Listener(l) => TcpListener::from_std(l).expect("listener"),
                    Bound::Socket(p) => p.into_socket().listen(1024).expect("listen"),
                };
                let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
                loop {
                    let (stream, _) = tokio::select! {
                        _ = &mut stop_rx => break,
                        accepted = listener.accept() => match accepted {
                            Ok(s) => s,
                            Err(_) => continue,
                        },
                    };
                    let (handler, hits, requests) = (handler.clone(), h.clone(), r.clone());
                    let acceptor = acceptor.clone();
                    tokio::spawn(async move {
                        let service = service_fn(move |req: hyper::Request<Incoming>| {
                            let (handler, hits, requests) =
                                (handler.clone(), hits.clone(), requests.clone());
                            async move {
                                Ok::<_, Infallible>(answer(req, &*handler, &hits, &requests).await)
                            }
                        });
                        match acceptor {
                            Some(acceptor) => {
                                if let Ok(tls_stream) = acceptor.accept(stream).await {
                                    let _ = http1::Builder::new()
                                        .serve_connection(TokioIo::new(tls_stream), service)
                                        .await;
                                }
                            }
                            None => {
                                let _ = http1::Builder::new()
                                    .serve_connection(TokioIo::new(stream), service)
                                    .await;
                            }
                        }
                    });
                }
            });
        });
        Server {
            addr,
            tls: is_tls,
            hits,
            requests,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    /// `http(s)://127.0.0.1:PORT{path}`
    pub fn url(&self, path: &str) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}{path}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// How many requests reached the handler.
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

async fn answer(
    req: hyper::Request<Incoming>,
    handler: &Handler,
    hits: &AtomicUsize,
    requests: &Mutex<Vec<Request>>,
) -> hyper::Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes().to_vec())
        .unwrap_or_default();
    let request = Request {
        method: parts.method.to_string(),
        path: parts
            .uri
            .path_and_query()
            .map_or_else(|| parts.uri.path().to_owned(), ToString::to_string),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body,
    };
    hits.fetch_add(1, Ordering::SeqCst);
    let reply = handler(&request);
    requests.lock().unwrap().push(request);
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    let mut response = hyper::Response::builder().status(reply.status);
    for (k, v) in &reply.headers {
        response = response.header(k, v);
    }
    response
        .body(Full::new(Bytes::from(reply.body)))
        .unwrap_or_else(|_| hyper::Response::new(Full::new(Bytes::new())))
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
