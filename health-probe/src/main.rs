//! health-probe: probe HTTP(S) endpoints and TCP ports until healthy or a deadline.

mod cli;
mod engine;
mod exit;
mod expect;
mod files;
mod latency;
mod matcher;
mod pacing;
mod probe;
mod redact;
mod report;
mod request;
mod run;
mod settings;
mod step_summary;
mod summary;
mod tls;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli_support::report::set_tool("health-probe");
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
