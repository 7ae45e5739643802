//! What a healthy answer looks like, and why an answer is not one.

use std::time::Duration;

use cli_support::jq;
use regex::bytes::Regex;
use reqwest::header::{HeaderMap, HeaderName};

use crate::matcher::StatusMatcher;
use crate::redact::Secrets;
use cli_support::duration;

/// Every expectation must hold for an attempt to succeed.
#[derive(Debug)]
pub struct Expectations {
    pub status: StatusMatcher,
    pub body_contains: Vec<String>,
    pub body_regex: Vec<Regex>,
    pub json: Vec<jq::Filter>,
    pub headers: Vec<HeaderExpect>,
    pub max_latency: Option<Duration>,
    /// The body cap, for messages about truncated bodies.
    pub max_body: usize,
}

/// `--expect-header 'Name'` (present) or `'Name: regex'` (some value matches).
#[derive(Debug, Clone)]
pub struct HeaderExpect {
    pub name: HeaderName,
    pub regex: Option<regex::Regex>,
}

impl HeaderExpect {
    pub fn parse(text: &str) -> Result<HeaderExpect, String> {
        let (name, pattern) = match text.split_once(':') {
            Some((n, p)) => (n.trim(), Some(p.trim())),
            None => (text.trim(), None),
        };
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("{name:?} is not a valid header name (write 'Name: regex')"))?;
        let regex = match pattern {
            Some(p) if !p.is_empty() => {
                Some(regex::Regex::new(p).map_err(|e| format!("the regex of header {name}: {e}"))?)
            }
            _ => None,
        };
        Ok(HeaderExpect { name, regex })
    }
}

/// What came back from an HTTP request.
#[derive(Debug, Clone, Copy)]
pub struct ResponseView<'a> {
    pub status: u16,
    pub headers: &'a HeaderMap,
    pub body: &'a [u8],
    /// The body was longer than the cap and only its start was read.
    pub truncated: bool,
    pub latency: Duration,
}

impl Expectations {
    /// [`Expectations::check_async`], waited for (the unit tests).
    #[cfg(test)]
    pub fn check(&self, r: &ResponseView<'_>) -> Vec<String> {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(self.check_async(r, &Secrets::new()))
    }

    /// Why the response is not healthy; empty when every expectation holds. The
    /// `--expect-json` filters run in a worker process: dropping the future (the attempt's
    /// timeout, the deadline, a signal) stops them.
    ///
    /// Only what came from the answer (a jq value, jq's and the JSON parser's messages) goes
    /// through `secrets`, never the tool's own words nor the user's expectations: a short
    /// secret such as `in` must not turn `status 500 is not in 200-299` into `is not ***`.
    pub async fn check_async(&self, r: &ResponseView<'_>, secrets: &Secrets) -> Vec<String> {
        let mut why = Vec::new();
        if !self.status.contains(r.status) {
            why.push(format!("status {} is not in {}", r.status, self.status));
        }
        if let Some(why_latency) = self.check_latency(r.latency) {
            why.push(why_latency);
        }
        for expect in &self.headers {
            let mut values = r.headers.get_all(&expect.name).iter().peekable();
            if values.peek().is_none() {
                why.push(format!("no header {}", expect.name));
                continue;
            }
            if let Some(re) = &expect.regex
                && !values.any(|v| re.is_match(&String::from_utf8_lossy(v.as_bytes())))
            {
                why.push(format!("header {} does not match /{re}/", expect.name));
            }
        }
        let partial = if r.truncated {
            format!(
                " (only the first {} bytes were read; see --max-body)",
                self.max_body
            )
        } else {
            String::new()
        };
        for text in &self.body_contains {
            if !contains(r.body, text.as_bytes()) {
                why.push(format!("body does not contain {text:?}{partial}"));
            }
        }
        for re in &self.body_regex {
            if !re.is_match(r.body) {
                why.push(format!("body does not match /{re}/{partial}"));
            }
        }
        if !self.json.is_empty() {
            why.extend(self.check_json(r, secrets).await);
        }
        why
    }

    /// `--max-latency`, for TCP connects too.
    pub fn check_latency(&self, latency: Duration) -> Option<String> {
        self.max_latency.filter(|max| latency > *max).map(|max| {
            format!(
                "took {}, over --max-latency {}",
                duration::format(latency),
                duration::format(max)
            )
        })
    }

    async fn check_json(&self, r: &ResponseView<'_>, secrets: &Secrets) -> Vec<String> {
        if r.truncated {
            return vec![format!(
                "the body is larger than --max-body ({} bytes), so it cannot be checked as JSON",
                self.max_body
            )];
        }
        if r.body.iter().all(u8::is_ascii_whitespace) {
            return vec!["the body is empty, not JSON".to_owned()];
        }
        if let Some(offset) = cli_support::input::too_deep(r.body) {
            let (line, column) = cli_support::input::line_column(r.body, offset);
            return vec![format!(
                "the body is not JSON the probe reads (line {line}, column {column}: {})",
                cli_support::input::too_deep_message()
            )];
        }
        let value: serde_json::Value = match serde_json::from_slice(r.body) {
            Ok(v) => v,
            Err(e) => {
                let (line, column, message) = cli_support::input::json_error_parts(&e);
                return vec![format!(
                    "the body is not JSON (line {line}, column {column}: {})",
                    secrets.redact_cut(&message)
                )];
            }
        };
        // The body as jaq's value only: not held as serde_json's too while filters run.
        let input = jq::into_jaq(value);
        let mut why = Vec::new();
        for filter in &self.json {
            let code = filter.code();
            match filter.run_async(input.clone()).await {
                Err(e) => why.push(format!(
                    "--expect-json '{code}' failed: {}",
                    secrets.redact_cut(&e.message)
                )),
                Ok(out) => match out.as_slice() {
                    [jq::Val::Bool(true)] => {}
                    [] => why.push(format!("--expect-json '{code}' gave no value")),
                    [one] => why.push(format!(
                        "--expect-json '{code}' gave {}",
                        secrets.redact_cut(&excerpt_val(one))
                    )),
                    many => why.push(format!(
                        "--expect-json '{code}' gave {} values, not one true",
                        many.len()
                    )),
                },
            }
        }
        why
    }
}

fn excerpt_val(v: &jq::Val) -> String {
    let text = v.to_string();
    if text.chars().count() > 60 {
        format!("{}…", text.chars().take(60).collect::<String>())
    } else {
        text
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}

/// The start of a body for a progress line, at most `max` characters (shown with `{:?}`,
/// which escapes line breaks and control characters).
pub fn excerpt(body: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn expectations() -> Expectations {
        Expectations {
            status: StatusMatcher::parse("200-299").unwrap(),
            body_contains: Vec::new(),
            body_regex: Vec::new(),
            json: Vec::new(),
            headers: Vec::new(),
            max_latency: None,
            max_body: 1024,
        }
    }

    fn view<'a>(status: u16, headers: &'a HeaderMap, body: &'a [u8]) -> ResponseView<'a> {
        ResponseView {
            status,
            headers,
            body,
            truncated: false,
            latency: Duration::from_millis(5),
        }
    }

    #[test]
    fn status_and_latency() {
        let mut e = expectations();
        let h = HeaderMap::new();
        assert!(e.check(&view(204, &h, b"")).is_empty());
        assert_eq!(
            e.check(&view(503, &h, b"")),
            ["status 503 is not in 200-299"]
        );
        e.max_latency = Some(Duration::from_millis(1));
        assert_eq!(
            e.check(&view(200, &h, b"")),
            ["took 5ms, over --max-latency 1ms"]
        );
    }

    #[test]
    fn body_substring_and_regex() {
        let mut e = expectations();
        e.body_contains = vec!["ok".into()];
        e.body_regex = vec![Regex::new(r"^v\d+").unwrap()];
        let h = HeaderMap::new();
        assert!(e.check(&view(200, &h, b"v2 ok")).is_empty());
        assert_eq!(
            e.check(&view(200, &h, b"starting")),
            [
                "body does not contain \"ok\"",
                "body does not match /^v\\d+/"
            ]
        );
        let mut r = view(200, &h, b"v2");
        r.truncated = true;
        assert!(e.check(&r)[0].contains("only the first 1024 bytes"));
    }

    #[test]
    fn headers() {
        let mut e = expectations();
        e.headers = vec![
            HeaderExpect::parse("X-Version: ^2\\.").unwrap(),
            HeaderExpect::parse("X-Ready").unwrap(),
        ];
        let mut h = HeaderMap::new();
        h.append("x-version", HeaderValue::from_static("1.9"));
        assert_eq!(
            e.check(&view(200, &h, b"")),
            [
                "header x-version does not match /^2\\./",
                "no header x-ready"
            ]
        );
        h.append("x-version", HeaderValue::from_static("2.0"));
        h.append("x-ready", HeaderValue::from_static(""));
        assert!(e.check(&view(200, &h, b"")).is_empty());
        assert!(
            HeaderExpect::parse("X-A: (")
                .unwrap_err()
                .contains("regex of header x-a")
        );
        assert!(HeaderExpect::parse("Bad Name: x").is_err());
    }

    #[test]
    fn json_must_yield_exactly_true() {
        let mut e = expectations();
        e.json = vec![jq::compile(r#".status == "healthy""#, &[]).unwrap()];
        let h = HeaderMap::new();
        assert!(
            e.check(&view(200, &h, br#"{"status":"healthy"}"#))
                .is_empty()
        );
        assert_eq!(
            e.check(&view(200, &h, br#"{"status":"starting"}"#)),
            [r#"--expect-json '.status == "healthy"' gave false"#]
        );
        assert_eq!(
            e.check(&view(200, &h, b"<html>")),
            ["the body is not JSON (line 1, column 1: expected value)"]
        );
        assert_eq!(
            e.check(&view(200, &h, b"")),
            ["the body is empty, not JSON"]
        );
        e.json = vec![jq::compile(".a[]", &[]).unwrap()];
        assert_eq!(
            e.check(&view(200, &h, br#"{"a":[true,true]}"#)),
            ["--expect-json '.a[]' gave 2 values, not one true"]
        );
        assert_eq!(
            e.check(&view(200, &h, br#"{"a":[]}"#)),
            ["--expect-json '.a[]' gave no value"]
        );
        e.json = vec![jq::compile(".a.b", &[]).unwrap()];
        assert!(
            e.check(&view(200, &h, br#"{"a":1}"#))[0].starts_with("--expect-json '.a.b' failed: ")
        );
        let mut r = view(200, &h, br#"{"a"#);
        r.truncated = true;
        assert!(e.check(&r)[0].contains("larger than --max-body"));
    }

    #[test]
    fn a_body_cut_short_is_placed_at_a_real_column() {
        let mut e = expectations();
        e.json = vec![jq::compile(".status", &[]).unwrap()];
        let h = HeaderMap::new();
        // serde_json places the end of input after a newline at column 0
        assert_eq!(
            e.check(&view(200, &h, b"{\"status\":\n")),
            ["the body is not JSON (line 2, column 1: EOF while parsing a value)"]
        );
        assert_eq!(
            e.check(&view(200, &h, br#"{"status": "heal"#)),
            ["the body is not JSON (line 1, column 16: EOF while parsing a string)"]
        );
    }

    #[test]
    fn excerpts_are_one_line() {
        assert_eq!(excerpt(b"  line1\nline2 ", 100), "line1\nline2");
        assert_eq!(excerpt("héllo wörld".as_bytes(), 5), "héllo…");
    }
}
