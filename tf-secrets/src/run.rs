//! The job, from the settings: read, select, validate, then print, plan or write, and
//! report.

use std::fmt::{self, Write as _};
use std::io::{IsTerminal as _, Write as _};
use std::process::ExitCode;

use cli_support::gha::summary::text;
use cli_support::redact::Redactor;
use cli_support::{gha, output, usage};

use crate::dest::{self, Kind, Scope};
use crate::exit;
use crate::format::{self, Format, Row};
use crate::notes;
use crate::outputs::Outputs;
use crate::select::{self, Item, Problems};
use crate::settings::Settings;
use crate::step_summary::{self, Line};
use crate::write::{self, Outcome, Via, Writes};

const EXAMPLE: &str = "terraform output -json | tf-secrets --dry-run DB_PASSWORD=db_password";

/// The input: [`cli_support::input::JSON_LIMIT`] (64 MiB).
const INPUT_LIMIT: cli_support::input::Limit = cli_support::input::Limit {
    hint: "is it the right file? (for a few outputs of a large state, select them first: \
           terraform output -json | jq '{db_password, api_key}')",
    ..cli_support::input::JSON_LIMIT
};

pub fn run(settings: Settings) -> anyhow::Result<ExitCode> {
    let result = read_and_execute(settings);
    // step_summary.rs: under GitHub Actions a failure is named in the step summary too.
    if let Err(e) = &result
        && !e
            .chain()
            .any(|c| c.downcast_ref::<cli_support::UsageError>().is_some())
    {
        step_summary::failed(cli_support::report::code_for(e, exit::FAILURE));
    }
    result
}

fn read_and_execute(settings: Settings) -> anyhow::Result<ExitCode> {
    notes::set_quiet(settings.quiet);
    let input = cli_support::input::read_input_limited(
        settings.input.as_deref(),
        "`terraform output -json`",
        EXAMPLE,
        INPUT_LIMIT,
    )?;
    let outputs = Outputs::parse(&input.bytes, &input.source)?;
    drop(input); // the parsed outputs hold every value; the raw bytes are not needed again
    execute(settings, &outputs)
}

/// The tool's own messages (names, counts, the summary) are never redacted: only text that
/// came from outside (GitHub's answers, gh's stderr) is, where it is read, and only with the
/// values this run sends (and the token). A blanket pass over the tool's words would turn a
/// short value such as `not` into `***` inside them, and so point at it.
fn execute(settings: Settings, outputs: &Outputs) -> anyhow::Result<ExitCode> {
    let redactor = outputs.redactor();
    let items = select::select(outputs, &settings.selectors, &settings.options, &redactor)
        .map_err(Problems::into_error)?;

    let Some(scope) = &settings.scope else {
        return print(&settings, &items);
    };
    let planned: Vec<(Item, Kind)> = items
        .into_iter()
        .map(|item| {
            let kind = Kind::for_item(&item, settings.variables);
            (item, kind)
        })
        .collect();
    let problems = dest::check(&planned, scope, settings.via_gh, settings.allow_trim);
    if !problems.is_empty() {
        return Err(Problems {
            usage: Vec::new(),
            invalid: problems,
        }
        .into_error());
    }
    let counts = Counts::of(&planned);
    if settings.dry_run {
        let rows: Vec<Row<'_>> = planned
            .iter()
            .map(|(item, kind)| row(item, kind.as_str(), "planned", None))
            .collect();
        show_plan(settings.json, &scope.describe(), &rows)?;
        step_summary::report(
            &format!(
                "dry run, nothing written: would set {counts} in {}",
                text(&scope.describe())
            ),
            &planned
                .iter()
                .map(|(item, kind)| line(item, kind.as_str(), "planned"))
                .collect::<Vec<_>>(),
        );
        notes::note(format_args!(
            "dry run: would set {counts} in {}{}; nothing was written",
            scope.describe(),
            if settings.via_gh { " with gh" } else { "" }
        ));
        return Ok(ExitCode::from(exit::SUCCESS));
    }

    // GitHub's and gh's messages are redacted where the clients read them: an answer may
    // quote any value sent, sensitive or not (and the REST client adds the token); a value
    // not sent cannot be in them.
    let mut answers = Redactor::default();
    for (item, _) in &planned {
        answers.add(&item.value);
    }
    let via = match settings.github {
        Some(config) => Via::Rest(config),
        None => Via::Gh,
    };
    let writes = write::write(via, scope, &planned, answers)?;
    report(settings.json, scope, &planned, &counts, &writes)
}

/// How many secrets and variables a plan sets: for messages, and for what the writes need
/// first (the public key for secrets, access to the variables).
struct Counts {
    secrets: usize,
    variables: usize,
}

impl Counts {
    fn of(planned: &[(Item, Kind)]) -> Counts {
        let secrets = planned.iter().filter(|(_, k)| *k == Kind::Secret).count();
        Counts {
            secrets,
            variables: planned.len() - secrets,
        }
    }
}

/// `2 secrets and 1 variable`
impl fmt::Display for Counts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
        match (self.secrets, self.variables) {
            (s, 0) => f.write_str(&plural(s, "secret")),
            (0, v) => f.write_str(&plural(v, "variable")),
            (s, v) => write!(f, "{} and {}", plural(s, "secret"), plural(v, "variable")),
        }
    }
}

fn row<'a>(
    item: &'a Item,
    kind: &'static str,
    status: &'static str,
    error: Option<String>,
) -> Row<'a> {
    Row {
        item,
        kind,
        status,
        error,
    }
}

fn show_plan(json: bool, destination: &str, rows: &[Row<'_>]) -> anyhow::Result<()> {
    let text = if json {
        format::report_json(destination, rows)
    } else {
        format::plan_table(rows)
    };
    output::print(text.as_bytes())
}

/// `--format` (or `--dry-run` without a destination).
fn print(settings: &Settings, items: &[Item]) -> anyhow::Result<ExitCode> {
    let format = settings.format.unwrap_or(Format::Names);
    if settings.dry_run {
        let rows: Vec<Row<'_>> = items
            .iter()
            .map(|i| row(i, "value", "planned", None))
            .collect();
        show_plan(settings.json, "stdout", &rows)?;
        step_summary::report(
            &format!(
                "dry run, nothing printed: {} selected{}",
                values(items.len()),
                settings
                    .format
                    .map(|f| format!(" for `--format {f}`"))
                    .unwrap_or_default()
            ),
            &items
                .iter()
                .map(|i| line(i, "value", "planned"))
                .collect::<Vec<_>>(),
        );
        // The plan went to stdout; the values did not.
        notes::note(format_args!(
            "dry run: {} selected{}; the plan above is on stdout, no value was printed",
            match items.len() {
                1 => "1 value".to_owned(),
                n => format!("{n} values"),
            },
            settings
                .format
                .map(|_| format!(" for --format {format}"))
                .unwrap_or_default()
        ));
        return Ok(ExitCode::from(exit::SUCCESS));
    }
    let with_values = format != Format::Names;
    let sensitive: Vec<&str> = items
        .iter()
        .filter(|i| i.sensitive)
        .map(|i| i.name.as_str())
        .collect();
    if with_values && !sensitive.is_empty() && !settings.reveal && std::io::stdout().is_terminal() {
        return Err(usage(format!(
            "refusing to print sensitive values ({}) to a terminal: redirect stdout \
             (>> \"$GITHUB_ENV\", > file, | command) or pass --reveal",
            sensitive.join(", ")
        )));
    }
    let bytes = format::render(format, items).map_err(anyhow::Error::msg)?;
    if with_values && gha::active() {
        // Before the data: from now on the runner hides these values in the log.
        let masks = format::mask_commands(items);
        let mut err = std::io::stderr().lock();
        let _ = err.write_all(masks.as_bytes()).and_then(|()| err.flush());
    }
    output::print(&bytes)?;
    step_summary::report(
        &format!("{} printed with `--format {format}`", values(items.len())),
        &items
            .iter()
            .map(|i| {
                line(
                    i,
                    "value",
                    if with_values {
                        "printed"
                    } else {
                        "size printed"
                    },
                )
            })
            .collect::<Vec<_>>(),
    );
    Ok(ExitCode::from(exit::SUCCESS))
}

/// `1 value`, `2 values`
fn values(n: usize) -> String {
    if n == 1 {
        "1 value".to_owned()
    } else {
        format!("{n} values")
    }
}

/// A value in the step summary: its name and size, never the value.
fn line<'a>(item: &'a Item, kind: &'a str, status: &'a str) -> Line<'a> {
    Line {
        name: &item.name,
        kind,
        bytes: item.value.len(),
        sensitive: item.sensitive,
        status,
    }
}

fn report(
    json: bool,
    scope: &Scope,
    planned: &[(Item, Kind)],
    counts: &Counts,
    writes: &Writes,
) -> anyhow::Result<ExitCode> {
    let outcomes = &writes.outcomes;
    if json {
        let rows: Vec<Row<'_>> = planned
            .iter()
            .zip(outcomes)
            .map(|((item, kind), outcome)| {
                let error = match outcome {
                    Outcome::Failed(e) => Some(e.clone()),
                    _ => None,
                };
                row(item, kind.as_str(), outcome.status(), error)
            })
            .collect();
        let text = format::report_json_interrupted(&scope.describe(), &rows, writes.interrupted);
        output::print(text.as_bytes())?;
    }
    let names = |wanted: fn(&Outcome) -> bool| -> Vec<&str> {
        planned
            .iter()
            .zip(outcomes)
            .filter(|(_, outcome)| wanted(outcome))
            .map(|((item, _), _)| item.name.as_str())
            .collect()
    };
    let set = names(|o| matches!(o, Outcome::Written(_)));
    let failed = names(|o| matches!(o, Outcome::Failed(_)));
    let in_doubt = names(|o| *o == Outcome::InDoubt);
    let skipped = names(|o| *o == Outcome::NotAttempted);
    summarize(
        scope,
        planned,
        writes,
        counts,
        set.len(),
        failed.len() + skipped.len(),
    );
    if let Some(signal) = writes.interrupted {
        let list = |names: &[&str]| {
            if names.is_empty() {
                "none".to_owned()
            } else {
                names.join(", ")
            }
        };
        let mut message = format!(
            "interrupted by {signal}: in {}: set: {}",
            scope.describe(),
            list(&set)
        );
        if !failed.is_empty() {
            let _ = write!(message, "; failed: {}", failed.join(", "));
        }
        if !in_doubt.is_empty() {
            let _ = write!(
                message,
                "; in doubt (abandoned in flight, may have been set): {}",
                in_doubt.join(", ")
            );
        }
        let _ = write!(
            message,
            "; not attempted: {}; a re-run sets them all again",
            list(&skipped)
        );
        cli_support::report::error(message);
        return Ok(ExitCode::from(exit::for_signal(signal)));
    }
    if failed.is_empty() && skipped.is_empty() {
        notes::note(format_args!("set {counts} in {}", scope.describe()));
        return Ok(ExitCode::from(exit::SUCCESS));
    }
    let mut message = format!(
        "{} of {} not set in {}: failed: {}",
        failed.len() + skipped.len(),
        planned.len(),
        scope.describe(),
        failed.join(", ")
    );
    if !skipped.is_empty() {
        let _ = write!(
            message,
            "; not attempted after that failure: {}",
            skipped.join(", ")
        );
    }
    let _ = write!(message, "; {} set; a re-run sets them all again", set.len());

    Err(anyhow::anyhow!(message))
}

/// The step summary of the writes: what became of each value, never the value.
fn summarize(
    scope: &Scope,
    planned: &[(Item, Kind)],
    writes: &Writes,
    counts: &Counts,
    set: usize,
    not_set: usize,
) {
    let lines: Vec<Line<'_>> = planned
        .iter()
        .zip(&writes.outcomes)
        .map(|((item, kind), outcome)| line(item, kind.as_str(), outcome.status()))
        .collect();
    let scope = text(&scope.describe());
    let headline = match writes.interrupted {
        Some(signal) => format!(
            "interrupted by {signal}: {set} of {} set in {scope}",
            planned.len()
        ),
        None if not_set == 0 => format!("set {counts} in {scope}"),
        None => format!("failed: {not_set} of {} not set in {scope}", planned.len()),
    };
    step_summary::report(&headline, &lines);
}
