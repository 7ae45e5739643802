//! Edits: per container by name (image, environment, secrets) and task-level members.

use std::fmt;
use std::str::FromStr;

use cli_support::json_path::JsonPath;
use serde_json::{Map, Value, json};

use crate::problem::{Origin, Problem, did_you_mean};

/// `--image [NAME=]URI`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageEdit {
    pub container: Option<String>,
    pub uri: String,
}

impl FromStr for ImageEdit {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (container, uri) = match s.split_once('=') {
            Some((name, uri)) => {
                if name.is_empty() {
                    return Err("expected NAME=URI or URI; the container NAME is empty".into());
                }
                (Some(name.to_owned()), uri)
            }
            None => (None, s),
        };
        if uri.trim().is_empty() {
            return Err(
                "expected NAME=URI or URI; the image URI is empty: did a variable expand to \
                 nothing?"
                    .into(),
            );
        }
        if let Err(e) = crate::image_ref::parse(uri) {
            return Err(format!("{uri:?} is not an image reference: {e}"));
        }
        Ok(ImageEdit {
            container,
            uri: uri.to_owned(),
        })
    }
}

/// `NAME:KEY=VALUE` (`--env`, `--secret`): split on the first ':' and then the first '='.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerKeyValue {
    pub container: String,
    pub key: String,
    pub value: String,
}

impl FromStr for ContainerKeyValue {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        const USE: &str = "expected NAME:KEY=VALUE (container name, variable name, value), \
                           e.g. app:LOG_LEVEL=debug";
        let (container, rest) = s.split_once(':').ok_or(USE)?;
        let (key, value) = rest.split_once('=').ok_or(USE)?;
        if container.is_empty() {
            return Err(format!("{USE}; the container NAME is empty"));
        }
        if key.is_empty() {
            return Err(format!("{USE}; the KEY is empty"));
        }
        Ok(ContainerKeyValue {
            container: container.to_owned(),
            key: key.to_owned(),
            value: value.to_owned(),
        })
    }
}

/// `NAME:KEY` (`--unset-env`, `--unset-secret`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerKey {
    pub container: String,
    pub key: String,
}

impl FromStr for ContainerKey {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        const USE: &str = "expected NAME:KEY (container name, variable name), e.g. app:DEBUG";
        match s.split_once(':') {
            Some((container, key)) if !container.is_empty() && !key.is_empty() => {
                Ok(ContainerKey {
                    container: container.to_owned(),
                    key: key.to_owned(),
                })
            }
            _ => Err(USE.to_owned()),
        }
    }
}

/// The same container twice in `--image` (or twice no container name): which one was meant
/// cannot be told, so it is a usage error rather than "the last one wins".
pub fn repeated_image(images: &[ImageEdit]) -> Result<(), String> {
    for (i, later) in images.iter().enumerate() {
        if let Some(earlier) = images[..i].iter().find(|e| e.container == later.container) {
            return Err(match &later.container {
                Some(name) => format!(
                    "--image {name}={} and --image {name}={}: container {name:?} is given two \
                     images; give it one",
                    earlier.uri, later.uri
                ),
                None => format!(
                    "--image {} and --image {}: two images without a container name; give one, \
                     or name the containers (--image NAME=URI)",
                    earlier.uri, later.uri
                ),
            });
        }
    }
    Ok(())
}

/// `--family`: what ECS accepts (up to 255 letters, digits, hyphens and underscores).
pub fn parse_family(s: &str) -> Result<String, String> {
    let valid = !s.is_empty()
        && s.len() <= 255
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if valid {
        Ok(s.to_owned())
    } else {
        Err("a family is 1 to 255 letters, digits, hyphens (-) and underscores (_)".to_owned())
    }
}

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

/// Which list of a container an edit changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum List {
    Environment,
    Secrets,
}

impl List {
    fn member(self) -> &'static str {
        match self {
            List::Environment => "environment",
            List::Secrets => "secrets",
        }
    }

    fn value_member(self) -> &'static str {
        match self {
            List::Environment => "value",
            List::Secrets => "valueFrom",
        }
    }

    fn flag(self) -> &'static str {
        match self {
            List::Environment => "--env",
            List::Secrets => "--secret",
        }
    }

    fn other(self) -> List {
        match self {
            List::Environment => List::Secrets,
            List::Secrets => List::Environment,
        }
    }

    fn unset_flag(self) -> &'static str {
        match self {
            List::Environment => "--unset-env",
            List::Secrets => "--unset-secret",
        }
    }
}

impl fmt::Display for ContainerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.container, self.key)
    }
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
        // ECS rejects a name that is both an environment variable and a secret: say so for
        // the names set here (an input that already has both is left to the API).
        for (edits, list) in [
            (&self.env, List::Environment),
            (&self.secrets, List::Secrets),
        ] {
            for edit in edits {
                let Ok(c) = containers.find(&edit.container, "") else {
                    continue;
                };
                if entry_index(c, list.other().member(), &edit.key).is_some() {
                    problems.push(Problem::error(
                        None,
                        format!(
                            "{} {}:{}: container {:?} also has {} {:?} in {}, and ECS rejects a \
                             name in both; add {} {}:{}",
                            list.flag(),
                            edit.container,
                            edit.key,
                            edit.container,
                            if list == List::Environment {
                                "a secret"
                            } else {
                                "an environment variable"
                            },
                            edit.key,
                            list.other().member(),
                            list.other().unset_flag(),
                            edit.container,
                            edit.key,
                        ),
                    ));
                }
            }
        }
    }
}

/// The container definitions, looked up by name.
struct Containers<'a> {
    containers: &'a mut Vec<Value>,
    origin: &'a mut Origin,
}

impl Containers<'_> {
    fn names(&self) -> Vec<&str> {
        self.containers
            .iter()
            .filter_map(|c| c.get("name").and_then(Value::as_str))
            .collect()
    }

    fn find(&mut self, name: &str, flag: &str) -> Result<&mut Map<String, Value>, Problem> {
        self.find_indexed(name, flag).map(|(_, c)| c)
    }

    /// The one container named `name`, with its index.
    fn find_indexed(
        &mut self,
        name: &str,
        flag: &str,
    ) -> Result<(usize, &mut Map<String, Value>), Problem> {
        let i = self.index(name, flag)?;
        match self.containers[i].as_object_mut() {
            Some(c) => Ok((i, c)),
            None => Err(Problem::error(
                None,
                format!("{flag}: container {name:?} is not an object"),
            )),
        }
    }

    /// The index of the one container named `name`.
    fn index(&self, name: &str, flag: &str) -> Result<usize, Problem> {
        let matching: Vec<usize> = self
            .containers
            .iter()
            .enumerate()
            .filter(|(_, c)| c.get("name").and_then(Value::as_str) == Some(name))
            .map(|(i, _)| i)
            .collect();
        match matching[..] {
            [i] => Ok(i),
            [] => {
                let names = self.names();
                let hint = did_you_mean(name, names.iter().copied())
                    .map(|n| format!("; did you mean {n:?}?"))
                    .unwrap_or_default();
                Err(Problem::error(
                    None,
                    format!(
                        "{flag}: no container named {name:?} (the task definition has: {}){hint}",
                        list_names(&names)
                    ),
                ))
            }
            _ => Err(Problem::error(
                None,
                format!(
                    "{flag}: {} containers are named {name:?}; names must be unique",
                    matching.len()
                ),
            )),
        }
    }

    fn only(&mut self, flag: &str) -> Result<&mut Map<String, Value>, Problem> {
        if self.containers.len() != 1 {
            let names = self.names();
            return Err(Problem::error(
                None,
                format!(
                    "{flag}: an image without a container name needs exactly one container, \
                     and the task definition has {} ({}); use --image NAME=URI",
                    self.containers.len(),
                    list_names(&names)
                ),
            ));
        }
        self.containers[0]
            .as_object_mut()
            .ok_or_else(|| Problem::error(None, format!("{flag}: the container is not an object")))
    }

    fn set(&mut self, edit: &ContainerKeyValue, list: List, problems: &mut Vec<Problem>) {
        // The value may be sensitive: messages show NAME:KEY only.
        let flag = format!("{} {}:{}", list.flag(), edit.container, edit.key);
        let (index, container) = match self.find_indexed(&edit.container, &flag) {
            Ok(found) => found,
            Err(p) => return problems.push(p),
        };
        let entries = container
            .entry(list.member())
            .or_insert_with(|| Value::Array(Vec::new()));
        let Value::Array(entries) = entries else {
            return problems.push(Problem::error(
                None,
                format!("{flag}: the container's {} is not an array", list.member()),
            ));
        };
        let entry = json!({"name": edit.key, list.value_member(): edit.value});
        let mut first = None;
        let removed = retain_noting(entries, |i, e| {
            let same = e.get("name").and_then(Value::as_str) == Some(edit.key.as_str());
            let keep = !same || first.is_none();
            if same && first.is_none() {
                first = Some(i);
            }
            keep
        });
        // Only entries after the first of that name went: its index is unchanged.
        match first {
            Some(i) => entries[i] = entry,
            None => entries.push(entry),
        }
        if let Some((kept, len_before)) = removed {
            self.note_removed(index, list, &kept, len_before);
        }
    }

    /// Note in the origin that the list of container `index` lost entries.
    fn note_removed(&mut self, index: usize, list: List, kept: &[usize], len_before: usize) {
        let steps = JsonPath::root()
            .key("containerDefinitions")
            .index(index)
            .key(list.member());
        self.origin.removed(&steps, kept, len_before);
    }

    fn unset(&mut self, edit: &ContainerKey, list: List, problems: &mut Vec<Problem>) {
        let flag = format!("{} {edit}", list.unset_flag());
        let (index, container) = match self.find_indexed(&edit.container, &flag) {
            Ok(found) => found,
            Err(p) => return problems.push(p),
        };
        match container.get_mut(list.member()) {
            None => {}
            Some(Value::Array(entries)) => {
                let removed = retain_noting(entries, |_, e| {
                    e.get("name").and_then(Value::as_str) != Some(edit.key.as_str())
                });
                if let Some((kept, len_before)) = removed {
                    self.note_removed(index, list, &kept, len_before);
                }
            }
            Some(_) => problems.push(Problem::error(
                None,
                format!("{flag}: the container's {} is not an array", list.member()),
            )),
        }
    }
}

/// `Vec::retain` with the item's index; when items went, the indexes (before) of those
/// kept and the length before.
fn retain_noting(
    entries: &mut Vec<Value>,
    mut keep: impl FnMut(usize, &Value) -> bool,
) -> Option<(Vec<usize>, usize)> {
    let len_before = entries.len();
    let kept: Vec<usize> = (0..len_before).filter(|&i| keep(i, &entries[i])).collect();
    if kept.len() == len_before {
        return None;
    }
    let mut i = 0;
    entries.retain(|_| {
        let k = kept.binary_search(&i).is_ok();
        i += 1;
        k
    });
    Some((kept, len_before))
}

fn entry_index(container: &Map<String, Value>, member: &str, key: &str) -> Option<usize> {
    container
        .get(member)?
        .as_array()?
        .iter()
        .position(|e| e.get("name").and_then(Value::as_str) == Some(key))
}

fn list_names(names: &[&str]) -> String {
    if names.is_empty() {
        "no named containers".to_owned()
    } else {
        names.join(", ")
    }
}

#[cfg(test)]
mod tests {
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
    fn parses_edits() {
        assert_eq!(
            "app:URL=https://x/?a=b"
                .parse::<ContainerKeyValue>()
                .unwrap(),
            ContainerKeyValue {
                container: "app".into(),
                key: "URL".into(),
                value: "https://x/?a=b".into()
            }
        );
        assert_eq!(kv("app:EMPTY=").value, "");
        assert!("app".parse::<ContainerKeyValue>().is_err());
        assert!("app:=v".parse::<ContainerKeyValue>().is_err());
        assert!(":K=v".parse::<ContainerKeyValue>().is_err());
        assert!("app:K".parse::<ContainerKeyValue>().is_err());
        assert_eq!(
            "reg.example:5000/app:1.2".parse::<ImageEdit>().unwrap(),
            ImageEdit {
                container: None,
                uri: "reg.example:5000/app:1.2".into()
            }
        );
        assert_eq!(
            format!("app=repo/app@sha256:{}", "ab".repeat(32))
                .parse::<ImageEdit>()
                .unwrap()
                .container
                .as_deref(),
            Some("app")
        );
        assert!("app=".parse::<ImageEdit>().is_err());
        assert!("=x".parse::<ImageEdit>().is_err());
        assert!("a b".parse::<ImageEdit>().is_err());
        assert!("app=repo/app@sha256:abc".parse::<ImageEdit>().is_err());
        assert!("app=:abc".parse::<ImageEdit>().is_err());
        assert!("app=/web:".parse::<ImageEdit>().is_err());
        assert_eq!(k("app:K").to_string(), "app:K");
        assert!("app:".parse::<ContainerKey>().is_err());
        assert!(parse_family("web-api_2").is_ok());
        assert!(parse_family("web api").is_err());
        assert!(parse_family(&"x".repeat(256)).is_err());
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
    fn a_name_in_env_and_secrets_is_an_error_unless_unset() {
        let edits = Edits {
            env: vec![kv("app:DB=plain")],
            ..Edits::default()
        };
        let (_, problems) = apply(&edits);
        assert_eq!(
            problems,
            [
                "--env app:DB: container \"app\" also has a secret \"DB\" in secrets, and ECS rejects \
              a name in both; add --unset-secret app:DB"
            ]
        );
        let edits = Edits {
            env: vec![kv("app:DB=plain")],
            unset_secrets: vec![k("app:DB")],
            ..Edits::default()
        };
        let (td, problems) = apply(&edits);
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(td["containerDefinitions"][0]["secrets"], json!([]));
        let edits = Edits {
            secrets: vec![kv("app:B=arn:b")],
            ..Edits::default()
        };
        let (_, problems) = apply(&edits);
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].ends_with("add --unset-env app:B"),
            "{problems:?}"
        );
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
