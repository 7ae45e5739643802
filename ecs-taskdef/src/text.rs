//! Names and values from a task definition, written so that nothing in them reaches a
//! terminal or a rendered page as a control sequence: escaped as a JSON string is, and
//! further DEL, the C1 controls, every Unicode format character (bidirectional marks, zero
//! width characters, the soft hyphen, the BOM, tag characters) and the other invisibles as
//! `\uXXXX` (a surrogate pair above U+FFFF). taskdef-clean's messages and its diff use this one
//! form.

use std::fmt::Write as _;

use serde_json::Value;

/// `name` in double quotes, escaped: `"app"`, `"EV\u001b[2J"`.
pub fn quoted(name: &str) -> String {
    harden(&Value::from(name).to_string())
}

/// The most characters of a name or value a message quotes: the rest is counted,
/// `"abc..." (200000 characters)`.
pub const SHOWN_MAX: usize = 120;

/// `name` quoted as [`quoted`] does, cut after [`SHOWN_MAX`] characters, for messages: a
/// long name is `"first characters..." (N characters)`.
pub fn shown(name: &str) -> String {
    match capped(name) {
        Some((head, n)) => format!("{}... ({n} characters)", quoted(head)),
        None => quoted(name),
    }
}

/// `text` cut after [`SHOWN_MAX`] characters and its length in characters, when it is
/// longer.
pub fn capped(text: &str) -> Option<(&str, usize)> {
    let (cut, _) = text.char_indices().nth(SHOWN_MAX)?;
    Some((&text[..cut], text.chars().count()))
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
            // Above U+FFFF as the UTF-16 surrogate pair, as JSON (and jq) read it.
            for unit in c.encode_utf16(&mut [0; 2]) {
                write!(out, "\\u{unit:04x}").expect("a String takes every write");
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether `text` is written as it is in messages: no character [`harden`] escapes.
pub fn is_plain(text: &str) -> bool {
    !text.chars().any(acts)
}

/// A character a terminal or a renderer acts on instead of showing it, or does not show:
/// the controls (C0, DEL, C1), every Unicode format character (general category Cf: the
/// bidirectional marks, embeddings and isolates, the zero-width space and joiners, the soft
/// hyphen, the byte-order mark, the interlinear annotation characters, the tag characters),
/// the line and paragraph separators, and the blank fillers (Hangul fillers, the combining
/// grapheme joiner).
fn acts(c: char) -> bool {
    c.is_control() || is_format(c) || is_blank_filler(c)
}

/// Unicode general category Cf (Unicode 16).
fn is_format(c: char) -> bool {
    matches!(
        u32::from(c),
        0x00ad
            | 0x0600..=0x0605
            | 0x061c
            | 0x06dd
            | 0x070f
            | 0x0890..=0x0891
            | 0x08e2
            | 0x180e
            | 0x200b..=0x200f
            | 0x202a..=0x202e
            | 0x2060..=0x2064
            | 0x2066..=0x206f
            | 0xfeff
            | 0xfff9..=0xfffb
            | 0x110bd
            | 0x110cd
            | 0x13430..=0x1343f
            | 0x1bca0..=0x1bca3
            | 0x1d173..=0x1d17a
            | 0xe0001
            | 0xe0020..=0xe007f
    )
}

/// Characters shown as nothing although they are not format characters: the line and
/// paragraph separators, the combining grapheme joiner, the Hangul fillers, the Mongolian
/// variation selectors.
fn is_blank_filler(c: char) -> bool {
    matches!(
        u32::from(c),
        0x2028 | 0x2029 | 0x034f | 0x115f | 0x1160 | 0x3164 | 0xffa0 | 0x180b..=0x180d | 0x180f
    )
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
        assert_eq!(harden("plain ünïcode 数据 😀"), "plain ünïcode 数据 😀");
        assert_eq!(
            harden("a\u{200b}b\u{200d}c\u{feff}d\u{ad}e\u{fff9}f\u{e0001}g\u{3164}"),
            "a\\u200bb\\u200dc\\ufeffd\\u00ade\\ufff9f\\udb40\\udc01g\\u3164"
        );
        assert!(!is_plain("x\u{2060}"));
        assert!(is_plain("x-y_z"));
        assert_eq!(harden("line\nnext"), "line\\u000anext");
        assert_eq!(shown("app"), "\"app\"");
        let long = "é".repeat(200);
        assert_eq!(
            shown(&long),
            format!("\"{}\"... (200 characters)", "é".repeat(SHOWN_MAX))
        );
        assert_eq!(
            json(&serde_json::json!({"k": "\u{85}"})),
            "{\"k\":\"\\u0085\"}"
        );
    }
}
