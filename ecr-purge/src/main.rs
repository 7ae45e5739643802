//! ecr-purge: empty or prune ECR repositories, image-index aware, so teardown works.

use std::process::ExitCode;

use ecr_purge::{cli, exit, run, settings};

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
