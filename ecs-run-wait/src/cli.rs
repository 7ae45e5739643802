//! Command-line arguments.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use cli_support::aws::AwsArgs;
use cli_support::duration;
use cli_support::generate::GenerateArgs;

use crate::plan::{CapacityProvider, Tag};

/// The exit-code table: `--help`'s EXIT STATUS section and the README's, kept equal by a test.
pub const EXIT_STATUS: &str = "\
EXIT STATUS
    0  the container exited 0 (with --detach: the task started)
    N  otherwise the container's own exit code: --container's, else the single essential
       container's, else the first non-zero one among the essential containers
    2  usage: a bad or missing option, including a --container the task definition does not
       have, network options an awsvpc task definition needs and a --summary FILE that
       cannot be written (checked before the task starts)
  124  --timeout expired; the task was stopped (left running with --leave-running)
  125  no exit code: the task failed to start (stopCode, stoppedReason and container reasons
       are printed), RunTask failed, the task was lost, or an AWS, credentials or network
       error stopped ecs-run-wait (a started task keeps running: resume with --attach ARN)
  130  SIGINT: the task was stopped (left running with --leave-running)
  143  SIGTERM: the task was stopped (left running with --leave-running)
A container may itself exit 2, 124, 125, 130 or 143: the status lines on stderr and the
--summary file tell the cases apart.";

const ABOUT: &str = "Run a one-off ECS task, follow its CloudWatch logs, exit with its exit code.";

const LONG_ABOUT: &str = "\
Run a one-off ECS task (a database migration, a batch job), follow its CloudWatch logs on stdout \
and exit with the exit code of its container, like `docker run`. Status lines go to stderr. The \
task is stopped when ecs-run-wait is interrupted (SIGINT, SIGTERM) or times out.";

/// Copy-pasteable as printed: every line stays well under the narrowest width the help is
/// wrapped to (80 columns; clap wraps `after_help` too); a long command goes on after a backslash.
const EXAMPLES: &str = "\
EXAMPLES
  ecs-run-wait --cluster prod --task-definition migrate \\
      --network-from-service web -- ./migrate up
  ecs-run-wait --cluster prod --task-definition app:42 \\
      --subnets subnet-a,subnet-b --security-groups sg-1 \\
      --env app:LOG_LEVEL=debug --timeout 30m -- rake db:migrate
  arn=$(ecs-run-wait --detach --cluster prod --task-definition migrate \\
      --network-from-service web)
  ecs-run-wait --attach \"$arn\"";

// Each on/off flag is its own clap argument: bools are what clap gives them.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Parser)]
#[command(
    name = "ecs-run-wait",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = format!("{EXAMPLES}\n\n{EXIT_STATUS}"),
    max_term_width = 100
)]
pub struct Cli {
    /// Cluster to run the task in (name or ARN).
    #[arg(long, value_name = "CLUSTER", required_unless_present_any = ["attach", "generate"])]
    pub cluster: Option<String>,

    /// Task definition to run: FAMILY (latest ACTIVE revision), FAMILY:REVISION or ARN.
    #[arg(
        long,
        value_name = "TASKDEF",
        required_unless_present_any = ["attach", "generate"]
    )]
    pub task_definition: Option<String>,

    /// Subnets for an awsvpc task (comma list or repeated).
    #[arg(
        long,
        value_name = "ID",
        value_delimiter = ',',
        num_args = 1,
        help_heading = "Network"
    )]
    pub subnets: Vec<String>,

    /// Security groups for an awsvpc task (comma list or repeated).
    #[arg(
        long,
        value_name = "ID",
        value_delimiter = ',',
        num_args = 1,
        help_heading = "Network"
    )]
    pub security_groups: Vec<String>,

    /// Give the task's network interface a public IP.
    #[arg(
        long,
        value_name = "ENABLED|DISABLED",
        ignore_case = true,
        help_heading = "Network"
    )]
    pub assign_public_ip: Option<AssignPublicIp>,

    /// Copy the awsvpc configuration, launch type or capacity provider strategy and platform
    /// version of this service (in --cluster); the flags above and below override it.
    #[arg(long, value_name = "SERVICE", help_heading = "Network")]
    pub network_from_service: Option<String>,

    /// Launch type.
    #[arg(
        long,
        value_name = "TYPE",
        ignore_case = true,
        conflicts_with = "capacity_provider",
        help_heading = "Launch"
    )]
    pub launch_type: Option<LaunchTypeArg>,

    /// Capacity provider strategy item NAME[:WEIGHT[:BASE]] (repeatable).
    #[arg(
        long,
        value_name = "NAME[:WEIGHT[:BASE]]",
        value_parser = crate::plan::parse_capacity_provider,
        help_heading = "Launch"
    )]
    pub capacity_provider: Vec<CapacityProvider>,

    /// Fargate platform version (e.g. LATEST, 1.4.0).
    #[arg(long, value_name = "VERSION", help_heading = "Launch")]
    pub platform_version: Option<String>,

    /// The task's startedBy.
    #[arg(
        long,
        value_name = "NAME",
        default_value = "ecs-run-wait",
        help_heading = "Launch"
    )]
    pub started_by: String,

    /// Tag the task with KEY=VALUE (repeatable).
    #[arg(
        long = "tag",
        value_name = "KEY=VALUE",
        value_parser = crate::plan::parse_tag,
        help_heading = "Launch"
    )]
    pub tags: Vec<Tag>,

    /// Copy the task definition's tags to the task.
    #[arg(long, help_heading = "Launch")]
    pub propagate_tags: bool,

    /// Enable ECS Exec for the task.
    #[arg(long, help_heading = "Launch")]
    pub enable_execute_command: bool,

    /// RunTask idempotency token (1 to 64 printable ASCII characters, no spaces): RunTask with
    /// a token used in the last 24 hours returns the task it started then, even a stopped one,
    /// instead of starting another [default: a fresh token per start].
    #[arg(long, value_name = "TOKEN", help_heading = "Launch")]
    pub client_token: Option<String>,

    /// Retry RunTask this many times on capacity failures (RESOURCE:*, Fargate capacity).
    #[arg(long, value_name = "N", default_value_t = 3, help_heading = "Launch")]
    pub start_retries: u32,

    /// The container the command, a bare --env NAME and the exit code are for [default: the
    /// only container; for the command and the exit code, else the only essential one].
    #[arg(long, value_name = "NAME", help_heading = "Overrides")]
    pub container: Option<String>,

    /// Command override: a JSON array of strings, or shell words quoted as in sh (never a
    /// split on spaces); or give the command after `--`.
    #[arg(
        long,
        value_name = "CMD",
        conflicts_with = "args",
        help_heading = "Overrides"
    )]
    pub command: Option<String>,

    /// Environment override CONTAINER:NAME=VALUE, or CONTAINER:NAME to pass this variable's
    /// value from ecs-run-wait's own environment (keeps a secret off the command line).
    /// Without CONTAINER: --container's, else the only container's. Repeatable.
    // Parsed in `Settings::from_cli`: clap's message for a bad value would quote the value.
    #[arg(
        long = "env",
        value_name = "[CONTAINER:]NAME[=VALUE]",
        help_heading = "Overrides"
    )]
    pub env: Vec<String>,

    /// Task-level CPU override (e.g. 1024).
    #[arg(long, value_name = "UNITS", help_heading = "Overrides")]
    pub cpu: Option<String>,

    /// Task-level memory override in MiB (e.g. 2048).
    #[arg(long, value_name = "MIB", help_heading = "Overrides")]
    pub memory: Option<String>,

    /// Base TaskOverride as JSON, or @FILE to read it from a file; the flags above are merged
    /// into it by container name.
    #[arg(long, value_name = "JSON|@FILE", help_heading = "Overrides")]
    pub overrides: Option<String>,

    /// Describe the task this often.
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "6s",
        value_parser = duration::parse_positive,
        help_heading = "Waiting"
    )]
    pub poll: Duration,

    /// Stop the task and exit 124 if it has not stopped after DURATION (e.g. 30m)
    /// [default: no limit].
    #[arg(
        long,
        value_name = "DURATION",
        value_parser = duration::parse_positive,
        help_heading = "Waiting"
    )]
    pub timeout: Option<Duration>,

    /// On timeout or a signal, leave the task running instead of stopping it.
    #[arg(long, help_heading = "Waiting")]
    pub leave_running: bool,

    /// Start the task, print its ARN on stdout and exit 0.
    #[arg(long, conflicts_with_all = ["timeout", "leave_running"], help_heading = "Waiting")]
    pub detach: bool,

    /// Wait for a task that is already running (its ARN, or its ID with --cluster): same logs
    /// and exit code as the one-shot form; cluster and region come from the ARN.
    #[arg(
        long,
        value_name = "TASK",
        conflicts_with_all = [
            "task_definition", "subnets", "security_groups", "assign_public_ip",
            "network_from_service", "launch_type", "capacity_provider", "platform_version",
            "started_by", "tags", "propagate_tags", "enable_execute_command", "client_token",
            "start_retries", "command", "env", "cpu", "memory", "overrides", "args", "detach",
        ],
        help_heading = "Waiting"
    )]
    pub attach: Option<String>,

    /// Do not follow the containers' CloudWatch logs.
    #[arg(long, help_heading = "Output")]
    pub no_logs: bool,

    /// After the task stops, keep reading its logs until this long after its containers
    /// stopped (CloudWatch ingestion lags), so that no last line is lost.
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "5s",
        value_parser = duration::parse,
        help_heading = "Output"
    )]
    pub log_grace: Duration,

    /// Write a JSON summary (snake_case keys: task_arn, timestamps, stop_code, stopped_reason,
    /// each container's exit code and reason and logs, outcome) to FILE, atomically, as soon as
    /// the task starts and on every outcome.
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub summary: Option<PathBuf>,

    /// No status lines on stderr (errors and warnings still show).
    #[arg(short, long, help_heading = "Output")]
    pub quiet: bool,

    #[command(flatten)]
    pub aws: AwsArgs,

    #[command(flatten)]
    pub generate: GenerateArgs,

    /// The command override (same as --command with a JSON array).
    #[arg(last = true, value_name = "COMMAND")]
    pub args: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AssignPublicIp {
    #[value(name = "ENABLED")]
    Enabled,
    #[value(name = "DISABLED")]
    Disabled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LaunchTypeArg {
    #[value(name = "FARGATE")]
    Fargate,
    #[value(name = "EC2")]
    Ec2,
    #[value(name = "EXTERNAL")]
    External,
    #[value(name = "MANAGED_INSTANCES")]
    ManagedInstances,
}

impl LaunchTypeArg {
    pub fn as_str(self) -> &'static str {
        match self {
            LaunchTypeArg::Fargate => "FARGATE",
            LaunchTypeArg::Ec2 => "EC2",
            LaunchTypeArg::External => "EXTERNAL",
            LaunchTypeArg::ManagedInstances => "MANAGED_INSTANCES",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory as _;

    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
    }

    #[test]
    fn attach_needs_no_task_definition() {
        let cli = Cli::try_parse_from([
            "ecs-run-wait",
            "--attach",
            "arn:aws:ecs:us-east-2:1:task/c/abc",
        ])
        .unwrap();
        assert!(cli.task_definition.is_none());
        let err = Cli::try_parse_from(["ecs-run-wait", "--attach", "x", "--task-definition", "t"])
            .unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::ArgumentConflict);
    }

    #[test]
    fn attach_rejects_start_options() {
        for (flag, value) in [("--started-by", "ci"), ("--start-retries", "5")] {
            let err =
                Cli::try_parse_from(["ecs-run-wait", "--attach", "x", flag, value]).unwrap_err();
            assert_eq!(
                err.kind(),
                clap::error::ErrorKind::ArgumentConflict,
                "{flag}"
            );
        }
        // their defaults are no conflict
        let cli = Cli::try_parse_from(["ecs-run-wait", "--attach", "x"]).unwrap();
        assert_eq!(
            (cli.started_by.as_str(), cli.start_retries),
            ("ecs-run-wait", 3)
        );
    }

    #[test]
    fn lists_and_trailing_command() {
        let cli = Cli::try_parse_from([
            "ecs-run-wait",
            "--cluster",
            "c",
            "--task-definition",
            "t",
            "--subnets",
            "a,b",
            "--subnets",
            "c",
            "--assign-public-ip",
            "enabled",
            "--",
            "sh",
            "-c",
            "echo --not-a-flag",
        ])
        .unwrap();
        assert_eq!(cli.subnets, ["a", "b", "c"]);
        assert_eq!(cli.assign_public_ip, Some(AssignPublicIp::Enabled));
        assert_eq!(cli.args, ["sh", "-c", "echo --not-a-flag"]);
    }
}
