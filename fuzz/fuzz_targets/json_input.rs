//! `cli_support::input`: the JSON reader every tool uses (`parse_json`: BOM, empty input,
//! the `MAX_DEPTH` limit before serde_json), `too_deep` and `line_column`; and what
//! tf-secrets does with Terraform's output (`too_deep`, then jaq-json's recursive parser).
//!
//! What must hold, besides no panic and no stack overflow:
//! - a document that parses nests at most `MAX_DEPTH` deep;
//! - it is written and read back as the same value (numbers keep their digits:
//!   `arbitrary_precision`);
//! - an error has a line and a column from 1, and a depth error points inside the input;
//! - what `too_deep` lets through, jaq-json parses without running out of stack.

#![no_main]

use cli_support::input::{MAX_DEPTH, Source, line_column, parse_json, too_deep};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let source = Source::File("fuzz.json".into());
    let deep = too_deep(data);
    if let Some(offset) = deep {
        assert!(offset < data.len());
        assert!(matches!(data[offset], b'[' | b'{'));
    }
    match parse_json(data, &source) {
        Ok(value) => {
            assert!(deep.is_none());
            assert!(depth(&value) <= MAX_DEPTH, "too deep: {value}");
            let text = serde_json::to_vec(&value).expect("a value writes");
            let again = parse_json(&text, &source).expect("what was written reads");
            assert_eq!(again, value);
        }
        Err(e) => {
            assert!(e.line >= 1 && e.column >= 1, "{e}");
            assert!(
                e.to_string()
                    .starts_with("fuzz.json: invalid JSON at line ")
            );
        }
    }
    if deep.is_none()
        && let Ok(value) = jaq_json::read::parse_single(data)
    {
        let _ = value.to_string();
    }
    let (line, column) = line_column(data, data.len() / 2);
    assert!(line >= 1 && column >= 1);
});

/// How deep arrays and objects nest in `value` (a scalar: 0), without recursion.
fn depth(value: &Value) -> usize {
    let mut deepest = 0;
    let mut todo = vec![(value, 0)];
    while let Some((v, d)) = todo.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match v {
            Value::Array(items) => Box::new(items.iter()),
            Value::Object(members) => Box::new(members.values()),
            _ => continue,
        };
        deepest = deepest.max(d + 1);
        todo.extend(children.map(|c| (c, d + 1)));
    }
    deepest
}
