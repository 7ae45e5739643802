//! What is retried and waited for (5xx, Retry-After, secondary rate limits), measured on the
//! fake's side, and the per-request timeout.

use std::time::Duration;

use predicates::prelude::*;
use test_support::http::Reply;

use super::to;
use crate::common::{stderr_of, string};
use crate::fake_github::FakeGithub;

#[test]
fn a_500_is_retried_and_then_succeeds() {
    let fake = FakeGithub::start();
    fake.script("PUT", "secrets/DB_PASSWORD", Reply::text(500, "oops"), 1);
    fake.script("GET", "public-key", Reply::status(502), 1);
    // the first pause is drawn between 250 and 500 ms (jitter)
    to(&fake)
        .args(["--to-github", "octo/app", "DB_PASSWORD=db_password"])
        .assert()
        .success()
        .stdout("")
        .stderr(
            predicate::str::is_match(
                "tf-secrets: GET /repos/octo/app/actions/secrets/public-key: HTTP 502 Bad Gateway; retrying in (2[5-9][0-9]|[34][0-9][0-9]|500)ms\n",
            )
            .unwrap()
            .and(predicate::str::is_match(
                "PUT /repos/octo/app/actions/secrets/DB_PASSWORD: HTTP 500 Internal Server Error: oops; retrying in (2[5-9][0-9]|[34][0-9][0-9]|500)ms\n",
            ).unwrap())
            .and(predicate::str::contains("created secret DB_PASSWORD")),
        );
    assert_eq!(
        fake.secrets("repos/octo/app")["DB_PASSWORD"].value,
        string("outputs", "db_password").into_bytes()
    );
    // What the tool waited, measured where the requests arrive: at least the 250 ms the
    // jitter allows (the upper bound is generous: a loaded machine adds to it).
    for (method, path) in [("GET", "public-key"), ("PUT", "secrets/DB_PASSWORD")] {
        let gaps = fake.gaps(method, path);
        assert_eq!(gaps.len(), 1, "{method} {path}: {gaps:?}");
        assert!(
            gaps[0] >= Duration::from_millis(250) && gaps[0] < Duration::from_secs(5),
            "{method} {path}: {gaps:?}"
        );
    }
}

#[test]
fn a_503_waits_as_long_as_retry_after_asks() {
    let fake = FakeGithub::start();
    fake.script(
        "PUT",
        "secrets/DB_PASSWORD",
        Reply::status(503).header("Retry-After", "1"),
        1,
    );
    // an HTTP date in the past: retry at once
    fake.script(
        "PUT",
        "secrets/API_TOKEN",
        Reply::status(503).header("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"),
        1,
    );
    to(&fake)
        .args([
            "--to-github",
            "octo/app",
            "DB_PASSWORD=db_password",
            "API_TOKEN=api_token",
        ])
        .assert()
        .success()
        .stdout("")
        .stderr(
            predicate::str::contains(
                "PUT /repos/octo/app/actions/secrets/DB_PASSWORD: HTTP 503 Service Unavailable; retrying in 1s\n",
            )
            .and(predicate::str::contains(
                "PUT /repos/octo/app/actions/secrets/API_TOKEN: HTTP 503 Service Unavailable; retrying in 0ms\n",
            )),
        );
    assert_eq!(fake.secrets("repos/octo/app").len(), 2);
    // What the tool waited, measured where the requests arrive (not what it printed): the
    // second of a Retry-After of 1, and no pause for a date in the past (not even the
    // tool's own backoff, at least 250 ms). Generous upper bounds: a loaded machine adds.
    let waited = fake.gaps("PUT", "secrets/DB_PASSWORD");
    assert_eq!(waited.len(), 1, "{waited:?}");
    assert!(
        waited[0] >= Duration::from_secs(1) && waited[0] < Duration::from_secs(6),
        "{waited:?}"
    );
    let at_once = fake.gaps("PUT", "secrets/API_TOKEN");
    assert_eq!(at_once.len(), 1, "{at_once:?}");
    assert!(at_once[0] < Duration::from_millis(250), "{at_once:?}");

    // longer than a minute: not taken
    fake.script(
        "PUT",
        "secrets/DB_PASSWORD",
        Reply::status(503).header("Retry-After", "600"),
        1,
    );
    to(&fake)
        .args(["--to-github", "octo/app", "DB_PASSWORD=db_password"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(
            "secret DB_PASSWORD: not set: HTTP 503 Service Unavailable; GitHub asks to wait 10m (Retry-After); re-run after that",
        ));
}

#[test]
fn a_persistent_500_gives_up_and_stops_the_run() {
    let fake = FakeGithub::start();
    fake.script("PUT", "secrets/BIG", Reply::status(503), 5);
    let out = to(&fake)
        .args(["--to-github", "octo/app", "--retries", "1"])
        .args(["DB_PASSWORD=db_password", "BIG=big_number", "RATIO=ratio"])
        .assert()
        .code(1)
        .stdout("")
        .get_output()
        .clone();
    let stderr = stderr_of(&out);
    assert!(
        stderr.contains(
            "secret BIG: not set: HTTP 503 Service Unavailable (gave up after 2 attempts)"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("2 of 3 not set in repository octo/app: failed: BIG; not attempted after that failure: RATIO; 1 set"),
        "{stderr}"
    );
    let names: Vec<String> = fake.secrets("repos/octo/app").into_keys().collect();
    assert_eq!(names, ["DB_PASSWORD"]);
}

#[test]
fn a_secondary_rate_limit_is_waited_out() {
    let fake = FakeGithub::start();
    fake.script(
        "PUT",
        "secrets/DB_PASSWORD",
        Reply::json(
            403,
            &serde_json::json!({"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."}),
        )
        .header("Retry-After", "1"),
        1,
    );
    to(&fake)
        .args(["--to-github", "octo/app", "DB_PASSWORD=db_password"])
        .assert()
        .success()
        .stderr(
            predicate::str::contains("secondary rate limit")
                .and(predicate::str::contains("retrying in 1s")),
        );
    assert_eq!(fake.secrets("repos/octo/app").len(), 1);
    // and it did wait the second GitHub asked for, measured where the requests arrive
    let waited = fake.gaps("PUT", "secrets/DB_PASSWORD");
    assert_eq!(waited.len(), 1, "{waited:?}");
    assert!(
        waited[0] >= Duration::from_secs(1) && waited[0] < Duration::from_secs(6),
        "{waited:?}"
    );

    // a wait longer than a minute is not taken
    fake.script(
        "PUT",
        "secrets/DB_PASSWORD",
        Reply::status(429).header("Retry-After", "3600"),
        1,
    );
    to(&fake)
        .args(["--to-github", "octo/app", "DB_PASSWORD=db_password"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "HTTP 429 Too Many Requests; GitHub asks to wait 1h (rate limit); re-run after that",
        ));
}

#[test]
fn a_slow_answer_within_the_timeout_is_fine_and_one_past_it_fails_clearly() {
    let fake = FakeGithub::start();
    fake.slow("PUT", "secrets/DB_PASSWORD", Duration::from_millis(300), 1);
    to(&fake)
        .args([
            "--to-github",
            "octo/app",
            "--timeout",
            "5s",
            "DB_PASSWORD=db_password",
        ])
        .assert()
        .success();

    fake.slow("GET", "public-key", Duration::from_secs(4), 2);
    let started = std::time::Instant::now();
    to(&fake)
        .args(["--to-github", "octo/app", "--timeout", "1s", "--retries", "1", "DB_PASSWORD=db_password"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(
            predicate::str::is_match(
                "GET /repos/octo/app/actions/secrets/public-key: no answer within 1s \\(--timeout\\); retrying in (2[5-9][0-9]|[34][0-9][0-9]|500)ms\n",
            )
            .unwrap()
            .and(predicate::str::contains(
                "error: nothing was written: no answer within 1s (--timeout) (gave up after 2 attempts)",
            )),
        );
    // a generous bound: two 1 s timeouts and a pause, far below the server's 2 × 4 s
    assert!(
        started.elapsed() < Duration::from_secs(7),
        "{:?}",
        started.elapsed()
    );
}
