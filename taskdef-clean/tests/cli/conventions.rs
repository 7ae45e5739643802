//! What every tool shares (cli-support), through this binary: usage errors carry the tool's
//! name, GitHub Actions gets each message once, output-file semantics (-o), the man page.

use std::os::unix::fs::{FileTypeExt as _, PermissionsExt as _};
use std::path::Path;

use serde_json::json;

use crate::{cmd, stderr_of};

fn input() -> String {
    json!({"family": "f", "containerDefinitions": [{"name": "app", "image": "nginx", "memory": 128}]}).to_string()
}

/// What taskdef-clean writes for [`input`].
fn expected() -> String {
    let assert = cmd().write_stdin(input()).assert().success();
    String::from_utf8(assert.get_output().stdout.clone()).unwrap()
}

#[test]
fn usage_errors_carry_the_tools_name() {
    let assert = cmd().arg("--no-such-flag").assert().code(2).stdout("");
    let err = stderr_of(&assert);
    assert!(
        err.starts_with("taskdef-clean: error: unexpected argument '--no-such-flag' found\n"),
        "{err}"
    );
    assert!(err.contains("\nUsage: taskdef-clean [OPTIONS]"), "{err}");
    assert!(err.contains("For more information, try '--help'."), "{err}");

    let assert = cmd().arg("-o").assert().code(2).stdout("");
    let err = stderr_of(&assert);
    assert!(
        err.starts_with("taskdef-clean: error: a value is required for '--output <FILE>'"),
        "{err}"
    );

    // help and version: unchanged, on stdout, exit 0
    for (flag, start) in [
        ("--help", "Turn `aws ecs describe-task-definition`"),
        ("--version", "taskdef-clean "),
    ] {
        let assert = cmd().arg(flag).assert().success().stderr("");
        let out = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
        assert!(out.starts_with(start), "{out}");
    }
}

#[test]
fn under_github_actions_each_error_is_printed_once() {
    let assert = cmd()
        .env("GITHUB_ACTIONS", "true")
        .args(["--image", "nope=x"])
        .write_stdin(input())
        .assert()
        .code(1)
        .stdout("");
    let err = stderr_of(&assert);
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(
        err.starts_with("::error title=taskdef-clean::--image nope=x: no container named \"nope\""),
        "{err}"
    );

    // a usage error from clap: its error line is the annotation, the tip and usage follow
    let assert = cmd()
        .env("GITHUB_ACTIONS", "true")
        .arg("--no-such-flag")
        .assert()
        .code(2)
        .stdout("");
    let err = stderr_of(&assert);
    assert!(
        err.starts_with(
            "::error title=taskdef-clean::unexpected argument '--no-such-flag' found\n"
        ),
        "{err}"
    );
    assert!(!err.contains("taskdef-clean: error:"), "{err}");
    assert!(err.contains("Usage: taskdef-clean"), "{err}");
}

#[test]
fn output_to_a_fifo_is_written_through() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("out.fifo");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    cmd()
        .arg("-o")
        .arg(&fifo)
        .write_stdin(input())
        .assert()
        .success()
        .stdout("")
        .stderr("");
    assert_eq!(reader.join().unwrap(), expected());
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
}

#[test]
fn output_through_a_symlink_replaces_its_target() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("taskdef.json");
    std::fs::write(&target, "old").unwrap();
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink("taskdef.json", &link).unwrap();
    cmd()
        .arg("-o")
        .arg(&link)
        .write_stdin(input())
        .assert()
        .success()
        .stdout("")
        .stderr("");
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        std::fs::read_link(&link).unwrap(),
        Path::new("taskdef.json")
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), expected());
    // nothing left behind
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
}

#[test]
fn output_to_devices_is_written_through() {
    cmd()
        .args(["-o", "/dev/null"])
        .write_stdin(input())
        .assert()
        .success()
        .stdout("")
        .stderr("");
    assert!(
        std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device()
    );

    let assert = cmd()
        .args(["-o", "/dev/full"])
        .write_stdin(input())
        .assert()
        .code(1)
        .stdout("");
    let err = stderr_of(&assert);
    assert!(
        err.starts_with("taskdef-clean: error: cannot write /dev/full: No space left on device"),
        "{err}"
    );
    assert!(
        std::fs::metadata("/dev/full")
            .unwrap()
            .file_type()
            .is_char_device()
    );
}

#[test]
fn a_read_only_output_file_needs_force() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("taskdef.json");
    std::fs::write(&path, "old").unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
    cmd()
        .arg("-o")
        .arg(&path)
        .write_stdin(input())
        .assert()
        .code(1)
        .stdout("")
        .stderr(format!(
            "taskdef-clean: error: cannot write {}: the file is read-only (no write permission); \
             pass --force to replace it\n",
            path.display()
        ));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");

    cmd()
        .arg("-o")
        .arg(&path)
        .arg("--force")
        .write_stdin(input())
        .assert()
        .success()
        .stdout("")
        .stderr("");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), expected());
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o444,
        "the file keeps its mode"
    );

    // --force goes with -o only
    let assert = cmd()
        .arg("--force")
        .write_stdin(input())
        .assert()
        .code(2)
        .stdout("");
    let err = stderr_of(&assert);
    assert!(
        err.starts_with("taskdef-clean: error: the following required arguments were not provided"),
        "{err}"
    );
}
