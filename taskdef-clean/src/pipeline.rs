//! The whole job on one parsed input: clean, edit, filter, clean the filter's output again,
//! check against the model. Every problem is collected; the output exists only when there
//! is no error.

use cli_support::ecs::describe_value;
use cli_support::jq::Filter;
use cli_support::redact::{MARK, Redactor};
use serde_json::Value;

use crate::check::check;
use crate::clean::{clean_again, clean_input};
use crate::edit::Edits;
use crate::problem::Problem;

/// What to do besides the cleaning rules.
#[derive(Debug, Default)]
pub struct Options<'a> {
    pub strict: bool,
    pub drop: &'a [String],
    pub edits: Edits,
    pub filter: Option<&'a Filter>,
}

/// The register-ready task definition (when there is no error) and every problem found.
#[derive(Debug)]
pub struct Outcome {
    pub output: Option<Value>,
    pub problems: Vec<Problem>,
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
            };
        }
    };
    let mut taskdef = cleaned.taskdef;
    let mut origin = cleaned.origin;
    opts.edits.apply(&mut taskdef, &mut origin, &mut problems);

    if let Some(filter) = opts.filter {
        if problems.iter().any(Problem::is_error) {
            // Still list every problem of the clean, edited task definition (--check
            // promises all of them), then say why the filter's output was not checked.
            check(&taskdef, &origin, opts.strict, &mut problems);
            problems.push(Problem::error(
                None,
                "--filter was not run because of the errors above",
            ));
            return Outcome {
                output: None,
                problems,
            };
        }
        match run_filter(filter, &Value::Object(taskdef)) {
            Ok(mut out) => {
                origin = clean_again(&mut out, &mut problems);
                taskdef = out;
            }
            Err(p) => {
                problems.push(p);
                return Outcome {
                    output: None,
                    problems,
                };
            }
        }
    }

    check(&taskdef, &origin, opts.strict, &mut problems);
    let output = (!problems.iter().any(Problem::is_error)).then_some(Value::Object(taskdef));
    Outcome { output, problems }
}

/// Run the filter; its failures are problems whose messages show no environment value.
fn run_filter(filter: &Filter, input: &Value) -> Result<serde_json::Map<String, Value>, Problem> {
    let outputs = filter.run_json(input).map_err(|e| {
        Problem::error(
            None,
            format!(
                "--filter failed: {}",
                EnvValues::of(input).redact(&e.to_string())
            ),
        )
    })?;
    let mut outputs = outputs.into_iter();
    match (outputs.next(), outputs.len()) {
        (Some(Value::Object(obj)), 0) => Ok(obj),
        (Some(other), 0) => {
            let values = EnvValues::of(input);
            let other = match other {
                Value::String(s) => Value::String(values.redact(&s)),
                other => other,
            };
            Err(Problem::error(
                None,
                values.redact(&format!(
                    "--filter yielded {}; it must yield the task definition (one object)",
                    describe_value(&other)
                )),
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

/// The containers' environment values in the filter's input: they may be secrets, and
/// messages name variables, never their values (a failing filter's message quotes what it
/// failed on, and becomes an annotation under GitHub Actions). Secrets' `valueFrom` is an
/// ARN, not a secret: it stays.
struct EnvValues {
    redactor: Redactor,
    /// Each value, raw and JSON-escaped, for the start of one at the end of a message cut
    /// short.
    forms: Vec<String>,
}

impl EnvValues {
    fn of(taskdef: &Value) -> EnvValues {
        let mut values = EnvValues {
            redactor: Redactor::default(),
            forms: Vec::new(),
        };
        let containers = taskdef
            .get("containerDefinitions")
            .and_then(Value::as_array);
        for container in containers.into_iter().flatten() {
            let env = container.get("environment").and_then(Value::as_array);
            for value in env.into_iter().flatten().filter_map(|e| e.get("value")) {
                let text = match value {
                    Value::String(s) => s.clone(),
                    Value::Number(n) => n.to_string(),
                    _ => continue,
                };
                values.redactor.add(&text);
                let json = Value::String(text.clone()).to_string();
                values.forms.push(json[1..json.len() - 1].to_owned());
                values.forms.push(text);
            }
        }
        values
    }

    /// `text` with every value replaced by the redaction mark; a message cut short (ending
    /// in `…`, see `cli_support::jq`) loses the start of a value it ends in, too.
    fn redact(&self, text: &str) -> String {
        let Some(head) = text.strip_suffix('…') else {
            return self.redactor.redact(text);
        };
        match self
            .forms
            .iter()
            .filter_map(|form| longest_start_at_end(head, form))
            .max()
        {
            Some(cut) => format!("{}{MARK}…", self.redactor.redact(&head[..head.len() - cut])),
            None => self.redactor.redact(text),
        }
    }
}

/// The length of the longest start of `value` (3 characters or more) that `text` ends with.
fn longest_start_at_end(text: &str, value: &str) -> Option<usize> {
    value
        .char_indices()
        .map(|(i, c)| i + c.len_utf8())
        .skip(2)
        .take_while(|end| *end <= text.len())
        .filter(|end| text.ends_with(&value[..*end]))
        .last()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::Severity;
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
                "--filter yielded the string \"web\"; it must yield the task definition (one object)",
            ),
            ("error(\"no way\")", "--filter failed: no way"),
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
                "in the --filter output: .cpu: expected a string, found the number 512 (the task-level cpu is a string: \"512\")",
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
            json!({"family": "f", "containerDefinitions": [null, {"name": "app", "image": "x", "cpu": "1"}]}),
            &Options::default(),
        );
        assert_eq!(
            messages(&out),
            [
                ".containerDefinitions[0]: null inside an array: the API takes no nulls, and there is no telling what was meant; remove it",
                ".containerDefinitions[1].cpu (container \"app\"): expected an integer, found the string \"1\"",
            ]
        );
    }

    #[test]
    fn filter_failures_show_no_environment_value() {
        let long = "abcdefghijklmnopqrstuvwxyz".repeat(16);
        let opts_for = |code: &str| {
            let f = filter(code, &[]);
            let out = process(
                input(),
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
            ".containerDefinitions[0].environment[1].value",
            ".containerDefinitions[0].environment[2].value",
            "error(.containerDefinitions[0].environment[2].value)",
        ] {
            let text = opts_for(code);
            assert!(text.contains(MARK), "{code}: {text}");
            for secret in ["old", "s3cr", "abcdefghij"] {
                assert!(!text.contains(secret), "{code}: {secret} in {text}");
            }
        }
        // Names stay: they are what the user needs to see.
        let text = opts_for(".containerDefinitions[0].environment.x");
        assert!(text.contains(r#""name":"TOKEN""#), "{text}");
    }

    #[test]
    fn a_cut_message_loses_the_start_of_a_value_at_its_end() {
        let values = EnvValues::of(&json!({"containerDefinitions": [
            {"environment": [{"name": "A", "value": "pool=10;timeout=5"}, {"name": "B", "value": 12345}]},
            {"environment": [{"name": "C", "value": "two\nlines"}]}
        ]}));
        assert_eq!(
            values.redact("x pool=10;timeout=5 y"),
            format!("x {MARK} y")
        );
        assert_eq!(values.redact("n=12345"), format!("n={MARK}"));
        assert_eq!(values.redact(r#""two\nli…"#), format!("\"{MARK}…"));
        assert_eq!(values.redact("value: pool=1…"), format!("value: {MARK}…"));
        // Not cut: a start of a value is just text.
        assert_eq!(values.redact("value: pool=1"), "value: pool=1");
        // Too short to tell.
        assert_eq!(values.redact("value: po…"), "value: po…");
        assert_eq!(longest_start_at_end("abc abcab", "abcabd"), Some(5));
        assert_eq!(longest_start_at_end("ab", "abc"), None);
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
