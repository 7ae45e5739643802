//! Input, selection and validation errors: clear, complete, exit 1 (2 for usage), nothing
//! on stdout and nothing written.

use predicates::prelude::*;

use crate::common::{fixture, stderr_of, tool};
use crate::fake_github::{FakeGithub, TOKEN};

#[test]
fn an_empty_object_says_terraform_apply_may_not_have_run() {
    tool()
        .arg("-f")
        .arg(fixture("empty"))
        .args(["--format", "env", "--all"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::ends_with(
            "tests/fixtures/empty/output.json: no outputs: did terraform apply run in this directory? \
             (`terraform output -json` prints {} when the state has no outputs, or for the wrong \
             workspace or an uninitialised backend)\n",
        ));
}

#[test]
fn input_comes_from_stdin_too_and_syntax_errors_have_a_position() {
    tool()
        .args(["--format", "json", "A=a"])
        .write_stdin(r#"{"a": {"sensitive": false, "type": "string", "value": "x"}}"#)
        .assert()
        .success()
        .stdout("{\"A\":\"x\"}\n");
    tool()
        .args(["--format", "json", "A=a"])
        .write_stdin("{\n  \"a\": {\"sensitive\": false, \"value\": \"x\"},\n}\n")
        .assert()
        .code(1)
        .stdout("")
        .stderr("tf-secrets: error: expected `terraform output -json`: <stdin>: invalid JSON at line 3, column 1: trailing comma\n");
    tool()
        .args(["--format", "json", "A=a"])
        .write_stdin(r#"["subnet-a", "subnet-b"]"#)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "<stdin>: expected the JSON object of `terraform output -json`, found a list of 2; pass the whole object that `terraform output -json` prints (without an output name)",
        ));
}

#[test]
fn a_missing_output_suggests_close_names_and_names_the_ones_that_exist() {
    let out = tool()
        .arg("-f")
        .arg(fixture("outputs"))
        .args([
            "--format",
            "env",
            "DB=db_pasword",
            "NULL=.nothing | strip_port",
        ])
        .assert()
        .code(1)
        .stdout("")
        .get_output()
        .clone();
    let outputs = "api_token, app_subnet_ids, availability_zones, big_number, crlf_value, db-host, \
                   db_endpoint, db_password, db_port, empty_string, enabled, ports, ratio, service, \
                   shell_chars, tags, tls_private_key";
    assert_eq!(
        stderr_of(&out),
        format!(
            "tf-secrets: error: 2 problems; nothing was written\n  \
             `DB=db_pasword`: no output named `db_pasword`; did you mean `db_password`? the \
             outputs are: {outputs}\n  \
             `NULL=.nothing | strip_port`: no output named `nothing`; the outputs are: {outputs}\n"
        )
    );
}

#[test]
fn structures_nulls_and_empty_values_are_explained() {
    let out = tool()
        .arg("-f")
        .arg(fixture("outputs"))
        .args([
            "--format",
            "env",
            "SUBNETS=app_subnet_ids",
            "TAGS=tags",
            "MISSING=.service.nope",
            "EMPTY=empty_string",
        ])
        .assert()
        .code(1)
        .stdout("")
        .get_output()
        .clone();
    assert_eq!(
        stderr_of(&out),
        "tf-secrets: error: 4 problems; nothing was written\n  \
         `SUBNETS=app_subnet_ids`: the value is a list of 3; convert it explicitly: `| csv` or `| join(\",\")` for a list of strings, `| tojson` for JSON, `| .[0]` for one item\n  \
         `TAGS=tags`: the value is an object with 2 members; convert it explicitly: `| tojson` for JSON, or pick a member (`| .key`)\n  \
         `MISSING=.service.nope`: the value is null (Terraform leaves null outputs out; a filter may have read a missing key)\n  \
         `EMPTY=empty_string`: the value is empty; pass --allow-empty to set it anyway\n"
    );
    tool()
        .arg("-f")
        .arg(fixture("outputs"))
        .args(["--format", "json", "--allow-empty", "EMPTY=empty_string"])
        .assert()
        .success()
        .stdout("{\"EMPTY\":\"\"}\n");
}

#[test]
fn a_filter_that_does_not_compile_is_a_usage_error() {
    tool()
        .arg("-f")
        .arg(fixture("outputs"))
        .args(["--format", "env", "DB_HOST=.db_endpoint | strip_prt"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(
            "tf-secrets: error: `DB_HOST=.db_endpoint | strip_prt`: the filter does not compile: \
             undefined filter strip_prt/0 at column 16\n    .db_endpoint | strip_prt\n                   ^^^^^^^^^\n",
        );
}

#[test]
fn names_that_github_refuses_and_values_too_large_are_caught_before_any_write() {
    let fake = FakeGithub::start();
    let out = tool()
        .env("GITHUB_API_URL", fake.url())
        .env("GH_TOKEN", TOKEN)
        .arg("-f")
        .arg(fixture("names"))
        .args(["--to-github", "octo/app", "--all"])
        .assert()
        .code(1)
        .stdout("")
        .get_output()
        .clone();
    assert_eq!(
        stderr_of(&out),
        "tf-secrets: error: 3 problems; nothing was written\n  \
         --all: output `db_host`: DB_HOST is already set by --all: output `db-host` (names are case-insensitive and '-' becomes '_')\n  \
         --all: output `github_token`: its name does not make a secret name (`github_token` is not a valid secret name: names starting with GITHUB_ are reserved by GitHub); name it explicitly: SECRET_NAME=github_token\n  \
         --all: output `ünï`: its name does not make a secret name (`ünï` is not a valid secret name: 'ü' is not allowed (letters, digits and _ only)); name it explicitly: SECRET_NAME=ünï\n"
    );
    tool()
        .env("GITHUB_API_URL", fake.url())
        .env("GH_TOKEN", TOKEN)
        .arg("-f")
        .arg(fixture("names"))
        .args(["--to-github", "octo/app", "TOKEN=github_token", "UNI=ünï", "HUGE=huge", "_private"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(
            "tf-secrets: error: HUGE: the value is 50000 bytes; GitHub takes at most 48 KB (49152 bytes) per secret\n",
        );
    assert_eq!(fake.server.hits(), 0, "nothing reached GitHub");
}

#[test]
fn more_secrets_than_github_keeps_are_refused() {
    let outputs: serde_json::Map<String, serde_json::Value> = (0..101)
        .map(|i| {
            (
                format!("out_{i}"),
                serde_json::json!({"sensitive": false, "type": "string", "value": format!("v{i}")}),
            )
        })
        .collect();
    tool()
        .env("GH_TOKEN", TOKEN)
        .env("GITHUB_API_URL", "http://127.0.0.1:9")
        .args(["--to-github", "octo/app", "--all"])
        .write_stdin(serde_json::Value::Object(outputs).to_string())
        .assert()
        .code(1)
        .stdout("")
        .stderr(
            "tf-secrets: error: 101 secrets selected; GitHub keeps at most 100 per repository\n",
        );
}

#[test]
fn usage_errors_exit_2_before_reading_input() {
    for (args, message) in [
        (
            vec!["A=a"],
            "nothing to do: choose a destination (--to-github OWNER/REPO, --org ORG), --format json|env|github-env|names, or --dry-run",
        ),
        (
            vec!["--format", "env"],
            "nothing selected: name what to set (SECRET=OUTPUT, SECRET=FILTER or OUTPUT), or pass --all",
        ),
        (
            vec!["--to-github", "octo", "--dry-run", "A=a"],
            "--to-github: `octo` is not OWNER/REPO",
        ),
        (
            vec![
                "--org",
                "acme",
                "--visibility",
                "all",
                "--repos",
                "web",
                "--dry-run",
                "A=a",
            ],
            "--repos goes with --visibility selected, not --visibility all",
        ),
        (vec!["--format", "env", "A="], "`A=`: nothing after '='"),
    ] {
        let assert = tool()
            .args(&args)
            .write_stdin("{}")
            .assert()
            .code(2)
            .stdout("");
        let stderr = stderr_of(assert.get_output());
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
    // flags of the wrong destination (Scope::from_args, one message whatever else is
    // given), and clap's conflicts
    tool()
        .args(["--environment", "prod", "--format", "env", "A=a"])
        .assert()
        .code(2)
        .stderr("tf-secrets: error: --environment goes with --to-github OWNER/REPO\n");
    tool()
        .args(["--to-github", "o/r", "--format", "env", "A=a"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot be used with"));
}

#[test]
fn an_unreadable_file_is_named() {
    tool()
        .args(["-f", "/nonexistent/out.json", "--format", "env", "A=a"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::starts_with(
            "tf-secrets: error: cannot read `terraform output -json` from /nonexistent/out.json",
        ));
}

#[test]
fn a_filter_may_read_a_missing_output() {
    tool()
        .arg("-f")
        .arg(fixture("outputs"))
        .args([
            "--format",
            "json",
            r#"X=.maybe // "none""#,
            "Y=.nothing // .db_port",
        ])
        .assert()
        .success()
        .stdout("{\"X\":\"none\",\"Y\":\"5432\"}\n")
        .stderr("");
    // a null or a failure from a missing output still names the ones that exist
    tool()
        .arg("-f")
        .arg(fixture("outputs"))
        .args(["--format", "json", "X=.maybe"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::starts_with(
            "tf-secrets: error: `X=.maybe`: no output named `maybe`; the outputs are: api_token, ",
        ));
}

#[test]
fn an_empty_argument_is_a_usage_error_before_reading_input() {
    for args in [
        &["--format", "env", ""][..],
        &["--format", "env", "A=a", " "],
    ] {
        tool()
            .args(args)
            .write_stdin("not read")
            .assert()
            .code(2)
            .stdout("")
            .stderr("tf-secrets: error: an empty argument: name an output or write SECRET=EXPR\n");
    }
}

#[test]
fn a_failing_filter_on_a_sensitive_object_names_the_filter_and_the_kind() {
    // Terraform marks the whole object sensitive; its member names are not secrets, so the
    // message quotes the argument whole, and the kind of error instead of jaq's message.
    tool()
        .args(["--format", "json", "X=.db.password | tonumber"])
        .write_stdin(
            r#"{"db": {"sensitive": true, "value": {"password": "pw-0123", "username": "admin-user"}}}"#,
        )
        .assert()
        .code(1)
        .stdout("")
        .stderr(
            "tf-secrets: error: `X=.db.password | tonumber`: the filter failed: the filter \
             raised an error (error/1 or a built-in function); its message is not shown \
             because the filter reads sensitive outputs (try it with jq on test values)\n",
        );
}

#[test]
fn flags_of_the_other_destination_get_one_message() {
    for (args, message) in [
        (
            &["--environment", "prod", "--dry-run", "A=a"][..],
            "--environment goes with --to-github OWNER/REPO",
        ),
        (
            &["--org", "acme", "--environment", "prod", "--dry-run", "A=a"],
            "--environment goes with --to-github OWNER/REPO",
        ),
        (
            &["--visibility", "all", "--dry-run", "A=a"],
            "--visibility and --repos go with --org ORG",
        ),
        (
            &["--to-github", "o/r", "--repos", "web", "--dry-run", "A=a"],
            "--visibility and --repos go with --org ORG",
        ),
        (
            &["--repos", "web", "--format", "env", "A=a"],
            "--visibility and --repos go with --org ORG",
        ),
    ] {
        tool()
            .args(args)
            .write_stdin("{}")
            .assert()
            .code(2)
            .stdout("")
            .stderr(format!("tf-secrets: error: {message}\n"));
    }
}

#[test]
fn rest_api_settings_are_refused_with_via_gh() {
    for flag in [["--timeout", "5s"], ["--retries", "1"]] {
        tool()
            .args(["--to-github", "o/r", "--via-gh", "A=a"])
            .args(flag)
            .write_stdin("{}")
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::starts_with(format!(
                "tf-secrets: error: the argument '--via-gh' cannot be used with '{} <",
                flag[0]
            )));
    }
}
