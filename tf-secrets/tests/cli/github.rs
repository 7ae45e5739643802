//! `--to-github` / `--org` against the local fake API: exact bytes after decryption, every
//! scope, variables, and each failure GitHub can answer.

use std::time::Duration;

use predicates::prelude::*;
use test_support::http::Reply;

use crate::common::{fixture, stderr_of, string, tool};
use crate::fake_github::{FakeGithub, TOKEN};

/// The tool pointed at the fake, with its token in GH_TOKEN.
fn to(fake: &FakeGithub) -> assert_cmd::Command {
    let mut cmd = tool();
    cmd.env("GITHUB_API_URL", fake.url())
        .env("GH_TOKEN", TOKEN)
        .arg("-f")
        .arg(fixture("outputs"));
    cmd
}

const TRICKY: &[&str] = &[
    "DB_PASSWORD=db_password",
    "TLS_PRIVATE_KEY=tls_private_key",
    "SHELL_CHARS=shell_chars",
    "CRLF=crlf_value",
    "BIG=big_number",
    "RATIO=ratio",
    "DB_HOST=.db_endpoint | strip_port",
    "SUBNETS=.app_subnet_ids | csv",
    "SERVICE=.service | tojson",
];

fn expected_tricky() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("BIG", b"12345678901234567890123".to_vec()),
        ("CRLF", b"line one\r\n".to_vec()),
        ("DB_HOST", b"app-db.c9akciq32.us-east-2.rds.amazonaws.com".to_vec()),
        ("DB_PASSWORD", string("outputs", "db_password").into_bytes()),
        ("RATIO", b"0.1".to_vec()),
        (
            "SERVICE",
            br#"{"db":{"host":"db.internal","port":5432},"env":[{"name":"MODE","value":"blue"},{"name":"LIMIT","value":10}],"name":"api"}"#.to_vec(),
        ),
        ("SHELL_CHARS", string("outputs", "shell_chars").into_bytes()),
        (
            "SUBNETS",
            b"subnet-0a1b2c3d,subnet-4e5f6a7b,subnet-8c9d0e1f".to_vec(),
        ),
        ("TLS_PRIVATE_KEY", string("outputs", "tls_private_key").into_bytes()),
    ]
}

#[test]
fn repository_secrets_arrive_byte_for_byte_and_a_rerun_updates_them() {
    let fake = FakeGithub::start();
    let out = to(&fake)
        .args(["--to-github", "octo/app"])
        .args(TRICKY)
        .assert()
        .success()
        .stdout("")
        .get_output()
        .clone();
    let stderr = stderr_of(&out);
    assert!(
        stderr.contains("tf-secrets: created secret DB_PASSWORD\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains("tf-secrets: set 9 secrets in repository octo/app\n"),
        "{stderr}"
    );

    let stored = fake.secrets("repos/octo/app");
    let got: Vec<(&str, Vec<u8>)> = stored
        .iter()
        .map(|(k, v)| (k.as_str(), v.value.clone()))
        .collect();
    assert_eq!(got, expected_tricky());
    assert!(stored.values().all(|s| s.visibility.is_none()));
    assert_eq!(fake.header_problems(), Vec::<String>::new());
    // the public key first, then one PUT per secret
    let first = &fake.server.requests()[0];
    assert_eq!(
        (first.method.as_str(), first.path.as_str()),
        ("GET", "/repos/octo/app/actions/secrets/public-key")
    );

    let again = to(&fake)
        .args(["--to-github", "octo/app"])
        .args(TRICKY)
        .assert()
        .success()
        .get_output()
        .clone();
    assert!(stderr_of(&again).contains("tf-secrets: updated secret DB_PASSWORD\n"));
    assert_eq!(fake.secrets("repos/octo/app").len(), 9);
    assert_eq!(fake.writes().len(), 18);
}

#[test]
fn environment_secrets_go_to_the_percent_encoded_environment() {
    let fake = FakeGithub::start();
    to(&fake)
        .args(["--to-github", "octo/app", "--environment", "prod eu/1"])
        .args(["DB_PASSWORD=db_password", "TLS_PRIVATE_KEY=tls_private_key"])
        .assert()
        .success()
        .stdout("")
        .stderr(predicate::str::contains(
            "set 2 secrets in environment prod eu/1 of octo/app",
        ));
    let stored = fake.secrets("repos/octo/app/environments/prod eu/1");
    assert_eq!(
        stored["TLS_PRIVATE_KEY"].value,
        string("outputs", "tls_private_key").into_bytes()
    );
    assert!(
        fake.server
            .requests()
            .iter()
            .any(|r| r.path == "/repos/octo/app/environments/prod%20eu%2F1/secrets/DB_PASSWORD")
    );
    assert!(fake.secrets("repos/octo/app").is_empty());
}

#[test]
fn organization_secrets_carry_visibility_and_repository_ids() {
    let fake = FakeGithub::start();
    to(&fake)
        .args([
            "--org",
            "acme",
            "--repos",
            "web,acme/api",
            "API_TOKEN=api_token",
        ])
        .assert()
        .success()
        .stdout("");
    let stored = &fake.secrets("orgs/acme")["API_TOKEN"];
    assert_eq!(stored.value, string("outputs", "api_token").into_bytes());
    assert_eq!(stored.visibility.as_deref(), Some("selected"));
    assert_eq!(stored.selected_repository_ids, Some(vec![2001, 2002]));

    to(&fake)
        .args(["--org", "acme", "DB_PASSWORD=db_password"])
        .assert()
        .success();
    let stored = &fake.secrets("orgs/acme")["DB_PASSWORD"];
    assert_eq!(stored.visibility.as_deref(), Some("private"));
    assert_eq!(stored.selected_repository_ids, None);

    // an unknown repository fails before any write
    let before = fake.writes().len();
    to(&fake)
        .args(["--org", "acme", "--repos", "nope", "DB_PASSWORD=db_password"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(
            "nothing was written: --repos acme/nope: HTTP 404 Not Found: Not Found: repository acme/nope does not exist or the token cannot see it",
        ));
    assert_eq!(fake.writes().len(), before);
}

#[test]
fn variables_for_plain_values_secrets_for_sensitive_ones() {
    let fake = FakeGithub::start();
    let args = [
        "--to-github",
        "octo/app",
        "--variables",
        "DB_PASSWORD=db_password",
        "DB_HOST=db-host",
        "BIG=big_number",
        "SHELL_CHARS=shell_chars",
    ];
    let out = to(&fake)
        .args(args)
        .assert()
        .success()
        .stdout("")
        .get_output()
        .clone();
    let stderr = stderr_of(&out);
    assert!(stderr.contains("created variable DB_HOST"), "{stderr}");
    assert!(
        stderr.contains("set 1 secret and 3 variables in repository octo/app"),
        "{stderr}"
    );
    let vars = fake.variables("repos/octo/app");
    assert_eq!(vars["DB_HOST"].value, "db.internal");
    assert_eq!(vars["BIG"].value, "12345678901234567890123");
    assert_eq!(vars["SHELL_CHARS"].value, string("outputs", "shell_chars"));
    assert!(!vars.contains_key("DB_PASSWORD"));
    assert_eq!(
        fake.secrets("repos/octo/app")["DB_PASSWORD"].value,
        string("outputs", "db_password").into_bytes()
    );

    // a re-run: 409 on create, then an update
    let out = to(&fake).args(args).assert().success().get_output().clone();
    assert!(stderr_of(&out).contains("updated variable DB_HOST"));
    let patches = fake.writes().iter().filter(|(m, _)| m == "PATCH").count();
    assert_eq!(patches, 3);

    // environment variables
    to(&fake)
        .args([
            "--to-github",
            "octo/app",
            "--environment",
            "prod eu/1",
            "--variables",
            "DB_HOST=db-host",
        ])
        .assert()
        .success();
    assert_eq!(
        fake.variables("repos/octo/app/environments/prod eu/1")["DB_HOST"].value,
        "db.internal"
    );

    // organization variables carry the visibility
    to(&fake)
        .args([
            "--org",
            "acme",
            "--visibility",
            "all",
            "--variables",
            "DB_HOST=db-host",
        ])
        .assert()
        .success();
    assert_eq!(
        fake.variables("orgs/acme")["DB_HOST"].visibility.as_deref(),
        Some("all")
    );
}

#[test]
fn a_rejected_token_fails_before_any_write() {
    let fake = FakeGithub::start();
    let out = tool()
        .env("GITHUB_API_URL", fake.url())
        .env("GH_TOKEN", "wrong")
        .arg("-f")
        .arg(fixture("outputs"))
        .args(["--to-github", "octo/app", "DB_PASSWORD=db_password"])
        .assert()
        .code(1)
        .stdout("")
        .get_output()
        .clone();
    assert_eq!(
        stderr_of(&out),
        "tf-secrets: error: nothing was written: cannot read the public key of repository \
         octo/app: HTTP 401 Unauthorized: Bad credentials: GitHub rejected the token in \
         GH_TOKEN: it is wrong, expired or revoked\n"
    );
    assert!(fake.writes().is_empty());
}

#[test]
fn a_403_explains_that_the_workflow_token_cannot_write_secrets() {
    let fake = FakeGithub::start();
    fake.script(
        "GET",
        "secrets/public-key",
        Reply::json(
            403,
            &serde_json::json!({"message": "Resource not accessible by integration"}),
        ),
        1,
    );
    let out = tool()
        .env("GITHUB_API_URL", fake.url())
        .env("GITHUB_TOKEN", TOKEN)
        .arg("-f")
        .arg(fixture("outputs"))
        .args(["--to-github", "octo/app", "DB_PASSWORD=db_password"])
        .assert()
        .code(1)
        .stdout("")
        .get_output()
        .clone();
    let stderr = stderr_of(&out);
    assert!(
        stderr.contains("HTTP 403 Forbidden: Resource not accessible by integration: the token in GITHUB_TOKEN may not write secrets in repository octo/app. The workflow's own GITHUB_TOKEN cannot write secrets or variables"),
        "{stderr}"
    );
    assert!(stderr.contains("\"Secrets\" permission"), "{stderr}");
    assert!(fake.writes().is_empty());
}

#[test]
fn missing_repository_or_environment_is_a_404_with_a_hint() {
    let fake = FakeGithub::start();
    to(&fake)
        .args(["--to-github", "octo/nope", "DB_PASSWORD=db_password"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(
            "HTTP 404 Not Found: Not Found: repository octo/nope does not exist or the token cannot see it",
        ));
    to(&fake)
        .args(["--to-github", "octo/app", "--environment", "staging", "DB_PASSWORD=db_password"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "environment staging of octo/app does not exist or the token cannot see it (create the environment `staging` first)",
        ));
    assert!(fake.writes().is_empty());
}

#[test]
fn a_422_on_one_secret_leaves_the_others_set_and_says_which() {
    let fake = FakeGithub::start();
    fake.script(
        "PUT",
        "secrets/SHELL_CHARS",
        Reply::json(422, &serde_json::json!({"message": "Validation Failed", "errors": [{"message": "secret name is invalid"}]})),
        1,
    );
    let out = to(&fake)
        .args(["--to-github", "octo/app", "--json"])
        .args([
            "DB_PASSWORD=db_password",
            "SHELL_CHARS=shell_chars",
            "BIG=big_number",
        ])
        .assert()
        .code(1)
        .get_output()
        .clone();
    let stderr = stderr_of(&out);
    assert!(
        stderr.contains("tf-secrets: error: secret SHELL_CHARS: not set: HTTP 422 Unprocessable Entity: Validation Failed; secret name is invalid\n"),
        "{stderr}"
    );
    assert!(
        stderr.ends_with("tf-secrets: error: 1 of 3 not set in repository octo/app: failed: SHELL_CHARS; 2 set; a re-run sets them all again\n"),
        "{stderr}"
    );
    let names: Vec<String> = fake.secrets("repos/octo/app").into_keys().collect();
    assert_eq!(names, ["BIG", "DB_PASSWORD"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let statuses: Vec<&str> = report["values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["created", "failed", "created"]);
    assert_eq!(report["destination"], "repository octo/app");
}

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

#[test]
fn an_unreachable_api_is_reported_with_its_host() {
    let closed = test_support::ClosedPort::new();
    tool()
        .env("GITHUB_API_URL", closed.url(""))
        .env("GH_TOKEN", TOKEN)
        .arg("-f")
        .arg(fixture("outputs"))
        .args([
            "--to-github",
            "octo/app",
            "--retries",
            "0",
            "DB_PASSWORD=db_password",
        ])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(
            "nothing was written: cannot connect to 127.0.0.1: Connection refused",
        ));
}

#[test]
fn no_token_or_a_plain_http_api_is_a_usage_error() {
    tool()
        .arg("-f")
        .arg(fixture("outputs"))
        .args(["--to-github", "octo/app", "DB_PASSWORD=db_password"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::starts_with(
            "tf-secrets: error: no GitHub token: set GH_TOKEN (or GITHUB_TOKEN)",
        ));
    tool()
        .env("GH_TOKEN", TOKEN)
        .env("GITHUB_API_URL", "http://github.example.com")
        .args(["--to-github", "octo/app", "DB_PASSWORD=db_password"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "refusing to send the token over plain HTTP",
        ));
}

#[test]
fn dry_run_shows_the_plan_and_never_calls_github() {
    let fake = FakeGithub::start();
    let out = to(&fake)
        .args(["--to-github", "octo/app", "--variables", "--dry-run"])
        .args([
            "DB_PASSWORD=db_password",
            "DB_HOST=.db_endpoint | strip_port",
            "REGION_COUNT=.availability_zones | length",
        ])
        .assert()
        .success()
        .get_output()
        .clone();
    assert_eq!(
        crate::common::stdout_of(&out),
        "NAME          KIND    SENSITIVE   BYTES  SOURCE\n\
         DB_PASSWORD   secret  yes            22  db_password\n\
         DB_HOST       secret  yes            44  .db_endpoint | strip_port\n\
         REGION_COUNT  secret  yes             1  .availability_zones | length\n"
    );
    assert_eq!(
        stderr_of(&out),
        "tf-secrets: dry run: would set 3 secrets in repository octo/app; nothing was written\n"
    );
    assert_eq!(fake.server.hits(), 0);

    let out = to(&fake)
        .args([
            "--to-github",
            "octo/app",
            "--variables",
            "--dry-run",
            "--json",
            "DB_HOST=db-host",
        ])
        .assert()
        .success()
        .get_output()
        .clone();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report,
        serde_json::json!({"destination": "repository octo/app", "values": [
            {"name": "DB_HOST", "kind": "variable", "sensitive": false, "bytes": 11,
             "source": "db-host", "status": "planned", "error": null}]})
    );
    assert_eq!(fake.server.hits(), 0);
}
