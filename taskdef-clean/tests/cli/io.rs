//! Input and output files as a shell user writes them: `-o -` and `-o /dev/stdout` are the
//! descriptor the tool was given (appended to after `>>`, a pipe works), `-f /dev/zero` is
//! refused at the input limit, a UTF-8 BOM is named.

use std::process::Stdio;
use std::time::{Duration, Instant};

use assert_cmd::cargo::cargo_bin;
use test_support::CommandExt as _;

use crate::{cmd, fixture, fixture_text, stderr_of};

/// The compact output for the fixture, with its newline.
fn expected() -> String {
    let value: serde_json::Value = serde_json::from_str(&fixture_text("gpu-clean.json")).unwrap();
    format!("{}\n", serde_json::to_string(&value).unwrap())
}

/// `taskdef-clean -f gpu-describe.json --compact -o OUT` with the stream `fd` (1 or 2)
/// redirected `>>` to a file holding "old\n"; the file's text afterwards.
fn appended(out: &str, fd: u8) -> String {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("app.log");
    std::fs::write(&log, "old\n").unwrap();
    let file = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
    let mut command = std::process::Command::new(cargo_bin!("taskdef-clean"));
    command
        .scrub_env()
        .arg("-f")
        .arg(fixture("gpu-describe.json"))
        .args(["--compact", "-o", out])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if fd == 1 {
        command.stdout(file);
    } else {
        command.stderr(file);
    }
    let output = command.output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{out}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(std::fs::symlink_metadata(&log).unwrap().is_file());
    std::fs::read_to_string(&log).unwrap()
}

#[test]
fn output_to_a_descriptor_is_appended_after_an_append_redirection() {
    let want = format!("old\n{}", expected());
    // `-o /dev/stdout >> app.log`, `-o - >> app.log`, `-o /dev/stderr 2>> app.log`, ...
    for (out, fd) in [
        ("/dev/stdout", 1),
        ("-", 1),
        ("/dev/fd/1", 1),
        ("/proc/self/fd/1", 1),
        ("/dev/stderr", 2),
        ("/dev/fd/2", 2),
    ] {
        assert_eq!(appended(out, fd), want, "{out}");
    }
}

#[test]
fn output_to_a_descriptor_that_is_a_pipe_works() {
    // `-o /dev/stdout | cat`: the test reads the pipe.
    for out in ["/dev/stdout", "-", "/dev/fd/1"] {
        cmd()
            .arg("-f")
            .arg(fixture("gpu-describe.json"))
            .args(["--compact", "-o", out])
            .assert()
            .success()
            .stdout(expected())
            .stderr("");
    }
    let assert = cmd()
        .arg("-f")
        .arg(fixture("gpu-describe.json"))
        .args(["--compact", "-o", "/dev/stderr"])
        .assert()
        .success()
        .stdout("");
    assert_eq!(stderr_of(&assert), expected());
}

#[test]
fn output_to_another_inherited_descriptor() {
    // `taskdef-clean ... -o /dev/fd/3 3>>app.log`, through a shell.
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("app.log");
    std::fs::write(&log, "old\n").unwrap();
    let script = "exec \"$0\" -f \"$1\" --compact -o /dev/fd/3 3>>\"$2\"";
    let output = std::process::Command::new("sh")
        .scrub_env()
        .args(["-c", script])
        .arg(cargo_bin!("taskdef-clean"))
        .arg(fixture("gpu-describe.json"))
        .arg(&log)
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(output.stdout, b"");
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        format!("old\n{}", expected())
    );
    // A descriptor that is not open is an error; nothing is created.
    cmd()
        .arg("-f")
        .arg(fixture("gpu-describe.json"))
        .args(["-o", "/dev/fd/9"])
        .assert()
        .code(1)
        .stdout("")
        .stderr("taskdef-clean: error: cannot write /dev/fd/9: descriptor 9 is not open\n");
}

#[test]
fn endless_input_is_refused_at_the_limit() {
    let started = Instant::now();
    let assert = cmd()
        .args(["-f", "/dev/zero"])
        .timeout(Duration::from_secs(30))
        .assert()
        .code(1)
        .stdout("");
    assert_eq!(
        stderr_of(&assert),
        "taskdef-clean: error: cannot read describe-task-definition JSON from /dev/zero: \
         larger than 64 MiB, the limit; is it the right file? (an ECS task definition is at \
         most 64 KiB)\n"
    );
    assert!(started.elapsed() < Duration::from_secs(20));
}

#[test]
fn a_bom_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bom.json");
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(fixture_text("gpu-describe.json").bytes());
    std::fs::write(&path, bytes).unwrap();
    let assert = cmd().arg("-f").arg(&path).assert().code(1).stdout("");
    assert_eq!(
        stderr_of(&assert),
        format!(
            "taskdef-clean: error: {}: invalid JSON at line 1, column 1: starts with a UTF-8 \
             BOM: save it without one\n",
            path.display()
        )
    );
}

#[test]
fn a_closed_stdout_does_not_change_the_exit_code() {
    // The reader left before the output was written (`| head -0`): the cleaning still
    // succeeded, so the exit code is 0, and nothing panics on the broken pipe.
    let child = std::process::Command::new(cargo_bin!("taskdef-clean"))
        .scrub_env()
        .arg("-f")
        .arg(fixture("gpu-describe.json"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut child = child;
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
