//! The fault proxy in front of a real local server, seen by a real HTTP client.

use std::time::{Duration, Instant};

use test_support::faults::{Fault, FaultProxy, Faults};
use test_support::http::{Reply, Server};

fn upstream() -> Server {
    Server::start(|req| Reply::text(200, &format!("{} {}", req.method, req.path)))
}

/// What a request through the proxy got: the status and body, or the client's error
/// (`Err(true)` for a timeout).
fn fetch(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: &str,
    timeout: Duration,
) -> Result<(u16, String), bool> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .no_proxy()
            .build()
            .unwrap();
        let mut request = client
            .request(method.parse().unwrap(), url)
            .body(body.to_owned());
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        let answer = request.send().await.map_err(|e| e.is_timeout())?;
        let status = answer.status().as_u16();
        let text = answer.text().await.map_err(|e| e.is_timeout())?;
        Ok((status, text))
    })
}

fn get(url: &str) -> (u16, String) {
    fetch("GET", url, &[], "", Duration::from_secs(10)).expect("an answer")
}

#[test]
fn without_faults_every_request_is_forwarded_unchanged() {
    let server = upstream();
    let proxy = FaultProxy::start(&server.url(""), Faults::none());
    let answer = fetch(
        "POST",
        &format!("{}/a/b?c=d", proxy.url()),
        &[],
        "payload",
        Duration::from_secs(10),
    );
    assert_eq!(answer, Ok((200, "POST /a/b?c=d".to_owned())));
    assert_eq!(server.requests()[0].body, b"payload");
    let injected = proxy.injected();
    assert_eq!(
        (injected.requests, injected.forwarded, injected.total()),
        (1, 1, 0)
    );
}

#[test]
fn each_answering_fault_is_what_its_name_says() {
    let server = upstream();
    let cases: [(Fault, u16, &str); 4] = [
        (Fault::ServerError, 500, "InternalFailure"),
        (Fault::Unavailable, 503, "Service Unavailable"),
        (Fault::NotJson, 502, "<html>"),
        (Fault::Throttle, 429, "rate limit"),
    ];
    for (fault, status, body) in cases {
        let proxy = FaultProxy::start(&server.url(""), Faults::always(fault));
        let (got, text) = get(&format!("{}/x", proxy.url()));
        assert_eq!(got, status, "{fault:?}");
        assert!(text.contains(body), "{fault:?}: {text}");
        assert_eq!(proxy.injected().of(fault.name()), 1);
        assert_eq!(proxy.injected().forwarded, 0);
    }
    assert_eq!(server.hits(), 0, "no faulted request reached the server");
}

#[test]
fn an_aws_json_request_is_throttled_the_way_aws_throttles() {
    let server = upstream();
    let proxy = FaultProxy::start(&server.url(""), Faults::always(Fault::Throttle));
    let (status, text) = fetch(
        "POST",
        &proxy.url(),
        &[(
            "X-Amz-Target",
            "AmazonEC2ContainerServiceV20141113.DescribeTasks",
        )],
        "{}",
        Duration::from_secs(10),
    )
    .unwrap();
    assert_eq!(status, 400);
    assert!(text.contains("ThrottlingException"), "{text}");
    assert_eq!(proxy.injected().by_operation["DescribeTasks"], 1);
}

#[test]
fn a_reset_closes_the_connection_without_an_answer() {
    let server = upstream();
    let proxy = FaultProxy::start(&server.url(""), Faults::always(Fault::Reset));
    let timed_out = fetch("GET", &proxy.url(), &[], "", Duration::from_secs(10)).unwrap_err();
    assert!(!timed_out, "a reset is an error at once, not a timeout");
    assert_eq!(server.hits(), 0);
}

#[test]
fn latency_and_a_slow_body_delay_the_right_answer() {
    let server = upstream();
    for fault in [
        Fault::Latency(Duration::from_millis(300)),
        Fault::SlowBody(Duration::from_millis(300)),
    ] {
        let proxy = FaultProxy::start(&server.url(""), Faults::always(fault));
        let started = Instant::now();
        let (_, text) = get(&format!("{}/slow", proxy.url()));
        assert_eq!(text, "GET /slow", "{fault:?}");
        assert!(started.elapsed() >= Duration::from_millis(250), "{fault:?}");
        assert_eq!(proxy.injected().forwarded, 1);
    }
}

#[test]
fn githubs_secondary_rate_limit_and_awss_expired_token_are_answered_as_they_send_them() {
    let server = upstream();
    let proxy = FaultProxy::start(&server.url(""), Faults::always(Fault::SecondaryRateLimit));
    let (status, text) = get(&format!("{}/x", proxy.url()));
    assert_eq!(status, 403);
    assert!(text.contains("secondary rate limit"), "{text}");
    let proxy = FaultProxy::start(&server.url(""), Faults::always(Fault::ExpiredToken));
    let (status, text) = get(&format!("{}/x", proxy.url()));
    assert_eq!(status, 400);
    assert!(
        text.contains(r#""__type":"ExpiredTokenException""#),
        "{text}"
    );
    assert_eq!(server.hits(), 0);
}

#[test]
fn a_lost_answer_reaches_the_server_and_never_the_client() {
    let server = upstream();
    let proxy = FaultProxy::start(&server.url(""), Faults::always(Fault::LostAnswer).first(1));
    let timed_out = fetch("PUT", &proxy.url(), &[], "", Duration::from_secs(10)).unwrap_err();
    assert!(!timed_out, "the connection is closed, not left open");
    assert_eq!(server.hits(), 1, "the server acted on it");
    // `first(1)`: the fault clears.
    assert_eq!(get(&format!("{}/again", proxy.url())).0, 200);
    let injected = proxy.injected();
    assert_eq!((injected.of("lost-answer"), injected.forwarded), (1, 2));
}

#[test]
fn requests_signed_with_a_revoked_or_expired_key_get_the_expired_token_answer() {
    let server = upstream();
    let proxy = FaultProxy::start(&server.url(""), Faults::none());
    let signed = |key: &str| {
        format!(
            "AWS4-HMAC-SHA256 Credential={key}/20261203/us-east-1/ecs/aws4_request, \
             SignedHeaders=host, Signature=0"
        )
    };
    let call = |key: &str| {
        let auth = signed(key);
        fetch(
            "POST",
            &proxy.url(),
            &[
                ("Authorization", auth.as_str()),
                (
                    "X-Amz-Target",
                    "AmazonEC2ContainerServiceV20141113.ListTasks",
                ),
            ],
            "{}",
            Duration::from_secs(10),
        )
        .unwrap()
        .0
    };
    assert_eq!(call("AKIDONE"), 200);
    proxy.revoke("AKIDONE");
    assert_eq!(call("AKIDONE"), 400);
    assert_eq!(call("AKIDTWO"), 200);
    // Keys that carry their expiry in their name.
    proxy.expire_keys_named("ASIAEXP");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert_eq!(call(&format!("ASIAEXP{}", now - 1)), 400);
    assert_eq!(call(&format!("ASIAEXP{}", now + 3600)), 200);
    let injected = proxy.injected();
    assert_eq!(injected.of("expired-token"), 2);
    assert_eq!(
        injected.keys,
        [
            "AKIDONE".to_owned(),
            "AKIDTWO".to_owned(),
            format!("ASIAEXP{}", now - 1),
            format!("ASIAEXP{}", now + 3600)
        ]
    );
}

#[test]
fn a_hang_never_answers() {
    let server = upstream();
    let proxy = FaultProxy::start(&server.url(""), Faults::always(Fault::Hang));
    let timed_out = fetch("GET", &proxy.url(), &[], "", Duration::from_millis(500)).unwrap_err();
    assert!(timed_out, "a hang ends in the client's timeout");
}

#[test]
fn only_named_operations_and_a_window_limit_the_faults() {
    let server = upstream();
    let proxy = FaultProxy::start(
        &server.url(""),
        Faults::always(Fault::Unavailable).only(&["GET /fail"]),
    );
    assert_eq!(get(&format!("{}/ok", proxy.url())).0, 200);
    assert_eq!(get(&format!("{}/fail/1", proxy.url())).0, 503);
    // An outage that is over: the plan is replaced.
    proxy.set(Faults::none());
    assert_eq!(get(&format!("{}/fail/2", proxy.url())).0, 200);
    let log: Vec<_> = proxy.injected().log.into_iter().map(|(_, f)| f).collect();
    assert_eq!(log, [None, Some("503"), None]);

    // A window that has not opened yet.
    proxy.set(Faults::always(Fault::Unavailable).window(Duration::from_hours(1), Duration::MAX));
    assert_eq!(get(&format!("{}/fail/3", proxy.url())).0, 200);
}

#[test]
fn a_seeded_share_of_requests_is_faulted_and_counted() {
    let server = upstream();
    let proxy = FaultProxy::start(
        &server.url(""),
        Faults::seeded(11)
            .rate(0.3)
            .kinds(&[Fault::Unavailable, Fault::ServerError]),
    );
    let failed = (0..100)
        .filter(|i| get(&format!("{}/{i}", proxy.url())).0 != 200)
        .count();
    let injected = proxy.injected();
    assert_eq!(injected.total(), failed);
    assert_eq!(injected.requests, 100);
    assert_eq!(injected.forwarded, 100 - failed);
    assert_eq!(server.hits(), 100 - failed);
    assert!((15..=45).contains(&failed), "{failed} of 100 at 0.3");
}
