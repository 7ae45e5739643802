//! What to deploy: the input registered (or found unchanged), a given revision resolved, or
//! nothing (`--force-new-deployment` alone: each service's own task definition).
//!
//! Unchanged: the input's register input (cleaned as taskdef-clean cleans, `ecs_taskdef::
//! clean`) registers the same as a service's current task definition's (DescribeTaskDefinition
//! with its tags, cleaned the same way; `ecs_taskdef::same`: up to the defaults ECS writes
//! out, so a hand-written input is found too): then that revision is deployed and nothing is
//! registered.

use std::time::Duration;

use aws_sdk_ecs::Client;
use aws_smithy_types::retry::RetryConfig;
use cli_support::aws::{AwsError, AwsResultExt as _, DEFAULT_MAX_ATTEMPTS, ErrorKind};
use serde_json::Value;

use crate::ecs;
use crate::log::Log;

/// The task definition to deploy.
#[derive(Debug)]
pub struct Resolved {
    pub arn: String,
    /// Registered by this run.
    pub registered: bool,
}

/// The register-ready input, checked (cleaned, and mapped to the SDK's input) before
/// anything is asked of AWS.
pub struct Checked {
    source: String,
    cleaned: Value,
}

/// Clean and check register-ready JSON from `source`.
pub fn check(source: &str, json: &Value) -> anyhow::Result<Checked> {
    let cleaned = ecs_taskdef::clean::register_input(json.clone())
        .map_err(|e| anyhow::anyhow!("{source}: {e}"))?;
    ecs_taskdef::register::register_task_definition_input(&cleaned)
        .map_err(|e| anyhow::anyhow!("{source}: {e}"))?;
    let problems = containers_problems(&cleaned);
    if !problems.is_empty() {
        anyhow::bail!(
            "{source}: {}; nothing was registered (`taskdef-clean --check --strict` checks \
             the whole task definition)",
            problems.join("; ")
        );
    }
    Ok(Checked {
        source: source.to_owned(),
        cleaned,
    })
}

/// What ECS would refuse, or run wrongly, in the containers, caught before registering: an
/// image that is not an image reference (`/web:` from unset variables), a name in both
/// `environment` and `secrets`. Values are never quoted (environment values may be secret).
fn containers_problems(taskdef: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    let containers = taskdef["containerDefinitions"]
        .as_array()
        .map_or(&[][..], Vec::as_slice);
    for (i, c) in containers.iter().enumerate() {
        let name = c["name"].as_str().unwrap_or("");
        let at = format!(".containerDefinitions[{i}] (container {name:?})");
        if let Some(image) = c["image"].as_str()
            && let Err(e) = ecs_taskdef::image_ref::ImageRef::parse(image)
        {
            problems.push(format!(
                "{at}: image {image:?} is not a valid image reference: {e} (did a variable \
                 expand to nothing?)"
            ));
        }
        let names = |member: &str| -> Vec<String> {
            c[member].as_array().map_or_else(Vec::new, |items| {
                items
                    .iter()
                    .filter_map(|kv| kv["name"].as_str().map(str::to_owned))
                    .collect()
            })
        };
        let secrets = names("secrets");
        for env in names("environment") {
            if secrets.contains(&env) {
                problems.push(format!(
                    "{at}: {env:?} is in both environment and secrets (ECS refuses a name in \
                     both): keep one"
                ));
            }
        }
    }
    problems
}

/// A revision that runs already and registers what the input does (one of `current`, the
/// services' task definitions; `ecs_taskdef::same`), if any. A current task definition that cannot be cleaned (an answer this
/// version does not understand) is taken as different, with a warning: the input is then
/// registered, as it would be without the check.
pub async fn unchanged(
    ecs: &Client,
    input: &Checked,
    current: &[String],
) -> anyhow::Result<Option<String>> {
    for arn in current {
        let answer = ecs::describe_task_definition_json(ecs, arn).await?;
        match ecs_taskdef::clean::register_input(answer) {
            Ok(cleaned) if ecs_taskdef::same::same_registration(&cleaned, &input.cleaned) => {
                return Ok(Some(arn.clone()));
            }
            Ok(_) => {}
            Err(e) => cli_support::report::warn(format_args!(
                "cannot compare the input with {arn} (taken as different): {e}"
            )),
        }
    }
    Ok(None)
}

/// RegisterTaskDefinition. ECS takes no client token for it: the same call made again after
/// its answer was lost (the connection closed once ECS had acted, a timeout, a 5xx) registers
/// the input a second time. So the SDK does not retry it; this does, as often as the SDK
/// would, and after a failure that may have reached ECS it first looks among the revisions
/// registered since the first try for one that is the input: the lost answer's.
pub async fn register(ecs: &Client, input: &Checked, log: Log) -> anyhow::Result<Resolved> {
    const OP: &str = "RegisterTaskDefinition";
    let builder = ecs_taskdef::register::register_task_definition_input(&input.cleaned)
        .map_err(|e| anyhow::anyhow!("{}: {e}", input.source))?;
    let family = input.cleaned["family"].as_str().unwrap_or_default();
    // Without ListTaskDefinitions (not allowed, say), a retry cannot tell: it registers again.
    let newest_before = ecs::newest_revisions(ecs, family)
        .await
        .map(|r| r.first().map_or(0, |(revision, _)| *revision));
    let once = ecs::without_retries(ecs);
    let attempts = ecs
        .config()
        .retry_config()
        .map_or(DEFAULT_MAX_ATTEMPTS, RetryConfig::max_attempts)
        .max(1);
    let mut attempt = 1;
    loop {
        let err = match builder.clone().send_with(&once).await {
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
            Err(e) => AwsError::from_sdk(OP, e),
        };
        if !err.is_retryable() || attempt >= attempts {
            return Err(err.into());
        }
        // Throttled: refused, nothing registered. Anything else may have registered.
        if err.kind == ErrorKind::Transient {
            let found = match &newest_before {
                Ok(newest) => registered_since(ecs, family, *newest, input).await,
                Err(e) => Err(anyhow::anyhow!("before it: {e:#}")),
            };
            match found {
                Ok(Some(arn)) => {
                    log.note(format_args!(
                        "{err}; it had registered {arn}, the input: nothing to register again"
                    ));
                    return Ok(Resolved {
                        arn,
                        registered: true,
                    });
                }
                Ok(None) => log.note(format_args!(
                    "{err}; no revision registered since is the input: trying again"
                )),
                Err(e) => cli_support::report::warn(format_args!(
                    "{err}; cannot tell whether it registered the input ({e:#}): registering                      again (a revision nothing runs may be left)"
                )),
            }
        }
        tokio::time::sleep(register_backoff(attempt)).await;
        attempt += 1;
    }
}

/// The pause before try `attempt + 1` of RegisterTaskDefinition: 0.5 s, doubled each time, at
/// most 20 s (the SDK's standard mode: 1 s base with jitter, 20 s at most).
fn register_backoff(attempt: u32) -> Duration {
    Duration::from_millis(500u64.saturating_mul(1 << attempt.saturating_sub(1).min(6)))
        .min(Duration::from_secs(20))
}

/// A revision of `family` newer than `newest_before` that is the input (cleaned the same
/// way), newest first; at most five are looked at.
async fn registered_since(
    ecs: &Client,
    family: &str,
    newest_before: u32,
    input: &Checked,
) -> anyhow::Result<Option<String>> {
    let newer = ecs::newest_revisions(ecs, family).await?;
    for (_, arn) in newer.iter().filter(|(r, _)| *r > newest_before).take(5) {
        let answer = ecs::describe_task_definition_json(ecs, arn).await?;
        if ecs_taskdef::clean::register_input(answer)
            .is_ok_and(|c| ecs_taskdef::same::same_registration(&c, &input.cleaned))
        {
            return Ok(Some(arn.clone()));
        }
    }
    Ok(None)
}

/// `--task-definition FAMILY:REV|ARN`: the ARN of a registered revision.
pub async fn existing(ecs: &Client, reference: &str) -> anyhow::Result<Resolved> {
    let out = ecs
        .describe_task_definition()
        .task_definition(reference)
        .send()
        .await
        .aws("DescribeTaskDefinition")
        .map_err(|e| anyhow::anyhow!("--task-definition {reference}: {e}"))?;
    let td = out.task_definition();
    if td
        .and_then(|t| t.status())
        .map(aws_sdk_ecs::types::TaskDefinitionStatus::as_str)
        == Some("DELETE_IN_PROGRESS")
    {
        anyhow::bail!("--task-definition {reference}: the revision is being deleted");
    }
    let arn = td
        .and_then(|t| t.task_definition_arn())
        .ok_or_else(|| anyhow::anyhow!("--task-definition {reference}: ECS answered no ARN"))?;
    Ok(Resolved {
        arn: arn.to_owned(),
        registered: false,
    })
}

/// RegisterTaskDefinition's retries against scripted answers (aws-smithy-mocks): the emulator
/// cannot fail a call after another client registered a revision of the same family.
#[cfg(test)]
mod tests {
    use aws_sdk_ecs::operation::list_task_definitions::ListTaskDefinitionsOutput;
    use aws_sdk_ecs::operation::register_task_definition::RegisterTaskDefinitionOutput;
    use aws_sdk_ecs::types::TaskDefinition;
    use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
    use serde_json::json;

    use super::*;

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
        let client = mock_client!(
            aws_sdk_ecs,
            RuleMode::MatchAny,
            [register, list, describe],
            |c| c.retry_config(cli_support::aws::default_retries())
        );
        super::register(&client, &input(), Log { quiet: true }).await
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
        let register = mock!(Client::register_task_definition)
            .sequence()
            .http_status(500, Some(failure("ServerException")))
            .output(|| registered(3))
            .build();
        let (list, describe) = (list_rule(), described("registry.example/app:2"));
        let done = run(&register, &list, &describe).await.unwrap();
        assert_eq!(done.arn, format!("{V}2"));
        assert!(done.registered);
        assert_eq!(register.num_calls(), 1);
        assert_eq!(describe.num_calls(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_revision_someone_else_registered_meanwhile_is_not_taken() {
        let register = mock!(Client::register_task_definition)
            .sequence()
            .http_status(500, Some(failure("ServerException")))
            .output(|| registered(3))
            .build();
        let (list, describe) = (list_rule(), described("registry.example/app:9"));
        let done = run(&register, &list, &describe).await.unwrap();
        assert_eq!(done.arn, format!("{V}3"));
        assert_eq!(register.num_calls(), 2);
        assert_eq!(describe.num_calls(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn throttled_is_tried_again_without_looking_and_a_refusal_is_final() {
        let register = mock!(Client::register_task_definition)
            .sequence()
            .http_status(400, Some(failure("ThrottlingException")))
            .output(|| registered(2))
            .build();
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
        // Before the first call, then after each failure but the last.
        assert_eq!(list.num_calls(), attempts);
    }

    #[test]
    fn the_pause_doubles_up_to_twenty_seconds() {
        let pauses: Vec<u64> = (1..=9)
            .map(|a| u64::try_from(register_backoff(a).as_millis()).unwrap())
            .collect();
        assert_eq!(
            pauses,
            [500, 1000, 2000, 4000, 8000, 16000, 20000, 20000, 20000]
        );
    }
}
