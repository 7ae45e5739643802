//! The local AWS emulator: moto's standalone server, pinned in `emulator/requirements.txt`
//! and installed into `.venv` by `scripts/setup-emulator` (which `scripts/test` runs).
//!
//! One server per test binary ([`Moto::shared`]); tests that use it take [`Moto::lock`],
//! which serialises them and resets the emulator (state, ECS state-manager transitions,
//! configured task results) so each test starts clean. A test that needs a server of its
//! own calls [`Moto::start`]. Servers exit with the test process: the launcher watches its
//! parent (Rust never drops statics, so nothing else would stop them).

use std::fmt::Write as _;
use std::io::{Read as _, Seek as _, Write as _};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::{CommandExt as _, workspace_root};

/// The region the tests use.
pub const REGION: &str = "us-east-2";
/// moto's account id.
pub const ACCOUNT: &str = "123456789012";

/// A running emulator.
pub struct Moto {
    port: u16,
    child: Child,
    serial: Mutex<()>,
}

/// Held while a test uses a shared server; the server was reset when it was taken.
pub struct MotoGuard<'a> {
    pub moto: &'a Moto,
    _serial: MutexGuard<'a, ()>,
}

impl std::ops::Deref for MotoGuard<'_> {
    type Target = Moto;
    fn deref(&self) -> &Moto {
        self.moto
    }
}

/// Path of the venv's Python, or a panic that says how to install it.
pub fn venv_bin(name: &str) -> PathBuf {
    let path = workspace_root().join(".venv/bin").join(name);
    assert!(
        path.exists(),
        "the local AWS emulator is not installed ({} is missing): run scripts/setup-emulator \
         (scripts/test does this for you)",
        path.display()
    );
    path
}

impl Moto {
    /// Start a server of the test's own on a free port.
    pub fn start() -> Moto {
        Self::start_with_env(&[])
    }

    /// Start a server with extra environment variables for the server process (for
    /// example `MOTO_ECS_SERVICE_RUNNING`).
    pub fn start_with_env(env: &[(&str, &str)]) -> Moto {
        let python = venv_bin("python");
        let launcher = workspace_root().join("emulator/moto_server.py");
        // The server picks its port and writes it here once it listens.
        let dir = tempfile::tempdir().expect("a temporary directory");
        let port_file = dir.path().join("port");
        let mut log = tempfile::tempfile().expect("a temporary file for the emulator's log");
        let mut cmd = Command::new(python);
        cmd.arg(launcher)
            .args(["-H", "127.0.0.1", "--exit-with-parent", "--port-file"])
            .arg(&port_file)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log.try_clone().expect("log file"))
            .scrub_env();
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("cannot start the emulator");
        let deadline = Instant::now() + Duration::from_mins(1);
        let port = loop {
            if let Some(port) = std::fs::read_to_string(&port_file)
                .ok()
                .and_then(|s| s.trim().parse::<u16>().ok())
            {
                break port;
            }
            if let Ok(Some(status)) = child.try_wait() {
                let mut text = String::new();
                let _ = log.seek(std::io::SeekFrom::Start(0));
                let _ = log.read_to_string(&mut text);
                panic!("the emulator exited ({status}) before it listened; its log:\n{text}");
            }
            assert!(
                Instant::now() < deadline,
                "the emulator did not listen within 60 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        let moto = Moto {
            port,
            child,
            serial: Mutex::new(()),
        };
        // The first ECS call imports moto's ECS and EC2 backends (about a second): pay it
        // here, not inside a test's timings.
        moto.call(
            "ecs",
            "AmazonEC2ContainerServiceV20141113.ListClusters",
            &serde_json::json!({}),
        );
        moto.call(
            "logs",
            "Logs_20140328.DescribeLogGroups",
            &serde_json::json!({}),
        );
        moto.call(
            "ecr",
            "AmazonEC2ContainerRegistry_V20150921.DescribeRepositories",
            &serde_json::json!({}),
        );
        moto
    }

    /// The server shared by the tests of this test binary.
    pub fn shared() -> &'static Moto {
        static SHARED: OnceLock<Moto> = OnceLock::new();
        SHARED.get_or_init(Moto::start)
    }

    /// Serialise with the other tests on this server, and reset it.
    pub fn lock(&self) -> MotoGuard<'_> {
        let serial = self
            .serial
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        self.reset();
        MotoGuard {
            moto: self,
            _serial: serial,
        }
    }

    /// `http://127.0.0.1:PORT`
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The environment a tool (or the AWS CLI) needs to talk to this server: dummy
    /// credentials, the test region, the endpoint; no shared config files.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ACCESS_KEY_ID", "test".to_owned()),
            ("AWS_SECRET_ACCESS_KEY", "test".to_owned()),
            ("AWS_REGION", REGION.to_owned()),
            ("AWS_DEFAULT_REGION", REGION.to_owned()),
            ("AWS_ENDPOINT_URL", self.endpoint()),
            ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
            ("AWS_CONFIG_FILE", "/dev/null".to_owned()),
            ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null".to_owned()),
        ]
    }

    /// Clear everything: moto's state, ECS state-manager transitions (which survive a
    /// plain reset) and results configured through the emulator's extensions.
    pub fn reset(&self) {
        self.post("/moto-api/reset", "");
        self.post(
            "/moto-api/state-manager/unset-transition",
            r#"{"model_name":"ecs::task"}"#,
        );
        let (status, _) = self.request("POST", "/moto-api/ext/reset", "");
        assert!(
            status == 200 || status == 404,
            "resetting the emulator's extensions: HTTP {status}"
        );
    }

    /// Set the ECS task state-manager transition, e.g. `{"progression":"manual","times":3}`.
    pub fn set_task_transition(&self, transition: &Value) {
        let body = serde_json::json!({"model_name": "ecs::task", "transition": transition});
        self.post("/moto-api/state-manager/set-transition", &body.to_string());
    }

    /// Set the ECS rollout knobs (emulator/ext_ecs_deploy.py), e.g. `{"seconds": 1,
    /// "failures": [{"image": "*:bad", "mode": "CannotPullContainerError"}]}`.
    pub fn set_rollout(&self, knobs: &Value) {
        self.post("/moto-api/ext/ecs/rollout", &knobs.to_string());
    }

    /// POST to one of moto's own endpoints; panics unless it answers 2xx.
    pub fn post(&self, path: &str, body: &str) -> String {
        let (status, text) = self.request("POST", path, body);
        assert!(
            (200..300).contains(&status),
            "POST {path}: HTTP {status}: {text}"
        );
        text
    }

    /// One plain HTTP request to the server: (status, body).
    pub fn request(&self, method: &str, path: &str, body: &str) -> (u16, String) {
        http_request(
            self.port,
            method,
            path,
            &[("Content-Type", "application/json")],
            body.as_bytes(),
        )
    }

    /// One awsJson call (what the SDK sends), e.g.
    /// `call("ecr", "AmazonEC2ContainerRegistry_V20150921.PutImage", &json!({...}))`.
    /// Panics with the error body unless it succeeds.
    pub fn call(&self, service: &str, target: &str, body: &Value) -> Value {
        let (status, text) = self.try_call(service, target, body);
        assert!(status == 200, "{target}: HTTP {status}: {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }

    /// Like [`Moto::call`], returning the status and body whatever they are.
    pub fn try_call(&self, service: &str, target: &str, body: &Value) -> (u16, String) {
        let auth = format!(
            "AWS4-HMAC-SHA256 Credential=test/20260101/{REGION}/{service}/aws4_request, \
             SignedHeaders=host, Signature=0"
        );
        http_request(
            self.port,
            "POST",
            "/",
            &[
                ("Content-Type", "application/x-amz-json-1.1"),
                ("X-Amz-Target", target),
                ("Authorization", &auth),
            ],
            body.to_string().as_bytes(),
        )
    }

    /// A `Command` for the venv's AWS CLI, pointed at this server.
    pub fn aws_command(&self) -> Command {
        let mut cmd = Command::new(venv_bin("aws"));
        cmd.scrub_env().envs(self.env());
        cmd
    }

    /// Run the AWS CLI (`--output json`) and parse what it prints; panics with its stderr
    /// if it fails.
    pub fn aws(&self, args: &[&str]) -> Value {
        let out = self
            .aws_command()
            .args(args)
            .args(["--output", "json"])
            .output()
            .expect("cannot run the AWS CLI");
        assert!(
            out.status.success(),
            "aws {}: {}\n{}",
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        if out.stdout.iter().all(u8::is_ascii_whitespace) {
            return Value::Null;
        }
        serde_json::from_slice(&out.stdout).expect("the AWS CLI printed JSON")
    }

    /// One EC2 query-protocol call (EC2 is not awsJson): the text of every `<tag>` element
    /// of the answer.
    pub fn ec2_values(&self, query: &str, tag: &str) -> Vec<String> {
        let auth = format!(
            "AWS4-HMAC-SHA256 Credential=test/20260101/{REGION}/ec2/aws4_request, \
             SignedHeaders=host, Signature=0"
        );
        let (status, body) = http_request(
            self.port,
            "POST",
            "/",
            &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Authorization", &auth),
            ],
            format!("Version=2016-11-15&{query}").as_bytes(),
        );
        assert_eq!(status, 200, "EC2 {query}: {body}");
        let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
        body.split(&open)
            .skip(1)
            .map(|rest| rest.split(&close).next().unwrap_or_default().to_owned())
            .collect()
    }

    /// The default VPC's subnets, sorted (moto makes new ids on every reset).
    pub fn default_subnets(&self) -> Vec<String> {
        let mut ids = self.ec2_values(
            "Action=DescribeSubnets&Filter.1.Name=default-for-az&Filter.1.Value.1=true",
            "subnetId",
        );
        ids.sort();
        ids.dedup();
        ids
    }

    /// The first of [`Moto::default_subnets`].
    pub fn default_subnet(&self) -> String {
        self.default_subnets()
            .into_iter()
            .next()
            .expect("moto has default subnets")
    }

    /// The default VPC's `default` security group.
    pub fn default_security_group(&self) -> String {
        self.ec2_values(
            "Action=DescribeSecurityGroups&GroupName.1=default",
            "groupId",
        )
        .into_iter()
        .next()
        .expect("a default security group")
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A minimal HTTP/1.1 client (one request per connection) for the emulator's plain
/// endpoints and raw API calls: no dependency, no surprises.
pub fn http_request(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String) {
    let mut stream =
        TcpStream::connect(("127.0.0.1", port)).expect("cannot connect to the emulator");
    stream
        .set_read_timeout(Some(Duration::from_mins(2)))
        .expect("timeout");
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        let _ = write!(req, "{k}: {v}\r\n");
    }
    req.push_str("\r\n");
    stream.write_all(req.as_bytes()).expect("write request");
    stream.write_all(body).expect("write body");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read response");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("an HTTP response");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut payload = raw[split + 4..].to_vec();
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("a status code");
    if head.lines().any(|l| {
        l.to_ascii_lowercase().starts_with("transfer-encoding:")
            && l.to_ascii_lowercase().contains("chunked")
    }) {
        payload = dechunk(&payload);
    }
    (status, String::from_utf8_lossy(&payload).into_owned())
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = data.windows(2).position(|w| w == b"\r\n") {
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&data[..eol]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = eol + 2;
        out.extend_from_slice(&data[start..start + size]);
        data = &data[start + size + 2..];
    }
    out
}
