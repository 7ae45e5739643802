//! Keeping known secret values out of messages.
//!
//! A [`Redactor`] holds the values that must not be shown (each in its raw form, its
//! JSON-escaped form and line by line) and replaces them in any text before it is printed:
//! a jaq error, an API's answer, an error chain.

use crate::jq::Val;

/// What replaces a secret value in a message.
pub const MARK: &str = "<redacted>";

/// Values shorter than this are not searched for inside words: replacing every `a` would
/// garble messages without protecting anything. Quoted values of any length are still
/// redacted by [`Redactor::redact_literals`], and whole words by
/// [`Redactor::redact_fragments`].
const MIN_LEN: usize = 3;

#[derive(Debug, Default, Clone)]
pub struct Redactor {
    /// Values of at least `MIN_LEN` characters, longest first.
    needles: Vec<String>,
    /// Shorter values (not empty).
    short: Vec<String>,
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
        self.needles.is_empty() && self.short.is_empty()
    }

    /// Add a value: raw, JSON-escaped, and each of its lines.
    pub fn add(&mut self, value: &str) {
        let json = Val::from(value.to_owned()).to_string();
        let forms = [value, &json[1..json.len() - 1]]
            .into_iter()
            .chain(value.lines().map(str::trim));
        for form in forms {
            if form.chars().count() < MIN_LEN {
                if !form.is_empty() && !self.short.iter().any(|s| s == form) {
                    self.short.push(form.to_owned());
                }
                continue;
            }
            // Longest first, so a value is replaced whole before any of its lines.
            let at = self.needles.partition_point(|n| n.len() >= form.len());
            if !self.needles[..at]
                .iter()
                .rev()
                .take_while(|n| n.len() == form.len())
                .any(|n| n == form)
            {
                self.needles.insert(at, form.to_owned());
            }
        }
    }

    /// `text` with every known secret value replaced by [`MARK`], in one pass over the text
    /// (a replacement is never searched again, so a short value cannot match inside the mark
    /// or inside the rest of a longer value).
    pub fn redact(&self, text: &str) -> String {
        if self.needles.is_empty() {
            return text.to_owned();
        }
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(c) = rest.chars().next() {
            // Longest first: a value is replaced whole before any of its lines.
            if let Some(n) = self.needles.iter().find(|n| rest.starts_with(n.as_str())) {
                out.push_str(MARK);
                rest = &rest[n.len()..];
            } else {
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
        out
    }

    /// [`Redactor::redact`], then every run of at least 3 characters that also stands in a
    /// known value, and every word that is a shorter known value (ignoring ASCII case): for
    /// text built from pieces of a secret (a slice, an upper-cased copy) rather than the
    /// secret itself. It errs on the side of hiding too much.
    pub fn redact_fragments(&self, text: &str) -> String {
        const MIN_FRAGMENT: usize = 3;
        let text = self.redact(text);
        let needles: Vec<String> = self
            .needles
            .iter()
            .map(|n| n.to_ascii_lowercase())
            .collect();
        let lower = text.to_ascii_lowercase();
        let mut out = String::with_capacity(text.len());
        let mut i = 0;
        while i < text.len() {
            // The longest run from i found inside a needle (byte runs on char boundaries).
            let mut best = 0;
            for end in (i + MIN_FRAGMENT..=text.len()).filter(|&e| text.is_char_boundary(e)) {
                if needles.iter().any(|n| n.contains(&lower[i..end])) {
                    best = end - i;
                } else {
                    break;
                }
            }
            if best > 0 && !text[i..i + best].contains(MARK) {
                out.push_str(MARK);
                i += best;
            } else {
                let c = text[i..].chars().next().unwrap_or_default();
                out.push(c);
                i += c.len_utf8();
            }
        }
        if self.short.is_empty() {
            return out;
        }
        // Whole words (runs of letters and digits) that are a short value.
        let mut words = String::with_capacity(out.len());
        let mut rest = out.as_str();
        while !rest.is_empty() {
            let len = rest
                .find(|c: char| !c.is_alphanumeric())
                .unwrap_or(rest.len());
            if len == 0 {
                let c = rest.chars().next().unwrap_or_default();
                words.push(c);
                rest = &rest[c.len_utf8()..];
                continue;
            }
            let (word, tail) = rest.split_at(len);
            if self.short.iter().any(|s| s.eq_ignore_ascii_case(word)) {
                words.push_str(MARK);
            } else {
                words.push_str(word);
            }
            rest = tail;
        }
        words
    }

    /// [`Redactor::redact`], then every JSON string literal (`"..."`) replaced too: for
    /// messages about values derived from sensitive outputs (a jaq error quoting a slice of
    /// a password, say), where the value itself is not known.
    pub fn redact_literals(&self, text: &str) -> String {
        let text = self.redact(text);
        let mut out = String::with_capacity(text.len());
        let mut chars = text.chars();
        while let Some(c) = chars.next() {
            if c != '"' {
                out.push(c);
                continue;
            }
            // Skip to the closing quote, honouring backslash escapes.
            let mut escaped = false;
            for c in chars.by_ref() {
                match (escaped, c) {
                    (false, '\\') => escaped = true,
                    (false, '"') => break,
                    _ => escaped = false,
                }
            }
            out.push('"');
            out.push_str(MARK);
            out.push('"');
        }
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
        assert_eq!(r.redact("raw s3cr\"et\nline-two end"), "raw <redacted> end");
        assert_eq!(
            r.redact(r#"json "s3cr\"et\nline-two""#),
            r#"json "<redacted>""#
        );
        assert_eq!(r.redact("a line: line-two"), "a line: <redacted>");
        assert_eq!(r.redact("admin-user 98765"), "<redacted> <redacted>");
        assert_eq!(r.redact("public-value"), "public-value");
        // keys are names, not secrets
        assert_eq!(r.redact("user pin"), "user pin");
        // a short value does not match inside the mark left by another
        let mut r = Redactor::default();
        r.add("secret-value");
        r.add("act");
        assert_eq!(
            r.redact("secret-value and act"),
            "<redacted> and <redacted>"
        );
    }

    #[test]
    fn fragments_and_case_changes_are_redacted() {
        let r = redactor();
        assert_eq!(r.redact_fragments("got ADMIN- here"), "got <redacted> here");
        assert_eq!(r.redact_fragments("pin 9876 or 98"), "pin <redacted> or 98");
        assert_eq!(r.redact_fragments("the adm bit"), "the <redacted> bit");
        assert_eq!(r.redact_fragments("nothing here"), "nothing here");
        // values too short to search for inside words are still hidden as words
        let mut r = Redactor::default();
        r.add("x7");
        assert!(!r.is_empty());
        assert_eq!(r.redact("oops x7"), "oops x7");
        assert_eq!(
            r.redact_fragments("oops X7, max7 x7!"),
            "oops <redacted>, max7 <redacted>!"
        );
    }

    #[test]
    fn literals_are_redacted_whole() {
        let r = redactor();
        assert_eq!(
            r.redact_literals(r#"cannot use "s3c" as number, nor "a\"b" at 3"#),
            r#"cannot use "<redacted>" as number, nor "<redacted>" at 3"#
        );
    }

    #[test]
    fn errors_keep_their_exit_code() {
        let r = redactor();
        let err = r.redact_error(crate::usage("bad: admin-user"));
        assert_eq!(crate::report::code_for(&err, 1), 2);
        assert_eq!(err.to_string(), "bad: <redacted>");
        let err = r.redact_error(anyhow::anyhow!("nothing secret"));
        assert_eq!(crate::report::code_for(&err, 1), 1);
    }
}
