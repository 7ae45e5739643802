//! The command line turned into plain settings: every usage check that needs no AWS call
//! (`--attach` references, client tokens, `--overrides` JSON, `--env` values, the `--summary`
//! path). The only module besides `main` that reads `cli.rs`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use cli_support::aws::AwsArgs;
use cli_support::usage;
use serde_json::Value;

use crate::arn::{self, TaskRef};
use crate::cli::{AssignPublicIp, Cli};
use crate::plan::{self, Placement, Tag};
use crate::status::Reporter;
use crate::wait::{Timeout, WaitOptions};

/// How long a task may be missing from DescribeTasks right after it started.
const MISSING_GRACE: Duration = Duration::from_mins(1);
/// Log reads while the task runs happen at least this often.
const LOG_INTERVAL: Duration = Duration::from_secs(2);

/// `--attach` or a new task.
pub enum Mode {
    Run(Box<RunSettings>),
    Attach(TaskRef),
}

/// What a new task is started with.
pub struct RunSettings {
    pub task_definition: String,
    pub placement: Placement,
    pub network_from_service: Option<String>,
    pub started_by: String,
    pub tags: Vec<Tag>,
    pub propagate_tags: bool,
    pub enable_execute_command: bool,
    pub client_token: Option<String>,
    pub start_retries: u32,
    pub command: Option<Vec<String>>,
    pub env: Vec<plan::EnvValue>,
    pub cpu: Option<String>,
    pub memory: Option<String>,
    pub overrides: Option<Value>,
    pub detach: bool,
}

/// Everything the run needs, in plain values.
pub struct Settings {
    pub mode: Mode,
    pub cluster: Option<String>,
    pub container: Option<String>,
    /// Polling, `--timeout` (counted from the tool's start), grace periods.
    pub wait: WaitOptions,
    pub no_logs: bool,
    pub summary: Option<PathBuf>,
    pub report: Reporter,
    pub aws: AwsArgs,
}

/// `--overrides @FILE`: at most 1 MiB, far above the 8 KiB of overrides RunTask accepts.
const OVERRIDES_LIMIT: cli_support::input::Limit = cli_support::input::Limit {
    bytes: 1 << 20,
    hint: "RunTask accepts at most 8 KiB of overrides: is it the right file?",
};

fn read_overrides(arg: &str) -> anyhow::Result<Value> {
    let (bytes, source) = match arg.strip_prefix('@') {
        Some(path) => (
            cli_support::input::read_file_limited(Path::new(path), OVERRIDES_LIMIT)
                .map_err(|e| usage(format!("--overrides: cannot read {path}: {e}")))?,
            path.to_owned(),
        ),
        None => (arg.as_bytes().to_vec(), "--overrides".to_owned()),
    };
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        return Err(usage(format!(
            "{source}: {}",
            cli_support::input::BOM_MESSAGE
        )));
    }
    // serde_json stops at 128 levels with "recursion limit exceeded"; say the tools' limit
    // and where it is passed instead.
    if let Some(offset) = cli_support::input::too_deep(&bytes) {
        let (line, column) = cli_support::input::line_column(&bytes, offset);
        return Err(usage(format!(
            "{source}: not valid JSON at line {line}, column {column}: {}",
            cli_support::input::too_deep_message()
        )));
    }
    serde_json::from_slice(&bytes).map_err(|e| {
        usage(format!(
            "{source}: not valid JSON: {e} (a TaskOverride object, e.g. \
             '{{\"containerOverrides\":[{{\"name\":\"app\",\"command\":[\"./migrate\"]}}]}}')"
        ))
    })
}

/// RunTask's clientToken: 1 to 64 printable ASCII characters without spaces (33-126).
fn check_client_token(token: &str) -> anyhow::Result<()> {
    if let Some(c) = token.chars().find(|c| !('!'..='~').contains(c)) {
        return Err(usage(format!(
            "--client-token: {c:?} is not allowed: ECS accepts printable ASCII characters \
             without spaces (codes 33 to 126)"
        )));
    }
    if token.is_empty() || token.len() > 64 {
        return Err(usage(format!(
            "--client-token: must be 1 to 64 characters, got {}",
            token.len()
        )));
    }
    Ok(())
}

impl Settings {
    pub fn from_cli(cli: Cli) -> anyhow::Result<Settings> {
        if let Some(path) = &cli.summary {
            // Checked before anything runs: a migration that ran must not end in "cannot
            // write the summary".
            cli_support::output::check_writable("--summary", path)?;
        }
        let mode = if let Some(task) = &cli.attach {
            let task = arn::parse_task(task).map_err(|e| usage(format!("--attach: {e}")))?;
            if let (Some(given), Some(from_arn)) = (&cli.cluster, &task.cluster)
                && given != from_arn
                && !given.ends_with(&format!("/{from_arn}"))
            {
                return Err(usage(format!(
                    "--cluster {given} does not match the task's cluster {from_arn}; leave --cluster out"
                )));
            }
            if task.cluster.is_none() && cli.cluster.is_none() {
                return Err(usage(
                    "--attach: this task reference names no cluster: give the task's full ARN, or --cluster",
                ));
            }
            if let (Some(r), Some(from_arn)) = (&cli.aws.region, &task.region)
                && r != from_arn
            {
                return Err(usage(format!(
                    "--region {r} does not match the task's region {from_arn}; leave --region out"
                )));
            }
            Mode::Attach(task)
        } else {
            let command = match (&cli.command, cli.args.is_empty()) {
                (Some(c), _) => Some(plan::parse_command(c).map_err(usage)?),
                (None, false) => Some(cli.args.clone()),
                (None, true) => None,
            };
            if let Some(t) = &cli.client_token {
                check_client_token(t)?;
            }
            let env = cli
                .env
                .iter()
                .map(|arg| plan::parse_env(arg))
                .collect::<Result<Vec<_>, _>>()
                .map_err(usage)?;
            let env = plan::resolve_env(&env, |k| std::env::var(k).ok()).map_err(usage)?;
            let overrides = cli.overrides.as_deref().map(read_overrides).transpose()?;
            Mode::Run(Box::new(RunSettings {
                task_definition: cli.task_definition.clone().unwrap_or_default(),
                placement: Placement {
                    subnets: cli.subnets.clone(),
                    security_groups: cli.security_groups.clone(),
                    assign_public_ip: cli.assign_public_ip.map(|a| {
                        match a {
                            AssignPublicIp::Enabled => "ENABLED",
                            AssignPublicIp::Disabled => "DISABLED",
                        }
                        .to_owned()
                    }),
                    launch_type: cli.launch_type.map(|l| l.as_str().to_owned()),
                    capacity_providers: cli.capacity_provider.clone(),
                    platform_version: cli.platform_version.clone(),
                },
                network_from_service: cli.network_from_service.clone(),
                started_by: cli.started_by.clone(),
                tags: cli.tags.clone(),
                propagate_tags: cli.propagate_tags,
                enable_execute_command: cli.enable_execute_command,
                client_token: cli.client_token.clone(),
                start_retries: cli.start_retries,
                command,
                env,
                cpu: cli.cpu.clone(),
                memory: cli.memory.clone(),
                overrides,
                detach: cli.detach,
            }))
        };
        Ok(Settings {
            cluster: cli.cluster,
            mode,
            container: cli.container,
            wait: WaitOptions {
                poll: cli.poll,
                timeout: cli.timeout.map(Timeout::from_now),
                leave_running: cli.leave_running,
                log_grace: cli.log_grace,
                missing_grace: MISSING_GRACE,
                log_interval: LOG_INTERVAL.min(cli.poll),
            },
            no_logs: cli.no_logs,
            summary: cli.summary,
            report: Reporter::stderr(cli.quiet),
            aws: cli.aws,
        })
    }
}
