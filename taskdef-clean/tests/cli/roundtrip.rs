//! The round trip on the local AWS emulator: register a rich task definition, describe it
//! with the AWS CLI, clean it with the binary, register the result with the AWS CLI
//! (`--cli-input-json`, whose parameter validation rejects unknown members), describe again
//! and compare. (ecs-taskdef's tests register the same task definition with the AWS SDK.)

use std::io::Write as _;

use serde_json::{Value, json};
use test_support::moto::Moto;

use crate::{cmd, fixture};

/// `aws ecs describe-task-definition --include TAGS`
fn describe(moto: &Moto, task_definition: &str) -> Value {
    moto.aws(&[
        "ecs",
        "describe-task-definition",
        "--task-definition",
        task_definition,
        "--include",
        "TAGS",
    ])
}

/// A describe answer without what changes from one revision to the next.
fn without_revision(mut answer: Value) -> Value {
    let td = answer["taskDefinition"].as_object_mut().unwrap();
    for key in [
        "taskDefinitionArn",
        "revision",
        "registeredAt",
        "registeredBy",
        "deregisteredAt",
        "deleteRequestedAt",
    ] {
        td.shift_remove(key);
    }
    answer
}

/// Register with the AWS CLI from a JSON file, as a CI step does.
fn register_with_cli(moto: &Moto, json: &[u8]) -> Value {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(json).unwrap();
    let arg = format!("file://{}", file.path().display());
    moto.aws(&["ecs", "register-task-definition", "--cli-input-json", &arg])
}

#[test]
fn describe_clean_register_loses_nothing() {
    let moto = Moto::shared().lock();
    moto.aws(&[
        "ecs",
        "register-task-definition",
        "--cli-input-json",
        &format!("file://{}", fixture("web-register.json").display()),
    ]);
    let first = describe(&moto, "web:1");
    // The emulator kept what matters for this test (it drops enableFaultInjection, which
    // the fixtures cover).
    let app = &first["taskDefinition"]["containerDefinitions"][0];
    assert_eq!(
        app["environment"][1],
        json!({"name": "FEATURE_FLAGS", "value": ""})
    );
    assert_eq!(app["logConfiguration"]["options"]["tag"], "");
    assert_eq!(first["tags"].as_array().unwrap().len(), 2);

    let clean = cmd()
        .write_stdin(first.to_string())
        .assert()
        .success()
        .stderr("");
    let clean_bytes = clean.get_output().stdout.clone();

    let by_cli = register_with_cli(&moto, &clean_bytes);
    assert_eq!(by_cli["taskDefinition"]["revision"], json!(2), "{by_cli}");

    let expected = without_revision(first);
    assert_eq!(without_revision(describe(&moto, "web:2")), expected);
}

#[test]
fn edits_land_in_the_new_revision_and_nothing_else_changes() {
    let moto = Moto::shared().lock();
    moto.aws(&[
        "ecs",
        "register-task-definition",
        "--cli-input-json",
        &format!("file://{}", fixture("web-register.json").display()),
    ]);
    let first = describe(&moto, "web");
    let image = "123456789012.dkr.ecr.us-east-2.amazonaws.com/web:1.5.0";
    let clean = cmd()
        .args([
            "--image",
            &format!("app={image}"),
            "--env",
            "app:LOG_LEVEL=debug",
            "--env",
            "app:RELEASE=1.5.0",
        ])
        .write_stdin(first.to_string())
        .assert()
        .success()
        .stderr("");
    register_with_cli(&moto, &clean.get_output().stdout);
    let second = describe(&moto, "web");
    assert_eq!(second["taskDefinition"]["revision"], json!(2));

    let mut expected = without_revision(first);
    let app = &mut expected["taskDefinition"]["containerDefinitions"][0];
    app["image"] = json!(image);
    app["environment"][0]["value"] = json!("debug");
    app["environment"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "RELEASE", "value": "1.5.0"}));
    assert_eq!(without_revision(second), expected);
}

#[test]
fn the_cli_rejects_the_uncleaned_answer_that_the_tool_fixes() {
    // The control: without taskdef-clean, the AWS CLI refuses the describe answer.
    let moto = Moto::shared().lock();
    moto.aws(&[
        "ecs",
        "register-task-definition",
        "--cli-input-json",
        &format!("file://{}", fixture("web-register.json").display()),
    ]);
    let answer = describe(&moto, "web");
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(answer["taskDefinition"].to_string().as_bytes())
        .unwrap();
    let out = moto
        .aws_command()
        .args([
            "ecs",
            "register-task-definition",
            "--cli-input-json",
            &format!("file://{}", file.path().display()),
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Unknown parameter in input: \"taskDefinitionArn\""),
        "{err}"
    );
}
