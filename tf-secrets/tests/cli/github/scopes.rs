//! What arrives: exact bytes after decryption in every scope (repository, environment,
//! organization), variables for plain values, and --dry-run, which calls nothing.

use predicates::prelude::*;

use super::to;
use crate::common::{stderr_of, string};
use crate::fake_github::FakeGithub;

pub(super) const TRICKY: &[&str] = &[
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

pub(super) fn expected_tricky() -> Vec<(&'static str, Vec<u8>)> {
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
