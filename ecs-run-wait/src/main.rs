//! ecs-run-wait: run a one-off ECS task, follow its CloudWatch logs, exit with its exit code.

mod arn;
mod cli;
mod describe;
mod exit;
mod launch;
mod log_clients;
mod logs;
mod lookup;
#[cfg(test)]
mod mocks;
mod notfound;
mod outcome;
mod overrides;
mod plan;
mod retry;
mod run;
mod session;
mod settings;
mod signals;
mod start;
mod status;
mod step_summary;
mod stop;
mod summary;
mod taskdef;
mod wait;

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
