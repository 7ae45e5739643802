//! Starting the task and watching it: RunTask with capacity retries, an own DescribeTasks loop
//! (eventual consistency, transient errors, expired credentials), the logs, the final drain,
//! and StopTask on a timeout or a signal.

use std::fmt::{self, Write as _};
use std::io::Write;
use std::time::{Duration, SystemTime};

use aws_sdk_ecs::Client;
use aws_sdk_ecs::operation::run_task::builders::RunTaskInputBuilder;
use aws_sdk_ecs::types::{Failure, Task};
use cli_support::aws::{AwsError, AwsResultExt as _, ErrorKind};
use cli_support::duration;
use rand::Rng as _;
use tokio::time::{Instant, sleep, sleep_until};

use crate::arn::{self, task_id};
use crate::logs::Follower;
use crate::outcome::FAILED_TO_START;
use crate::plan::attempt_token;

/// A signal that ends the wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Int,
    Term,
}

impl Signal {
    pub fn exit_code(self) -> u8 {
        match self {
            Signal::Int => 130,
            Signal::Term => 143,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Signal::Int => "SIGINT",
            Signal::Term => "SIGTERM",
        }
    }
}

/// Tells when the process was asked to stop; waiting on it is cancel-safe and repeatable.
#[derive(Debug, Clone)]
pub struct Interrupt(tokio::sync::watch::Receiver<Option<Signal>>);

impl Interrupt {
    /// An interrupt fired through the sender.
    pub fn channel() -> (tokio::sync::watch::Sender<Option<Signal>>, Interrupt) {
        let (tx, rx) = tokio::sync::watch::channel(None);
        (tx, Interrupt(rx))
    }

    /// The signal, once one came.
    pub async fn wait(&mut self) -> Signal {
        match self.0.wait_for(Option::is_some).await {
            Ok(s) => s.unwrap_or(Signal::Int),
            // Nobody can send any more: no signal will come.
            Err(_) => std::future::pending().await,
        }
    }

    /// The signal if one came already.
    pub fn fired(&self) -> Option<Signal> {
        *self.0.borrow()
    }
}

/// Status lines on stderr, unless `--quiet`.
#[derive(Debug, Clone, Copy)]
pub struct Reporter {
    pub quiet: bool,
}

impl Reporter {
    pub fn status(self, msg: impl fmt::Display) {
        if !self.quiet {
            #[cfg(test)]
            STATUSES.with_borrow_mut(|s| s.push(msg.to_string()));
            cli_support::note(msg);
        }
    }
}

#[cfg(test)]
thread_local! {
    /// The status lines this thread printed (unit tests look at them).
    static STATUSES: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The status lines this thread printed since the last call.
#[cfg(test)]
pub fn take_statuses() -> Vec<String> {
    STATUSES.take()
}

/// A RunTask `failures[]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartFailure {
    pub arn: Option<String>,
    pub reason: Option<String>,
    pub detail: Option<String>,
}

impl StartFailure {
    fn from_sdk(f: &Failure) -> StartFailure {
        StartFailure {
            arn: f.arn().map(str::to_owned),
            reason: f.reason().map(str::to_owned),
            detail: f.detail().map(str::to_owned),
        }
    }

    /// `RESOURCE:*` or Fargate's "Capacity is unavailable": worth another try.
    pub fn is_capacity(&self) -> bool {
        let has = |s: &Option<String>, needle: &str| {
            s.as_deref()
                .is_some_and(|s| s.to_ascii_lowercase().contains(needle))
        };
        self.reason
            .as_deref()
            .is_some_and(|r| r.starts_with("RESOURCE:"))
            || has(&self.reason, "capacity is unavailable")
            || has(&self.detail, "capacity is unavailable")
    }
}

impl fmt::Display for StartFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.reason.as_deref().unwrap_or("(no reason given)"))?;
        if let Some(d) = &self.detail {
            write!(f, " ({d})")?;
        }
        if let Some(a) = &self.arn {
            write!(f, " [arn: {a}]")?;
        }
        Ok(())
    }
}

/// RunTask answered with failures instead of a task.
#[derive(Debug, Clone)]
pub struct StartFailed {
    pub failures: Vec<StartFailure>,
    pub attempts: u32,
}

impl fmt::Display for StartFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list: Vec<String> = self.failures.iter().map(ToString::to_string).collect();
        write!(f, "RunTask failed: {}", list.join("; "))?;
        if self.attempts > 1 {
            write!(f, " (after {} attempts)", self.attempts)?;
        }
        Ok(())
    }
}

impl std::error::Error for StartFailed {}

/// How the start ended.
#[derive(Debug)]
pub enum Started {
    Task(Box<Task>),
    /// A signal came while starting; the task, if RunTask had already started one.
    Interrupted(Signal, Option<Box<Task>>),
}

/// Delays between start attempts after a capacity failure, and between tries of one attempt
/// after a throttling or transient error.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub capacity: Duration,
    pub transient: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            capacity: Duration::from_secs(5),
            transient: Duration::from_secs(1),
        }
    }
}

fn backoff(base: Duration, attempt: u32) -> Duration {
    let exp = base.saturating_mul(1 << attempt.saturating_sub(1).min(5));
    let jitter = Duration::from_millis(rand::rng().random_range(0..=250));
    exp.min(Duration::from_mins(1)) + jitter
}

/// Transient tries of one start attempt (the same client token, so no second task).
const TRANSIENT_TRIES: u32 = 2;

/// RunTask: capacity failures are retried `retries` times with backoff and a new token;
/// throttling and transient errors are retried with the same token; anything else fails at
/// once. A signal during a backoff ends the start; one during a RunTask call is acted on once
/// the call returns (its task, if any, is given back to be stopped).
pub async fn start(
    ecs: &Client,
    input: &RunTaskInputBuilder,
    client_token: Option<&str>,
    retries: u32,
    pauses: Backoff,
    interrupt: &mut Interrupt,
    report: Reporter,
) -> anyhow::Result<Started> {
    let mut attempt = 1;
    loop {
        let token = attempt_token(client_token, attempt);
        let mut tries = 1;
        let out = loop {
            let result = input
                .clone()
                .client_token(&token)
                .send_with(ecs)
                .await
                .aws("RunTask");
            if let Some(sig) = interrupt.fired() {
                let task = result
                    .ok()
                    .and_then(|o| o.tasks().first().cloned())
                    .map(Box::new);
                return Ok(Started::Interrupted(sig, task));
            }
            match result {
                Ok(out) => break out,
                Err(e) if e.is_retryable() && tries < TRANSIENT_TRIES => {
                    let pause = backoff(pauses.transient, tries);
                    cli_support::warn(format_args!(
                        "{e}; trying again in {}",
                        duration::format(pause)
                    ));
                    tries += 1;
                    if let Some(sig) = pause_or_signal(pause, interrupt).await {
                        return Ok(Started::Interrupted(sig, None));
                    }
                }
                Err(e) => return Err(e.into()),
            }
        };
        if let Some(task) = out.tasks().first() {
            return Ok(Started::Task(Box::new(task.clone())));
        }
        let failures: Vec<StartFailure> =
            out.failures().iter().map(StartFailure::from_sdk).collect();
        if failures.is_empty() {
            anyhow::bail!("RunTask returned neither a task nor a failure");
        }
        if attempt > retries || !failures.iter().all(StartFailure::is_capacity) {
            return Err(StartFailed {
                failures,
                attempts: attempt,
            }
            .into());
        }
        let pause = backoff(pauses.capacity, attempt);
        let list: Vec<String> = failures.iter().map(ToString::to_string).collect();
        cli_support::warn(format_args!(
            "RunTask: no capacity: {}; trying again in {} (retry {attempt} of {retries})",
            list.join("; "),
            duration::format(pause)
        ));
        if let Some(sig) = pause_or_signal(pause, interrupt).await {
            return Ok(Started::Interrupted(sig, None));
        }
        attempt += 1;
        report.status(format_args!("starting again (attempt {attempt})"));
    }
}

async fn pause_or_signal(pause: Duration, interrupt: &mut Interrupt) -> Option<Signal> {
    tokio::select! {
        biased;
        s = interrupt.wait() => Some(s),
        () = sleep(pause) => None,
    }
}

/// `--timeout`: how long, and the moment it expires.
#[derive(Debug, Clone, Copy)]
pub struct Timeout {
    pub limit: Duration,
    pub deadline: Instant,
}

impl Timeout {
    /// A timeout of `limit` counted from now.
    pub fn from_now(limit: Duration) -> Timeout {
        Timeout {
            limit,
            deadline: Instant::now() + limit,
        }
    }
}

/// How waiting for the task is set up.
#[derive(Debug, Clone)]
pub struct WaitOptions {
    pub poll: Duration,
    pub timeout: Option<Timeout>,
    pub leave_running: bool,
    pub log_grace: Duration,
    /// How long a task may be absent from DescribeTasks (eventual consistency after RunTask).
    pub missing_grace: Duration,
    /// Interval between log reads while the task runs (at most `poll`).
    pub log_interval: Duration,
}

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

/// How the wait ended.
#[derive(Debug)]
pub enum Ending {
    Stopped(Box<Task>),
    TimedOut(StopResult),
    Interrupted(Signal, StopResult),
}

/// The task being watched, and what was last seen of it.
pub struct Watch<'a> {
    pub ecs: &'a Client,
    pub cluster: String,
    pub task_arn: String,
    pub last: Option<Task>,
    pub report: Reporter,
    /// Where StopTask is at, for a second signal that ends the process meanwhile.
    pub stop_log: StopLog,
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

enum Race<T> {
    Done(T),
    Signal(Signal),
    Deadline,
}

/// Wait until the task stops (or the deadline passes, or a signal comes), following its logs.
pub async fn watch(
    w: &mut Watch<'_>,
    mut follower: Option<&mut Follower>,
    out: &mut dyn Write,
    opts: &WaitOptions,
    interrupt: &mut Interrupt,
) -> anyhow::Result<Ending> {
    let raced = {
        let work = poll_until_stopped(w, follower.as_deref_mut(), out, opts);
        let deadline = async {
            match opts.timeout {
                Some(t) => sleep_until(t.deadline).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            biased;
            s = interrupt.wait() => Race::Signal(s),
            () = deadline => Race::Deadline,
            r = work => Race::Done(r),
        }
    };
    match raced {
        Race::Done(Err(e)) => Err(e),
        Race::Done(Ok(task)) => {
            record_stop(&w.stop_log, StopPhase::Done(StopResult::AlreadyStopped));
            let drained = match follower {
                Some(f) => {
                    let drain = drain(f, out, &task, opts.log_grace);
                    tokio::select! {
                        biased;
                        s = interrupt.wait() => Some(s),
                        () = drain => None,
                    }
                }
                None => None,
            };
            Ok(match drained {
                Some(sig) => Ending::Interrupted(sig, StopResult::AlreadyStopped),
                None => Ending::Stopped(Box::new(task)),
            })
        }
        Race::Signal(sig) => {
            let stop = if opts.leave_running {
                record_stop(&w.stop_log, StopPhase::Done(StopResult::LeftRunning));
                StopResult::LeftRunning
            } else {
                w.report.status(format_args!(
                    "{}: stopping task {}",
                    sig.name(),
                    task_id(&w.task_arn)
                ));
                stop_task(w, &format!("ecs-run-wait was interrupted ({})", sig.name())).await
            };
            Ok(Ending::Interrupted(sig, stop))
        }
        Race::Deadline => {
            let timeout = opts
                .timeout
                .map(|t| duration::format(t.limit))
                .unwrap_or_default();
            let stop = if opts.leave_running {
                record_stop(&w.stop_log, StopPhase::Done(StopResult::LeftRunning));
                StopResult::LeftRunning
            } else {
                w.report.status(format_args!(
                    "--timeout {timeout} expired: stopping task {}",
                    task_id(&w.task_arn)
                ));
                stop_task(w, &format!("ecs-run-wait: --timeout {timeout} expired")).await
            };
            // What was written until now, without waiting for the shutdown's last lines.
            if let Some(f) = follower {
                let last_read = f.poll(out);
                tokio::select! {
                    biased;
                    _ = interrupt.wait() => {},
                    _ = tokio::time::timeout(opts.log_grace, last_read) => {},
                }
            }
            Ok(Ending::TimedOut(stop))
        }
    }
}

/// StopTask with a reason naming the tool, bounded in time (a CI runner kills soon after its
/// signal).
pub async fn stop_task(w: &mut Watch<'_>, reason: &str) -> StopResult {
    record_stop(&w.stop_log, StopPhase::Sending);
    let result = send_stop(w, reason).await;
    record_stop(&w.stop_log, StopPhase::Done(result.clone()));
    result
}

async fn send_stop(w: &mut Watch<'_>, reason: &str) -> StopResult {
    let call = w
        .ecs
        .stop_task()
        .cluster(&w.cluster)
        .task(&w.task_arn)
        .reason(reason)
        .send();
    match tokio::time::timeout(Duration::from_secs(10), call).await {
        Ok(Ok(out)) => {
            if let Some(t) = out.task() {
                w.last = Some(t.clone());
            }
            StopResult::Sent
        }
        Ok(Err(e)) => w.stop_failed(AwsError::from_sdk("StopTask", e).to_string()),
        Err(_) => w.stop_failed("StopTask did not answer within 10s".to_owned()),
    }
}

impl Watch<'_> {
    fn stop_failed(&self, error: String) -> StopResult {
        StopResult::Failed {
            error,
            cluster: self.cluster.clone(),
            task_arn: self.task_arn.clone(),
        }
    }
}

enum Seen {
    Task(Box<Task>),
    Missing(String),
}

async fn describe(ecs: &Client, cluster: &str, arn: &str) -> Result<Seen, AwsError> {
    let out = ecs
        .describe_tasks()
        .cluster(cluster)
        .tasks(arn)
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
enum LookupError {
    /// An error that trying again would not cure (credentials, access, no such cluster).
    Failed(AwsError),
    /// Absent from DescribeTasks (or MISSING) for longer than the grace period.
    Lost(String),
}

/// One task looked up with DescribeTasks, again and again: what `--attach` and the wait share.
/// Throttling and transient errors are retried with backoff (at least `poll` apart); a task
/// absent from the answer, or MISSING, is eventual consistency right after RunTask and is
/// looked for again every 2 s (at most `poll`) for `missing_grace`.
struct Lookup<'a> {
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
    fn new(
        ecs: &'a Client,
        cluster: &'a str,
        arn: &'a str,
        opts: &WaitOptions,
        report: Reporter,
    ) -> Lookup<'a> {
        Lookup {
            ecs,
            cluster,
            arn,
            poll: opts.poll,
            missing_grace: opts.missing_grace,
            report,
            missing_since: None,
            failures: 0,
        }
    }

    /// Describe the task until it is in the answer, following the logs in between.
    async fn until_seen(
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
async fn follow_until(
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

fn resume_hint(arn: &str) -> String {
    format!("the task keeps running; to wait for it again: ecs-run-wait --attach {arn}")
}

async fn poll_until_stopped(
    w: &mut Watch<'_>,
    mut follower: Option<&mut Follower>,
    out: &mut dyn Write,
    opts: &WaitOptions,
) -> anyhow::Result<Task> {
    if let Some(t) = &w.last
        && t.last_status() == Some("STOPPED")
    {
        return Ok(t.clone());
    }
    let id = task_id(&w.task_arn).to_owned();
    let mut shown_status = w
        .last
        .as_ref()
        .and_then(|t| t.last_status().map(str::to_owned));
    if w.last.is_some() {
        let next = Instant::now() + opts.poll;
        follow_until(next, follower.as_deref_mut(), out, opts.log_interval).await;
    }
    let mut lookup = Lookup::new(w.ecs, &w.cluster, &w.task_arn, opts, w.report);
    loop {
        let task = match lookup
            .until_seen(follower.as_deref_mut(), out, opts.log_interval)
            .await
        {
            Ok(task) => task,
            Err(LookupError::Lost(message)) => return Err(anyhow::anyhow!(message)),
            Err(LookupError::Failed(e)) if e.kind == ErrorKind::Credentials => {
                return Err(anyhow::Error::new(e).context(format!(
                    "AWS credentials expired or were rejected while waiting for task {}; {}",
                    w.task_arn,
                    resume_hint(&w.task_arn)
                )));
            }
            Err(LookupError::Failed(e)) => {
                return Err(anyhow::Error::new(e).context(format!(
                    "cannot follow task {} any more; {}",
                    w.task_arn,
                    resume_hint(&w.task_arn)
                )));
            }
        };
        let status = task.last_status().unwrap_or("UNKNOWN").to_owned();
        if shown_status.as_deref() != Some(&status) {
            w.report.status(format_args!("task {id} is {status}"));
            shown_status = Some(status.clone());
        }
        w.last = Some(task.clone());
        if status == "STOPPED" {
            return Ok(task);
        }
        let next = Instant::now() + opts.poll;
        follow_until(next, follower.as_deref_mut(), out, opts.log_interval).await;
    }
}

/// After the task stopped: read until every stream is caught up and `grace` has passed since
/// the containers stopped (CloudWatch ingestion lags). A task that failed to start wrote
/// nothing: one read.
async fn drain(f: &mut Follower, out: &mut dyn Write, task: &Task, grace: Duration) {
    let seen = Instant::now();
    let extra = if task
        .stop_code()
        .map(aws_sdk_ecs::types::TaskStopCode::as_str)
        == Some(FAILED_TO_START)
    {
        Duration::ZERO
    } else {
        let stopped = task
            .execution_stopped_at()
            .or(task.stopped_at())
            .and_then(|t| SystemTime::try_from(*t).ok());
        match stopped {
            // Measured from AWS's clock, never longer than `grace` from now.
            Some(at) => (at + grace)
                .duration_since(SystemTime::now())
                .unwrap_or(Duration::ZERO)
                .min(grace),
            None => grace,
        }
    };
    let until = seen + extra;
    // Reads that keep failing do not hold the exit code back for long.
    let give_up = until + Duration::from_secs(10);
    loop {
        let caught_up = f.poll(out).await;
        let now = Instant::now();
        if f.finished() || (caught_up && now >= until) || now >= give_up {
            return;
        }
        let pause = until
            .saturating_duration_since(now)
            .clamp(Duration::from_millis(200), Duration::from_secs(1));
        sleep(pause).await;
    }
}

/// Find a task for `--attach`: looked up like the wait does (eventual consistency, throttling
/// and network errors retried).
pub async fn find_task(
    ecs: &Client,
    cluster: &str,
    task: &str,
    opts: &WaitOptions,
    report: Reporter,
) -> anyhow::Result<Task> {
    let mut lookup = Lookup::new(ecs, cluster, task, opts, report);
    match lookup
        .until_seen(None, &mut std::io::sink(), opts.log_interval)
        .await
    {
        Ok(task) => Ok(task),
        Err(LookupError::Lost(message)) => Err(anyhow::anyhow!(message)),
        Err(LookupError::Failed(e)) => {
            Err(anyhow::Error::new(e)
                .context(format!("cannot find task {task} in cluster {cluster}")))
        }
    }
}

// The emulator cannot produce these on demand: RunTask failures[] (moto hard-codes []),
// capacity retries, throttling and MISSING answers, expired credentials. So they run here, on
// SDK clients whose answers aws-smithy-mocks scripts; time is paused so polls take no time.
#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use aws_sdk_ecs::operation::describe_tasks::DescribeTasksOutput;
    use aws_sdk_ecs::operation::run_task::RunTaskOutput;
    use aws_sdk_ecs::operation::stop_task::StopTaskOutput;
    use aws_sdk_ecs::types::{Container, Failure, TaskStopCode};
    use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
    use aws_smithy_runtime_api::http::{Response, StatusCode};
    use aws_smithy_types::body::SdkBody;

    use super::*;
    use crate::logs::LogsClients;
    use crate::outcome::{Ended, Verdict, decide};
    use crate::taskdef::LogTarget;

    const ARN: &str = "arn:aws:ecs:us-east-2:123456789012:task/ci/0123abcd";

    fn ecs(rules: &[&Rule]) -> Client {
        mock_client!(aws_sdk_ecs, RuleMode::MatchAny, rules, |c| c
            .retry_config(aws_sdk_ecs::config::retry::RetryConfig::disabled()))
    }

    fn task(status: &str) -> Task {
        Task::builder().task_arn(ARN).last_status(status).build()
    }

    fn described(t: Task) -> DescribeTasksOutput {
        DescribeTasksOutput::builder().tasks(t).build()
    }

    fn missing() -> DescribeTasksOutput {
        DescribeTasksOutput::builder()
            .failures(Failure::builder().arn(ARN).reason("MISSING").build())
            .build()
    }

    fn error(code: &str, message: &str) -> Response {
        Response::new(
            StatusCode::try_from(400).unwrap(),
            SdkBody::from(format!(r#"{{"__type":"{code}","message":"{message}"}}"#)),
        )
    }

    fn failed(reason: &str, detail: Option<&str>) -> RunTaskOutput {
        RunTaskOutput::builder()
            .failures(
                Failure::builder()
                    .arn("arn:aws:ecs:us-east-2:123456789012:container-instance/ci/1")
                    .reason(reason)
                    .set_detail(detail.map(Into::into))
                    .build(),
            )
            .build()
    }

    fn started() -> RunTaskOutput {
        RunTaskOutput::builder().tasks(task("PROVISIONING")).build()
    }

    fn input() -> RunTaskInputBuilder {
        RunTaskInputBuilder::default()
            .cluster("ci")
            .task_definition("migrate:3")
    }

    const FAST: Backoff = Backoff {
        capacity: Duration::from_millis(1),
        transient: Duration::from_millis(1),
    };
    const REPORT: Reporter = Reporter { quiet: true };

    /// Records the client token of every RunTask call.
    fn tokens() -> (
        Arc<Mutex<Vec<String>>>,
        impl Fn(&aws_sdk_ecs::operation::run_task::RunTaskInput) -> bool,
    ) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s = seen.clone();
        (
            seen,
            move |req: &aws_sdk_ecs::operation::run_task::RunTaskInput| {
                s.lock()
                    .unwrap()
                    .push(req.client_token().unwrap_or_default().to_owned());
                true
            },
        )
    }

    fn never() -> Interrupt {
        Interrupt::channel().1
    }

    #[tokio::test]
    async fn capacity_failures_are_retried_with_a_new_token() {
        let (seen, record) = tokens();
        let rule = mock!(Client::run_task)
            .match_requests(record)
            .sequence()
            .output(|| failed("RESOURCE:MEMORY", None))
            .output(|| {
                failed(
                    "Capacity is unavailable at this time. Please try again later or in a different availability zone",
                    None,
                )
            })
            .output(started)
            .build();
        let client = ecs(&[&rule]);
        let out = start(&client, &input(), None, 3, FAST, &mut never(), REPORT)
            .await
            .unwrap();
        assert!(matches!(out, Started::Task(t) if t.task_arn() == Some(ARN)));
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 3);
        assert!(seen[0] != seen[1] && seen[1] != seen[2], "{seen:?}");
    }

    #[tokio::test]
    async fn a_callers_token_gives_a_replayable_sequence() {
        let (seen, record) = tokens();
        let rule = mock!(Client::run_task)
            .match_requests(record)
            .sequence()
            .output(|| failed("RESOURCE:CPU", None))
            .output(started)
            .build();
        let client = ecs(&[&rule]);
        start(
            &client,
            &input(),
            Some("run-77"),
            3,
            FAST,
            &mut never(),
            REPORT,
        )
        .await
        .unwrap();
        assert_eq!(*seen.lock().unwrap(), ["run-77", "run-77-2"]);
    }

    #[tokio::test]
    async fn other_failures_fail_at_once_and_retries_run_out() {
        let rule = mock!(Client::run_task).then_output(|| {
            failed(
                "ATTRIBUTE",
                Some("MemberOf placement constraint unsatisfied"),
            )
        });
        let client = ecs(&[&rule]);
        let err = start(&client, &input(), None, 3, FAST, &mut never(), REPORT)
            .await
            .unwrap_err();
        assert_eq!(rule.num_calls(), 1);
        let failure = err.downcast_ref::<StartFailed>().unwrap();
        assert_eq!(failure.failures[0].reason.as_deref(), Some("ATTRIBUTE"));
        assert_eq!(
            err.to_string(),
            "RunTask failed: ATTRIBUTE (MemberOf placement constraint unsatisfied) \
             [arn: arn:aws:ecs:us-east-2:123456789012:container-instance/ci/1]"
        );

        let rule = mock!(Client::run_task).then_output(|| failed("RESOURCE:MEMORY", None));
        let client = ecs(&[&rule]);
        let err = start(&client, &input(), None, 2, FAST, &mut never(), REPORT)
            .await
            .unwrap_err();
        assert_eq!(rule.num_calls(), 3, "one start and two retries");
        assert!(err.to_string().ends_with("(after 3 attempts)"), "{err}");
    }

    #[tokio::test]
    async fn throttling_is_retried_with_the_same_token() {
        let (seen, record) = tokens();
        let rule = mock!(Client::run_task)
            .match_requests(record)
            .sequence()
            .http_response(|| error("ThrottlingException", "Rate exceeded"))
            .output(started)
            .build();
        let client = ecs(&[&rule]);
        let out = start(&client, &input(), None, 3, FAST, &mut never(), REPORT)
            .await
            .unwrap();
        assert!(matches!(out, Started::Task(_)));
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 2);
        assert_eq!(
            seen[0], seen[1],
            "a retried call must not start a second task"
        );
    }

    #[tokio::test]
    async fn a_signal_during_run_task_hands_back_the_task_to_stop() {
        let rule = mock!(Client::run_task).then_output(started);
        let client = ecs(&[&rule]);
        let (tx, mut interrupt) = Interrupt::channel();
        tx.send(Some(Signal::Term)).unwrap();
        let out = start(&client, &input(), None, 3, FAST, &mut interrupt, REPORT)
            .await
            .unwrap();
        assert!(
            matches!(out, Started::Interrupted(Signal::Term, Some(t)) if t.task_arn() == Some(ARN))
        );
    }

    fn opts() -> WaitOptions {
        WaitOptions {
            poll: Duration::from_secs(6),
            timeout: None,
            leave_running: false,
            log_grace: Duration::from_secs(5),
            missing_grace: Duration::from_mins(1),
            log_interval: Duration::from_secs(2),
        }
    }

    async fn run_watch(
        client: &Client,
        opts: &WaitOptions,
        interrupt: &mut Interrupt,
    ) -> anyhow::Result<Ending> {
        let mut w = Watch {
            ecs: client,
            cluster: "ci".into(),
            task_arn: ARN.into(),
            last: Some(task("PROVISIONING")),
            report: REPORT,
            stop_log: StopLog::default(),
        };
        watch(&mut w, None, &mut Vec::new(), opts, interrupt).await
    }

    #[tokio::test(start_paused = true)]
    async fn missing_then_found_then_several_containers_stop() {
        let stopped = || {
            let t = Task::builder()
                .task_arn(ARN)
                .last_status("STOPPED")
                .stop_code(TaskStopCode::EssentialContainerExited)
                .containers(Container::builder().name("app").exit_code(0).build())
                .containers(Container::builder().name("worker").exit_code(2).build())
                .containers(Container::builder().name("init").build());
            described(t.build())
        };
        let rule = mock!(Client::describe_tasks)
            .sequence()
            .output(missing)
            .times(3)
            .output(|| described(task("PENDING")))
            .output(|| described(task("RUNNING")))
            .output(stopped)
            .build();
        let client = ecs(&[&rule]);
        let Ending::Stopped(t) = run_watch(&client, &opts(), &mut never()).await.unwrap() else {
            panic!("not stopped");
        };
        assert_eq!(rule.num_calls(), 6);
        let verdict = decide(
            &Ended::from_task(&t),
            &["app".into(), "worker".into()],
            None,
        );
        assert_eq!(
            verdict,
            Verdict::Exit {
                code: 2,
                who: "container worker".into()
            }
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_task_that_stays_missing_is_lost() {
        let rule = mock!(Client::describe_tasks).then_output(missing);
        let client = ecs(&[&rule]);
        let begin = Instant::now();
        let err = run_watch(&client, &opts(), &mut never()).await.unwrap_err();
        assert!(begin.elapsed() >= Duration::from_mins(1));
        let msg = format!("{err:#}");
        assert!(
            msg.contains("is not found in cluster ci (DescribeTasks: MISSING)"),
            "{msg}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn throttling_and_server_errors_while_waiting_are_retried() {
        let rule = mock!(Client::describe_tasks)
            .sequence()
            .http_response(|| error("ThrottlingException", "Rate exceeded"))
            .times(2)
            .http_status(503, None)
            .output(|| described(task("RUNNING")))
            .http_response(|| error("ThrottlingException", "Rate exceeded"))
            .output(|| described(task("STOPPED")))
            .build();
        let client = ecs(&[&rule]);
        let ending = run_watch(&client, &opts(), &mut never()).await.unwrap();
        assert!(matches!(ending, Ending::Stopped(_)));
        assert_eq!(rule.num_calls(), 6);
    }

    #[tokio::test(start_paused = true)]
    async fn expired_credentials_say_how_to_resume() {
        let rule = mock!(Client::describe_tasks)
            .sequence()
            .output(|| described(task("RUNNING")))
            .http_response(|| {
                error(
                    "ExpiredTokenException",
                    "The security token included in the request is expired",
                )
            })
            .build();
        let client = ecs(&[&rule]);
        let err = run_watch(&client, &opts(), &mut never()).await.unwrap_err();
        let msg = format!("{err:#}");
        assert!(msg.starts_with(&format!(
            "AWS credentials expired or were rejected while waiting for task {ARN}; the task keeps running; \
             to wait for it again: ecs-run-wait --attach {ARN}: DescribeTasks: ExpiredTokenException"
        )), "{msg}");
    }

    #[tokio::test(start_paused = true)]
    async fn access_denied_ends_the_wait_with_the_resume_hint() {
        let rule = mock!(Client::describe_tasks).then_http_response(|| {
            error(
                "AccessDeniedException",
                "not authorized to perform ecs:DescribeTasks",
            )
        });
        let client = ecs(&[&rule]);
        let msg = format!(
            "{:#}",
            run_watch(&client, &opts(), &mut never()).await.unwrap_err()
        );
        assert!(msg.contains("cannot follow task"), "{msg}");
        assert!(
            msg.contains(&format!("ecs-run-wait --attach {ARN}")),
            "{msg}"
        );
        assert_eq!(rule.num_calls(), 1, "not retried");
    }

    fn stop_rule(reasons: Arc<Mutex<Vec<String>>>) -> Rule {
        mock!(Client::stop_task)
            .match_requests(move |r| {
                reasons
                    .lock()
                    .unwrap()
                    .push(r.reason().unwrap_or_default().to_owned());
                r.task() == Some(ARN) && r.cluster() == Some("ci")
            })
            .then_output(|| StopTaskOutput::builder().task(task("STOPPED")).build())
    }

    #[tokio::test(start_paused = true)]
    async fn timeout_stops_the_task() {
        let running = mock!(Client::describe_tasks).then_output(|| described(task("RUNNING")));
        let reasons = Arc::new(Mutex::new(Vec::new()));
        let stop = stop_rule(reasons.clone());
        let client = ecs(&[&running, &stop]);
        let mut o = opts();
        o.timeout = Some(Timeout::from_now(Duration::from_secs(30)));
        let ending = run_watch(&client, &o, &mut never()).await.unwrap();
        assert!(matches!(ending, Ending::TimedOut(StopResult::Sent)));
        assert_eq!(
            *reasons.lock().unwrap(),
            ["ecs-run-wait: --timeout 30s expired"]
        );

        o.leave_running = true;
        o.timeout = Some(Timeout::from_now(Duration::from_secs(30)));
        let ending = run_watch(&client, &o, &mut never()).await.unwrap();
        assert!(matches!(ending, Ending::TimedOut(StopResult::LeftRunning)));
        assert_eq!(stop.num_calls(), 1, "--leave-running sends no StopTask");
    }

    #[tokio::test(start_paused = true)]
    async fn a_signal_stops_the_task() {
        let running = mock!(Client::describe_tasks).then_output(|| described(task("RUNNING")));
        let reasons = Arc::new(Mutex::new(Vec::new()));
        let stop = stop_rule(reasons.clone());
        let client = ecs(&[&running, &stop]);
        let (tx, mut interrupt) = Interrupt::channel();
        tokio::spawn(async move {
            sleep(Duration::from_secs(20)).await;
            tx.send(Some(Signal::Int)).unwrap();
            std::future::pending::<()>().await;
        });
        let ending = run_watch(&client, &opts(), &mut interrupt).await.unwrap();
        assert!(matches!(
            ending,
            Ending::Interrupted(Signal::Int, StopResult::Sent)
        ));
        assert_eq!(
            *reasons.lock().unwrap(),
            ["ecs-run-wait was interrupted (SIGINT)"]
        );
        assert!(running.num_calls() >= 3);
    }

    #[tokio::test(start_paused = true)]
    async fn the_drain_reads_lines_that_arrive_after_the_stop() {
        use aws_sdk_cloudwatchlogs::operation::get_log_events::GetLogEventsOutput;
        use aws_sdk_cloudwatchlogs::types::OutputLogEvent;
        let described_stop =
            mock!(Client::describe_tasks).then_output(|| described(task("STOPPED")));
        let client = ecs(&[&described_stop]);
        let page = |token: &str, msg: Option<&str>| {
            let mut b = GetLogEventsOutput::builder().next_forward_token(token);
            if let Some(m) = msg {
                b = b.events(OutputLogEvent::builder().message(m).build());
            }
            b.build()
        };
        // Empty until the third read after the stop: ingestion lag.
        let logs_rule = mock!(aws_sdk_cloudwatchlogs::Client::get_log_events)
            .sequence()
            .output(move || page("f/0", None))
            .times(3)
            .output(move || page("f/1", Some("last words")))
            .output(move || page("f/1", None))
            .repeatedly()
            .build();
        let logs = mock_client!(aws_sdk_cloudwatchlogs, RuleMode::MatchAny, [&logs_rule]);
        let mut follower = Follower::new(
            vec![LogTarget {
                container: "app".into(),
                group: "/ecs/migrate".into(),
                region: None,
                stream: "ecs/app/0123abcd".into(),
            }],
            LogsClients::fixed(logs),
            false,
            "0123abcd",
            REPORT,
        );
        let mut w = Watch {
            ecs: &client,
            cluster: "ci".into(),
            task_arn: ARN.into(),
            last: None,
            report: REPORT,
            stop_log: StopLog::default(),
        };
        let mut out = Vec::new();
        let ending = watch(&mut w, Some(&mut follower), &mut out, &opts(), &mut never())
            .await
            .unwrap();
        assert!(matches!(ending, Ending::Stopped(_)));
        assert_eq!(String::from_utf8(out).unwrap(), "last words\n");
    }

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
        let found = find_task(&client, "ci", ARN, &opts(), REPORT)
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
        let err = find_task(&client, "ci", ARN, &opts(), REPORT)
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
        let err = find_task(&client, "ci", ARN, &opts(), REPORT)
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

    #[tokio::test(start_paused = true)]
    async fn a_failed_stop_says_which_task_and_how_to_stop_it() {
        let running = mock!(Client::describe_tasks).then_output(|| described(task("RUNNING")));
        let stop = mock!(Client::stop_task).then_http_response(|| {
            error(
                "AccessDeniedException",
                "not authorized to perform ecs:StopTask",
            )
        });
        let client = ecs(&[&running, &stop]);
        let (tx, mut interrupt) = Interrupt::channel();
        tx.send(Some(Signal::Term)).unwrap();
        let Ending::Interrupted(Signal::Term, stopped) =
            run_watch(&client, &opts(), &mut interrupt).await.unwrap()
        else {
            panic!("not interrupted");
        };
        assert_eq!(
            stopped.to_string(),
            format!(
                "task {ARN} could NOT be stopped and may still run: StopTask: AccessDeniedException: \
                 not authorized to perform ecs:StopTask; stop it with: aws ecs stop-task \
                 --region us-east-2 --cluster ci --task {ARN}"
            )
        );
    }
}
