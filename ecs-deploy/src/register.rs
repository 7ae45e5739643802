//! RegisterTaskDefinition, so that a lost answer does not leave a second revision.
//!
//! ECS takes no client token for the call: the same call made again after its answer was lost
//! (the connection closed once ECS had acted, an attempt timed out while ECS worked, a 5xx, an
//! answer that could not be read) registers the input a second time. So the SDK does not
//! retry it; [`register`] does, as often as the SDK would (`AWS_MAX_ATTEMPTS`, else
//! `cli_support::aws::DEFAULT_MAX_ATTEMPTS`), and after a failure that may have reached ECS
//! it waits its pause (for ECS to finish, and its listing to show it), then looks among the
//! family's revisions registered since the first try for one that registers what the input
//! does (`ecs_taskdef::same`), the oldest first: that is the lost answer's revision. It looks
//! after the last try too, before it fails.
//!
//! A refusal (a bad input, no permission, credentials) is final; throttling, and ECS's "Too
//! many concurrent attempts to create a new revision" (another run registering the same
//! family), registered nothing and are tried again without looking.

use std::time::Duration;

use aws_sdk_ecs::Client;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::retry::RetryConfig;
use cli_support::aws::{AwsError, DEFAULT_MAX_ATTEMPTS, ErrorKind};
use rand::Rng as _;

use crate::ecs;
use crate::log::Log;
use crate::prepare::{Checked, Resolved};

const OP: &str = "RegisterTaskDefinition";

/// What a failed RegisterTaskDefinition says of what ECS did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failed {
    /// Refused, and the same call would be refused again.
    Final,
    /// Refused for now (throttled, another registration of the family under way): nothing
    /// was registered.
    Refused,
    /// It may have registered the input.
    InDoubt,
}

fn failed<E, R>(err: SdkError<E, R>) -> (AwsError, Failed)
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata
        + std::error::Error
        + Send
        + Sync
        + 'static,
    R: std::fmt::Debug + Send + Sync + 'static + cli_support::aws::HasStatus,
{
    let never_sent = matches!(err, SdkError::ConstructionFailure(_));
    let answered = matches!(err, SdkError::ServiceError(_));
    let err = AwsError::from_sdk(OP, err);
    let state = match err.kind {
        _ if never_sent => Failed::Final,
        ErrorKind::Credentials => Failed::Final,
        ErrorKind::Throttling => Failed::Refused,
        _ if err.code.as_deref() == Some("ClientException")
            && err.message.contains("Too many concurrent attempts") =>
        {
            Failed::Refused
        }
        ErrorKind::Service if answered => Failed::Final,
        // A 5xx, a timeout, a connection lost, an answer that could not be read.
        _ => Failed::InDoubt,
    };
    (err, state)
}

/// Register `input`, once (see the module).
pub async fn register(ecs: &Client, input: &Checked, log: Log) -> anyhow::Result<Resolved> {
    let builder = ecs_taskdef::register::register_task_definition_input(&input.cleaned)
        .map_err(|e| anyhow::anyhow!("{}: {e}", input.source))?;
    let family = input.cleaned["family"].as_str().unwrap_or_default();
    let newest_before = match ecs::newest_revisions(ecs, family).await {
        Ok(revisions) => Some(revisions.first().map_or(0, |(revision, _)| *revision)),
        Err(e) => {
            cli_support::report::warn(format_args!(
                "{e:#}: if {OP}'s answer is lost, the tool cannot look for the revision it \
                 made and registers again (a revision nothing runs may be left); allow \
                 ecs:ListTaskDefinitions to the deploying role to avoid it"
            ));
            None
        }
    };
    let once = ecs::without_retries(ecs);
    let attempts = ecs
        .config()
        .retry_config()
        .map_or(DEFAULT_MAX_ATTEMPTS, RetryConfig::max_attempts)
        .max(1);
    let mut attempt = 1;
    loop {
        let (err, state) = match builder.clone().send_with(&once).await {
            Ok(out) => {
                let arn = out
                    .task_definition()
                    .and_then(|t| t.task_definition_arn())
                    .ok_or_else(|| anyhow::anyhow!("{OP}: ECS answered without an ARN"))?
                    .to_owned();
                log.note(format_args!("registered {arn}"));
                return Ok(Resolved {
                    arn,
                    registered: true,
                });
            }
            Err(e) => failed(e),
        };
        let last = attempt >= attempts;
        match state {
            Failed::Final => return Err(err.into()),
            Failed::Refused if last => return Err(err.into()),
            Failed::Refused => tokio::time::sleep(pause(attempt)).await,
            Failed::InDoubt => {
                // Time for ECS to finish what it may be doing, and for its listing to show it.
                tokio::time::sleep(pause(attempt)).await;
                let found = match newest_before {
                    Some(newest) => registered_since(ecs, family, newest, input).await,
                    None => Err(anyhow::anyhow!("ListTaskDefinitions failed before it")),
                };
                match found {
                    Ok(Some(arn)) => {
                        log.note(format_args!(
                            "{err}; it had registered {arn}, the input: nothing to register \
                             again"
                        ));
                        return Ok(Resolved {
                            arn,
                            registered: true,
                        });
                    }
                    Ok(None) if last => {
                        log.note(format_args!(
                            "{err}; no revision registered since is the input"
                        ));
                        return Err(err.into());
                    }
                    Ok(None) => log.note(format_args!(
                        "{err}; no revision registered since is the input: trying again"
                    )),
                    Err(_) if last => return Err(err.into()),
                    Err(e) => cli_support::report::warn(format_args!(
                        "{err}; cannot tell whether it registered the input ({e:#}): \
                         registering again (a revision nothing runs may be left)"
                    )),
                }
            }
        }
        attempt += 1;
    }
}

/// The pause after try `attempt`: a random time between half and all of 0.5 s doubled each
/// time, at most 20 s (runs registering at the same time do not try again in step).
fn pause(attempt: u32) -> Duration {
    let ceiling = pause_ceiling(attempt);
    rand::rng().random_range(ceiling / 2..=ceiling)
}

fn pause_ceiling(attempt: u32) -> Duration {
    Duration::from_millis(500u64.saturating_mul(1 << attempt.saturating_sub(1).min(6)))
        .min(Duration::from_secs(20))
}

/// A revision of `family` newer than `newest_before` that registers what the input does,
/// the oldest first (the first registration after the try is the try's); at most five are
/// looked at.
async fn registered_since(
    ecs: &Client,
    family: &str,
    newest_before: u32,
    input: &Checked,
) -> anyhow::Result<Option<String>> {
    let newer = ecs::newest_revisions(ecs, family).await?;
    let candidates = newer.iter().rev().filter(|(r, _)| *r > newest_before);
    for (_, arn) in candidates.take(5) {
        let answer = ecs::describe_task_definition_json(ecs, arn).await?;
        if ecs_taskdef::clean::register_input(answer)
            .is_ok_and(|c| ecs_taskdef::same::same_registration(&c, &input.cleaned))
        {
            return Ok(Some(arn.clone()));
        }
    }
    Ok(None)
}

/// The tries against scripted answers (aws-smithy-mocks): the emulator cannot fail a call
/// after another client registered a revision of the same family, nor refuse ListTaskDefinitions.
#[cfg(test)]
mod tests {
    use aws_sdk_ecs::operation::list_task_definitions::ListTaskDefinitionsOutput;
    use aws_sdk_ecs::operation::register_task_definition::RegisterTaskDefinitionOutput;
    use aws_sdk_ecs::types::TaskDefinition;
    use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
    use serde_json::json;

    use super::*;
    use crate::prepare::check;

    const V: &str = "arn:aws:ecs:us-east-2:1:task-definition/web:";

    fn input() -> Checked {
        check(
            "<stdin>",
            &json!({"family": "web", "containerDefinitions": [
                {"name": "app", "image": "registry.example/app:2", "memory": 64}]}),
        )
        .unwrap()
    }

    fn listed(revisions: &[u32]) -> ListTaskDefinitionsOutput {
        // Oldest first, as the emulator lists them (ECS honours `sort`).
        let arns = revisions.iter().map(|r| format!("{V}{r}")).collect();
        ListTaskDefinitionsOutput::builder()
            .set_task_definition_arns(Some(arns))
            .build()
    }

    fn registered(revision: u32) -> RegisterTaskDefinitionOutput {
        RegisterTaskDefinitionOutput::builder()
            .task_definition(
                TaskDefinition::builder()
                    .task_definition_arn(format!("{V}{revision}"))
                    .build(),
            )
            .build()
    }

    /// DescribeTaskDefinition's answer for revision 2 with `image`, with ECS's defaults.
    fn described(image: &'static str) -> Rule {
        mock!(Client::describe_task_definition)
            .sequence()
            .http_status(
                200,
                Some(
                    json!({"taskDefinition": {
                        "taskDefinitionArn": format!("{V}2"), "family": "web", "revision": 2,
                        "status": "ACTIVE", "networkMode": "bridge", "volumes": [],
                        "containerDefinitions": [{"name": "app", "image": image, "cpu": 0,
                            "memory": 64, "essential": true, "environment": []}]},
                        "tags": []})
                    .to_string(),
                ),
            )
            .build()
    }

    fn failure(code: &str) -> String {
        json!({"__type": code, "message": "scripted"}).to_string()
    }

    async fn run(register: &Rule, list: &Rule, describe: &Rule) -> anyhow::Result<Resolved> {
        run_with(register, list, describe, DEFAULT_MAX_ATTEMPTS).await
    }

    async fn run_with(
        register: &Rule,
        list: &Rule,
        describe: &Rule,
        attempts: u32,
    ) -> anyhow::Result<Resolved> {
        let client = mock_client!(
            aws_sdk_ecs,
            RuleMode::MatchAny,
            [register, list, describe],
            |c| c.retry_config(RetryConfig::standard().with_max_attempts(attempts))
        );
        super::register(&client, &input(), Log { quiet: true }).await
    }

    /// RegisterTaskDefinition answering `status` with `code` once, then registering `revision`.
    fn fails_then(status: u16, code: &str, revision: u32) -> Rule {
        let body = failure(code);
        mock!(Client::register_task_definition)
            .sequence()
            .http_status(status, Some(body))
            .output(move || registered(revision))
            .build()
    }

    fn list_rule() -> Rule {
        mock!(Client::list_task_definitions)
            .sequence()
            .output(|| listed(&[1]))
            .output(|| listed(&[1, 2]))
            .repeatedly()
            .build()
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_call_that_registered_the_input_is_not_made_again() {
        let register = fails_then(500, "ServerException", 3);
        let (list, describe) = (list_rule(), described("registry.example/app:2"));
        let done = run(&register, &list, &describe).await.unwrap();
        assert_eq!(done.arn, format!("{V}2"));
        assert!(done.registered);
        assert_eq!(register.num_calls(), 1);
        assert_eq!(describe.num_calls(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_revision_someone_else_registered_meanwhile_is_not_taken() {
        let register = fails_then(500, "ServerException", 3);
        let (list, describe) = (list_rule(), described("registry.example/app:9"));
        let done = run(&register, &list, &describe).await.unwrap();
        assert_eq!(done.arn, format!("{V}3"));
        assert_eq!(register.num_calls(), 2);
        assert_eq!(describe.num_calls(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn throttled_is_tried_again_without_looking_and_a_refusal_is_final() {
        let register = fails_then(400, "ThrottlingException", 2);
        let (list, describe) = (list_rule(), described("registry.example/app:2"));
        let done = run(&register, &list, &describe).await.unwrap();
        assert_eq!(done.arn, format!("{V}2"));
        assert_eq!((register.num_calls(), list.num_calls()), (2, 1));
        assert_eq!(describe.num_calls(), 0);

        let refused = mock!(Client::register_task_definition)
            .sequence()
            .http_status(400, Some(failure("ClientException")))
            .build();
        let err = run(&refused, &list_rule(), &describe).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "RegisterTaskDefinition: ClientException: scripted"
        );
        assert_eq!(refused.num_calls(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_call_that_keeps_failing_stops_at_the_attempts_the_sdk_would_make() {
        let register = mock!(Client::register_task_definition)
            .sequence()
            .http_status(503, Some(failure("ServiceUnavailableException")))
            .repeatedly()
            .build();
        let list = mock!(Client::list_task_definitions).then_output(|| listed(&[1]));
        let describe = described("registry.example/app:2");
        let err = run(&register, &list, &describe).await.unwrap_err();
        assert!(
            err.to_string()
                .starts_with("RegisterTaskDefinition: ServiceUnavailableException"),
            "{err}"
        );
        let attempts = DEFAULT_MAX_ATTEMPTS as usize;
        assert_eq!(register.num_calls(), attempts);
        // Before the first call, then after each failure, the last too.
        assert_eq!(list.num_calls(), attempts + 1);
    }

    #[tokio::test(start_paused = true)]
    async fn another_registration_of_the_family_under_way_is_waited_for_without_looking() {
        let register = mock!(Client::register_task_definition)
            .sequence()
            .http_status(
                400,
                Some(
                    json!({"__type": "ClientException", "message": "Too many concurrent \
                        attempts to create a new revision of the specified family."})
                    .to_string(),
                ),
            )
            .output(|| registered(2))
            .build();
        let (list, describe) = (list_rule(), described("registry.example/app:2"));
        let done = run(&register, &list, &describe).await.unwrap();
        assert_eq!(done.arn, format!("{V}2"));
        assert_eq!((register.num_calls(), list.num_calls()), (2, 1));
    }

    #[tokio::test(start_paused = true)]
    async fn a_lost_answer_to_the_last_try_is_looked_for_before_failing() {
        let register = mock!(Client::register_task_definition)
            .sequence()
            .http_status(500, Some(failure("ServerException")))
            .build();
        let (list, describe) = (list_rule(), described("registry.example/app:2"));
        let done = run_with(&register, &list, &describe, 1).await.unwrap();
        assert_eq!(done.arn, format!("{V}2"));
        assert_eq!(register.num_calls(), 1);
        // Nothing found after the last try: the call's error.
        let register = mock!(Client::register_task_definition)
            .sequence()
            .http_status(500, Some(failure("ServerException")))
            .build();
        let describe = described("registry.example/app:9");
        let err = run_with(&register, &list_rule(), &describe, 1)
            .await
            .unwrap_err();
        assert_eq!(
            format!("{err:#}"),
            "RegisterTaskDefinition: ServerException: scripted"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn without_list_task_definitions_a_lost_answer_is_registered_again() {
        let register = fails_then(500, "ServerException", 3);
        let list = mock!(Client::list_task_definitions)
            .sequence()
            .http_status(400, Some(failure("AccessDeniedException")))
            .repeatedly()
            .build();
        let describe = described("registry.example/app:2");
        let done = run(&register, &list, &describe).await.unwrap();
        assert_eq!(done.arn, format!("{V}3"));
        assert_eq!((register.num_calls(), list.num_calls()), (2, 1));
        assert_eq!(describe.num_calls(), 0);
    }

    #[test]
    fn the_pause_doubles_up_to_twenty_seconds_less_a_random_half() {
        let ceilings: Vec<u64> = (1..=9)
            .map(|a| u64::try_from(pause_ceiling(a).as_millis()).unwrap())
            .collect();
        assert_eq!(
            ceilings,
            [500, 1000, 2000, 4000, 8000, 16000, 20000, 20000, 20000]
        );
        for attempt in 1..=9 {
            let p = pause(attempt);
            assert!(p <= pause_ceiling(attempt) && p >= pause_ceiling(attempt) / 2);
        }
    }
}
