//! Edits and inputs ECS would reject are errors, and `--check --strict` does not call them
//! register-ready (issue 9, item 12): image references, task-level cpu and memory, Fargate's
//! task sizes, one image per container.

use serde_json::{Value, json};

use crate::{cmd, fixture_text, json_of, stderr_of};

/// The web fixture: containers "app" and "log-router", FARGATE, cpu 1024, memory 2048.
fn web() -> String {
    fixture_text("web-register.json")
}

/// Run with `args` on `input`; the exit code must be `code` and stdout empty; stderr back.
fn fails(args: &[&str], input: &str, code: i32) -> String {
    let assert = cmd()
        .args(args)
        .write_stdin(input.to_owned())
        .assert()
        .code(code)
        .stdout("");
    stderr_of(&assert)
}

/// The same run fails with and without `--check --strict`.
fn fails_checked_too(args: &[&str], input: &str, code: i32) -> String {
    let plain = fails(args, input, code);
    let checked = fails(&[&["--check", "--strict"], args].concat(), input, code);
    assert_eq!(plain, checked, "{args:?}");
    plain
}

#[test]
fn an_image_with_unset_variables_is_a_usage_error() {
    // --image "app=$R/web:$T" with R and T unset.
    let err = fails_checked_too(&["--image", "app=/web:"], &web(), 2);
    assert!(err.contains("'--image <[NAME=]URI>'"), "{err}");
    assert!(
        err.contains(
            "\"/web:\" is not an image reference: empty path component at the start of the \
             repository \"/web\": did a variable expand to nothing?; empty tag after ':': did a \
             variable expand to nothing?"
        ),
        "{err}"
    );
    let err = fails_checked_too(&["--image", "app=:abc"], &web(), 2);
    assert!(
        err.contains(
            "\":abc\" is not an image reference: empty repository name before \":abc\": did a \
             variable expand to nothing?"
        ),
        "{err}"
    );
    for (image, expected) in [
        (
            "app=Web:1",
            "\"Web\" has capitals; repository names are lowercase",
        ),
        ("app=web:-1", "tag \"-1\" is not valid"),
        ("app=web@sha256:abc", "ECS takes sha256: and 64 hex digits"),
        ("app=reg.example:http/web", "port \"http\" is not a number"),
        ("web:1 2", "no spaces or control characters"),
    ] {
        let err = fails_checked_too(&["--image", image], &web(), 2);
        assert!(err.contains("--image"), "{image}: {err}");
        assert!(err.contains(expected), "{image}: {err}");
    }
}

#[test]
fn cpu_and_memory_options_take_what_the_api_takes() {
    for (args, expected) in [
        (
            ["--cpu", "abc"],
            "invalid value 'abc' for '--cpu <UNITS>': \"abc\" is not a cpu the API takes: CPU \
             units (\"256\", \"1024\") or vCPUs (\"0.25 vCPU\", \"1 vCPU\")",
        ),
        (
            ["--cpu", "0.5"],
            "\"0.5\" is not a cpu the API takes: CPU units (\"256\", \"1024\") or vCPUs \
             (\"0.25 vCPU\", \"1 vCPU\"); 0.5 vCPU is written \"0.5 vCPU\" or 512",
        ),
        (
            ["--cpu", "64"],
            "\"64\" is 64 CPU units; a task takes 128 to 196608",
        ),
        (["--cpu", "0.1 vCPU"], "is not a whole number of CPU units"),
        (
            ["--memory", "lots"],
            "invalid value 'lots' for '--memory <MIB>': \"lots\" is not a memory the API \
             takes: MiB (\"512\", \"2048\") or GB (\"0.5 GB\", \"2 GB\")",
        ),
        (["--memory", "512 MiB"], "is not a memory the API takes"),
        (["--memory", "0"], "\"0\" is no memory at all"),
    ] {
        let err = fails_checked_too(&args, &web(), 2);
        assert!(err.contains(expected), "{args:?}: {err}");
    }
}

#[test]
fn the_same_container_twice_in_image_is_a_usage_error() {
    let err = fails_checked_too(
        &[
            "--image",
            "app=web:1",
            "--image",
            "log-router=fb:2",
            "--image",
            "app=web:2",
        ],
        &web(),
        2,
    );
    assert_eq!(
        err,
        "taskdef-clean: error: --image app=web:1 and --image app=web:2: container \"app\" is \
         given two images; give it one\n"
    );
    let one =
        json!({"family": "job", "containerDefinitions": [{"name": "migrate", "image": "job:1", "memory": 128}]})
            .to_string();
    let err = fails_checked_too(&["--image", "job:2", "--image", "job:3"], &one, 2);
    assert!(
        err.contains("--image job:2 and --image job:3: two images without a container name"),
        "{err}"
    );
    // Unnamed and named meet at the only container: known once the input is read.
    let err = fails_checked_too(&["--image", "job:2", "--image", "migrate=job:3"], &one, 1);
    assert_eq!(
        err,
        "taskdef-clean: error: --image migrate=job:3: --image job:2 sets this container's image \
         already; give it one\n"
    );
}

#[test]
fn images_in_the_input_are_checked_where_they_are() {
    let mut td: Value = serde_json::from_str(&web()).unwrap();
    td["containerDefinitions"][1]["image"] = json!("/aws-for-fluent-bit:");
    let describe = json!({"taskDefinition": td}).to_string();
    let err = fails_checked_too(&[], &describe, 1);
    assert_eq!(
        err,
        "taskdef-clean: error: <stdin>: .taskDefinition.containerDefinitions[1].image (container \
         \"log-router\"): \"/aws-for-fluent-bit:\" is not an image reference ECS can pull: empty \
         path component at the start of the repository \"/aws-for-fluent-bit\": did a variable \
         expand to nothing?; empty tag after ':': did a variable expand to nothing?\n"
    );
    // --image replaces a bad one: then it is fine.
    let assert = cmd()
        .args(["--check", "--strict", "--image", "log-router=fluent-bit:3"])
        .write_stdin(describe.clone())
        .assert()
        .code(0)
        .stdout("");
    assert_eq!(
        stderr_of(&assert),
        "taskdef-clean: <stdin>: register-ready\n"
    );
    // A filter that makes one bad is told where (the input has environment values: the
    // reference is not quoted, the filter may have copied one).
    let err = fails(
        &[
            "--filter",
            ".containerDefinitions[0].image |= sub(\":.*\"; \":\")",
        ],
        &web(),
        1,
    );
    assert!(
        err.contains(
            "in the --filter output: .containerDefinitions[0].image (container \"app\"): \
             is not an image reference ECS can pull (empty tag after ':'); the value is not \
             shown"
        ),
        "{err}"
    );
}

#[test]
fn cpu_and_memory_in_the_input_are_checked() {
    let mut td: Value = serde_json::from_str(&web()).unwrap();
    td["cpu"] = json!("abc");
    td["memory"] = json!("lots");
    let err = fails_checked_too(&[], &td.to_string(), 1);
    assert_eq!(
        err,
        "taskdef-clean: error: <stdin>: .cpu: \"abc\" is not a cpu the API takes: CPU units \
         (\"256\", \"1024\") or vCPUs (\"0.25 vCPU\", \"1 vCPU\")\n\
         taskdef-clean: error: <stdin>: .memory: \"lots\" is not a memory the API takes: MiB \
         (\"512\", \"2048\") or GB (\"0.5 GB\", \"2 GB\")\n\
         taskdef-clean: 2 errors; nothing written\n"
    );
}

#[test]
fn fargate_takes_only_its_task_sizes() {
    // The fixture requires FARGATE.
    let err = fails_checked_too(&["--cpu", "256", "--memory", "4096"], &web(), 1);
    assert_eq!(
        err,
        "taskdef-clean: error: <stdin>: .memory: Fargate does not run 256 CPU units with 4096 \
         MiB: with 256 units it takes 512, 1024 or 2048 MiB (requiresCompatibilities has \
         FARGATE)\n"
    );
    let err = fails_checked_too(&["--cpu", "128"], &web(), 1);
    assert!(
        err.contains(".cpu: Fargate has no task size of 128 CPU units; it takes 256 (.25 vCPU)"),
        "{err}"
    );
    let mut td: Value = serde_json::from_str(&web()).unwrap();
    td.as_object_mut().unwrap().shift_remove("memory");
    let err = fails_checked_too(&[], &td.to_string(), 1);
    assert_eq!(
        err,
        "taskdef-clean: error: <stdin>: .: requiresCompatibilities has FARGATE, and Fargate \
         needs the task-level memory; add --memory\n"
    );
    // Both forms the API takes, in a pair Fargate runs.
    let assert = cmd()
        .args([
            "--check", "--strict", "--cpu", "0.5 vCPU", "--memory", "1 GB",
        ])
        .write_stdin(web())
        .assert()
        .code(0)
        .stdout("");
    assert_eq!(
        stderr_of(&assert),
        "taskdef-clean: <stdin>: register-ready\n"
    );
}

#[test]
fn a_size_fargate_does_not_run_is_a_warning_when_the_launch_type_is_not_said() {
    let mut td: Value = serde_json::from_str(&web()).unwrap();
    td.as_object_mut()
        .unwrap()
        .shift_remove("requiresCompatibilities");
    td["cpu"] = json!("256");
    td["memory"] = json!("4096");
    let input = td.to_string();
    let warning = "taskdef-clean: warning: <stdin>: .memory: Fargate does not run 256 CPU units \
                   with 4096 MiB: with 256 units it takes 512, 1024 or 2048 MiB; without \
                   requiresCompatibilities the launch type is not said, and this definition \
                   would not run on Fargate";
    let assert = cmd().write_stdin(input.clone()).assert().code(0);
    assert_eq!(json_of(&assert)["memory"], "4096");
    assert_eq!(stderr_of(&assert), format!("{warning}; kept\n"));
    let err = fails(&["--check", "--strict"], &input, 1);
    assert_eq!(
        err,
        format!(
            "{}; set requiresCompatibilities to [\"EC2\"] if it is not for Fargate, or leave \
             out --strict\n",
            warning.replace("warning:", "error:")
        )
    );
    // Said to be EC2, or a network mode Fargate does not have (bridge is the default): no
    // warning.
    for (key, value) in [
        ("requiresCompatibilities", json!(["EC2"])),
        ("networkMode", json!("bridge")),
        ("networkMode", Value::Null),
    ] {
        let mut ec2 = td.clone();
        ec2[key] = value;
        let assert = cmd()
            .args(["--check", "--strict"])
            .write_stdin(ec2.to_string())
            .assert()
            .code(0)
            .stdout("");
        assert_eq!(
            stderr_of(&assert),
            "taskdef-clean: <stdin>: register-ready\n"
        );
    }
}

#[test]
fn env_given_twice_for_one_name_takes_the_last() {
    let assert = cmd()
        .args(["--env", "app:MODE=default", "--env", "app:MODE=override"])
        .write_stdin(web())
        .assert()
        .code(0)
        .stderr("");
    let td = json_of(&assert);
    let modes: Vec<&Value> = td["containerDefinitions"][0]["environment"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["name"] == "MODE")
        .collect();
    assert_eq!(modes, [&json!({"name": "MODE", "value": "override"})]);
}
