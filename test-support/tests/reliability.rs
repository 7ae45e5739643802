//! RELIABILITY.md names the test that proves each guarantee: every file it names exists, and
//! every test it names is a function in that file. A renamed or deleted test fails here,
//! instead of leaving a guarantee that nothing proves.
//!
//! References are code spans: `crate/tests/file.rs::test_name`, `crate/src/file.rs` (a
//! file), and a bare `::test_name`, which is in the file named just before it.

use std::collections::BTreeMap;

use test_support::workspace_root;

/// The fewest test references the document must yield: an extraction that stopped seeing
/// them fails, instead of passing with nothing checked.
const AT_LEAST: usize = 400;

#[derive(Debug)]
struct Reference {
    line: usize,
    file: String,
    test: Option<String>,
}

/// The references in the document, from its first heading on (the preamble explains the
/// notation with placeholders).
fn references(doc: &str) -> Vec<Reference> {
    let mut found = Vec::new();
    let mut current: Option<String> = None;
    let start = doc.lines().position(|l| l.starts_with("## ")).unwrap_or(0);
    for (n, line) in doc.lines().enumerate().skip(start) {
        // The odd pieces between backticks are code spans.
        for span in line.split('`').skip(1).step_by(2) {
            if is_placeholder(span) {
                continue;
            }
            if let Some(test) = span.strip_prefix("::").filter(|t| is_identifier(t)) {
                let file = current.clone().unwrap_or_else(|| {
                    panic!(
                        "RELIABILITY.md:{}: `::{test}` with no file named before it",
                        n + 1
                    )
                });
                found.push(Reference {
                    line: n + 1,
                    file,
                    test: Some(test.to_owned()),
                });
            } else if let Some((file, test)) =
                span.split_once(".rs::").filter(|(_, t)| is_identifier(t))
            {
                let file = format!("{file}.rs");
                current = Some(file.clone());
                found.push(Reference {
                    line: n + 1,
                    file,
                    test: Some(test.to_owned()),
                });
            } else if std::path::Path::new(span)
                .extension()
                .is_some_and(|e| e == "rs")
                && span.contains('/')
                && !span.contains(' ')
            {
                current = Some(span.to_owned());
                found.push(Reference {
                    line: n + 1,
                    file: span.to_owned(),
                    test: None,
                });
            }
        }
    }
    found
}

/// A path with a placeholder in capitals (`TOOL/src/lib.rs`): a pattern, not a file.
fn is_placeholder(span: &str) -> bool {
    span.split('/')
        .next()
        .is_some_and(|first| !first.is_empty() && first.chars().all(|c| c.is_ascii_uppercase()))
        && span.contains('/')
}

/// A Rust identifier (not a workflow command such as `::add-mask::`).
fn is_identifier(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Whether `source` defines a function `name` (a test, or a helper a row names).
fn defines(source: &str, name: &str) -> bool {
    source.match_indices(&format!("fn {name}")).any(|(i, m)| {
        source[i + m.len()..]
            .chars()
            .next()
            .is_some_and(|c| c == '(' || c == '<')
    })
}

#[test]
fn every_test_named_in_reliability_md_exists() {
    let root = workspace_root();
    let doc = std::fs::read_to_string(root.join("RELIABILITY.md")).unwrap();
    let refs = references(&doc);
    let tests = refs.iter().filter(|r| r.test.is_some()).count();
    assert!(
        tests >= AT_LEAST,
        "only {tests} test references found in RELIABILITY.md (at least {AT_LEAST} expected): \
         did the notation change?"
    );
    let mut sources = BTreeMap::new();
    let mut missing = Vec::new();
    for r in &refs {
        let source = sources
            .entry(r.file.clone())
            .or_insert_with(|| std::fs::read_to_string(root.join(&r.file)).ok());
        match (source, &r.test) {
            (None, _) => missing.push(format!("RELIABILITY.md:{}: no file {}", r.line, r.file)),
            (Some(source), Some(test)) if !defines(source, test) => missing.push(format!(
                "RELIABILITY.md:{}: {} has no fn {test}",
                r.line, r.file
            )),
            _ => {}
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[test]
fn the_extraction_reads_the_notation() {
    let doc = "prove it: `path::test_name` (a bare `::name`)\n\
               ## tool\n\
               | a | `t/tests/cli/x.rs::one`, `::two` |\n\
               | b | `::three`; see `t/src/y.rs` and `cli_support::output`, `::add-mask::`, `TOOL/src/lib.rs` |\n";
    let refs: Vec<_> = references(doc)
        .into_iter()
        .map(|r| (r.line, r.file, r.test))
        .collect();
    let s = |v: &str| Some(v.to_owned());
    assert_eq!(
        refs,
        [
            (3, "t/tests/cli/x.rs".to_owned(), s("one")),
            (3, "t/tests/cli/x.rs".to_owned(), s("two")),
            (4, "t/tests/cli/x.rs".to_owned(), s("three")),
            (4, "t/src/y.rs".to_owned(), None),
        ]
    );
    assert!(defines("fn one() {}\nfn two<T>() {}", "two"));
    assert!(!defines("fn one_more() {}", "one"));
}
