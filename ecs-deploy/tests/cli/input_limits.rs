//! The input's limits (64 MiB, 100 levels: refused before any AWS call, exit 1) and AWS's
//! error codes in messages.

use assert_cmd::cargo::cargo_bin_cmd;
use test_support::CommandExt as _;

use crate::fixture::setup;

fn cmd() -> assert_cmd::Command {
    let mut cmd = cargo_bin_cmd!("ecs-deploy");
    cmd.scrub_env();
    cmd
}

fn stderr_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn an_input_nested_100000_levels_deep_is_refused_naming_the_limit() {
    // No AWS configuration at all: the input is refused before anything is asked.
    let input = format!(
        "{{\"family\": \"web\",\n \"x\": {}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let out = cmd()
        .args(["--cluster", "c", "--service", "s"])
        .write_stdin(input)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert!(out.stdout.is_empty());
    assert_eq!(
        stderr_of(&out),
        "ecs-deploy: error: <stdin>: invalid JSON at line 2, column 106: arrays and objects \
         nested more than 100 levels deep (the limit is 100)\n"
    );
}

#[test]
fn an_endless_input_is_refused_at_the_limit() {
    let out = cmd()
        .args(["--cluster", "c", "--service", "s", "-f", "/dev/zero"])
        .timeout(std::time::Duration::from_secs(30))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr_of(&out));
    assert!(out.stdout.is_empty());
    let err = stderr_of(&out);
    assert!(
        err == "ecs-deploy: error: cannot read register-ready task definition JSON from \
                /dev/zero: larger than 64 MiB, the limit; is it the right file?\n",
        "{err}"
    );
}

#[test]
fn an_aws_error_names_its_code() {
    let env = setup();
    let td = env.register("web", "registry.example/web:1");
    let out = assert_cmd::Command::from_std({
        let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin!("ecs-deploy"));
        c.scrub_env().envs(env.moto.env());
        c
    })
    .args([
        "--cluster",
        "no-such-cluster",
        "--service",
        "web",
        "--task-definition",
        &td,
    ])
    .output()
    .unwrap();
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(out.stdout.is_empty());
    assert!(err.contains("ClusterNotFoundException"), "{err}");
}
