//! The emulator set-up the tests share: a cluster, a task definition whose container logs to
//! CloudWatch, a log group; helpers to start the tool, write its task's logs and decide how the
//! task ends.

use std::path::Path;
use std::process::ExitStatus;
use std::time::{SystemTime, UNIX_EPOCH};

use assert_cmd::cargo::cargo_bin;
use serde_json::{Value, json};
use test_support::CommandExt as _;
use test_support::moto::{Moto, MotoGuard};
pub use test_support::process::Running;

pub const CLUSTER: &str = "ci";
pub const FAMILY: &str = "migrate";
pub const GROUP: &str = "/ecs/migrate";
/// moto creates a security group it does not know (RunTask only checks the subnet).
pub const SG: &str = "sg-0123456789abcdef0";
const ECS: &str = "AmazonEC2ContainerServiceV20141113";

/// A locked, reset emulator with the fixtures in place.
pub struct Env {
    pub moto: MotoGuard<'static>,
    pub subnet: String,
}

/// A container of a test task definition: name, essential.
pub type Def<'a> = (&'a str, bool);

pub fn setup() -> Env {
    let moto = Moto::shared().lock();
    moto.call(
        "ecs",
        &format!("{ECS}.CreateCluster"),
        &json!({"clusterName": CLUSTER}),
    );
    register(&moto, FAMILY, &[("app", true)]);
    moto.call(
        "logs",
        "Logs_20140328.CreateLogGroup",
        &json!({"logGroupName": GROUP}),
    );
    let subnet = moto.default_subnet();
    Env { moto, subnet }
}

/// Register a Fargate task definition whose containers log to GROUP with prefix `ecs`.
pub fn register(moto: &Moto, family: &str, containers: &[Def<'_>]) -> Value {
    let defs: Vec<Value> = containers
        .iter()
        .map(|(name, essential)| {
            json!({
                "name": name, "image": format!("registry.example/{name}:1"), "essential": essential,
                // moto's RunTask needs a container-level memory setting
                "memoryReservation": 64,
                "logConfiguration": {"logDriver": "awslogs", "options": {
                    "awslogs-group": GROUP, "awslogs-region": "us-east-2", "awslogs-stream-prefix": "ecs"}}
            })
        })
        .collect();
    moto.call(
        "ecs",
        &format!("{ECS}.RegisterTaskDefinition"),
        &json!({"family": family, "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
                "cpu": "256", "memory": "512", "containerDefinitions": defs}),
    )
}

/// How the family's tasks (or one task: `{"taskArn": ...}`) end: see emulator/ext_ecs.py.
pub fn task_result(moto: &Moto, mut result: Value) {
    if result.get("taskArn").is_none() && result.get("family").is_none() {
        result["family"] = json!(FAMILY);
    }
    moto.post("/moto-api/ext/ecs/task-result", &result.to_string());
}

/// Tasks stay RUNNING until stopped (or [`stop_now`]).
pub fn hold_running(moto: &Moto) {
    moto.set_task_transition(&json!({"progression": "manual", "times": 1_000_000_000}));
}

/// Tasks reach STOPPED at their next read.
pub fn stop_now(moto: &Moto) {
    moto.set_task_transition(&json!({"progression": "immediate"}));
}

impl Env {
    /// The options every run needs against the emulator, with fast polling.
    pub fn run_args(&self) -> Vec<String> {
        [
            "--cluster",
            CLUSTER,
            "--task-definition",
            FAMILY,
            "--launch-type",
            "FARGATE",
            "--subnets",
            &self.subnet,
            "--security-groups",
            SG,
            "--poll",
            "200ms",
            "--log-grace",
            "300ms",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect()
    }

    pub fn cmd(&self) -> assert_cmd::Command {
        let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("ecs-run-wait");
        cmd.scrub_env().envs(self.moto.env());
        cmd
    }

    /// Start the tool in the background.
    pub fn spawn(&self, args: &[String], extra_env: &[(&str, &str)]) -> Running {
        let mut cmd = std::process::Command::new(cargo_bin!("ecs-run-wait"));
        cmd.scrub_env()
            .envs(self.moto.env())
            .envs(extra_env.iter().copied())
            .args(args);
        Running::start(&mut cmd)
    }

    /// The ARN of the one task in the cluster, once the tool started it.
    pub fn wait_for_task(&self, running: &mut Running) -> String {
        running.wait_until("starting a task", |_| {
            let out = self.moto.call(
                "ecs",
                &format!("{ECS}.ListTasks"),
                &json!({"cluster": CLUSTER}),
            );
            out["taskArns"][0].as_str().map(str::to_owned)
        })
    }

    /// The ARNs of the cluster's tasks.
    pub fn tasks(&self) -> Vec<String> {
        let out = self.moto.call(
            "ecs",
            &format!("{ECS}.ListTasks"),
            &json!({"cluster": CLUSTER}),
        );
        out["taskArns"]
            .as_array()
            .expect("taskArns")
            .iter()
            .map(|a| a.as_str().expect("an ARN").to_owned())
            .collect()
    }

    pub fn describe(&self, arn: &str) -> Value {
        let out = self.moto.call(
            "ecs",
            &format!("{ECS}.DescribeTasks"),
            &json!({"cluster": CLUSTER, "tasks": [arn]}),
        );
        out["tasks"][0].clone()
    }

    /// Append lines to a container's stream of `task_arn` (created on first use).
    pub fn put_logs(&self, task_arn: &str, container: &str, lines: &[String]) {
        let id = task_arn.rsplit('/').next().expect("task id");
        let stream = format!("ecs/{container}/{id}");
        let (status, _) = self.moto.try_call(
            "logs",
            "Logs_20140328.CreateLogStream",
            &json!({"logGroupName": GROUP, "logStreamName": stream}),
        );
        assert!(
            status == 200 || status == 400,
            "CreateLogStream: HTTP {status}"
        );
        let events: Vec<Value> = lines
            .iter()
            .map(|l| json!({"timestamp": next_timestamp(), "message": l}))
            .collect();
        self.moto.call(
            "logs",
            "Logs_20140328.PutLogEvents",
            &json!({"logGroupName": GROUP, "logStreamName": stream, "logEvents": events}),
        );
    }
}

/// Strictly increasing event timestamps (moto orders a stream's events by timestamp).
fn next_timestamp() -> i64 {
    use std::sync::atomic::{AtomicI64, Ordering};
    static LAST: AtomicI64 = AtomicI64::new(0);
    let now = i64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap();
    let mut last = LAST.load(Ordering::SeqCst);
    loop {
        let next = now.max(last + 1);
        match LAST.compare_exchange(last, next, Ordering::SeqCst, Ordering::SeqCst) {
            Ok(_) => return next,
            Err(seen) => last = seen,
        }
    }
}

/// How a background run ended, as text.
pub struct Finished {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

/// What the tests need of a background run beyond test-support's.
pub trait RunningExt {
    /// Wait for the exit (within test-support's patience), the output as text.
    fn finish(self) -> Finished;
    /// The `--summary` file, once the tool wrote it (as soon as its task started).
    fn wait_for_summary(&mut self, path: &Path) -> Value;
}

impl RunningExt for Running {
    fn finish(self) -> Finished {
        let out = self.wait();
        Finished {
            status: out.status,
            stdout: String::from_utf8(out.stdout).expect("UTF-8 stdout"),
            stderr: String::from_utf8(out.stderr).expect("UTF-8 stderr"),
        }
    }

    fn wait_for_summary(&mut self, path: &Path) -> Value {
        // written atomically: once there, it is whole
        self.wait_until("writing the summary", |_| {
            std::fs::read(path)
                .ok()
                .map(|bytes| serde_json::from_slice(&bytes).expect("summary JSON"))
        })
    }
}

/// `["line 000", ...]`
pub fn lines(prefix: &str, range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|i| format!("{prefix} {i:03}")).collect()
}

/// Set the value of `flag` in `args`.
pub fn replace(args: &mut [String], flag: &str, value: &str) {
    let i = args.iter().position(|a| a == flag).expect("flag present");
    value.clone_into(&mut args[i + 1]);
}

pub fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).expect("summary file")).expect("summary JSON")
}
