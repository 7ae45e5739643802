//! taskdef-clean: describe-task-definition JSON in, register-ready JSON out.

mod app;
mod check;
mod clean;
mod cli;
mod edit;
mod image_ref;
mod pipeline;
mod problem;
mod task_size;

use std::process::ExitCode;

use cli_support::report;

use crate::cli::Cli;

fn main() -> ExitCode {
    report::set_tool("taskdef-clean");
    // Filters run in a worker process: this binary, started again (and serving it here).
    cli_support::jq::isolate();
    let cli: Cli = cli_support::parse();
    report::finish(app::run(cli))
}
