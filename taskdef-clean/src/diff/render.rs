//! A [`Diff`] as text (a terminal, a log) and as Markdown (`$GITHUB_STEP_SUMMARY`, a pull
//! request comment). Values are JSON (`"1.4.2"`, `512`); an environment value hidden by
//! `--diff-hide-values` is said to be hidden.
//!
//! Every name and value is escaped one way (`ecs_taskdef::text`, as taskdef-clean's messages
//! are), as a JSON string is, and further: DEL, the C1 controls and the bidirectional
//! formatting characters are written `\uXXXX` too, so that no input reaches a terminal or a
//! rendered page as a control sequence.

use std::fmt::Write as _;

use ecs_taskdef::text::{escape, harden, json, quoted};
use serde_json::Value;

use super::{Change, ContainerDiff, Diff, Entry, Status};

/// One line of a diff: where, what, old, new (`None`: absent; hidden values are `None` too,
/// with `hidden`).
struct Row<'a> {
    container: Option<&'a str>,
    what: String,
    old: Option<&'a Value>,
    new: Option<&'a Value>,
    hidden: bool,
    /// There is a new value, not shown ([`Diff::hide_new_values`]).
    new_hidden: bool,
    /// An entry added or removed (one value to show), not a member.
    entry: bool,
}

fn rows(diff: &Diff) -> Vec<Row<'_>> {
    let mut rows = Vec::new();
    for c in &diff.containers {
        container_rows(c, &mut rows);
    }
    for t in &diff.tags {
        rows.push(entry_row(None, "tag", t, false));
    }
    for m in &diff.members {
        rows.push(change_row(None, m));
    }
    rows
}

fn container_rows<'a>(c: &'a ContainerDiff, rows: &mut Vec<Row<'a>>) {
    let name = Some(c.name.as_str());
    let whole = c.status != Status::Changed;
    match (c.status, &c.image) {
        (Status::Added | Status::Removed, image) => {
            let verb = if c.status == Status::Added {
                "container added"
            } else {
                "container removed"
            };
            rows.push(Row {
                container: name,
                what: verb.to_owned(),
                old: image.as_ref().and_then(|i| i.old.as_ref()),
                new: image.as_ref().and_then(|i| i.new.as_ref()),
                hidden: false,
                new_hidden: image.as_ref().is_some_and(|i| i.new_hidden),
                entry: true,
            });
        }
        (Status::Changed, Some(image)) => rows.push(Row {
            container: name,
            what: "image".to_owned(),
            old: image.old.as_ref(),
            new: image.new.as_ref(),
            hidden: false,
            new_hidden: image.new_hidden,
            entry: false,
        }),
        (Status::Changed, None) => {}
    }
    let hidden = |e: &Entry| e.old.is_none() && e.new.is_none();
    for e in &c.environment {
        rows.push(entry_row(name, "environment", e, hidden(e)));
    }
    for e in &c.secrets {
        rows.push(entry_row(name, "secret", e, false));
    }
    for m in &c.members {
        // A member of an added or removed container: one value, as an entry.
        rows.push(Row {
            entry: whole,
            ..change_row(name, m)
        });
    }
}

fn entry_row<'a>(container: Option<&'a str>, kind: &str, e: &'a Entry, hidden: bool) -> Row<'a> {
    let status = match e.status {
        Status::Added => "added",
        Status::Removed => "removed",
        Status::Changed => "changed",
    };
    Row {
        container,
        what: match &e.name {
            Some(name) => format!("{kind} {} {status}", escape(name)),
            None => format!("{kind} without a name {status}"),
        },
        old: e.old.as_ref(),
        new: e.new.as_ref(),
        hidden,
        new_hidden: e.new_hidden,
        entry: e.status != Status::Changed,
    }
}

fn change_row<'a>(container: Option<&'a str>, c: &'a Change) -> Row<'a> {
    Row {
        container,
        what: harden(&c.path),
        old: c.old.as_ref(),
        new: c.new.as_ref(),
        hidden: false,
        new_hidden: c.new_hidden,
        entry: false,
    }
}

fn show(v: Option<&Value>) -> String {
    v.map_or_else(|| "(absent)".to_owned(), json)
}

/// Said of a diff whose new values are not shown.
const NEW_HIDDEN: &str = "the new values are not shown: --diff-hide-values, and the --filter \
     ran over environment values and may have copied one into any member";

/// The diff as JSON (`--format json`): indented, or on one line (`--compact`). Strings are
/// escaped as in the text form (C1 controls, DEL and bidirectional formatting as `\uXXXX`
/// too), so that the document is the same once parsed and shows nothing raw when printed.
pub fn to_json(diff: &Diff, compact: bool) -> String {
    let text = if compact {
        serde_json::to_string(diff)
    } else {
        serde_json::to_string_pretty(diff)
    };
    // Made of strings, numbers and JSON values: serialising cannot fail. The only raw
    // controls serde_json writes are the line breaks of the indented form (it escapes those
    // in strings): line by line, they stay.
    let text = text.expect("a diff serialises");
    text.split('\n').map(harden).collect::<Vec<_>>().join("\n")
}

/// The diff for a terminal or a log: one line per difference, by container, then the tags
/// and the task's members; nothing when equal.
pub fn text(diff: &Diff) -> String {
    let mut out = String::new();
    let mut current: Option<Option<&str>> = None;
    for row in rows(diff) {
        if current != Some(row.container) {
            current = Some(row.container);
            match row.container {
                Some(name) => writeln!(out, "container {}:", quoted(name)),
                None => writeln!(out, "task definition:"),
            }
            .expect("a String takes every write");
        }
        let new = if row.new_hidden {
            "(not shown)".to_owned()
        } else {
            show(row.new)
        };
        let change = match (row.hidden, row.entry, row.old, row.new) {
            (true, ..) => "(value not shown)".to_owned(),
            _ if row.entry && row.new_hidden => new,
            (false, true, None, None) => String::new(),
            (false, true, old, new) => show(new.or(old)),
            (false, false, old, _) => format!("{} -> {new}", show(old)),
        };
        let sep = if change.is_empty() { "" } else { ": " };
        writeln!(out, "  {}{sep}{change}", row.what).expect("a String takes every write");
    }
    if diff.new_values_hidden && !diff.equal {
        writeln!(out, "({NEW_HIDDEN})").expect("a String takes every write");
    }
    out
}

/// The diff as a Markdown table (a heading, then one row per difference), or a line saying
/// there is none.
pub fn markdown(diff: &Diff) -> String {
    let mut out = String::from("### Task definition changes\n\n");
    if diff.equal {
        out.push_str("No changes.\n");
        return out;
    }
    out.push_str("| container | what | old | new |\n|---|---|---|---|\n");
    for row in rows(diff) {
        let cell = |v: Option<&Value>, hidden: bool| match (row.hidden || hidden, v) {
            (true, _) => "*(not shown)*".to_owned(),
            (false, None) => String::new(),
            (false, Some(v)) => code(&json(v)),
        };
        writeln!(
            out,
            "| {} | {} | {} | {} |",
            row.container.map(|c| code(&escape(c))).unwrap_or_default(),
            code(&row.what),
            cell(row.old, false),
            cell(row.new, row.new_hidden)
        )
        .expect("a String takes every write");
    }
    if diff.new_values_hidden {
        writeln!(out, "\n*{}.*", capitalised(NEW_HIDDEN)).expect("a String takes every write");
    }
    out
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// `text` as inline code in a table cell: backticks long enough for the ones inside, `|`
/// escaped, line breaks as spaces.
pub(super) fn code(text: &str) -> String {
    let text = text.replace('|', "\\|").replace(['\n', '\r'], " ");
    let mut ticks = "`".to_owned();
    while text.contains(ticks.as_str()) {
        ticks.push('`');
    }
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{text}{pad}{ticks}")
}
