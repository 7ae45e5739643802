//! ecs-run-wait: run a one-off ECS task, follow its CloudWatch logs, exit with its exit code.

mod app;
mod arn;
mod cli;
mod logs;
mod notfound;
mod outcome;
mod overrides;
mod plan;
mod runner;
mod summary;
mod taskdef;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli_support::report::set_tool("ecs-run-wait");
    let cli: cli::Cli = cli_support::parse();
    // 125, as `docker run` does: the tool's own failures must not look like the task's code.
    cli_support::report::finish_with(app::run(cli), 125)
}
