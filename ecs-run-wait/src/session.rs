//! The run's state for the `--summary` file: written as soon as the task started and again on
//! every outcome, and kept for the handler of a second signal (`signals.rs`), which ends the
//! process wherever it is.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use aws_sdk_ecs::types::Task;
use cli_support::output::{self, Access};
use cli_support::report::error_annotated;
use cli_support::signal::Signal;

use crate::exit;
use crate::start::StartFailure;
use crate::step_summary::Tail;
use crate::stop::{StopLog, StopPhase, StopResult};
use crate::summary::{Facts, Outcome, Summary};
use crate::taskdef::LogState;

/// What the handler of a second signal needs to leave a complete summary: the process ends
/// there, in the middle of whatever it was doing (most often StopTask).
pub struct Shutdown {
    pub path: Option<PathBuf>,
    /// The last summary (written, with --summary).
    pub doc: Option<Summary>,
    pub stop: StopLog,
    pub leave_running: bool,
    /// While RunTask has not answered: the command that finds the task it may start.
    pub run_task_in_flight: Option<String>,
}

/// The summary's `task_stop`: what became of the task when ecs-run-wait was interrupted or
/// timed out.
pub fn task_stop(phase: &StopPhase) -> &'static str {
    match phase {
        StopPhase::NotAsked => "not_requested",
        StopPhase::Sending => "requested",
        StopPhase::Done(StopResult::Sent) => "stopped",
        StopPhase::Done(StopResult::LeftRunning) => "left_running",
        StopPhase::Done(StopResult::AlreadyStopped) => "already_stopped",
        StopPhase::Done(StopResult::Failed { .. }) => "stop_failed",
    }
}

/// The summary's state, written on every outcome.
pub struct Session {
    pub path: Option<PathBuf>,
    /// The cluster as given (a name or an ARN), for the AWS calls.
    pub cluster: Option<String>,
    /// The cluster's ARN when known before a task is (from an `--attach` task ARN).
    pub cluster_arn: Option<String>,
    pub region: Option<String>,
    pub task_definition: Option<String>,
    pub task: Option<Task>,
    pub essential: Vec<String>,
    pub failures: Vec<StartFailure>,
    pub log_lines: Option<u64>,
    pub logs: Option<Vec<LogState>>,
    /// The last log lines, for the step summary.
    pub log_tail: Option<Tail>,
    /// The signal that ended the wait.
    pub signals: Vec<Signal>,
    pub shutdown: Arc<Mutex<Shutdown>>,
    /// The last write of the summary failed.
    pub unwritten: bool,
}

impl Session {
    /// A signal ended the run: say so, with what became of the task (`stop`: `None` when no
    /// task was started), and record it.
    pub fn interrupted(&mut self, sig: Signal, stop: Option<&StopResult>) -> ExitCode {
        let what = match stop {
            Some(stop) => stop.to_string(),
            None => "no task was started or stopped".to_owned(),
        };
        let message = format!("interrupted by {}; {what}", sig.name());
        error_annotated(&message);
        self.signals = vec![sig];
        let code = exit::signal(sig);
        self.write(Outcome::Interrupted, Some(code), Some(message));
        ExitCode::from(code)
    }

    pub fn stop_log(&self) -> StopLog {
        lock(&self.shutdown).stop.clone()
    }

    /// Write the summary (with --summary) and keep it for a second signal's message.
    pub fn write(&mut self, outcome: Outcome, exit_code: Option<u8>, message: Option<String>) {
        let mut doc = Summary::new(
            outcome,
            &Facts {
                cluster: self.cluster.as_deref(),
                cluster_arn: self.cluster_arn.as_deref(),
                region: self.region.as_deref(),
                task_definition: self.task_definition.as_deref(),
                task: self.task.as_ref(),
                essential: &self.essential,
                exit_code,
                message,
                failures: &self.failures,
                log_lines: self.log_lines,
                logs: self.logs.as_deref(),
            },
        );
        // Held while writing: a second signal waits for this write, then writes its own.
        let mut shutdown = lock(&self.shutdown);
        if matches!(outcome, Outcome::Interrupted | Outcome::TimedOut) {
            let phase = lock(&shutdown.stop).clone();
            doc.task_stop = Some(task_stop(&phase));
        }
        doc.signals = self.signals.iter().map(|s| s.name()).collect();
        if let Some(path) = &self.path {
            match write_summary(path, &doc) {
                Ok(()) => self.unwritten = false,
                Err(e) => {
                    cli_support::warn(format_args!("--summary: {e:#}"));
                    self.unwritten = true;
                }
            }
        }
        shutdown.doc = Some(doc);
    }
}

pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

pub fn write_summary(path: &Path, doc: &Summary) -> anyhow::Result<()> {
    output::write_atomic(path, &doc.to_bytes(), Access::Shared)
}
