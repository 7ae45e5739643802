//! The emulator set-up the tests share: a cluster, services rolled out by the emulator's
//! rollout model (emulator/ext_ecs_deploy.py) in about a second, helpers to read what the
//! services run.

use std::time::{Duration, Instant};

use assert_cmd::cargo::cargo_bin;
use serde_json::{Value, json};
use test_support::CommandExt as _;
use test_support::moto::{Moto, MotoGuard};

pub const CLUSTER: &str = "ci";
const ECS: &str = "AmazonEC2ContainerServiceV20141113";
/// The rollout's length in the emulator (its `seconds` knob).
pub const ROLLOUT_SECONDS: u32 = 1;

/// The circuit breaker of a test service.
#[derive(Clone, Copy)]
pub enum Breaker {
    /// On, with rollback.
    Rollback,
    /// On, without rollback: a failed deployment is STOPPED.
    NoRollback,
    /// Off: a failing deployment stays IN_PROGRESS.
    Off,
}

/// A locked, reset emulator with a cluster.
pub struct Env {
    pub moto: MotoGuard<'static>,
}

pub fn setup() -> Env {
    let moto = Moto::shared().lock();
    moto.set_rollout(&json!({"seconds": ROLLOUT_SECONDS}));
    let env = Env { moto };
    env.ecs("CreateCluster", &json!({"clusterName": CLUSTER}));
    env
}

/// Register-ready JSON of a one-container task definition.
pub fn taskdef(family: &str, image: &str) -> Value {
    json!({"family": family, "containerDefinitions": [
        {"name": "app", "image": image, "memory": 64, "essential": true}]})
}

impl Env {
    pub fn ecs(&self, op: &str, body: &Value) -> Value {
        self.moto.call("ecs", &format!("{ECS}.{op}"), body)
    }

    /// Tasks of images matching `image` fail to start (CannotPullContainerError), for the
    /// services matching `service`.
    pub fn fail_image(&self, image: &str, service: &str) {
        self.moto
            .set_rollout(&json!({"seconds": ROLLOUT_SECONDS, "failures": [
            {"image": image, "service": service, "mode": "CannotPullContainerError"}]}));
    }

    /// Register a revision; its ARN.
    pub fn register(&self, family: &str, image: &str) -> String {
        let out = self.ecs("RegisterTaskDefinition", &taskdef(family, image));
        out["taskDefinition"]["taskDefinitionArn"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// A service of two tasks running `td`, its first rollout completed.
    pub fn service(&self, name: &str, td: &str, breaker: Breaker) {
        let (enable, rollback) = match breaker {
            Breaker::Rollback => (true, true),
            Breaker::NoRollback => (true, false),
            Breaker::Off => (false, false),
        };
        self.ecs(
            "CreateService",
            &json!({"cluster": CLUSTER, "serviceName": name, "taskDefinition": td,
                    "desiredCount": 2, "deploymentConfiguration": {
                        "deploymentCircuitBreaker": {"enable": enable, "rollback": rollback}}}),
        );
        self.wait_successful(name);
    }

    /// Wait until the service's current service deployment is SUCCESSFUL.
    pub fn wait_successful(&self, name: &str) {
        let deadline = Instant::now() + Duration::from_mins(1);
        loop {
            let svc = self.describe(name);
            let arn = svc["currentServiceDeployment"].as_str().unwrap().to_owned();
            let sd = self.ecs(
                "DescribeServiceDeployments",
                &json!({"serviceDeploymentArns": [arn]}),
            );
            if sd["serviceDeployments"][0]["status"] == "SUCCESSFUL" {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{name} never became stable: {sd}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn describe(&self, name: &str) -> Value {
        let out = self.ecs(
            "DescribeServices",
            &json!({"cluster": CLUSTER, "services": [name]}),
        );
        out["services"][0].clone()
    }

    /// The task definition the service runs.
    pub fn service_td(&self, name: &str) -> String {
        self.describe(name)["taskDefinition"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// The revisions of `family`.
    pub fn revisions(&self, family: &str) -> Vec<String> {
        let out = self.ecs("ListTaskDefinitions", &json!({"familyPrefix": family}));
        out["taskDefinitionArns"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_owned())
            .collect()
    }

    /// The describe answer of a revision, tags included.
    pub fn describe_td(&self, td: &str) -> Value {
        self.ecs(
            "DescribeTaskDefinition",
            &json!({"taskDefinition": td, "include": ["TAGS"]}),
        )
    }

    /// ecs-deploy against this emulator, polling fast.
    pub fn cmd(&self) -> assert_cmd::Command {
        let mut cmd = assert_cmd::Command::from_std(self.std_cmd());
        cmd.timeout(Duration::from_mins(2));
        cmd
    }

    /// The same, as a `std::process::Command` (for a process the test signals).
    pub fn std_cmd(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(cargo_bin!("ecs-deploy"));
        cmd.scrub_env()
            .envs(self.moto.env())
            .args(["--cluster", CLUSTER, "--poll", "200ms"]);
        cmd
    }
}

/// The `--summary` file.
pub fn read_json(path: &std::path::Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}
