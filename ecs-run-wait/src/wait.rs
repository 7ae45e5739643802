//! Waiting for the task to stop: DescribeTasks every `--poll` (`lookup.rs`), the logs
//! followed in between, the final drain of the logs once it stopped, and StopTask
//! (`stop.rs`) when `--timeout` expires or a signal comes first.

use std::io::Write;
use std::time::{Duration, SystemTime};

use aws_sdk_ecs::Client;
use aws_sdk_ecs::types::Task;
use cli_support::aws::ErrorKind;
use cli_support::duration;
use cli_support::signal::{Signal, Signals};
use tokio::time::{Instant, sleep, sleep_until};

use crate::arn::task_id;
use crate::logs::Follower;
use crate::lookup::{Lookup, LookupError, follow_until};
use crate::outcome::FAILED_TO_START;
use crate::status::Reporter;
use crate::stop::{StopLog, StopPhase, StopResult, record_stop, stop_task};

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

impl Watch<'_> {
    /// StopTask for the watched task; what it answered becomes the last seen.
    async fn stop(&mut self, reason: &str) -> StopResult {
        let (result, task) = stop_task(
            self.ecs,
            &self.cluster,
            &self.task_arn,
            reason,
            &self.stop_log,
        )
        .await;
        if let Some(t) = task {
            self.last = Some(t);
        }
        result
    }
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
    signals: &Signals,
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
            s = signals.first() => Race::Signal(s),
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
                        s = signals.first() => Some(s),
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
                w.stop(&format!("ecs-run-wait was interrupted ({})", sig.name()))
                    .await
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
                w.stop(&format!("ecs-run-wait: --timeout {timeout} expired"))
                    .await
            };
            // What was written until now, without waiting for the shutdown's last lines.
            if let Some(f) = follower {
                let last_read = f.poll(out);
                tokio::select! {
                    biased;
                    _ = signals.first() => {},
                    _ = tokio::time::timeout(opts.log_grace, last_read) => {},
                }
            }
            Ok(Ending::TimedOut(stop))
        }
    }
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
    let mut lookup = Lookup::new(
        w.ecs,
        &w.cluster,
        &w.task_arn,
        opts.poll,
        opts.missing_grace,
        w.report,
    );
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

/// How long the drain after the stop goes on without a line read before it gives up.
const DRAIN_STALL: Duration = Duration::from_secs(10);

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
    // Reads that keep failing do not hold the exit code back for long; reads that bring
    // lines go on (a long stream at the stop, `--attach` to a finished task, takes as long
    // as its pages take).
    let mut give_up = until + DRAIN_STALL;
    loop {
        let before = f.lines();
        let caught_up = f.poll(out).await;
        let now = Instant::now();
        if f.lines() > before {
            give_up = give_up.max(now + DRAIN_STALL);
        }
        if f.finished() || (caught_up && now >= until) || now >= give_up {
            return;
        }
        if !caught_up && f.lines() > before {
            // Pages are waiting (a poll reads at most 50 a stream): no pause before the next.
            continue;
        }
        let pause = until
            .saturating_duration_since(now)
            .clamp(Duration::from_millis(200), Duration::from_secs(1));
        sleep(pause).await;
    }
}

// Time is paused so polls take no time.
#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use aws_sdk_ecs::operation::stop_task::StopTaskOutput;
    use aws_sdk_ecs::types::{Container, TaskStopCode};
    use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};

    use super::*;
    use crate::log_clients::LogsClients;
    use crate::mocks::{ARN, QUIET, described, ecs, error, missing, production_retries, task};
    use crate::outcome::{Ended, Verdict, decide};
    use crate::taskdef::LogTarget;

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
        signals: &Signals,
    ) -> anyhow::Result<Ending> {
        let mut w = Watch {
            ecs: client,
            cluster: "ci".into(),
            task_arn: ARN.into(),
            last: Some(task("PROVISIONING")),
            report: QUIET,
            stop_log: StopLog::default(),
        };
        watch(&mut w, None, &mut Vec::new(), opts, signals).await
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
        let Ending::Stopped(t) = run_watch(&client, &opts(), &Signals::never())
            .await
            .unwrap()
        else {
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
        let err = run_watch(&client, &opts(), &Signals::never())
            .await
            .unwrap_err();
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
        let ending = run_watch(&client, &opts(), &Signals::never())
            .await
            .unwrap();
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
        let err = run_watch(&client, &opts(), &Signals::never())
            .await
            .unwrap_err();
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
            run_watch(&client, &opts(), &Signals::never())
                .await
                .unwrap_err()
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
        let ending = run_watch(&client, &o, &Signals::never()).await.unwrap();
        assert!(matches!(ending, Ending::TimedOut(StopResult::Sent)));
        assert_eq!(
            *reasons.lock().unwrap(),
            ["ecs-run-wait: --timeout 30s expired"]
        );

        o.leave_running = true;
        o.timeout = Some(Timeout::from_now(Duration::from_secs(30)));
        let ending = run_watch(&client, &o, &Signals::never()).await.unwrap();
        assert!(matches!(ending, Ending::TimedOut(StopResult::LeftRunning)));
        assert_eq!(stop.num_calls(), 1, "--leave-running sends no StopTask");
    }

    #[tokio::test(start_paused = true)]
    async fn a_signal_stops_the_task() {
        let running = mock!(Client::describe_tasks).then_output(|| described(task("RUNNING")));
        let reasons = Arc::new(Mutex::new(Vec::new()));
        let stop = stop_rule(reasons.clone());
        let client = ecs(&[&running, &stop]);
        let (trigger, signals) = Signals::manual();
        tokio::spawn(async move {
            sleep(Duration::from_secs(20)).await;
            trigger.send(Signal::Int);
            std::future::pending::<()>().await;
        });
        let ending = run_watch(&client, &opts(), &signals).await.unwrap();
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
        let logs = mock_client!(
            aws_sdk_cloudwatchlogs,
            RuleMode::MatchAny,
            [&logs_rule],
            |c| c.retry_config(production_retries())
        );
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
            QUIET,
        );
        let mut w = Watch {
            ecs: &client,
            cluster: "ci".into(),
            task_arn: ARN.into(),
            last: None,
            report: QUIET,
            stop_log: StopLog::default(),
        };
        let mut out = Vec::new();
        let ending = watch(
            &mut w,
            Some(&mut follower),
            &mut out,
            &opts(),
            &Signals::never(),
        )
        .await
        .unwrap();
        assert!(matches!(ending, Ending::Stopped(_)));
        assert_eq!(String::from_utf8(out).unwrap(), "last words\n");
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
        let (trigger, signals) = Signals::manual();
        trigger.send(Signal::Term);
        let Ending::Interrupted(Signal::Term, stopped) =
            run_watch(&client, &opts(), &signals).await.unwrap()
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
