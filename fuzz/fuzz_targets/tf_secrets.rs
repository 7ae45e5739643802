//! tf-secrets: the `terraform output -json` document (`outputs::Outputs::parse`) and the
//! `SECRET=EXPR` selections (`select::select`, with `--all`, `--exclude`, `--allow-empty`).
//!
//! The input is the document, a NUL byte, then one argument a line; a line `--all`,
//! `--allow-empty` or `--exclude=NAME` is that option. An argument whose expression is a
//! filter is run only when its work is bounded (`jq_bounded::bounded`; the tool runs
//! filters in a worker process); otherwise the input is skipped.
//!
//! What must hold, besides no panic:
//! - no error message, of the parse or of any selection, holds a sensitive value (a string
//!   or number of 4 characters or more inside a sensitive output, or inside an output with
//!   no `sensitive` flag), unless the same message comes with every sensitive value
//!   replaced by a stand-in (then it is computed from something else), or it is also in the
//!   arguments, a name of the document or a message's fixed words (the modules' source);
//! - every selected name follows GitHub's rules (upper case letters, digits and `_`, not
//!   starting with a digit nor with `GITHUB_`), names are unique, and an empty value is
//!   selected only with `--allow-empty`;
//! - a value is marked sensitive whenever it may come from a sensitive output;
//! - the values read back from what `--format github-env` writes, as the Actions runner
//!   reads a `$GITHUB_ENV` file (lines ending at `\n`, `\r\n` or `\r`), are the
//!   selections, names and values (no value can end its block and set another variable);
//!   `--format env` read back as a POSIX shell reads its `export NAME='VALUE'` lines (no
//!   value can end its quotes), `--format json` and `--format names` read back as them too.

#![no_main]

use cli_support::input::Source;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;
use tf_secrets::format::{Format, render};
use tf_secrets::outputs::Outputs;
use tf_secrets::select::{Options, select};

#[path = "common/jq_bounded.rs"]
mod jq_bounded;

/// The helpers `tf-secrets` defines for filters (bounded: a regex over one string, a join).
const HELPERS: &[&str] = &["strip_port", "port", "csv", "lines"];

fuzz_target!(|data: &[u8]| {
    let (doc, args) = match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &b""[..]),
    };
    let Ok(args) = std::str::from_utf8(args) else {
        return;
    };
    let mut options = Options::default();
    let mut selections = Vec::new();
    for line in args.lines() {
        match line {
            "--all" => options.all = true,
            "--allow-empty" => options.allow_empty = true,
            _ => match line.strip_prefix("--exclude=") {
                Some(name) => options.exclude.push(name.to_owned()),
                None => selections.push(line.to_owned()),
            },
        }
    }

    let source = Source::Stdin;
    let outputs = match Outputs::parse(doc, &source) {
        Ok(outputs) => outputs,
        Err(e) => {
            let message = format!("{e:#}");
            if let Some((secrets, masked)) = masked(doc) {
                let masked_message = Outputs::parse(masked.as_bytes(), &source)
                    .err()
                    .map(|e| format!("{e:#}"));
                assert_not_leaked(&secrets, &message, masked_message.as_deref(), args);
            }
            return;
        }
    };
    // Filters run only when bounded: an expression that is no output name is a filter.
    for arg in &selections {
        let expr = arg.split_once('=').map_or(arg.as_str(), |(_, e)| e);
        if outputs.get(expr).is_none() && !jq_bounded::bounded(expr, HELPERS) {
            return;
        }
    }

    let redactor = outputs.redactor();
    match select(&outputs, &selections, &options, &redactor) {
        Ok(items) => {
            let mut names = std::collections::HashSet::new();
            for item in &items {
                let name = &item.name;
                assert!(!name.is_empty(), "{item:?}");
                assert!(
                    name.bytes()
                        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'),
                    "{name:?}"
                );
                assert!(!name.starts_with(|c: char| c.is_ascii_digit()), "{name:?}");
                assert!(!name.starts_with("GITHUB_"), "{name:?}");
                assert!(names.insert(name.clone()), "{name} twice");
                assert!(options.allow_empty || !item.value.is_empty(), "{item:?}");
                if !item.sensitive {
                    // Only a plain output, or a filter when no output is sensitive.
                    assert!(
                        !outputs.any_sensitive()
                            || outputs.get(&item.source).is_some_and(|o| !o.sensitive),
                        "{item:?}"
                    );
                }
            }
            formats(&items);
        }
        Err(problems) => {
            assert!(!problems.is_empty());
            let message = format!("{:#}", problems.into_error());
            let Some((secrets, masked)) = masked(doc) else {
                return;
            };
            // The same selections over the outputs with stand-ins for the sensitive values.
            let masked_message = Outputs::parse(masked.as_bytes(), &source)
                .ok()
                .and_then(|outputs| {
                    let redactor = outputs.redactor();
                    select(&outputs, &selections, &options, &redactor).err()
                })
                .map(|p| format!("{:#}", p.into_error()));
            assert_not_leaked(&secrets, &message, masked_message.as_deref(), args);
        }
    }
});

/// Where the fixed words of the messages come from.
const MESSAGES: &[&str] = &[
    include_str!("../../tf-secrets/src/outputs.rs"),
    include_str!("../../tf-secrets/src/select/mod.rs"),
    include_str!("../../tf-secrets/src/select/filter.rs"),
    include_str!("../../tf-secrets/src/select/names.rs"),
];

/// The sensitive values of a document and its keys.
struct Masked {
    values: Vec<String>,
    keys: Vec<String>,
}

/// The sensitive values of a document (as serde_json reads it: strings, and numbers as
/// written, of 4 characters or more, inside outputs marked sensitive or not marked) and
/// its object keys, and the document with each sensitive value replaced by a stand-in.
/// `None` when it is not a JSON object.
fn masked(doc: &[u8]) -> Option<(Masked, String)> {
    let value = serde_json::from_slice::<Value>(doc).ok()?;
    let mut keys = Vec::new();
    collect_keys(&value, &mut keys);
    let Value::Object(mut map) = value else {
        return None;
    };
    let mut secrets = Vec::new();
    for entry in map.values_mut() {
        let Value::Object(entry) = entry else {
            continue;
        };
        let sensitive = !matches!(entry.get("sensitive"), Some(Value::Bool(false)));
        if let (true, Some(value)) = (sensitive, entry.get_mut("value")) {
            mask(value, &mut secrets);
        }
    }
    let masked = Masked {
        values: secrets,
        keys,
    };
    Some((masked, Value::Object(map).to_string()))
}

fn collect_keys(value: &Value, keys: &mut Vec<String>) {
    match value {
        Value::Array(items) => items.iter().for_each(|v| collect_keys(v, keys)),
        Value::Object(map) => {
            for (k, v) in map {
                keys.push(k.clone());
                collect_keys(v, keys);
            }
        }
        _ => {}
    }
}

fn mask(value: &mut Value, secrets: &mut Vec<String>) {
    match value {
        Value::String(s) => {
            if s.chars().count() >= 4 {
                secrets.push(s.clone());
            }
            "stand-in".clone_into(s);
        }
        Value::Number(n) => {
            let text = n.to_string();
            if text.chars().count() >= 4 {
                secrets.push(text);
            }
            *value = Value::from(7);
        }
        Value::Array(items) => items.iter_mut().for_each(|v| mask(v, secrets)),
        Value::Object(map) => map.values_mut().for_each(|v| mask(v, secrets)),
        Value::Bool(_) | Value::Null => {}
    }
}

/// No secret is in `message`, unless the run with stand-ins says the same (the text then
/// comes from elsewhere: the arguments, a name, the message's own words).
fn assert_not_leaked(secrets: &Masked, message: &str, masked: Option<&str>, args: &str) {
    for secret in &secrets.values {
        if secret.trim().is_empty() || !message.contains(secret.as_str()) {
            continue;
        }
        let secret = secret.as_str();
        let explained = masked.is_some_and(|m| m.contains(secret))
            || args.contains(secret)
            || secrets.keys.iter().any(|k| k.contains(secret))
            || MESSAGES.iter().any(|m| m.contains(secret));
        assert!(
            explained,
            "a sensitive value {secret:?} is in the message:\n{message}\n(with stand-ins: {masked:?})"
        );
    }
}

/// What every `--format` writes reads back as the items.
fn formats(items: &[tf_secrets::select::Item]) {
    let expected: Vec<(String, String)> = items
        .iter()
        .map(|i| {
            (
                i.name.clone(),
                i.value.replace("\r\n", "\n").replace('\r', "\n"),
            )
        })
        .collect();
    if let Ok(text) = render(Format::GithubEnv, items) {
        let text = String::from_utf8(text).unwrap();
        assert_eq!(read_github_env(&text), expected, "{text:?}");
    } else {
        assert!(items.iter().any(|i| i.value.contains('\0')));
    }
    let exact: Vec<(String, String)> = items
        .iter()
        .map(|i| (i.name.clone(), i.value.clone()))
        .collect();
    if let Ok(text) = render(Format::Env, items) {
        let text = String::from_utf8(text).unwrap();
        assert_eq!(read_shell_exports(&text), exact, "{text:?}");
    } else {
        assert!(items.iter().any(|i| i.value.contains('\0')));
    }
    let json = render(Format::Json, items).unwrap();
    let map: serde_json::Map<String, Value> = serde_json::from_slice(&json).unwrap();
    assert_eq!(map.len(), items.len());
    for item in items {
        assert_eq!(map[&item.name], item.value.as_str());
    }
    let names = String::from_utf8(render(Format::Names, items).unwrap()).unwrap();
    let lengths: Vec<String> = items
        .iter()
        .map(|i| format!("{}\t{}", i.name, i.value.len()))
        .collect();
    assert_eq!(names.lines().collect::<Vec<_>>(), lengths);
}

/// `export NAME=WORD` lines as a POSIX shell reads them, the word made of single-quoted
/// parts (everything literal up to the next `'`, line breaks too) and `\'`.
fn read_shell_exports(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let line = rest.strip_prefix("export ").expect("export NAME=WORD");
        let (name, mut word) = line.split_once('=').expect("NAME=");
        let mut value = String::new();
        loop {
            if let Some(quoted) = word.strip_prefix('\'') {
                let end = quoted.find('\'').expect("a closing quote");
                value.push_str(&quoted[..end]);
                word = &quoted[end + 1..];
            } else if let Some(after) = word.strip_prefix("\\'") {
                value.push('\'');
                word = after;
            } else {
                break;
            }
        }
        rest = word.strip_prefix('\n').expect("the word ends its line");
        out.push((name.to_owned(), value));
    }
    out
}

/// A `$GITHUB_ENV` file as the runner reads it: `NAME=VALUE` lines and `NAME<<DELIMITER`
/// blocks, lines ending at `\n`, `\r\n` or a lone `\r`.
fn read_github_env(text: &str) -> Vec<(String, String)> {
    let normalized = text.replace("\r\n", "\n").replace('\r', "\n");
    let mut lines = normalized.split('\n');
    let mut out = Vec::new();
    while let Some(line) = lines.next() {
        if line.is_empty() {
            continue;
        }
        if let Some((name, delimiter)) = line.split_once("<<") {
            let mut value = Vec::new();
            loop {
                let next = lines.next().expect("a block ends with its delimiter");
                if next == delimiter {
                    break;
                }
                value.push(next);
            }
            out.push((name.to_owned(), value.join("\n")));
        } else {
            let (name, value) = line.split_once('=').expect("NAME=VALUE");
            out.push((name.to_owned(), value.to_owned()));
        }
    }
    out
}
