//! What every tool shares (cli-support), through this binary: usage errors carry the tool's
//! name, durations need a unit.

use crate::{probe, stderr, stdout};

#[test]
fn usage_errors_carry_the_tools_name() {
    let out = probe()
        .args(["--no-such-flag", "http://127.0.0.1:9/"])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(stdout(&out), "");
    assert!(
        err.starts_with("health-probe: error: unexpected argument '--no-such-flag' found\n"),
        "{err}"
    );
    assert!(err.contains("Usage: health-probe"), "{err}");
}

#[test]
fn a_duration_without_a_unit_is_a_usage_error() {
    for (flag, value) in [("-t", "14"), ("--interval", "0"), ("--max-latency", "2.5")] {
        let out = probe()
            .args([flag, value, "http://127.0.0.1:9/"])
            .output()
            .unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert_eq!(stdout(&out), "");
        assert!(
            err.starts_with("health-probe: error: invalid value "),
            "{err}"
        );
        assert!(
            err.contains(&format!(
                "\"{value}\" has no unit: write {value}ms, {value}s, {value}m (minutes), {value}h or {value}d\n"
            )),
            "{err}"
        );
    }
}
