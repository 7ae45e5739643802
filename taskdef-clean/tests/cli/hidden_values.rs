//! Values that may be secrets stay out of messages: a value inside `environment` is never
//! quoted (any shape), and when the task definition had environment values and a --filter
//! ran, no value at all is (the filter may have copied one anywhere); the messages name the
//! path, the container and the kind of problem. Without a filter, values outside
//! environment are quoted (an image reference, a cpu), and secrets' `valueFrom` (a
//! reference) may be shown.

use serde_json::json;

use crate::{cmd, stderr_of};

const SECRET: &str = "Sup3rSecret";

/// A task definition whose container "a" has the environment variable K=Sup3rSecret.
fn with_env() -> String {
    json!({"family": "w", "containerDefinitions": [{"name": "a", "image": "nginx", "memory": 128,
        "environment": [{"name": "K", "value": SECRET}]}]})
    .to_string()
}

/// Run, expect exit `code` and empty stdout, return stderr; it never holds the secret, in
/// any case.
fn stderr_without_secret(args: &[&str], stdin: &str, code: i32) -> String {
    let assert = cmd()
        .args(args)
        .write_stdin(stdin.to_owned())
        .assert()
        .code(code)
        .stdout("");
    let err = stderr_of(&assert);
    assert!(
        !err.to_lowercase().contains(&SECRET.to_lowercase()),
        "{args:?}: {err}"
    );
    err
}

#[test]
fn an_environment_turned_into_strings_by_a_filter_is_named_by_type() {
    let err = stderr_without_secret(
        &[
            "--filter",
            ".containerDefinitions[0].environment |= map(.value)",
        ],
        &with_env(),
        1,
    );
    assert_eq!(
        err,
        "taskdef-clean: error: <stdin>: in the --filter output: \
         .containerDefinitions[0].environment[0] (container \"a\"): expected an object \
         (KeyValuePair), found a string\n"
    );
}

#[test]
fn environment_values_of_the_wrong_shape_are_never_quoted() {
    let input = json!({"family": "w", "containerDefinitions": [{"name": "a", "image": "nginx", "memory": 128,
        "environment": [format!("DB_PASS={SECRET}"), {"name": "N", "value": 5},
            {"name": "M", "value": SECRET, "type": SECRET}]}]});
    for args in [&[][..], &["--check"], &["--check", "--strict"]] {
        let err = stderr_without_secret(args, &input.to_string(), 1);
        assert!(
            err.contains(
                ".containerDefinitions[0].environment[0] (container \"a\"): expected an object \
                 (KeyValuePair), found a string\n"
            ),
            "{err}"
        );
        assert!(
            err.contains(
                ".containerDefinitions[0].environment[1].value (container \"a\"): expected a \
                 string, found a number (quote it)\n"
            ),
            "{err}"
        );
    }
    // The environment as one string, or an object of strings.
    for env in [
        json!(format!("DB_PASS={SECRET}")),
        json!({"DB_PASS": SECRET}),
    ] {
        let input = json!({"family": "w", "containerDefinitions": [{"name": "a",
            "image": "nginx", "environment": env}]});
        let err = stderr_without_secret(&["--check"], &input.to_string(), 1);
        assert!(
            err.contains(
                ".containerDefinitions[0].environment (container \"a\"): expected an array, found a"
            ),
            "{err}"
        );
    }
}

#[test]
fn values_a_filter_copies_out_of_the_environment_are_not_quoted() {
    let value = ".containerDefinitions[0].environment[0].value";
    for (filter, expected) in [
        (
            format!(".containerDefinitions[0].image = {value}"),
            ".containerDefinitions[0].image (container \"a\"): is not an image reference ECS can \
             pull (the repository has capitals (repository names are lowercase)); the value is \
             not shown",
        ),
        (
            format!(".cpu = {value}"),
            ".cpu: not a cpu the API takes: CPU units (\"256\", \"1024\") or vCPUs",
        ),
        (
            format!(".memory = ({value} | ascii_downcase)"),
            ".memory: not a memory the API takes",
        ),
        (
            format!(".cpu = ({value} | length)"),
            ".cpu: expected a string, found a number (the task-level cpu is a string)",
        ),
        (
            format!(".containerDefinitions[0].cpu = {value}"),
            ".containerDefinitions[0].cpu (container \"a\"): expected an integer, found a string",
        ),
        (
            format!(".containerDefinitions[0].essential = {value}"),
            "expected true or false, found a string: write true or false (without quotes)",
        ),
        (
            format!(".containerDefinitions[0].memory = ({value} | length + 0.5)"),
            "expected an integer, found a number (write a whole number)",
        ),
        (
            format!(".containerDefinitions[0].dockerLabels = {{x: ({value} | explode)}}"),
            ".containerDefinitions[0].dockerLabels.x (container \"a\"): expected a string, found an array",
        ),
    ] {
        let err = stderr_without_secret(&["--check", "--filter", &filter], &with_env(), 1);
        assert!(err.contains(expected), "{filter}: {err}");
    }
    // An enum value the model does not know: a warning (an error with --strict), unquoted.
    let filter = format!(".networkMode = {value}");
    let err = stderr_without_secret(
        &["--check", "--strict", "--filter", &filter],
        &with_env(),
        1,
    );
    assert!(
        err.contains(".networkMode: a string that is not a NetworkMode value the ECS model knows"),
        "{err}"
    );
    // A task size Fargate does not run: its numbers may come from the value too.
    let filter = format!(
        ".requiresCompatibilities = [\"FARGATE\"] | .cpu = \"256\" | .memory = ({value} | length * 100 | tostring)"
    );
    let err = stderr_without_secret(&["--filter", &filter], &with_env(), 1);
    assert!(
        err.contains(
            ".memory: Fargate does not run this pair of cpu and memory (the values are not shown"
        ),
        "{err}"
    );
    assert!(!err.contains("1100"), "{err}");
}

#[test]
fn values_outside_the_environment_are_quoted_without_a_filter_or_environment_values() {
    let input = json!({"family": "w", "cpu": "lots", "containerDefinitions": [{"name": "a",
        "image": "Nginx", "environment": [{"name": "K", "value": SECRET}],
        "secrets": [{"name": "S", "valueFrom": 5}]}]});
    let err = stderr_without_secret(&["--check"], &input.to_string(), 1);
    assert!(
        err.contains("\"Nginx\" is not an image reference ECS can pull"),
        "{err}"
    );
    assert!(
        err.contains(".cpu: \"lots\" is not a cpu the API takes"),
        "{err}"
    );
    // Secrets are references: shown.
    assert!(
        err.contains(".containerDefinitions[0].secrets[0].valueFrom (container \"a\"): expected a string, found the number 5"),
        "{err}"
    );
    // A filter, but no environment value: values are quoted as before.
    let input = json!({"family": "w", "containerDefinitions": [{"name": "a", "image": "nginx", "memory": 128,
        "environment": [{"name": "K"}]}]});
    let err = stderr_without_secret(
        &[
            "--check",
            "--filter",
            ".containerDefinitions[0].image = \"Nginx\"",
        ],
        &input.to_string(),
        1,
    );
    assert!(
        err.contains("\"Nginx\" is not an image reference ECS can pull: repository"),
        "{err}"
    );
}

#[test]
fn a_name_in_environment_and_secrets_is_an_error_for_check() {
    let input = json!({"family": "w", "containerDefinitions": [{"name": "a", "image": "nginx", "memory": 128,
        "environment": [{"name": "K", "value": "v"}],
        "secrets": [{"name": "K", "valueFrom": "arn:aws:ssm:us-east-1:1:parameter/x"}]}]});
    let expected = "taskdef-clean: error: <stdin>: .containerDefinitions[0].secrets[0] \
                    (container \"a\"): \"K\" is an environment variable too, and ECS rejects a \
                    name in both environment and secrets; remove one (--unset-env a:K or \
                    --unset-secret a:K)\n";
    for args in [&["--check"][..], &["--check", "--strict"], &[]] {
        let assert = cmd()
            .args(args)
            .write_stdin(input.to_string())
            .assert()
            .code(1)
            .stdout("");
        assert_eq!(stderr_of(&assert), expected, "{args:?}");
    }
    // Unsetting one of them makes it register-ready.
    cmd()
        .args(["--check", "--strict", "--unset-env", "a:K"])
        .write_stdin(input.to_string())
        .assert()
        .success();
    // After a filter: the name is not quoted (the filter may have copied a value into it).
    let assert = cmd()
        .args(["--check", "--filter", "."])
        .write_stdin(input.to_string())
        .assert()
        .code(1);
    let err = stderr_of(&assert);
    assert!(err.contains("in the --filter output: .containerDefinitions[0].secrets[0] (container \"a\"): this secret's name is an environment variable's too"), "{err}");
    assert!(!err.contains("\"K\""), "{err}");
}

/// A filter that copies the environment value into a container name, a label key and a
/// member name (issue 14, follow-up): with values hidden, those names are `(not shown)`
/// in `--check`'s messages and in `--diff --diff-hide-values`.
#[test]
fn names_a_filter_copied_an_environment_value_into_are_not_shown() {
    let input = json!({"family": "w", "memory": "512", "containerDefinitions": [{
        "name": "a", "image": "nginx",
        "environment": [{"name": "K", "value": SECRET}]}]});
    let filter = ".containerDefinitions[0] |= (.environment[0].value as $v \
                  | .name = \"x-\" + $v | .memory = 0 | .dockerLabels = {($v): 1} | .[$v + \"Opt\"] = 1)";
    let err = stderr_without_secret(
        &["--check", "--strict", "--filter", filter],
        &input.to_string(),
        1,
    );
    assert!(
        err.contains(
            "in the --filter output: .containerDefinitions[0].memory (container (not shown)): "
        ),
        "{err}"
    );
    assert!(
        err.contains(
            ".containerDefinitions[0].dockerLabels[\"(not shown)\"] (container (not shown)): \
             expected a string"
        ),
        "{err}"
    );
    assert!(
        err.contains(
            ".containerDefinitions[0][\"(not shown)\"] (container (not shown)): not a member \
             of ContainerDefinition"
        ),
        "{err}"
    );
    assert!(err.contains("; remove it, or leave out --strict"), "{err}");

    // The diff: the renamed container and the label are not shown either.
    let dir = tempfile::tempdir().expect("tempdir");
    let old = dir.path().join("old.json");
    std::fs::write(&old, input.to_string()).expect("write");
    let filter = ".containerDefinitions[0] |= (.environment[0].value as $v \
                  | .name = \"x-\" + $v | .dockerLabels = {($v): \"1\"})";
    let assert = cmd()
        .args(["--diff", old.to_str().expect("utf-8"), "--diff-hide-values"])
        .args(["--filter", filter])
        .write_stdin(input.to_string())
        .assert()
        .code(1);
    let stdout = String::from_utf8(assert.get_output().stdout.clone()).expect("utf-8");
    let stderr = stderr_of(&assert);
    for text in [&stdout, &stderr] {
        assert!(
            !text.to_lowercase().contains(&SECRET.to_lowercase()),
            "{stdout}\n{stderr}"
        );
    }
    assert!(
        stdout.starts_with("container \"(not shown)\":\n  container added: (not shown)\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("  .dockerLabels: (not shown)\n"),
        "{stdout}"
    );
}
