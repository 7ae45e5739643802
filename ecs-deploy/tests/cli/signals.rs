//! SIGINT and SIGTERM at each stage of a deploy, one test per stage and signal: before any
//! service was updated (DescribeServices or RegisterTaskDefinition held by the fault proxy:
//! nothing changes), while UpdateService has not answered, while the rollout is followed
//! (left to ECS, or rolled back with --rollback-on-failure), while a failure's rollback is
//! under way (left to ECS), and a second signal during the rollback a first one started
//! (abandoned, left to ECS). Each time: the exit code of the first signal, what
//! stderr says once, the service as the emulator has it, a complete `--summary`.

use std::path::{Path, PathBuf};
use test_support::process::Sig;

use serde_json::Value;
use test_support::faults::{Fault, FaultProxy, Faults};
use test_support::process::Running;

use crate::fixture::{Breaker, Env, read_json, setup, taskdef};

/// Service `web` on revision 1 (image `:1`), a deploy of `image` to it through `proxy`.
struct Deploy {
    env: Env,
    v1: String,
    _dir: tempfile::TempDir,
    summary: PathBuf,
    proxy: FaultProxy,
    running: Running,
}

fn deploy(image: &str, faults: Faults, extra: &[&str]) -> Deploy {
    let env = setup();
    let v1 = env.register("web", "registry.example/app:1");
    env.service("web", &v1, Breaker::Off);
    env.fail_image("*:bad", "*");
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("deploy.json");
    let file = dir.path().join("web.json");
    std::fs::write(&file, taskdef("web", image).to_string()).unwrap();
    let proxy = FaultProxy::start(&env.moto.endpoint(), faults);
    let mut cmd = env.std_cmd();
    cmd.env("AWS_ENDPOINT_URL", proxy.url())
        .args(["--service", "web", "-f"])
        .arg(&file)
        .arg("--summary")
        .arg(&summary)
        .args(extra);
    let mut running = Running::start(&mut cmd);
    running.collect_stdout();
    Deploy {
        env,
        v1,
        _dir: dir,
        summary,
        proxy,
        running,
    }
}

impl Deploy {
    /// Once the proxy has received `operation` (held there by the plan).
    fn wait_for(&mut self, operation: &str) {
        let proxy = &self.proxy;
        self.running
            .wait_until(&format!("sending {operation}"), |_| {
                proxy.injected().by_operation.get(operation).copied()
            });
    }

    /// Signal, then the exit with `sig`'s code; stderr and the summary.
    fn end(self, sig: Sig) -> (Env, String, String, Value) {
        let Deploy {
            env,
            v1,
            summary,
            running,
            ..
        } = self;
        running.signal(sig);
        let out = running.wait();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(sig.code()), "{stderr}");
        let s = summary_of(&summary, sig);
        (env, v1, stderr, s)
    }
}

/// The summary of a run `sig` ended.
fn summary_of(path: &Path, sig: Sig) -> Value {
    let s = read_json(path);
    assert_eq!(s["outcome"], "interrupted", "{s}");
    assert_eq!(s["signal"], sig.name());
    assert_eq!(s["exit_code"], sig.code());
    s
}

fn once(stderr: &str, line: &str) {
    assert_eq!(
        stderr.matches(line).count(),
        1,
        "{line:?} once in:\n{stderr}"
    );
}

// --- before any service was updated ----------------------------------------------------------

/// `operation` never answers; the signal ends the run at once, nothing registered or changed.
fn before_the_update(operation: &str, sig: Sig) {
    let mut d = deploy(
        "registry.example/app:2",
        Faults::always(Fault::Hang).only(&[operation]),
        &[],
    );
    d.wait_for(operation);
    let (env, v1, stderr, s) = d.end(sig);
    once(
        &stderr,
        &format!(" {}: stopped before any service was updated\n", sig.name()),
    );
    assert_eq!(
        env.revisions("web"),
        std::slice::from_ref(&v1),
        "nothing registered"
    );
    assert_eq!(env.service_td("web"), v1);
    assert_eq!(s["registered"], false, "{s}");
}

#[test]
fn while_describing_the_services_sigint_changes_nothing() {
    before_the_update("DescribeServices", Sig::Int);
}

#[test]
fn while_describing_the_services_sigterm_changes_nothing() {
    before_the_update("DescribeServices", Sig::Term);
}

#[test]
fn while_registering_sigint_changes_nothing() {
    before_the_update("RegisterTaskDefinition", Sig::Int);
}

#[test]
fn while_registering_sigterm_changes_nothing() {
    before_the_update("RegisterTaskDefinition", Sig::Term);
}

// --- UpdateService sent, no answer ---------------------------------------------------------

fn while_updating(sig: Sig) {
    let mut d = deploy(
        "registry.example/app:2",
        Faults::always(Fault::Hang).only(&["UpdateService"]),
        &[],
    );
    d.wait_for("UpdateService");
    let (env, v1, stderr, s) = d.end(sig);
    let v2 = env.revisions("web")[1].clone();
    once(
        &stderr,
        &format!(
            "web: {}: UpdateService had not answered: the service may be updating to {v2}; \
             if it is, that rollout is left to ECS\n",
            sig.name()
        ),
    );
    // held by the proxy: it never reached ECS
    assert_eq!(env.service_td("web"), v1);
    let service = &s["services"][0];
    assert_eq!(service["verdict"], "interrupted", "{s}");
    assert_eq!(service["task_definition_arn"], v2.as_str());
    assert!(service["rollback"].is_null());
}

#[test]
fn while_updating_sigint_says_the_update_may_have_gone_through() {
    while_updating(Sig::Int);
}

#[test]
fn while_updating_sigterm_says_the_update_may_have_gone_through() {
    while_updating(Sig::Term);
}

// --- while following the rollout -------------------------------------------------------------

/// A bad image: the rollout stays IN_PROGRESS (no circuit breaker) until the signal.
fn while_following(sig: Sig, rollback: bool) {
    let extra: &[&str] = if rollback {
        &["--rollback-on-failure"]
    } else {
        &[]
    };
    let mut d = deploy("registry.example/app:bad", Faults::none(), extra);
    d.running.wait_for_stderr("deployment IN_PROGRESS");
    let (env, v1, stderr, s) = d.end(sig);
    let name = sig.name();
    let service = &s["services"][0];
    assert_eq!(service["verdict"], "interrupted", "{s}");
    assert_eq!(
        service["reason"],
        format!("{name} while the rollout was followed")
    );
    if rollback {
        once(&stderr, &format!("web: {name}: rolling back\n"));
        assert_eq!(service["rollback"]["verdict"], "back", "{stderr}");
        assert_eq!(env.service_td("web"), v1);
    } else {
        once(
            &stderr,
            &format!("web: {name}: the rollout is left to ECS (service deployment arn:"),
        );
        assert!(service["rollback"].is_null());
        assert_ne!(env.service_td("web"), v1, "ECS carries on with the update");
    }
}

#[test]
fn while_following_sigint_leaves_the_rollout_to_ecs() {
    while_following(Sig::Int, false);
}

#[test]
fn while_following_sigterm_leaves_the_rollout_to_ecs() {
    while_following(Sig::Term, false);
}

#[test]
fn while_following_sigint_with_rollback_on_failure_rolls_back() {
    while_following(Sig::Int, true);
}

#[test]
fn while_following_sigterm_with_rollback_on_failure_rolls_back() {
    while_following(Sig::Term, true);
}

// --- while rolling back after a failure -----------------------------------------------------

/// The breaker stops the deployment; the rollback's UpdateService never answers; the signal
/// leaves the rollback to ECS: the signal's code, rollback `interrupted`, said once.
fn while_rolling_back(sig: Sig) {
    let env = setup();
    let v1 = env.register("web", "registry.example/app:1");
    env.service("web", &v1, Breaker::NoRollback);
    env.fail_image("*:bad", "*");
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("deploy.json");
    let file = dir.path().join("web.json");
    std::fs::write(
        &file,
        taskdef("web", "registry.example/app:bad").to_string(),
    )
    .unwrap();
    let proxy = FaultProxy::start(&env.moto.endpoint(), Faults::none());
    let mut cmd = env.std_cmd();
    cmd.env("AWS_ENDPOINT_URL", proxy.url())
        .args(["--service", "web", "--rollback-on-failure", "-f"])
        .arg(&file)
        .arg("--summary")
        .arg(&summary);
    let mut running = Running::start(&mut cmd);
    running.collect_stdout();
    running.wait_for_stderr("web: updated to ");
    // from now on UpdateService is the rollback's
    proxy.set(Faults::always(Fault::Hang).only(&["UpdateService"]));
    running.wait_until("updating the service back", |_| {
        proxy.injected().by_operation.get("UpdateService").copied()
    });
    running.signal(sig);
    let out = running.wait();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(sig.code()), "{stderr}");
    once(&stderr, "web: rolling back: updating the service back to ");
    once(
        &stderr,
        &format!("web: {}: the rollback is left to ECS\n", sig.name()),
    );
    let s = summary_of(&summary, sig);
    let service = &s["services"][0];
    assert_eq!(service["verdict"], "stopped", "{s}");
    assert_eq!(service["rollback"]["method"], "update_service", "{s}");
    assert_eq!(service["rollback"]["verdict"], "interrupted", "{s}");
}

#[test]
fn while_rolling_back_after_a_failure_sigint_leaves_the_rollback_to_ecs() {
    while_rolling_back(Sig::Int);
}

#[test]
fn while_rolling_back_after_a_failure_sigterm_leaves_the_rollback_to_ecs() {
    while_rolling_back(Sig::Term);
}

// --- a second signal while rolling back -----------------------------------------------------

/// The rollback's StopServiceDeployment never answers; a second signal abandons it: the
/// first signal's code, the rollback `interrupted` and left to ECS, said once.
fn second_signal_while_rolling_back(first: Sig, second: Sig) {
    let mut d = deploy(
        "registry.example/app:bad",
        Faults::none(),
        &["--rollback-on-failure"],
    );
    d.running.wait_for_stderr("deployment IN_PROGRESS");
    d.proxy
        .set(Faults::always(Fault::Hang).only(&["StopServiceDeployment"]));
    d.running.signal(first);
    d.wait_for("StopServiceDeployment");
    let Deploy {
        summary, running, ..
    } = d;
    running.signal(second);
    let out = running.wait();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(first.code()), "{stderr}");
    once(&stderr, &format!("web: {}: rolling back\n", first.name()));
    once(
        &stderr,
        &format!("web: {}: the rollback is left to ECS\n", second.name()),
    );
    let s = summary_of(&summary, first);
    let service = &s["services"][0];
    assert_eq!(service["verdict"], "interrupted", "{s}");
    assert_eq!(service["rollback"]["verdict"], "interrupted", "{s}");
    assert_eq!(service["rollback"]["method"], "stop_service_deployment");
}

#[test]
fn a_second_signal_sigint_then_sigterm_while_rolling_back_leaves_it_to_ecs() {
    second_signal_while_rolling_back(Sig::Int, Sig::Term);
}

#[test]
fn a_second_signal_sigterm_then_sigint_while_rolling_back_leaves_it_to_ecs() {
    second_signal_while_rolling_back(Sig::Term, Sig::Int);
}
