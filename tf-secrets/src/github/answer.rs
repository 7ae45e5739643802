//! GitHub's answers and what the tool says about them: the status and body of a final
//! answer, the error a failed request becomes, and GitHub's words fit for one line of a
//! message, redacted where they are read.

use std::fmt;

use cli_support::redact::Redactor;

/// A final answer: its status and body (the caller decides what a status means).
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// A failed request: the HTTP status when there was an answer, and a message that is
/// safe to print: it never contains the token, and GitHub's words in it were redacted as
/// they were read (see [`http_message`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: Option<u16>,
    pub message: String,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ApiError {}

impl ApiError {
    /// Whether later writes would fail the same way (bad token, missing repository, GitHub
    /// unreachable), so the run stops instead of trying every value.
    pub fn stops_the_run(&self) -> bool {
        !matches!(self.status, Some(400 | 409 | 422))
    }
}

/// At most this many characters of GitHub's words in a message.
pub const MAX_EXCERPT: usize = 200;

/// `HTTP 422 Unprocessable Entity: <GitHub's message>`. GitHub's words (the JSON message
/// and errors, or the start of any other body) go through `redactor` whole, before they are
/// cut: an answer may quote what was sent (the token, a value). Then [`excerpt`].
pub fn http_message(answer: &Answer, redactor: &Redactor) -> String {
    let reason = reqwest::StatusCode::from_u16(answer.status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    let detail = if let Some(json) = answer.json() {
        let mut parts: Vec<String> = json["message"]
            .as_str()
            .map(str::to_owned)
            .into_iter()
            .collect();
        if let Some(errors) = json["errors"].as_array() {
            parts.extend(errors.iter().filter_map(|e| {
                e["message"]
                    .as_str()
                    .or_else(|| e.as_str())
                    .map(str::to_owned)
            }));
        }
        parts.join("; ")
    } else {
        String::from_utf8_lossy(&answer.body).into_owned()
    };
    let detail = excerpt(&redactor.redact(&detail));
    let mut message = format!("HTTP {} {reason}", answer.status);
    if !detail.is_empty() {
        message.push_str(": ");
        message.push_str(&detail);
    }
    message
}

/// Text from elsewhere, fit for one line of a message: runs of whitespace as one space,
/// other control characters escaped (`\u{1b}`), at most [`MAX_EXCERPT`] characters.
pub fn excerpt(text: &str) -> String {
    let mut out = String::new();
    let mut count = 0;
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
            count += 1;
        }
        for c in word.chars() {
            if count >= MAX_EXCERPT {
                out.push('…');
                return out;
            }
            if c.is_control() {
                out.extend(c.escape_default());
            } else {
                out.push(c);
            }
            count += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> Answer {
        Answer {
            status,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn messages() {
        assert_eq!(
            http_message(
                &answer(
                    422,
                    r#"{"message":"Validation Failed","errors":[{"message":"bad name"}]}"#
                ),
                &Redactor::default()
            ),
            "HTTP 422 Unprocessable Entity: Validation Failed; bad name"
        );
        assert_eq!(
            http_message(&answer(502, ""), &Redactor::default()),
            "HTTP 502 Bad Gateway"
        );
        assert_eq!(
            http_message(&answer(500, "oops\nmore"), &Redactor::default()),
            "HTTP 500 Internal Server Error: oops more"
        );
        assert!(
            !ApiError {
                status: Some(422),
                message: String::new()
            }
            .stops_the_run()
        );
        assert!(
            ApiError {
                status: Some(401),
                message: String::new()
            }
            .stops_the_run()
        );
        assert!(
            ApiError {
                status: None,
                message: String::new()
            }
            .stops_the_run()
        );
    }

    #[test]
    fn answers_are_redacted_whole_before_they_are_cut() {
        let mut redactor = Redactor::default();
        redactor.add("s3cret-value\nsecond-line");
        let json = answer(
            502,
            r#"{"message":"bad value s3cret-value\nsecond-line","errors":["again: second-line"]}"#,
        );
        assert_eq!(
            http_message(&json, &redactor),
            "HTTP 502 Bad Gateway: bad value ***; again: ***"
        );
        // The value straddles the 200-character cut: redacted before it, not a prefix left.
        let text = format!("{} s3cret-value\nsecond-line", "x".repeat(185));
        let message = http_message(&answer(500, &text), &redactor);
        assert!(
            !message.contains("s3c") && !message.contains("second"),
            "{message}"
        );
        assert!(message.ends_with(" ***"), "{message}");
    }

    #[test]
    fn excerpts_are_one_line_cut_and_escaped() {
        assert_eq!(excerpt("  a\r\n\tb  c "), "a b c");
        assert_eq!(excerpt("bell\u{7}\u{1b}[0m"), "bell\\u{7}\\u{1b}[0m");
        let long = excerpt(&"é".repeat(500));
        assert_eq!(long.chars().count(), MAX_EXCERPT + 1);
        assert!(long.ends_with('…'));
        assert_eq!(excerpt(&"x".repeat(MAX_EXCERPT)), "x".repeat(MAX_EXCERPT));
    }
}
