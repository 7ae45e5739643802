//! Keeping known secret values out of messages: the one redaction engine of the workspace.
//!
//! A [`Redactor`] holds the values that must not be shown (each in its raw form, its
//! JSON-escaped forms and line by line) and replaces every occurrence of them in a text by
//! [`MARK`] before it is printed: an API's answer, a program's stderr, an error chain. The
//! search is one Aho-Corasick pass over the text (leftmost-longest, so a value is replaced
//! whole before any of its lines), and a replacement is never searched again.
//!
//! The rule, for every tool:
//!
//! - A value of at least [`MIN_INSIDE_WORDS`] characters is replaced wherever it appears,
//!   inside words too.
//! - A shorter value is replaced only where it stands alone (not inside a run of letters and
//!   digits): replacing every `ab` would garble `about` without protecting anything. A
//!   shorter value without a letter or digit (`%`, `--`), and a value of whitespace only,
//!   cannot be told from punctuation and is not searched for.
//! - Only whole known values (and their lines) are replaced, never fragments: a message
//!   built from a piece or a transformed copy of a secret (a slice, base64, character codes)
//!   cannot be recognised by searching, so a tool must not print such a message at all (see
//!   `cli_support::jq::RunError::kind`).

use std::collections::HashSet;
use std::sync::OnceLock;

use aho_corasick::{AhoCorasick, Input, MatchKind};

use crate::jq::Val;

/// What replaces a secret value in every message of every tool (the form GitHub Actions
/// uses for masked values).
pub const MARK: &str = "***";

/// Values shorter than this (in characters) are replaced only where they stand alone.
pub const MIN_INSIDE_WORDS: usize = 4;

#[derive(Debug, Default, Clone)]
pub struct Redactor {
    /// Every form of every value, without repeats, in the order added.
    forms: Vec<String>,
    /// The same forms, to find a repeat in constant time (a state with a hundred thousand
    /// sensitive values has as many forms again).
    seen: HashSet<String>,
    /// Built on first use after the last `add`.
    matcher: OnceLock<Option<AhoCorasick>>,
}

impl Redactor {
    /// Every string and number inside `value` (object values, not keys: keys are names).
    pub fn add_val(&mut self, value: &Val) {
        match value {
            Val::TStr(s) | Val::BStr(s) => self.add(&String::from_utf8_lossy(s)),
            Val::Num(n) => self.add(&n.to_string()),
            Val::Arr(a) => a.iter().for_each(|v| self.add_val(v)),
            Val::Obj(o) => o.values().for_each(|v| self.add_val(v)),
            Val::Null | Val::Bool(_) => {}
        }
    }

    /// True when nothing is known to redact.
    pub fn is_empty(&self) -> bool {
        self.forms.is_empty()
    }

    /// Add a value: raw, JSON-escaped (jq's and serde's escapes), and each of its lines.
    pub fn add(&mut self, value: &str) {
        let jaq = Val::from(value.to_owned()).to_string();
        let serde = serde_json::Value::String(value.to_owned()).to_string();
        let escaped = [&jaq, &serde].map(|q| q[1..q.len() - 1].to_owned());
        let forms = [value.to_owned()]
            .into_iter()
            .chain(escaped)
            .chain(value.lines().map(|l| l.trim().to_owned()));
        for form in forms {
            let searchable = !form.trim().is_empty()
                && (is_long(&form) || form.chars().any(char::is_alphanumeric));
            if searchable && self.seen.insert(form.clone()) {
                self.forms.push(form);
                self.matcher = OnceLock::new();
            }
        }
    }

    fn matcher(&self) -> Option<&AhoCorasick> {
        self.matcher
            .get_or_init(|| {
                if self.forms.is_empty() {
                    return None;
                }
                AhoCorasick::builder()
                    .match_kind(MatchKind::LeftmostLongest)
                    .build(&self.forms)
                    .ok()
            })
            .as_ref()
    }

    /// `text` with every known value replaced by [`MARK`] (see the module's rule).
    pub fn redact(&self, text: &str) -> String {
        let Some(matcher) = self.matcher() else {
            return text.to_owned();
        };
        let mut out = String::with_capacity(text.len());
        let (mut copied, mut at) = (0, 0);
        while at < text.len() {
            let Some(m) = matcher.find(Input::new(text).span(at..text.len())) else {
                break;
            };
            let form = &self.forms[m.pattern().as_usize()];
            let end = if is_long(form) || stands_alone(text, m.start(), m.end()) {
                Some(m.end())
            } else {
                // A shorter value at the same place may stand alone where the longest did not.
                self.forms
                    .iter()
                    .filter(|f| !is_long(f) && text[m.start()..].starts_with(f.as_str()))
                    .map(|f| m.start() + f.len())
                    .filter(|&end| stands_alone(text, m.start(), end))
                    .max()
            };
            match end {
                Some(end) => {
                    out.push_str(&text[copied..m.start()]);
                    out.push_str(MARK);
                    copied = end;
                    at = end;
                }
                None => at = m.start() + text[m.start()..].chars().next().map_or(1, char::len_utf8),
            }
        }
        out.push_str(&text[copied..]);
        out
    }

    /// Redact an error's whole chain; the exit code it maps to is kept.
    pub fn redact_error(&self, err: anyhow::Error) -> anyhow::Error {
        let text = format!("{err:#}");
        let redacted = self.redact(&text);
        if redacted == text {
            return err;
        }
        let code = crate::report::code_for(&err, 1);
        crate::report::exit(code, redacted)
    }
}

fn is_long(form: &str) -> bool {
    form.chars().nth(MIN_INSIDE_WORDS - 1).is_some()
}

/// `text[start..end]` is not part of a longer run of letters and digits: where the match
/// begins (ends) with one, the character before (after) it is not one.
fn stands_alone(text: &str, start: usize, end: usize) -> bool {
    let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let inner = &text[start..end];
    let before = text[..start].chars().next_back();
    let after = text[end..].chars().next();
    !(word(inner.chars().next()) && word(before) || word(inner.chars().next_back()) && word(after))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redactor() -> Redactor {
        let mut r = Redactor::default();
        r.add("s3cr\"et\nline-two");
        let obj = jaq_json::read::parse_single(br#"{"user": "admin-user", "pin": 98765}"#).unwrap();
        r.add_val(&obj);
        r
    }

    #[test]
    fn redacts_raw_escaped_and_lines_of_known_values_only() {
        let r = redactor();
        assert_eq!(r.redact("raw s3cr\"et\nline-two end"), "raw *** end");
        assert_eq!(r.redact(r#"json "s3cr\"et\nline-two""#), r#"json "***""#);
        assert_eq!(r.redact("a line: line-two"), "a line: ***");
        assert_eq!(r.redact("admin-user 98765"), "*** ***");
        assert_eq!(r.redact("xadmin-userx"), "x***x");
        assert_eq!(r.redact("public-value"), "public-value");
        // keys are names, not secrets
        assert_eq!(r.redact("user pin"), "user pin");
        // a short value does not match inside the mark left by another
        let mut r = Redactor::default();
        r.add("secret-value");
        r.add("*a");
        assert_eq!(r.redact("secret-value and *a"), "*** and ***");
    }

    #[test]
    fn no_fragments_and_short_values_only_where_they_stand_alone() {
        let mut r = Redactor::default();
        r.add("val");
        r.add("yte");
        r.add("k7");
        r.add("%-");
        r.add("50");
        r.add(" \n  ");
        assert!(!r.is_empty());
        // ordinary words are not garbled
        assert_eq!(r.redact("invalid regex"), "invalid regex");
        assert_eq!(r.redact("byte offset"), "byte offset");
        assert_eq!(r.redact("oops k7, max7 k7!"), "oops ***, max7 ***!");
        assert_eq!(r.redact("val=1 (val)"), "***=1 (***)");
        assert_eq!(r.redact("50%- off --"), "***%- off --");
        // pieces and case changes of a value are not searched for
        let mut r = Redactor::default();
        r.add("hunter2-secret");
        assert_eq!(r.redact("HUNTER2-SECRET hunter2"), "HUNTER2-SECRET hunter2");
        // a shorter value at the same place stands alone where the longest does not
        let mut r = Redactor::default();
        r.add("a");
        r.add("a-b");
        assert_eq!(r.redact("a-bc"), "***-bc");
        assert_eq!(Redactor::default().redact("text"), "text");
    }

    #[test]
    fn errors_keep_their_exit_code() {
        let r = redactor();
        let err = r.redact_error(crate::usage("bad: admin-user"));
        assert_eq!(crate::report::code_for(&err, 1), 2);
        assert_eq!(err.to_string(), "bad: ***");
        let err = r.redact_error(anyhow::anyhow!("nothing secret"));
        assert_eq!(crate::report::code_for(&err, 1), 1);
    }
}
