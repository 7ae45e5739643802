//! DescribeTaskDefinition answer -> RegisterTaskDefinition input: unwrap the answer, carry
//! its tags in, drop the read-only members ([`model::READ_ONLY`]), `null` members, an empty
//! tag list and the keys asked for. A `null` inside an array is an error (there is no right
//! place to move it to). These are taskdef-clean's cleaning rules, and the messages it prints.
//!
//! - [`register_input`]: the whole cleaning, for a tool that wants the register-ready input
//!   of a task definition (to compare it with another one, or to register it): a describe
//!   answer, with or without `tags`, or register-ready JSON (cleaning it again changes
//!   nothing) in; the register-ready task definition, tags included when there are any, out.
//! - [`clean_input`], [`clean_again`]: the same rules, with every [`Problem`] collected and
//!   an [`Origin`] to locate later problems in the input (taskdef-clean's pipeline).
//!
//! The cleaning does not check the result against the model (wrong types, unknown members):
//! taskdef-clean checks that afterwards, and `register::register_task_definition_input`
//! (feature `register`) when it builds the SDK input.

use std::fmt;

use cli_support::json_path::JsonPath;
use serde_json::{Map, Value};

use crate::problem::{Origin, Problem};
use crate::{describe_value, model};

/// The register-ready input of `input` (a describe answer or a task definition), exactly as
/// taskdef-clean writes it without edits or filter: what RegisterTaskDefinition would get.
/// Two task definitions are the same registration when these are equal (`Value` equality;
/// member order does not count, numbers compare as written).
///
/// Members of the answer other than `taskDefinition` and `tags` (`ResponseMetadata`) are
/// ignored, as taskdef-clean does without `--strict`. `Err` lists every error found: the
/// input is not a task definition, a `null` inside an array, tags next to `taskDefinition`
/// and inside it that differ.
pub fn register_input(input: Value) -> Result<Value, CleanError> {
    let mut problems = Vec::new();
    let cleaned = clean_input(input, &[], false, &mut problems).map_err(|problem| CleanError {
        problems: vec![problem],
    })?;
    problems.retain(Problem::is_error);
    if problems.is_empty() {
        Ok(Value::Object(cleaned.taskdef))
    } else {
        Err(CleanError { problems })
    }
}

/// Why [`register_input`] could not clean its input: every error, each with its location in
/// the input (`.taskDefinition.volumes[0]: null inside an array: ...`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanError {
    /// The errors, in the order found; never empty.
    pub problems: Vec<Problem>,
}

impl fmt::Display for CleanError {
    /// The problems, one after the other, separated by `; `.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for CleanError {}

/// A task definition after cleaning, and where it came from in the input.
#[derive(Debug, Clone)]
pub struct Cleaned {
    /// The register-ready task definition.
    pub taskdef: Map<String, Value>,
    /// Where it was in the input, to locate problems found later.
    pub origin: Origin,
}

/// Clean the input (a describe answer or a task definition), also removing the top-level
/// members named in `drop` (taskdef-clean's `--drop`; `tags` drops the answer's tags too).
/// `strict`: members of the answer other than `taskDefinition` and `tags` are errors (the
/// message names taskdef-clean's `--strict`), else warnings. `Err` when the input is not a
/// task definition at all (the one problem worth reporting); otherwise problems found on the
/// way are pushed and the cleaning goes on as far as it can.
pub fn clean_input(
    input: Value,
    drop: &[String],
    strict: bool,
    problems: &mut Vec<Problem>,
) -> Result<Cleaned, Problem> {
    let Value::Object(mut top) = input else {
        return Err(Problem::error(
            Some(".".to_owned()),
            format!(
                "expected a JSON object (describe-task-definition output, or a task \
                 definition), found {}",
                describe_value(&input)
            ),
        ));
    };
    let (mut taskdef, outer_tags, origin_prefix) = match top.shift_remove("taskDefinition") {
        Some(Value::Object(taskdef)) => {
            // No tags, or an empty list (what --include TAGS gives an untagged definition).
            let tags = top
                .shift_remove("tags")
                .filter(|t| !t.is_null() && t.as_array().is_none_or(|a| !a.is_empty()));
            for key in top.keys() {
                let message = format!(
                    "not part of a describe-task-definition answer ({}); {}",
                    model::DESCRIBE_RESPONSE.join(", "),
                    if strict {
                        "remove it, or leave out --strict to ignore it"
                    } else {
                        "ignored"
                    }
                );
                let location = JsonPath::root().key(key).to_string();
                problems.push(if strict {
                    Problem::error(Some(location), message)
                } else {
                    Problem::warning(location, message)
                });
            }
            (taskdef, tags, true)
        }
        Some(other) => {
            return Err(Problem::error(
                Some(".taskDefinition".to_owned()),
                format!(
                    "expected an object (the task definition), found {}",
                    describe_value(&other)
                ),
            ));
        }
        None => (top, None, false),
    };
    // `--drop tags` drops the describe answer's tags too: they are not carried in.
    let outer_tags = outer_tags.filter(|_| !drop.iter().any(|k| k == "tags"));
    let mut origin = if origin_prefix {
        Origin::wrapped(outer_tags.is_some())
    } else {
        Origin::BARE
    };
    if taskdef
        .get("containerDefinitions")
        .is_none_or(Value::is_null)
    {
        let keys: Vec<&str> = taskdef.keys().map(String::as_str).take(8).collect();
        let found = if keys.is_empty() {
            "an empty object".to_owned()
        } else {
            format!("an object with {}", keys.join(", "))
        };
        return Err(Problem::error(
            Some(
                if origin_prefix {
                    ".taskDefinition"
                } else {
                    "."
                }
                .to_owned(),
            ),
            format!(
                "no containerDefinitions: expected describe-task-definition output \
                 ({{\"taskDefinition\": {{...}}}}) or a task definition, found {found}"
            ),
        ));
    }

    // What is removed anyway is not looked into: a null in `compatibilities` or in a
    // dropped member is no problem.
    remove_members(&mut taskdef, drop);
    drop_nulls_reporting(&mut taskdef, &mut origin, problems);
    if let Some(mut tags) = outer_tags {
        let mut steps = JsonPath::root().key("tags");
        report_nulls_in_arrays(&tags, &mut steps, &origin, &taskdef, problems);
        drop_nulls_renumbering(&mut tags, &mut JsonPath::root().key("tags"), &mut origin);
        match taskdef.get("tags") {
            Some(inner) if *inner != tags => problems.push(Problem::error(
                Some(".tags".to_owned()),
                "tags are both next to taskDefinition and inside it, and they differ; keep one",
            )),
            _ => {
                taskdef.insert("tags".to_owned(), tags);
            }
        }
    }
    drop_empty_tags(&mut taskdef);
    Ok(Cleaned { taskdef, origin })
}

/// Clean the output of taskdef-clean's `--filter` again: read-only members, nulls, empty
/// tags. The origin returned locates problems in it (`in the --filter output: ...`), not
/// showing the names that contain one of `concealed` ([`Origin::conceal`]).
pub fn clean_again(
    taskdef: &mut Map<String, Value>,
    concealed: Vec<String>,
    problems: &mut Vec<Problem>,
) -> Origin {
    let mut origin = Origin::FILTER;
    origin.conceal(concealed);
    remove_members(taskdef, &[]);
    drop_nulls_reporting(taskdef, &mut origin, problems);
    drop_empty_tags(taskdef);
    origin
}

/// Remove the read-only members and the `--drop` keys.
fn remove_members(taskdef: &mut Map<String, Value>, drop: &[String]) {
    for key in model::READ_ONLY {
        taskdef.shift_remove(*key);
    }
    for key in drop {
        taskdef.shift_remove(key);
    }
}

/// The API rejects an empty tag list ("Tags can not be empty").
fn drop_empty_tags(taskdef: &mut Map<String, Value>) {
    if taskdef
        .get("tags")
        .and_then(Value::as_array)
        .is_some_and(Vec::is_empty)
    {
        taskdef.shift_remove("tags");
    }
}

/// Report every `null` inside an array (with its location in the input), then drop `null`
/// members of objects and `null` array items, so that the rest can still be checked; the
/// origin notes the arrays that lost items, so that later paths use the input's indexes.
fn drop_nulls_reporting(
    taskdef: &mut Map<String, Value>,
    origin: &mut Origin,
    problems: &mut Vec<Problem>,
) {
    let mut steps = JsonPath::root();
    for (key, value) in taskdef.iter() {
        steps.push_key(key);
        report_nulls_in_arrays(value, &mut steps, origin, taskdef, problems);
        steps.pop();
    }
    taskdef.retain(|_, v| !v.is_null());
    let mut steps = JsonPath::root();
    for (key, value) in taskdef.iter_mut() {
        steps.push_key(key);
        drop_nulls_renumbering(value, &mut steps, origin);
        steps.pop();
    }
}

/// Drop `null` object members and array items of the value at `steps`, at any depth, noting
/// in `origin` each array that lost items.
fn drop_nulls_renumbering<'a>(value: &'a mut Value, steps: &mut JsonPath<'a>, origin: &mut Origin) {
    match value {
        Value::Array(items) => {
            if items.iter().any(Value::is_null) {
                let kept = (0..items.len()).filter(|i| !items[*i].is_null()).collect();
                origin.renumber(steps, kept, items.len());
                items.retain(|v| !v.is_null());
            }
            for (i, item) in items.iter_mut().enumerate() {
                steps.push_index(i);
                drop_nulls_renumbering(item, steps, origin);
                steps.pop();
            }
        }
        Value::Object(members) => {
            members.retain(|_, v| !v.is_null());
            for (key, member) in members.iter_mut() {
                steps.push_key(key);
                drop_nulls_renumbering(member, steps, origin);
                steps.pop();
            }
        }
        _ => {}
    }
}

fn report_nulls_in_arrays<'a>(
    value: &'a Value,
    steps: &mut JsonPath<'a>,
    origin: &Origin,
    taskdef: &Map<String, Value>,
    problems: &mut Vec<Problem>,
) {
    match value {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                steps.push_index(i);
                if item.is_null() {
                    problems.push(Problem::error(
                        Some(origin.locate(steps, taskdef)),
                        "null inside an array: the API takes no nulls, and there is no \
                         telling what was meant; remove it",
                    ));
                } else {
                    report_nulls_in_arrays(item, steps, origin, taskdef, problems);
                }
                steps.pop();
            }
        }
        Value::Object(members) => {
            for (key, member) in members {
                steps.push_key(key);
                report_nulls_in_arrays(member, steps, origin, taskdef, problems);
                steps.pop();
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests;
