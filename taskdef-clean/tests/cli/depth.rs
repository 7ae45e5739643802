//! Filters that recurse without end or nest deeply, and input nested deeper than the limit:
//! a clear message and the documented exit code, never an abort (134) or "not JSON".

use crate::{cmd, fixture_text, json_of, stderr_of};

/// The `--filter` output of the web fixture with `filter`, or its failure: stdout empty,
/// an -o file untouched, exit `code`; returns stderr.
fn fails(filter: &str, stdin: &str, code: i32) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.json");
    std::fs::write(&out, "previous content\n").unwrap();
    let run = cmd()
        .arg(format!("--filter={filter}"))
        .arg("-o")
        .arg(&out)
        .write_stdin(stdin)
        .assert()
        .code(code)
        .stdout("");
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "previous content\n",
        "the -o file was touched"
    );
    stderr_of(&run)
}

fn web() -> String {
    fixture_text("web-register.json")
}

#[test]
fn a_filter_that_recurses_without_end_is_an_error_not_an_abort() {
    let err = fails("def f: 1 + f; f", &web(), 1);
    assert_eq!(
        err,
        // the fixture has environment values: only the kind of error is shown
        "taskdef-clean: error: --filter failed: stack too deep (recursion or nesting); \
         its message is not shown because the task definition has environment values, which it may quote (run the filter with jq on a copy without them to see it)\n"
    );
}

#[test]
fn thousands_of_nested_reduces_run() {
    // 5,000 nested `reduce`s (90 KB, under the 128 KiB limit of one argument): each an
    // identity, so the output is the cleaned input.
    let filter = format!(
        "{}.{}",
        "reduce . as $x (.; ".repeat(5000),
        ")".repeat(5000)
    );
    let plain = json_of(&cmd().write_stdin(web()).assert().success());
    let filtered = cmd()
        .arg(format!("--filter={filter}"))
        .write_stdin(web())
        .assert()
        .success()
        .stderr("");
    assert_eq!(json_of(&filtered), plain);
}

#[test]
fn a_filter_nested_too_deeply_to_compile_is_a_usage_error() {
    let depth = 60_000;
    let filter = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    let err = fails(&filter, &web(), 2);
    assert_eq!(
        err,
        "taskdef-clean: error: --filter does not compile: the filter is nested too deeply to \
         compile (stack overflow)\n"
    );
}

#[test]
fn a_filter_that_yields_a_value_too_deep_says_so() {
    // serde_json refused this (depth 300 > its 128) and the message said "not JSON: a value".
    let err = fails(".x = (reduce range(300) as $i (0; [.]))", &web(), 1);
    assert_eq!(
        err,
        // the fixture has environment values: only the kind of error is shown
        "taskdef-clean: error: --filter failed: the filter failed; its message is not shown because the task definition has environment values, which it may quote (run the filter with jq on a copy without them to see it)\n"
    );
}

#[test]
fn input_nested_deeper_than_the_limit_is_an_input_error_with_its_place() {
    for depth in [101, 300, 5000, 100_000] {
        let input = format!(
            "{{\"family\": \"web\",\n \"x\": {}{}}}",
            "[".repeat(depth),
            "]".repeat(depth)
        );
        let err = fails(".", &input, 1);
        // The 100th bracket on line 2 is the 101st level (the object is the first).
        assert_eq!(
            err,
            "taskdef-clean: error: <stdin>: invalid JSON at line 2, column 106: arrays and \
             objects nested more than 100 levels deep (the limit is 100)\n",
            "depth {depth}"
        );
    }
}
