//! Problems found in a task definition (errors and warnings), with where they are: a jq-style
//! path in the input, and the container's name when the path is inside one. [`Origin`] turns
//! a path into the task definition as it is now (cleaned, edited) into that location.

use std::fmt;

use cli_support::json_path::{JsonPath, Segment};
use serde_json::{Map, Value};

use crate::text::{capped, harden, shown};

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

/// The location and the message, with every character a terminal acts on escaped
/// ([`crate::text::harden`]): names and values in them are quoted already, and whatever
/// else came from the input cannot move the cursor or reorder the line either.
impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let message = harden(&self.message);
        match &self.location {
            Some(location) => write!(f, "{}: {message}", harden(location)),
            None => f.write_str(&message),
        }
    }
}

/// What a concealed name is shown as ([`Origin::conceal`]).
pub const NOT_SHOWN: &str = "(not shown)";

/// Where the task definition being checked came from, to turn its paths into locations the
/// user can find.
#[derive(Debug, Clone)]
pub struct Origin {
    /// Shown before the path: `in the --filter output: `, or nothing.
    label: &'static str,
    /// Where the task definition is in the input: the member `taskDefinition`, or the top.
    prefix: Option<&'static str>,
    /// Where the `tags` member is in the input (the describe answer has them at the top).
    tags_prefix: Option<&'static str>,
    /// Arrays whose `null` items were dropped: their items' indexes in the input.
    renumbered: Vec<Renumbered>,
    /// Names equal to or containing one of these are shown as `(not shown)` ([`Origin::conceal`]).
    concealed: Concealed,
}

/// Values that names must not contain to be shown, with a matcher that finds any of them in
/// one pass over a name (Aho-Corasick): a check of every name against every value would be
/// quadratic (20,000 variables copied by a filter: minutes).
#[derive(Debug, Clone, Default)]
pub struct Concealed {
    values: Vec<String>,
    matcher: Option<aho_corasick::AhoCorasick>,
}

impl Concealed {
    /// `values` without the empty ones and duplicates.
    pub fn new(mut values: Vec<String>) -> Concealed {
        values.retain(|v| !v.is_empty());
        values.sort_unstable();
        values.dedup();
        let matcher = if values.is_empty() {
            None
        } else {
            aho_corasick::AhoCorasick::new(&values).ok()
        };
        Concealed { values, matcher }
    }

    /// The values.
    pub fn values(&self) -> &[String] {
        &self.values
    }

    /// Whether `name` is equal to or contains one of the values.
    pub fn conceals(&self, name: &str) -> bool {
        match &self.matcher {
            Some(m) => m.is_match(name),
            // The automaton could not be built (too large): the plain search.
            None => self.values.iter().any(|v| name.contains(v.as_str())),
        }
    }
}

/// An array that lost items (its `null`s, or entries an edit removed) after it was read:
/// paths into the task definition as it is now use the new indexes, messages the input's.
#[derive(Debug, Clone)]
struct Renumbered {
    /// Where the array is now (from the top of the task definition).
    path: JsonPath<'static>,
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
        prefix: None,
        tags_prefix: None,
        renumbered: Vec::new(),
        concealed: Concealed {
            values: Vec::new(),
            matcher: None,
        },
    };

    /// Inside a describe answer; `tags_outside` when the tags came from its top level.
    pub fn wrapped(tags_outside: bool) -> Origin {
        Origin {
            label: "",
            prefix: Some("taskDefinition"),
            tags_prefix: if tags_outside {
                None
            } else {
                Some("taskDefinition")
            },
            renumbered: Vec::new(),
            concealed: Concealed {
                values: Vec::new(),
                matcher: None,
            },
        }
    }

    /// The output of --filter.
    pub const FILTER: Origin = Origin {
        label: "in the --filter output: ",
        prefix: None,
        tags_prefix: None,
        renumbered: Vec::new(),
        concealed: Concealed {
            values: Vec::new(),
            matcher: None,
        },
    };

    /// Show every name (a container's in a location, a member's in a path) that is equal to
    /// or contains one of `values` as `(not shown)`: for the output of a --filter that ran
    /// over these environment values, which it may have copied into a name. (A copy only: a
    /// transformed value, base64 or a slice, is not recognised.) Empty values are ignored.
    pub fn conceal(&mut self, values: Vec<String>) {
        self.concealed = Concealed::new(values);
    }

    /// The values names must not contain to be shown ([`Origin::conceal`]).
    pub fn concealed(&self) -> &[String] {
        self.concealed.values()
    }

    /// Whether `name` is not shown ([`Origin::conceal`]).
    pub fn conceals(&self, name: &str) -> bool {
        self.concealed.conceals(name)
    }

    /// Note that the array at `steps` (as it is now) lost items: `input_index` holds the
    /// input's index of each item left, of `input_len` in the input.
    pub fn renumber(&mut self, steps: &JsonPath<'_>, input_index: Vec<usize>, input_len: usize) {
        let path = steps.clone().into_owned();
        self.renumbered.retain(|r| r.path != path);
        self.renumbered.push(Renumbered {
            path,
            input_index,
            input_len,
        });
    }

    /// Note that the array at `steps` lost items after earlier renumbering (an edit removed
    /// entries): `kept` holds the index, before this removal, of each item left.
    pub fn removed(&mut self, steps: &JsonPath<'_>, kept: &[usize], len_before: usize) {
        let (input_index, input_len) = match self.renumbered.iter().find(|r| r.path == *steps) {
            Some(r) => (
                kept.iter().map(|&k| r.input_index_of(k)).collect(),
                r.input_len,
            ),
            None => (kept.to_vec(), len_before),
        };
        self.renumber(steps, input_index, input_len);
    }

    /// The path of `steps` (relative to the task definition as it is now) in the input:
    /// inside the describe answer's `taskDefinition` where it was, with the input's indexes
    /// (for arrays that lost items). Without the label and the container: for a message
    /// that refers to another place (`the key of .tags[0].key too`).
    pub fn path(&self, steps: &JsonPath<'_>) -> JsonPath<'static> {
        let segments = steps.segments();
        let prefix = match segments.first().and_then(Segment::key) {
            Some("tags") => self.tags_prefix,
            _ => self.prefix,
        };
        let mut path = JsonPath::root();
        path.extend(prefix.map(|p| Segment::Key(p.into())));
        let mut now = JsonPath::root();
        for segment in segments {
            path.push(match segment {
                Segment::Index(i) => {
                    Segment::Index(match self.renumbered.iter().find(|r| r.path == now) {
                        Some(r) => r.input_index_of(*i),
                        None => *i,
                    })
                }
                Segment::Key(k) if self.conceals(k) => Segment::Key(NOT_SHOWN.into()),
                key @ Segment::Key(_) => key.clone(),
            });
            now.push(segment.clone());
        }
        path.into_owned()
    }

    /// The location of `steps` (relative to `taskdef`, as it is now), with the container's
    /// name when the path is inside a container definition. Indexes are the input's (for
    /// arrays that lost items).
    pub fn locate(&self, steps: &JsonPath<'_>, taskdef: &Map<String, Value>) -> String {
        // A member name longer than a message quotes is cut, with its length.
        let path: JsonPath<'_> = self
            .path(steps)
            .segments()
            .iter()
            .map(|segment| match segment.key().and_then(capped) {
                Some((head, n)) => Segment::Key(format!("{head}... ({n} characters)").into()),
                None => segment.clone(),
            })
            .collect();
        let container = match steps.segments() {
            [first, Segment::Index(i), ..] if first.key() == Some("containerDefinitions") => {
                taskdef
                    .get("containerDefinitions")
                    .and_then(|c| c.get(*i))
                    .and_then(|c| c.get("name"))
                    .and_then(Value::as_str)
            }
            _ => None,
        };
        match container {
            Some(name) if self.conceals(name) => {
                format!("{}{path} (container {NOT_SHOWN})", self.label)
            }
            Some(name) => format!("{}{path} (container {})", self.label, shown(name)),
            None => format!("{}{path}", self.label),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn concealed_names_are_those_equal_to_or_containing_a_value() {
        let c = Concealed::new(vec![
            "hunter2".to_owned(),
            String::new(),
            "hunter2".to_owned(),
            "s3cr3t".to_owned(),
        ]);
        assert_eq!(c.values(), ["hunter2", "s3cr3t"]);
        assert!(c.conceals("hunter2"));
        assert!(c.conceals("X_hunter2_Y"));
        assert!(c.conceals("a s3cr3t"));
        assert!(!c.conceals("hunter"));
        assert!(!c.conceals(""));
        assert!(!Concealed::new(vec![String::new()]).conceals("anything"));
    }

    fn steps<'a>(s: &[&'a str]) -> JsonPath<'a> {
        s.iter()
            .map(|x| match x.parse() {
                Ok(i) => Segment::Index(i),
                Err(_) => Segment::Key((*x).into()),
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
        assert_eq!(Origin::BARE.locate(&JsonPath::root(), td), ".");
        assert_eq!(
            Origin::FILTER.locate(&steps(&["cpu"]), td),
            "in the --filter output: .cpu"
        );
        assert_eq!(
            Origin::BARE.locate(&steps(&["dockerLabels", "com.example.x"]), td),
            ".dockerLabels[\"com.example.x\"]"
        );
    }

    #[test]
    fn container_names_and_messages_are_escaped() {
        let td = json!({"containerDefinitions": [{"name": "a\u{1b}[2J\u{9b}\u{202e}"}]});
        let td = td.as_object().unwrap();
        let at = Origin::BARE.locate(&steps(&["containerDefinitions", "0", "cpu"]), td);
        assert_eq!(
            at,
            ".containerDefinitions[0].cpu (container \"a\\u001b[2J\\u009b\\u202e\")"
        );
        let p = Problem::error(Some(at), "raw \u{7} and \u{2066} in a message");
        assert_eq!(
            p.to_string(),
            ".containerDefinitions[0].cpu (container \"a\\u001b[2J\\u009b\\u202e\"): raw \\u0007 \
             and \\u2066 in a message"
        );
        assert_eq!(
            Origin::FILTER
                .path(&steps(&["tags", "0", "key"]))
                .to_string(),
            ".tags[0].key"
        );
        assert_eq!(
            Origin::wrapped(false)
                .path(&steps(&["tags", "0", "key"]))
                .to_string(),
            ".taskDefinition.tags[0].key"
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
}
