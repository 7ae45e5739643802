//! Bad input and failed edits: a clear message on stderr saying what and where, nothing on
//! stdout, an -o file untouched, and the documented exit code.

use crate::{cmd, fixture_text, stderr_of};
use test_support::CommandExt as _;

/// Run with `args` on `stdin`, expecting exit `code`; return stderr. Checks that stdout is
/// empty, and that an existing -o file keeps its content and nothing is left beside it.
fn fails(args: &[&str], stdin: &str, code: i32) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.json");
    std::fs::write(&out, "previous content\n").unwrap();
    let with_file = cmd()
        .args(args)
        .arg("-o")
        .arg(&out)
        .write_stdin(stdin)
        .assert()
        .code(code)
        .stdout("");
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "previous content\n",
        "the -o file was touched"
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "a temporary file was left behind"
    );
    // The same without -o: nothing on stdout either, the same message.
    let to_stdout = cmd()
        .args(args)
        .write_stdin(stdin)
        .assert()
        .code(code)
        .stdout("");
    let err = stderr_of(&to_stdout);
    assert_eq!(stderr_of(&with_file), err);
    err
}

fn web() -> String {
    fixture_text("web-register.json")
}

#[test]
fn invalid_json_names_line_and_column() {
    let err = fails(
        &[],
        "{\n  \"family\": \"web\",\n  \"cpu\": \"256\",,\n}\n",
        1,
    );
    assert_eq!(
        err,
        "taskdef-clean: error: <stdin>: invalid JSON at line 3, column 16: key must be a string\n"
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("td.json");
    std::fs::write(&file, "{\"family\": \"web\" \"x\": 1}").unwrap();
    let err = fails(&["-f", file.to_str().unwrap()], "", 1);
    assert_eq!(
        err,
        format!(
            "taskdef-clean: error: {}: invalid JSON at line 1, column 18: expected `,` or `}}`\n",
            file.display()
        )
    );
}

#[test]
fn empty_input_says_so() {
    let err = fails(&[], "\n", 1);
    assert_eq!(
        err,
        "taskdef-clean: error: <stdin>: invalid JSON at line 1, column 1: the input is empty\n"
    );
}

#[test]
fn a_missing_file_is_named() {
    let err = fails(&["-f", "/nonexistent/td.json"], "", 1);
    assert!(
        err.starts_with(
            "taskdef-clean: error: cannot read describe-task-definition JSON from /nonexistent/td.json: "
        ),
        "{err}"
    );
}

#[test]
fn wrong_shapes_are_named() {
    let err = fails(&[], "[{\"family\": \"web\"}]", 1);
    assert_eq!(
        err,
        "taskdef-clean: error: <stdin>: .: expected a JSON object (describe-task-definition \
         output, or a task definition), found an array\n"
    );
    let err = fails(
        &[],
        r#"{"taskDefinition": {"family": "web", "revision": 3}}"#,
        1,
    );
    assert_eq!(
        err,
        "taskdef-clean: error: <stdin>: .taskDefinition: no containerDefinitions: expected \
         describe-task-definition output ({\"taskDefinition\": {...}}) or a task definition, \
         found an object with family, revision\n"
    );
    // What `aws ecs describe-services` prints is not a task definition.
    let err = fails(&[], r#"{"services": [], "failures": []}"#, 1);
    assert!(
        err.contains("found an object with services, failures"),
        "{err}"
    );
    let err = fails(&[], r#"{"taskDefinition": ["web"]}"#, 1);
    assert_eq!(
        err,
        "taskdef-clean: error: <stdin>: .taskDefinition: expected an object (the task \
         definition), found an array\n"
    );
}

#[test]
fn a_null_inside_an_array_is_named_by_path_and_container() {
    let mut td: serde_json::Value = serde_json::from_str(&web()).unwrap();
    td["containerDefinitions"][0]["secrets"][1] = serde_json::Value::Null;
    let describe = serde_json::json!({"taskDefinition": td, "tags": []});
    let err = fails(&[], &describe.to_string(), 1);
    assert_eq!(
        err,
        "taskdef-clean: error: <stdin>: .taskDefinition.containerDefinitions[0].secrets[1] \
         (container \"app\"): null inside an array: the API takes no nulls, and there is no \
         telling what was meant; remove it\n"
    );
}

#[test]
fn wrong_member_types_are_all_listed() {
    let mut td: serde_json::Value = serde_json::from_str(&web()).unwrap();
    td["cpu"] = serde_json::json!(1024);
    td["containerDefinitions"][1]["memoryReservation"] = serde_json::json!("64");
    let err = fails(&[], &td.to_string(), 1);
    assert_eq!(
        err,
        "taskdef-clean: error: <stdin>: .cpu: expected a string, found the number 1024 (the \
         task-level cpu is a string: \"1024\")\n\
         taskdef-clean: error: <stdin>: .containerDefinitions[1].memoryReservation (container \
         \"log-router\"): expected an integer, found the string \"64\": write 64 without quotes\n\
         taskdef-clean: 2 errors; nothing written\n"
    );
}

#[test]
fn unknown_containers_are_named() {
    let err = fails(&["--image", "api=web:2", "--env", "worker:A=1"], &web(), 1);
    assert_eq!(
        err,
        "taskdef-clean: error: --image api=web:2: no container named \"api\" (the task \
         definition has: app, log-router); did you mean \"app\"?\n\
         taskdef-clean: error: --env worker:A: no container named \"worker\" (the task \
         definition has: app, log-router)\n\
         taskdef-clean: 2 errors; nothing written\n"
    );
    let err = fails(&["--image", "web:2"], &web(), 1);
    assert_eq!(
        err,
        "taskdef-clean: error: --image web:2: an image without a container name needs exactly \
         one container, and the task definition has 2 (app, log-router); use --image \
         NAME=URI\n"
    );
}

#[test]
fn a_filter_must_yield_exactly_one_object() {
    for (filter, message) in [
        (
            "select(.family == \"api\")",
            "--filter yielded no value; it must yield exactly one object (the task \
             definition); a select() that matched nothing, or empty?",
        ),
        (
            ".containerDefinitions[]",
            "--filter yielded 2 values; it must yield exactly one object (the task \
             definition); collect with [...] or pick one with first(...)",
        ),
        (
            ".family",
            "--filter yielded a string; it must yield the task definition (one object)",
        ),
        (
            "error(\"refusing: \\(.family)\")",
            "--filter failed: the filter raised an error (error/1 or a built-in function); \
             its message is not shown because the task definition has environment values, \
             which it may quote (run the filter with jq on a copy without them to see it)",
        ),
    ] {
        let err = fails(&["--filter", filter], &web(), 1);
        assert_eq!(
            err,
            format!("taskdef-clean: error: {message}\n"),
            "{filter}"
        );
    }
}

#[test]
fn a_filter_output_is_checked_again() {
    let err = fails(
        &["--filter", ".memory = 4096 | .volumes += [null]"],
        &web(),
        1,
    );
    assert_eq!(
        err,
        "taskdef-clean: error: <stdin>: in the --filter output: .volumes[1]: null inside an \
         array: the API takes no nulls, and there is no telling what was meant; remove it\n\
         taskdef-clean: error: <stdin>: in the --filter output: .memory: expected a string, \
         found a number (the task-level memory is a string)\n\
         taskdef-clean: 2 errors; nothing written\n"
    );
}

#[test]
fn a_filter_that_does_not_compile_is_a_usage_error() {
    let err = fails(&["--filter", ".family | nosuch(1)"], &web(), 2);
    assert_eq!(
        err,
        "taskdef-clean: error: --filter does not compile: undefined filter nosuch/1 at column \
         11\n    .family | nosuch(1)\n              ^^^^^^\n"
    );
    let err = fails(&["--filter", ".x = $missing"], &web(), 2);
    assert!(
        err.contains("undefined variable $missing (pass it with --arg NAME VALUE)"),
        "{err}"
    );
}

#[test]
fn malformed_options_are_usage_errors() {
    for (args, expected) in [
        (&["--env", "app:LOG_LEVEL"][..], "expected NAME:KEY=VALUE"),
        (&["--secret", "app=arn:x"][..], "expected NAME:KEY=VALUE"),
        (&["--unset-env", "LOG_LEVEL"][..], "expected NAME:KEY"),
        (&["--image", "app="][..], "the image URI is empty"),
        (&["--family", "web app"][..], "a family is 1 to 255 letters"),
        (&["--arg", "a", "1"][..], "--filter"),
        (&["--check", "-o"][..], "a value is required"),
        (
            &["--no-such-flag"][..],
            "unexpected argument '--no-such-flag'",
        ),
    ] {
        let assert = cmd()
            .args(args)
            .write_stdin(web())
            .assert()
            .code(2)
            .stdout("");
        let err = stderr_of(&assert);
        assert!(err.contains(expected), "{args:?}: {err}");
    }
}

#[test]
fn strict_makes_unknown_members_errors() {
    let mut td: serde_json::Value = serde_json::from_str(&web()).unwrap();
    td["containerDefinitions"][0]["brandNewOption"] = serde_json::json!(true);
    let err = fails(&["--strict"], &td.to_string(), 1);
    assert!(
        err.starts_with(
            "taskdef-clean: error: <stdin>: .containerDefinitions[0].brandNewOption (container \
             \"app\"): not a member of ContainerDefinition in the ECS model this tool knows"
        ),
        "{err}"
    );
    assert!(
        err.ends_with(
            "remove it with --filter 'del(.containerDefinitions[0].brandNewOption)', or leave \
             out --strict to keep it\n"
        ),
        "{err}"
    );
}

#[test]
fn check_lists_every_problem_and_writes_nothing() {
    let mut td: serde_json::Value = serde_json::from_str(&web()).unwrap();
    td["containerDefinitions"][0]["environment"][0] = serde_json::Value::Null;
    td["ephemeralStorage"] = serde_json::json!({});
    let assert = cmd()
        .arg("--check")
        .args(["--env", "nope:A=1"])
        .write_stdin(td.to_string())
        .assert()
        .code(1)
        .stdout("");
    let err = stderr_of(&assert);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 4, "{err}");
    assert!(
        lines[0].contains(
            ".containerDefinitions[0].environment[0] (container \"app\"): null inside an array"
        ),
        "{err}"
    );
    assert!(
        lines[1].contains("--env nope:A: no container named \"nope\""),
        "{err}"
    );
    assert!(
        lines[2].contains(
            ".ephemeralStorage: missing the required member \"sizeInGiB\" (EphemeralStorage)"
        ),
        "{err}"
    );
    assert_eq!(lines[3], "taskdef-clean: 3 errors; nothing written");
}

#[test]
fn an_unwritable_output_is_an_error_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("no/such/dir/td.json");
    let assert = cmd()
        .arg("-o")
        .arg(&out)
        .write_stdin(web())
        .assert()
        .code(1)
        .stdout("");
    let err = stderr_of(&assert);
    assert_eq!(
        err,
        format!(
            "taskdef-clean: error: cannot write {}: there is no directory {} (create it first)\n",
            out.display(),
            out.parent().unwrap().display()
        )
    );
    assert!(!out.exists());
}

/// A terminal on stdin is not a document to wait for: a usage error with the way to pipe
/// one in. `script` (util-linux) gives the tool a pseudo-terminal as stdin.
#[test]
fn a_terminal_on_stdin_gets_a_hint_not_a_hang() {
    // Under CI a missing `script` fails the test; elsewhere it is skipped, saying so.
    let Some(script) = test_support::require_tool("script") else {
        return;
    };
    let bin = assert_cmd::cargo::cargo_bin!("taskdef-clean");
    let out = std::process::Command::new(script)
        .scrub_env()
        .args(["-qec", &format!("'{}'", bin.display()), "/dev/null"])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("script runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(text.contains("stdin is a terminal"), "{text}");
    assert!(text.contains("-f FILE"), "{text}");
}

#[test]
fn removed_members_are_not_looked_into() {
    let describe = serde_json::json!({
        "taskDefinition": {
            "family": "f",
            "containerDefinitions": [{"name": "app", "image": "x", "memory": 128}],
            "compatibilities": ["EC2", null],
            "futureThing": [null],
            "tags": [{"key": "team", "value": "api"}]
        },
        "tags": [{"key": "team", "value": "web"}]
    });
    let assert = cmd()
        .args(["--drop", "futureThing", "--drop", "tags"])
        .write_stdin(describe.to_string())
        .assert()
        .success()
        .stderr("");
    assert_eq!(
        crate::json_of(&assert),
        serde_json::json!({"family": "f", "containerDefinitions": [{"name": "app", "image": "x", "memory": 128}]})
    );
    // Without --drop, both are errors, as before.
    let err = fails(&[], &describe.to_string(), 1);
    assert!(
        err.contains(".taskDefinition.futureThing[0]: null inside an array"),
        "{err}"
    );
    assert!(
        err.contains(".tags: tags are both next to taskDefinition"),
        "{err}"
    );
    assert!(!err.contains("compatibilities"), "{err}");
}

/// A failing filter's message may quote an environment value whole, in pieces or
/// transformed (lower case, a slice, character codes), which no search for the values
/// recognises: when the task definition has environment values, only the kind of error is
/// shown, on stderr and in the annotation under GitHub Actions.
#[test]
fn a_filter_failure_shows_no_environment_value_in_any_form() {
    const HIDDEN: &str = "its message is not shown because the task definition has \
        environment values, which it may quote (run the filter with jq on a copy without them \
        to see it)";
    let secret = "S3cret-Token-0123456789";
    let lower = secret.to_ascii_lowercase();
    let codes: Vec<String> = secret.chars().map(|c| u32::from(c).to_string()).collect();
    let raised = "the filter raised an error (error/1 or a built-in function)";
    let type_error = "type error (a value of the wrong type)";
    for (filter, kind) in [
        // on the whole task definition: jaq's type error quotes it
        ("ascii_downcase | error", type_error),
        (".[3:12] | error", type_error),
        // on the task definition turned into text
        ("tojson | ascii_downcase | error", raised),
        ("tojson | .[3:12] | error", raised),
        (
            ".containerDefinitions[0].environment[0].value | explode | error",
            raised,
        ),
        (
            ".containerDefinitions[0].environment[0].value | explode | . + 1",
            "arithmetic error (an operator on the wrong types)",
        ),
        (
            ".containerDefinitions[0].environment.x",
            "cannot index (a key or index on the wrong type)",
        ),
    ] {
        let args = ["--env", &format!("app:TOKEN={secret}"), "--filter", filter];
        let err = fails(&args, &web(), 1);
        assert_eq!(
            err,
            format!("taskdef-clean: error: --filter failed: {kind}; {HIDDEN}\n"),
            "{filter}"
        );
        let assert = cmd()
            .env("GITHUB_ACTIONS", "true")
            .args(args)
            .write_stdin(web())
            .assert()
            .code(1)
            .stdout("");
        let annotated = stderr_of(&assert);
        assert!(annotated.contains(kind), "{annotated}");
        for text in [&err, &annotated] {
            for value in ["pool=10;timeout=5", "info", secret, &lower, &secret[3..12]] {
                assert!(!text.contains(value), "{filter}: {value:?} shown: {text}");
            }
            assert!(!text.contains(&codes[..4].join(",")), "{filter}: {text}");
        }
    }
    // Without environment values, the whole message: nothing there can be a secret.
    let mut plain: serde_json::Value = serde_json::from_str(&web()).unwrap();
    for c in plain["containerDefinitions"].as_array_mut().unwrap() {
        c.as_object_mut().unwrap().remove("environment");
    }
    let err = fails(&["--filter", ".family | error"], &plain.to_string(), 1);
    assert_eq!(err, "taskdef-clean: error: --filter failed: web\n");
}

#[test]
fn paths_after_a_null_inside_an_array_are_the_input_ones() {
    let err = fails(
        &[],
        r#"{"family": "f", "containerDefinitions": [null, {"name": "app", "image": "x", "memory": 128, "cpu": "1",
            "environment": [null, {"name": "A", "value": 1}]}]}"#,
        1,
    );
    assert_eq!(
        err,
        "taskdef-clean: error: <stdin>: .containerDefinitions[0]: null inside an array: the API \
         takes no nulls, and there is no telling what was meant; remove it\n\
         taskdef-clean: error: <stdin>: .containerDefinitions[1].environment[0] (container \
         \"app\"): null inside an array: the API takes no nulls, and there is no telling what \
         was meant; remove it\n\
         taskdef-clean: error: <stdin>: .containerDefinitions[1].cpu (container \"app\"): \
         expected an integer, found the string \"1\": write 1 without quotes\n\
         taskdef-clean: error: <stdin>: .containerDefinitions[1].environment[1].value \
         (container \"app\"): expected a string, found a number (quote it)\n\
         taskdef-clean: 4 errors; nothing written\n"
    );
}

#[test]
fn check_with_a_filter_still_lists_every_problem() {
    let mut td: serde_json::Value = serde_json::from_str(&web()).unwrap();
    td["containerDefinitions"][0]["environment"][0] = serde_json::Value::Null;
    td["ephemeralStorage"] = serde_json::json!({});
    let assert = cmd()
        .args(["--check", "--filter", "."])
        .write_stdin(td.to_string())
        .assert()
        .code(1)
        .stdout("");
    assert_eq!(
        stderr_of(&assert),
        "taskdef-clean: error: <stdin>: .containerDefinitions[0].environment[0] (container \
         \"app\"): null inside an array: the API takes no nulls, and there is no telling what \
         was meant; remove it\n\
         taskdef-clean: error: <stdin>: .ephemeralStorage: missing the required member \
         \"sizeInGiB\" (EphemeralStorage)\n\
         taskdef-clean: error: --filter was not run because of the errors above\n\
         taskdef-clean: 3 errors; nothing written\n"
    );
}

#[test]
fn paths_after_edits_that_removed_entries_are_the_input_ones() {
    // The null is dropped, --unset-env removes A and --env D=6 the second D: the wrong-typed
    // entries still have their input indexes in the messages.
    let input = r#"{"family": "f", "containerDefinitions": [{"name": "app", "image": "x", "memory": 128,
        "environment": [null, {"name": "A", "value": "1"}, {"name": "B", "value": 2},
        {"name": "D", "value": "4"}, {"name": "D", "value": "5"}, {"name": "C", "value": 3}]}]}"#;
    let err = fails(&["--unset-env", "app:A", "--env", "app:D=6"], input, 1);
    assert_eq!(
        err,
        "taskdef-clean: error: <stdin>: .containerDefinitions[0].environment[0] (container \
         \"app\"): null inside an array: the API takes no nulls, and there is no telling what \
         was meant; remove it\n\
         taskdef-clean: error: <stdin>: .containerDefinitions[0].environment[2].value \
         (container \"app\"): expected a string, found a number (quote it)\n\
         taskdef-clean: error: <stdin>: .containerDefinitions[0].environment[5].value \
         (container \"app\"): expected a string, found a number (quote it)\n\
         taskdef-clean: 3 errors; nothing written\n"
    );
}
