//! What the unit tests share: SDK clients whose answers aws-smithy-mocks scripts (for what the
//! emulator cannot produce on demand: RunTask failures[], throttling, MISSING answers, expired
//! credentials), answers, and a reporter that records its status lines.

use std::cell::RefCell;
use std::fmt;

use aws_sdk_ecs::Client;
use aws_sdk_ecs::operation::describe_tasks::DescribeTasksOutput;
use aws_sdk_ecs::types::{Failure, Task};
use aws_smithy_mocks::{Rule, RuleMode, mock_client};
use aws_smithy_runtime_api::http::{Response, StatusCode};
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::retry::RetryConfig;

use crate::status::Reporter;

pub const ARN: &str = "arn:aws:ecs:us-east-2:123456789012:task/ci/0123abcd";

/// The SDK's retry configuration in production when nothing (`AWS_MAX_ATTEMPTS`,
/// `AWS_RETRY_MODE`, the profile) changes it: what `aws_config` resolves by default. The calls
/// ecs-run-wait retries itself turn it off per call (`retry.rs`), in production and here.
pub fn production_retries() -> RetryConfig {
    cli_support::aws::default_retries()
}

/// An ECS client answering from `rules`, with the production retry configuration.
pub fn ecs(rules: &[&Rule]) -> Client {
    mock_client!(aws_sdk_ecs, RuleMode::MatchAny, rules, |c| c
        .retry_config(production_retries()))
}

pub fn task(status: &str) -> Task {
    Task::builder().task_arn(ARN).last_status(status).build()
}

pub fn described(t: Task) -> DescribeTasksOutput {
    DescribeTasksOutput::builder().tasks(t).build()
}

pub fn missing() -> DescribeTasksOutput {
    DescribeTasksOutput::builder()
        .failures(Failure::builder().arn(ARN).reason("MISSING").build())
        .build()
}

/// An AWS error answer (HTTP 400).
pub fn error(code: &str, message: &str) -> Response {
    Response::new(
        StatusCode::try_from(400).unwrap(),
        SdkBody::from(format!(r#"{{"__type":"{code}","message":"{message}"}}"#)),
    )
}

/// Status lines off.
pub const QUIET: Reporter = Reporter {
    quiet: true,
    print: |_| {},
};

thread_local! {
    static STATUSES: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// A reporter whose status lines [`take_statuses`] gives back (on this thread).
pub fn recording(quiet: bool) -> Reporter {
    Reporter {
        quiet,
        print: |msg: &dyn fmt::Display| STATUSES.with_borrow_mut(|s| s.push(msg.to_string())),
    }
}

/// The status lines a [`recording`] reporter printed on this thread since the last call.
pub fn take_statuses() -> Vec<String> {
    STATUSES.take()
}
