//! What to deploy: the input registered (or found unchanged), a given revision resolved, or
//! nothing (`--force-new-deployment` alone: each service's own task definition).
//!
//! Unchanged: the input's register input (cleaned as taskdef-clean cleans, `ecs_taskdef::
//! clean`) registers the same as a service's current task definition's (DescribeTaskDefinition
//! with its tags, cleaned the same way; `ecs_taskdef::same`: up to the defaults ECS writes
//! out, so a hand-written input is found too): then that revision is deployed and nothing is
//! registered.

use aws_sdk_ecs::Client;
use cli_support::aws::AwsResultExt as _;
use serde_json::Value;

use crate::ecs;

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
    pub(crate) source: String,
    pub(crate) cleaned: Value,
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
