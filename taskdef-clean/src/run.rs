//! The job, from settings to an exit code: read, process, report, write.
//!
//! Once the input is read, SIGINT and SIGTERM stop the run cleanly (`cli_support::signal`):
//! a filter's worker is stopped, nothing is written (no partial output, no temporary file)
//! and the exit code is 130 or 143. Reading stdin stays interruptible the default way.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use cli_support::jq::{self, Filter, RunError};
use cli_support::output::{self, Access};
use cli_support::report;
use cli_support::signal::{Signal, Signals};
use serde_json::Value;

use crate::exit;
use crate::pipeline::{Options, process};
use crate::settings::{Destination, Settings};

/// The input: [`cli_support::input::JSON_LIMIT`] (64 MiB), a thousand times the largest task
/// definition ECS registers.
const INPUT_LIMIT: cli_support::input::Limit = cli_support::input::Limit {
    hint: "is it the right file? (an ECS task definition is at most 64 KiB)",
    ..cli_support::input::JSON_LIMIT
};

pub fn run(settings: Settings) -> anyhow::Result<ExitCode> {
    let input = cli_support::input::read_input_limited(
        settings.input.as_deref(),
        "describe-task-definition JSON",
        "aws ecs describe-task-definition --task-definition web --include TAGS | taskdef-clean",
        INPUT_LIMIT,
    )?;
    let json = input.json()?;
    let note = |message: String| {
        if !settings.quiet {
            cli_support::note(message);
        }
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let signals = {
        let _runtime = rt.enter();
        cli_support::signal::listen().context("cannot handle SIGINT and SIGTERM")?
    };
    // The filter runs in its worker until it is done or a signal comes (then the worker is
    // killed: dropping the run kills it).
    let run_filter = |filter: &Filter, input: &Value| -> Result<Vec<Value>, RunError> {
        rt.block_on(async {
            tokio::select! {
                outputs = filter.run_async(jq::from_json(input)) => {
                    outputs?.iter().map(jq::to_json).collect()
                }
                signal = signals.first() => Err(RunError {
                    message: format!("stopped by {signal}"),
                    raised: None,
                }),
            }
        })
    };
    let opts = Options {
        strict: settings.strict,
        drop: &settings.drop,
        edits: settings.edits,
        filter: settings.filter.as_ref(),
        run_filter: Some(&run_filter),
    };
    let outcome = process(json, &opts);
    if let Some(signal) = signal_came(&rt, &signals) {
        return Err(stopped(signal, "nothing written"));
    }
    for problem in &outcome.problems {
        let text = match problem.location {
            Some(_) => format!("{}: {problem}", input.source),
            None => problem.to_string(),
        };
        // Under GitHub Actions, each problem is also an annotation on the run.
        if problem.is_error() {
            report::error_annotated(text);
        } else {
            report::warn_annotated(text);
        }
    }
    let errors = outcome.errors();
    let Some(output) = outcome.output else {
        if errors > 1 {
            note(format!("{errors} errors; nothing written"));
        }
        return Ok(ExitCode::from(exit::PROBLEMS));
    };
    let file = match &settings.destination {
        Destination::Check => {
            let warnings = outcome.problems.len();
            note(match warnings {
                0 => format!("{}: register-ready", input.source),
                n => format!(
                    "{}: no errors, {n} warning{} (see above)",
                    input.source,
                    if n == 1 { "" } else { "s" }
                ),
            });
            return Ok(ExitCode::SUCCESS);
        }
        Destination::Stdout => None,
        Destination::File { path, force } => Some((path, *force)),
    };
    // The output is about the size of the input: one allocation, no regrowth.
    let mut bytes = Vec::with_capacity(input.bytes.len() + 1);
    if settings.compact {
        serde_json::to_writer(&mut bytes, &output)?;
    } else {
        serde_json::to_writer_pretty(&mut bytes, &output)?;
    }
    bytes.push(b'\n');
    if let Some(signal) = signal_came(&rt, &signals) {
        return Err(stopped(signal, "nothing written"));
    }
    match file {
        Some((path, force)) => output::write_output(path, &bytes, Access::Shared, force)?,
        None => output::print(&bytes)?,
    }
    // A signal during the write: the output is complete (it is written atomically); the
    // exit code still says that the run was asked to stop.
    if let Some(signal) = signal_came(&rt, &signals) {
        return Err(stopped(signal, "the output was written completely first"));
    }
    Ok(ExitCode::SUCCESS)
}

/// The signal that came, if one did. Its listener runs only while the runtime is driven:
/// park it briefly, so that a signal already delivered is seen.
fn signal_came(rt: &tokio::runtime::Runtime, signals: &Signals) -> Option<Signal> {
    rt.block_on(async { tokio::time::sleep(Duration::from_millis(1)).await });
    signals.fired()
}

fn stopped(signal: Signal, what: &str) -> anyhow::Error {
    report::exit(
        exit::of_signal(signal),
        format!("stopped by {signal}; {what}"),
    )
}
