//! The job, from settings to an exit code: read, process, report, write.

use std::process::ExitCode;

use cli_support::output::{self, Access};
use cli_support::report;

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
    let opts = Options {
        strict: settings.strict,
        drop: &settings.drop,
        edits: settings.edits,
        filter: settings.filter.as_ref(),
    };
    let outcome = process(json, &opts);
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
            cli_support::note(format!("{errors} errors; nothing written"));
        }
        return Ok(ExitCode::from(exit::PROBLEMS));
    };
    let file = match &settings.destination {
        Destination::Check => {
            let warnings = outcome.problems.len();
            cli_support::note(match warnings {
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
    match file {
        Some((path, force)) => output::write_output(path, &bytes, Access::Shared, force)?,
        None => output::print(&bytes)?,
    }
    Ok(ExitCode::SUCCESS)
}
