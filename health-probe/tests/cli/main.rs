//! health-probe as a user runs it: the compiled binary against real local HTTP(S) servers
//! and TCP listeners started by each test.

mod busy_filters;
mod conventions;
mod docs;
mod expectations;
mod faults;
mod io_limits;
mod limits;
mod output;
mod probing;
mod redirects;
mod request;
mod secrets;
mod signals;
mod step_summary;
mod tls_tcp;
mod usage;
mod watch;
mod wrong_url;

use std::process::Output;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

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

pub use test_support::process::Running;
