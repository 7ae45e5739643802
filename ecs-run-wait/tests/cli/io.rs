//! Input and output files: `--summary` naming an open descriptor (`/dev/stdout`) writes to
//! it, as a shell redirection would (a `>>` file is appended to, not replaced); `--overrides
//! @FILE` is read with a size limit.

use std::io::Write as _;
use std::process::Stdio;
use std::time::{Duration, Instant};

use assert_cmd::cargo::cargo_bin;
use serde_json::{Value, json};
use test_support::CommandExt as _;

use crate::fixture::{setup, task_result};

fn cmd() -> assert_cmd::Command {
    let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("ecs-run-wait");
    cmd.scrub_env();
    cmd
}

#[test]
fn a_summary_to_dev_stdout_is_appended_to_a_shells_append_redirection() {
    let env = setup();
    task_result(&env.moto, json!({"exitCode": 0}));
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("ci.log");
    std::fs::write(&log, "old\n").unwrap();
    // `ecs-run-wait ... --summary /dev/stdout >> ci.log`
    let stdout = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
    let out = std::process::Command::new(cargo_bin!("ecs-run-wait"))
        .scrub_env()
        .envs(env.moto.env())
        .args(env.run_args())
        .args(["--summary", "/dev/stdout"])
        .stdin(Stdio::null())
        .stdout(stdout)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("--summary"), "{stderr}");
    let text = std::fs::read_to_string(&log).unwrap();
    let rest = text.strip_prefix("old\n").expect("earlier content kept");
    assert!(std::fs::symlink_metadata(&log).unwrap().is_file());
    // Each version of the summary, as a FIFO gets them: the last is the outcome.
    let docs: Vec<Value> = serde_json::Deserializer::from_str(rest)
        .into_iter()
        .collect::<Result<_, _>>()
        .unwrap();
    let last = docs.last().expect("a summary");
    assert_eq!(last["outcome"], "exited", "{rest}");
    assert_eq!(last["exit_code"], 0);
}

#[test]
fn a_summary_to_dash_is_stdout_even_from_a_directory_that_takes_no_file() {
    let env = setup();
    task_result(&env.moto, json!({"exitCode": 0}));
    let dir = tempfile::tempdir().unwrap();
    let gone = dir.path().join("gone");
    std::fs::create_dir(&gone).unwrap();
    // The working directory is removed under the tool: no file can be created in it (root
    // included), so `-` read as a file name would fail the early check.
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(r#"cd "$1" && rmdir "$1" && shift && exec "$@""#)
        .arg("sh")
        .arg(&gone)
        .arg(cargo_bin!("ecs-run-wait"))
        .args(env.run_args())
        .args(["--summary", "-"])
        .scrub_env()
        .envs(env.moto.env())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("--summary"), "{stderr}");
    let text = String::from_utf8_lossy(&out.stdout);
    let docs: Vec<Value> = serde_json::Deserializer::from_str(&text)
        .into_iter()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        docs.last().expect("a summary")["outcome"],
        "exited",
        "{text}"
    );
}

#[test]
fn overrides_files_are_read_with_a_limit() {
    let started = Instant::now();
    let base = ["--cluster", "c", "--task-definition", "t"];
    let assert = cmd()
        .args(base)
        .args(["--overrides", "@/dev/zero"])
        .timeout(Duration::from_secs(20))
        .assert()
        .code(2)
        .stdout("");
    assert_eq!(
        String::from_utf8_lossy(&assert.get_output().stderr),
        "ecs-run-wait: error: --overrides: cannot read /dev/zero: larger than 1 MiB, the \
         limit; RunTask accepts at most 8 KiB of overrides: is it the right file?\n"
    );
    assert!(started.elapsed() < Duration::from_secs(15));

    let dir = tempfile::tempdir().unwrap();
    let bom = dir.path().join("o.json");
    let mut file = std::fs::File::create(&bom).unwrap();
    file.write_all(b"\xEF\xBB\xBF{}").unwrap();
    let arg = format!("@{}", bom.display());
    let assert = cmd()
        .args(base)
        .args(["--overrides", &arg])
        .assert()
        .code(2)
        .stdout("");
    assert_eq!(
        String::from_utf8_lossy(&assert.get_output().stderr),
        format!(
            "ecs-run-wait: error: {}: starts with a UTF-8 BOM: save it without one\n",
            bom.display()
        )
    );
}

#[test]
fn overrides_nested_100000_levels_deep_are_refused_naming_the_limit() {
    let deep = |depth: usize| format!("{{\"x\":\n{}{}}}", "[".repeat(depth), "]".repeat(depth));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("o.json");
    std::fs::write(&file, deep(100_000)).unwrap();
    let base = ["--cluster", "c", "--task-definition", "t"];
    // From a file and inline (one argument holds at most 128 KiB: 60,000 levels): the same
    // message, before anything runs.
    for (arg, source) in [
        (format!("@{}", file.display()), file.display().to_string()),
        (deep(60_000), "--overrides".to_owned()),
    ] {
        let assert = cmd()
            .args(base)
            .args(["--overrides", &arg])
            .assert()
            .code(2)
            .stdout("");
        assert_eq!(
            String::from_utf8_lossy(&assert.get_output().stderr),
            format!(
                "ecs-run-wait: error: {source}: not valid JSON at line 2, column 100: arrays and \
                 objects nested more than 100 levels deep (the limit is 100)\n"
            )
        );
    }
}
