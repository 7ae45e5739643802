//! The committed fixtures are what Terraform prints, and the tool carries every kind of
//! value in them exactly.

use std::path::Path;
use std::process::Command;

use test_support::CommandExt as _;

use crate::common::{fixture, fixture_dir, string, tool};

const FIXTURES: &[&str] = &["outputs", "names", "empty"];

fn terraform(bin: &Path, work: &Path, args: &[&str]) -> Vec<u8> {
    let out = Command::new(bin)
        .scrub_env()
        .current_dir(work)
        .args(args)
        .env("TF_IN_AUTOMATION", "1")
        .env("CHECKPOINT_DISABLE", "1")
        .env("TF_DATA_DIR", work.join(".terraform-data"))
        .env("TF_PLUGIN_CACHE_DIR", work.join("plugin-cache"))
        .env("TF_CLI_CONFIG_FILE", work.join("terraformrc"))
        .output()
        .expect("terraform runs");
    assert!(
        out.status.success(),
        "terraform {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Re-generate each fixture with terraform init/apply/output in a temporary copy (no
/// providers, so no network) and compare byte for byte with the committed output.json.
#[test]
fn committed_fixtures_are_what_terraform_prints() {
    // Skipped (and said so) without terraform; under CI a missing terraform fails.
    let Some(bin) = test_support::require_tool("terraform") else {
        return;
    };
    for name in FIXTURES {
        let work = tempfile::tempdir().unwrap();
        std::fs::copy(
            fixture_dir(name).join("main.tf"),
            work.path().join("main.tf"),
        )
        .unwrap();
        std::fs::create_dir(work.path().join("plugin-cache")).unwrap();
        std::fs::write(work.path().join("terraformrc"), "").unwrap();
        terraform(&bin, work.path(), &["init", "-input=false", "-no-color"]);
        terraform(
            &bin,
            work.path(),
            &["apply", "-auto-approve", "-input=false", "-no-color"],
        );
        let printed = terraform(&bin, work.path(), &["output", "-json"]);
        let committed = std::fs::read(fixture(name)).unwrap();
        assert!(
            printed == committed,
            "tests/fixtures/{name}/output.json differs from what terraform prints now:\n{}",
            String::from_utf8_lossy(&printed)
        );
    }
}

fn json_of(args: &[&str]) -> serde_json::Map<String, serde_json::Value> {
    let out = tool()
        .arg("-f")
        .arg(fixture("outputs"))
        .args(["--format", "json"])
        .args(args)
        .assert()
        .success()
        .stderr("")
        .get_output()
        .stdout
        .clone();
    match serde_json::from_slice(&out).unwrap() {
        serde_json::Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

#[test]
fn every_kind_of_value_is_carried_exactly() {
    let got = json_of(&[
        "DB_PASSWORD=db_password",
        "TLS_PRIVATE_KEY=tls_private_key",
        "SHELL_CHARS=shell_chars",
        "BIG=big_number",
        "RATIO=ratio",
        "ENABLED=enabled",
        "DB_PORT=db_port",
        "DB_HOST=.db_endpoint | strip_port",
        "DB_PORT_FROM_ENDPOINT=.db_endpoint | port",
        "SUBNETS=.app_subnet_ids | csv",
        "AZS=.availability_zones | join(\" \")",
        "FIRST_AZ=.availability_zones[0]",
        "PORTS=.ports | tojson",
        "HTTPS_PORT=.ports.https",
        "TAGS=.tags | to_entries | map(\"\\(.key)=\\(.value)\") | csv",
        "SERVICE_DB_HOST=.service.db.host",
        "LIMIT=.service.env[] | select(.name == \"LIMIT\") | .value",
        "HOST=.[\"db-host\"]",
        "HYPHEN=db-host",
    ]);
    let expect = |name: &str, value: &str| {
        assert_eq!(got[name].as_str(), Some(value), "{name}");
    };
    expect("DB_PASSWORD", &string("outputs", "db_password"));
    expect("TLS_PRIVATE_KEY", &string("outputs", "tls_private_key"));
    assert!(
        got["TLS_PRIVATE_KEY"]
            .as_str()
            .unwrap()
            .ends_with("-----\n")
    );
    expect("SHELL_CHARS", &string("outputs", "shell_chars"));
    assert!(got["SHELL_CHARS"].as_str().unwrap().ends_with(" <&>"));
    expect("BIG", "12345678901234567890123");
    expect("RATIO", "0.1");
    expect("ENABLED", "true");
    expect("DB_PORT", "5432");
    expect("DB_HOST", "app-db.c9akciq32.us-east-2.rds.amazonaws.com");
    expect("DB_PORT_FROM_ENDPOINT", "5432");
    expect("SUBNETS", "subnet-0a1b2c3d,subnet-4e5f6a7b,subnet-8c9d0e1f");
    expect("AZS", "us-east-2a us-east-2b");
    expect("FIRST_AZ", "us-east-2a");
    expect("PORTS", r#"{"http":80,"https":443}"#);
    expect("HTTPS_PORT", "443");
    expect("TAGS", "env=prod,team=platform");
    expect("SERVICE_DB_HOST", "db.internal");
    expect("LIMIT", "10");
    expect("HOST", "db.internal");
    expect("HYPHEN", "db.internal");
    let order: Vec<&String> = got.keys().collect();
    assert_eq!(order[0], "DB_PASSWORD", "arguments keep their order");
}

#[test]
fn all_outputs_with_structures_as_compact_json() {
    let got = json_of(&["--all", "--allow-empty"]);
    let names: Vec<&str> = got.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "API_TOKEN",
            "APP_SUBNET_IDS",
            "AVAILABILITY_ZONES",
            "BIG_NUMBER",
            "CRLF_VALUE",
            "DB_HOST",
            "DB_ENDPOINT",
            "DB_PASSWORD",
            "DB_PORT",
            "EMPTY_STRING",
            "ENABLED",
            "PORTS",
            "RATIO",
            "SERVICE",
            "SHELL_CHARS",
            "TAGS",
            "TLS_PRIVATE_KEY",
        ]
    );
    assert_eq!(
        got["APP_SUBNET_IDS"],
        r#"["subnet-0a1b2c3d","subnet-4e5f6a7b","subnet-8c9d0e1f"]"#
    );
    assert_eq!(
        got["SERVICE"],
        r#"{"db":{"host":"db.internal","port":5432},"env":[{"name":"MODE","value":"blue"},{"name":"LIMIT","value":10}],"name":"api"}"#
    );
    assert_eq!(got["EMPTY_STRING"], "");
    assert_eq!(got["CRLF_VALUE"], "line one\r\n");
    assert_eq!(got["BIG_NUMBER"], "12345678901234567890123");
}
