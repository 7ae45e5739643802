//! tf-secrets: Terraform outputs to GitHub Actions secrets and variables, exactly and
//! without leaks.

mod cli;
mod dest;
mod exit;
mod format;
mod gh;
mod github;
mod notes;
mod outputs;
mod run;
mod select;
mod settings;
mod step_summary;
mod write;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli_support::report::set_tool("tf-secrets");
    // Filters run in a worker process: this binary, started again (and serving it here).
    cli_support::jq::isolate();
    let cli: cli::Cli = cli_support::parse();
    cli_support::report::finish_with(start(cli), exit::FAILURE)
}

fn start(cli: cli::Cli) -> anyhow::Result<ExitCode> {
    if cli.generate.handle::<cli::Cli>()? {
        return Ok(ExitCode::from(exit::SUCCESS));
    }
    run::run(settings::Settings::from_cli(cli)?)
}
