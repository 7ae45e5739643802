//! The round trip on the local AWS emulator: register a rich task definition, describe it
//! with the AWS CLI, clean it with the binary, register the result with the AWS CLI
//! (`--cli-input-json`, whose parameter validation rejects unknown members) and with the SDK
//! through ecs-taskdef's mapping, describe again and compare.

use std::io::Write as _;

use serde_json::{Value, json};
use test_support::moto::{Moto, REGION};

use crate::{cmd, fixture, json_of};

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

/// Register with the AWS SDK for Rust, the input built by ecs_taskdef::register.
fn register_with_sdk(moto: &Moto, json: &Value) -> String {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        // Built by hand, not from the environment: the machine's AWS_* variables must not
        // change the test.
        let config = aws_sdk_ecs::Config::builder()
            .behavior_version(aws_sdk_ecs::config::BehaviorVersion::latest())
            .region(aws_sdk_ecs::config::Region::new(REGION))
            .endpoint_url(moto.endpoint())
            .http_client(
                aws_smithy_http_client::Builder::new()
                    .tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
                        aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
                    ))
                    .build_https(),
            )
            .credentials_provider(aws_sdk_ecs::config::Credentials::new(
                "test", "test", None, None, "test",
            ))
            .retry_config(aws_sdk_ecs::config::retry::RetryConfig::standard().with_max_attempts(1))
            .build();
        let client = aws_sdk_ecs::Client::from_conf(config);
        let input = ecs_taskdef::register::register_task_definition_input(json).unwrap();
        let out = input.send_with(&client).await.unwrap();
        out.task_definition()
            .and_then(|t| t.task_definition_arn())
            .unwrap()
            .to_owned()
    })
}

#[test]
fn describe_clean_register_with_the_cli_and_the_sdk_loses_nothing() {
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
    let clean_json = json_of(&clean);

    let by_cli = register_with_cli(&moto, &clean_bytes);
    assert_eq!(by_cli["taskDefinition"]["revision"], json!(2), "{by_cli}");
    let by_sdk = register_with_sdk(&moto, &clean_json);
    assert!(by_sdk.ends_with(":task-definition/web:3"), "{by_sdk}");

    let expected = without_revision(first);
    assert_eq!(without_revision(describe(&moto, "web:2")), expected);
    assert_eq!(without_revision(describe(&moto, "web:3")), expected);
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

#[test]
fn fixtures_cover_the_members_the_emulator_drops() {
    // The emulator ignores enableFaultInjection and trustedExecutionConfiguration; the AWS
    // answer in gpu-describe.json has both. The clean output keeps them (output.rs checks
    // it byte for byte); here the SDK mapping takes enableFaultInjection to the wire and
    // refuses trustedExecutionConfiguration, which aws-sdk-ecs cannot send, by name.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let clean: Value = serde_json::from_str(&crate::fixture_text("gpu-clean.json")).unwrap();
    assert_eq!(clean["enableFaultInjection"], json!(false));
    let err = crate::property::sdk_wire_json(&runtime, &clean).unwrap_err();
    assert!(
        err.starts_with(".trustedExecutionConfiguration: the AWS SDK for Rust this tool is built with cannot send this member"),
        "{err}"
    );

    let without = cmd()
        .args(["--drop", "trustedExecutionConfiguration"])
        .arg("-f")
        .arg(fixture("gpu-describe.json"))
        .assert()
        .success()
        .stderr("");
    let without = json_of(&without);
    let wire = crate::property::sdk_wire_json(&runtime, &without).unwrap();
    assert_eq!(wire, crate::property::expected_on_the_wire(&without));
    assert_eq!(wire["enableFaultInjection"], json!(false));
    assert_eq!(
        wire["containerDefinitions"][0]["resourceRequirements"][0]["sharingStrategy"],
        json!({"nvidiaMps": {"memory": 8, "maxComputePercent": 50}})
    );
}
