//! ecs-run-wait: run a one-off ECS task, follow its CloudWatch logs, exit with its exit code.

use ecs_run_wait::{cli, exit, run, settings};

fn main() -> std::process::ExitCode {
    cli_support::report::set_tool("ecs-run-wait");
    let cli: cli::Cli = cli_support::parse();
    let result = match cli.generate.handle::<cli::Cli>() {
        Ok(true) => Ok(std::process::ExitCode::SUCCESS),
        Ok(false) => settings::Settings::from_cli(cli).and_then(run::run),
        Err(e) => Err(e),
    };
    cli_support::report::finish_with(result, exit::FAILURE)
}
