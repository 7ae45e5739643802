//! The command line turned into plain settings: the input read and parsed, the services
//! checked. The only module besides `main` that reads `cli.rs`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use cli_support::aws::AwsArgs;
use cli_support::usage;
use serde_json::Value;

use crate::arn::{self, Kind};
use crate::cli::{Cli, Command, Follow};

/// What to deploy.
pub enum Input {
    /// Register-ready JSON (what taskdef-clean prints): registered unless unchanged.
    Register { source: String, json: Value },
    /// `--task-definition`: a registered revision, FAMILY:REVISION or ARN.
    Existing(String),
    /// `--force-new-deployment` alone: what each service runs, redeployed.
    Current,
}

/// A deploy (the default command).
pub struct Deploy {
    pub input: Input,
    pub services: Vec<String>,
    pub force_new_deployment: bool,
    pub verify: bool,
    pub rollback_on_failure: bool,
    /// `--until STAGE`: a lifecycle stage name (until::ORDER).
    pub until: Option<String>,
}

/// `ecs-deploy rollback` (rollback_target.rs finds its target).
pub struct Rollback {
    pub service: String,
    /// `--to`: FAMILY:REVISION or ARN; without it, the last SUCCESSFUL deployment's.
    pub to: Option<String>,
}

pub enum Mode {
    Deploy(Deploy),
    Rollback(Rollback),
}

/// Everything the run needs, in plain values.
pub struct Settings {
    pub mode: Mode,
    pub cluster: String,
    pub timeout: Duration,
    pub poll: Duration,
    pub summary: Option<PathBuf>,
    pub quiet: bool,
    pub aws: AwsArgs,
    /// The regions named by ARNs on the command line: (flag, region), for
    /// `arn::check_regions` once the configured region is known.
    // Read by run.rs once the AWS configuration is loaded.
    pub arn_regions: Vec<(String, String)>,
}

const WHAT: &str = "register-ready task definition JSON";
const EXAMPLE: &str = "taskdef-clean ... | ecs-deploy --cluster C --service S";

impl Settings {
    pub fn from_cli(cli: Cli) -> anyhow::Result<Settings> {
        let mut regions = Vec::new();
        if let Some(Command::Rollback(r)) = cli.command {
            if let Some(path) = &r.follow.summary {
                check_summary_path(path)?;
            }
            check_cluster(&r.cluster, &mut regions)?;
            check_services(vec![r.service.clone()], &mut regions)?;
            if let Some(region) = r.to.as_deref().and_then(arn::task_definition_region) {
                regions.push(("--to".to_owned(), region));
            }
            return Ok(Settings::with(
                Mode::Rollback(Rollback {
                    service: r.service,
                    to: r.to,
                }),
                r.cluster,
                r.follow,
                regions,
            ));
        }
        if let Some(path) = &cli.follow.summary {
            check_summary_path(path)?;
        }
        let services = check_services(cli.target.service, &mut regions)?;
        let cluster = cli.target.cluster.unwrap_or_default();
        if !cluster.is_empty() {
            check_cluster(&cluster, &mut regions)?;
        }
        let input = match (&cli.task_definition, &cli.file) {
            (Some(td), _) => {
                if let Some(region) = arn::task_definition_region(td) {
                    regions.push(("--task-definition".to_owned(), region));
                }
                Input::Existing(td.clone())
            }
            (None, None) if cli.force_new_deployment => Input::Current,
            (None, file) => {
                let input = cli_support::input::read_input(file.as_deref(), WHAT, EXAMPLE)?;
                let json = input.json()?;
                if !json.is_object() {
                    anyhow::bail!(
                        "{}: expected a JSON object ({WHAT}), got {}",
                        input.source,
                        ecs_taskdef::describe_value(&json)
                    );
                }
                Input::Register {
                    source: input.source.to_string(),
                    json,
                }
            }
        };
        Ok(Settings::with(
            Mode::Deploy(Deploy {
                input,
                services,
                force_new_deployment: cli.force_new_deployment,
                verify: cli.verify,
                rollback_on_failure: cli.rollback_on_failure,
                until: cli.until,
            }),
            cluster,
            cli.follow,
            regions,
        ))
    }

    fn with(
        mode: Mode,
        cluster: String,
        follow: Follow,
        arn_regions: Vec<(String, String)>,
    ) -> Settings {
        Settings {
            mode,
            cluster,
            timeout: follow.timeout,
            poll: follow.poll,
            summary: follow.summary,
            quiet: follow.quiet,
            aws: follow.aws,
            arn_regions,
        }
    }
}

/// `--summary FILE` can be written at the end (a deploy that ran must not end in "cannot
/// write the summary"), by `cli_support::output::check_writable`'s rules; and it is not
/// stdout, which carries the task definition ARN and nothing else.
fn check_summary_path(path: &Path) -> anyhow::Result<()> {
    if cli_support::output::names_stdout(path) {
        return Err(usage(format!(
            "--summary {}: stdout carries the task definition ARN only; write the summary to a \
             file (or /dev/stderr)",
            path.display()
        )));
    }
    cli_support::output::check_writable("--summary", path)
}

/// `--cluster`: a name or a cluster ARN (`arn::check_name`; its region goes to `regions`).
fn check_cluster(cluster: &str, regions: &mut Vec<(String, String)>) -> anyhow::Result<()> {
    if let Some(region) = arn::check_name("--cluster", Kind::Cluster, cluster)? {
        regions.push(("--cluster".to_owned(), region));
    }
    Ok(())
}

/// The services, each once (a service named twice would be updated twice), each a name or a
/// service ARN (`arn::check_name`; the regions of ARNs go to `regions`).
fn check_services(
    services: Vec<String>,
    regions: &mut Vec<(String, String)>,
) -> anyhow::Result<Vec<String>> {
    let mut seen = Vec::with_capacity(services.len());
    for s in services {
        if s.is_empty() {
            return Err(usage("--service: a service name cannot be empty"));
        }
        if let Some(region) = arn::check_name("--service", Kind::Service, &s)? {
            regions.push(("--service".to_owned(), region));
        }
        if seen.contains(&s) {
            return Err(usage(format!("--service {s} is given twice")));
        }
        seen.push(s);
    }
    Ok(seen)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_service_given_twice_is_a_usage_error() {
        let mut regions = Vec::new();
        let err =
            check_services(vec!["a".into(), "b".into(), "a".into()], &mut regions).unwrap_err();
        assert_eq!(format!("{err:#}"), "--service a is given twice");
        assert_eq!(cli_support::report::code_for(&err, 1), 2);
        assert_eq!(
            check_services(vec!["a".into()], &mut regions).unwrap(),
            ["a"]
        );
        assert!(regions.is_empty());
    }

    #[test]
    fn the_regions_of_arns_are_recorded() {
        let mut regions = Vec::new();
        let services = vec![
            "web".into(),
            "arn:aws:ecs:eu-west-1:123456789012:service/ci/worker".into(),
        ];
        check_services(services, &mut regions).unwrap();
        assert_eq!(regions, [("--service".to_owned(), "eu-west-1".to_owned())]);
        check_cluster(
            "arn:aws:ecs:us-east-2:123456789012:cluster/ci",
            &mut regions,
        )
        .unwrap();
        assert_eq!(regions[1], ("--cluster".to_owned(), "us-east-2".to_owned()));
        let err = check_cluster("c\x1bl", &mut regions).unwrap_err();
        assert!(format!("{err:#}").starts_with(r#"--cluster "c\u{1b}l": not a cluster name"#));
        assert_eq!(regions.len(), 2);
    }
}
