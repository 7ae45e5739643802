//! SIGINT and SIGTERM at each stage of a run, one test per stage and signal: the exit code,
//! what stderr says became of the task, the task as the emulator has it, the `--summary`
//! file. The tool is held at a stage by the fault proxy (a call that hangs or answers late:
//! the test signals once the proxy has counted the request) or by the emulator (a task that
//! stays RUNNING, a task that stops while a long `--log-grace` drains), never by a sleep.
//!
//! The stages of `lifecycle.rs` (waiting, `--attach` looking for the task, a second signal
//! during StopTask) are not repeated here.

use std::io::{BufRead as _, BufReader, Read as _};
use std::path::Path;
use std::time::{Duration, Instant};
use test_support::process::Sig;

use serde_json::{Value, json};
use test_support::faults::{Fault, FaultProxy, Faults};

use crate::fixture::{
    CLUSTER, Env, Finished, Running, RunningExt as _, hold_running, read_json, replace, setup,
    stop_now,
};

/// The tool through a proxy holding `operation` with `fault`, with `--summary` in `dir`;
/// returned once the proxy has received that request.
fn held_at(
    env: &Env,
    operation: &str,
    fault: Fault,
    extra: &[&str],
    summary: &Path,
) -> (Running, FaultProxy) {
    let proxy = FaultProxy::start(
        &env.moto.endpoint(),
        Faults::always(fault).only(&[operation]),
    );
    let mut args = env.run_args();
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    args.extend(["--summary".to_owned(), summary.display().to_string()]);
    let endpoint = proxy.url();
    let mut running = env.spawn(&args, &[("AWS_ENDPOINT_URL", &endpoint)]);
    running.collect_stdout();
    running.wait_until(&format!("sending {operation}"), |_| {
        proxy.injected().by_operation.get(operation).copied()
    });
    (running, proxy)
}

/// The run ended with `sig`'s code and one `interrupted by SIG; WHAT` line; the summary says
/// `interrupted` with `task_stop`.
fn assert_interrupted(done: &Finished, summary: &Path, sig: Sig, what: &str, task_stop: &str) {
    let name = sig.name();
    assert_eq!(
        done.status.code(),
        Some(sig.code()),
        "{name}: {}",
        done.stderr
    );
    let line = format!("ecs-run-wait: error: interrupted by {name}; {what}\n");
    assert_eq!(
        done.stderr.matches(&line).count(),
        1,
        "said once: {line:?} in\n{}",
        done.stderr
    );
    let doc = read_json(summary);
    assert_eq!(doc["outcome"], "interrupted", "{doc}");
    assert_eq!(doc["exit_code"], sig.code());
    assert_eq!(doc["signals"], json!([name]));
    assert_eq!(doc["task_stop"], task_stop);
    assert_eq!(
        doc["message"],
        line["ecs-run-wait: error: ".len()..].trim_end()
    );
}

/// The one task of the cluster.
fn the_task(env: &Env) -> Value {
    let tasks = env.tasks();
    assert_eq!(tasks.len(), 1, "one task: {tasks:?}");
    env.describe(&tasks[0])
}

// --- before the first call: reading the task definition -----------------------------------

fn before_the_first_call(sig: Sig) {
    let env = setup();
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("s.json");
    let (running, _proxy) = held_at(&env, "DescribeTaskDefinition", Fault::Hang, &[], &summary);
    let begin = Instant::now();
    running.signal(sig);
    let done = running.finish();
    // at once: not after the SDK's 30 s attempt timeout
    assert!(
        begin.elapsed() < Duration::from_secs(20),
        "{:?}",
        begin.elapsed()
    );
    assert_interrupted(
        &done,
        &summary,
        sig,
        "no task was started or stopped",
        "not_requested",
    );
    assert_eq!(done.stdout, "");
    assert!(env.tasks().is_empty(), "no task started");
    assert!(read_json(&summary)["task_arn"].is_null());
}

#[test]
fn before_the_first_call_sigint_starts_nothing() {
    before_the_first_call(Sig::Int);
}

#[test]
fn before_the_first_call_sigterm_starts_nothing() {
    before_the_first_call(Sig::Term);
}

// --- while starting: RunTask in flight ------------------------------------------------------

/// RunTask answers 2 s late; the signal comes meanwhile. The task it started is known once
/// it answers: stopped, or left running with `--leave-running`.
fn while_starting(sig: Sig, leave_running: bool) {
    let env = setup();
    hold_running(&env.moto);
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("s.json");
    let extra: &[&str] = if leave_running {
        &["--leave-running"]
    } else {
        &[]
    };
    let (running, _proxy) = held_at(
        &env,
        "RunTask",
        Fault::Latency(Duration::from_secs(2)),
        extra,
        &summary,
    );
    running.signal(sig);
    let done = running.finish();
    let task = the_task(&env);
    let arn = task["taskArn"].as_str().unwrap();
    assert_eq!(read_json(&summary)["task_arn"], arn);
    if leave_running {
        assert_interrupted(
            &done,
            &summary,
            sig,
            "the task was left running (--leave-running)",
            "left_running",
        );
        assert_eq!(task["lastStatus"], "RUNNING");
    } else {
        assert_interrupted(
            &done,
            &summary,
            sig,
            "the task was stopped (StopTask sent)",
            "stopped",
        );
        assert_eq!(task["lastStatus"], "STOPPED");
        assert_eq!(
            task["stoppedReason"],
            format!("ecs-run-wait was interrupted ({})", sig.name())
        );
    }
}

#[test]
fn while_starting_sigint_stops_the_task_run_task_started() {
    while_starting(Sig::Int, false);
}

#[test]
fn while_starting_sigterm_stops_the_task_run_task_started() {
    while_starting(Sig::Term, false);
}

#[test]
fn while_starting_sigint_with_leave_running_leaves_it() {
    while_starting(Sig::Int, true);
}

#[test]
fn while_starting_sigterm_with_leave_running_leaves_it() {
    while_starting(Sig::Term, true);
}

// --- while waiting, --leave-running ---------------------------------------------------------

fn while_waiting_leave_running(sig: Sig) {
    let env = setup();
    hold_running(&env.moto);
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("s.json");
    let mut args = env.run_args();
    args.extend([
        "--leave-running".to_owned(),
        "--summary".to_owned(),
        summary.display().to_string(),
    ]);
    let mut running = env.spawn(&args, &[]);
    running.collect_stdout();
    let arn = running.wait_for_summary(&summary)["task_arn"]
        .as_str()
        .unwrap()
        .to_owned();
    running.signal(sig);
    let done = running.finish();
    assert_interrupted(
        &done,
        &summary,
        sig,
        "the task was left running (--leave-running)",
        "left_running",
    );
    assert!(!done.stderr.contains("stopping task"), "{}", done.stderr);
    assert_eq!(env.describe(&arn)["lastStatus"], "RUNNING");
    assert_eq!(read_json(&summary)["task_arn"], arn.as_str());
}

#[test]
fn while_waiting_sigint_with_leave_running_leaves_the_task() {
    while_waiting_leave_running(Sig::Int);
}

#[test]
fn while_waiting_sigterm_with_leave_running_leaves_the_task() {
    while_waiting_leave_running(Sig::Term);
}

// --- while draining the logs after the task stopped ----------------------------------------

/// The task stopped; the tool reads its logs for a `--log-grace` of a minute. A signal ends
/// the drain: the lines read so far were printed once, the task had stopped by itself.
fn while_draining(sig: Sig) {
    let env = setup();
    hold_running(&env.moto);
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("s.json");
    let mut args = env.run_args();
    replace(&mut args, "--log-grace", "1m");
    args.extend(["--summary".to_owned(), summary.display().to_string()]);
    let mut running = env.spawn(&args, &[]);
    let mut stdout = BufReader::new(running.take_stdout());
    let arn = running.wait_for_summary(&summary)["task_arn"]
        .as_str()
        .unwrap()
        .to_owned();
    env.put_logs(&arn, "app", &["before the stop".to_owned()]);
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    assert_eq!(line, "before the stop\n");
    stop_now(&env.moto);
    let id = arn.rsplit('/').next().unwrap();
    running.wait_for_stderr(&format!("task {id} is STOPPED"));
    let begin = Instant::now();
    running.signal(sig);
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let done = running.finish();
    assert!(
        begin.elapsed() < Duration::from_secs(30),
        "the drain was cut short: {:?}",
        begin.elapsed()
    );
    assert_eq!(rest, "", "nothing more, nothing twice");
    assert_interrupted(
        &done,
        &summary,
        sig,
        "the task had already stopped",
        "already_stopped",
    );
    assert_eq!(read_json(&summary)["last_status"], "STOPPED");
    assert_eq!(read_json(&summary)["log_lines"], 1);
}

#[test]
fn while_draining_logs_sigint_ends_the_drain() {
    while_draining(Sig::Int);
}

#[test]
fn while_draining_logs_sigterm_ends_the_drain() {
    while_draining(Sig::Term);
}

// --- a second signal while RunTask is in flight ---------------------------------------------

/// SIGTERM then `second` while RunTask has not answered: the run ends at once with the first
/// signal's code, saying how to find the task RunTask may have started.
fn second_signal_while_starting(second: Sig) {
    let env = setup();
    hold_running(&env.moto);
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("s.json");
    let (mut running, _proxy) = held_at(
        &env,
        "RunTask",
        Fault::Latency(Duration::from_secs(30)),
        &["--started-by", "ci-42"],
        &summary,
    );
    let begin = Instant::now();
    running.signal(Sig::Term);
    running.wait_for_stderr("SIGTERM: waiting for RunTask's answer");
    running.signal(second);
    let done = running.finish();
    assert!(
        begin.elapsed() < Duration::from_secs(20),
        "{:?}",
        begin.elapsed()
    );
    assert_eq!(
        done.status.code(),
        Some(Sig::Term.code()),
        "{}",
        done.stderr
    );
    let message = format!(
        "interrupted by SIGTERM, then {}: exiting without waiting; RunTask had not answered: \
         if it started a task, that task keeps running (find it with: aws ecs list-tasks \
         --cluster {CLUSTER} --started-by ci-42)",
        second.name()
    );
    assert!(
        done.stderr
            .ends_with(&format!("ecs-run-wait: error: {message}\n")),
        "{}",
        done.stderr
    );
    assert_eq!(done.stderr.matches("error:").count(), 1, "{}", done.stderr);
    let doc = read_json(&summary);
    assert_eq!(doc["outcome"], "interrupted", "{doc}");
    assert_eq!(doc["exit_code"], Sig::Term.code());
    assert_eq!(doc["signals"], json!(["SIGTERM", second.name()]));
    assert_eq!(doc["task_stop"], "not_requested");
    assert_eq!(doc["message"], message);
}

#[test]
fn a_second_signal_sigint_while_starting_names_the_way_to_find_the_task() {
    second_signal_while_starting(Sig::Int);
}

#[test]
fn a_second_signal_sigterm_while_starting_names_the_way_to_find_the_task() {
    second_signal_while_starting(Sig::Term);
}

// --- --summary to a FIFO: each version --------------------------------------------------------

/// A reader that keeps the FIFO open gets the summary written at the start, then the one
/// written at the signal, each a whole document.
#[test]
fn a_summary_to_a_fifo_gets_each_version_up_to_the_signal() {
    let env = setup();
    hold_running(&env.moto);
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("summary.fifo");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: mkfifo(3) reads a NUL-terminated path that lives across the call.
    #[allow(unsafe_code)]
    let rc = unsafe { libc::mkfifo(c.as_ptr(), 0o600) };
    assert_eq!(rc, 0, "mkfifo");
    let (tx, rx) = std::sync::mpsc::channel::<Vec<u8>>();
    let path = fifo.clone();
    // Each version is one open-write-close by the tool: one read to end of file here, until
    // the one that ends the run.
    let reader = std::thread::spawn(move || {
        loop {
            let bytes = std::fs::read(&path).expect("read the FIFO");
            let doc: Value = serde_json::from_slice(&bytes).expect("a whole document");
            let last = doc["outcome"] != "running";
            tx.send(bytes).unwrap();
            if last {
                break;
            }
        }
    });
    let mut args = env.run_args();
    args.extend(["--summary".to_owned(), fifo.display().to_string()]);
    let mut running = env.spawn(&args, &[]);
    running.collect_stdout();
    let first = running.wait_until("writing the first summary", |_| rx.try_recv().ok());
    let first: Value = serde_json::from_slice(&first).expect("a whole document");
    assert_eq!(first["outcome"], "running", "{first}");
    running.signal(Sig::Int);
    let done = running.finish();
    assert_eq!(done.status.code(), Some(130), "{}", done.stderr);
    reader.join().unwrap();
    let last: Value = serde_json::from_slice(&rx.recv().unwrap()).expect("a whole document");
    assert_eq!(last["outcome"], "interrupted", "{last}");
    assert_eq!(last["task_stop"], "stopped");
    assert_eq!(last["task_arn"], first["task_arn"]);
    assert!(rx.try_recv().is_err(), "two versions");
}
