//! ecr-purge: empty or prune ECR repositories, image-index aware, so teardown works.

mod cli;
mod confirm;
mod console;
mod ecr;
mod exit;
mod image;
#[cfg(test)]
mod mock_tests;
mod plan;
mod purge;
mod repo;
mod report;
mod run;
mod selection;
mod settings;
mod step_summary;
mod summary;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli_support::report::set_tool("ecr-purge");
    let cli: cli::Cli = cli_support::parse();
    cli_support::report::finish(start(cli))
}

fn start(cli: cli::Cli) -> anyhow::Result<ExitCode> {
    if cli.generate.handle::<cli::Cli>()? {
        return Ok(exit::code(exit::SUCCESS));
    }
    run::run(settings::Settings::from_cli(cli)?)
}
