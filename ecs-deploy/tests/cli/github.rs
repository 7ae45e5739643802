//! Under GitHub Actions: events in a group per service, one `::error::` per failure,
//! `task-definition-arn` in `$GITHUB_OUTPUT`, a Markdown report in `$GITHUB_STEP_SUMMARY`.

use std::path::PathBuf;

use crate::fixture::{self, Breaker, Env, taskdef};

struct Files {
    _dir: tempfile::TempDir,
    output: PathBuf,
    step_summary: PathBuf,
}

/// The runner's files, each with what an earlier step wrote.
fn files() -> Files {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("output");
    let step_summary = dir.path().join("step_summary");
    std::fs::write(&output, "earlier=1\n").unwrap();
    std::fs::write(&step_summary, "# Earlier step\n").unwrap();
    Files {
        _dir: dir,
        output,
        step_summary,
    }
}

fn deploy(env: &Env, f: &Files, image: &str) -> (Option<i32>, String, String) {
    let out = env
        .cmd()
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", &f.output)
        .env("GITHUB_STEP_SUMMARY", &f.step_summary)
        .args(["--service", "web"])
        .write_stdin(taskdef("web", image).to_string())
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn setup() -> (Env, String) {
    let env = fixture::setup();
    let td = env.register("web", "busybox:1");
    env.service("web", &td, Breaker::Rollback);
    (env, td)
}

#[test]
fn a_good_deploy_reports_its_arn_events_and_a_summary() {
    let (env, _) = setup();
    let f = files();
    let (code, stdout, stderr) = deploy(&env, &f, "busybox:2");
    assert_eq!(code, Some(0), "{stderr}");
    let arn = stdout.trim_end();
    assert!(arn.ends_with("task-definition/web:2"), "{stdout}");
    assert_eq!(
        std::fs::read_to_string(&f.output).unwrap(),
        format!("earlier=1\ntask-definition-arn={arn}\n")
    );
    assert!(!stderr.contains("::error"), "{stderr}");
    // The follow's lines stream inside one group; the verdict comes after it.
    let (group, after) = stderr
        .split_once("::group::ecs-deploy: following web (")
        .and_then(|(_, g)| g.split_once("::endgroup::"))
        .unwrap_or_else(|| panic!("no group:\n{stderr}"));
    assert!(
        group.contains(" (service web) has reached a steady state.\n"),
        "{group}"
    );
    assert!(after.contains("ecs-deploy: web: deployed\n"), "{after}");
    assert_eq!(
        stderr.matches("has reached a steady state.").count(),
        1,
        "{stderr}"
    );
    let md = std::fs::read_to_string(&f.step_summary).unwrap();
    assert!(
        md.starts_with("# Earlier step\n## ecs-deploy: deployed (exit 0)\n"),
        "{md}"
    );
    for part in [
        "### web: deployed\n",
        "| Revision | `web:1` → `web:2` |\n",
        "| Verdict | **deployed** |\n",
        "#### Timeline\n\n| Time (UTC) | Event |\n|---|---|\n",
        "| (service web) has reached a steady state. |\n",
    ] {
        assert!(md.contains(part), "{part}\nnot in:\n{md}");
    }
    assert!(!md.contains("| Why |"), "{md}");
}

#[test]
fn a_failed_deploy_is_one_error_and_explained_in_the_summary() {
    let (env, before) = setup();
    env.fail_image("*:bad", "web");
    let f = files();
    let (code, stdout, stderr) = deploy(&env, &f, "busybox:bad");
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(env.service_td("web"), before);
    let errors: Vec<&str> = stderr.lines().filter(|l| l.contains("::error")).collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(
        errors[0].starts_with("::error title=ecs-deploy::web: failed, rolled back by ECS: "),
        "{stderr}"
    );
    // Not said a second time as a plain line.
    assert_eq!(stderr.matches("rolled back by ECS").count(), 1, "{stderr}");
    assert_eq!(
        std::fs::read_to_string(&f.output).unwrap(),
        format!("earlier=1\ntask-definition-arn={}\n", stdout.trim_end())
    );
    let md = std::fs::read_to_string(&f.step_summary).unwrap();
    for part in [
        "## ecs-deploy: failed (exit 1)\n",
        "### web: rolled back by ecs\n",
        "| Revision | `web:1` → `web:2` |\n",
        "| Verdict | **rolled back by ecs** |\n",
        "| Why | ",
        "#### Timeline\n",
        "rolling back to deployment",
        "#### Stopped tasks\n",
        "| TaskFailedToStart | CannotPullContainerError: ",
    ] {
        assert!(md.contains(part), "{part}\nnot in:\n{md}");
    }
}

/// Output files that fail at the end (a device with no room: it passes the checks before the
/// deploy, as any device does): a `$GITHUB_OUTPUT` that cannot take the ARN fails a good
/// deploy (a later step would read no ARN); a `--summary` that cannot be written is a
/// warning, and the exit code stays the deployment's.
#[test]
fn output_files_that_fail_at_the_end() {
    let (env, _) = setup();
    let f = files();
    let out = env
        .cmd()
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", "/dev/full")
        .env("GITHUB_STEP_SUMMARY", &f.step_summary)
        .args(["--service", "web"])
        .write_stdin(taskdef("web", "busybox:2").to_string())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr
            .matches("the deployment succeeded, but $GITHUB_OUTPUT could not be written")
            .count(),
        1,
        "{stderr}"
    );
    assert!(env.service_td("web").ends_with("task-definition/web:2"));

    for (image, code) in [("busybox:3", 0), ("busybox:bad", 1)] {
        if image.ends_with(":bad") {
            env.fail_image("*:bad", "*");
        }
        let out = env
            .cmd()
            .args(["--service", "web", "--summary", "/dev/full"])
            .write_stdin(taskdef("web", image).to_string())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{image}: {stderr}");
        assert_eq!(
            stderr
                .matches("warning: cannot write the summary to /dev/full: ")
                .count(),
            1,
            "{stderr}"
        );
    }
}
