//! SIGTERM mid-rollout: the rollout is left to ECS (and the tool says so), or rolled back with
//! --rollback-on-failure; 143 either way, the summary written.

use test_support::process::Running;

use crate::fixture::{Breaker, read_json, setup, taskdef};

/// Send a real signal to the real process.
fn kill(pid: u32, signal: i32) {
    let pid = libc::pid_t::try_from(pid).unwrap();
    // SAFETY: kill(2) takes plain integers and touches no memory of this process.
    #[allow(unsafe_code)]
    let rc = unsafe { libc::kill(pid, signal) };
    assert_eq!(rc, 0, "kill failed");
}

#[test]
fn sigterm_mid_rollout_leaves_it_to_ecs_or_rolls_back() {
    for rollback in [false, true] {
        let env = setup();
        let v1 = env.register("web", "registry.example/app:1");
        env.service("web", &v1, Breaker::Off);
        env.fail_image("*:bad", "*");
        let dir = tempfile::tempdir().unwrap();
        let summary = dir.path().join("deploy.json");
        let file = dir.path().join("web.json");
        std::fs::write(
            &file,
            taskdef("web", "registry.example/app:bad").to_string(),
        )
        .unwrap();
        let mut cmd = env.std_cmd();
        cmd.args(["--service", "web", "-f"])
            .arg(&file)
            .arg("--summary")
            .arg(&summary);
        if rollback {
            cmd.arg("--rollback-on-failure");
        }
        let mut running = Running::start(&mut cmd);
        running.collect_stdout();
        running.wait_for_stderr("deployment IN_PROGRESS");
        kill(running.pid(), libc::SIGTERM);
        let out = running.wait();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(143), "{stderr}");
        let s = read_json(&summary);
        assert_eq!(s["outcome"], "interrupted");
        assert_eq!(s["signal"], "SIGTERM");
        assert_eq!(s["services"][0]["verdict"], "interrupted");
        if rollback {
            assert!(stderr.contains("web: SIGTERM: rolling back"), "{stderr}");
            assert_eq!(s["services"][0]["rollback"]["verdict"], "back", "{stderr}");
            assert_eq!(env.service_td("web"), v1);
        } else {
            assert!(
                stderr.contains("web: SIGTERM: the rollout is left to ECS (service deployment"),
                "{stderr}"
            );
            assert!(s["services"][0]["rollback"].is_null());
        }
    }
}
