//! `cli_support::redact::Redactor`: any known values, any text, any JSON value.
//!
//! The input is segments separated by NUL bytes: a JSON document (its strings and numbers
//! are known values, `add_val`), a text, then known values (`add`), each read as UTF-8
//! (invalid bytes replaced).
//!
//! What must hold, besides no panic:
//! - no known value of at least `MIN_INSIDE_WORDS` characters is left in the redacted text,
//!   raw or JSON-escaped, nor in the redacted JSON text of the value it came from (what a
//!   tool prints when an API answer quotes it); a value with the mark's `*` in it is left
//!   out of the check, since the mark itself can complete it (`x***` after `x` + a secret);
//! - a value of whitespace only is never searched for; nothing known: the text is unchanged;
//! - `redact_error` says what `redact` says.

#![no_main]

use cli_support::input::too_deep;
use cli_support::jq::Val;
use cli_support::redact::{MIN_INSIDE_WORDS, Redactor};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut segments = data.split(|&b| b == 0);
    let json = segments.next().unwrap_or_default();
    let text = String::from_utf8_lossy(segments.next().unwrap_or_default()).into_owned();
    let values: Vec<String> = segments
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect();

    let mut redactor = Redactor::default();
    assert_eq!(redactor.redact(&text), text);
    for value in &values {
        redactor.add(value);
    }
    let out = redactor.redact(&text);
    for value in &values {
        assert_gone(value, &out, &text);
    }
    let err = redactor.redact_error(anyhow::anyhow!("{text}"));
    assert_eq!(format!("{err:#}"), out);

    // Values from a JSON document, and the document's own text redacted.
    if too_deep(json).is_some() {
        return;
    }
    let Ok(val) = jaq_json::read::parse_single(json) else {
        return;
    };
    let mut redactor = Redactor::default();
    redactor.add_val(&val);
    let printed = val.to_string();
    let out = redactor.redact(&printed);
    let mut known = Vec::new();
    collect(&val, &mut known);
    for value in &known {
        assert_gone(value, &out, &printed);
    }
});

/// `value` is in none of its forms in `out`, if the rule says it must not be.
fn assert_gone(value: &str, out: &str, text: &str) {
    let long = value.chars().nth(MIN_INSIDE_WORDS - 1).is_some();
    if !long || value.trim().is_empty() || value.contains('*') {
        return;
    }
    let jaq = Val::from(value.to_owned()).to_string();
    let serde = serde_json::Value::String(value.to_owned()).to_string();
    for form in [value, &jaq[1..jaq.len() - 1], &serde[1..serde.len() - 1]] {
        assert!(
            !out.contains(form),
            "{form:?} (of {value:?}) left in {out:?} (from {text:?})"
        );
    }
}

/// The strings and numbers of `val` as `add_val` takes them (object values, not keys).
fn collect(val: &Val, out: &mut Vec<String>) {
    match val {
        Val::TStr(s) | Val::BStr(s) => out.push(String::from_utf8_lossy(s).into_owned()),
        Val::Num(n) => out.push(n.to_string()),
        Val::Arr(items) => items.iter().for_each(|v| collect(v, out)),
        Val::Obj(members) => members.values().for_each(|v| collect(v, out)),
        Val::Null | Val::Bool(_) => {}
    }
}
