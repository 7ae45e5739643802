//! Command-line arguments.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use cli_support::aws::AwsArgs;
use cli_support::duration;
use cli_support::generate::GenerateArgs;

/// The exit-code table: `--help`'s EXIT STATUS section and the README's, kept equal by a test.
pub const EXIT_STATUS: &str = "\
EXIT STATUS
    0  deployed: every service's deployment is SUCCESSFUL with the new task definition;
       or unchanged: the input is what every service runs, nothing was changed
    1  failed, and every service is back on (and stable with) the task definition it ran
       before (rolled back by ECS or by --rollback-on-failure); or nothing was changed:
       invalid input, a missing or inactive service, an AWS error before any update
    2  usage: a bad or missing option (a duration without a unit, no input)
    3  failed, and a service is not known to be healthy: ECS's rollback failed, no
       rollback was requested, a rollback did not finish, or an error stopped the follow
       after an update
  124  --timeout expired while a deployment was in progress (the summary says whether a
       rollback ran; with --rollback-on-failure one did), or before any service was
       updated (nothing was changed)
  130  SIGINT: the rollout is left to ECS (rolled back with --rollback-on-failure)
  143  SIGTERM: the rollout is left to ECS (rolled back with --rollback-on-failure)
With several services the worst code wins: 3, then 124, then 1.";

const ABOUT: &str =
    "Deploy a task definition to ECS services and follow the rollout to its verdict.";

const LONG_ABOUT: &str = "\
Register a task definition (register-ready JSON on stdin or -f, as taskdef-clean prints it), \
or take an existing one (--task-definition), update one or more ECS services to it and follow \
each rollout through ECS service deployments to a true verdict: deployed, rolled back by ECS \
(circuit breaker or alarm, named), stopped, replaced, or still in progress at --timeout. \
Service events and the reasons of stopped tasks are printed as they come. The registered task \
definition ARN is printed on stdout at once; everything else goes to stderr.";

/// Copy-pasteable as printed: every line stays well under 80 columns.
const EXAMPLES: &str = "\
EXAMPLES
  aws ecs describe-task-definition --task-definition web --include TAGS \\
      | taskdef-clean --image app=\"$IMAGE\" \\
      | ecs-deploy --cluster prod --service web --rollback-on-failure
  ecs-deploy --cluster prod --service web --service worker -f web.json \\
      --timeout 20m --summary deploy.json
  ecs-deploy --cluster prod --service web --task-definition web:41
  ecs-deploy --cluster prod --service web --force-new-deployment
  ecs-deploy rollback --cluster prod --service web";

// Each on/off flag is its own clap argument: bools are what clap gives them.
#[allow(clippy::struct_excessive_bools)]
#[derive(Debug, Parser)]
#[command(
    name = "ecs-deploy",
    version,
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = format!("{EXAMPLES}\n\n{EXIT_STATUS}"),
    max_term_width = 100,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Register-ready task definition JSON from FILE ('-' means stdin) [default: stdin,
    /// unless --task-definition or --force-new-deployment is given].
    #[arg(
        short = 'f',
        long = "file",
        value_name = "FILE",
        conflicts_with = "task_definition",
        help_heading = "Input"
    )]
    pub file: Option<PathBuf>,

    /// Deploy this registered task definition (FAMILY:REVISION or ARN); register nothing.
    #[arg(long, value_name = "FAMILY:REV|ARN", help_heading = "Input")]
    pub task_definition: Option<String>,

    /// Start a new deployment even when the task definition is unchanged; alone (without -f
    /// or --task-definition), redeploy what each service runs.
    #[arg(long, help_heading = "Input")]
    pub force_new_deployment: bool,

    #[command(flatten)]
    pub target: Target,

    /// Before registering: every ECR image the task definition names exists, every awslogs
    /// log group exists.
    #[arg(long, help_heading = "Deploy")]
    pub verify: bool,

    /// On failure or timeout roll back: stop our deployment with a ROLLBACK while it is in
    /// progress, else update the service back to the task definition it ran before; then
    /// follow that rollback to its verdict.
    #[arg(long, help_heading = "Deploy")]
    pub rollback_on_failure: bool,

    /// Stop waiting once the deployment reaches this lifecycle stage (e.g. BAKE_TIME), and
    /// say so.
    #[arg(
        long,
        value_name = "STAGE",
        value_parser = clap::builder::PossibleValuesParser::new(crate::until::ORDER),
        help_heading = "Waiting"
    )]
    pub until: Option<String>,

    #[command(flatten)]
    pub follow: Follow,

    #[command(flatten)]
    pub generate: GenerateArgs,
}

/// The cluster and services, for a deploy and a rollback.
#[derive(Debug, Args)]
pub struct Target {
    /// The cluster (name or ARN).
    #[arg(long, value_name = "CLUSTER", required_unless_present = "generate")]
    pub cluster: Option<String>,

    /// A service to deploy to (name or ARN); repeat it to deploy one task definition to
    /// several services at once, each followed to its own verdict.
    #[arg(long, value_name = "SERVICE", required_unless_present = "generate")]
    pub service: Vec<String>,
}

/// Waiting and output, for a deploy and a rollback.
#[derive(Debug, Args)]
pub struct Follow {
    /// Give up waiting after DURATION (exit 124; rolls back with --rollback-on-failure).
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "30m",
        value_parser = duration::parse_positive,
        help_heading = "Waiting"
    )]
    pub timeout: Duration,

    /// Describe the services, their deployments and events this often.
    #[arg(
        long,
        value_name = "DURATION",
        default_value = "10s",
        value_parser = duration::parse_positive,
        help_heading = "Waiting"
    )]
    pub poll: Duration,

    /// Write a JSON summary (services, old and new task definitions, deployment ARNs, status
    /// and reason, events, stopped tasks, timings, rollback) to FILE, atomically, at the end
    /// (also on a signal or a timeout).
    #[arg(long, value_name = "FILE", help_heading = "Output")]
    pub summary: Option<PathBuf>,

    /// No status lines on stderr (errors and warnings still show).
    #[arg(short, long, help_heading = "Output")]
    pub quiet: bool,

    #[command(flatten)]
    pub aws: AwsArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Roll a service back: to --to, else to the task definition of the last SUCCESSFUL
    /// deployment before the current one (never "the previous revision number").
    Rollback(RollbackArgs),
}

#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// The cluster (name or ARN).
    #[arg(long, value_name = "CLUSTER")]
    pub cluster: String,

    /// The service to roll back (name or ARN).
    #[arg(long, value_name = "SERVICE")]
    pub service: String,

    /// Roll back to this task definition (FAMILY:REVISION or ARN).
    #[arg(long, value_name = "FAMILY:REV|ARN")]
    pub to: Option<String>,

    #[command(flatten)]
    pub follow: Follow,
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
    fn services_repeat_and_rollback_is_a_subcommand() {
        let cli = Cli::try_parse_from([
            "ecs-deploy",
            "--cluster",
            "c",
            "--service",
            "a",
            "--service",
            "b",
            "--force-new-deployment",
        ])
        .unwrap();
        assert_eq!(cli.target.service, ["a", "b"]);
        assert!(cli.command.is_none());
        let cli = Cli::try_parse_from([
            "ecs-deploy",
            "rollback",
            "--cluster",
            "c",
            "--service",
            "a",
            "--to",
            "web:3",
        ])
        .unwrap();
        let Some(Command::Rollback(r)) = cli.command else {
            panic!("rollback")
        };
        assert_eq!(r.to.as_deref(), Some("web:3"));
    }

    #[test]
    fn until_takes_lifecycle_stages_only() {
        let base = ["ecs-deploy", "--cluster", "c", "--service", "s", "--until"];
        let cli = Cli::try_parse_from(base.iter().copied().chain(["BAKE_TIME"])).unwrap();
        assert_eq!(cli.until.as_deref(), Some("BAKE_TIME"));
        let err = Cli::try_parse_from(base.iter().copied().chain(["BAKING"])).unwrap_err();
        assert_eq!(err.kind(), clap::error::ErrorKind::InvalidValue);
    }
}
