//! Stopping the task (on a timeout or a signal): StopTask with a reason naming the tool,
//! bounded in time, and how far it got, shared with the handler of a second signal.

use std::fmt;
use std::time::Duration;

use aws_sdk_ecs::Client;
use aws_sdk_ecs::types::Task;
use cli_support::aws::AwsError;

use crate::arn;

/// What happened to StopTask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StopResult {
    Sent,
    LeftRunning,
    AlreadyStopped,
    /// StopTask failed: the task may still run.
    Failed {
        error: String,
        cluster: String,
        task_arn: String,
    },
}

impl fmt::Display for StopResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StopResult::Sent => f.write_str("the task was stopped (StopTask sent)"),
            StopResult::LeftRunning => f.write_str("the task was left running (--leave-running)"),
            StopResult::AlreadyStopped => f.write_str("the task had already stopped"),
            StopResult::Failed {
                error,
                cluster,
                task_arn,
            } => {
                write!(
                    f,
                    "task {task_arn} could NOT be stopped and may still run: {error}; stop it with: aws ecs stop-task"
                )?;
                if let Some(region) = arn::parse_task(task_arn).ok().and_then(|t| t.region) {
                    write!(f, " --region {region}")?;
                }
                write!(f, " --cluster {cluster} --task {task_arn}")
            }
        }
    }
}

/// How far stopping the task got.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum StopPhase {
    /// No StopTask asked for (yet).
    #[default]
    NotAsked,
    /// StopTask sent, no answer yet.
    Sending,
    /// StopTask answered (or `--leave-running`): what came of it.
    Done(StopResult),
}

/// The stop's phase, shared with the signal handler.
pub type StopLog = std::sync::Arc<std::sync::Mutex<StopPhase>>;

/// Record the stop's phase.
pub fn record_stop(log: &StopLog, phase: StopPhase) {
    *log.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = phase;
}

/// How long StopTask may take (a CI runner kills soon after its signal).
const STOP_TIMEOUT: Duration = Duration::from_secs(10);

/// StopTask with a reason naming the tool, bounded in time; the phases go to `log`. The task as
/// StopTask answered, when it did.
pub async fn stop_task(
    ecs: &Client,
    cluster: &str,
    task_arn: &str,
    reason: &str,
    log: &StopLog,
) -> (StopResult, Option<Task>) {
    record_stop(log, StopPhase::Sending);
    let call = ecs
        .stop_task()
        .cluster(cluster)
        .task(task_arn)
        .reason(reason)
        .send();
    let failed = |error: String| StopResult::Failed {
        error,
        cluster: cluster.to_owned(),
        task_arn: task_arn.to_owned(),
    };
    let (result, task) = match tokio::time::timeout(STOP_TIMEOUT, call).await {
        Ok(Ok(out)) => (StopResult::Sent, out.task().cloned()),
        Ok(Err(e)) => (failed(AwsError::from_sdk("StopTask", e).to_string()), None),
        Err(_) => (
            failed("StopTask did not answer within 10s".to_owned()),
            None,
        ),
    };
    record_stop(log, StopPhase::Done(result.clone()));
    (result, task)
}
