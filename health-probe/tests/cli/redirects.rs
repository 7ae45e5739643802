//! Redirects and credentials: the user's credentials (credential headers, every header of
//! --header-file and --header-from-env, the URL's user name and password) go to the target's
//! origin only, and never again once a redirect has left it, however many hops follow.
//! Methods and bodies follow browsers' rules.

use std::io::Write as _;
use std::sync::{Arc, OnceLock};

use test_support::http::{Reply, Request, Server};

use crate::{probe, report, stderr, stdout};

/// `n` servers whose handler gets its own index, the request and the base URLs
/// (`http://127.0.0.1:PORT`) of all of them.
fn servers(n: usize, route: fn(usize, &Request, &[String]) -> Reply) -> Vec<Server> {
    let bases: Arc<OnceLock<Vec<String>>> = Arc::default();
    let servers: Vec<Server> = (0..n)
        .map(|i| {
            let bases = bases.clone();
            Server::start(move |req| route(i, req, bases.get().expect("bases")))
        })
        .collect();
    bases
        .set(servers.iter().map(|s| s.url("")).collect())
        .unwrap();
    servers
}

/// The tool, for one attempt (a regression fails at once, not at the 5-minute deadline).
fn probe1() -> assert_cmd::Command {
    let mut cmd = probe();
    cmd.args(["--max-attempts", "1"]);
    cmd
}

fn redirect(status: u16, to: &str) -> Reply {
    Reply::status(status).header("Location", to)
}

/// What a request carried, but `host`: `name: value`, sorted.
fn seen(req: &Request) -> Vec<String> {
    let mut all: Vec<String> = req
        .headers
        .iter()
        .filter(|(k, _)| !k.eq_ignore_ascii_case("host"))
        .map(|(k, v)| format!("{}: {v}", k.to_ascii_lowercase()))
        .collect();
    all.sort();
    all
}

fn ua() -> String {
    format!("user-agent: health-probe/{}", env!("CARGO_PKG_VERSION"))
}

/// The headers a request carries without any flag.
fn plain() -> Vec<String> {
    let mut all = vec!["accept: */*".to_owned(), ua()];
    all.sort();
    all
}

fn with(extra: &[&str]) -> Vec<String> {
    let mut all = plain();
    all.extend(extra.iter().map(|s| (*s).to_owned()));
    all.sort();
    all
}

/// Every way of passing a credential, and a header that is not one.
fn credential_flags(cmd: &mut assert_cmd::Command) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    writeln!(file, "X-From-File: f1le-s3cret").unwrap();
    cmd.args(["-H", "Authorization: Bearer 4rgv-t0ken"])
        .args(["-H", "Cookie: session=c00kie"])
        .args(["-H", "X-Api-Key: k3y-v4lue"])
        .args(["-H", "Accept-Language: en"])
        .arg("--header-file")
        .arg(file.path())
        .args(["--header-from-env", "X-Deploy-Token=DEPLOY_TOKEN"])
        .env("DEPLOY_TOKEN", "3nv-t0ken");
    file
}

const ALL_CREDENTIALS: [&str; 5] = [
    "authorization: Bearer 4rgv-t0ken",
    "cookie: session=c00kie",
    "x-api-key: k3y-v4lue",
    "x-from-file: f1le-s3cret",
    "x-deploy-token: 3nv-t0ken",
];

#[test]
fn a_307_to_another_host_then_a_302_there_carries_no_credential() {
    // The reported chain: 307 to another origin (where reqwest stripped them), then 302 on
    // that origin (where reqwest sent them again).
    let s = servers(2, |i, req, bases| match (i, req.path.as_str()) {
        (0, "/health") => redirect(307, &format!("{}/step", bases[1])),
        (1, "/step") => redirect(302, "/final"),
        _ => Reply::text(200, "ok"),
    });
    let mut cmd = probe1();
    let _file = credential_flags(&mut cmd);
    let out = cmd.arg(s[0].url("/health")).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut origin = ALL_CREDENTIALS.to_vec();
    origin.push("accept-language: en");
    assert_eq!(seen(&s[0].requests()[0]), with(&origin));
    let elsewhere = s[1].requests();
    assert_eq!(
        elsewhere
            .iter()
            .map(|r| r.path.as_str())
            .collect::<Vec<_>>(),
        ["/step", "/final"]
    );
    for req in &elsewhere {
        assert_eq!(seen(req), with(&["accept-language: en"]), "{}", req.path);
    }
}

#[test]
fn url_credentials_go_to_the_origin_only_as_basic() {
    let s = servers(2, |i, req, bases| match (i, req.path.as_str()) {
        (0, "/health") => redirect(302, "/same-origin"),
        (0, "/same-origin") => redirect(307, &format!("{}/step", bases[1])),
        (1, "/step") => redirect(302, "/final"),
        _ => Reply::text(200, "ok"),
    });
    let port = s[0].addr().port();
    let out = probe1()
        .arg(format!("http://deploy:pa55w0rd@127.0.0.1:{port}/health"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // base64("deploy:pa55w0rd")
    let basic = "authorization: Basic ZGVwbG95OnBhNTV3MHJk";
    let origin = s[0].requests();
    assert_eq!(origin.len(), 2);
    for req in &origin {
        assert_eq!(seen(req), with(&[basic]), "{}", req.path);
    }
    for req in &s[1].requests() {
        assert_eq!(seen(req), plain(), "{}", req.path);
    }
}

#[test]
fn back_on_the_origin_after_leaving_it_still_no_credentials() {
    // As curl: once a redirect has left the origin, the credentials stay behind for the rest
    // of the attempt, even when another server sends the request back.
    let s = servers(2, |i, req, bases| match (i, req.path.as_str()) {
        (0, "/health") => redirect(302, &format!("{}/away", bases[1])),
        (1, "/away") => redirect(302, &format!("{}/back", bases[0])),
        _ => Reply::text(200, "ok"),
    });
    let mut cmd = probe1();
    let _file = credential_flags(&mut cmd);
    let port = s[0].addr().port();
    let out = cmd
        .arg(format!("http://deploy:pa55w0rd@127.0.0.1:{port}/health"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let origin = s[0].requests();
    assert_eq!(
        origin.iter().map(|r| r.path.as_str()).collect::<Vec<_>>(),
        ["/health", "/back"]
    );
    let mut all = ALL_CREDENTIALS.to_vec();
    all.push("accept-language: en");
    assert_eq!(seen(&origin[0]), with(&all));
    assert_eq!(seen(&origin[1]), with(&["accept-language: en"]));
    assert_eq!(seen(&s[1].requests()[0]), with(&["accept-language: en"]));
    // And the next attempt starts with them again.
    let err = stderr(&out);
    assert!(
        err.contains(&format!("from http://127.0.0.1:{port}/back")),
        "{err}"
    );
}

#[test]
fn the_same_address_under_another_name_is_another_origin() {
    // localhost and 127.0.0.1 reach the same server: the second is still another host.
    let s = servers(1, |_, req, _| match req.path.as_str() {
        "/health" => {
            let port = req.header("host").unwrap().rsplit(':').next().unwrap();
            redirect(301, &format!("http://localhost:{port}/renamed"))
        }
        _ => Reply::text(200, "ok"),
    });
    let mut cmd = probe1();
    let _file = credential_flags(&mut cmd);
    let out = cmd.arg(s[0].url("/health")).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let reqs = s[0].requests();
    assert_eq!(reqs.len(), 2);
    assert!(reqs[1].header("host").unwrap().starts_with("localhost:"));
    assert_eq!(seen(&reqs[1]), with(&["accept-language: en"]));
}

#[test]
fn a_host_header_is_not_sent_to_another_origin() {
    let s = servers(2, |i, req, bases| match i {
        0 if req.path == "/health" => redirect(302, "/same"),
        0 if req.path == "/same" => redirect(302, &format!("{}/other", bases[1])),
        _ => Reply::text(200, "ok"),
    });
    let out = probe1()
        .args(["-H", "Host: app.internal"])
        .arg(s[0].url("/health"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let origin = s[0].requests();
    assert_eq!(origin.len(), 2);
    for req in &origin {
        assert_eq!(req.header("host"), Some("app.internal"), "{}", req.path);
    }
    let other = &s[1].requests()[0];
    assert_eq!(other.header("host"), Some(s[1].addr().to_string().as_str()));
    assert_eq!(seen(other), plain());
}

#[test]
fn resolve_applies_to_every_hop_and_the_origin_keeps_its_name() {
    let s = servers(1, |_, req, _| match req.path.as_str() {
        "/health" => {
            let host = req.header("host").unwrap();
            redirect(308, &format!("http://{host}/moved"))
        }
        _ => Reply::text(200, "ok"),
    });
    let port = s[0].addr().port();
    let out = probe1()
        .args(["--resolve", &format!("app.example.test:{port}:127.0.0.1")])
        .args(["-H", "Authorization: Bearer 4rgv-t0ken"])
        .arg(format!("http://app.example.test:{port}/health"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let reqs = s[0].requests();
    assert_eq!(reqs.len(), 2);
    for req in &reqs {
        assert_eq!(
            req.header("host"),
            Some(format!("app.example.test:{port}").as_str())
        );
        assert_eq!(
            seen(req),
            with(&["authorization: Bearer 4rgv-t0ken"]),
            "{}",
            req.path
        );
    }
}

#[test]
fn a_long_chain_across_hosts_never_carries_them_again() {
    // 14 redirects: two on the origin, then back and forth between two other servers and
    // the origin's address under another name, ending on the origin.
    let s = servers(3, |_, req, bases| {
        let n: usize = req.path.trim_start_matches("/hop").parse().unwrap_or(0);
        if n >= 14 {
            return Reply::text(200, "end");
        }
        let next = match n {
            0 | 1 => String::new(), // same origin, relative
            7 => bases[0].replace("127.0.0.1", "localhost"),
            13 => bases[0].clone(),
            _ => bases[(n % 2) + 1].clone(),
        };
        redirect(
            if n.is_multiple_of(2) { 302 } else { 307 },
            &format!("{next}/hop{}", n + 1),
        )
    });
    let mut cmd = probe1();
    let _file = credential_flags(&mut cmd);
    let out = cmd.arg(s[0].url("/hop0")).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut all = ALL_CREDENTIALS.to_vec();
    all.push("accept-language: en");
    let origin = s[0].requests();
    assert_eq!(
        origin.iter().map(|r| r.path.as_str()).collect::<Vec<_>>(),
        ["/hop0", "/hop1", "/hop2", "/hop8", "/hop14"]
    );
    for req in &origin[..3] {
        assert_eq!(seen(req), with(&all), "{}", req.path);
    }
    assert!(origin[3].header("host").unwrap().starts_with("localhost:"));
    for req in &origin[3..] {
        assert_eq!(seen(req), with(&["accept-language: en"]), "{}", req.path);
    }
    let others: Vec<Request> = s[1].requests().into_iter().chain(s[2].requests()).collect();
    assert_eq!(others.len(), 10);
    for req in &others {
        assert_eq!(seen(req), with(&["accept-language: en"]), "{}", req.path);
    }
}

#[test]
fn methods_and_bodies_follow_the_status() {
    // (status, method sent second, body sent second)
    let cases: [(u16, &str, &[u8]); 5] = [
        (301, "GET", b""),
        (302, "GET", b""),
        (303, "GET", b""),
        (307, "POST", b"{\"ping\":1}"),
        (308, "POST", b"{\"ping\":1}"),
    ];
    for (status, method, body) in cases {
        let s = servers(2, |i, req, bases| match i {
            0 => {
                let status: u16 = req.path[1..].parse().unwrap();
                redirect(status, &format!("{}/next", bases[1]))
            }
            _ => Reply::text(200, "ok"),
        });
        let out = probe1()
            .args(["-d", "{\"ping\":1}", "-H", "Content-Type: application/json"])
            .args(["-H", "Authorization: Bearer 4rgv-t0ken"])
            .arg(s[0].url(&format!("/{status}")))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{status}: {}", stderr(&out));
        let first = &s[0].requests()[0];
        assert_eq!(first.method, "POST");
        let second = &s[1].requests()[0];
        assert_eq!(second.method, method, "{status}");
        assert_eq!(second.body, body, "{status}");
        let expected = if body.is_empty() {
            with(&[])
        } else {
            with(&["content-type: application/json", "content-length: 10"])
        };
        assert_eq!(seen(second), expected, "{status}");
    }
}

#[test]
fn a_303_keeps_head_and_a_307_keeps_put() {
    let s = servers(1, |_, req, _| match req.path.as_str() {
        "/see-other" => redirect(303, "/there"),
        "/temporary" => redirect(307, "/there"),
        _ => Reply::text(200, "ok"),
    });
    let out = probe1()
        .args(["-X", "HEAD", &s[0].url("/see-other")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = probe1()
        .args(["-X", "PUT", "-d", "v=1", &s[0].url("/temporary")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let reqs = s[0].requests();
    let got: Vec<(&str, &str, &[u8])> = reqs
        .iter()
        .map(|r| (r.method.as_str(), r.path.as_str(), r.body.as_slice()))
        .collect();
    assert_eq!(
        got,
        [
            ("HEAD", "/see-other", &b""[..]),
            ("HEAD", "/there", b""),
            ("PUT", "/temporary", b"v=1"),
            ("PUT", "/there", b"v=1"),
        ]
    );
}

#[test]
fn more_than_twenty_redirects_fail_the_attempt_naming_the_last_hop() {
    let s = servers(1, |_, req, _| {
        let n: usize = req.path[2..]
            .split('?')
            .next()
            .unwrap()
            .parse()
            .unwrap_or(0);
        redirect(302, &format!("/r{}?token=s3cr3t", n + 1))
    });
    let out = probe1()
        .arg("--json")
        .arg(s[0].url("/r0"))
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let message = format!(
        "too many redirects (more than 20) (at {})",
        s[0].url("/r20?token=***")
    );
    assert!(
        err.contains(&format!("{}: #1 {message} after ", s[0].url("/r0"))),
        "{err}"
    );
    assert_eq!(report(&out)["urls"][0]["last_error"], message.as_str());
    assert_eq!(s[0].hits(), 21);
    assert!(!err.contains("s3cr3t") && !stdout(&out).contains("s3cr3t"));
}

#[test]
fn a_redirect_to_another_scheme_is_not_followed() {
    let s = servers(1, |_, _, _| redirect(302, "ftp://files.example/x"));
    let out = probe1().arg(s[0].url("/health")).output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "{}: #1 a 302 redirect to a ftp: URL, not followed after ",
            s[0].url("/health")
        )),
        "{err}"
    );
}
