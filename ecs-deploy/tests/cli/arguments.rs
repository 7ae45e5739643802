//! Arguments checked before anything runs, against a live emulator so that a check that is
//! missing shows as a deploy that ran: the `--summary` path (writable, not stdout), service
//! and cluster names, the regions of ARNs.

use assert_cmd::cargo::cargo_bin_cmd;
use predicates::prelude::*;
use test_support::CommandExt as _;

use crate::fixture::{Breaker, Env, setup, taskdef};

/// A service `web` running revision 1.
fn web() -> (Env, String) {
    let env = setup();
    let v1 = env.register("web", "registry.example/app:1");
    env.service("web", &v1, Breaker::Rollback);
    (env, v1)
}

/// Nothing was registered and `web` still runs `v1`.
fn untouched(env: &Env, v1: &str) {
    assert_eq!(env.revisions("web"), [v1]);
    assert_eq!(env.service_td("web"), v1);
}

/// A deploy of revision 2 to `web` with `--summary summary`: a usage error, nothing done.
fn refused(env: &Env, v1: &str, summary: &std::path::Path, message: &str) {
    env.cmd()
        .args(["--service", "web", "--summary"])
        .arg(summary)
        .write_stdin(taskdef("web", "registry.example/app:2").to_string())
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::starts_with("ecs-deploy: error: --summary "))
        .stderr(predicate::str::contains(message));
    untouched(env, v1);
}

#[test]
fn a_summary_that_cannot_be_written_is_refused_before_the_deploy() {
    use std::os::unix::fs::PermissionsExt as _;
    let (env, v1) = web();
    let dir = tempfile::tempdir().unwrap();
    let read_only = dir.path().join("deploy.json");
    std::fs::write(&read_only, "old").unwrap();
    std::fs::set_permissions(&read_only, std::fs::Permissions::from_mode(0o444)).unwrap();
    refused(
        &env,
        &v1,
        &read_only,
        "the file is read-only (no write permission)",
    );
    assert_eq!(std::fs::read_to_string(&read_only).unwrap(), "old");
    // a dangling link into a directory that does not exist: the link's target is named
    let dangling = dir.path().join("link.json");
    std::os::unix::fs::symlink(dir.path().join("gone/deploy.json"), &dangling).unwrap();
    refused(&env, &v1, &dangling, "/gone does not exist");
}

#[test]
fn a_summary_to_stdout_is_refused_in_every_spelling() {
    let (env, v1) = web();
    let dir = tempfile::tempdir().unwrap();
    let link = dir.path().join("out");
    std::os::unix::fs::symlink("/dev/stdout", &link).unwrap();
    for path in [
        std::path::Path::new("-"),
        std::path::Path::new("/dev/stdout"),
        std::path::Path::new("/dev/fd/1"),
        std::path::Path::new("/proc/self/fd/1"),
        &link,
    ] {
        refused(
            &env,
            &v1,
            path,
            "stdout carries the task definition ARN only; write the summary to a file (or \
             /dev/stderr)",
        );
    }
}

#[test]
fn a_summary_to_stderr_leaves_stdout_to_the_arn() {
    let (env, _) = web();
    let out = env
        .cmd()
        .args(["--service", "web", "--quiet", "--summary", "/dev/stderr"])
        .write_stdin(taskdef("web", "registry.example/app:2").to_string())
        .assert()
        .code(0)
        .get_output()
        .clone();
    let v2 = env.revisions("web").last().unwrap().clone();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), format!("{v2}\n"));
    let stderr = String::from_utf8(out.stderr).unwrap();
    let summary: serde_json::Value = serde_json::from_str(&stderr).unwrap();
    assert_eq!(summary["outcome"], "deployed");
}

#[test]
fn names_with_control_characters_are_refused_escaped() {
    let (env, v1) = web();
    let out = env
        .cmd()
        .args(["--service", "we\x1b[31mb", "--force-new-deployment"])
        .assert()
        .code(2)
        .stdout("")
        .get_output()
        .clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(!stderr.contains('\x1b'), "{stderr:?}");
    assert!(
        stderr.starts_with(
            r#"ecs-deploy: error: --service "we\u{1b}[31mb": not a service name (1 to 255 letters, digits, hyphens and underscores) nor a service ARN"#
        ),
        "{stderr}"
    );
    // a cluster the same; an ARN of another kind is not a name either
    for (cluster, shown) in [
        ("c\x07i", r#"--cluster "c\u{7}i": not a cluster name"#),
        (
            "arn:aws:ecs:us-east-1:123456789012:service/ci/web",
            r#"--cluster "arn:aws:ecs:us-east-1:123456789012:service/ci/web": not a cluster name"#,
        ),
    ] {
        let out = cargo_bin_cmd!("ecs-deploy")
            .scrub_env()
            .envs(env.moto.env())
            .args([
                "--cluster",
                cluster,
                "--service",
                "web",
                "--force-new-deployment",
            ])
            .assert()
            .code(2)
            .stdout("")
            .get_output()
            .clone();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(!stderr.contains('\x07'), "{stderr:?}");
        assert!(stderr.contains(shown), "{stderr}");
    }
    untouched(&env, &v1);
}

#[test]
fn names_and_arns_of_the_configured_region_are_deployed_to() {
    let (env, v1) = web();
    let service = env.describe("web")["serviceArn"]
        .as_str()
        .unwrap()
        .to_owned();
    env.cmd()
        .args(["--service", &service, "--task-definition", &v1, "--quiet"])
        .assert()
        .code(0)
        .stdout(format!("{v1}\n"));
}

#[test]
fn an_arn_of_another_region_is_a_usage_error() {
    let (env, v1) = web();
    env.cmd()
        .args([
            "--service",
            "web",
            "--task-definition",
            "arn:aws:ecs:eu-west-1:999999999999:task-definition/web:1",
        ])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(
            "--task-definition: the ARN is in region eu-west-1, but the configured region is",
        ))
        .stderr(predicate::str::contains("pass --region eu-west-1"));
    untouched(&env, &v1);
}
