//! Tests that need a program of the machine (`script`, `terraform`).

use std::io::Write as _;
use std::os::unix::fs::PermissionsExt as _;
use std::path::PathBuf;

/// Whether the tests run under CI (`CI` set and not empty), where every program a test
/// needs must be installed.
pub fn under_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty())
}

/// The executable `program` on `PATH`, if any.
pub fn find_tool(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| {
            p.metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

/// The executable `program` on `PATH`, for a test that needs it. Missing under CI (see
/// [`under_ci`]), the test fails; missing elsewhere, it prints
/// `skipped: PROGRAM not installed` where the harness does not swallow it (straight to the
/// process's stderr) and returns `None`: the test returns at once.
///
/// ```ignore
/// let Some(terraform) = test_support::require_tool("terraform") else { return };
/// ```
pub fn require_tool(program: &str) -> Option<PathBuf> {
    let found = find_tool(program);
    if found.is_none() {
        assert!(
            !under_ci(),
            "{program} is not installed, and CI is set: this test needs it (install it on the \
             runner)"
        );
        let test = std::thread::current()
            .name()
            .map_or_else(String::new, |n| format!("{n}: "));
        let _ = writeln!(std::io::stderr(), "{test}skipped: {program} not installed");
    }
    found
}
