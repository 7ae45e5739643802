//! `ecs-deploy rollback`: back to what the service last ran successfully (never "the
//! previous revision number"), or to `--to`.

use std::time::{Duration, Instant};

use assert_cmd::cargo::cargo_bin_cmd;
use predicates::prelude::*;
use serde_json::json;
use test_support::CommandExt as _;

use crate::fixture::{self, Breaker, CLUSTER, Env, read_json};

/// UpdateService outside the tool, waited for like a deploy.
fn update(env: &Env, service: &str, td: &str) {
    env.ecs(
        "UpdateService",
        &json!({"cluster": CLUSTER, "service": service, "taskDefinition": td}),
    );
}

/// `web` ran web:1, then web:2 and web:4, all successfully; web:3 and web:5 were registered
/// and never ran.
fn history() -> (Env, Vec<String>) {
    let env = fixture::setup();
    let tds: Vec<String> = (1..=5)
        .map(|i| env.register("web", &format!("busybox:{i}")))
        .collect();
    env.service("web", &tds[0], Breaker::Rollback);
    for td in [&tds[1], &tds[3]] {
        update(&env, "web", td);
        env.wait_successful("web");
    }
    assert_eq!(env.service_td("web"), tds[3]);
    (env, tds)
}

/// `ecs-deploy rollback --service web` against the emulator, polling fast.
fn rollback(env: &Env) -> assert_cmd::Command {
    let mut cmd = cargo_bin_cmd!("ecs-deploy");
    cmd.scrub_env()
        .envs(env.moto.env())
        .args([
            "rollback",
            "--cluster",
            CLUSTER,
            "--service",
            "web",
            "--poll",
            "200ms",
        ])
        .timeout(Duration::from_mins(2));
    cmd
}

#[test]
fn without_to_it_returns_to_the_last_successful_deployment_before_the_current_one() {
    let (env, tds) = history();
    let out = rollback(&env)
        .assert()
        .success()
        .stderr(predicate::str::contains(format!(
            "Z web: rolling back to {}: the last SUCCESSFUL service deployment \
             before the current one (",
            tds[1]
        )))
        .stderr(predicate::str::contains("web: deployed"))
        .get_output()
        .clone();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!("{}\n", tds[1])
    );
    // Not web:5 - 1 (web:4, what runs) nor web:4 - 1 (web:3, never ran).
    assert_eq!(env.service_td("web"), tds[1]);
    assert_eq!(env.revisions("web").len(), 5, "nothing registered");
}

#[test]
fn after_a_failed_deployment_ecs_rolled_back_it_skips_what_runs_now() {
    let env = fixture::setup();
    let good1 = env.register("web", "busybox:1");
    let good2 = env.register("web", "busybox:2");
    let bad = env.register("web", "busybox:bad");
    env.service("web", &good1, Breaker::Rollback);
    update(&env, "web", &good2);
    env.wait_successful("web");
    env.fail_image("*:bad", "web");
    update(&env, "web", &bad);
    let deadline = Instant::now() + Duration::from_mins(1);
    while env.service_td("web") != good2
        || env.describe("web")["deployments"].as_array().unwrap().len() != 1
    {
        assert!(Instant::now() < deadline, "never rolled back");
        std::thread::sleep(Duration::from_millis(100));
    }
    // The service runs good2 again: the deployment before it that ran something else is good1's.
    rollback(&env)
        .assert()
        .success()
        .stderr(predicate::str::contains(format!(
            "web: rolling back to {good1}: the last SUCCESSFUL"
        )));
    assert_eq!(env.service_td("web"), good1);
}

#[test]
fn to_names_the_target() {
    let (env, tds) = history();
    rollback(&env)
        .args(["--to", "web:3"])
        .assert()
        .success()
        .stdout(format!("{}\n", tds[2]))
        .stderr(predicate::str::contains(format!(
            "web: rolling back to {}: given with --to web:3\n",
            tds[2]
        )));
    assert_eq!(env.service_td("web"), tds[2]);
}

#[test]
fn nothing_to_roll_back_to_changes_nothing() {
    let env = fixture::setup();
    let td = env.register("web", "busybox:1");
    env.register("web", "busybox:2");
    env.service("web", &td, Breaker::Rollback);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("summary.json");
    rollback(&env)
        .arg("--summary")
        .arg(&path)
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(format!(
            "ecs-deploy: error: web: no SUCCESSFUL service deployment before the current one \
             runs a task definition other than {td}: nothing to roll back to; name one with \
             --to; nothing was changed\n"
        )));
    let summary = read_json(&path);
    assert_eq!(summary["outcome"], "error");
    assert_eq!(summary["exit_code"], 1);
    assert_eq!(summary["services"][0]["verdict"], "not_started");
    assert!(
        summary["error"]
            .as_str()
            .unwrap()
            .contains("nothing to roll back to")
    );
    rollback(&env)
        .args(["--to", "web:9"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(
            "ecs-deploy: error: --to web:9: no such task definition: DescribeTaskDefinition: ",
        ));
    assert_eq!(env.service_td("web"), td);
    assert_eq!(
        env.describe("web")["deployments"].as_array().unwrap().len(),
        1
    );
}
