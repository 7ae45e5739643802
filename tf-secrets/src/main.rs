//! tf-secrets: Terraform outputs to GitHub Actions secrets and variables, exactly and
//! without leaks.

mod cli;
mod dest;
mod format;
mod gh;
mod github;
mod outputs;
mod run;
mod select;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli_support::report::set_tool("tf-secrets");
    // Filters run in a worker process: this binary, started again (and serving it here).
    cli_support::jq::isolate();
    let cli: cli::Cli = cli_support::parse();
    cli_support::report::finish(run::run(&cli))
}
