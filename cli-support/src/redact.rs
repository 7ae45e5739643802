//! Keeping sensitive values out of messages.
//!
//! Every message that may carry a value (a jaq error, a GitHub or gh answer, the final error
//! chain) passes through [`Redactor::redact`]. It knows every string and number inside the
//! sensitive outputs (Terraform marks only the top level; every member of a sensitive object
//! is plain text), each in its raw form, its JSON-escaped form and line by line.

use cli_support::jq::Val;

use crate::outputs::Outputs;

/// What replaces a sensitive value in a message.
pub const MARK: &str = "<redacted>";

/// Values shorter than this are not searched for: replacing every `a` would garble
/// messages without protecting anything. Quoted values of any length are still redacted
/// by [`Redactor::redact_literals`].
const MIN_LEN: usize = 3;

#[derive(Debug, Default, Clone)]
pub struct Redactor {
    needles: Vec<String>,
}

impl Redactor {
    /// A redactor for the sensitive outputs.
    pub fn new(outputs: &Outputs) -> Redactor {
        let mut r = Redactor::default();
        for output in outputs.iter().filter(|o| o.sensitive) {
            r.add_val(&output.value);
        }
        r
    }

    fn add_val(&mut self, value: &Val) {
        match value {
            Val::TStr(s) | Val::BStr(s) => self.add(&String::from_utf8_lossy(s)),
            Val::Num(n) => self.add(&n.to_string()),
            Val::Arr(a) => a.iter().for_each(|v| self.add_val(v)),
            Val::Obj(o) => o.iter().for_each(|(k, v)| {
                self.add_val(k);
                self.add_val(v);
            }),
            Val::Null | Val::Bool(_) => {}
        }
    }

    /// Add a value: raw, JSON-escaped, and each of its lines.
    pub fn add(&mut self, value: &str) {
        let mut push = |s: &str| {
            if s.chars().count() >= MIN_LEN && !self.needles.iter().any(|n| n == s) {
                self.needles.push(s.to_owned());
            }
        };
        push(value);
        let json = Val::from(value.to_owned()).to_string();
        push(&json[1..json.len() - 1]);
        for line in value.lines() {
            push(line.trim());
        }
        // Longest first, so a value is replaced whole before any of its lines.
        self.needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
    }

    /// `text` with every known sensitive value replaced by [`MARK`].
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for needle in &self.needles {
            if out.contains(needle.as_str()) {
                out = out.replace(needle.as_str(), MARK);
            }
        }
        out
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
        let code = cli_support::report::code_for(&err, 1);
        cli_support::report::exit(code, redacted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cli_support::input::Source;

    fn outputs() -> Outputs {
        Outputs::parse(
            br#"{"pw": {"sensitive": true, "value": "s3cr\"et\nline-two"},
                 "obj": {"sensitive": true, "value": {"user": "admin-user", "pin": 98765}},
                 "open": {"sensitive": false, "value": "public-value"}}"#,
            &Source::Stdin,
        )
        .unwrap()
    }

    #[test]
    fn redacts_raw_escaped_and_lines_of_sensitive_values_only() {
        let r = Redactor::new(&outputs());
        assert_eq!(r.redact("raw s3cr\"et\nline-two end"), "raw <redacted> end");
        assert_eq!(
            r.redact(r#"json "s3cr\"et\nline-two""#),
            r#"json "<redacted>""#
        );
        assert_eq!(r.redact("a line: line-two"), "a line: <redacted>");
        assert_eq!(r.redact("admin-user 98765"), "<redacted> <redacted>");
        assert_eq!(r.redact("public-value"), "public-value");
    }

    #[test]
    fn literals_are_redacted_whole() {
        let r = Redactor::new(&outputs());
        assert_eq!(
            r.redact_literals(r#"cannot use "s3c" as number, nor "a\"b" at 3"#),
            r#"cannot use "<redacted>" as number, nor "<redacted>" at 3"#
        );
    }

    #[test]
    fn errors_keep_their_exit_code() {
        let r = Redactor::new(&outputs());
        let err = r.redact_error(cli_support::usage("bad: admin-user"));
        assert_eq!(cli_support::report::code_for(&err, 1), 2);
        assert_eq!(err.to_string(), "bad: <redacted>");
        let err = r.redact_error(anyhow::anyhow!("nothing secret"));
        assert_eq!(cli_support::report::code_for(&err, 1), 1);
    }
}
