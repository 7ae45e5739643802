//! The mapping against the AWS SDK itself: any model-valid task definition, given to the SDK
//! through `register::register_task_definition_input`, is put on the wire equal; and on the
//! local emulator, what the SDK registers is what the AWS CLI registers from the same JSON.
//! The random task definitions come from the model (`ecs_taskdef::arbitrary`), not from the
//! mapping under test.

use std::path::PathBuf;

use ecs_taskdef::{arbitrary, model, register};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};
use test_support::moto::{Moto, REGION};

/// What the SDK should put on the wire for `td`: the same, except for two members that its
/// model makes plain values (documented in ecs_taskdef::register): `cpu: 0` for a
/// container without cpu, `value: ""` for a resource requirement without value.
fn expected_on_the_wire(td: &Value) -> Value {
    let mut td = td.clone();
    if let Some(Value::Array(containers)) = td.get_mut("containerDefinitions") {
        for c in containers {
            let c = c.as_object_mut().unwrap();
            c.entry("cpu").or_insert(json!(0));
            if let Some(Value::Array(requirements)) = c.get_mut("resourceRequirements") {
                for r in requirements {
                    r.as_object_mut()
                        .unwrap()
                        .entry("value")
                        .or_insert(json!(""));
                }
            }
        }
    }
    td
}

/// The JSON body the SDK sends for `td` (the HTTP client captures instead of sending).
fn sdk_wire_json(runtime: &tokio::runtime::Runtime, td: &Value) -> Result<Value, String> {
    use aws_sdk_ecs::config::{BehaviorVersion, Credentials, Region};
    let input = register::register_task_definition_input(td).map_err(|e| e.to_string())?;
    let (http, request) = aws_smithy_http_client::test_util::capture_request(None);
    let config = aws_sdk_ecs::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-2"))
        .credentials_provider(Credentials::new("test", "test", None, None, "test"))
        .http_client(http)
        .build();
    let client = aws_sdk_ecs::Client::from_conf(config);
    // The captured answer is an empty 200: only the request matters.
    let _ = runtime.block_on(input.send_with(&client));
    let request = request.expect_request();
    Ok(serde_json::from_slice(request.body().bytes().unwrap()).unwrap())
}

#[test]
fn any_task_definition_survives_the_sdk() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut runner = TestRunner::new(Config {
        cases: 96,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&arbitrary::task_definition(), |td| {
            let lacks = model::SDK_LACKS.iter().find(|m| td.get(**m).is_some());
            match (sdk_wire_json(&runtime, &td), lacks) {
                (Ok(wire), None) => prop_assert_eq!(wire, expected_on_the_wire(&td)),
                (Err(e), Some(member)) => {
                    prop_assert!(e.starts_with(&format!(".{member}: ")), "{}", e);
                }
                (other, _) => prop_assert!(false, "unexpected: {:?}", other),
            }
            Ok(())
        })
        .unwrap();
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

#[test]
fn members_the_emulator_drops_reach_the_wire_or_are_refused_by_name() {
    // The emulator ignores enableFaultInjection and trustedExecutionConfiguration; the
    // register-ready gpu-clean.json (taskdef-clean's output for an AWS answer) has both. The
    // mapping takes enableFaultInjection to the wire and refuses trustedExecutionConfiguration,
    // which aws-sdk-ecs cannot send, by name.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut clean: Value =
        serde_json::from_slice(&std::fs::read(fixture("gpu-clean.json")).unwrap()).unwrap();
    assert_eq!(clean["enableFaultInjection"], json!(false));
    let err = sdk_wire_json(&runtime, &clean).unwrap_err();
    assert!(
        err.starts_with(".trustedExecutionConfiguration: the AWS SDK for Rust this tool is built with cannot send this member"),
        "{err}"
    );

    clean
        .as_object_mut()
        .unwrap()
        .shift_remove("trustedExecutionConfiguration")
        .unwrap();
    let wire = sdk_wire_json(&runtime, &clean).unwrap();
    assert_eq!(wire, expected_on_the_wire(&clean));
    assert_eq!(wire["enableFaultInjection"], json!(false));
    assert_eq!(
        wire["containerDefinitions"][0]["resourceRequirements"][0]["sharingStrategy"],
        json!({"nvidiaMps": {"memory": 8, "maxComputePercent": 50}})
    );
}

/// `aws ecs describe-task-definition --include TAGS`, without what changes from one revision
/// to the next.
fn describe(moto: &Moto, task_definition: &str) -> Value {
    let mut answer = moto.aws(&[
        "ecs",
        "describe-task-definition",
        "--task-definition",
        task_definition,
        "--include",
        "TAGS",
    ]);
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

/// Register with the AWS SDK for Rust, the input built by the mapping.
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
        let input = register::register_task_definition_input(json).unwrap();
        let out = input.send_with(&client).await.unwrap();
        out.task_definition()
            .and_then(|t| t.task_definition_arn())
            .unwrap()
            .to_owned()
    })
}

#[test]
fn the_sdk_registers_what_the_aws_cli_registers() {
    let fixture =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/web-register.json");
    let json: Value = serde_json::from_slice(&std::fs::read(&fixture).unwrap()).unwrap();
    let moto = Moto::shared().lock();
    moto.aws(&[
        "ecs",
        "register-task-definition",
        "--cli-input-json",
        &format!("file://{}", fixture.display()),
    ]);
    let by_sdk = register_with_sdk(&moto, &json);
    assert!(by_sdk.ends_with(":task-definition/web:2"), "{by_sdk}");
    let by_cli = describe(&moto, "web:1");
    // The emulator kept what matters for this test (it drops enableFaultInjection).
    assert_eq!(
        by_cli["taskDefinition"]["containerDefinitions"][0]["environment"][1],
        json!({"name": "FEATURE_FLAGS", "value": ""})
    );
    assert_eq!(by_cli["tags"].as_array().unwrap().len(), 2);
    assert_eq!(describe(&moto, "web:2"), by_cli);
}
