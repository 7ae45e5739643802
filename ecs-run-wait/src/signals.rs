//! SIGINT and SIGTERM, through the shared `cli_support::signal`: the first one ends the wait
//! (the task is stopped, unless `--leave-running`) and the run exits 130 or 143 with a complete
//! summary; a second one exits at once, still with the first signal's code (as every tool does:
//! the first decides), and still leaves a
//! complete summary saying what became of the task.

use std::sync::{Arc, Mutex};

use anyhow::Context as _;
use cli_support::signal::{Signal, Signals};

use crate::exit;
use crate::session::{Shutdown, lock, task_stop, write_summary};
use crate::stop::{StopPhase, StopResult};
use crate::summary::{Facts, Outcome, Summary};

/// Handle SIGINT and SIGTERM from now on: the signals for the run to watch, and a second one
/// ends the process through [`second_signal`].
pub fn listen(shutdown: Arc<Mutex<Shutdown>>) -> anyhow::Result<Signals> {
    let signals = cli_support::signal::listen().context("cannot handle SIGINT and SIGTERM")?;
    let watched = signals.clone();
    tokio::spawn(async move {
        let first = watched.first().await;
        let second = watched.second().await;
        second_signal(&shutdown, first, second);
    });
    Ok(signals)
}

/// Why a step before the wait was cut short.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// SIGINT or SIGTERM.
    Signal(Signal),
    /// `--timeout` expired (it counts from the tool's start and bounds every call).
    Deadline,
}

/// `fut`, unless a signal comes first or `deadline` passes (the call in flight is dropped).
pub async fn or_cut<T>(
    fut: impl Future<Output = T>,
    signals: &Signals,
    deadline: Option<tokio::time::Instant>,
) -> Result<T, Cut> {
    let expired = async {
        match deadline {
            Some(d) => tokio::time::sleep_until(d).await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        biased;
        s = signals.first() => Err(Cut::Signal(s)),
        () = expired => Err(Cut::Deadline),
        v = fut => Ok(v),
    }
}

/// A second signal: the process ends now, without waiting for what the first one started
/// (StopTask, most often); the summary still says how it ended and what became of the task.
fn second_signal(shared: &Mutex<Shutdown>, first: Signal, second: Signal) -> ! {
    let mut shutdown = lock(shared);
    let phase = lock(&shutdown.stop).clone();
    let doc = shutdown.doc.take();
    let field = |k: fn(&Summary) -> &Option<String>| doc.as_ref().and_then(|d| k(d).clone());
    let task = field(|d| &d.task_arn);
    let stop_hint = |arn: &str| {
        let region = field(|d| &d.region).map_or_else(String::new, |r| format!(" --region {r}"));
        let cluster =
            field(|d| &d.cluster_arn).map_or_else(String::new, |c| format!(" --cluster {c}"));
        format!("stop it with: aws ecs stop-task{region}{cluster} --task {arn}")
    };
    let what = match (&task, &phase) {
        (None, _) => match &shutdown.run_task_in_flight {
            Some(find) => format!(
                "RunTask had not answered: if it started a task, that task keeps running \
                 (find it with: {find})"
            ),
            None => "no task is known to have started".to_owned(),
        },
        (Some(_), StopPhase::Done(stop)) => stop.to_string(),
        (Some(_), StopPhase::NotAsked) if shutdown.leave_running => {
            StopResult::LeftRunning.to_string()
        }
        (Some(arn), StopPhase::Sending) => format!(
            "StopTask was sent but had not answered: task {arn} may still run; {}",
            stop_hint(arn)
        ),
        (Some(arn), StopPhase::NotAsked) => format!(
            "task {arn} was not stopped and may still run; {}",
            stop_hint(arn)
        ),
    };
    let message = format!(
        "interrupted by {}, then {}: exiting without waiting; {what}",
        first.name(),
        second.name()
    );
    cli_support::report::error(&message);
    if let Some(path) = shutdown.path.clone() {
        let mut doc = doc.unwrap_or_else(|| Summary::new(Outcome::Interrupted, &Facts::default()));
        doc.outcome = Outcome::Interrupted;
        doc.exit_code = Some(exit::signal(first));
        doc.message = Some(message);
        doc.signals = vec![first.name(), second.name()];
        doc.task_stop = Some(if task.is_none() {
            "not_requested"
        } else if matches!(phase, StopPhase::NotAsked) && shutdown.leave_running {
            "left_running"
        } else {
            task_stop(&phase)
        });
        if let Err(e) = write_summary(&path, &doc) {
            cli_support::warn(format_args!("--summary: {e:#}"));
        }
    }
    std::process::exit(i32::from(exit::signal(first)));
}
