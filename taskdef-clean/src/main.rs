//! taskdef-clean: describe-task-definition JSON in, register-ready JSON out.

use std::process::ExitCode;

use cli_support::report;

use taskdef_clean::{cli, run, settings};

fn main() -> ExitCode {
    report::set_tool("taskdef-clean");
    // Filters run in a worker process: this binary, started again (and serving it here).
    cli_support::jq::isolate();
    // A rejected value of --env or --secret is not echoed: it may be a secret.
    let cli: cli::Cli = cli_support::parse_hiding(cli::SECRET_FLAGS);
    match cli.generate.handle::<cli::Cli>() {
        Ok(true) => return ExitCode::SUCCESS,
        Ok(false) => {}
        Err(e) => return report::finish(Err(e)),
    }
    report::finish(settings::Settings::from_cli(cli).and_then(run::run))
}
