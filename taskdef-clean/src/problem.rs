//! Problems found in the input (errors and warnings), with where they are: a jq-style path in
//! the input, and the container's name when the path is inside one.

use std::fmt;

use ecs_taskdef::jq_key;
use serde_json::{Map, Value};

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The output would not be register-ready (or is not what was asked for): nothing is
    /// written, exit 1.
    Error,
    /// Kept as it is, but the output may not register: printed, exit 0 (1 with --strict).
    Warning,
}

/// One problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub severity: Severity,
    /// Where, as `.taskDefinition.containerDefinitions[0].image (container "app")`; `None`
    /// for problems of an option (an edit).
    pub location: Option<String>,
    pub message: String,
}

impl Problem {
    pub fn error(location: Option<String>, message: impl Into<String>) -> Problem {
        Problem {
            severity: Severity::Error,
            location,
            message: message.into(),
        }
    }

    pub fn warning(location: String, message: impl Into<String>) -> Problem {
        Problem {
            severity: Severity::Warning,
            location: Some(location),
            message: message.into(),
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Some(location) => write!(f, "{location}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// One step of a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// Steps from the task definition object down to a value.
pub type Steps<'a> = Vec<Step<'a>>;

/// `.a.b[0]["c d"]`
pub fn format_steps(steps: &[Step<'_>]) -> String {
    let mut out = String::new();
    for step in steps {
        match step {
            Step::Key(k) => out.push_str(&jq_key(k)),
            Step::Index(i) => {
                out.push('[');
                out.push_str(&i.to_string());
                out.push(']');
            }
        }
    }
    out
}

/// Where the task definition being checked came from, to turn its paths into locations the
/// user can find.
#[derive(Debug, Clone)]
pub struct Origin {
    /// Shown before the path: `in the --filter output: `, or nothing.
    label: &'static str,
    /// Path of the task definition in the input: `.taskDefinition` or nothing.
    prefix: &'static str,
    /// Path of the `tags` member in the input (the describe answer has them at the top).
    tags_prefix: &'static str,
    /// Arrays whose `null` items were dropped: their items' indexes in the input.
    renumbered: Vec<Renumbered>,
}

/// An array that lost items (its `null`s, or entries an edit removed) after it was read:
/// paths into the task definition as it is now use the new indexes, messages the input's.
#[derive(Debug, Clone)]
struct Renumbered {
    /// Where the array is now (`format_steps` of its steps).
    path: String,
    /// The input's index of each item left, in order.
    input_index: Vec<usize>,
    /// How many items the array had in the input.
    input_len: usize,
}

impl Renumbered {
    /// The input's index of the item now at `i`. An index past the items left (one an edit
    /// appended) counts on from the input's length.
    fn input_index_of(&self, i: usize) -> usize {
        self.input_index
            .get(i)
            .copied()
            .unwrap_or_else(|| self.input_len + (i - self.input_index.len()))
    }
}

impl Origin {
    /// A bare task definition.
    pub const BARE: Origin = Origin {
        label: "",
        prefix: "",
        tags_prefix: "",
        renumbered: Vec::new(),
    };

    /// Inside a describe answer; `tags_outside` when the tags came from its top level.
    pub fn wrapped(tags_outside: bool) -> Origin {
        Origin {
            label: "",
            prefix: ".taskDefinition",
            tags_prefix: if tags_outside { "" } else { ".taskDefinition" },
            renumbered: Vec::new(),
        }
    }

    /// The output of --filter.
    pub const FILTER: Origin = Origin {
        label: "in the --filter output: ",
        prefix: "",
        tags_prefix: "",
        renumbered: Vec::new(),
    };

    /// Note that the array at `steps` (as it is now) lost items: `input_index` holds the
    /// input's index of each item left, of `input_len` in the input.
    pub fn renumber(&mut self, steps: &[Step<'_>], input_index: Vec<usize>, input_len: usize) {
        let path = format_steps(steps);
        self.renumbered.retain(|r| r.path != path);
        self.renumbered.push(Renumbered {
            path,
            input_index,
            input_len,
        });
    }

    /// Note that the array at `steps` lost items after earlier renumbering (an edit removed
    /// entries): `kept` holds the index, before this removal, of each item left.
    pub fn removed(&mut self, steps: &[Step<'_>], kept: &[usize], len_before: usize) {
        let path = format_steps(steps);
        let (input_index, input_len) = match self.renumbered.iter().find(|r| r.path == path) {
            Some(r) => (
                kept.iter().map(|&k| r.input_index_of(k)).collect(),
                r.input_len,
            ),
            None => (kept.to_vec(), len_before),
        };
        self.renumber(steps, input_index, input_len);
    }

    /// `format_steps`, with the input's indexes for arrays that lost items.
    fn format_input_steps(&self, steps: &[Step<'_>]) -> String {
        if self.renumbered.is_empty() {
            return format_steps(steps);
        }
        let mut now = String::new();
        let mut input = String::new();
        for step in steps {
            let step_now = format_steps(std::slice::from_ref(step));
            match step {
                Step::Index(i) => {
                    let i = match self.renumbered.iter().find(|r| r.path == now) {
                        Some(r) => r.input_index_of(*i),
                        None => *i,
                    };
                    input.push_str(&format_steps(&[Step::Index(i)]));
                }
                Step::Key(_) => input.push_str(&step_now),
            }
            now.push_str(&step_now);
        }
        input
    }

    /// The location of `steps` (relative to `taskdef`, as it is now), with the container's
    /// name when the path is inside a container definition. Indexes are the input's.
    pub fn locate(&self, steps: &[Step<'_>], taskdef: &Map<String, Value>) -> String {
        let prefix = match steps.first() {
            Some(Step::Key("tags")) => self.tags_prefix,
            _ => self.prefix,
        };
        let path = format!("{prefix}{}", self.format_input_steps(steps));
        let path = if path.is_empty() {
            ".".to_owned()
        } else {
            path
        };
        let container = match steps {
            [Step::Key("containerDefinitions"), Step::Index(i), ..] => taskdef
                .get("containerDefinitions")
                .and_then(|c| c.get(*i))
                .and_then(|c| c.get("name"))
                .and_then(Value::as_str),
            _ => None,
        };
        match container {
            Some(name) => format!("{}{path} (container {name:?})", self.label),
            None => format!("{}{path}", self.label),
        }
    }
}

/// The closest of `candidates` to `word`, if it is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let lower = word.to_lowercase();
    candidates
        .into_iter()
        .map(|c| (edit_distance(&lower, &c.to_lowercase()), c))
        .filter(|(d, c)| *d <= (c.chars().count() / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance in characters (the inputs are short member and container names).
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if ca == *cb {
                diagonal
            } else {
                1 + diagonal.min(above).min(row[j])
            };
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn steps<'a>(s: &[&'a str]) -> Steps<'a> {
        s.iter()
            .map(|x| match x.parse() {
                Ok(i) => Step::Index(i),
                Err(_) => Step::Key(x),
            })
            .collect()
    }

    #[test]
    fn locations_point_into_the_input() {
        let td = json!({"containerDefinitions": [{"name": "app"}, {"image": "x"}]});
        let td = td.as_object().unwrap();
        let s = steps(&["containerDefinitions", "0", "environment", "2"]);
        assert_eq!(
            Origin::BARE.locate(&s, td),
            ".containerDefinitions[0].environment[2] (container \"app\")"
        );
        assert_eq!(
            Origin::wrapped(true).locate(&s, td),
            ".taskDefinition.containerDefinitions[0].environment[2] (container \"app\")"
        );
        let s = steps(&["containerDefinitions", "1", "image"]);
        assert_eq!(
            Origin::BARE.locate(&s, td),
            ".containerDefinitions[1].image"
        );
        let tags = steps(&["tags", "1"]);
        assert_eq!(Origin::wrapped(true).locate(&tags, td), ".tags[1]");
        assert_eq!(
            Origin::wrapped(false).locate(&tags, td),
            ".taskDefinition.tags[1]"
        );
        assert_eq!(Origin::BARE.locate(&[], td), ".");
        assert_eq!(
            Origin::FILTER.locate(&steps(&["cpu"]), td),
            "in the --filter output: .cpu"
        );
        assert_eq!(
            format_steps(&steps(&["dockerLabels", "com.example.x"])),
            ".dockerLabels[\"com.example.x\"]"
        );
    }

    #[test]
    fn locations_use_the_input_indexes_of_renumbered_arrays() {
        // Input: containerDefinitions [null, {app, environment [null, null, X, Y]}, {web}].
        let td = json!({"containerDefinitions": [
            {"name": "app", "environment": [{"name": "X"}, {"name": "Y"}, {"name": "NEW"}]},
            {"name": "web"}
        ]});
        let td = td.as_object().unwrap();
        let mut origin = Origin::wrapped(false);
        origin.renumber(&steps(&["containerDefinitions"]), vec![1, 2], 3);
        origin.renumber(
            &steps(&["containerDefinitions", "0", "environment"]),
            vec![2, 3],
            4,
        );
        assert_eq!(
            origin.locate(
                &steps(&["containerDefinitions", "0", "environment", "1"]),
                td
            ),
            ".taskDefinition.containerDefinitions[1].environment[3] (container \"app\")"
        );
        // Appended after the input's items (by an edit): counted on from the input's length.
        assert_eq!(
            origin.locate(
                &steps(&["containerDefinitions", "0", "environment", "2"]),
                td
            ),
            ".taskDefinition.containerDefinitions[1].environment[4] (container \"app\")"
        );
        assert_eq!(
            origin.locate(&steps(&["containerDefinitions", "1", "cpu"]), td),
            ".taskDefinition.containerDefinitions[2].cpu (container \"web\")"
        );
        // Renumbering the same array again replaces what was noted.
        origin.renumber(&steps(&["containerDefinitions"]), vec![0, 2], 3);
        assert_eq!(
            origin.locate(&steps(&["containerDefinitions", "1"]), td),
            ".taskDefinition.containerDefinitions[2] (container \"web\")"
        );
    }

    #[test]
    fn suggestions_catch_typos_only() {
        let members = ["executionRoleArn", "taskRoleArn", "family", "cpu"];
        assert_eq!(
            did_you_mean("exectionRoleArn", members),
            Some("executionRoleArn")
        );
        assert_eq!(did_you_mean("Family", members), Some("family"));
        assert_eq!(did_you_mean("cpus", members), Some("cpu"));
        assert_eq!(did_you_mean("somethingElse", members), None);
        assert_eq!(did_you_mean("x", members), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("", "abc"), 3);
    }
}
