//! Check a clean task definition against the ECS model (generated from botocore, in
//! ecs-taskdef): wrong types, missing required members, and values outside the model's bounds
//! (a string's length, a list's items, an integer's range: `ecs_taskdef::Range`) or patterns
//! (`ecs_taskdef::Pattern`, matched against the whole string) are errors;
//! members and enum values the model does not know are kept with a warning (errors with
//! --strict), because AWS adds them faster than any model is updated. What ECS refuses
//! beyond the model is in [`ecs`].

use cli_support::json_path::{JsonPath, Segment};
use ecs_taskdef::image_ref;
use ecs_taskdef::problem::{Origin, Problem};
use ecs_taskdef::text::shown;
use ecs_taskdef::{Kind, Pattern, Shape, describe_value, model};
use serde_json::{Map, Value};

use crate::problem::{did_you_mean, removal_of_member, shell_quote, type_only};
use crate::task_size::{self, fargate_pair};

/// Why a value is not quoted in a message although it is not in an environment variable.
pub const NOT_SHOWN: &str = "the value is not shown: the task definition has environment \
     values, and the --filter may have copied one here";

/// How checking goes.
#[derive(Debug, Clone, Copy, Default)]
pub struct Mode {
    /// Members and enum values the model does not know are errors, not warnings.
    pub strict: bool,
    /// Quote no value at all (only paths, containers and types): the task definition had
    /// environment values and a --filter ran, which may have copied or transformed one into
    /// any member. Values inside `environment` are never quoted.
    pub hide_values: bool,
}

/// Check `taskdef` (RegisterTaskDefinition input) and push every problem.
pub fn check(
    taskdef: &Map<String, Value>,
    origin: &Origin,
    mode: Mode,
    problems: &mut Vec<Problem>,
) {
    let mut checker = Checker {
        taskdef,
        origin,
        strict: mode.strict,
        hide_values: mode.hide_values,
        problems,
        steps: JsonPath::root(),
    };
    checker.structure(&model::REGISTER_TASK_DEFINITION_REQUEST, taskdef);
    checker.required_by_ecs();
    checker.images();
    checker.task_size();
    checker.beyond_the_model();
    checker.refused_by_ecs();
}

struct Checker<'a> {
    taskdef: &'a Map<String, Value>,
    origin: &'a Origin,
    strict: bool,
    hide_values: bool,
    problems: &'a mut Vec<Problem>,
    steps: JsonPath<'a>,
}

impl<'a> Checker<'a> {
    /// Whether values at the current path must not be quoted: inside a container's
    /// `environment` (values may be secrets), and everywhere with `hide_values`.
    fn hidden(&self) -> bool {
        self.hide_values
            || matches!(
                self.steps.segments(),
                [c, Segment::Index(_), e, ..]
                    if c.key() == Some("containerDefinitions") && e.key() == Some("environment")
            )
    }

    /// `value` for a message: `the string "..."`, or its type alone where values are hidden.
    fn show(&self, value: &Value) -> String {
        if self.hidden() {
            type_only(value).to_owned()
        } else {
            describe_value(value)
        }
    }

    fn here(&self) -> String {
        self.origin.locate(&self.steps, self.taskdef)
    }

    fn error(&mut self, message: impl Into<String>) {
        let location = self.here();
        self.problems.push(Problem::error(Some(location), message));
    }

    /// A member or value the model does not know: a warning, or an error with --strict.
    fn unknown(&mut self, what: &str, remedy: &str) {
        let location = self.here();
        if self.strict {
            self.problems.push(Problem::error(
                Some(location),
                format!("{what}; {remedy}, or leave out --strict to keep it"),
            ));
        } else {
            self.problems
                .push(Problem::warning(location, format!("{what}; kept")));
        }
    }

    /// An error at `steps` (from the top of the task definition).
    fn error_at(&mut self, steps: JsonPath<'a>, message: impl Into<String>) {
        let saved = std::mem::replace(&mut self.steps, steps);
        self.error(message);
        self.steps = saved;
    }

    /// Every container's image is a reference ECS (and Docker) can pull.
    fn images(&mut self) {
        let Some(Value::Array(containers)) = self.taskdef.get("containerDefinitions") else {
            return;
        };
        for (i, container) in containers.iter().enumerate() {
            if let Some(Value::String(image)) = container.get("image")
                && let Err(e) = image_ref::parse(image)
            {
                let message = if self.hide_values {
                    format!(
                        "is not an image reference ECS can pull ({}); {NOT_SHOWN}",
                        e.kinds_only()
                    )
                } else {
                    format!(
                        "{} is not an image reference ECS can pull: {e}",
                        shown(image)
                    )
                };
                self.error_at(
                    JsonPath::root()
                        .key("containerDefinitions")
                        .index(i)
                        .key("image"),
                    message,
                );
            }
        }
    }

    /// The task-level cpu and memory are in a form the API takes; on Fargate they are a pair
    /// it runs. Where the launch type is not said (no requiresCompatibilities) and the
    /// network mode is Fargate's (awsvpc), a pair Fargate does not run is a warning (an error with
    /// --strict): the definition registers, but not for Fargate.
    fn task_size(&mut self) {
        let taskdef = self.taskdef;
        let hide = self.hide_values;
        let mut read =
            |key: &'static str, parse: fn(&str) -> Result<u64, String>| match taskdef.get(key) {
                Some(Value::String(text)) => match parse(text) {
                    Ok(n) => Some(n),
                    Err(e) => {
                        let message = if hide {
                            format!(
                                "{}; {NOT_SHOWN}",
                                task_size::FORMS[usize::from(key == "memory")]
                            )
                        } else {
                            e
                        };
                        self.error_at(JsonPath::root().key(key), message);
                        None
                    }
                },
                _ => None,
            };
        let cpu = read("cpu", task_size::cpu_units);
        let memory = read("memory", task_size::memory_mib);
        let compatibilities = match taskdef.get("requiresCompatibilities") {
            Some(Value::Array(items)) if !items.is_empty() => Some(items),
            _ => None,
        };
        let fargate = compatibilities.map(|items| items.iter().any(|c| c == "FARGATE"));
        match fargate {
            Some(true) => {
                let missing: Vec<&str> = ["cpu", "memory"]
                    .into_iter()
                    .filter(|k| taskdef.get(*k).is_none())
                    .collect();
                if !missing.is_empty() {
                    self.error_at(
                        JsonPath::root(),
                        format!(
                            "requiresCompatibilities has FARGATE, and Fargate needs the \
                             task-level {}; add {}",
                            missing.join(" and "),
                            missing
                                .iter()
                                .map(|k| format!("--{k}"))
                                .collect::<Vec<_>>()
                                .join(" and ")
                        ),
                    );
                }
                if let (Some(cpu), Some(memory)) = (cpu, memory)
                    && let Err(e) = fargate_pair(cpu, memory)
                {
                    let e = if self.hide_values {
                        fargate_hidden()
                    } else {
                        e
                    };
                    self.error_at(
                        JsonPath::root().key(size_key(cpu)),
                        format!("{e} (requiresCompatibilities has FARGATE)"),
                    );
                }
            }
            Some(false) => {}
            None => {
                // Fargate runs awsvpc only, and the default network mode is bridge.
                let network_allows = taskdef.get("networkMode").is_some_and(|m| m == "awsvpc");
                if let (Some(cpu), Some(memory), true) = (cpu, memory, network_allows)
                    && let Err(e) = fargate_pair(cpu, memory)
                {
                    let e = if self.hide_values {
                        fargate_hidden()
                    } else {
                        e
                    };
                    let what = format!(
                        "{e}; without requiresCompatibilities the launch type is not said, and \
                         this definition would not run on Fargate"
                    );
                    self.steps = JsonPath::root().key(size_key(cpu));
                    let location = self.here();
                    self.steps = JsonPath::root();
                    self.problems.push(if self.strict {
                        Problem::error(
                            Some(location),
                            format!(
                                "{what}; set requiresCompatibilities to [\"EC2\"] if it is \
                                 not for Fargate, or leave out --strict"
                            ),
                        )
                    } else {
                        Problem::warning(location, format!("{what}; kept"))
                    });
                }
            }
        }
    }

    fn value(&mut self, shape: &'static Shape, value: &'a Value) {
        match (&shape.kind, value) {
            (Kind::Structure { .. }, Value::Object(obj)) => self.structure(shape, obj),
            (Kind::List(item), Value::Array(items)) => {
                self.bounds(shape, items.len(), value);
                for (i, v) in items.iter().enumerate() {
                    self.steps.push_index(i);
                    self.value(item, v);
                    self.steps.pop();
                }
            }
            (Kind::Map(item), Value::Object(obj)) => {
                for (k, v) in obj {
                    self.steps.push_key(k);
                    self.value(item, v);
                    self.steps.pop();
                }
            }
            (Kind::String { values, pattern }, Value::String(s)) => {
                self.bounds(shape, s.chars().count(), value);
                if let Some(pattern) = pattern {
                    self.pattern(shape, pattern, s);
                }
                if !values.is_empty() && !values.contains(&s.as_str()) && self.hidden() {
                    let what = format!(
                        "a string that is not a {} value the ECS model knows ({}); model: {}; \
                         {NOT_SHOWN}",
                        shape.name,
                        values.join(", "),
                        model::SOURCE
                    );
                    self.unknown(&what, "correct it");
                } else if !values.is_empty() && !values.contains(&s.as_str()) {
                    let hint = did_you_mean(s, values.iter().copied())
                        .map(|v| format!(" (did you mean {v:?}?)"))
                        .unwrap_or_default();
                    let what = format!(
                        "{} is not a {} value the ECS model knows ({}){hint}; model: {}",
                        shown(s),
                        shape.name,
                        values.join(", "),
                        model::SOURCE
                    );
                    self.unknown(&what, "correct it");
                }
            }
            (Kind::Integer, Value::Number(n)) => {
                if n.as_i64().and_then(|n| i32::try_from(n).ok()).is_none() {
                    // `512.0` or `5.12e2`: whole, but the API's JSON readers take it for a
                    // float and reject it.
                    let whole = n
                        .as_f64()
                        .filter(|f| f.fract() == 0.0 && f.abs() <= f64::from(i32::MAX))
                        // + 0.0: -0.0 is written 0.
                        .map(|f| format!("{:.0}", f + 0.0));
                    let hint = match whole {
                        Some(_) if self.hidden() => "write it as a whole number".to_owned(),
                        Some(int) => format!("write it as a whole number: {int}"),
                        None if n.as_f64().is_some_and(|f| f.fract() != 0.0) => {
                            "write a whole number".to_owned()
                        }
                        None => "out of the 32-bit range".to_owned(),
                    };
                    self.error(format!(
                        "expected an integer, found {} ({hint})",
                        self.show(value)
                    ));
                } else if let Some(n) = n.as_i64() {
                    self.range(shape, n);
                }
            }
            (Kind::Boolean, Value::Bool(_)) => {}
            _ => {
                let hint = self.type_hint(shape, value);
                self.error(format!(
                    "expected {}, found {}{hint}",
                    shape.expected(),
                    self.show(value)
                ));
            }
        }
    }

    /// What to do about a value of the wrong type, after `expected X, found Y`.
    fn type_hint(&self, shape: &'static Shape, value: &Value) -> String {
        let task_level = match self.steps.segments() {
            [only] => only.key().filter(|k| matches!(*k, "cpu" | "memory")),
            _ => None,
        };
        match (&shape.kind, value, task_level) {
            (Kind::String { .. }, Value::Number(_), Some(k)) if self.hidden() => {
                format!(" (the task-level {k} is a string)")
            }
            (Kind::String { .. }, Value::Number(n), Some(k)) => {
                format!(" (the task-level {k} is a string: \"{n}\")")
            }
            (Kind::String { .. }, Value::Number(_) | Value::Bool(_), _) => " (quote it)".to_owned(),
            (Kind::Integer, Value::String(text), _) if whole_number(text) => {
                if self.hidden() {
                    ": write it without quotes".to_owned()
                } else {
                    format!(": write {} without quotes", text.trim())
                }
            }
            (Kind::Integer, _, _) => ": write a whole number".to_owned(),
            (Kind::Boolean, _, _) => ": write true or false (without quotes)".to_owned(),
            _ => String::new(),
        }
    }

    /// An integer within the shape's bounds.
    fn range(&mut self, shape: &'static Shape, n: i64) {
        if shape.range.contains(n) {
            return;
        }
        let shown = if self.hidden() {
            "the value".to_owned()
        } else {
            n.to_string()
        };
        let todo = match (shape.range.min, shape.range.max) {
            (Some(min), Some(max)) => format!("a value from {min} to {max}"),
            (Some(min), None) => format!("{min} or more"),
            (None, Some(max)) => format!("{max} or less"),
            (None, None) => unreachable!("a value out of no bounds"),
        };
        self.error(format!(
            "{shown} is out of range: {} takes {} (the ECS model, {}); write {todo}",
            shape.name,
            shape.range.describe(),
            model::SOURCE,
        ));
    }

    /// A string the whole of which matches the shape's pattern (the model's, anchored as
    /// the API does). The message names the first character the pattern does not take
    /// alone (the model's patterns are classes of characters repeated).
    fn pattern(&mut self, shape: &'static Shape, pattern: &'static Pattern, s: &str) {
        if pattern.matches(s) != Some(false) {
            return;
        }
        let mut buf = [0; 4];
        let odd = s
            .chars()
            .enumerate()
            .find(|(_, c)| pattern.matches(c.encode_utf8(&mut buf)) == Some(false));
        let what = match odd {
            Some((k, _)) if self.hidden() => {
                format!(
                    "the string has a character {} does not take (character {})",
                    shape.name,
                    k + 1
                )
            }
            Some((k, c)) => format!(
                "{} has {} (character {}), which {} does not take",
                describe_value(&Value::from(s)),
                shown(c.encode_utf8(&mut buf)),
                k + 1,
                shape.name
            ),
            None if self.hidden() => format!("the string does not match {}'s pattern", shape.name),
            None => format!(
                "{} does not match {}'s pattern",
                describe_value(&Value::from(s)),
                shape.name
            ),
        };
        let takes = if pattern.source == r"([\p{L}\p{Z}\p{N}_.:/=+\-@]*)" {
            " (letters, digits, spaces and _ . : / = + - @)"
        } else {
            ""
        };
        self.error(format!(
            "{what}: the whole value must match {}{takes} (the ECS model, {}); remove or \
             replace it",
            pattern.source,
            model::SOURCE
        ));
    }

    /// A string's length (`len` characters) or a list's items within the shape's bounds;
    /// the message says what the AWS CLI would (`invalid length ..., valid min length: 1`).
    fn bounds(&mut self, shape: &'static Shape, len: usize, value: &Value) {
        let range = shape.range;
        let n = i64::try_from(len).unwrap_or(i64::MAX);
        if range.contains(n) {
            return;
        }
        let list = matches!(value, Value::Array(_));
        let unit = |k: i64| match (list, k) {
            (true, 1) => "item",
            (true, _) => "items",
            (false, 1) => "character",
            (false, _) => "characters",
        };
        let (side, bound) = match range.min {
            Some(min) if n < min => ("min", min),
            _ => ("max", range.max.unwrap_or_default()),
        };
        let what = match value {
            Value::Array(_) => format!("the list has {n} {}", unit(n)),
            Value::String(s) if s.is_empty() => "the string is empty".to_owned(),
            _ if self.hidden() => format!("the string is {n} {} long", unit(n)),
            _ => format!("{} is {n} {} long", describe_value(value), unit(n)),
        };
        let todo = match (side, list) {
            ("min", true) => format!("give it at least {bound} {}", unit(bound)),
            ("min", false) => format!("write at least {bound} {}", unit(bound)),
            (_, true) => format!("keep at most {bound} {}", unit(bound)),
            _ => format!("shorten it to at most {bound} {}", unit(bound)),
        };
        let valid = if list { "count" } else { "length" };
        self.error(format!(
            "{what}, and {} takes {} {} (invalid {valid}, valid {side} {valid}: {bound}); {todo}",
            shape.name,
            range.describe(),
            unit(2)
        ));
    }

    fn structure(&mut self, shape: &'static Shape, obj: &'a Map<String, Value>) {
        let Kind::Structure { members, union } = shape.kind else {
            return;
        };
        let top = self.steps.is_empty();
        for member in members.iter().filter(|m| m.required) {
            if !obj.contains_key(member.name) {
                self.error(format!(
                    "missing the required member {:?} ({})",
                    member.name, shape.name
                ));
            }
        }
        if union && obj.len() != 1 {
            let names: Vec<&str> = members.iter().map(|m| m.name).collect();
            self.error(format!(
                "{} takes exactly one of its members ({}), found {}",
                shape.name,
                names.join(", "),
                obj.len()
            ));
        }
        for (key, value) in obj {
            self.steps.push_key(key);
            if let Some(member) = shape.member(key) {
                self.value(member.shape, value);
            } else {
                let hint = did_you_mean(key, members.iter().map(|m| m.name))
                    .map(|m| format!(" (did you mean {m:?}?)"))
                    .unwrap_or_default();
                let (what, remedy) = if top {
                    (
                        format!(
                            "not a RegisterTaskDefinition member in the ECS model this tool \
                             knows ({}){hint}",
                            model::SOURCE
                        ),
                        if self.origin.conceals(key) {
                            "remove it".to_owned()
                        } else {
                            removal_of_member(key)
                        },
                    )
                } else {
                    (
                        format!(
                            "not a member of {} in the ECS model this tool knows ({}){hint}",
                            shape.name,
                            model::SOURCE
                        ),
                        if ecs_taskdef::text::capped(key).is_some() || self.origin.conceals(key) {
                            "remove it".to_owned()
                        } else {
                            format!(
                                "remove it with --filter {}",
                                shell_quote(&format!("del({})", self.steps))
                            )
                        },
                    )
                };
                self.unknown(&what, &remedy);
            }
            self.steps.pop();
        }
    }
}

/// A string that is an integer once unquoted: `"128"`, `" -5 "`.
fn whole_number(text: &str) -> bool {
    text.trim().parse::<i32>().is_ok()
}

/// A task size Fargate does not run, without the values.
fn fargate_hidden() -> String {
    format!(
        "Fargate does not run this pair of cpu and memory (the values are not shown: the \
         --filter may have copied an environment value); it takes cpu {}, each with its own \
         memory range",
        task_size::FARGATE_CPU
    )
}

/// Where a size Fargate does not run is wrong: the cpu when Fargate has no such cpu, else
/// the memory.
fn size_key(cpu: u64) -> &'static str {
    if task_size::fargate_memory(cpu).is_some() {
        "memory"
    } else {
        "cpu"
    }
}

mod ecs;
mod refused;
#[cfg(test)]
mod tests;
