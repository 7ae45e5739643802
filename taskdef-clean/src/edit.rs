//! Edits: per container by name (image, environment, secrets) and task-level members.
//!
//! - [`flags`]: what the edit flags say, parsed and checked.
//! - [`containers`]: containers by name, and the lists the edits change.

mod containers;
mod flags;

use ecs_taskdef::problem::{Origin, Problem};
use serde_json::{Map, Value};

use self::containers::{Containers, List};
pub use self::flags::{ContainerKey, ContainerKeyValue, ImageEdit, parse_family, repeated_image};

/// Every edit asked for, in the order they apply.
#[derive(Debug, Clone, Default)]
pub struct Edits {
    pub family: Option<String>,
    pub cpu: Option<String>,
    pub memory: Option<String>,
    pub task_role_arn: Option<String>,
    pub execution_role_arn: Option<String>,
    pub images: Vec<ImageEdit>,
    pub unset_env: Vec<ContainerKey>,
    pub env: Vec<ContainerKeyValue>,
    pub unset_secrets: Vec<ContainerKey>,
    pub secrets: Vec<ContainerKeyValue>,
}

impl Edits {
    /// Apply every edit to a clean task definition; problems (an unknown container, ...) are
    /// pushed, and the edits that can be applied still are. Entries removed are noted in
    /// `origin`, so that later messages still use the input's indexes.
    pub fn apply(
        &self,
        taskdef: &mut Map<String, Value>,
        origin: &mut Origin,
        problems: &mut Vec<Problem>,
    ) {
        for (member, value) in [
            ("family", &self.family),
            ("cpu", &self.cpu),
            ("memory", &self.memory),
            ("taskRoleArn", &self.task_role_arn),
            ("executionRoleArn", &self.execution_role_arn),
        ] {
            if let Some(value) = value {
                taskdef.insert(member.to_owned(), Value::String(value.clone()));
            }
        }
        if self.images.is_empty()
            && self.unset_env.is_empty()
            && self.env.is_empty()
            && self.unset_secrets.is_empty()
            && self.secrets.is_empty()
        {
            return;
        }
        let Some(Value::Array(containers)) = taskdef.get_mut("containerDefinitions") else {
            problems.push(Problem::error(
                None,
                "cannot apply the container edits: containerDefinitions is not an array",
            ));
            return;
        };
        let mut containers = Containers { containers, origin };
        // The container each --image went to: `--image URI` and `--image NAME=URI` may name
        // the same one.
        let mut imaged: Vec<(usize, String)> = Vec::new();
        for edit in &self.images {
            let flag = match &edit.container {
                Some(name) => format!("--image {name}={}", edit.uri),
                None => format!("--image {}", edit.uri),
            };
            let found = match &edit.container {
                Some(name) => containers.find_indexed(name, &flag),
                None => containers.only(&flag).map(|c| (0, c)),
            };
            match found {
                Ok((i, _)) if imaged.iter().any(|(j, _)| *j == i) => {
                    let earlier = imaged.iter().find(|(j, _)| *j == i).map(|(_, f)| f);
                    problems.push(Problem::error(
                        None,
                        format!(
                            "{flag}: {} sets this container's image already; give it one",
                            earlier.map_or("", String::as_str)
                        ),
                    ));
                }
                Ok((i, c)) => {
                    c.insert("image".to_owned(), Value::String(edit.uri.clone()));
                    imaged.push((i, flag));
                }
                Err(p) => problems.push(p),
            }
        }
        for edit in &self.unset_env {
            containers.unset(edit, List::Environment, problems);
        }
        for edit in &self.env {
            containers.set(edit, List::Environment, problems);
        }
        for edit in &self.unset_secrets {
            containers.unset(edit, List::Secrets, problems);
        }
        for edit in &self.secrets {
            containers.set(edit, List::Secrets, problems);
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn taskdef() -> Map<String, Value> {
        json!({
            "family": "web",
            "containerDefinitions": [
                {"name": "app", "image": "app:1", "environment": [
                    {"name": "A", "value": "1"}, {"name": "B", "value": ""}, {"name": "A", "value": "dup"}
                ], "secrets": [{"name": "DB", "valueFrom": "arn:db"}]},
                {"name": "proxy", "image": "envoy:1"}
            ]
        })
        .as_object()
        .unwrap()
        .clone()
    }

    fn apply(edits: &Edits) -> (Map<String, Value>, Vec<String>) {
        let mut td = taskdef();
        let mut problems = Vec::new();
        edits.apply(&mut td, &mut Origin::BARE.clone(), &mut problems);
        (td, problems.iter().map(ToString::to_string).collect())
    }

    fn kv(s: &str) -> ContainerKeyValue {
        s.parse().unwrap()
    }

    fn k(s: &str) -> ContainerKey {
        s.parse().unwrap()
    }

    #[test]
    fn one_image_per_container() {
        let images =
            |args: &[&str]| -> Vec<ImageEdit> { args.iter().map(|a| a.parse().unwrap()).collect() };
        assert_eq!(repeated_image(&images(&["a=x:1", "b=x:1", "y:2"])), Ok(()));
        assert_eq!(
            repeated_image(&images(&["a=x:1", "b=y", "a=x:2"])).unwrap_err(),
            "--image a=x:1 and --image a=x:2: container \"a\" is given two images; give it one"
        );
        assert!(
            repeated_image(&images(&["x:1", "x:2"]))
                .unwrap_err()
                .starts_with("--image x:1 and --image x:2: two images without a container name")
        );
        // A named and an unnamed one meet at the only container.
        let mut td = json!({"containerDefinitions": [{"name": "a", "image": "x"}]})
            .as_object()
            .unwrap()
            .clone();
        let mut problems = Vec::new();
        Edits {
            images: images(&["y:1", "a=y:2"]),
            ..Edits::default()
        }
        .apply(&mut td, &mut Origin::BARE.clone(), &mut problems);
        assert_eq!(
            problems[0].to_string(),
            "--image a=y:2: --image y:1 sets this container's image already; give it one"
        );
    }

    #[test]
    fn sets_images_by_name_or_alone() {
        let edits = Edits {
            images: vec!["proxy=envoy:2".parse().unwrap()],
            ..Edits::default()
        };
        let (td, problems) = apply(&edits);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(td["containerDefinitions"][1]["image"], "envoy:2");
        assert_eq!(td["containerDefinitions"][0]["image"], "app:1");

        let edits = Edits {
            images: vec!["app:2".parse().unwrap()],
            ..Edits::default()
        };
        let (td, problems) = apply(&edits);
        assert_eq!(
            problems,
            [
                "--image app:2: an image without a container name needs exactly one container, \
              and the task definition has 2 (app, proxy); use --image NAME=URI"
            ]
        );
        assert_eq!(td, taskdef());

        let mut one = json!({"containerDefinitions": [{"name": "solo", "image": "a"}]})
            .as_object()
            .unwrap()
            .clone();
        let mut problems = Vec::new();
        edits.apply(&mut one, &mut Origin::BARE.clone(), &mut problems);
        assert!(problems.is_empty());
        assert_eq!(one["containerDefinitions"][0]["image"], "app:2");
    }

    #[test]
    fn unknown_containers_are_named_with_a_suggestion() {
        let edits = Edits {
            images: vec!["ap=x:1".parse().unwrap()],
            env: vec![kv("web:A=1")],
            ..Edits::default()
        };
        let (_, problems) = apply(&edits);
        assert_eq!(
            problems,
            [
                "--image ap=x:1: no container named \"ap\" (the task definition has: app, proxy); did you mean \"app\"?",
                "--env web:A: no container named \"web\" (the task definition has: app, proxy)"
            ]
        );
    }

    #[test]
    fn env_replaces_never_duplicates_and_keeps_order() {
        let edits = Edits {
            env: vec![kv("app:A=new=value"), kv("app:C=3"), kv("proxy:X=")],
            ..Edits::default()
        };
        let (td, problems) = apply(&edits);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            td["containerDefinitions"][0]["environment"],
            json!([{"name": "A", "value": "new=value"}, {"name": "B", "value": ""}, {"name": "C", "value": "3"}])
        );
        assert_eq!(
            td["containerDefinitions"][1]["environment"],
            json!([{"name": "X", "value": ""}])
        );
    }

    #[test]
    fn unset_env_removes_and_absent_is_fine() {
        let edits = Edits {
            unset_env: vec![k("app:A"), k("app:NOPE"), k("proxy:NOPE")],
            ..Edits::default()
        };
        let (td, problems) = apply(&edits);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            td["containerDefinitions"][0]["environment"],
            json!([{"name": "B", "value": ""}])
        );
        assert!(td["containerDefinitions"][1].get("environment").is_none());
    }

    #[test]
    fn secrets_replace_like_env() {
        let edits = Edits {
            secrets: vec![
                kv("app:DB=arn:aws:ssm:us-east-2:123456789012:parameter/db"),
                kv("app:KEY=arn:key"),
            ],
            ..Edits::default()
        };
        let (td, problems) = apply(&edits);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            td["containerDefinitions"][0]["secrets"],
            json!([
                {"name": "DB", "valueFrom": "arn:aws:ssm:us-east-2:123456789012:parameter/db"},
                {"name": "KEY", "valueFrom": "arn:key"}
            ])
        );
        let edits = Edits {
            unset_secrets: vec![k("app:DB")],
            ..Edits::default()
        };
        let (td, _) = apply(&edits);
        assert_eq!(td["containerDefinitions"][0]["secrets"], json!([]));
    }

    #[test]
    fn unset_secret_lets_env_take_over_a_name() {
        let edits = Edits {
            env: vec![kv("app:DB=plain")],
            unset_secrets: vec![k("app:DB")],
            ..Edits::default()
        };
        let (td, problems) = apply(&edits);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(td["containerDefinitions"][0]["secrets"], json!([]));
    }

    #[test]
    fn task_level_edits_are_strings() {
        let edits = Edits {
            family: Some("web-2".into()),
            cpu: Some("1 vCPU".into()),
            memory: Some("2048".into()),
            task_role_arn: Some("arn:task".into()),
            execution_role_arn: Some("arn:exec".into()),
            ..Edits::default()
        };
        let (td, problems) = apply(&edits);
        assert!(problems.is_empty());
        assert_eq!(td["family"], "web-2");
        assert_eq!(td["cpu"], "1 vCPU");
        assert_eq!(td["memory"], "2048");
        assert_eq!(td["taskRoleArn"], "arn:task");
        assert_eq!(td["executionRoleArn"], "arn:exec");
    }

    #[test]
    fn duplicate_container_names_are_reported() {
        let mut td = json!({"containerDefinitions": [{"name": "a"}, {"name": "a"}]})
            .as_object()
            .unwrap()
            .clone();
        let mut problems = Vec::new();
        Edits {
            images: vec!["a=x".parse().unwrap()],
            ..Edits::default()
        }
        .apply(&mut td, &mut Origin::BARE.clone(), &mut problems);
        assert_eq!(
            problems[0].to_string(),
            "--image a=x: 2 containers are named \"a\"; names must be unique"
        );
    }
}
