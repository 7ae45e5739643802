//! The input is read with a limit (an endless `/dev/zero` is refused at once) and a UTF-8
//! BOM is named: input errors, exit 1, nothing on stdout.

use std::time::{Duration, Instant};

use crate::common::{stderr_of, tool};

#[test]
fn endless_input_is_refused_at_the_limit() {
    let started = Instant::now();
    let out = tool()
        .args(["-f", "/dev/zero", "--format", "names", "--all"])
        .timeout(Duration::from_secs(30))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert!(out.stdout.is_empty());
    assert_eq!(
        stderr_of(&out),
        "tf-secrets: error: cannot read `terraform output -json` from /dev/zero: larger than \
         64 MiB, the limit; is it the right file? (for a few outputs of a large state, select \
         them first: terraform output -json | jq '{db_password, api_key}')\n"
    );
    assert!(started.elapsed() < Duration::from_secs(20));
}

#[test]
fn a_bom_is_named() {
    let input = b"\xEF\xBB\xBF{\"db\": {\"sensitive\": false, \"value\": \"x\"}}\n".to_vec();
    let out = tool()
        .args(["--format", "names", "--all"])
        .write_stdin(input)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert!(out.stdout.is_empty());
    assert_eq!(
        stderr_of(&out),
        "tf-secrets: error: expected `terraform output -json`: <stdin>: invalid JSON at line 1, \
         column 1: starts with a UTF-8 BOM: save it without one\n"
    );
}
