//! The whole job on one parsed input: clean, edit, filter, clean the filter's output again,
//! check against the model. Every problem is collected; the output exists only when there
//! is no error.

use cli_support::jq::{Filter, RunError};
use ecs_taskdef::clean::{clean_again, clean_input};
use ecs_taskdef::describe_value;
use ecs_taskdef::problem::Problem;
use serde_json::Value;

use crate::check::{Mode, check};
use crate::edit::Edits;
use crate::problem::type_only;

/// Runs a filter on a task definition: a run that a signal can cancel (run.rs). It takes
/// the task definition, so that it is not held while the filter runs.
pub type RunFilter<'a> = &'a dyn Fn(&Filter, Value) -> Result<Vec<Value>, RunError>;

/// What to do besides the cleaning rules.
#[derive(Default)]
pub struct Options<'a> {
    pub strict: bool,
    pub drop: &'a [String],
    pub edits: Edits,
    pub filter: Option<&'a Filter>,
    /// How the filter runs; `None`: `Filter::run_json`.
    pub run_filter: Option<RunFilter<'a>>,
}

/// The register-ready task definition (when there is no error) and every problem found.
#[derive(Debug)]
pub struct Outcome {
    pub output: Option<Value>,
    pub problems: Vec<Problem>,
    /// A --filter ran over a task definition with environment values: it may have copied
    /// one anywhere, so no value of the output is quoted (--check's messages, and the new
    /// side of --diff with --diff-hide-values).
    pub values_hidden: bool,
    /// With `values_hidden`: the environment values of the filter's input. Names that are
    /// equal to or contain one are not shown (a copy: `Origin::conceal`).
    pub concealed: Vec<String>,
}

impl Outcome {
    pub fn errors(&self) -> usize {
        self.problems.iter().filter(|p| p.is_error()).count()
    }
}

/// Run the pipeline on the input document.
pub fn process(input: Value, opts: &Options<'_>) -> Outcome {
    let mut problems = Vec::new();
    let cleaned = match clean_input(input, opts.drop, opts.strict, &mut problems) {
        Ok(c) => c,
        Err(p) => {
            problems.push(p);
            return Outcome {
                output: None,
                problems,
                values_hidden: false,
                concealed: Vec::new(),
            };
        }
    };
    let mut taskdef = cleaned.taskdef;
    let mut origin = cleaned.origin;
    opts.edits.apply(&mut taskdef, &mut origin, &mut problems);

    let mut mode = Mode {
        strict: opts.strict,
        hide_values: false,
    };
    if let Some(filter) = opts.filter {
        if problems.iter().any(Problem::is_error) {
            // Still list every problem of the clean, edited task definition (--check
            // promises all of them), then say why the filter's output was not checked.
            check(&taskdef, &origin, mode, &mut problems);
            problems.push(Problem::error(
                None,
                "--filter was not run because of the errors above",
            ));
            return Outcome {
                output: None,
                problems,
                values_hidden: false,
                concealed: Vec::new(),
            };
        }
        let taskdef_value = Value::Object(taskdef);
        // The filter may copy or transform an environment value into any member: then its
        // output's problems name paths and types only.
        mode.hide_values = has_env_values(&taskdef_value);
        let concealed = if mode.hide_values {
            env_values(&taskdef_value)
        } else {
            Vec::new()
        };
        let runner = opts
            .run_filter
            .unwrap_or(&|f: &Filter, v: Value| f.run_json(&v));
        match run_filter(runner, filter, taskdef_value, mode.hide_values) {
            Ok(mut out) => {
                origin = clean_again(&mut out, concealed.clone(), &mut problems);
                taskdef = out;
            }
            Err(p) => {
                problems.push(p);
                return Outcome {
                    output: None,
                    problems,
                    values_hidden: mode.hide_values,
                    concealed,
                };
            }
        }
    }

    check(&taskdef, &origin, mode, &mut problems);
    let output = (!problems.iter().any(Problem::is_error)).then_some(Value::Object(taskdef));
    Outcome {
        output,
        problems,
        values_hidden: mode.hide_values,
        concealed: origin.concealed().to_vec(),
    }
}

/// Run the filter; its failures are problems whose messages show no environment value.
fn run_filter(
    runner: RunFilter<'_>,
    filter: &Filter,
    input: Value,
    secret: bool,
) -> Result<serde_json::Map<String, Value>, Problem> {
    let outputs = runner(filter, input).map_err(|e| {
        let message = if secret {
            format!("--filter failed: {}; {HIDDEN}", e.kind())
        } else {
            format!("--filter failed: {e}")
        };
        Problem::error(None, message)
    })?;
    let mut outputs = outputs.into_iter();
    match (outputs.next(), outputs.len()) {
        (Some(Value::Object(obj)), 0) => Ok(obj),
        (Some(other), 0) => {
            let what = if secret {
                type_only(&other).to_owned()
            } else {
                describe_value(&other)
            };
            Err(Problem::error(
                None,
                format!("--filter yielded {what}; it must yield the task definition (one object)"),
            ))
        }
        (None, _) => Err(Problem::error(
            None,
            "--filter yielded no value; it must yield exactly one object (the task \
             definition); a select() that matched nothing, or empty?",
        )),
        (Some(_), more) => Err(Problem::error(
            None,
            format!(
                "--filter yielded {} values; it must yield exactly one object (the task \
                 definition); collect with [...] or pick one with first(...)",
                more + 1
            ),
        )),
    }
}

/// Why a failing filter's message is not shown.
pub const HIDDEN: &str = "its message is not shown because the task definition has \
     environment values, which it may quote (run the filter with jq on a copy without them \
     to see it)";

/// Whether any container has an environment value, in any shape (`{"name", "value"}`
/// entries, or wrong ones: bare strings, an object). They may be secrets, and a filter's
/// message or output may quote one whole, in pieces or transformed (a slice, lower case,
/// character codes), which no search for the values recognises: then only the kind of
/// error is shown. Secrets' `valueFrom` is an ARN, not a secret.
/// The string values of the containers' environment entries (a number or another JSON
/// value as its JSON text).
fn env_values(taskdef: &Value) -> Vec<String> {
    let containers = taskdef
        .get("containerDefinitions")
        .and_then(Value::as_array);
    containers
        .into_iter()
        .flatten()
        .filter_map(|c| c.get("environment")?.as_array())
        .flatten()
        .filter_map(|e| match e.get("value")? {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        })
        .collect()
}

fn has_env_values(taskdef: &Value) -> bool {
    let containers = taskdef
        .get("containerDefinitions")
        .and_then(Value::as_array);
    containers
        .into_iter()
        .flatten()
        .filter_map(|c| c.get("environment"))
        .any(|env| match env {
            Value::Null => false,
            Value::Array(entries) => entries.iter().any(|e| match e {
                Value::Object(entry) => entry.get("value").is_some_and(|v| !v.is_null()),
                Value::Null => false,
                _ => true,
            }),
            Value::Object(entries) => !entries.is_empty(),
            _ => true,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ecs_taskdef::problem::Severity;
    use serde_json::json;

    fn input() -> Value {
        json!({
            "taskDefinition": {
                "taskDefinitionArn": "arn:aws:ecs:us-east-2:123456789012:task-definition/web:3",
                "family": "web",
                "revision": 3,
                "containerDefinitions": [{"name": "app", "image": "app:1", "cpu": 0,
                    "environment": [{"name": "MODE", "value": "old"}]}],
                "status": "ACTIVE",
                "cpu": "256",
                "memory": "512"
            },
            "tags": [{"key": "team", "value": "web"}]
        })
    }

    fn filter(code: &str, args: &[(&str, &str)]) -> Filter {
        let args: Vec<(String, String)> = args
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect();
        cli_support::jq::compile(code, &args).unwrap()
    }

    fn messages(outcome: &Outcome) -> Vec<String> {
        outcome.problems.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn cleans_edits_and_filters_in_order() {
        let f = filter(
            ".containerDefinitions[0].environment |= map(select(.name != $drop)) | .revision = 9 | .ipcMode = null",
            &[("drop", "MODE")],
        );
        let opts = Options {
            edits: Edits {
                images: vec!["app=app:2".parse().unwrap()],
                env: vec![
                    "app:MODE=new".parse().unwrap(),
                    "app:KEEP=1".parse().unwrap(),
                ],
                memory: Some("1024".into()),
                ..Edits::default()
            },
            filter: Some(&f),
            ..Options::default()
        };
        let out = process(input(), &opts);
        assert_eq!(messages(&out), Vec::<String>::new());
        assert_eq!(
            out.output.unwrap(),
            json!({
                "family": "web",
                "containerDefinitions": [{"name": "app", "image": "app:2", "cpu": 0,
                    "environment": [{"name": "KEEP", "value": "1"}]}],
                "cpu": "256",
                "memory": "1024",
                "tags": [{"key": "team", "value": "web"}]
            })
        );
    }

    #[test]
    fn filter_results_must_be_one_object() {
        // The input has an environment value: messages name kinds and types only.
        for (code, message) in [
            (
                "empty",
                "--filter yielded no value; it must yield exactly one object (the task definition); a select() that matched nothing, or empty?",
            ),
            (
                ".,.",
                "--filter yielded 2 values; it must yield exactly one object (the task definition); collect with [...] or pick one with first(...)",
            ),
            (
                ".family",
                "--filter yielded a string; it must yield the task definition (one object)",
            ),
            (
                "error(\"no way\")",
                &format!(
                    "--filter failed: the filter raised an error (error/1 or a built-in function); {HIDDEN}"
                ),
            ),
            (
                ".family | .x",
                "--filter failed: cannot index \"web\" with \"x\"",
            ),
        ] {
            let f = filter(code, &[]);
            let out = process(
                input(),
                &Options {
                    filter: Some(&f),
                    ..Options::default()
                },
            );
            assert!(out.output.is_none(), "{code}");
            let found = messages(&out);
            assert_eq!(found.len(), 1, "{code}: {found:?}");
            if code == ".family | .x" {
                assert!(found[0].starts_with("--filter failed: "), "{found:?}");
            } else {
                assert_eq!(found[0], message, "{code}");
            }
        }
    }

    #[test]
    fn filter_output_is_checked_again() {
        let f = filter(
            ".cpu = 512 | .containerDefinitions += [null] | .tags = []",
            &[],
        );
        let out = process(
            input(),
            &Options {
                filter: Some(&f),
                ..Options::default()
            },
        );
        assert!(out.output.is_none());
        assert_eq!(
            messages(&out),
            [
                "in the --filter output: .containerDefinitions[1]: null inside an array: the API takes no nulls, and there is no telling what was meant; remove it",
                // The input has an environment value the filter may have copied: types only.
                "in the --filter output: .cpu: expected a string, found a number (the task-level cpu is a string)",
            ]
        );
    }

    #[test]
    fn errors_stop_the_filter_and_keep_every_problem() {
        let mut bad = input();
        bad["taskDefinition"]["volumes"] = json!([null]);
        let f = filter(".", &[]);
        let opts = Options {
            edits: Edits {
                images: vec!["nope=x".parse().unwrap()],
                ..Edits::default()
            },
            filter: Some(&f),
            ..Options::default()
        };
        let out = process(bad, &opts);
        assert_eq!(out.errors(), 3);
        assert_eq!(
            out.problems.last().unwrap().to_string(),
            "--filter was not run because of the errors above"
        );
    }

    #[test]
    fn errors_before_the_filter_still_check_the_edited_definition() {
        let mut bad = input();
        bad["taskDefinition"]["volumes"] = json!([null]);
        bad["taskDefinition"]["cpu"] = json!(256);
        let f = filter(".cpu |= tostring", &[]);
        let opts = Options {
            edits: Edits {
                memory: Some("1024".into()),
                ..Edits::default()
            },
            filter: Some(&f),
            ..Options::default()
        };
        let out = process(bad, &opts);
        assert!(out.output.is_none());
        assert_eq!(
            messages(&out),
            [
                ".taskDefinition.volumes[0]: null inside an array: the API takes no nulls, and there is no telling what was meant; remove it",
                ".taskDefinition.cpu: expected a string, found the number 256 (the task-level cpu is a string: \"256\")",
                "--filter was not run because of the errors above",
            ]
        );
    }

    #[test]
    fn paths_after_a_null_name_the_input_index_and_container() {
        let out = process(
            json!({"family": "f", "containerDefinitions": [null, {"name": "app", "image": "x", "memory": 64, "cpu": "1"}]}),
            &Options::default(),
        );
        assert_eq!(
            messages(&out),
            [
                ".containerDefinitions[0]: null inside an array: the API takes no nulls, and there is no telling what was meant; remove it",
                ".containerDefinitions[1].cpu (container \"app\"): expected an integer, found the string \"1\": write 1 without quotes",
            ]
        );
    }

    #[test]
    fn filter_failures_show_no_environment_value() {
        let long = "abcdefghijklmnopqrstuvwxyz".repeat(16);
        let run = |code: &str, input: Value| {
            let f = filter(code, &[]);
            let out = process(
                input,
                &Options {
                    edits: Edits {
                        env: vec![
                            "app:TOKEN=s3cr\"et".parse().unwrap(),
                            format!("app:LONG={long}").parse().unwrap(),
                        ],
                        ..Edits::default()
                    },
                    filter: Some(&f),
                    ..Options::default()
                },
            );
            messages(&out).join("\n")
        };
        for code in [
            ".containerDefinitions[0].environment.x",
            "error(.containerDefinitions[0].environment | map(.value) | join(\" \"))",
            ".containerDefinitions[0].environment[1].value | ascii_upcase | error",
            ".containerDefinitions[0].environment[2].value | .[3:12]",
        ] {
            let text = run(code, input());
            assert!(text.starts_with("--filter "), "{code}: {text}");
            for secret in ["old", "s3cr", "S3CR", "defghijkl", "abcdefghij"] {
                assert!(!text.contains(secret), "{code}: {secret} in {text}");
            }
        }
        assert_eq!(
            run(
                ".containerDefinitions[0].environment[2].value | .[3:12]",
                input()
            ),
            "--filter yielded a string; it must yield the task definition (one object)"
        );
        assert_eq!(
            run(".containerDefinitions[0].environment.x", input()),
            format!("--filter failed: cannot index (a key or index on the wrong type); {HIDDEN}")
        );
        // Without environment values (the edits set none here), the whole message.
        let f = filter(".family | error", &[]);
        let out = process(
            input(),
            &Options {
                edits: Edits {
                    unset_env: vec!["app:MODE".parse().unwrap()],
                    ..Edits::default()
                },
                filter: Some(&f),
                ..Options::default()
            },
        );
        assert_eq!(messages(&out).join("\n"), "--filter failed: web");
    }

    #[test]
    fn warnings_keep_the_output_and_strict_turns_them_into_errors() {
        let mut input = input();
        input["taskDefinition"]["brandNewMember"] = json!(true);
        let out = process(input.clone(), &Options::default());
        assert_eq!(out.problems.len(), 1);
        assert_eq!(out.problems[0].severity, Severity::Warning);
        assert_eq!(out.output.unwrap()["brandNewMember"], json!(true));
        let out = process(
            input.clone(),
            &Options {
                strict: true,
                ..Options::default()
            },
        );
        assert!(out.output.is_none());
        assert_eq!(out.errors(), 1);
        let drop = ["brandNewMember".to_owned()];
        let out = process(
            input,
            &Options {
                strict: true,
                drop: &drop,
                ..Options::default()
            },
        );
        assert!(out.problems.is_empty());
        assert!(out.output.is_some());
    }
}
