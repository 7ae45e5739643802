//! The ECS task definition as RegisterTaskDefinition takes it: its model, the cleaning of a
//! describe answer into it, image references, and (feature `register`) the AWS SDK input
//! built from register-ready JSON.
//!
//! - [`model`] (always available, no SDK): every shape RegisterTaskDefinition reaches, generated
//!   from the botocore service model by `ecs-taskdef/codegen/gen_ecs_register.py`; the 9
//!   read-only `TaskDefinition` members; where the model comes from ([`model::SOURCE`]).
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

use serde_json::Value;

/// One shape of the model.
#[derive(Debug)]
pub struct Shape {
    /// The model's name for it (`ContainerDefinition`, `BoxedInteger`, ...).
    pub name: &'static str,
    pub kind: Kind,
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
    /// A string; `values` lists the enum values the model knows (empty: any string).
    String {
        values: &'static [&'static str],
    },
    /// A 32-bit integer.
    Integer,
    Boolean,
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
        let Kind::String { values } = network.shape.kind else {
            panic!("networkMode is a string")
        };
        assert!(values.contains(&"awsvpc"));
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
