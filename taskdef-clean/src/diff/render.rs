//! A [`Diff`] as text (a terminal, a log) and as Markdown (`$GITHUB_STEP_SUMMARY`, a pull
//! request comment). Values are JSON (`"1.4.2"`, `512`); an environment value hidden by
//! `--diff-hide-values` is said to be hidden.
//!
//! Every name and value is escaped one way, as a JSON string is, and further: DEL, the C1
//! controls and the bidirectional formatting characters are written `\uXXXX` too, so that no
//! input reaches a terminal or a rendered page as a control sequence.

use std::fmt::Write as _;

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
                entry: true,
            });
        }
        (Status::Changed, Some(image)) => rows.push(Row {
            container: name,
            what: "image".to_owned(),
            old: image.old.as_ref(),
            new: image.new.as_ref(),
            hidden: false,
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
        entry: false,
    }
}

fn show(v: Option<&Value>) -> String {
    v.map_or_else(|| "(absent)".to_owned(), json)
}

/// A value as JSON, escaped (see the module's documentation).
fn json(v: &Value) -> String {
    harden(&v.to_string())
}

/// A name as the inside of a JSON string, escaped (see the module's documentation).
fn escape(name: &str) -> String {
    let quoted = json(&Value::from(name));
    quoted[1..quoted.len() - 1].to_owned()
}

/// A name in double quotes, escaped.
fn quoted(name: &str) -> String {
    format!("\"{}\"", escape(name))
}

/// JSON text (or a path, whose keys are JSON strings) with the characters JSON leaves raw
/// but a terminal acts on written `\uXXXX`: DEL, C1 controls, bidirectional formatting and
/// the line and paragraph separators. Those can only be inside strings, where the escape is
/// the same character.
fn harden(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control()
            || matches!(
                c,
                '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{2028}' | '\u{2029}'
            )
            || ('\u{202a}'..='\u{202e}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c)
        {
            write!(out, "\\u{:04x}", u32::from(c)).expect("a String takes every write");
        } else {
            out.push(c);
        }
    }
    out
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
        let change = match (row.hidden, row.entry, row.old, row.new) {
            (true, ..) => "(value not shown)".to_owned(),
            (false, true, None, None) => String::new(),
            (false, true, old, new) => show(new.or(old)),
            (false, false, old, new) => format!("{} -> {}", show(old), show(new)),
        };
        let sep = if change.is_empty() { "" } else { ": " };
        writeln!(out, "  {}{sep}{change}", row.what).expect("a String takes every write");
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
        let cell = |v: Option<&Value>| match (row.hidden, v) {
            (true, _) => "*(not shown)*".to_owned(),
            (false, None) => String::new(),
            (false, Some(v)) => code(&json(v)),
        };
        writeln!(
            out,
            "| {} | {} | {} | {} |",
            row.container.map(|c| code(&escape(c))).unwrap_or_default(),
            code(&row.what),
            cell(row.old),
            cell(row.new)
        )
        .expect("a String takes every write");
    }
    out
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
