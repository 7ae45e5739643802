//! Command-line arguments.

use std::path::PathBuf;

use clap::Parser;
use cli_support::generate::GenerateArgs;
use cli_support::input::InputArgs;

use crate::edit::{ContainerKey, ContainerKeyValue, ImageEdit};

/// The exit-code table: `--help`'s EXIT STATUS section and the README's (a test keeps them
/// equal).
pub const EXIT_STATUS: &str = "\
EXIT STATUS
    0  register-ready JSON written (warnings, if any, were printed); with --check: no
       errors (warnings alone pass; --strict makes them errors); with --diff: the two
       task definitions are the same registration
    1  the input is not a task definition that can be made register-ready, or an edit or
       the filter failed: invalid JSON (line and column), wrong shape, null inside an
       array, wrong member types, a missing required member, a length, count or number
       outside the model's bounds, a tag outside its pattern, an image reference, cpu or
       memory ECS rejects, a task size Fargate does not run, a name, tag key or value ECS
       refuses beyond the model, unknown container, a name in both environment and
       secrets, a filter that fails at run time or does not yield exactly one object;
       with --strict: unknown members or enum values too, and a size Fargate does not run
       where the launch type is not said; with --check: any of these errors, all listed;
       the input or the output file cannot be read or written; with --diff: the two task
       definitions differ (the differences were printed)
    2  usage: unknown or malformed options (--image, --cpu, --memory, --env, --secret,
       ...), one container given two images, a filter that does not compile, a terminal
       on stdin; with --diff: also either input cannot be read or made register-ready
       (its problems were printed), as diff's trouble
  130  stopped by SIGINT (Ctrl-C) after the input was read: the filter was stopped,
       nothing written (no partial output, no temporary file)
  143  stopped by SIGTERM, likewise";

/// Flags whose values may be secrets: a usage error never repeats their value.
pub const SECRET_FLAGS: &[&str] = &["--env", "--secret"];

/// The EXAMPLES section of `--help` and the man page: the README's examples, command for
/// command (a test keeps them equal).
pub const EXAMPLES: &str = "\
EXAMPLES
  # Re-register the current revision with a new image and a release marker.
  aws ecs describe-task-definition --task-definition web --include TAGS \\
      | taskdef-clean --image \"app=$REGISTRY/web:$GIT_SHA\" \\
      --env \"app:RELEASE=$GIT_SHA\" > taskdef.json
  aws ecs register-task-definition --cli-input-json file://taskdef.json
  # Anything else with a jq filter (jaq); --arg makes $NAME a string.
  taskdef-clean -f taskdef.json --family web-staging -o staging.json \\
      --arg group /ecs/web-staging \\
      --filter '.containerDefinitions[1].logConfiguration.options[\"awslogs-group\"] = $group'
  # In CI, before registering: list every problem, fail on any, print nothing else.
  taskdef-clean --check --strict -q -f staging.json";

const ABOUT: &str = "Turn `aws ecs describe-task-definition` output into JSON that \
register-task-definition and the AWS SDKs accept, losing nothing you configured; set images, \
environment variables, secrets, roles, cpu and memory; transform with a jq filter.";

const LONG_ABOUT: &str = "Turn `aws ecs describe-task-definition` output into JSON that \
register-task-definition (--cli-input-json) and the AWS SDKs accept, losing nothing you \
configured.

Input (-f FILE or stdin): the full describe answer ({\"taskDefinition\": ..., \"tags\": [...]}, as \
`--include TAGS` returns it), the bare task definition, or an already clean one.

Cleaning: the 9 read-only members (taskDefinitionArn, revision, status, requiresAttributes, \
compatibilities, registeredAt, registeredBy, deregisteredAt, deleteRequestedAt) are removed; \
the top-level tags move into the input (an empty list is dropped: the API rejects it); null \
members are dropped at any depth, a null inside an array is an error; empty strings are kept. \
Members the ECS model does not know are kept with a warning (--strict: an error; --drop KEY \
removes top-level ones): the output is register-ready whenever no warning was printed.

Every constraint the ECS model states is checked: types, required members, a string's \
length, a list's items and a number's range (an empty tag key, nvidiaMps percentages outside 1 \
to 100 are errors), enum values (a warning with a suggestion).

Checks beyond the model: image references, the task-level cpu and memory forms, a name in both \
environment and secrets of a container, and the task \
sizes Fargate runs (an error when requiresCompatibilities has FARGATE, a warning when no \
launch type is said).

--diff OLD compares OLD (cleaned) with the input (cleaned, edited, filtered): per container the \
image, environment and secrets added, removed or changed (by name), any other member as a JSON \
path with its old and new values, the tags by key; what the API fills in when it registers \
(empty lists, essential: true, protocol \"tcp\") is no difference.

Edits apply after cleaning, in this order: task-level options, --image, --unset-env, --env, \
--unset-secret, --secret (a name given twice: the last one wins); then --filter sees the clean \
task definition and its output is checked again.";

/// taskdef-clean: describe-task-definition JSON in, register-ready JSON out.
#[derive(Debug, Parser)]
#[command(
    name = "taskdef-clean",
    version,
    long_version = concat!(
        env!("CARGO_PKG_VERSION"),
        " (ECS model: ",
        ecs_taskdef::ecs_model_source!(),
        ")"
    ),
    about = ABOUT,
    long_about = LONG_ABOUT,
    after_help = format!("{EXAMPLES}\n\n{EXIT_STATUS}"),
    max_term_width = 100
)]
#[allow(clippy::struct_excessive_bools)] // independent switches, as the flags are
pub struct Cli {
    #[command(flatten)]
    pub input: InputArgs,

    /// Write the result to FILE instead of stdout: atomically (complete or not at all); a
    /// symlink's target is replaced, a FIFO or device is written through ('-' means stdout,
    /// /dev/stdout or /dev/fd/N the descriptor, appended to after >>).
    #[arg(
        short = 'o',
        long = "output",
        value_name = "FILE",
        conflicts_with = "check"
    )]
    pub output: Option<PathBuf>,

    /// With -o: replace FILE even when it is read-only (refused otherwise).
    #[arg(long, requires = "output")]
    pub force: bool,

    /// Validate only: clean, edit and filter as usual, list every problem, write nothing.
    /// Exit 1 if there is an error; warnings alone exit 0 (--strict makes them errors).
    #[arg(long)]
    pub check: bool,

    /// Make members and enum values the ECS model does not know errors instead of warnings.
    #[arg(long)]
    pub strict: bool,

    /// Remove a top-level member (repeatable), e.g. --drop placementConstraints.
    #[arg(long = "drop", value_name = "KEY")]
    pub drop: Vec<String>,

    /// Print the JSON on one line instead of indented (the output, and --diff --format json).
    #[arg(long)]
    pub compact: bool,

    /// No status lines on stderr (with --check: "register-ready"; the count of errors):
    /// errors and warnings still show, so a quiet run that succeeds prints nothing on stderr.
    #[arg(short, long)]
    pub quiet: bool,

    /// Set a container's image: NAME=URI, or just URI when there is exactly one container
    /// (repeatable, once per container). URI is an image reference Docker can pull:
    /// [REGISTRY[:PORT]/]PATH[:TAG][@sha256:DIGEST].
    #[arg(
        long = "image",
        value_name = "[NAME=]URI",
        help_heading = "Container edits"
    )]
    pub image: Vec<ImageEdit>,

    /// Set an environment variable: NAME:KEY=VALUE, split on the first '='; an existing KEY
    /// is replaced, never duplicated (repeatable).
    #[arg(
        long = "env",
        value_name = "NAME:KEY=VALUE",
        help_heading = "Container edits"
    )]
    pub env: Vec<ContainerKeyValue>,

    /// Remove an environment variable: NAME:KEY; absent is fine (repeatable).
    #[arg(
        long = "unset-env",
        value_name = "NAME:KEY",
        help_heading = "Container edits"
    )]
    pub unset_env: Vec<ContainerKey>,

    /// Set a secret: NAME:KEY=ARN (the valueFrom: a Secrets Manager or SSM parameter ARN);
    /// an existing KEY is replaced (repeatable).
    #[arg(
        long = "secret",
        value_name = "NAME:KEY=ARN",
        help_heading = "Container edits"
    )]
    pub secret: Vec<ContainerKeyValue>,

    /// Remove a secret: NAME:KEY; absent is fine (repeatable).
    #[arg(
        long = "unset-secret",
        value_name = "NAME:KEY",
        help_heading = "Container edits"
    )]
    pub unset_secret: Vec<ContainerKey>,

    /// Set the family (letters, digits, '-' and '_', up to 255).
    #[arg(long, value_name = "NAME", value_parser = crate::edit::parse_family, help_heading = "Task edits")]
    pub family: Option<String>,

    /// Set the task's cpu, as the API takes it: CPU units (256, 1024) or vCPUs ("0.25 vCPU",
    /// "1 vCPU"); 128 to 196608 units.
    #[arg(long, value_name = "UNITS", value_parser = parse_cpu, help_heading = "Task edits")]
    pub cpu: Option<String>,

    /// Set the task's memory, as the API takes it: MiB (512, 2048) or GB ("0.5 GB", "2 GB").
    #[arg(long, value_name = "MIB", value_parser = parse_memory, help_heading = "Task edits")]
    pub memory: Option<String>,

    /// Set the task role (the role the containers' code assumes).
    #[arg(long, value_name = "ARN", value_parser = non_empty, help_heading = "Task edits")]
    pub task_role_arn: Option<String>,

    /// Set the execution role (the role ECS uses to pull images, read secrets, write logs).
    #[arg(long, value_name = "ARN", value_parser = non_empty, help_heading = "Task edits")]
    pub execution_role_arn: Option<String>,

    /// Transform the clean task definition with a jq filter (jaq) that must yield exactly
    /// one object; its output is checked again. $ENV and env are available.
    #[arg(long, value_name = "JQ", help_heading = "Filter")]
    pub filter: Option<String>,

    /// Make $NAME a string in the filter (repeatable).
    #[arg(
        long = "arg",
        num_args = 2,
        value_names = ["NAME", "VALUE"],
        requires = "filter",
        help_heading = "Filter"
    )]
    pub arg: Vec<String>,

    /// Compare with OLD (a describe answer or a task definition; '-' is stdin when the
    /// input is a file): both are cleaned, the edits and filter apply to the input; print
    /// what differs, exit 0 when equal, 1 when they differ.
    #[arg(
        long = "diff",
        value_name = "OLD",
        conflicts_with_all = ["output", "check"],
        help_heading = "Diff"
    )]
    pub diff: Option<PathBuf>,

    /// How --diff prints: text (lines by container), json (for machines), markdown (a
    /// table, for $GITHUB_STEP_SUMMARY or a pull request comment). Default: text.
    #[arg(
        long,
        value_enum,
        value_name = "FORMAT",
        requires = "diff",
        help_heading = "Diff"
    )]
    pub format: Option<DiffFormat>,

    /// With --diff: do not show environment values (only which variables were added,
    /// removed or changed).
    #[arg(long, requires = "diff", help_heading = "Diff")]
    pub diff_hide_values: bool,

    #[command(flatten)]
    pub generate: GenerateArgs,
}

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    Text,
    Json,
    Markdown,
}

fn parse_cpu(s: &str) -> Result<String, String> {
    crate::task_size::cpu_units(s).map(|_| s.to_owned())
}

fn parse_memory(s: &str) -> Result<String, String> {
    crate::task_size::memory_mib(s).map(|_| s.to_owned())
}

fn non_empty(s: &str) -> Result<String, String> {
    if s.trim().is_empty() {
        Err("must not be empty".to_owned())
    } else {
        Ok(s.to_owned())
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
    fn help_ends_with_the_exit_status_table() {
        let help = Cli::command().render_long_help().to_string();
        assert!(help.trim_end().ends_with(EXIT_STATUS.trim_end()), "{help}");
    }

    #[test]
    fn args_come_in_pairs() {
        let cli = Cli::try_parse_from([
            "taskdef-clean",
            "--filter",
            ".",
            "--arg",
            "a",
            "1",
            "--arg",
            "b",
            "2",
        ])
        .unwrap();
        assert_eq!(cli.arg, ["a", "1", "b", "2"]);
        let err = Cli::try_parse_from(["taskdef-clean", "--arg", "a", "1"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
    }

    #[test]
    fn malformed_edits_are_usage_errors() {
        for args in [
            ["--env", "app"],
            ["--env", "app:=x"],
            ["--env", ":K=V"],
            ["--secret", "app:K"],
            ["--unset-env", "app"],
            ["--image", "app="],
            ["--family", "a b"],
            ["--cpu", ""],
            ["--cpu", "abc"],
            ["--cpu", "0.5"],
            ["--memory", "lots"],
            ["--image", "app=/web:"],
            ["--image", "app=:abc"],
        ] {
            let err = Cli::try_parse_from(["taskdef-clean", args[0], args[1]]).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{args:?}");
        }
    }
}
