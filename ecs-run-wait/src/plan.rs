//! The RunTask request, from plain values: flag parsers, the launch settings merged with what a
//! service gives, and the SDK input built from them.

use aws_sdk_ecs::operation::run_task::builders::RunTaskInputBuilder;
use aws_sdk_ecs::types::{
    AssignPublicIp, AwsVpcConfiguration, CapacityProviderStrategyItem, LaunchType,
    NetworkConfiguration, PropagateTags, TaskOverride,
};

/// `--capacity-provider NAME[:WEIGHT[:BASE]]`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapacityProvider {
    pub name: String,
    pub weight: Option<i32>,
    pub base: Option<i32>,
}

pub fn parse_capacity_provider(s: &str) -> Result<CapacityProvider, String> {
    let mut parts = s.split(':');
    let name = parts.next().unwrap_or_default();
    if name.is_empty() {
        return Err("expected NAME[:WEIGHT[:BASE]], e.g. FARGATE_SPOT:3:1".to_owned());
    }
    let number = |what: &str, max: i32, part: Option<&str>| -> Result<Option<i32>, String> {
        part.map(|p| {
            p.parse::<i32>()
                .ok()
                .filter(|n| (0..=max).contains(n))
                .ok_or_else(|| format!("{what} must be a number from 0 to {max}, got {p:?}"))
        })
        .transpose()
    };
    let weight = number("WEIGHT", 1000, parts.next())?;
    let base = number("BASE", 100_000, parts.next())?;
    if parts.next().is_some() {
        return Err("expected NAME[:WEIGHT[:BASE]], e.g. FARGATE_SPOT:3:1".to_owned());
    }
    Ok(CapacityProvider {
        name: name.to_owned(),
        weight,
        base,
    })
}

/// `--tag KEY=VALUE`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

pub fn parse_tag(s: &str) -> Result<Tag, String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok(Tag {
            key: k.to_owned(),
            value: v.to_owned(),
        }),
        _ => Err("expected KEY=VALUE with a non-empty KEY".to_owned()),
    }
}

/// `--env [CONTAINER:]NAME=VALUE`, or `--env [CONTAINER:]NAME` for the value of ecs-run-wait's
/// own variable NAME. A `:` before the first `=` separates the container (variable names
/// cannot hold one in ECS practice), so `app:LOG_LEVEL=x` is never a variable named
/// `app:LOG_LEVEL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvArg {
    /// `None`: the bare form (`--container`, else the only container).
    pub container: Option<String>,
    pub name: String,
    /// `None`: from ecs-run-wait's own environment.
    pub value: Option<String>,
}

const ENV_FORMS: &str = "expected CONTAINER:NAME=VALUE, CONTAINER:NAME, NAME=VALUE or NAME";

/// Parse one `--env`. An error names the flag and the part before `=` (the value, which may
/// be a secret, shows as `…`) and what is wrong, e.g. `--env app:=…: the variable name is
/// empty (expected ...)`; it is checked in `Settings::from_cli`, not by clap, whose message
/// would quote the whole argument.
pub fn parse_env(s: &str) -> Result<EnvArg, String> {
    let (key, value) = match s.split_once('=') {
        Some((k, v)) => (k, Some(v)),
        None => (s, None),
    };
    let (container, name) = match key.split_once(':') {
        Some((c, n)) => (Some(c), n),
        None => (None, key),
    };
    let shown = if value.is_some() {
        format!("{key}=…")
    } else {
        key.to_owned()
    };
    let problem = if container.is_some_and(str::is_empty) {
        "the container name before ':' is empty".to_owned()
    } else if name.is_empty() {
        "the variable name is empty".to_owned()
    } else if let (Some(c), true) = (container, name.contains(':')) {
        // Only the container is shown: what follows may be a value typed after a ':'.
        return Err(format!(
            "--env {c}:…: the variable name after '{c}:' holds a ':': one ':' separates the \
             container, and ECS variable names have none ({ENV_FORMS})"
        ));
    } else {
        return Ok(EnvArg {
            container: container.map(str::to_owned),
            name: name.to_owned(),
            value: value.map(str::to_owned),
        });
    };
    Err(format!("--env {shown}: {problem} ({ENV_FORMS})"))
}

/// One `--env` with its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvValue {
    pub container: Option<String>,
    pub name: String,
    pub value: String,
}

/// Resolve `--env` values; `lookup` reads a variable of ecs-run-wait's own environment.
pub fn resolve_env(
    args: &[EnvArg],
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<Vec<EnvValue>, String> {
    args.iter()
        .map(|a| {
            let value = match &a.value {
                Some(v) => v.clone(),
                None => lookup(&a.name).ok_or_else(|| {
                    let k = &a.name;
                    let given = match &a.container {
                        Some(c) => format!("{c}:{k}"),
                        None => k.clone(),
                    };
                    format!(
                        "--env {given}: {k} is not set in ecs-run-wait's environment (give \
                         --env {given}=VALUE, or export {k})"
                    )
                })?,
            };
            Ok(EnvValue {
                container: a.container.clone(),
                name: a.name.clone(),
                value,
            })
        })
        .collect()
}

/// `--command`: a JSON array of strings, or shell words (quotes and escapes as in sh, never a
/// split on spaces).
pub fn parse_command(s: &str) -> Result<Vec<String>, String> {
    let words = if s.trim_start().starts_with('[') {
        serde_json::from_str::<Vec<String>>(s).map_err(|e| {
            format!(
                "--command: not a JSON array of strings: {e} (or give shell words without a leading '[')"
            )
        })?
    } else {
        shell_words::split(s).map_err(|e| format!("--command: {e}"))?
    };
    if words.is_empty() {
        return Err("--command: the command is empty".to_owned());
    }
    Ok(words)
}

/// Where the task runs: network and launch settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Placement {
    pub subnets: Vec<String>,
    pub security_groups: Vec<String>,
    /// `ENABLED` or `DISABLED`
    pub assign_public_ip: Option<String>,
    pub launch_type: Option<String>,
    pub capacity_providers: Vec<CapacityProvider>,
    pub platform_version: Option<String>,
}

impl Placement {
    /// The flags win over what the service gives, field by field; a launch type or capacity
    /// provider given as a flag replaces both of the service's (they exclude each other).
    pub fn merged_over(self, service: Placement) -> Placement {
        let own_capacity = self.launch_type.is_some() || !self.capacity_providers.is_empty();
        Placement {
            subnets: if self.subnets.is_empty() {
                service.subnets
            } else {
                self.subnets
            },
            security_groups: if self.security_groups.is_empty() {
                service.security_groups
            } else {
                self.security_groups
            },
            assign_public_ip: self.assign_public_ip.or(service.assign_public_ip),
            launch_type: if own_capacity {
                self.launch_type
            } else {
                service.launch_type
            },
            capacity_providers: if own_capacity {
                self.capacity_providers
            } else {
                service.capacity_providers
            },
            platform_version: self.platform_version.or(service.platform_version),
        }
    }

    /// What a service (DescribeServices) runs with.
    pub fn from_service(service: &aws_sdk_ecs::types::Service) -> Placement {
        let vpc = service
            .network_configuration()
            .and_then(NetworkConfiguration::awsvpc_configuration);
        Placement {
            subnets: vpc.map(|v| v.subnets().to_vec()).unwrap_or_default(),
            security_groups: vpc
                .map(|v| v.security_groups().to_vec())
                .unwrap_or_default(),
            assign_public_ip: vpc
                .and_then(AwsVpcConfiguration::assign_public_ip)
                .map(|a| a.as_str().to_owned()),
            launch_type: service.launch_type().map(|l| l.as_str().to_owned()),
            capacity_providers: service
                .capacity_provider_strategy()
                .iter()
                .map(|c| CapacityProvider {
                    name: c.capacity_provider().to_owned(),
                    weight: Some(c.weight()),
                    base: Some(c.base()),
                })
                .collect(),
            platform_version: service.platform_version().map(str::to_owned),
        }
    }

    fn network(&self) -> Result<Option<NetworkConfiguration>, String> {
        if self.subnets.is_empty() {
            if !self.security_groups.is_empty() || self.assign_public_ip.is_some() {
                return Err(
                    "--security-groups and --assign-public-ip need --subnets (or --network-from-service)"
                        .to_owned(),
                );
            }
            return Ok(None);
        }
        let mut vpc = AwsVpcConfiguration::builder().set_subnets(Some(self.subnets.clone()));
        if !self.security_groups.is_empty() {
            vpc = vpc.set_security_groups(Some(self.security_groups.clone()));
        }
        if let Some(ip) = &self.assign_public_ip {
            vpc = vpc.assign_public_ip(AssignPublicIp::from(ip.as_str()));
        }
        let vpc = vpc.build().map_err(|e| e.to_string())?;
        Ok(Some(
            NetworkConfiguration::builder()
                .awsvpc_configuration(vpc)
                .build(),
        ))
    }
}

/// Everything RunTask needs, resolved.
#[derive(Debug, Clone)]
pub struct RunRequest {
    pub cluster: String,
    /// The task definition's ARN (resolved, so that the revision run is the one whose log
    /// configuration was read).
    pub task_definition: String,
    pub placement: Placement,
    pub started_by: String,
    pub tags: Vec<Tag>,
    pub propagate_tags: bool,
    pub enable_execute_command: bool,
    pub overrides: Option<TaskOverride>,
}

impl RunRequest {
    /// The RunTask input, without its client token.
    pub fn input(&self) -> Result<RunTaskInputBuilder, String> {
        let mut input = RunTaskInputBuilder::default()
            .cluster(&self.cluster)
            .task_definition(&self.task_definition)
            .count(1)
            .started_by(&self.started_by)
            .set_network_configuration(self.placement.network()?)
            .set_launch_type(self.placement.launch_type.as_deref().map(LaunchType::from))
            .set_platform_version(self.placement.platform_version.clone())
            .set_overrides(self.overrides.clone());
        for cp in &self.placement.capacity_providers {
            let item = CapacityProviderStrategyItem::builder()
                .capacity_provider(&cp.name)
                .set_weight(cp.weight)
                .set_base(cp.base)
                .build()
                .map_err(|e| e.to_string())?;
            input = input.capacity_provider_strategy(item);
        }
        for tag in &self.tags {
            input = input.tags(
                aws_sdk_ecs::types::Tag::builder()
                    .key(&tag.key)
                    .value(&tag.value)
                    .build(),
            );
        }
        if self.propagate_tags {
            input = input.propagate_tags(PropagateTags::TaskDefinition);
        }
        if self.enable_execute_command {
            input = input.enable_execute_command(true);
        }
        Ok(input)
    }
}

/// The token of start attempt `attempt` (1-based): a caller's token is kept for the first
/// attempt and suffixed for retries after a capacity failure, so a re-run replays the same
/// sequence; without one, every attempt gets a fresh random token.
pub fn attempt_token(base: Option<&str>, attempt: u32) -> String {
    match base {
        Some(t) if attempt <= 1 => t.to_owned(),
        Some(t) => {
            let suffix = format!("-{attempt}");
            let keep = t
                .char_indices()
                .map(|(i, c)| i + c.len_utf8())
                .take_while(|&end| end + suffix.len() <= 64)
                .last()
                .unwrap_or(0);
            format!("{}{suffix}", &t[..keep])
        }
        None => cli_support::gha::random_token("ecs-run-wait-"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacity_providers() {
        assert_eq!(
            parse_capacity_provider("FARGATE_SPOT:3:1"),
            Ok(CapacityProvider {
                name: "FARGATE_SPOT".into(),
                weight: Some(3),
                base: Some(1)
            })
        );
        assert_eq!(
            parse_capacity_provider("FARGATE").unwrap(),
            CapacityProvider {
                name: "FARGATE".into(),
                weight: None,
                base: None
            }
        );
        assert!(
            parse_capacity_provider("x:heavy")
                .unwrap_err()
                .contains("WEIGHT")
        );
        assert!(parse_capacity_provider("x:1:2:3").is_err());
        assert!(parse_capacity_provider(":1").is_err());
        assert!(parse_capacity_provider("x:1001").is_err());
    }

    #[test]
    fn tags_and_env() {
        assert_eq!(
            parse_tag("team=db=ops").unwrap(),
            Tag {
                key: "team".into(),
                value: "db=ops".into()
            }
        );
        assert!(parse_tag("=x").is_err());
        assert!(parse_tag("novalue").is_err());
        let bare = |name: &str, value: Option<&str>| EnvArg {
            container: None,
            name: name.into(),
            value: value.map(Into::into),
        };
        assert_eq!(parse_env("A=").unwrap(), bare("A", Some("")));
        assert_eq!(parse_env("TOKEN").unwrap(), bare("TOKEN", None));
        assert_eq!(parse_env("A=b:c=d").unwrap(), bare("A", Some("b:c=d")));
        assert_eq!(
            parse_env("app:LOG_LEVEL=x").unwrap(),
            EnvArg {
                container: Some("app".into()),
                name: "LOG_LEVEL".into(),
                value: Some("x".into())
            }
        );
        assert_eq!(
            parse_env("app:TOKEN").unwrap(),
            EnvArg {
                container: Some("app".into()),
                name: "TOKEN".into(),
                value: None
            }
        );
        for (bad, expected) in [
            ("=S3cretV", "--env =…: the variable name is empty"),
            (
                ":A=S3cretV",
                "--env :A=…: the container name before ':' is empty",
            ),
            ("app:=S3cretV", "--env app:=…: the variable name is empty"),
            ("app:", "--env app:: the variable name is empty"),
            (
                "a:b:c=S3cretV",
                "--env a:…: the variable name after 'a:' holds a ':'",
            ),
            (
                "app:TOKEN:S3cretV",
                "--env app:…: the variable name after 'app:' holds",
            ),
        ] {
            let err = parse_env(bad).unwrap_err();
            assert!(err.starts_with(expected), "{bad}: {err}");
            assert!(err.ends_with(&format!("({ENV_FORMS})")), "{bad}: {err}");
            assert!(!err.contains("S3cretV"), "{bad}: {err}");
        }
        let env = resolve_env(&[bare("A", Some("1")), parse_env("app:S").unwrap()], |k| {
            (k == "S").then(|| "secret".to_owned())
        })
        .unwrap();
        assert_eq!(
            env,
            [
                EnvValue {
                    container: None,
                    name: "A".into(),
                    value: "1".into()
                },
                EnvValue {
                    container: Some("app".into()),
                    name: "S".into(),
                    value: "secret".into()
                }
            ]
        );
        let err = resolve_env(&[parse_env("app:NOPE").unwrap()], |_| None).unwrap_err();
        assert!(err.contains("--env app:NOPE: NOPE is not set"), "{err}");
    }

    #[test]
    fn commands() {
        assert_eq!(
            parse_command(r#"["sh", "-c", "echo 'a b'"]"#).unwrap(),
            ["sh", "-c", "echo 'a b'"]
        );
        assert_eq!(
            parse_command(r#"./migrate up --name "add users" it\'s"#).unwrap(),
            ["./migrate", "up", "--name", "add users", "it's"]
        );
        assert!(
            parse_command(r#"["sh", 1]"#)
                .unwrap_err()
                .contains("JSON array")
        );
        assert!(parse_command("echo 'unterminated").is_err());
        assert!(parse_command("  ").unwrap_err().contains("empty"));
    }

    #[test]
    fn flags_override_the_service() {
        let service = Placement {
            subnets: vec!["s-svc".into()],
            security_groups: vec!["sg-svc".into()],
            assign_public_ip: Some("DISABLED".into()),
            launch_type: None,
            capacity_providers: vec![CapacityProvider {
                name: "FARGATE_SPOT".into(),
                weight: Some(1),
                base: Some(0),
            }],
            platform_version: Some("1.4.0".into()),
        };
        let merged = Placement {
            security_groups: vec!["sg-own".into()],
            launch_type: Some("FARGATE".into()),
            ..Placement::default()
        }
        .merged_over(service.clone());
        assert_eq!(merged.subnets, ["s-svc"]);
        assert_eq!(merged.security_groups, ["sg-own"]);
        assert_eq!(merged.assign_public_ip.as_deref(), Some("DISABLED"));
        assert_eq!(merged.launch_type.as_deref(), Some("FARGATE"));
        assert!(merged.capacity_providers.is_empty());
        assert_eq!(merged.platform_version.as_deref(), Some("1.4.0"));
        // nothing given: the service's settings as they are
        assert_eq!(Placement::default().merged_over(service.clone()), service);
    }

    #[test]
    fn run_task_input() {
        let req = RunRequest {
            cluster: "c".into(),
            task_definition: "arn:td".into(),
            placement: Placement {
                subnets: vec!["s1".into(), "s2".into()],
                security_groups: vec![],
                assign_public_ip: Some("ENABLED".into()),
                launch_type: None,
                capacity_providers: vec![CapacityProvider {
                    name: "FARGATE".into(),
                    weight: Some(2),
                    base: None,
                }],
                platform_version: None,
            },
            started_by: "ci".into(),
            tags: vec![Tag {
                key: "k".into(),
                value: "v".into(),
            }],
            propagate_tags: true,
            enable_execute_command: false,
            overrides: None,
        };
        let input = req.input().unwrap().build().unwrap();
        let vpc = input
            .network_configuration()
            .and_then(|n| n.awsvpc_configuration())
            .unwrap();
        assert_eq!(vpc.subnets(), ["s1", "s2"]);
        assert!(
            vpc.security_groups.is_none(),
            "no security groups: the VPC's default"
        );
        assert_eq!(vpc.assign_public_ip(), Some(&AssignPublicIp::Enabled));
        assert_eq!(input.capacity_provider_strategy()[0].weight(), 2);
        assert_eq!(input.propagate_tags(), Some(&PropagateTags::TaskDefinition));
        assert_eq!(input.count(), Some(1));
        assert_eq!(input.tags()[0].key(), Some("k"));
        assert!(input.launch_type().is_none());

        let mut bad = req.clone();
        bad.placement.subnets.clear();
        assert!(bad.input().unwrap_err().contains("need --subnets"));
    }

    #[test]
    fn tokens() {
        assert_eq!(attempt_token(Some("run-42"), 1), "run-42");
        assert_eq!(attempt_token(Some("run-42"), 2), "run-42-2");
        let long = "x".repeat(64);
        let t = attempt_token(Some(&long), 3);
        assert_eq!(t.len(), 64);
        assert!(t.ends_with("x-3"));
        let (a, b) = (attempt_token(None, 1), attempt_token(None, 1));
        assert_ne!(a, b);
        assert!(a.len() <= 64);
    }
}
