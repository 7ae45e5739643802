//! `cli_support::jq`: filters compiled from any code (`compile`, its error messages with a
//! caret under the place), run on any JSON document (`run_json`), and the conversions between
//! serde_json and jaq values (`from_json`, `to_json`).
//!
//! The input is the filter's code, a NUL byte, then the JSON document.
//!
//! The tools run filters in a worker process, where a filter that recurses without end or
//! takes all memory is the worker's death, reported as such; here they run in the fuzzer's
//! own process, so only filters whose work is bounded are run (`bounded`): short ones, made
//! of built-ins that neither generate without end nor recurse, with small numbers. Any code
//! is compiled.
//!
//! What must hold, besides no panic:
//! - a document converted to a jaq value and back is the same value, numbers with their
//!   digits (`1.50`, `1E+2`, integers past 64 bits);
//! - a compile error has a message; a run error's message is at most 300 characters and
//!   has a kind; every output of a filter that converts to JSON nests at most as deep as a
//!   value may.

#![no_main]

use cli_support::input::{Source, parse_json};
use cli_support::jq::{compile, from_json, referenced_env_vars, to_json};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (code, json) = match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &b"null"[..]),
    };
    let Ok(code) = std::str::from_utf8(code) else {
        return;
    };
    let input = parse_json(json, &Source::Stdin).ok();
    if let Some(input) = &input {
        assert_eq!(to_json(&from_json(input)).as_ref(), Ok(input));
    }
    let _ = referenced_env_vars(code);

    let args = [("name".to_owned(), "value".to_owned())];
    let filter = match compile(code, &args) {
        Ok(filter) => filter,
        Err(e) => {
            assert!(!e.message.is_empty(), "{code:?}");
            return;
        }
    };
    let Some(input) = input.filter(|_| bounded(code)) else {
        return;
    };
    match filter.run_json(&input) {
        Ok(_) => {}
        Err(e) => {
            assert!(e.message.chars().count() <= 301, "{}", e.message);
            let _ = e.kind().to_string();
        }
    }
});

/// Built-ins that take bounded work on a bounded input (no generator without end, no
/// recursion, no parsing of nested data from a string, no allocation sized by a number).
#[rustfmt::skip]
const BOUNDED: &[&str] = &[
    "add", "and", "arrays", "as", "ascii_downcase", "ascii_upcase", "booleans", "contains",
    "del", "elif", "else", "empty", "end", "endswith", "error", "false", "first", "from_entries",
    "has", "if", "in", "index", "indices", "inside", "isempty", "iterables", "join", "keys",
    "last", "length", "ltrimstr", "map", "map_values", "max", "min", "name", "not", "null",
    "numbers", "objects", "or", "reverse", "rtrimstr", "scalars", "select", "sort", "sort_by",
    "split", "startswith", "strings", "test", "then", "to_entries", "tojson", "tostring",
    "true", "try", "catch", "type", "unique", "unique_by", "values", "with_entries",
];

/// Whether running `code` takes bounded time and memory (see [`BOUNDED`]): at most 64
/// bytes, every word a bounded built-in (or a `$variable`, a `.key`), numbers of at most
/// three digits, no `..` (recursion), at most three operators that can double a value.
fn bounded(code: &str) -> bool {
    if code.len() > 64 || code.contains("..") {
        return false;
    }
    if code.matches(['+', '*']).count() > 3 {
        return false;
    }
    let bytes = code.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_alphabetic() || b == b'_' {
            let start = i;
            while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                i += 1;
            }
            let word = &code[start..i];
            // `.key` and `$name` are no built-ins, but `1.e9` is a number.
            let key_or_variable = start > 0
                && (bytes[start - 1] == b'$'
                    || bytes[start - 1] == b'.'
                        && (start < 2 || !bytes[start - 2].is_ascii_digit()));
            if !key_or_variable && !BOUNDED.contains(&word) {
                return false;
            }
        } else if b.is_ascii_digit() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            if i - start > 3 {
                return false;
            }
        } else {
            i += 1;
        }
    }
    true
}
