//! HTTPS with a test CA (trusted through --cacert, or --insecure), and tcp:// probes.

use std::io::Write as _;
use std::net::TcpListener;

use test_support::http::{Reply, Server, TestCert};

use crate::{Running, probe, probe_process, report, stderr};

fn ca_file(cert: &TestCert) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(cert.ca_pem.as_bytes()).unwrap();
    file
}

#[test]
fn https_with_the_test_ca_via_cacert() {
    let cert = TestCert::new();
    let server = Server::start_tls(&cert, |_| Reply::text(200, "secure"));
    let ca = ca_file(&cert);
    let out = probe()
        .arg("--cacert")
        .arg(ca.path())
        .args(["--expect-body", "secure", &server.url("/health")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(server.url("/").starts_with("https://127.0.0.1:"));
}

#[test]
fn https_with_insecure() {
    let cert = TestCert::new();
    let server = Server::start_tls(&cert, |_| Reply::text(200, "secure"));
    let out = probe()
        .args(["-k", &server.url("/health")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn an_untrusted_certificate_is_a_failed_attempt() {
    let cert = TestCert::new();
    let server = Server::start_tls(&cert, |_| Reply::text(200, "secure"));
    let out = probe()
        .args([
            "-t",
            "600ms",
            "-i",
            "200ms",
            "--json",
            &server.url("/health"),
        ])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("#1 TLS: "), "{err}");
    let last = report(&out)["urls"][0]["last_error"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        last.starts_with("TLS: ") && last.contains("certificate"),
        "{last}"
    );
    // the server never saw a request
    assert_eq!(server.hits(), 0);
}

#[test]
fn another_ca_does_not_help() {
    let cert = TestCert::new();
    let other = TestCert::new();
    let server = Server::start_tls(&cert, |_| Reply::text(200, "secure"));
    let ca = ca_file(&other);
    let out = probe()
        .arg("--cacert")
        .arg(ca.path())
        .args(["-t", "1s", "-i", "200ms", &server.url("/")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("TLS: "), "{}", stderr(&out));
}

#[test]
fn tcp_connect_succeeds_on_a_listening_port() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let out = probe()
        .args(["--json", &format!("tcp://127.0.0.1:{port}")])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains(&format!("tcp://127.0.0.1:{port}: #1 connected in ")),
        "{err}"
    );
    let r = report(&out);
    assert_eq!(r["urls"][0]["healthy"], true);
    assert_eq!(r["urls"][0]["last_status"], serde_json::Value::Null);
    drop(listener);
}

#[test]
fn tcp_waits_for_a_port_to_open() {
    let closed = test_support::ClosedPort::new();
    let port = closed.port();
    let mut cmd = probe_process();
    cmd.args([
        "-i",
        "100ms",
        "-t",
        "20s",
        &format!("tcp://127.0.0.1:{port}"),
    ]);
    let mut running = Running::start(&mut cmd);
    running.collect_stdout();
    running.wait_for_stderr(&format!("#1 127.0.0.1:{port}: connection refused"));
    // the port opens: a server takes the held port (nobody else could have)
    let _server = Server::start_on_port(closed, |_| Reply::text(200, "ok"));
    let out = running.wait();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("connection refused"), "{err}");
}

#[test]
fn tcp_and_http_together() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = Server::start(|_| Reply::text(200, "ok"));
    let out = probe()
        .args([
            "--expect-body",
            "ok",
            &format!("tcp://127.0.0.1:{port}"),
            &server.url("/"),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("all 2 URLs are healthy"));
}

#[test]
fn tcp_to_a_closed_port_fails_by_the_deadline() {
    let closed = test_support::ClosedPort::new();
    let port = closed.port();
    let out = probe()
        .args([
            "-t",
            "500ms",
            "-i",
            "100ms",
            &format!("tcp://127.0.0.1:{port}"),
        ])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!("127.0.0.1:{port}: connection refused")),
        "{err}"
    );
}

#[test]
fn tcp_honours_resolve() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let out = probe()
        .args(["--resolve", &format!("db.internal.test:{port}:127.0.0.1")])
        .arg(format!("tcp://db.internal.test:{port}"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    drop(listener);
}

/// A machine without a CA bundle (here: `SSL_CERT_FILE` names an empty file, which the
/// platform's verifier reads instead of the system's bundle): `http://` URLs are probed as
/// anywhere else; an `https://` URL cannot be checked, which is said at once; `--cacert`
/// is enough on its own.
#[test]
fn without_a_ca_bundle_http_works_and_https_says_why() {
    let empty = tempfile::NamedTempFile::new().unwrap();
    let no_roots = |cmd: &mut assert_cmd::Command| {
        cmd.env("SSL_CERT_FILE", empty.path())
            .env("SSL_CERT_DIR", empty.path());
    };
    let plain = Server::start(|_| Reply::text(200, "ok"));
    let mut cmd = probe();
    no_roots(&mut cmd);
    let out = cmd.arg(plain.url("/health")).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let cert = TestCert::new();
    let server = Server::start_tls(&cert, |_| Reply::text(200, "secure"));
    let mut cmd = probe();
    no_roots(&mut cmd);
    let out = cmd
        .args(["-t", "30s", &server.url("/health")])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("error: cannot set up TLS: ") && err.contains("CA certificates"),
        "{err}"
    );
    assert_eq!(server.hits(), 0);

    let ca = ca_file(&cert);
    let mut cmd = probe();
    no_roots(&mut cmd);
    let out = cmd
        .arg("--cacert")
        .arg(ca.path())
        .arg(server.url("/health"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}
