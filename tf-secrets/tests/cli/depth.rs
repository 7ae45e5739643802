//! Outputs nested deeper than the limit, and filters that recurse without end: an input or
//! filter error with the documented exit code, never an abort (134).

use crate::common::{stderr_of, tool};

#[test]
fn an_output_nested_100000_levels_deep_is_an_input_error() {
    let depth = 100_000;
    let input = format!(
        "{{\"deep\": {{\"sensitive\": false,\n \"value\": {}{}}}}}",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let out = tool()
        .args(["--format", "json", "DEEP=deep"])
        .write_stdin(input)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert!(out.stdout.is_empty());
    // Two objects, then the 99th bracket, which starts at column 11: column 109.
    assert_eq!(
        stderr_of(&out),
        "tf-secrets: error: expected `terraform output -json`: <stdin>: invalid JSON at line 2, \
         column 109: arrays and objects nested more than 100 levels deep (the limit is 100)\n"
    );
}

#[test]
fn a_filter_that_recurses_without_end_is_an_error_not_an_abort() {
    let input = r#"{"password": {"sensitive": true, "value": "hunter2-s3cret"}}"#;
    let out = tool()
        .args(["--format", "json", "PW=.password | def f: 1 + f; f"])
        .write_stdin(input)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert!(out.stdout.is_empty());
    assert_eq!(
        stderr_of(&out),
        // the failure does not depend on the sensitive value (it fails the same way on
        // stand-ins), so its message is shown
        "tf-secrets: error: `PW=.password | def f: 1 + f; f`: the filter failed: the filter \
         recursed too deeply (stack overflow): a recursive def that never ends, or recursion as \
         deep as the data or the filter is nested\n"
    );
}

#[test]
fn a_filter_result_nested_deeper_than_the_limit_is_an_error() {
    let input = r#"{"password": {"sensitive": true, "value": "hunter2-s3cret"}}"#;
    // 101 levels just past the limit, 100,000 far past it: the same error, never an abort;
    // 100 levels is a value (written as JSON).
    for depth in [101, 100_000] {
        let selection = format!("PW=.password | reduce range({depth}) as $i (.; [.])");
        let out = tool()
            .args(["--format", "json", &selection])
            .write_stdin(input)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
        assert!(out.stdout.is_empty());
        let err = stderr_of(&out);
        assert_eq!(
            err,
            format!(
                "tf-secrets: error: `{selection}`: the filter failed: the filter yielded a value \
                 nested more than 100 levels deep (the limit is 100)\n"
            )
        );
        assert!(!err.contains("hunter2"), "{err}");
    }
    let out = tool()
        .args([
            "--format",
            "json",
            "PW=.password | reduce range(99) as $i (.; [.]) | tojson",
        ])
        .write_stdin(input)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr_of(&out));
}
