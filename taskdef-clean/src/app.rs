//! The job, from parsed arguments to an exit code: read, process, report, write.

use std::process::ExitCode;

use cli_support::output::{self, Access};
use cli_support::report;

use crate::cli::Cli;
use crate::edit::Edits;
use crate::pipeline::{Options, process};

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    if cli.generate.handle::<Cli>()? {
        return Ok(ExitCode::SUCCESS);
    }
    // A filter that does not compile is a usage error: say so before reading anything.
    let filter = match &cli.filter {
        Some(code) => Some(
            cli_support::jq::compile(code, &cli_support::jq::arg_pairs(&cli.arg))
                .map_err(|e| cli_support::usage(format!("--filter does not compile: {e}")))?,
        ),
        None => None,
    };
    crate::edit::repeated_image(&cli.image).map_err(cli_support::usage)?;
    let input = cli.input.read(
        "describe-task-definition JSON",
        "aws ecs describe-task-definition --task-definition web --include TAGS | taskdef-clean",
    )?;
    let json = input.json()?;
    let opts = Options {
        strict: cli.strict,
        drop: &cli.drop,
        edits: Edits {
            family: cli.family,
            cpu: cli.cpu,
            memory: cli.memory,
            task_role_arn: cli.task_role_arn,
            execution_role_arn: cli.execution_role_arn,
            images: cli.image,
            unset_env: cli.unset_env,
            env: cli.env,
            unset_secrets: cli.unset_secret,
            secrets: cli.secret,
        },
        filter: filter.as_ref(),
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
        return Ok(ExitCode::from(1));
    };
    if cli.check {
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
    // The output is about the size of the input: one allocation, no regrowth.
    let mut bytes = Vec::with_capacity(input.bytes.len() + 1);
    if cli.compact {
        serde_json::to_writer(&mut bytes, &output)?;
    } else {
        serde_json::to_writer_pretty(&mut bytes, &output)?;
    }
    bytes.push(b'\n');
    match &cli.output {
        Some(path) => output::write_output(path, &bytes, Access::Shared, cli.force)?,
        None => output::print(&bytes)?,
    }
    Ok(ExitCode::SUCCESS)
}
