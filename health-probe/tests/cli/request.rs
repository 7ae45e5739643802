//! The request: headers from argv, a file and the environment; bodies and methods;
//! redirects; --resolve; proxies from the environment; the User-Agent.

use std::io::Write as _;
use std::time::Duration;

use test_support::http::{Reply, Server};

use crate::{probe, report, stderr, stdout};

#[test]
fn headers_from_argv_file_and_environment_reach_the_server() {
    let server = Server::start(|_| Reply::text(200, "ok"));
    let mut file = tempfile::NamedTempFile::new().unwrap();
    writeln!(file, "# tokens\nX-From-File: f1le-v4lue\n\nX-Second: two").unwrap();
    let out = probe()
        .args(["-H", "X-From-Argv: 4rgv-v4lue"])
        .arg("--header-file")
        .arg(file.path())
        .args(["--header-from-env", "Authorization=HEALTH_TOKEN"])
        .env("HEALTH_TOKEN", "Bearer 3nv-t0ken")
        .arg(server.url("/"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let req = &server.requests()[0];
    assert_eq!(req.header("x-from-argv"), Some("4rgv-v4lue"));
    assert_eq!(req.header("x-from-file"), Some("f1le-v4lue"));
    assert_eq!(req.header("x-second"), Some("two"));
    assert_eq!(req.header("authorization"), Some("Bearer 3nv-t0ken"));
    let all = format!("{}{}", stdout(&out), stderr(&out));
    for secret in ["4rgv-v4lue", "f1le-v4lue", "3nv-t0ken"] {
        assert!(!all.contains(secret), "{secret} leaked: {all}");
    }
}

#[test]
fn user_agent_names_the_tool_and_can_be_replaced() {
    let server = Server::start(|_| Reply::text(200, "ok"));
    let out = probe().arg(server.url("/")).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let ua = server.requests()[0]
        .header("user-agent")
        .unwrap()
        .to_owned();
    assert!(ua.starts_with("health-probe/"), "{ua}");

    let out = probe()
        .args(["-H", "User-Agent: smoke-test/1"])
        .arg(server.url("/"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        server.requests()[1].header("user-agent"),
        Some("smoke-test/1")
    );
}

#[test]
fn data_implies_post_and_method_overrides() {
    let server = Server::start(|_| Reply::text(200, "ok"));
    let out = probe()
        .args([
            "-d",
            r#"{"ping":1}"#,
            "-H",
            "Content-Type: application/json",
        ])
        .arg(server.url("/rpc"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let req = &server.requests()[0];
    assert_eq!(req.method, "POST");
    assert_eq!(req.body, br#"{"ping":1}"#);
    assert_eq!(req.header("content-type"), Some("application/json"));

    let out = probe()
        .args(["--data-file", "-", "-X", "put"])
        .arg(server.url("/rpc"))
        .write_stdin("from stdin")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let req = &server.requests()[1];
    assert_eq!(
        (req.method.as_str(), req.body.as_slice()),
        ("PUT", &b"from stdin"[..])
    );

    let out = probe()
        .args(["-X", "HEAD"])
        .arg(server.url("/"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(server.requests()[2].method, "HEAD");
}

#[test]
fn every_attempt_sends_the_whole_body() {
    let server = crate::healthy_after(2);
    let out = probe()
        .args(["-i", "50ms", "--data-file", "-"])
        .arg(server.url("/rpc"))
        .write_stdin("{\"ping\": \"from stdin\"}")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    for req in &requests {
        assert_eq!(req.method, "POST");
        assert_eq!(req.body, br#"{"ping": "from stdin"}"#);
    }
}

fn redirecting() -> Server {
    Server::start(|req| {
        if req.path == "/old" {
            Reply::status(302).header("Location", "/new?token=s3cr3t")
        } else {
            Reply::text(200, "moved here")
        }
    })
}

#[test]
fn redirects_are_followed_by_default() {
    let server = redirecting();
    let out = probe()
        .args(["--expect-body", "nowhere", "-t", "1s", "-i", "100ms"])
        .arg(server.url("/old"))
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    // the answering URL is named, redacted
    assert!(err.contains("200 OK in "), "{err}");
    assert!(
        err.contains(&format!("from {}", server.url("/new?token=***"))),
        "{err}"
    );
    assert!(!err.contains("s3cr3t"), "{err}");

    let out = probe().arg(server.url("/old")).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn a_redirect_that_fails_names_where_it_failed() {
    let closed_port = test_support::ClosedPort::new();
    let closed = closed_port.port();
    let server = Server::start(move |_| {
        Reply::status(302).header(
            "Location",
            &format!("http://127.0.0.1:{closed}/moved?token=s3cr3t"),
        )
    });
    let out = probe()
        .args(["-t", "1s", "-i", "200ms", "--json"])
        .arg(server.url("/health"))
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let at = format!("connection refused (at http://127.0.0.1:{closed}/moved?token=***)");
    assert!(
        err.contains(&format!("{}: #1 {at} after ", server.url("/health"))),
        "{err}"
    );
    assert_eq!(report(&out)["urls"][0]["last_error"], at.as_str());
    assert!(
        !err.contains("s3cr3t") && !stdout(&out).contains("s3cr3t"),
        "{err}"
    );
}

#[test]
fn a_redirect_to_a_hanging_server_names_it_in_the_timeout() {
    let server = Server::start(|req| {
        if req.path == "/health" {
            Reply::status(302).header("Location", "/slow")
        } else {
            Reply::text(200, "late").delay(Duration::from_secs(3))
        }
    });
    let out = probe()
        .args(["-t", "1s", "-i", "500ms", "--attempt-timeout", "300ms"])
        .arg(server.url("/health"))
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "#1 timed out after 300ms (--attempt-timeout) (at {})",
            server.url("/slow")
        )),
        "{err}"
    );
}

#[test]
fn no_redirect_matches_the_3xx_itself() {
    let server = redirecting();
    let out = probe()
        .args(["--no-redirect", "-t", "1s", "-i", "100ms"])
        .arg(server.url("/old"))
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("302 Found in"), "{err}");
    assert!(err.contains("status 302 is not in 200-299"), "{err}");

    let out = probe()
        .args(["--no-redirect", "-s", "301-302"])
        .arg(server.url("/old"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(server.requests().iter().all(|r| r.path == "/old"));
}

#[test]
fn resolve_probes_one_address_with_the_right_host() {
    let server = Server::start(|_| Reply::text(200, "ok"));
    let port = server.addr().port();
    let out = probe()
        .args(["--resolve", &format!("app.example.test:{port}:127.0.0.1")])
        .arg(format!("http://app.example.test:{port}/health"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        server.requests()[0].header("host"),
        Some(format!("app.example.test:{port}").as_str())
    );
}

#[test]
fn a_resolve_entry_that_matches_no_url_is_warned_about() {
    let server = Server::start(|_| Reply::text(200, "ok"));
    let out = probe()
        .args(["--resolve", "other.test:443:10.0.0.1"])
        .arg(server.url("/"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stderr(&out).contains("warning: --resolve other.test:443: no URL has that host and port")
    );
}

#[test]
fn proxies_come_from_the_environment() {
    let proxy = Server::start(|req| {
        if req.header("host") == Some("app.invalid") {
            Reply::text(200, "via proxy")
        } else {
            Reply::status(400)
        }
    });
    let out = probe()
        .env("http_proxy", proxy.url(""))
        .args(["--expect-body", "via proxy", "http://app.invalid/health"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(proxy.hits(), 1);
}

#[test]
fn every_attempt_opens_a_new_connection() {
    use std::io::{BufRead as _, BufReader};
    use std::net::TcpListener;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    // A keep-alive server that counts connections (test_support's server does not say).
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let connections = Arc::new(AtomicUsize::new(0));
    let counted = connections.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            counted.fetch_add(1, Ordering::SeqCst);
            std::thread::spawn(move || {
                let mut writer = stream.try_clone().unwrap();
                let mut reader = BufReader::new(stream);
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
                    if line == "\r\n" {
                        let reply = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n";
                        if writer.write_all(reply.as_bytes()).is_err() {
                            break;
                        }
                    }
                    line.clear();
                }
            });
        }
    });
    let out = probe()
        .args(["-i", "50ms", "--max-attempts", "3"])
        .arg(format!("http://127.0.0.1:{port}/"))
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.matches("503 Service Unavailable").count(), 4, "{err}");
    assert_eq!(connections.load(Ordering::SeqCst), 3);
}
