//! What a successful run prints: register-ready JSON, pretty or compact, on stdout or
//! atomically in a file; warnings on stderr only.

use serde_json::{Value, json};

use crate::{cmd, fixture, fixture_text, json_of, stderr_of};

#[test]
fn a_describe_answer_becomes_register_ready_json() {
    // gpu-describe.json is what AWS answers for a task definition with every read-only
    // member (deregistered, delete requested), nulls as console exports have them, and
    // members the emulator drops (enableFaultInjection, trustedExecutionConfiguration).
    let assert = cmd()
        .arg("-f")
        .arg(fixture("gpu-describe.json"))
        .assert()
        .success()
        .stderr("");
    let stdout = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    assert_eq!(stdout, fixture_text("gpu-clean.json"));
    let out: Value = serde_json::from_str(&stdout).unwrap();
    for read_only in [
        "taskDefinitionArn",
        "revision",
        "status",
        "requiresAttributes",
        "compatibilities",
        "registeredAt",
        "registeredBy",
        "deregisteredAt",
        "deleteRequestedAt",
    ] {
        assert!(out.get(read_only).is_none(), "{read_only}");
    }
    assert_eq!(out["enableFaultInjection"], json!(false));
    assert_eq!(
        out["trustedExecutionConfiguration"]["isolationMode"],
        "CONFIDENTIAL_SANDBOX"
    );
    assert_eq!(
        out["tags"],
        json!([{"key": "service", "value": "inference"}])
    );
    assert_eq!(
        out["containerDefinitions"][0]["environment"][1],
        json!({"name": "EXTRA_ARGS", "value": ""})
    );
    assert!(out.get("ipcMode").is_none());
    assert!(out["containerDefinitions"][0].get("healthCheck").is_none());
}

#[test]
fn output_is_idempotent_and_stdin_and_file_agree() {
    let first = cmd()
        .arg("-f")
        .arg(fixture("gpu-describe.json"))
        .assert()
        .success();
    let first = first.get_output().stdout.clone();
    let again = cmd()
        .write_stdin(first.clone())
        .assert()
        .success()
        .stderr("");
    assert_eq!(again.get_output().stdout, first);
    let dash = cmd()
        .args(["-f", "-"])
        .write_stdin(fixture_text("gpu-describe.json"))
        .assert()
        .success();
    assert_eq!(dash.get_output().stdout, first);
}

#[test]
fn the_bare_task_definition_is_accepted() {
    let describe: Value = serde_json::from_str(&fixture_text("gpu-describe.json")).unwrap();
    let bare = describe["taskDefinition"].to_string();
    let assert = cmd().write_stdin(bare).assert().success().stderr("");
    let mut expected: Value = serde_json::from_str(&fixture_text("gpu-clean.json")).unwrap();
    expected.as_object_mut().unwrap().shift_remove("tags");
    assert_eq!(json_of(&assert), expected);
}

#[test]
fn compact_is_one_line() {
    let assert = cmd()
        .arg("--compact")
        .arg("-f")
        .arg(fixture("gpu-describe.json"))
        .assert()
        .success();
    let stdout = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    assert_eq!(stdout.lines().count(), 1);
    assert!(stdout.ends_with("}\n"));
    let expected: Value = serde_json::from_str(&fixture_text("gpu-clean.json")).unwrap();
    assert_eq!(serde_json::from_str::<Value>(&stdout).unwrap(), expected);
}

#[test]
fn output_file_is_written_whole_and_stdout_stays_empty() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("td.json");
    std::fs::write(&out, "old\n").unwrap();
    cmd()
        .arg("-f")
        .arg(fixture("gpu-describe.json"))
        .arg("-o")
        .arg(&out)
        .assert()
        .success()
        .stdout("")
        .stderr("");
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        fixture_text("gpu-clean.json")
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn unknown_members_are_kept_with_a_warning() {
    let describe = json!({
        "taskDefinition": {
            "family": "web",
            "containerDefinitions": [{"name": "app", "image": "web:1", "memory": 128, "futureOption": {"on": true}}],
            "revision": 4,
            "futureTaskMember": "yes"
        }
    });
    let assert = cmd().write_stdin(describe.to_string()).assert().success();
    assert_eq!(
        json_of(&assert),
        json!({
            "family": "web",
            "containerDefinitions": [{"name": "app", "image": "web:1", "memory": 128, "futureOption": {"on": true}}],
            "futureTaskMember": "yes"
        })
    );
    let err = stderr_of(&assert);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(lines[0].starts_with("taskdef-clean: warning: <stdin>: .taskDefinition.containerDefinitions[0].futureOption (container \"app\"): not a member of ContainerDefinition in the ECS model this tool knows (botocore "), "{err}");
    assert!(lines[0].ends_with("; kept"), "{err}");
    assert!(lines[1].starts_with("taskdef-clean: warning: <stdin>: .taskDefinition.futureTaskMember: not a RegisterTaskDefinition member"), "{err}");

    // --drop removes top-level ones, and the warning with them.
    let assert = cmd()
        .args([
            "--drop",
            "futureTaskMember",
            "--filter",
            "del(.containerDefinitions[0].futureOption)",
        ])
        .write_stdin(describe.to_string())
        .assert()
        .success()
        .stderr("");
    assert_eq!(
        json_of(&assert),
        json!({"family": "web", "containerDefinitions": [{"name": "app", "image": "web:1", "memory": 128}]})
    );
}

#[test]
fn check_says_register_ready_and_prints_no_data() {
    cmd()
        .arg("--check")
        .arg("-f")
        .arg(fixture("gpu-describe.json"))
        .assert()
        .success()
        .stdout("")
        .stderr(format!(
            "taskdef-clean: {}: register-ready\n",
            fixture("gpu-describe.json").display()
        ));
    let assert = cmd()
        .arg("--check")
        .write_stdin(r#"{"family": "f", "containerDefinitions": [{"name": "app", "image": "nginx", "memory": 128}], "newMember": 1}"#)
        .assert()
        .success()
        .stdout("");
    let err = stderr_of(&assert);
    assert!(
        err.ends_with("taskdef-clean: <stdin>: no errors, 1 warning (see above)\n"),
        "{err}"
    );
}

#[test]
fn check_passes_with_warnings_unless_strict() {
    let input = r#"{"family": "f", "containerDefinitions": [{"name": "app", "image": "nginx", "memory": 128}], "newMember": 1}"#;
    cmd()
        .arg("--check")
        .write_stdin(input)
        .assert()
        .code(0)
        .stdout("");
    let assert = cmd()
        .args(["--check", "--strict"])
        .write_stdin(input)
        .assert()
        .code(1)
        .stdout("");
    let err = stderr_of(&assert);
    assert!(
        err.starts_with("taskdef-clean: error: <stdin>: .newMember: "),
        "{err}"
    );
}

#[test]
fn version_names_the_model() {
    let assert = cmd().arg("--version").assert().success();
    let out = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    assert!(out.starts_with("taskdef-clean "), "{out}");
    assert!(out.contains("(ECS model: botocore "), "{out}");
}

#[test]
fn completions_and_man_page_are_generated() {
    let assert = cmd().args(["--generate", "man"]).assert().success();
    let man = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    assert!(man.contains("taskdef\\-clean"), "{man}");
    let assert = cmd()
        .args(["--generate", "complete-bash"])
        .assert()
        .success();
    let bash = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    assert!(bash.contains("--unset-secret"), "{bash}");
}

#[test]
fn under_github_actions_problems_are_annotations_too() {
    let input = json!({"family": "f", "containerDefinitions": [{"name": "app", "image": "nginx", "memory": 128}], "newMember": 1});
    let assert = cmd()
        .env("GITHUB_ACTIONS", "true")
        .write_stdin(input.to_string())
        .assert()
        .success();
    let err = stderr_of(&assert);
    let lines: Vec<&str> = err.lines().collect();
    // The annotation alone: the runner shows it in the log, a plain line would repeat it.
    assert_eq!(lines.len(), 1, "{err}");
    assert!(
        lines[0].starts_with(
            "::warning title=taskdef-clean::<stdin>: .newMember: not a RegisterTaskDefinition member"
        ),
        "{err}"
    );
    // Not under GitHub Actions: no workflow commands.
    let assert = cmd().write_stdin(input.to_string()).assert().success();
    assert!(!stderr_of(&assert).contains("::warning"));

    let assert = cmd()
        .env("GITHUB_ACTIONS", "true")
        .args(["--image", "nope=x"])
        .write_stdin(input.to_string())
        .assert()
        .code(1)
        .stdout("");
    let err = stderr_of(&assert);
    assert!(
        err.contains("::error title=taskdef-clean::--image nope=x: no container named \"nope\""),
        "{err}"
    );
}
