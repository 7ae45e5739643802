//! ecs-deploy: deploy a task definition to ECS services, follow each rollout to a true
//! verdict, explain failures, roll back to what ran.

mod arn;
mod before;
mod cli;
mod ecs;
mod exit;
mod explain;
mod follow;
mod gha;
mod log;
#[cfg(test)]
mod mock_tests;
mod prepare;
mod rollback;
mod rollback_target;
mod run;
mod settings;
mod summary;
mod until;
mod verdict;
mod verify;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli_support::report::set_tool("ecs-deploy");
    let cli: cli::Cli = cli_support::parse();
    cli_support::report::finish(start(cli))
}

fn start(cli: cli::Cli) -> anyhow::Result<ExitCode> {
    if cli.generate.handle::<cli::Cli>()? {
        return Ok(ExitCode::from(exit::SUCCESS));
    }
    run::run(settings::Settings::from_cli(cli)?)
}
