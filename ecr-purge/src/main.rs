//! ecr-purge: empty or prune ECR repositories, image-index aware, so teardown works.

mod app;
mod cli;
mod confirm;
mod console;
mod ecr;
mod image;
#[cfg(test)]
mod mock_tests;
mod plan;
mod purge;
mod repo;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli_support::report::set_tool("ecr-purge");
    let cli: cli::Cli = cli_support::parse();
    cli_support::report::finish(run(cli))
}

fn run(cli: cli::Cli) -> anyhow::Result<ExitCode> {
    if cli.generate.handle::<cli::Cli>()? {
        return Ok(ExitCode::SUCCESS);
    }
    app::run(app::Settings::from_cli(cli)?)
}
