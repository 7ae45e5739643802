//! Starting the task: RunTask, with `--start-retries` retries of capacity failures (each with a
//! new client token). Throttling and transient errors are the SDK's to retry (`retry.rs`).

use std::fmt;
use std::time::Duration;

use aws_sdk_ecs::Client;
use aws_sdk_ecs::operation::run_task::builders::RunTaskInputBuilder;
use aws_sdk_ecs::types::{Failure, Task};
use cli_support::aws::AwsResultExt as _;
use cli_support::duration;
use cli_support::signal::{Signal, Signals};
use tokio::time::sleep;

use crate::plan::attempt_token;
use crate::retry::backoff;
use crate::status::Reporter;

/// A RunTask `failures[]` entry; the summary's `failures` members (`arn`, `reason`,
/// `detail`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
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

/// The first pause before a start attempt after a capacity failure (then doubled, with
/// jitter: `retry::backoff`).
pub const CAPACITY_PAUSE: Duration = Duration::from_secs(5);

/// RunTask: capacity failures are retried `retries` times with backoff and a new token;
/// throttling and transient errors are the SDK's to retry (the same request, the same token:
/// no second task); anything else fails at once. A signal during a backoff ends the start; one
/// during a RunTask call is acted on once the call returns (its task, if any, is given back
/// to be stopped).
pub async fn start(
    ecs: &Client,
    input: &RunTaskInputBuilder,
    client_token: Option<&str>,
    retries: u32,
    capacity_pause: Duration,
    signals: &Signals,
    report: Reporter,
) -> anyhow::Result<Started> {
    let mut attempt = 1;
    loop {
        let token = attempt_token(client_token, attempt);
        let call = input.clone().client_token(&token).send_with(ecs);
        tokio::pin!(call);
        let result = if signals.fired().is_some() {
            call.await
        } else {
            tokio::select! {
                biased;
                r = &mut call => r,
                sig = signals.first() => {
                    // Said at once, so that whoever sent it knows it was heard.
                    report.status(format_args!(
                        "{}: waiting for RunTask's answer to act on the task it starts (a \
                         second signal exits at once)",
                        sig.name()
                    ));
                    call.await
                }
            }
        }
        .aws("RunTask");
        if let Some(sig) = signals.fired() {
            let task = result
                .ok()
                .and_then(|o| o.tasks().first().cloned())
                .map(Box::new);
            return Ok(Started::Interrupted(sig, task));
        }
        let out = result?;
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
        let pause = backoff(capacity_pause, attempt);
        let list: Vec<String> = failures.iter().map(ToString::to_string).collect();
        cli_support::warn(format_args!(
            "RunTask: no capacity: {}; trying again in {} (retry {attempt} of {retries})",
            list.join("; "),
            duration::format(pause)
        ));
        if let Some(sig) = pause_or_signal(pause, signals).await {
            return Ok(Started::Interrupted(sig, None));
        }
        attempt += 1;
        report.status(format_args!("starting again (attempt {attempt})"));
    }
}

async fn pause_or_signal(pause: Duration, signals: &Signals) -> Option<Signal> {
    tokio::select! {
        biased;
        s = signals.first() => Some(s),
        () = sleep(pause) => None,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use aws_sdk_ecs::operation::run_task::RunTaskOutput;
    use aws_smithy_mocks::{RuleMode, mock, mock_client};
    use aws_smithy_runtime_api::box_error::BoxError;
    use aws_smithy_runtime_api::client::interceptors::Intercept;
    use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
    use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
    use aws_smithy_types::config_bag::ConfigBag;

    use super::*;
    use crate::mocks::{ARN, QUIET, ecs, error, production_retries, task};

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

    const FAST: Duration = Duration::from_millis(1);

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
        let out = start(&client, &input(), None, 3, FAST, &Signals::never(), QUIET)
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
            &Signals::never(),
            QUIET,
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
        let err = start(&client, &input(), None, 3, FAST, &Signals::never(), QUIET)
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
        let err = start(&client, &input(), None, 2, FAST, &Signals::never(), QUIET)
            .await
            .unwrap_err();
        assert_eq!(rule.num_calls(), 3, "one start and two retries");
        assert!(err.to_string().ends_with("(after 3 attempts)"), "{err}");
    }

    /// Records the clientToken of every RunTask request sent, each retry included (the mock's
    /// matcher sees the input once per call, before the SDK's retries).
    #[derive(Debug, Clone, Default)]
    struct SentTokens(Arc<Mutex<Vec<String>>>);

    impl Intercept for SentTokens {
        fn name(&self) -> &'static str {
            "SentTokens"
        }

        fn read_before_transmit(
            &self,
            ctx: &BeforeTransmitInterceptorContextRef<'_>,
            _: &RuntimeComponents,
            _: &mut ConfigBag,
        ) -> Result<(), BoxError> {
            let body: serde_json::Value =
                serde_json::from_slice(ctx.request().body().bytes().unwrap_or_default())?;
            let token = body["clientToken"].as_str().unwrap_or_default().to_owned();
            self.0.lock().unwrap().push(token);
            Ok(())
        }
    }

    // The SDK's retry (its backoff passes in paused time).
    #[tokio::test(start_paused = true)]
    async fn throttling_is_retried_with_the_same_token() {
        let sent = SentTokens::default();
        let rule = mock!(Client::run_task)
            .sequence()
            .http_response(|| error("ThrottlingException", "Rate exceeded"))
            .output(started)
            .build();
        let recorder = sent.clone();
        let client = mock_client!(aws_sdk_ecs, RuleMode::MatchAny, [&rule], |c| c
            .retry_config(production_retries())
            .interceptor(recorder.clone()));
        let out = start(&client, &input(), None, 3, FAST, &Signals::never(), QUIET)
            .await
            .unwrap();
        assert!(matches!(out, Started::Task(_)));
        assert_eq!(rule.num_calls(), 2);
        let sent = sent.0.lock().unwrap();
        assert_eq!(sent.len(), 2);
        assert_eq!(
            sent[0], sent[1],
            "a retried call must not start a second task"
        );
    }

    // One retry layer: the SDK's attempts (cli_support::aws::DEFAULT_MAX_ATTEMPTS unless the
    // user sets them), none added on top.
    #[tokio::test(start_paused = true)]
    async fn throttling_that_lasts_fails_after_the_sdks_attempts() {
        let rule = mock!(Client::run_task)
            .then_http_response(|| error("ThrottlingException", "Rate exceeded"));
        let client = ecs(&[&rule]);
        let err = start(&client, &input(), None, 3, FAST, &Signals::never(), QUIET)
            .await
            .unwrap_err();
        assert_eq!(
            rule.num_calls(),
            cli_support::aws::DEFAULT_MAX_ATTEMPTS as usize
        );
        assert_eq!(
            format!("{err:#}"),
            "RunTask: ThrottlingException: Rate exceeded"
        );
    }

    #[tokio::test]
    async fn a_signal_during_run_task_hands_back_the_task_to_stop() {
        let rule = mock!(Client::run_task).then_output(started);
        let client = ecs(&[&rule]);
        let (trigger, signals) = Signals::manual();
        trigger.send(Signal::Term);
        let out = start(&client, &input(), None, 3, FAST, &signals, QUIET)
            .await
            .unwrap();
        assert!(
            matches!(out, Started::Interrupted(Signal::Term, Some(t)) if t.task_arn() == Some(ARN))
        );
    }
}
