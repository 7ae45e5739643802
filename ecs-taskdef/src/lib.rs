//! The ECS task definition as RegisterTaskDefinition takes it: its model, the cleaning of a
//! describe answer into it, image references, and (feature `register`) the AWS SDK input
//! built from register-ready JSON.
//!
//! - [`model`] (always available, no SDK): every shape RegisterTaskDefinition reaches, generated
//!   from the botocore service model by `ecs-taskdef/codegen/gen_ecs_register.py`, with
//!   their constraints (required members, enum values, [`Range`]s of lengths, counts and
//!   numbers, [`Pattern`]s of strings matched whole; [`model::CONSTRAINTS`] lists them all by
//!   JSON path pattern); the 9 read-only
//!   `TaskDefinition` members; where the model comes from ([`model::SOURCE`]).
//! - [`clean`] (no SDK): a DescribeTaskDefinition answer (or register-ready JSON) -> the
//!   register-ready input, as taskdef-clean writes it ([`clean::register_input`]), e.g. to
//!   tell whether a task definition is the one a service runs; problems are [`problem`]s,
//!   located in the input.
//! - [`image_ref`] (no SDK): container image references parsed and checked
//!   ([`image_ref::ImageRef::parse`]): registry, repository, tag, digest, and the account and
//!   region of an ECR registry.
//! - `register` (feature `register`, which brings aws-sdk-ecs):
//!   `register_task_definition_input(&json)` builds the aws-sdk-ecs
//!   `RegisterTaskDefinitionInputBuilder` member by member, recursively, and names the JSON
//!   path of an unknown member or a wrong type.
//! - [`same`] (no SDK): whether two register-ready task definitions register the same thing,
//!   up to the defaults ECS writes out (a hand-written input and the revision made of it).
//! - [`text`] (no SDK): names and values escaped for messages (no control sequence reaches
//!   a terminal).
//! - `arbitrary` (feature `arbitrary`, for tests): random task definitions from the model
//!   (proptest strategies).

#[cfg(feature = "arbitrary")]
pub mod arbitrary;
pub mod clean;
pub mod image_ref;
pub mod model;
pub mod problem;
#[cfg(feature = "register")]
pub mod register;
pub mod same;
pub mod text;

use std::sync::OnceLock;

use serde_json::Value;

/// One shape of the model.
#[derive(Debug)]
pub struct Shape {
    /// The model's name for it (`ContainerDefinition`, `BoxedInteger`, ...).
    pub name: &'static str,
    pub kind: Kind,
    /// The model's bounds: characters of a string, items of a list, the value of an integer.
    pub range: Range,
}

/// A minimum and a maximum, either or both absent (`min`/`max` in the model).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub min: Option<i64>,
    pub max: Option<i64>,
}

impl Range {
    /// No bounds.
    pub const ANY: Range = Range {
        min: None,
        max: None,
    };

    /// Whether `n` is within the bounds.
    pub fn contains(&self, n: i64) -> bool {
        self.min.is_none_or(|min| n >= min) && self.max.is_none_or(|max| n <= max)
    }

    /// The bounds as a message says them: `1 to 128`, `at least 1`, `at most 50`.
    pub fn describe(&self) -> String {
        match (self.min, self.max) {
            (Some(min), Some(max)) => format!("{min} to {max}"),
            (Some(min), None) => format!("at least {min}"),
            (None, Some(max)) => format!("at most {max}"),
            (None, None) => "any".to_owned(),
        }
    }
}

/// One constraint of the model on RegisterTaskDefinition input, where it applies
/// ([`model::CONSTRAINTS`], generated): for tests that violate each one, and documentation.
#[derive(Debug)]
pub struct Constraint {
    /// A JSON path pattern, as jq writes paths, with `[]` for any item of a list or any value
    /// of a map: `.tags[].key`.
    pub path: &'static str,
    /// The shape of the value there; its [`Range`] or enum values are the constraint.
    pub shape: &'static Shape,
    pub rule: Rule,
}

/// What a [`Constraint`] asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// The member must be present.
    Required,
    /// The shape's [`Range`]: a string's length in characters, a list's items, an integer.
    Bounds,
    /// One of the shape's enum values (a warning: AWS adds values).
    Enum,
    /// The shape's [`Pattern`], matched against the whole string.
    Pattern,
}

/// What a shape is.
#[derive(Debug)]
pub enum Kind {
    /// A JSON object with these members; a union takes exactly one of them.
    Structure {
        members: &'static [Member],
        union: bool,
    },
    /// A JSON array of the shape.
    List(&'static Shape),
    /// A JSON object with string keys and values of the shape.
    Map(&'static Shape),
    /// A string; `values` lists the enum values the model knows (empty: any string), and
    /// `pattern` is the one the whole string must match, if the model has one.
    String {
        values: &'static [&'static str],
        pattern: Option<&'static Pattern>,
    },
    /// A 32-bit integer.
    Integer,
    Boolean,
}

/// A regular expression of the model (`pattern`), as the model writes it.
///
/// The AWS API matches it against the whole value (its validation messages say "Member must
/// satisfy regular expression pattern: `[\p{L}\p{Z}\p{N}_.:/=+\-@]*`" for a tag value
/// with a `,` in it), although Smithy patterns are not anchored: [`Pattern::matches`]
/// anchors it. It is compiled the first time it is used, with the `regex` crate (Unicode
/// classes as `\p{L}`; the tests compile every pattern of the model).
#[derive(Debug)]
pub struct Pattern {
    /// The pattern as the model writes it (unanchored).
    pub source: &'static str,
    compiled: OnceLock<Option<regex::Regex>>,
}

impl Pattern {
    pub const fn new(source: &'static str) -> Pattern {
        Pattern {
            source,
            compiled: OnceLock::new(),
        }
    }

    /// The pattern anchored at both ends, compiled; `None` when the `regex` crate cannot
    /// take it (a construct it lacks, such as look-around: the tests catch that).
    pub fn regex(&self) -> Option<&regex::Regex> {
        self.compiled
            .get_or_init(|| regex::Regex::new(&format!(r"\A(?:{})\z", self.source)).ok())
            .as_ref()
    }

    /// Whether the whole of `text` matches (`None`: the pattern cannot be compiled).
    pub fn matches(&self, text: &str) -> Option<bool> {
        self.regex().map(|r| r.is_match(text))
    }
}

/// A member of a structure.
#[derive(Debug)]
pub struct Member {
    pub name: &'static str,
    pub shape: &'static Shape,
    pub required: bool,
}

impl Shape {
    /// The members, for a structure (else empty).
    pub fn members(&self) -> &'static [Member] {
        match self.kind {
            Kind::Structure { members, .. } => members,
            _ => &[],
        }
    }

    /// The member called `name`, for a structure.
    pub fn member(&self, name: &str) -> Option<&'static Member> {
        self.members().iter().find(|m| m.name == name)
    }

    /// How the shape reads in a message: "an object (ContainerDefinition)", "an array",
    /// "a string", ...
    pub fn expected(&self) -> String {
        match self.kind {
            Kind::Structure { .. } => format!("an object ({})", self.name),
            Kind::List(_) => "an array".to_owned(),
            Kind::Map(_) => "an object of strings".to_owned(),
            Kind::String { .. } => "a string".to_owned(),
            Kind::Integer => "an integer".to_owned(),
            Kind::Boolean => "true or false".to_owned(),
        }
    }
}

/// The most characters of a family or a container name.
pub const NAME_MAX: usize = 255;

/// A character ECS takes in a family or a container name: "Up to 255 letters (uppercase and
/// lowercase), numbers, underscores, and hyphens are allowed" (the model's documentation of
/// `RegisterTaskDefinitionRequest.family` and `ContainerDefinition.name`; the model has no
/// pattern for them). Letters and numbers are ASCII ones, as the API enforces.
pub fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// How a JSON value reads in a message: `the number 256`, `a string "80"`, `an array`, ...
pub fn describe_value(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) => {
            let shown: String = s.chars().take(40).collect();
            let more = if shown.len() < s.len() { "..." } else { "" };
            format!("the string {}{more}", Value::String(shown))
        }
        Value::Array(_) => "an array".to_owned(),
        Value::Object(_) => "an object".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_model_has_the_19_input_members_and_9_read_only_ones() {
        let names: Vec<&str> = model::REGISTER_TASK_DEFINITION_REQUEST
            .members()
            .iter()
            .map(|m| m.name)
            .collect();
        assert_eq!(names.len(), 19, "{names:?}");
        for name in [
            "family",
            "containerDefinitions",
            "tags",
            "enableFaultInjection",
        ] {
            assert!(names.contains(&name), "{name}");
        }
        let required: Vec<&str> = model::REGISTER_TASK_DEFINITION_REQUEST
            .members()
            .iter()
            .filter(|m| m.required)
            .map(|m| m.name)
            .collect();
        assert_eq!(required, ["family", "containerDefinitions"]);
        let mut read_only = model::READ_ONLY.to_vec();
        read_only.sort_unstable();
        assert_eq!(
            read_only,
            [
                "compatibilities",
                "deleteRequestedAt",
                "deregisteredAt",
                "registeredAt",
                "registeredBy",
                "requiresAttributes",
                "revision",
                "status",
                "taskDefinitionArn"
            ]
        );
        assert!(model::SOURCE.starts_with("botocore "));
        assert_eq!(crate::ecs_model_source!(), model::SOURCE);
    }

    #[test]
    fn nested_shapes_are_linked() {
        let containers = model::REGISTER_TASK_DEFINITION_REQUEST
            .member("containerDefinitions")
            .unwrap();
        let Kind::List(container) = containers.shape.kind else {
            panic!("containerDefinitions is a list")
        };
        assert_eq!(container.name, "ContainerDefinition");
        assert!(matches!(
            container.member("cpu").unwrap().shape.kind,
            Kind::Integer
        ));
        let network = model::REGISTER_TASK_DEFINITION_REQUEST
            .member("networkMode")
            .unwrap();
        let Kind::String { values, .. } = network.shape.kind else {
            panic!("networkMode is a string")
        };
        assert!(values.contains(&"awsvpc"));
    }

    #[test]
    fn the_constraints_of_the_model_are_generated_by_path() {
        let find = |path: &str, rule: Rule| {
            model::CONSTRAINTS
                .iter()
                .find(|c| c.path == path && c.rule == rule)
                .unwrap_or_else(|| panic!("{path} {rule:?}"))
        };
        let key = find(".tags[].key", Rule::Bounds);
        assert_eq!(key.shape.name, "TagKey");
        assert_eq!(
            (key.shape.range.min, key.shape.range.max),
            (Some(1), Some(128))
        );
        assert_eq!(find(".tags", Rule::Bounds).shape.range.max, Some(50));
        let mps = ".containerDefinitions[].resourceRequirements[].sharingStrategy.nvidiaMps";
        let percent = find(&format!("{mps}.maxComputePercent"), Rule::Bounds);
        assert!(!percent.shape.range.contains(0) && percent.shape.range.contains(100));
        assert!(!percent.shape.range.contains(101));
        assert_eq!(percent.shape.range.describe(), "1 to 100");
        find(".family", Rule::Required);
        find(".networkMode", Rule::Enum);
        assert_eq!(model::STRING.range, Range::ANY);
        let key = find(".tags[].key", Rule::Pattern);
        let Kind::String {
            pattern: Some(pattern),
            ..
        } = key.shape.kind
        else {
            panic!("TagKey has a pattern")
        };
        assert_eq!(pattern.source, r"([\p{L}\p{Z}\p{N}_.:/=+\-@]*)");
        find(".tags[].value", Rule::Pattern);
    }

    #[test]
    fn every_pattern_compiles_and_matches_whole_values() {
        let patterns: Vec<&Pattern> = model::CONSTRAINTS
            .iter()
            .filter(|c| c.rule == Rule::Pattern)
            .filter_map(|c| match c.shape.kind {
                Kind::String { pattern, .. } => pattern,
                _ => None,
            })
            .collect();
        assert!(!patterns.is_empty());
        for p in &patterns {
            assert!(p.regex().is_some(), "{} does not compile", p.source);
        }
        let tag = &model::TAG_KEY_PATTERN;
        for ok in ["team", "Équipe 2", "a.b:c/d=e+f-g@h_i", "数据", ""] {
            assert_eq!(tag.matches(ok), Some(true), "{ok:?}");
        }
        // One character outside the class anywhere: the whole value does not match.
        for bad in ["a#b", "#", "team!", "tab\there", "new\nline", "x\u{1b}"] {
            assert_eq!(tag.matches(bad), Some(false), "{bad:?}");
        }
        // Not anchored in the model, anchored here: a trailing newline is no match either.
        assert_eq!(tag.matches("team\n"), Some(false));
    }

    #[test]
    fn values_read_well_in_messages() {
        assert_eq!(describe_value(&serde_json::json!(256)), "the number 256");
        assert_eq!(
            describe_value(&serde_json::json!("80")),
            "the string \"80\""
        );
        assert_eq!(describe_value(&serde_json::json!([])), "an array");
    }
}
