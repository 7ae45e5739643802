//! The job, from settings to an exit code: read, process, report, write; with --diff, read
//! and process both inputs, print what differs.
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

use crate::pipeline::{Options, Outcome, process};
use crate::settings::{Destination, Format, Settings};
use crate::{diff, exit};

/// The input: [`cli_support::input::JSON_LIMIT`] (64 MiB), a thousand times the largest task
/// definition ECS registers.
const INPUT_LIMIT: cli_support::input::Limit = cli_support::input::Limit {
    hint: "is it the right file? (an ECS task definition is at most 64 KiB)",
    ..cli_support::input::JSON_LIMIT
};

pub fn run(settings: Settings) -> anyhow::Result<ExitCode> {
    if settings.diff.is_some() {
        // As diff(1): trouble is 2, so that 1 means "different" only. A signal keeps its code.
        return compare(settings).map_err(|e| {
            if e.chain()
                .any(|c| c.downcast_ref::<report::Exit>().is_some())
            {
                e
            } else {
                report::exit(exit::DIFF_TROUBLE, format!("{e:#}"))
            }
        });
    }
    if settings.destination == Destination::Check {
        // step_summary.rs: under GitHub Actions, the check's report, its failure included.
        let result = clean(&settings);
        if let Err(e) = &result
            && !e
                .chain()
                .any(|c| c.downcast_ref::<cli_support::UsageError>().is_some())
        {
            let source = settings.input.as_deref().map(|p| p.display().to_string());
            crate::step_summary::failed(source.as_deref(), e);
        }
        return result;
    }
    clean(&settings)
}

/// Read, process, report, write.
fn clean(settings: &Settings) -> anyhow::Result<ExitCode> {
    // Parsed as it is read: the input's bytes are never held next to the tree.
    let cli_support::input::JsonInput {
        source,
        value: json,
        len,
    } = read(settings.input.as_deref())?;
    let note = |message: String| {
        if !settings.quiet {
            cli_support::note(message);
        }
    };
    let job = Job::start()?;
    let opts = Options {
        strict: settings.strict,
        drop: &settings.drop,
        edits: settings.edits.clone(),
        filter: settings.filter.as_ref(),
        run_filter: None,
    };
    let outcome = job.process(json, opts);
    if let Some(signal) = job.signal_came() {
        return Err(stopped(signal, "nothing written"));
    }
    print_problems(&outcome, &source);
    if settings.destination == Destination::Check {
        let source = source.to_string();
        crate::step_summary::check(&source, &outcome.problems, settings.strict);
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
                0 => format!("{source}: register-ready"),
                n => format!(
                    "{source}: no errors, {n} warning{} (see above)",
                    if n == 1 { "" } else { "s" }
                ),
            });
            return Ok(ExitCode::SUCCESS);
        }
        Destination::Stdout => None,
        Destination::File { path, force } => Some((path, *force)),
    };
    // The output is about the size of the input: one allocation, no regrowth.
    let mut bytes = Vec::with_capacity(len + 1);
    if settings.compact {
        serde_json::to_writer(&mut bytes, &output)?;
    } else {
        serde_json::to_writer_pretty(&mut bytes, &output)?;
    }
    bytes.push(b'\n');
    // Only the bytes are written: the tree goes before the write.
    drop(output);
    if let Some(signal) = job.signal_came() {
        return Err(stopped(signal, "nothing written"));
    }
    match file {
        Some((path, force)) => output::write_output(path, &bytes, Access::Shared, force)?,
        None => output::print(&bytes)?,
    }
    // A signal during the write: the output is complete (it is written atomically); the
    // exit code still says that the run was asked to stop.
    if let Some(signal) = job.signal_came() {
        return Err(stopped(signal, "the output was written completely first"));
    }
    Ok(ExitCode::SUCCESS)
}

/// `--diff OLD`: clean OLD, clean (edit, filter) the input, print what differs.
fn compare(settings: Settings) -> anyhow::Result<ExitCode> {
    let Some(how) = settings.diff.clone() else {
        unreachable!("compare runs with --diff")
    };
    let new_input = read(settings.input.as_deref())?;
    let old_input = read(Some(&how.old))?;
    let (new_json, old_json) = (new_input.value, old_input.value);
    let job = Job::start()?;
    let old = job.process(
        old_json,
        Options {
            strict: settings.strict,
            drop: &settings.drop,
            ..Options::default()
        },
    );
    let new = job.process(
        new_json,
        Options {
            strict: settings.strict,
            drop: &settings.drop,
            edits: settings.edits,
            filter: settings.filter.as_ref(),
            run_filter: None,
        },
    );
    if let Some(signal) = job.signal_came() {
        return Err(stopped(signal, "nothing compared"));
    }
    print_problems(&old, &old_input.source);
    print_problems(&new, &new_input.source);
    let new_values_hidden = new.values_hidden;
    let concealed = new.concealed;
    let (Some(Value::Object(old)), Some(Value::Object(new))) = (old.output, new.output) else {
        return Err(report::exit(
            exit::DIFF_TROUBLE,
            "nothing compared: the task definitions above cannot be made register-ready",
        ));
    };
    let mut diff = diff::diff(old, new, how.hide_values);
    if how.hide_values && new_values_hidden {
        diff.hide_new_values();
        // A path has a name as a JSON string: look for the value escaped that way too.
        let escaped: Vec<String> = concealed
            .iter()
            .map(|v| {
                let quoted = Value::from(v.as_str()).to_string();
                quoted[1..quoted.len() - 1].to_owned()
            })
            .collect();
        let concealed =
            ecs_taskdef::problem::Concealed::new(concealed.into_iter().chain(escaped).collect());
        diff.hide_names(|name| concealed.conceals(name));
    }
    let mut text = match how.format {
        Format::Text => diff::text(&diff),
        Format::Markdown => diff::markdown(&diff),
        Format::Json => diff::to_json(&diff, settings.compact),
    };
    if how.format == Format::Json {
        text.push('\n');
    }
    output::print(text.as_bytes())?;
    if diff.equal {
        if !settings.quiet && how.format == Format::Text {
            cli_support::note(format!(
                "{} and {} are the same registration",
                old_input.source, new_input.source
            ));
        }
        Ok(ExitCode::SUCCESS)
    } else {
        Ok(ExitCode::from(exit::DIFFERENT))
    }
}

fn read(file: Option<&std::path::Path>) -> anyhow::Result<cli_support::input::JsonInput> {
    cli_support::input::read_json_input(
        file,
        "describe-task-definition JSON",
        "aws ecs describe-task-definition --task-definition web --include TAGS | taskdef-clean",
        INPUT_LIMIT,
    )
}

/// Each problem on stderr, located in its input (and, under GitHub Actions, as an
/// annotation on the run).
fn print_problems(outcome: &Outcome, source: &cli_support::input::Source) {
    for problem in &outcome.problems {
        let text = match problem.location {
            Some(_) => format!("{source}: {problem}"),
            None => problem.to_string(),
        };
        if problem.is_error() {
            report::error_annotated(text);
        } else {
            report::warn_annotated(text);
        }
    }
}

/// The runtime a filter runs on, and the signals that stop it.
struct Job {
    rt: tokio::runtime::Runtime,
    signals: Signals,
}

impl Job {
    fn start() -> anyhow::Result<Job> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let signals = {
            let _runtime = rt.enter();
            cli_support::signal::listen().context("cannot handle SIGINT and SIGTERM")?
        };
        Ok(Job { rt, signals })
    }

    /// The pipeline on one input. The filter runs in its worker until it is done or a
    /// signal comes (then the worker is killed: dropping the run kills it).
    fn process(&self, json: Value, opts: Options<'_>) -> Outcome {
        let run_filter = |filter: &Filter, input: Value| -> Result<Vec<Value>, RunError> {
            // The filter's input as jaq's value only: the task definition is not held while
            // the filter runs, nor next to its output.
            let val = jq::into_jaq(input);
            self.rt.block_on(async {
                tokio::select! {
                    outputs = filter.run_async(val) => {
                        outputs?.into_iter().map(|v| jq::to_json(&v)).collect()
                    }
                    signal = self.signals.first() => Err(RunError {
                        message: format!("stopped by {signal}"),
                        raised: None,
                    }),
                }
            })
        };
        process(
            json,
            &Options {
                run_filter: Some(&run_filter),
                ..opts
            },
        )
    }

    fn signal_came(&self) -> Option<Signal> {
        signal_came(&self.rt, &self.signals)
    }
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
