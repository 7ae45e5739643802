//! The command line turned into plain settings: the input read and parsed, the services
//! checked. The only module besides `main` that reads `cli.rs`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use cli_support::aws::AwsArgs;
use cli_support::usage;
use serde_json::Value;

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
    /// `--until STAGE`: a lifecycle stage name (cli::STAGES).
    pub until: Option<String>,
}

/// `ecs-deploy rollback`.
// Read by rollback_target.rs, which is not written yet.
#[allow(dead_code)]
pub struct Rollback {
    pub service: String,
    /// `--to`: FAMILY:REVISION or ARN; without it, the last SUCCESSFUL deployment's.
    pub to: Option<String>,
}

pub enum Mode {
    Deploy(Deploy),
    #[allow(dead_code)] // see `Rollback`
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
}

const WHAT: &str = "register-ready task definition JSON";
const EXAMPLE: &str = "taskdef-clean ... | ecs-deploy --cluster C --service S";

impl Settings {
    pub fn from_cli(cli: Cli) -> anyhow::Result<Settings> {
        if let Some(Command::Rollback(r)) = cli.command {
            return Ok(Settings::with(
                Mode::Rollback(Rollback {
                    service: r.service,
                    to: r.to,
                }),
                r.cluster,
                r.follow,
            ));
        }
        if let Some(path) = &cli.follow.summary {
            check_summary_path(path)?;
        }
        let services = check_services(cli.target.service)?;
        let cluster = cli.target.cluster.unwrap_or_default();
        let input = match (&cli.task_definition, &cli.file) {
            (Some(td), _) => Input::Existing(td.clone()),
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
        ))
    }

    fn with(mode: Mode, cluster: String, follow: Follow) -> Settings {
        Settings {
            mode,
            cluster,
            timeout: follow.timeout,
            poll: follow.poll,
            summary: follow.summary,
            quiet: follow.quiet,
            aws: follow.aws,
        }
    }
}

/// `--summary FILE` can be written at the end, as far as can be told without writing it: not
/// a directory, in a directory that exists (a deploy that ran must not end in "cannot write
/// the summary"). `-` and descriptors are written through.
fn check_summary_path(path: &Path) -> anyhow::Result<()> {
    if path == Path::new("-") || path.starts_with("/dev/") || path.starts_with("/proc/self/fd/") {
        return Ok(());
    }
    if path.is_dir() {
        return Err(usage(format!(
            "--summary {}: is a directory",
            path.display()
        )));
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return Err(usage(format!(
            "--summary {}: directory {} does not exist",
            path.display(),
            dir.display()
        )));
    }
    Ok(())
}

/// The services, each once: a service named twice would be updated twice.
fn check_services(services: Vec<String>) -> anyhow::Result<Vec<String>> {
    let mut seen = Vec::with_capacity(services.len());
    for s in services {
        if s.is_empty() {
            return Err(usage("--service: a service name cannot be empty"));
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
        let err = check_services(vec!["a".into(), "b".into(), "a".into()]).unwrap_err();
        assert_eq!(format!("{err:#}"), "--service a is given twice");
        assert_eq!(cli_support::report::code_for(&err, 1), 2);
        assert_eq!(check_services(vec!["a".into()]).unwrap(), ["a"]);
    }
}
