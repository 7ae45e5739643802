//! Which jq filters a fuzz target may run in its own process (shared by the targets that
//! run filters: `jq_filter`, `tf_secrets`).
//!
//! The tools run filters in a worker process, where a filter that recurses without end or
//! takes all memory is the worker's death, reported as such; a fuzz target runs them in the
//! fuzzer's process, where it would be the fuzzer's own death.

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
    // Values JSON cannot hold (`to_json` names them) and path expressions (their errors).
    "nan", "infinite", "path", "paths", "getpath", "tonumber", "floor",
];

/// Whether running `code` takes bounded time and memory (see [`BOUNDED`]): at most 64
/// bytes, every word a bounded built-in (or a `$variable`, a `.key`), numbers of at most
/// three digits, no `..` (recursion), at most three operators that can double a value;
/// `extra`: more words allowed (helpers defined with bounded built-ins).
pub fn bounded(code: &str, extra: &[&str]) -> bool {
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
            if !key_or_variable && !BOUNDED.contains(&word) && !extra.contains(&word) {
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
