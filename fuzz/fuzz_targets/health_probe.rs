//! health-probe: what it parses from its flags (`--status` matchers, URLs and `tcp://`
//! targets, `--header`, `--header-file`, `--header-from-env`, `--resolve`, `--method`,
//! `--max-body`, `--expect-header`) and what it hides of a URL or an answer
//! (`redact::url`, `redact::Secrets`).
//!
//! The input is a selector byte (which parser, modulo their number) and the text.
//!
//! What must hold, besides no panic:
//! - a status matcher prints as a text that parses to the same matcher, holding no code
//!   outside 100-599;
//! - a URL's printed form (`shown`) is the same with stand-ins for its credentials (so it
//!   holds none of them, in any form), and parses again as the same target (host, port,
//!   kind);
//! - a header's value is never in an error message (`--header`, each line of
//!   `--header-file`): the message is the same for any value refused with that name; a
//!   parsed value is marked sensitive;
//! - `--resolve` gives a host, a port above zero, at least one address, and applies to its
//!   own host and port; `--max-body` is 1 byte to 1 GiB; a method is the text upper-cased;
//! - `Secrets::redact` leaves none of the values added (4 characters or more) and
//!   `redact_cut` leaves no start of one (4 characters or more) before a `…`.

#![no_main]

use health_probe::expect::HeaderExpect;
use health_probe::matcher::StatusMatcher;
use health_probe::redact::{self, Secrets};
use health_probe::request::{
    Kind, Resolve, Target, parse_header, parse_header_file, parse_header_from_env, parse_method,
    parse_size,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    match selector % 9 {
        0 => status(text),
        1 => target(text),
        2 => header(text),
        3 => header_file(text),
        4 => {
            if let Ok((_, var)) = parse_header_from_env(text) {
                assert!(!var.is_empty() && !var.contains(['=', '\0']), "{var:?}");
            }
        }
        5 => resolve(text),
        6 => {
            if let Ok(method) = parse_method(text) {
                assert_eq!(method.as_str(), text.trim().to_ascii_uppercase());
            }
            if let Ok(size) = parse_size(text) {
                assert!((1..=1 << 30).contains(&size), "{size}");
            }
        }
        7 => {
            let _ = HeaderExpect::parse(text);
        }
        _ => secrets(text),
    }
});

fn status(text: &str) {
    let Ok(matcher) = StatusMatcher::parse(text) else {
        return;
    };
    let printed = matcher.to_string();
    assert_eq!(
        StatusMatcher::parse(&printed),
        Ok(matcher.clone()),
        "{printed}"
    );
    for code in [0, 99, 600, 999, u16::MAX] {
        assert!(!matcher.contains(code), "{printed} holds {code}");
    }
}

fn target(text: &str) {
    let Ok(target) = Target::parse(text) else {
        return;
    };
    // The shown form does not depend on the credentials: the same with stand-ins for them
    // (so none of their forms, user name, password, decoded or Basic, can be in it).
    let mut standins = target.url.clone();
    if !target.url.username().is_empty() {
        let _ = standins.set_username("standin");
    }
    if target.url.password().is_some() {
        let _ = standins.set_password(Some("standin"));
    }
    assert_eq!(redact::url(&standins), target.shown);
    let again = Target::parse(&target.shown)
        .unwrap_or_else(|e| panic!("{:?} does not parse again: {e}", target.shown));
    assert_eq!(again.host_port(), target.host_port(), "{}", target.shown);
    assert_eq!(again.kind, target.kind);
    if let Kind::Tcp { host, .. } = &target.kind {
        assert!(!host.is_empty());
    }
}

/// What `parse_header` says of a line with this name and any value it refuses: the same
/// message, since it may not depend on the value. Its name is checked first (a stand-in value
/// `x`); a valid name with a value refused is told by the name alone (a stand-in value with a
/// control character).
fn refused_for_name(line: &str) -> Option<String> {
    let (name, _) = line.split_once(':')?;
    Some(match parse_header(&format!("{name}:x")) {
        Err(e) => e,
        Ok(_) => {
            parse_header(&format!("{name}:\u{1}")).expect_err("a control character is refused")
        }
    })
}

fn header(text: &str) {
    match parse_header(text) {
        Ok((_, value)) => assert!(value.is_sensitive()),
        Err(e) => {
            if let Some(expected) = refused_for_name(text) {
                assert_eq!(e, expected, "the message depends on the value");
            }
        }
    }
}

fn header_file(text: &str) {
    match parse_header_file(text, "headers.txt") {
        Ok(headers) => assert!(headers.iter().all(|(_, v)| v.is_sensitive())),
        Err(e) => {
            // The first line refused is the one reported, with its number.
            let (i, line) = text
                .lines()
                .map(str::trim)
                .enumerate()
                .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
                .find(|(_, l)| parse_header(l).is_err())
                .expect("an error comes from a line");
            if let Some(expected) = refused_for_name(line) {
                assert_eq!(e, format!("headers.txt, line {}: {expected}", i + 1));
            }
        }
    }
}

fn resolve(text: &str) {
    let Ok(entry) = Resolve::parse(text) else {
        return;
    };
    assert!(!entry.host.is_empty());
    assert!(entry.port > 0);
    assert!(!entry.addrs.is_empty());
    assert_eq!(entry.host, entry.host.to_ascii_lowercase());
    assert!(entry.applies_to(&entry.host.to_ascii_uppercase(), entry.port));
    assert_eq!(entry.socket_addrs().len(), entry.addrs.len());
}

/// Values, then the text (the last NUL-separated part).
fn secrets(text: &str) {
    let mut parts: Vec<&str> = text.split('\0').collect();
    let text = parts.pop().unwrap_or_default();
    let mut secrets = Secrets::new();
    for value in &parts {
        secrets.add(value);
    }
    let out = secrets.redact(text);
    let cut = secrets.redact_cut(text);
    for value in &parts {
        let value = value.trim();
        // The mark can complete a value that holds its characters (`x***`).
        if value.chars().count() < 4 || value.contains('*') {
            continue;
        }
        assert!(!out.contains(value), "{value:?} in {out:?}");
        assert!(!cut.contains(value), "{value:?} in {cut:?}");
        if value.contains('…') {
            continue;
        }
        let start: String = value.chars().take(4).collect();
        for piece in cut.split('…').rev().skip(1) {
            // What redact_cut removes ends in the mark; the text may have its own marks.
            assert!(
                !piece.ends_with(&start) || piece.ends_with(cli_support::redact::MARK),
                "a start of {value:?} before a cut: {cut:?}"
            );
        }
    }
}
