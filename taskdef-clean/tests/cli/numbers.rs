//! Numbers keep the digits they were written with: a member kept but not modelled is kept
//! exactly, with or without a filter (issue 9, item 11).

use crate::{cmd, stderr_of};

/// A task definition with numbers JSON can hold but a 64-bit float cannot say the same way,
/// in members the ECS model does not know (kept with a warning) and in modelled ones.
const INPUT: &str = r#"{"family": "web", "containerDefinitions": [{"name": "app", "image": "app:1",
  "cpu": 0, "memory": 512,
  "extra": {"big": 12345678901234567890123, "e": 1E+2, "d": 1.50, "z": -0, "n": -1.0e-7}}],
  "newMember": [18446744073709551616, -9223372036854775809, 0.1, 1E400]}"#;

/// What compact output writes for them: the input's digits; serde_json writes an exponent
/// as `e+`/`e-`.
const KEPT: &str = r#"{"family":"web","containerDefinitions":[{"name":"app","image":"app:1","cpu":0,"memory":512,"extra":{"big":12345678901234567890123,"e":1e+2,"d":1.50,"z":-0,"n":-1.0e-7}}],"newMember":[18446744073709551616,-9223372036854775809,0.1,1e+400]}"#;

fn warned_twice(stderr: &str) {
    assert!(
        stderr.contains(".containerDefinitions[0].extra (container \"app\"): not a member of ContainerDefinition"),
        "{stderr}"
    );
    assert!(
        stderr.contains(".newMember: not a RegisterTaskDefinition member"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 2, "{stderr}");
}

#[test]
fn unmodelled_members_keep_their_digits() {
    let assert = cmd().arg("--compact").write_stdin(INPUT).assert().code(0);
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    assert_eq!(stdout, format!("{KEPT}\n"));
    warned_twice(&stderr_of(&assert));
}

#[test]
fn indented_output_keeps_them_too() {
    let assert = cmd().write_stdin(INPUT).assert().code(0);
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    for kept in [
        "\"big\": 12345678901234567890123,",
        "\"e\": 1e+2,",
        "\"d\": 1.50,",
        "\"z\": -0,",
        "\"n\": -1.0e-7",
        "18446744073709551616,",
        "-9223372036854775809,",
        "1e+400",
        "\"memory\": 512,",
        "\"cpu\": 0,",
    ] {
        assert!(stdout.contains(kept), "{kept} not in {stdout}");
    }
}

#[test]
fn a_filter_keeps_the_digits_of_numbers_it_does_not_compute_with() {
    let assert = cmd()
        .args(["--compact", "--filter", "."])
        .write_stdin(INPUT)
        .assert()
        .code(0);
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    // through the filter worker's wire format -0 comes back as 0; every other number keeps
    // its digits
    assert_eq!(
        stdout,
        format!("{}\n", KEPT.replace(r#""z":-0"#, r#""z":0"#))
    );
    warned_twice(&stderr_of(&assert));

    // Integers stay exact through arithmetic; a decimal computed with is a 64-bit float.
    let assert = cmd()
        .args([
            "--compact",
            "--filter",
            ".containerDefinitions[0].extra |= (.big += 1 | .e += 1) | .containerDefinitions[0].memory += 512",
        ])
        .write_stdin(INPUT)
        .assert()
        .code(0);
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).into_owned();
    assert!(
        stdout.contains(
            r#""memory":1024,"extra":{"big":12345678901234567890124,"e":101.0,"d":1.50,"z":0,"n":-1.0e-7}"#
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains(r#""newMember":[18446744073709551616,-9223372036854775809,0.1,1e+400]"#),
        "{stdout}"
    );
}

#[test]
fn a_modelled_integer_written_as_a_float_says_how_to_write_it() {
    for (memory, hint) in [
        (
            "1E+2",
            "found the number 1e+2 (write it as a whole number: 100)",
        ),
        (
            "512.0",
            "found the number 512.0 (write it as a whole number: 512)",
        ),
        (
            "-0.0",
            "found the number -0.0 (write it as a whole number: 0)",
        ),
        (
            "12345678901234567890123",
            "found the number 12345678901234567890123 (out of the 32-bit range)",
        ),
        ("1.5", "found the number 1.5 (write a whole number)"),
    ] {
        let input = format!(
            r#"{{"family": "web", "containerDefinitions": [{{"name": "app", "image": "app:1", "memory": {memory}}}]}}"#
        );
        let assert = cmd()
            .arg("--check")
            .write_stdin(input)
            .assert()
            .code(1)
            .stdout("");
        let stderr = stderr_of(&assert);
        assert!(
            stderr.contains(&format!(
                "<stdin>: .containerDefinitions[0].memory (container \"app\"): expected an integer, {hint}"
            )),
            "{memory}: {stderr}"
        );
    }
}
