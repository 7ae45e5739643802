//! The token goes to the API's origin only: a redirect within it is followed, a redirect
//! off it (another host or port, another scheme) is an error that names where it pointed,
//! and the other server never sees a request, let alone the token.

use test_support::http::{Reply, Server};

use crate::common::{fixture, stderr_of, tool};
use crate::fake_github::{FakeGithub, TOKEN};

fn set_password(api: &str) -> std::process::Output {
    tool()
        .env("GITHUB_API_URL", api)
        .env("GH_TOKEN", TOKEN)
        .arg("-f")
        .arg(fixture("outputs"))
        .args(["--to-github", "octo/app", "DB_PASSWORD=db_password"])
        .output()
        .unwrap()
}

/// A server on another port that records what it gets; it redirects once more (302) to
/// itself, as the second hop of a chain.
fn elsewhere() -> Server {
    Server::start(|req| {
        if req.path.starts_with("/hop") {
            Reply::status(302).header("Location", "/final")
        } else {
            Reply::json(200, &serde_json::json!({"key_id": "1", "key": "AAAA"}))
        }
    })
}

fn assert_refused(out: &std::process::Output, other: &Server, api: &Server, shown: &str) {
    let stderr = stderr_of(out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(out.stdout, b"");
    assert_eq!(
        stderr,
        format!(
            "tf-secrets: error: nothing was written: the API answered with a redirect to \
             {shown}, off its origin {}; the token is not sent there: set --api-url / \
             GITHUB_API_URL to the address the API answers on\n",
            api.url("")
        )
    );
    assert!(
        other
            .requests()
            .iter()
            .all(|r| r.header("authorization").is_none()),
        "the other server got the token"
    );
    assert_eq!(other.hits(), 0, "the redirect off the origin was followed");
    assert!(
        !stderr.contains("s3cr") && !stderr.contains("token=abc"),
        "{stderr}"
    );
}

#[test]
fn a_redirect_off_the_api_origin_is_refused_for_every_status() {
    let other = elsewhere();
    for status in [301, 302, 307, 308] {
        let location = format!("http://user:s3cr@{}/elsewhere?token=abc", other.addr());
        let api = Server::start(move |_| Reply::status(status).header("Location", &location));
        let out = set_password(&api.url(""));
        assert_refused(&out, &other, &api, &other.url("/elsewhere?…"));
        assert_eq!(api.hits(), 1, "{status}: not retried");
    }
}

#[test]
fn a_chain_that_leaves_the_origin_is_refused_at_the_hop_that_leaves() {
    let other = elsewhere();
    // 307 to another host, then 302 on that host
    let hop = other.url("/hop");
    let api = Server::start(move |_| Reply::status(307).header("Location", &hop));
    let out = set_password(&api.url(""));
    assert_refused(&out, &other, &api, &other.url("/hop"));
    // a redirect within the origin first, then one off it
    let hop = other.url("/hop");
    let api = Server::start(move |req| {
        if req.path.starts_with("/inside") {
            Reply::status(302).header("Location", &hop)
        } else {
            Reply::status(307).header("Location", "/inside")
        }
    });
    let out = set_password(&api.url(""));
    assert_refused(&out, &other, &api, &other.url("/hop"));
    assert_eq!(api.hits(), 2);
}

#[test]
fn a_redirect_within_the_api_origin_is_followed() {
    let fake = FakeGithub::start();
    fake.script(
        "GET",
        "public-key",
        Reply::status(307).header(
            "Location",
            &fake
                .server
                .url("/repos/octo/app/actions/secrets/public-key"),
        ),
        1,
    );
    let out = set_password(&fake.url());
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
    assert!(fake.secrets("repos/octo/app").contains_key("DB_PASSWORD"));
}
