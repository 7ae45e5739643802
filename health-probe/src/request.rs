//! What to probe and how to ask: targets (URLs), request headers, `--resolve` entries,
//! methods and sizes, parsed from the command line's text. Error messages never repeat a
//! header value or a URL's credentials.

use std::net::{IpAddr, SocketAddr};

use base64::Engine as _;
use reqwest::Method;
use reqwest::header::{HeaderName, HeaderValue};
use url::{Host, Url};

use crate::redact;

/// One URL to probe.
#[derive(Debug, Clone)]
pub struct Target {
    pub url: Url,
    pub kind: Kind,
    /// The URL as it may be printed (see [`redact::url`]).
    pub shown: String,
    /// The URL's user name and password as an `Authorization: Basic` value (sensitive),
    /// sent only while a request stays on the URL's origin; the URL itself is requested
    /// without them.
    pub basic: Option<HeaderValue>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    Http,
    /// `tcp://host:port`: a connect is the whole probe.
    Tcp {
        host: String,
        port: u16,
    },
}

impl Target {
    /// Parse an `http://`, `https://` or `tcp://host:port` URL.
    pub fn parse(raw: &str) -> Result<Target, String> {
        let url = Url::parse(raw.trim()).map_err(|e| {
            let hint = if raw.contains("://") {
                String::new()
            } else {
                " (URLs start with http://, https:// or tcp://)".to_owned()
            };
            format!("URL {:?}: {e}{hint}", redact::unparsed(raw))
        })?;
        let shown = redact::url(&url);
        if !matches!(url.scheme(), "http" | "https" | "tcp") {
            return Err(format!(
                "URL {shown:?}: unsupported scheme {:?} (use http://, https:// or tcp://)",
                url.scheme()
            ));
        }
        let host = match url.host() {
            Some(Host::Domain(d)) => d.to_owned(),
            Some(Host::Ipv4(a)) => a.to_string(),
            Some(Host::Ipv6(a)) => a.to_string(),
            None => {
                return Err(format!("URL {shown:?} has no host"));
            }
        };
        let kind = match url.scheme() {
            "tcp" => {
                let Some(port) = url.port() else {
                    return Err(format!("URL {shown:?} has no port (write tcp://HOST:PORT)"));
                };
                if !(url.path().is_empty() || url.path() == "/")
                    || url.query().is_some()
                    || url.fragment().is_some()
                {
                    return Err(format!(
                        "URL {shown:?}: a tcp:// URL is only tcp://HOST:PORT (no path or query)"
                    ));
                }
                if !url.username().is_empty() || url.password().is_some() {
                    return Err(format!("URL {shown:?}: a tcp:// URL takes no credentials"));
                }
                Kind::Tcp { host, port }
            }
            _ => Kind::Http,
        };
        let basic = basic_credentials(&url);
        Ok(Target {
            url,
            kind,
            shown,
            basic,
        })
    }

    /// The URL without user name and password: what is requested (the credentials go in
    /// [`Target::basic`]).
    pub fn request_url(&self) -> Url {
        without_userinfo(&self.url)
    }

    /// The forms of the URL's credentials that could come back in an answer: the password
    /// (as written and decoded), `user:password`, its base64 and the whole `Basic` value; a
    /// user name alone (a token written as `https://TOKEN@host/`) too. Empty without any.
    pub fn credential_forms(&self) -> Vec<String> {
        let mut forms = Vec::new();
        let Some(basic) = &self.basic else {
            return forms;
        };
        let user = decode(self.url.username());
        match self.url.password() {
            Some(password) => {
                forms.push(password.to_owned());
                forms.push(decode(password));
                forms.push(format!("{user}:{}", decode(password)));
            }
            None => forms.push(user),
        }
        if let Ok(value) = basic.to_str() {
            forms.push(value.to_owned());
            if let Some(token) = value.strip_prefix("Basic ") {
                forms.push(token.to_owned());
            }
        }
        forms.retain(|f| !f.is_empty());
        forms
    }

    /// Host (domain or address, without brackets) and port, the scheme's default if absent.
    pub fn host_port(&self) -> (String, u16) {
        match &self.kind {
            Kind::Tcp { host, port } => (host.clone(), *port),
            Kind::Http => (
                self.url
                    .host_str()
                    .unwrap_or_default()
                    .trim_matches(['[', ']'])
                    .to_owned(),
                self.url.port_or_known_default().unwrap_or(80),
            ),
        }
    }
}

/// A URL's user name and password (percent-decoded) as an `Authorization: Basic` value, as
/// curl and reqwest send them.
fn basic_credentials(url: &Url) -> Option<HeaderValue> {
    if url.username().is_empty() && url.password().is_none() {
        return None;
    }
    let mut pair = percent_encoding::percent_decode_str(url.username()).collect::<Vec<u8>>();
    pair.push(b':');
    pair.extend(percent_encoding::percent_decode_str(
        url.password().unwrap_or_default(),
    ));
    let encoded = base64::engine::general_purpose::STANDARD.encode(pair);
    let mut value = HeaderValue::from_str(&format!("Basic {encoded}")).ok()?;
    value.set_sensitive(true);
    Some(value)
}

fn decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

/// `url` without user name and password.
pub fn without_userinfo(url: &Url) -> Url {
    let mut url = url.clone();
    // Fails only for URLs that cannot have credentials, which then have none.
    let _ = url.set_password(None);
    let _ = url.set_username("");
    url
}

/// Same scheme, host and port: where the user's credentials may go.
pub fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme().eq_ignore_ascii_case(b.scheme())
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

/// `--resolve HOST:PORT:ADDR[,ADDR...]`: connect to ADDR for HOST:PORT, keeping the URL's
/// host for the `Host` header and TLS name (as curl does).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolve {
    pub host: String,
    pub port: u16,
    pub addrs: Vec<IpAddr>,
}

impl Resolve {
    pub fn parse(text: &str) -> Result<Resolve, String> {
        let not_entry =
            || format!("{text:?} is not HOST:PORT:ADDR (e.g. app.example.com:443:10.0.1.17)");
        // An IPv6 host is in brackets ([::1]:443:ADDR): its colons are not separators.
        let (host, rest) = match text.strip_prefix('[') {
            Some(bracketed) => {
                let (host, rest) = bracketed.split_once(']').ok_or_else(not_entry)?;
                (host, rest.strip_prefix(':').ok_or_else(not_entry)?)
            }
            None => text.split_once(':').ok_or_else(not_entry)?,
        };
        let (port, addrs) = rest.split_once(':').ok_or_else(not_entry)?;
        if host.is_empty() {
            return Err(format!("{text:?} has no host"));
        }
        let port = port
            .parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| format!("{port:?} in {text:?} is not a port (1 to 65535)"))?;
        let addrs = addrs
            .split(',')
            .map(|a| {
                a.trim()
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<IpAddr>()
                    .map_err(|_| format!("{a:?} in {text:?} is not an IP address"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Resolve {
            host: host.to_ascii_lowercase(),
            port,
            addrs,
        })
    }

    /// Does this entry apply to that host and port?
    pub fn applies_to(&self, host: &str, port: u16) -> bool {
        self.port == port && self.host.eq_ignore_ascii_case(host)
    }

    pub fn socket_addrs(&self) -> Vec<SocketAddr> {
        self.addrs
            .iter()
            .map(|a| SocketAddr::new(*a, self.port))
            .collect()
    }
}

/// A request header, its value marked sensitive (never shown).
pub type Header = (HeaderName, HeaderValue);

/// Parts of a header name (lower-cased) that make it a credential.
const CREDENTIAL_NAME_PARTS: &[&str] = &[
    "auth",
    "cookie",
    "token",
    "key",
    "secret",
    "pass",
    "session",
    "credential",
    "jwt",
    "bearer",
    "signature",
    "csrf",
    "xsrf",
];

/// Is a `--header` of this name a credential (never sent once a redirect leaves the URL's
/// origin)? `Authorization`, `Proxy-Authorization`, `Cookie`, and names such as
/// `X-Api-Key`, `X-Auth-Token`, `X-Session-Id`. Every header of `--header-file` and
/// `--header-from-env` is one whatever its name: those are the ways to pass a secret.
pub fn is_credential_name(name: &HeaderName) -> bool {
    CREDENTIAL_NAME_PARTS
        .iter()
        .any(|part| name.as_str().contains(part))
}

/// `Name: value`. The message of an error names the header, never its value.
pub fn parse_header(text: &str) -> Result<Header, String> {
    let Some((name, value)) = text.split_once(':') else {
        return Err(
            "a header is 'Name: value' (the ':' is missing; the value is not shown)".to_owned(),
        );
    };
    let name = name.trim();
    let header_name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| {
        format!(
            "{:?} is not a valid header name",
            name.chars().take(40).collect::<String>()
        )
    })?;
    let mut value = HeaderValue::from_str(value.trim()).map_err(|_| {
        format!(
            "the value of header {header_name} holds a character a header cannot carry (a line break?)"
        )
    })?;
    value.set_sensitive(true);
    Ok((header_name, value))
}

/// `--header-file`: one `Name: value` a line; blank lines and lines starting with `#` are
/// skipped. Errors name the file and line.
pub fn parse_header_file(text: &str, source: &str) -> Result<Vec<Header>, String> {
    let mut headers = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let header = parse_header(line).map_err(|e| format!("{source}, line {}: {e}", i + 1))?;
        headers.push(header);
    }
    Ok(headers)
}

/// `--header-from-env Name=VAR`: the header name and the variable's name.
pub fn parse_header_from_env(text: &str) -> Result<(HeaderName, String), String> {
    let Some((name, var)) = text.split_once('=') else {
        return Err(format!(
            "{text:?} is not NAME=VARIABLE (e.g. Authorization=HEALTH_TOKEN)"
        ));
    };
    let header_name = HeaderName::from_bytes(name.trim().as_bytes())
        .map_err(|_| format!("{name:?} is not a valid header name"))?;
    let var = var.trim();
    if var.is_empty() || var.contains('=') || var.contains('\0') {
        return Err(format!("{var:?} is not an environment variable name"));
    }
    Ok((header_name, var.to_owned()))
}

/// The header of a `--header-from-env` entry, given the variable's value.
pub fn header_from_value(name: HeaderName, var: &str, value: &str) -> Result<Header, String> {
    let mut value = HeaderValue::from_str(value.trim()).map_err(|_| {
        format!("the value of {var} holds a character a header cannot carry (a line break?)")
    })?;
    value.set_sensitive(true);
    Ok((name, value))
}

/// `--method`: upper-cased, a valid token.
pub fn parse_method(text: &str) -> Result<Method, String> {
    Method::from_bytes(text.trim().to_ascii_uppercase().as_bytes())
        .map_err(|_| format!("{text:?} is not an HTTP method"))
}

/// `--max-body`: bytes, or with a `KiB`/`MiB` suffix (`k`, `KB`, `M`, `MB` mean the same);
/// more than zero (a cap of nothing would fail every body check).
pub fn parse_size(text: &str) -> Result<usize, String> {
    let t = text.trim();
    let digits_end = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (number, unit) = t.split_at(digits_end);
    let number: usize = number
        .parse()
        .map_err(|_| format!("{text:?} is not a size (e.g. 65536, 64KiB, 1MiB)"))?;
    let factor = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1024,
        "m" | "mb" | "mib" => 1024 * 1024,
        _ => return Err(format!("{text:?} is not a size (e.g. 65536, 64KiB, 1MiB)")),
    };
    if number == 0 {
        return Err("must be more than zero".to_owned());
    }
    number
        .checked_mul(factor)
        .filter(|n| *n <= 1024 * 1024 * 1024)
        .ok_or_else(|| format!("{text:?} is too large (at most 1024MiB)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_and_tcp_targets() {
        let t = Target::parse("https://user:pw@app.example.com/health?token=x").unwrap();
        assert_eq!(t.kind, Kind::Http);
        assert_eq!(t.shown, "https://***@app.example.com/health?token=***");
        assert_eq!(t.host_port(), ("app.example.com".to_owned(), 443));
        let t = Target::parse("tcp://db.internal:5432").unwrap();
        assert_eq!(
            t.kind,
            Kind::Tcp {
                host: "db.internal".into(),
                port: 5432
            }
        );
        let t = Target::parse("tcp://[::1]:6379").unwrap();
        assert_eq!(t.host_port(), ("::1".to_owned(), 6379));
        let t = Target::parse("http://[::1]:8080/").unwrap();
        assert_eq!(t.host_port(), ("::1".to_owned(), 8080));
    }

    #[test]
    fn bad_targets_are_named_without_secrets() {
        let e = Target::parse("localhost:8080/health").unwrap_err();
        assert!(e.contains("unsupported scheme \"localhost\""), "{e}");
        let e = Target::parse("example.com/health").unwrap_err();
        assert!(e.contains("URLs start with http://"), "{e}");
        let e = Target::parse("http://u:secret@exa mple.com/").unwrap_err();
        assert!(!e.contains("secret") && e.contains("***@"), "{e}");
        assert!(Target::parse("tcp://db").unwrap_err().contains("no port"));
        assert!(
            Target::parse("tcp://db:5432/x")
                .unwrap_err()
                .contains("no path")
        );
        assert!(
            Target::parse("ftp://x/")
                .unwrap_err()
                .contains("unsupported scheme")
        );
        assert!(Target::parse("http://").is_err());
    }

    #[test]
    fn url_credentials_become_basic_and_leave_the_url() {
        let t = Target::parse("http://de%40ploy:p%3Ass@h.example:8080/x").unwrap();
        let basic = t.basic.clone().unwrap();
        assert!(basic.is_sensitive());
        // base64("de@ploy:p:ss")
        assert_eq!(basic, "Basic ZGVAcGxveTpwOnNz");
        assert_eq!(t.request_url().as_str(), "http://h.example:8080/x");
        let forms = t.credential_forms();
        for f in [
            "p%3Ass",
            "p:ss",
            "de@ploy:p:ss",
            "ZGVAcGxveTpwOnNz",
            "Basic ZGVAcGxveTpwOnNz",
        ] {
            assert!(forms.iter().any(|x| x == f), "{f} missing from {forms:?}");
        }
        let t = Target::parse("https://ghp_abc@h/").unwrap();
        assert!(t.credential_forms().iter().any(|f| f == "ghp_abc"));
        let t = Target::parse("https://h/").unwrap();
        assert!(t.basic.is_none() && t.credential_forms().is_empty());
    }

    #[test]
    fn origins() {
        let u = |s: &str| Url::parse(s).unwrap();
        assert!(same_origin(
            &u("http://H.example/a"),
            &u("http://h.example:80/b")
        ));
        assert!(!same_origin(&u("http://h/"), &u("https://h/")));
        assert!(!same_origin(&u("http://h:8080/"), &u("http://h:8081/")));
        assert!(!same_origin(&u("http://h/"), &u("http://g/")));
    }

    #[test]
    fn resolve_entries() {
        let r = Resolve::parse("App.example.com:443:10.0.0.7,[::1]").unwrap();
        assert_eq!(r.host, "app.example.com");
        assert_eq!(r.port, 443);
        assert_eq!(r.addrs.len(), 2);
        assert!(r.applies_to("app.example.com", 443) && !r.applies_to("app.example.com", 80));
        assert!(
            Resolve::parse("app:443")
                .unwrap_err()
                .contains("HOST:PORT:ADDR")
        );
        assert!(
            Resolve::parse("app:0:1.2.3.4")
                .unwrap_err()
                .contains("not a port")
        );
        assert!(
            Resolve::parse("app:443:nope")
                .unwrap_err()
                .contains("not an IP")
        );
        for empty in [":443:1.2.3.4", "[]:80:1.2.3.4"] {
            assert!(
                Resolve::parse(empty).unwrap_err().contains("no host"),
                "{empty}"
            );
        }
        let v6 = Resolve::parse("[::1]:8443:127.0.0.1").unwrap();
        assert_eq!((v6.host.as_str(), v6.port), ("::1", 8443));
        for broken in ["[::1:443:1.2.3.4", "[::1]443:1.2.3.4", "[::1]:443"] {
            assert!(
                Resolve::parse(broken)
                    .unwrap_err()
                    .contains("HOST:PORT:ADDR"),
                "{broken}"
            );
        }
    }

    #[test]
    fn headers_never_echo_values() {
        let (n, v) = parse_header("Authorization: Bearer abc").unwrap();
        assert_eq!(n, "authorization");
        assert_eq!(v, "Bearer abc");
        assert!(v.is_sensitive());
        let e = parse_header("Authorization Bearer abc").unwrap_err();
        assert!(!e.contains("abc"), "{e}");
        let e = parse_header("Bad Name: abc").unwrap_err();
        assert!(e.contains("\"Bad Name\" is not a valid header name"), "{e}");
        let e = parse_header("X-Token: abc\ndef").unwrap_err();
        assert!(e.contains("x-token") && !e.contains("abc"), "{e}");
    }

    #[test]
    fn credential_header_names() {
        for name in [
            "authorization",
            "proxy-authorization",
            "cookie",
            "x-api-key",
            "x-auth-token",
            "x-session-id",
        ] {
            assert!(is_credential_name(&HeaderName::from_static(name)), "{name}");
        }
        for name in [
            "accept",
            "user-agent",
            "content-type",
            "x-request-id",
            "host",
        ] {
            assert!(
                !is_credential_name(&HeaderName::from_static(name)),
                "{name}"
            );
        }
    }

    #[test]
    fn header_files_name_the_line() {
        let h = parse_header_file("# comment\n\nX-A: 1\r\nX-B: two words\n", "h.txt").unwrap();
        assert_eq!(h.len(), 2);
        assert_eq!(h[1].1, "two words");
        let e = parse_header_file("X-A: 1\nnonsense secret\n", "h.txt").unwrap_err();
        assert!(
            e.starts_with("h.txt, line 2: ") && !e.contains("secret"),
            "{e}"
        );
    }

    #[test]
    fn header_from_env_spec() {
        let (n, var) = parse_header_from_env("Authorization=HEALTH_TOKEN").unwrap();
        assert_eq!(
            (n.as_str(), var.as_str()),
            ("authorization", "HEALTH_TOKEN")
        );
        assert!(parse_header_from_env("Authorization").is_err());
        assert!(parse_header_from_env("Authorization=").is_err());
        assert!(parse_header_from_env("Bad Name=X").is_err());
        let e = header_from_value(n, "HEALTH_TOKEN", "a\nb").unwrap_err();
        assert!(e.contains("HEALTH_TOKEN") && !e.contains("a\nb"));
    }

    #[test]
    fn methods_and_sizes() {
        assert_eq!(parse_method("head").unwrap(), Method::HEAD);
        assert!(parse_method("GE T").is_err());
        assert_eq!(parse_size("65536"), Ok(65536));
        assert_eq!(parse_size("64KiB"), Ok(65536));
        assert_eq!(parse_size("1M"), Ok(1 << 20));
        assert!(parse_size("1GB").is_err());
        assert!(parse_size("lots").is_err());
        assert!(parse_size("5000MiB").unwrap_err().contains("too large"));
        assert_eq!(parse_size("0"), Err("must be more than zero".to_owned()));
        assert_eq!(parse_size("0KiB"), Err("must be more than zero".to_owned()));
    }
}
