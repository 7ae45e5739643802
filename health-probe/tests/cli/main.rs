//! health-probe as a user runs it: the compiled binary against real local HTTP(S) servers
//! and TCP listeners started by each test.

mod docs;
mod expectations;
mod output;
mod probing;
mod request;
mod tls_tcp;
mod usage;
mod watch;

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use assert_cmd::cargo::cargo_bin_cmd;
use test_support::CommandExt as _;
use test_support::http::{Reply, Request, Server};

/// The tool, with the machine's GitHub/AWS variables removed, and its proxy settings (the
/// tests talk to 127.0.0.1; one test sets a proxy of its own).
pub fn probe() -> assert_cmd::Command {
    let mut cmd = cargo_bin_cmd!("health-probe");
    cmd.scrub_env();
    for var in ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"] {
        cmd.env_remove(var).env_remove(var.to_ascii_lowercase());
    }
    cmd
}

/// [`probe`] as a `std::process::Command`, for tests that need the child's pid or pipes.
pub fn probe_process() -> std::process::Command {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin!("health-probe"));
    cmd.scrub_env();
    for var in ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"] {
        cmd.env_remove(var).env_remove(var.to_ascii_lowercase());
    }
    cmd
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The `--json` report on stdout.
pub fn report(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not a JSON report ({e}): {}", stdout(out)))
}

/// A server that answers with `replies[n]` to its n-th request (the last one after that).
pub fn scripted(replies: Vec<Reply>) -> Server {
    let n = AtomicUsize::new(0);
    Server::start(move |_| {
        let i = n.fetch_add(1, Ordering::SeqCst);
        replies[i.min(replies.len() - 1)].clone()
    })
}

/// `k` answers of 503, then 200s.
pub fn healthy_after(k: usize) -> Server {
    let mut replies = vec![Reply::text(503, "starting"); k];
    replies.push(Reply::text(200, "ok"));
    scripted(replies)
}

/// A server that records when each request arrived.
pub fn timed(
    handler: impl Fn(usize, &Request) -> Reply + Send + Sync + 'static,
) -> (Server, Arc<Mutex<Vec<Instant>>>) {
    let times = Arc::new(Mutex::new(Vec::new()));
    let t = times.clone();
    let server = Server::start(move |req| {
        let mut times = t.lock().unwrap();
        times.push(Instant::now());
        handler(times.len() - 1, req)
    });
    (server, times)
}

/// A probe running in the background, its stderr read line by line as it comes, so that a
/// test can act on what it has printed (signal it, start a server) instead of sleeping.
/// Killed if the test ends before it does.
pub struct Running {
    child: Child,
    lines: Receiver<String>,
    seen: Vec<String>,
    reader: Option<JoinHandle<()>>,
}

impl Running {
    /// Start `cmd` with stdout and stderr piped.
    pub fn start(mut cmd: std::process::Command) -> Running {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let (tx, lines) = mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Running {
            child,
            lines,
            seen: Vec::new(),
            reader: Some(reader),
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Wait for a line on stderr that contains `needle` (failing the test after 30s or when
    /// the process ends first).
    pub fn wait_for_line(&mut self, needle: &str) {
        let give_up = Instant::now() + Duration::from_secs(30);
        loop {
            let left = give_up.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    let found = line.contains(needle);
                    self.seen.push(line);
                    if found {
                        return;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    panic!("no line with {needle:?} in 30s:\n{}", self.seen.join("\n"))
                }
                Err(RecvTimeoutError::Disconnected) => {
                    panic!(
                        "the probe ended without a line with {needle:?}:\n{}",
                        self.seen.join("\n")
                    )
                }
            }
        }
    }

    /// Wait for the process to end: its exit status, stdout, and all of its stderr.
    pub fn output(mut self) -> Output {
        let mut stdout = Vec::new();
        std::io::Read::read_to_end(self.child.stdout.as_mut().unwrap(), &mut stdout).unwrap();
        let status = self.child.wait().unwrap();
        if let Some(reader) = self.reader.take() {
            reader.join().unwrap();
        }
        self.seen.extend(self.lines.try_iter());
        let mut stderr = self.seen.join("\n");
        if !stderr.is_empty() {
            stderr.push('\n');
        }
        Output {
            status,
            stdout,
            stderr: stderr.into_bytes(),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
