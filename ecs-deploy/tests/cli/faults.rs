//! Under injected API faults (test_support::faults between the tool and the emulator): the
//! same verdicts as without faults at 30%; an API that never answers, from the start, on
//! UpdateService only, or mid-follow, ends at `--timeout` with exit 124, never in a hang; an
//! answer lost after ECS acted is retried, the verdict the same; a rollback the API stops
//! answering ends in exit 3.

use std::time::{Duration, Instant};

use test_support::faults::{Fault, FaultProxy, Faults};
use test_support::process::Running;

use crate::fixture::{Breaker, read_json, setup, taskdef};

#[test]
fn a_good_and_a_bad_rollout_get_their_verdicts_under_30_percent_faults() {
    for seed in [21, 22] {
        let env = setup();
        let v1 = env.register("web", "registry.example/app:1");
        env.service("web", &v1, Breaker::Rollback);
        let proxy = FaultProxy::start(&env.moto.endpoint(), Faults::seeded(seed).rate(0.3));
        let dir = tempfile::tempdir().unwrap();
        let summary = dir.path().join("deploy.json");

        // A good image: deployed.
        let out = env
            .cmd()
            .env("AWS_ENDPOINT_URL", proxy.url())
            .args(["--service", "web", "--summary"])
            .arg(&summary)
            .write_stdin(taskdef("web", "registry.example/app:2").to_string())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "seed {seed}: {stderr}");
        let s = read_json(&summary);
        assert_eq!(s["services"][0]["verdict"], "deployed", "seed {seed}");
        let revisions = env.revisions("web");
        assert_eq!(
            revisions.len(),
            2,
            "seed {seed}: registered once: {revisions:?}"
        );
        assert_eq!(env.service_td("web"), revisions[1]);

        // A bad image: rolled back by ECS to what ran.
        env.fail_image("*:bad", "*");
        let out = env
            .cmd()
            .env("AWS_ENDPOINT_URL", proxy.url())
            .args(["--service", "web", "--summary"])
            .arg(&summary)
            .write_stdin(taskdef("web", "registry.example/app:bad").to_string())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "seed {seed}: {stderr}");
        let s = read_json(&summary);
        assert_eq!(
            s["services"][0]["verdict"], "rolled_back_by_ecs",
            "seed {seed}"
        );
        assert_eq!(env.service_td("web"), revisions[1], "seed {seed}");
        assert!(proxy.injected().total() > 0, "seed {seed}");
    }
}

#[test]
fn an_api_that_stops_answering_mid_follow_ends_at_the_timeout() {
    let env = setup();
    let v1 = env.register("web", "registry.example/app:1");
    env.service("web", &v1, Breaker::Off);
    // A deployment that never finishes: its tasks fail and no breaker stops it.
    env.fail_image("*:bad", "*");
    let proxy = FaultProxy::start(&env.moto.endpoint(), Faults::none());
    let mut cmd = env.std_cmd();
    cmd.env("AWS_ENDPOINT_URL", proxy.url())
        .args(["--service", "web", "--timeout", "6s"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let started = Instant::now();
    let mut child = cmd.spawn().unwrap();
    {
        use std::io::Write as _;
        let mut stdin = child.stdin.take().unwrap();
        stdin
            .write_all(
                taskdef("web", "registry.example/app:bad")
                    .to_string()
                    .as_bytes(),
            )
            .unwrap();
    }
    // Once the update went through, the API stops answering.
    let deadline = Instant::now() + Duration::from_secs(30);
    while env.service_td("web") == v1 {
        assert!(Instant::now() < deadline, "the service was never updated");
        std::thread::sleep(Duration::from_millis(50));
    }
    proxy.set(Faults::always(Fault::Hang));
    let out = child.wait_with_output().unwrap();
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(124), "{stderr}");
    assert!(took < Duration::from_secs(20), "took {took:?}: {stderr}");
}

/// Exit 3, the service not known healthy, for a rollback that did not finish: the breaker
/// stops the deployment, the rollback's UpdateService goes through, then the API stops
/// answering, so the rollback's own `--timeout` expires.
#[test]
fn a_rollback_that_did_not_finish_is_exit_3() {
    let env = setup();
    let v1 = env.register("web", "registry.example/app:1");
    env.service("web", &v1, Breaker::NoRollback);
    env.fail_image("*:bad", "*");
    let proxy = FaultProxy::start(&env.moto.endpoint(), Faults::none());
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("deploy.json");
    let file = dir.path().join("web.json");
    std::fs::write(
        &file,
        taskdef("web", "registry.example/app:bad").to_string(),
    )
    .unwrap();
    let mut cmd = env.std_cmd();
    cmd.env("AWS_ENDPOINT_URL", proxy.url())
        .args([
            "--service",
            "web",
            "--timeout",
            "15s",
            "--rollback-on-failure",
            "-f",
        ])
        .arg(&file)
        .arg("--summary")
        .arg(&summary);
    let mut running = Running::start(&mut cmd);
    running.collect_stdout();
    // the deploy's UpdateService, then the rollback's
    running.wait_until("updating the service back", |_| {
        let updates = proxy
            .injected()
            .log
            .iter()
            .filter(|(op, _)| op == "UpdateService")
            .count();
        (updates == 2).then_some(())
    });
    proxy.set(Faults::always(Fault::Hang));
    let out = running.wait();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    let s = read_json(&summary);
    assert_eq!(s["exit_code"], 3);
    assert_eq!(s["services"][0]["verdict"], "stopped", "{s}");
    assert_eq!(
        s["services"][0]["rollback"]["method"], "update_service",
        "{s}"
    );
    assert_eq!(s["services"][0]["rollback"]["verdict"], "timed_out", "{s}");
    assert!(
        stderr.contains("the rollback did not bring the service back to"),
        "{stderr}"
    );
}

/// Exit 3 for an error that stops the follow after the update: the service deleted under
/// it (DRAINING, then INACTIVE) ends the follow at once, instead of a wait to `--timeout`.
#[test]
fn a_service_deleted_mid_rollout_stops_the_follow_with_exit_3() {
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
    let mut running = Running::start(&mut cmd);
    running.collect_stdout();
    running.wait_for_stderr("deployment IN_PROGRESS");
    env.ecs(
        "DeleteService",
        &serde_json::json!({"cluster": "ci", "service": "web", "force": true}),
    );
    let out = running.wait();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("(deleted?), not ACTIVE: its rollout cannot be followed"),
        "{stderr}"
    );
    let s = read_json(&summary);
    assert_eq!(s["exit_code"], 3);
    assert_eq!(s["services"][0]["verdict"], "failed", "{s}");
}

#[test]
fn an_api_that_never_answers_ends_at_the_timeout_before_any_update() {
    let env = setup();
    let v1 = env.register("web", "registry.example/app:1");
    env.service("web", &v1, Breaker::Off);
    // Every call hangs, then only RegisterTaskDefinition (after DescribeServices answered).
    for only in [None, Some("RegisterTaskDefinition")] {
        let plan = Faults::always(Fault::Hang);
        let proxy = FaultProxy::start(
            &env.moto.endpoint(),
            only.map_or(plan.clone(), |op| plan.only(&[op])),
        );
        let dir = tempfile::tempdir().unwrap();
        let summary = dir.path().join("deploy.json");
        let started = Instant::now();
        let out = env
            .cmd()
            .env("AWS_ENDPOINT_URL", proxy.url())
            .args(["--service", "web", "--timeout", "3s", "--summary"])
            .arg(&summary)
            .write_stdin(taskdef("web", "registry.example/app:2").to_string())
            .timeout(Duration::from_mins(1))
            .output()
            .unwrap();
        let took = started.elapsed();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(124), "{only:?}: {stderr}");
        // 3 s, then the summary: well under the SDK's 30 s attempt timeout.
        assert!(
            took < Duration::from_secs(12),
            "{only:?}: took {took:?}: {stderr}"
        );
        assert!(
            stderr.contains(
                "--timeout 3s expired before any service was updated: no service was changed"
            ),
            "{only:?}: {stderr}"
        );
        assert_eq!(out.stdout, b"", "{only:?}: no task definition ARN");
        assert_eq!(env.service_td("web"), v1, "{only:?}");
        let s = read_json(&summary);
        assert_eq!(s["outcome"], "timed_out", "{only:?}");
        assert_eq!(s["exit_code"], 124, "{only:?}");
        assert!(proxy.injected().of("hang") >= 1, "{only:?}");
    }
}

#[test]
fn an_update_service_that_never_answers_ends_at_the_timeout() {
    let env = setup();
    let v1 = env.register("web", "registry.example/app:1");
    env.service("web", &v1, Breaker::Off);
    let proxy = FaultProxy::start(
        &env.moto.endpoint(),
        Faults::always(Fault::Hang).only(&["UpdateService"]),
    );
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("deploy.json");
    let started = Instant::now();
    let out = env
        .cmd()
        .env("AWS_ENDPOINT_URL", proxy.url())
        .args(["--service", "web", "--timeout", "4s", "--summary"])
        .arg(&summary)
        .write_stdin(taskdef("web", "registry.example/app:2").to_string())
        .timeout(Duration::from_mins(1))
        .output()
        .unwrap();
    let took = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(124), "{stderr}");
    assert!(took < Duration::from_secs(14), "took {took:?}: {stderr}");
    assert!(
        stderr.contains(
            "UpdateService had not answered when --timeout expired: the service may be updating to"
        ),
        "{stderr}"
    );
    let s = read_json(&summary);
    assert_eq!(s["outcome"], "timed_out");
    assert_eq!(s["services"][0]["verdict"], "timed_out");
    // The task definition was registered and printed: the next step can use it.
    let revisions = env.revisions("web");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!("{}\n", revisions[1])
    );
}

/// What a retry does after an answer lost once the API acted (the SDK retries a connection
/// closed mid-answer; ECS has no client token for these calls): nothing is made twice.
#[test]
fn a_lost_answer_to_register_or_update_is_retried_and_the_verdict_stands() {
    for op in ["RegisterTaskDefinition", "UpdateService"] {
        let env = setup();
        let v1 = env.register("web", "registry.example/app:1");
        env.service("web", &v1, Breaker::Rollback);
        let proxy = FaultProxy::start(
            &env.moto.endpoint(),
            Faults::always(Fault::LostAnswer).only(&[op]).first(1),
        );
        let dir = tempfile::tempdir().unwrap();
        let summary = dir.path().join("deploy.json");
        let out = env
            .cmd()
            .env("AWS_ENDPOINT_URL", proxy.url())
            .args(["--service", "web", "--summary"])
            .arg(&summary)
            .write_stdin(taskdef("web", "registry.example/app:2").to_string())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{op}: {stderr}");
        assert_eq!(
            read_json(&summary)["services"][0]["verdict"],
            "deployed",
            "{op}"
        );
        assert_eq!(proxy.injected().of("lost-answer"), 1, "{op}");
        let revisions = env.revisions("web");
        // Registered once: after a lost RegisterTaskDefinition answer the tool finds the
        // revision it made (ListTaskDefinitions, DescribeTaskDefinition) instead of making a
        // second. UpdateService made twice with the same task definition is one deployment.
        assert_eq!(revisions.len(), 2, "{op}: {revisions:?}: {stderr}");
        if op == "RegisterTaskDefinition" {
            assert!(
                stderr.contains(&format!(
                    "it had registered {}, the input: nothing to register again",
                    revisions[1]
                )),
                "{stderr}"
            );
        }
        assert_eq!(env.service_td("web"), *revisions.last().unwrap(), "{op}");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            format!("{}\n", revisions.last().unwrap()),
            "{op}"
        );
    }
}
