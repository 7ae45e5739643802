//! Names and values from a task definition, written so that nothing in them reaches a
//! terminal or a rendered page as a control sequence: escaped as a JSON string is, and
//! further DEL, the C1 controls, the bidirectional formatting characters and the line and
//! paragraph separators as `\uXXXX`. taskdef-clean's messages and its diff use this one
//! form.

use std::fmt::Write as _;

use serde_json::Value;

/// `name` in double quotes, escaped: `"app"`, `"EV\u001b[2J"`.
pub fn quoted(name: &str) -> String {
    harden(&Value::from(name).to_string())
}

/// `name` escaped, without the quotes.
pub fn escape(name: &str) -> String {
    let quoted = quoted(name);
    quoted[1..quoted.len() - 1].to_owned()
}

/// A value as JSON, escaped.
pub fn json(value: &Value) -> String {
    harden(&value.to_string())
}

/// Text with every character a terminal acts on (controls, C1, DEL, bidirectional
/// formatting, line and paragraph separators) written `\uXXXX`. In JSON text, those can
/// only be inside strings, where the escape stands for the same character.
pub fn harden(text: &str) -> String {
    if !text.chars().any(acts) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if acts(c) {
            write!(out, "\\u{:04x}", u32::from(c)).expect("a String takes every write");
        } else {
            out.push(c);
        }
    }
    out
}

/// A character a terminal or a renderer acts on instead of showing it.
fn acts(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{2028}' | '\u{2029}'
        )
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_c1_and_bidi_are_escaped_one_way() {
        assert_eq!(quoted("app"), "\"app\"");
        assert_eq!(
            quoted("EV\u{1b}[2J\u{9b}\u{202e}\u{7f}\"\\\n"),
            "\"EV\\u001b[2J\\u009b\\u202e\\u007f\\\"\\\\\\n\""
        );
        assert_eq!(escape("a\u{2066}b"), "a\\u2066b");
        assert_eq!(harden("plain ünïcode 数据"), "plain ünïcode 数据");
        assert_eq!(harden("line\nnext"), "line\\u000anext");
        assert_eq!(
            json(&serde_json::json!({"k": "\u{85}"})),
            "{\"k\":\"\\u0085\"}"
        );
    }
}
