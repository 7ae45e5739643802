//! ECS names and ARNs given on the command line: what `--cluster`, `--service`,
//! `--task-definition` and `--to` accept, and the region an ARN names, which must be the
//! region the tool calls (a request made in one region for another region's resource fails
//! late, or finds something else of the same name).

use cli_support::usage;

/// The parts of an ECS ARN, `arn:PARTITION:ecs:REGION:ACCOUNT:RESOURCE`.
#[derive(Debug, PartialEq, Eq)]
pub struct Arn<'a> {
    pub region: &'a str,
    /// `service/CLUSTER/NAME`, `cluster/NAME`, `task-definition/FAMILY:REVISION`...
    pub resource: &'a str,
}

/// An ECS ARN, or `None` for anything else (a name).
pub fn parse(text: &str) -> Option<Arn<'_>> {
    let mut parts = text.splitn(6, ':');
    let (Some("arn"), Some(partition), Some("ecs"), Some(region), Some(account), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return None;
    };
    let word = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    };
    let account_ok = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
    (word(partition) && word(region) && account_ok && !resource.is_empty())
        .then_some(Arn { region, resource })
}

/// A cluster, service or task definition family name: 1 to 255 letters, digits, hyphens and
/// underscores (ECS's rule).
pub fn is_name(text: &str) -> bool {
    (1..=255).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// What a `--cluster` or `--service` value names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Cluster,
    Service,
}

/// Check a `--cluster`/`--service` value: a name, or an ECS ARN of that kind
/// (`cluster/NAME`; `service/NAME` or `service/CLUSTER/NAME`). Returns the ARN's region, if
/// it is an ARN. The value is shown escaped in the error (`"we\u{1b}[31mb"`), never with its
/// control characters raw.
pub fn check_name(flag: &str, kind: Kind, value: &str) -> anyhow::Result<Option<String>> {
    if is_name(value) {
        return Ok(None);
    }
    let (what, prefix, max_parts, form) = match kind {
        Kind::Cluster => ("cluster", "cluster/", 1, "cluster/NAME"),
        Kind::Service => ("service", "service/", 2, "service/CLUSTER/NAME"),
    };
    if let Some(arn) = parse(value)
        && let Some(rest) = arn.resource.strip_prefix(prefix)
    {
        let parts: Vec<&str> = rest.split('/').collect();
        if parts.len() <= max_parts && parts.iter().all(|p| is_name(p)) {
            return Ok(Some(arn.region.to_owned()));
        }
    }
    Err(usage(format!(
        "{flag} {value:?}: not a {what} name (1 to 255 letters, digits, hyphens and \
         underscores) nor a {what} ARN (arn:aws:ecs:REGION:ACCOUNT:{form})"
    )))
}

/// The region of a task definition ARN (`--task-definition`, `--to`); `None` for
/// `FAMILY:REVISION`, which is looked up in the region the tool calls.
pub fn task_definition_region(value: &str) -> Option<String> {
    parse(value)
        .filter(|arn| arn.resource.starts_with("task-definition/"))
        .map(|arn| arn.region.to_owned())
}

/// Every ARN given on the command line (`settings_regions`: flag and the ARN's region, as
/// `Settings::arn_regions` records them) names the region the tool calls (`configured`, from
/// `--region`, the profile or the environment): else a usage error, before any call.
// Called by run.rs once the AWS configuration is loaded.
pub fn check_regions(
    settings_regions: &[(String, String)],
    configured: &str,
) -> anyhow::Result<()> {
    match settings_regions
        .iter()
        .find(|(_, region)| region != configured)
    {
        None => Ok(()),
        Some((flag, region)) => Err(usage(format!(
            "{flag}: the ARN is in region {region}, but the configured region is {configured}: \
             pass --region {region}, or give {flag} a name or an ARN of region {configured}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(err: &anyhow::Error) -> u8 {
        cli_support::report::code_for(err, 1)
    }

    #[test]
    fn arns_are_parsed() {
        assert_eq!(
            parse("arn:aws:ecs:eu-west-1:999999999999:task-definition/web:1"),
            Some(Arn {
                region: "eu-west-1",
                resource: "task-definition/web:1"
            })
        );
        assert_eq!(
            parse("arn:aws-cn:ecs:cn-north-1:123456789012:cluster/c").map(|a| a.region),
            Some("cn-north-1")
        );
        for not in [
            "web",
            "web:1",
            "arn:aws:ec2:us-east-1:123456789012:instance/i",
            "arn:aws:ecs:us-east-1:1234:cluster/c",
            "arn:aws:ecs::123456789012:cluster/c",
            "arn:aws:ecs:US-EAST-1:123456789012:cluster/c",
            "arn:aws:ecs:us-east-1:123456789012:",
        ] {
            assert_eq!(parse(not), None, "{not}");
        }
    }

    #[test]
    fn names_and_arns_of_their_kind_pass() {
        assert_eq!(
            check_name("--service", Kind::Service, "web_1-a").unwrap(),
            None
        );
        assert_eq!(
            check_name("--service", Kind::Service, &"s".repeat(255)).unwrap(),
            None
        );
        for arn in [
            "arn:aws:ecs:eu-west-1:123456789012:service/web",
            "arn:aws:ecs:eu-west-1:123456789012:service/ci/web",
        ] {
            assert_eq!(
                check_name("--service", Kind::Service, arn)
                    .unwrap()
                    .as_deref(),
                Some("eu-west-1")
            );
        }
        assert_eq!(
            check_name(
                "--cluster",
                Kind::Cluster,
                "arn:aws:ecs:us-east-1:123456789012:cluster/ci"
            )
            .unwrap()
            .as_deref(),
            Some("us-east-1")
        );
    }

    #[test]
    fn anything_else_is_a_usage_error_shown_escaped() {
        let err = check_name("--service", Kind::Service, "we\x1b[31mb").unwrap_err();
        let msg = format!("{err:#}");
        assert_eq!(code(&err), 2);
        assert!(!msg.contains('\x1b'), "{msg}");
        assert!(
            msg.starts_with(r#"--service "we\u{1b}[31mb": not a service name"#),
            "{msg}"
        );
        for bad in [
            "",
            "a b",
            "web.1",
            "web\n",
            &"s".repeat(256),
            "arn:aws:ecs:us-east-1:123456789012:cluster/ci",
            "arn:aws:ecs:us-east-1:123456789012:service/a/b/c",
            "arn:aws:ecs:us-east-1:123456789012:service/ci/we\x07b",
        ] {
            assert!(
                check_name("--service", Kind::Service, bad).is_err(),
                "{bad:?}"
            );
        }
        let err = check_name(
            "--cluster",
            Kind::Cluster,
            "arn:aws:ecs:us-east-1:123456789012:service/ci/web",
        )
        .unwrap_err();
        assert!(
            format!("{err:#}")
                .contains("nor a cluster ARN (arn:aws:ecs:REGION:ACCOUNT:cluster/NAME)")
        );
    }

    #[test]
    fn task_definition_arns_name_their_region() {
        assert_eq!(
            task_definition_region("arn:aws:ecs:eu-west-1:999999999999:task-definition/web:1")
                .as_deref(),
            Some("eu-west-1")
        );
        assert_eq!(task_definition_region("web:1"), None);
        assert_eq!(task_definition_region("web"), None);
    }

    #[test]
    fn regions_must_match_the_configured_one() {
        let given = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(f, r)| ((*f).to_owned(), (*r).to_owned()))
                .collect()
        };
        check_regions(&[], "us-east-1").unwrap();
        check_regions(
            &given(&[("--cluster", "us-east-1"), ("--service", "us-east-1")]),
            "us-east-1",
        )
        .unwrap();
        let err = check_regions(
            &given(&[
                ("--cluster", "us-east-1"),
                ("--task-definition", "eu-west-1"),
            ]),
            "us-east-1",
        )
        .unwrap_err();
        assert_eq!(code(&err), 2);
        assert_eq!(
            format!("{err:#}"),
            "--task-definition: the ARN is in region eu-west-1, but the configured region is \
             us-east-1: pass --region eu-west-1, or give --task-definition a name or an ARN of \
             region us-east-1"
        );
    }
}
