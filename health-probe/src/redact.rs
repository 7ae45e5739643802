//! What may be shown of a URL: credentials and token-like query parameters are replaced by
//! `***` everywhere the tool prints a URL (progress lines, errors, the JSON report).

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
    fn unparsed_text_is_masked_too() {
        assert_eq!(
            unparsed("http://user:pa ss@exa mple/x?token=abc&b=2#f"),
            "http://***@exa mple/x?token=***&b=2#f"
        );
        assert_eq!(unparsed("not a url"), "not a url");
        assert_eq!(unparsed("u:p@host:99999"), "***@host:99999");
    }
}
