//! ecs-deploy: deploy a task definition to ECS services, follow each rollout to a true
//! verdict, explain failures, roll back to what ran.

use std::process::ExitCode;

use ecs_deploy::{cli, exit, run, settings};

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
