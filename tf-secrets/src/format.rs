//! What goes to stdout: the values in a format for pipes (`--format`), the plan of
//! `--dry-run` and the `--json` report (never values).

use std::fmt::{self, Write as _};

use cli_support::gha;
use serde::Serialize;

use crate::select::Item;

/// How `--format` prints the values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `{"NAME": "value", ...}`
    Json,
    /// `export NAME='value'` lines for a POSIX shell.
    Env,
    /// `NAME<<DELIMITER` blocks for `$GITHUB_ENV` or `$GITHUB_OUTPUT`.
    GithubEnv,
    /// `NAME<TAB>BYTES` lines: no values.
    Names,
}

/// The flag's value (`github-env`), for messages.
impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Json => "json",
            Format::Env => "env",
            Format::GithubEnv => "github-env",
            Format::Names => "names",
        })
    }
}

/// The values in `format`. Fails (naming the secret) when a value cannot be written in it.
pub fn render(format: Format, items: &[Item]) -> Result<Vec<u8>, String> {
    let text = match format {
        Format::Json => {
            let map: serde_json::Map<String, serde_json::Value> = items
                .iter()
                .map(|i| (i.name.clone(), serde_json::Value::String(i.value.clone())))
                .collect();
            let mut text = serde_json::Value::Object(map).to_string();
            text.push('\n');
            text
        }
        Format::Env => {
            let mut text = String::new();
            for item in items {
                refuse_nul(item, "a shell variable")?;
                let _ = writeln!(text, "export {}={}", item.name, shell_quote(&item.value));
            }
            text
        }
        Format::GithubEnv => {
            let mut text = String::new();
            for item in items {
                refuse_nul(item, "an environment variable")?;
                let delimiter = delimiter_for(&item.value);
                let _ = write!(
                    text,
                    "{}<<{delimiter}\n{}\n{delimiter}\n",
                    item.name, item.value
                );
            }
            text
        }
        Format::Names => {
            let mut text = String::new();
            for item in items {
                let _ = writeln!(text, "{}\t{}", item.name, item.value.len());
            }
            text
        }
    };
    Ok(text.into_bytes())
}

fn refuse_nul(item: &Item, what: &str) -> Result<(), String> {
    if item.value.contains('\0') {
        Err(format!(
            "{}: the value contains a NUL character, which {what} cannot hold",
            item.name
        ))
    } else {
        Ok(())
    }
}

/// `'...'` with each `'` written as `'\''`: nothing inside is expanded by a POSIX shell.
pub fn shell_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

/// A random heredoc delimiter that occurs nowhere in the value (as the GitHub Actions
/// toolkit does; a guessable delimiter lets a value inject variables).
fn delimiter_for(value: &str) -> String {
    loop {
        let delimiter = gha::random_token("ghadelimiter_");
        if !value.contains(&delimiter) {
            return delimiter;
        }
    }
}

/// The `::add-mask::` commands for the sensitive values (one per line, and the
/// JSON-escaped form of multi-line values, which is how `--format json` prints them).
pub fn mask_commands(items: &[Item]) -> String {
    let mut out = String::new();
    for item in items.iter().filter(|i| i.sensitive) {
        out.push_str(&gha::mask_commands(&item.value));
        let json = serde_json::Value::String(item.value.clone()).to_string();
        let escaped = &json[1..json.len() - 1];
        if escaped != item.value {
            out.push_str(&gha::mask_commands(escaped));
        }
    }
    out
}

/// One row of a plan or report.
#[derive(Debug, Clone)]
pub struct Row<'a> {
    pub item: &'a Item,
    /// `secret`, `variable`, or `value` when printing.
    pub kind: &'static str,
    /// `planned`, `created`, `updated`, `set`, `failed`, `not attempted`.
    pub status: &'static str,
    pub error: Option<String>,
}

/// The `--dry-run` table.
pub fn plan_table(rows: &[Row<'_>]) -> String {
    let source = |r: &Row<'_>| {
        r.item
            .source
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let name_w = rows
        .iter()
        .map(|r| r.item.name.len())
        .max()
        .unwrap_or(0)
        .max(4);
    let kind_w = rows.iter().map(|r| r.kind.len()).max().unwrap_or(0).max(4);
    let mut out = format!(
        "{:name_w$}  {:kind_w$}  SENSITIVE  {:>6}  SOURCE\n",
        "NAME", "KIND", "BYTES"
    );
    for r in rows {
        let _ = writeln!(
            out,
            "{:name_w$}  {:kind_w$}  {:9}  {:>6}  {}",
            r.item.name,
            r.kind,
            if r.item.sensitive { "yes" } else { "no" },
            r.item.value.len(),
            source(r)
        );
    }
    out
}

/// The `--json` report (and the `--json` plan of `--dry-run`), on one line:
///
/// ```json
/// {"destination":"repository o/r","values":[{"name":"DB_PASSWORD","kind":"secret",
///  "sensitive":true,"bytes":7,"source":"db_password","status":"created","error":null}]}
/// ```
///
/// `destination` is where the values go, as messages name it (`stdout` when printing).
/// A run stopped by a signal adds `"interrupted":"SIGINT"` (or `SIGTERM`) at the end; the
/// member is absent otherwise.
#[derive(Serialize)]
struct Report<'a> {
    destination: &'a str,
    values: Vec<ReportRow<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    interrupted: Option<&'static str>,
}

/// One value of the [`Report`], never the value itself.
#[derive(Serialize)]
struct ReportRow<'a> {
    /// The secret's or variable's name.
    name: &'a str,
    /// `secret`, `variable`, or `value` when printing.
    kind: &'a str,
    sensitive: bool,
    /// The value's length in bytes.
    bytes: usize,
    /// The output name, or the filter's code.
    source: &'a str,
    /// `planned`, `created`, `updated`, `set`, `failed`, `not attempted`, or `in doubt` (a
    /// write abandoned in flight at a second signal: it may have been set).
    status: &'a str,
    /// Why it failed (`null` unless `failed`), redacted.
    error: Option<&'a str>,
}

/// The `--json` report ([`Report`]): one object per value, without the value.
pub fn report_json(destination: &str, rows: &[Row<'_>]) -> String {
    report_json_interrupted(destination, rows, None)
}

/// [`report_json`] of a run that `interrupted` stopped (if any).
pub fn report_json_interrupted(
    destination: &str,
    rows: &[Row<'_>],
    interrupted: Option<cli_support::signal::Signal>,
) -> String {
    let report = Report {
        destination,
        interrupted: interrupted.map(cli_support::signal::Signal::name),
        values: rows
            .iter()
            .map(|r| ReportRow {
                name: &r.item.name,
                kind: r.kind,
                sensitive: r.item.sensitive,
                bytes: r.item.value.len(),
                source: &r.item.source,
                status: r.status,
                error: r.error.as_deref(),
            })
            .collect(),
    };
    let mut text = serde_json::to_string(&report).expect("a report is strings and numbers");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(name: &str, value: &str, sensitive: bool) -> Item {
        Item {
            name: name.into(),
            value: value.into(),
            sensitive,
            source: "out".into(),
        }
    }

    fn text(format: Format, items: &[Item]) -> String {
        String::from_utf8(render(format, items).unwrap()).unwrap()
    }

    #[test]
    fn env_is_shell_safe() {
        let items = [item("A", "it's $HOME `x` \\ \"q\"\nline", false)];
        assert_eq!(
            text(Format::Env, &items),
            "export A='it'\\''s $HOME `x` \\ \"q\"\nline'\n"
        );
    }

    #[test]
    fn github_env_uses_a_random_delimiter_and_keeps_trailing_newlines() {
        let out = text(Format::GithubEnv, &[item("KEY", "l1\nl2\n", true)]);
        let (first, rest) = out.split_once('\n').unwrap();
        let delimiter = first.strip_prefix("KEY<<").unwrap();
        assert!(delimiter.starts_with("ghadelimiter_") && delimiter.len() > 30);
        assert_eq!(rest, format!("l1\nl2\n\n{delimiter}\n"));
        let again = text(Format::GithubEnv, &[item("KEY", "x", true)]);
        assert!(!again.contains(delimiter));
    }

    #[test]
    fn json_and_names() {
        let items = [item("A", "1\n", true), item("B", "é", false)];
        assert_eq!(text(Format::Json, &items), "{\"A\":\"1\\n\",\"B\":\"é\"}\n");
        assert_eq!(text(Format::Names, &items), "A\t2\nB\t2\n");
    }

    #[test]
    fn nul_is_refused_where_it_cannot_live() {
        let items = [item("A", "a\0b", true)];
        assert!(
            render(Format::Env, &items)
                .unwrap_err()
                .starts_with("A: the value contains a NUL")
        );
        assert!(render(Format::GithubEnv, &items).is_err());
        assert!(render(Format::Json, &items).is_ok());
    }

    #[test]
    fn masks_lines_and_json_form_of_sensitive_values_only() {
        let items = [item("K", "ab%c\nline2\n", true), item("P", "public", false)];
        assert_eq!(
            mask_commands(&items),
            "::add-mask::ab%25c\n::add-mask::line2\n::add-mask::ab%25c\\nline2\\n\n"
        );
    }

    #[test]
    fn plan_has_no_values() {
        let items = [item("DB_PASSWORD", "hunter2", true)];
        let rows = [Row {
            item: &items[0],
            kind: "secret",
            status: "planned",
            error: None,
        }];
        let table = plan_table(&rows);
        assert!(!table.contains("hunter2"));
        assert_eq!(
            table,
            "NAME         KIND    SENSITIVE   BYTES  SOURCE\nDB_PASSWORD  secret  yes             7  out\n"
        );
        let json = report_json("repository o/r", &rows);
        assert!(!json.contains("hunter2"));
        assert!(json.contains(r#""status":"planned""#));
    }

    /// The report was built with `json!`; the types give the same bytes.
    #[test]
    fn report_is_what_json_built() {
        let items = [
            item("DB_PASSWORD", "hunter2", true),
            Item {
                name: "URL".into(),
                value: "é\n".into(),
                sensitive: false,
                source: ".url | \"\\(.)\u{1b}\"".into(),
            },
        ];
        let rows = [
            Row {
                item: &items[0],
                kind: "secret",
                status: "created",
                error: None,
            },
            Row {
                item: &items[1],
                kind: "variable",
                status: "failed",
                error: Some("HTTP 422 Unprocessable Entity: \"bad\" ***".into()),
            },
        ];
        let old: Vec<serde_json::Value> = rows
            .iter()
            .map(|r| {
                serde_json::json!({
                    "name": r.item.name,
                    "kind": r.kind,
                    "sensitive": r.item.sensitive,
                    "bytes": r.item.value.len(),
                    "source": r.item.source,
                    "status": r.status,
                    "error": r.error,
                })
            })
            .collect();
        let mut old = serde_json::json!({ "destination": "organization acme (visible to web)", "values": old })
            .to_string();
        old.push('\n');
        assert_eq!(
            report_json("organization acme (visible to web)", &rows),
            old
        );
        assert_eq!(
            report_json("stdout", &rows[..1]),
            "{\"destination\":\"stdout\",\"values\":[{\"name\":\"DB_PASSWORD\",\"kind\":\"secret\",\"sensitive\":true,\"bytes\":7,\"source\":\"out\",\"status\":\"created\",\"error\":null}]}\n"
        );
        assert_eq!(
            report_json("stdout", &[]),
            "{\"destination\":\"stdout\",\"values\":[]}\n"
        );
    }
}
