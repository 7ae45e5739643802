//! Looking a task up with DescribeTasks, again and again until it is in the answer: what
//! `--attach` and the wait share. Eventual consistency right after RunTask (a task absent or
//! MISSING for a while), throttling and transient errors are retried here, not by the SDK
//! (`retry.rs`).

use std::fmt::Write as _;
use std::io::Write;
use std::time::Duration;

use aws_sdk_ecs::Client;
use aws_sdk_ecs::types::Task;
use cli_support::aws::{AwsError, AwsResultExt as _};
use cli_support::duration;
use tokio::time::{Instant, sleep_until};

use crate::arn::task_id;
use crate::logs::Follower;
use crate::retry::{backoff, no_sdk_retries};
use crate::status::Reporter;

enum Seen {
    Task(Box<Task>),
    Missing(String),
}

async fn describe(ecs: &Client, cluster: &str, arn: &str) -> Result<Seen, AwsError> {
    let out = ecs
        .describe_tasks()
        .cluster(cluster)
        .tasks(arn)
        .customize()
        .config_override(aws_sdk_ecs::Config::builder().retry_config(no_sdk_retries()))
        .send()
        .await
        .aws("DescribeTasks")?;
    let id = task_id(arn);
    if let Some(t) = out
        .tasks()
        .iter()
        .find(|t| t.task_arn().is_some_and(|a| task_id(a) == id))
    {
        return Ok(Seen::Task(Box::new(t.clone())));
    }
    let why = out
        .failures()
        .iter()
        .map(|f| {
            let mut s = f.reason().unwrap_or("no reason").to_owned();
            if let Some(d) = f.detail() {
                let _ = write!(s, " ({d})");
            }
            s
        })
        .collect::<Vec<_>>()
        .join("; ");
    Ok(Seen::Missing(if why.is_empty() {
        "not in the answer".to_owned()
    } else {
        why
    }))
}

/// Why a task could not be looked up.
#[derive(Debug)]
pub enum LookupError {
    /// An error that trying again would not cure (credentials, access, no such cluster).
    Failed(AwsError),
    /// Absent from DescribeTasks (or MISSING) for longer than the grace period.
    Lost(String),
}

/// One task looked up with DescribeTasks, again and again: what `--attach` and the wait share.
/// Throttling and transient errors are retried with backoff (at least `poll` apart); a task
/// absent from the answer, or MISSING, is eventual consistency right after RunTask and is
/// looked for again every 2 s (at most `poll`) for `missing_grace`.
pub struct Lookup<'a> {
    ecs: &'a Client,
    cluster: &'a str,
    arn: &'a str,
    poll: Duration,
    missing_grace: Duration,
    report: Reporter,
    missing_since: Option<Instant>,
    failures: u32,
}

impl<'a> Lookup<'a> {
    pub fn new(
        ecs: &'a Client,
        cluster: &'a str,
        arn: &'a str,
        poll: Duration,
        missing_grace: Duration,
        report: Reporter,
    ) -> Lookup<'a> {
        Lookup {
            ecs,
            cluster,
            arn,
            poll,
            missing_grace,
            report,
            missing_since: None,
            failures: 0,
        }
    }

    /// Describe the task until it is in the answer, following the logs in between.
    pub async fn until_seen(
        &mut self,
        mut follower: Option<&mut Follower>,
        out: &mut dyn Write,
        log_interval: Duration,
    ) -> Result<Task, LookupError> {
        loop {
            let now = Instant::now();
            let again = match describe(self.ecs, self.cluster, self.arn).await {
                Ok(Seen::Task(task)) => {
                    self.missing_since = None;
                    if self.failures > 0 {
                        self.report.status("DescribeTasks works again");
                        self.failures = 0;
                    }
                    return Ok(*task);
                }
                Ok(Seen::Missing(why)) => {
                    let since = *self.missing_since.get_or_insert(now);
                    if now.duration_since(since) >= self.missing_grace {
                        return Err(LookupError::Lost(format!(
                            "task {} is not found in cluster {} (DescribeTasks: {why}) after {}: \
                             check the task, the cluster and the region (ECS keeps stopped tasks \
                             for about an hour)",
                            self.arn,
                            self.cluster,
                            duration::format(self.missing_grace)
                        )));
                    }
                    // Right after RunTask a task may not be visible yet: look again soon.
                    self.poll.min(Duration::from_secs(2))
                }
                Err(e) if e.is_retryable() => {
                    self.failures += 1;
                    let pause = backoff(self.poll, self.failures).max(self.poll);
                    cli_support::warn(format_args!(
                        "{e}; trying again in {} (task {} is still watched)",
                        duration::format(pause),
                        task_id(self.arn)
                    ));
                    pause
                }
                Err(e) => return Err(LookupError::Failed(e)),
            };
            follow_until(
                Instant::now() + again,
                follower.as_deref_mut(),
                out,
                log_interval,
            )
            .await;
        }
    }
}

/// Follow the logs (if any) until `at`.
pub async fn follow_until(
    at: Instant,
    follower: Option<&mut Follower>,
    out: &mut dyn Write,
    log_interval: Duration,
) {
    if let Some(f) = follower {
        while !f.finished() && Instant::now() < at {
            f.poll(out).await;
            sleep_until(at.min(Instant::now() + log_interval)).await;
        }
    }
    sleep_until(at).await;
}

/// Find a task for `--attach`: looked up like the wait does (eventual consistency, throttling
/// and network errors retried).
pub async fn find_task(
    ecs: &Client,
    cluster: &str,
    task: &str,
    poll: Duration,
    missing_grace: Duration,
    report: Reporter,
) -> anyhow::Result<Task> {
    let mut lookup = Lookup::new(ecs, cluster, task, poll, missing_grace, report);
    match lookup.until_seen(None, &mut std::io::sink(), poll).await {
        Ok(task) => Ok(task),
        Err(LookupError::Lost(message)) => Err(anyhow::anyhow!(message)),
        Err(LookupError::Failed(e)) => {
            Err(anyhow::Error::new(e)
                .context(format!("cannot find task {task} in cluster {cluster}")))
        }
    }
}

#[cfg(test)]
mod tests {
    use aws_smithy_mocks::mock;

    use super::*;
    use crate::mocks::{ARN, QUIET, described, ecs, error, missing, task};

    const POLL: Duration = Duration::from_secs(6);
    const GRACE: Duration = Duration::from_mins(1);

    #[tokio::test(start_paused = true)]
    async fn attach_retries_throttling_and_network_errors_until_it_finds_the_task() {
        let rule = mock!(Client::describe_tasks)
            .match_requests(|r| r.cluster() == Some("ci") && r.tasks() == [ARN])
            .sequence()
            .http_response(|| error("ThrottlingException", "Rate exceeded"))
            .http_status(503, None)
            .output(missing)
            .output(|| described(task("RUNNING")))
            .build();
        let client = ecs(&[&rule]);
        let found = find_task(&client, "ci", ARN, POLL, GRACE, QUIET)
            .await
            .unwrap();
        assert_eq!(found.last_status(), Some("RUNNING"));
        assert_eq!(rule.num_calls(), 4);
    }

    #[tokio::test(start_paused = true)]
    async fn attach_fails_at_once_on_errors_a_retry_cannot_cure() {
        let rule = mock!(Client::describe_tasks)
            .then_http_response(|| error("ClusterNotFoundException", "Cluster not found."));
        let client = ecs(&[&rule]);
        let err = find_task(&client, "ci", ARN, POLL, GRACE, QUIET)
            .await
            .unwrap_err();
        assert_eq!(
            format!("{err:#}"),
            format!(
                "cannot find task {ARN} in cluster ci: DescribeTasks: ClusterNotFoundException: \
                 Cluster not found."
            )
        );
        assert_eq!(rule.num_calls(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn attach_to_a_task_that_stays_missing_gives_up_after_the_grace() {
        let rule = mock!(Client::describe_tasks).then_output(missing);
        let client = ecs(&[&rule]);
        let begin = Instant::now();
        let err = find_task(&client, "ci", ARN, POLL, GRACE, QUIET)
            .await
            .unwrap_err();
        assert!(begin.elapsed() >= Duration::from_mins(1));
        assert_eq!(
            err.to_string(),
            format!(
                "task {ARN} is not found in cluster ci (DescribeTasks: MISSING) after 1m: check \
                 the task, the cluster and the region (ECS keeps stopped tasks for about an hour)"
            )
        );
    }
}
