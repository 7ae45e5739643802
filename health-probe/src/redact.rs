//! What may be shown of a URL: credentials and token-like query parameters are replaced by
//! `***` everywhere the tool prints a URL (progress lines, errors, the JSON report). And
//! what may be shown of an answer: the request's own secrets (header values, the URL's
//! credentials in every form the tool sent them) are replaced by [`Redactor`]'s mark in
//! anything derived from a response (body excerpts, expectation failures), since a server may
//! echo the request.

use std::fmt;

use cli_support::redact::Redactor;
use url::Url;

pub const MASK: &str = cli_support::redact::MARK;

/// Substrings of a query parameter name (lower-cased) that mark its value as secret:
/// `token`, `access_token`, `api_key`, `X-Amz-Signature`, `sig`, `password`, `client_secret`...
const SECRET_NAME_PARTS: &[&str] = &[
    "token",
    "key",
    "secret",
    "sig",
    "pass",
    "pwd",
    "auth",
    "credential",
    "session",
    "jwt",
    "bearer",
    "code",
];

/// Is a query parameter of this name likely to carry a secret?
pub fn is_secret_param(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    SECRET_NAME_PARTS.iter().any(|part| lower.contains(part))
}

/// The request's secret values, kept out of what is shown of an answer.
#[derive(Default)]
pub struct Secrets {
    redactor: Redactor,
    /// Every value added, raw and JSON-escaped, for [`Secrets::redact_cut`].
    forms: Vec<String>,
}

/// What ends a text cut short (the excerpts of bodies and of jq values).
const CUT: char = '…';

/// The shortest start of a secret that [`Secrets::redact_cut`] removes before a cut.
const MIN_PREFIX: usize = 4;

impl Secrets {
    pub fn new() -> Secrets {
        Secrets::default()
    }

    /// A value the tool sends; a header value such as `Bearer TOKEN` adds the token alone
    /// too (a server may echo just that).
    pub fn add(&mut self, value: &str) {
        let value = value.trim();
        if value.is_empty() {
            return;
        }
        self.remember(value);
        if let Some((_, rest)) = value.split_once(' ') {
            let rest = rest.trim();
            if !rest.is_empty() {
                self.remember(rest);
            }
        }
    }

    fn remember(&mut self, value: &str) {
        self.redactor.add(value);
        let json = serde_json::Value::from(value).to_string();
        for form in [value, &json[1..json.len() - 1]] {
            if !self.forms.iter().any(|f| f == form) {
                self.forms.push(form.to_owned());
            }
        }
    }

    /// [`Secrets::redact`], and the start of a secret (4 characters or more) left just before
    /// a `…` where a text was cut short after being rendered (a jq value in an expectation
    /// failure): whole-value redaction cannot find a secret that is only partly there.
    pub fn redact_cut(&self, text: &str) -> String {
        let text = self.redact(text);
        if self.forms.is_empty() || !text.contains(CUT) {
            return text;
        }
        let mut out = String::with_capacity(text.len());
        let pieces: Vec<&str> = text.split(CUT).collect();
        let (last, cut) = pieces.split_last().unwrap_or((&"", &[]));
        for piece in cut {
            let longest = self
                .forms
                .iter()
                .filter_map(|form| {
                    form.char_indices()
                        .map(|(at, _)| at)
                        .chain([form.len()])
                        .filter(|at| form[..*at].chars().count() >= MIN_PREFIX)
                        .filter(|at| piece.ends_with(&form[..*at]))
                        .max()
                })
                .max();
            match longest {
                Some(len) => {
                    out.push_str(&piece[..piece.len() - len]);
                    out.push_str(cli_support::redact::MARK);
                }
                None => out.push_str(piece),
            }
            out.push(CUT);
        }
        out.push_str(last);
        out
    }

    /// `text` with every secret replaced by [`cli_support::redact::MARK`].
    pub fn redact(&self, text: &str) -> String {
        if self.forms.is_empty() {
            text.to_owned()
        } else {
            self.redactor.redact(text)
        }
    }
}

impl fmt::Debug for Secrets {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secrets(..)")
    }
}

/// The URL with user name, password and secret-looking query values replaced by `***`.
pub fn url(url: &Url) -> String {
    let mut shown = url.clone();
    if !shown.username().is_empty() || shown.password().is_some() {
        let _ = shown.set_password(None);
        let _ = shown.set_username(MASK);
    }
    if let Some(query) = url.query() {
        shown.set_query(Some(&query_string(query)));
    }
    shown.to_string()
}

/// A raw query string with the values of secret-looking parameters replaced, the rest kept
/// byte for byte.
fn query_string(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if is_secret_param(&decoded(name)) => format!("{name}={MASK}"),
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn decoded(name: &str) -> String {
    url::form_urlencoded::parse(name.as_bytes())
        .next()
        .map(|(k, _)| k.into_owned())
        .unwrap_or_default()
}

/// Best effort for text that did not parse as a URL (it may still hold a password): the
/// part between `://` and the last `@` of the authority, and secret-looking query values.
pub fn unparsed(text: &str) -> String {
    let (scheme, rest) = match text.find("://") {
        Some(i) => (&text[..i + 3], &text[i + 3..]),
        None => ("", text),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let authority = match authority.rfind('@') {
        Some(at) => format!("{MASK}{}", &authority[at..]),
        None => authority.to_owned(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let (query, fragment) = match query.split_once('#') {
                Some((q, f)) => (q, Some(f)),
                None => (query, None),
            };
            let mut out = format!("{path}?{}", query_string(query));
            if let Some(f) = fragment {
                out.push('#');
                out.push_str(f);
            }
            out
        }
        None => tail.to_owned(),
    };
    format!("{scheme}{authority}{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(s: &str) -> String {
        url(&Url::parse(s).unwrap())
    }

    #[test]
    fn credentials_are_masked() {
        assert_eq!(
            shown("https://deploy:hunter2@example.com/health"),
            "https://***@example.com/health"
        );
        assert_eq!(
            shown("https://ghp_abc123@example.com/"),
            "https://***@example.com/"
        );
        assert_eq!(shown("http://example.com/x"), "http://example.com/x");
    }

    #[test]
    fn secret_query_values_are_masked_and_the_rest_kept() {
        assert_eq!(
            shown("https://h/health?verbose=1&access_token=abc&X-Amz-Signature=f00&q=a%20b"),
            "https://h/health?verbose=1&access_token=***&X-Amz-Signature=***&q=a%20b"
        );
        assert_eq!(
            shown("https://h/?API%5FKEY=s3cret"),
            "https://h/?API%5FKEY=***"
        );
        assert_eq!(shown("https://h/?flag&sig=1"), "https://h/?flag&sig=***");
    }

    #[test]
    fn secrets_are_redacted_with_the_bare_token() {
        let mut s = Secrets::new();
        assert_eq!(s.redact("nothing"), "nothing");
        s.add("Bearer t0k3n-v4lue");
        s.add("  ");
        let mark = cli_support::redact::MARK;
        assert_eq!(
            s.redact("auth=Bearer t0k3n-v4lue; echo t0k3n-v4lue"),
            format!("auth={mark}; echo {mark}")
        );
    }

    #[test]
    fn a_secret_cut_short_is_redacted_from_its_start() {
        let mut s = Secrets::new();
        s.add("Bearer t0k3n-v4lue");
        s.add("q\"uote-s3cret");
        let mark = cli_support::redact::MARK;
        // the last piece (no cut after it) and short starts are kept
        assert_eq!(
            s.redact_cut("gave \"xx t0k3…; gave \"t0k…; t0k3n"),
            format!("gave \"xx {mark}…; gave \"t0k…; t0k3n")
        );
        assert_eq!(
            s.redact_cut("gave \"q\\\"uote-s…"),
            format!("gave \"{mark}…")
        );
        assert_eq!(s.redact_cut("Bearer t0k3n-v4lue"), mark);
        assert_eq!(Secrets::new().redact_cut("abcd…"), "abcd…");
    }

    #[test]
    fn unparsed_text_is_masked_too() {
        assert_eq!(
            unparsed("http://user:pa ss@exa mple/x?token=abc&b=2#f"),
            "http://***@exa mple/x?token=***&b=2#f"
        );
        assert_eq!(unparsed("not a url"), "not a url");
        assert_eq!(unparsed("u:p@host:99999"), "***@host:99999");
    }
}
