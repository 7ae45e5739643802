//! `cli_support::jq`: filters compiled from any code (`compile`, its error messages with a
//! caret under the place), run on any JSON document (`run_json`), and the conversions between
//! serde_json and jaq values (`from_json`, `to_json`).
//!
//! The input is the filter's code, a NUL byte, then the JSON document.
//!
//! The tools run filters in a worker process, where a filter that recurses without end or
//! takes all memory is the worker's death, reported as such; here they run in the fuzzer's
//! own process, so only filters whose work is bounded are run (`jq_bounded::bounded`):
//! short ones, made of built-ins that neither generate without end nor recurse, with small
//! numbers. Any code is compiled.
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

#[path = "common/jq_bounded.rs"]
mod jq_bounded;

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
    let Some(input) = input.filter(|_| jq_bounded::bounded(code, &[])) else {
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
