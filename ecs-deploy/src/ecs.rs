//! The ECS calls ecs-deploy makes, each returning plain answers; errors are `AwsError`s naming
//! the operation. Retries, one layer per call: the SDK's (standard mode) for the calls made
//! once (DescribeServices before the update, DescribeTaskDefinition, UpdateService,
//! StopServiceDeployment); `register`'s own for RegisterTaskDefinition (it looks for
//! the revision a lost answer registered before trying again); the follow loop's own for the calls it makes every
//! `--poll` (`polled`: the SDK's retries off), so that a throttled or failed poll is simply
//! made again at the next one, until `--timeout`.

use std::sync::{Arc, Mutex};

use aws_sdk_ecs::Client;
use aws_sdk_ecs::types::{
    DesiredStatus, Service, ServiceDeployment, StopServiceDeploymentStopType, Task,
    TaskDefinitionField,
};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::AfterDeserializationInterceptorContextRef;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::retry::RetryConfig;
use cli_support::aws::AwsResultExt as _;

/// DescribeServices for `names` (at most 10 per call), in the order given. A service ECS does
/// not know, or one not ACTIVE, is an error naming every such service.
pub async fn describe_services(
    ecs: &Client,
    cluster: &str,
    names: &[String],
) -> anyhow::Result<Vec<Service>> {
    let mut found = Vec::with_capacity(names.len());
    let mut problems = Vec::new();
    for chunk in names.chunks(10) {
        let out = ecs
            .describe_services()
            .cluster(cluster)
            .set_services(Some(chunk.to_vec()))
            .send()
            .await
            .aws("DescribeServices")
            .map_err(|e| anyhow::Error::from(e).context(format!("cluster {cluster}")))?;
        for f in out.failures() {
            let name = f.arn().unwrap_or_default();
            let name = name.rsplit('/').next().unwrap_or(name);
            problems.push(match f.reason() {
                Some("MISSING") => format!("{name}: no such service in cluster {cluster}"),
                Some(r) => format!("{name}: {r}"),
                None => format!("{name}: not found"),
            });
        }
        for s in out.services() {
            if s.status() != Some("ACTIVE") {
                problems.push(format!(
                    "{}: the service is {} (deleted?), not ACTIVE",
                    s.service_name().unwrap_or_default(),
                    s.status().unwrap_or("of unknown status")
                ));
            }
        }
        found.extend(out.services.unwrap_or_default());
    }
    if !problems.is_empty() {
        anyhow::bail!("cannot deploy: {}", problems.join("; "));
    }
    // In the order asked (a name or an ARN).
    let mut ordered = Vec::with_capacity(names.len());
    for name in names {
        let pos = found.iter().position(|s| {
            s.service_name() == Some(name.as_str()) || s.service_arn() == Some(name.as_str())
        });
        match pos {
            Some(i) => ordered.push(found.swap_remove(i)),
            None => anyhow::bail!("DescribeServices did not answer for service {name}"),
        }
    }
    Ok(ordered)
}

/// `ecs` with the SDK's retries off, for a call that is retried by its caller
/// (RegisterTaskDefinition, `register::register`).
pub fn without_retries(ecs: &Client) -> Client {
    Client::from_conf(
        ecs.config()
            .to_builder()
            .retry_config(RetryConfig::disabled())
            .build(),
    )
}

/// The ACTIVE revisions of `family`, newest first, as ListTaskDefinitions gives them on its
/// first page (newest first: the last 100).
pub async fn newest_revisions(ecs: &Client, family: &str) -> anyhow::Result<Vec<(u32, String)>> {
    let out = ecs
        .list_task_definitions()
        .family_prefix(family)
        .status(aws_sdk_ecs::types::TaskDefinitionStatus::Active)
        .sort(aws_sdk_ecs::types::SortOrder::Desc)
        .send()
        .await
        .aws("ListTaskDefinitions")?;
    let mut revisions: Vec<(u32, String)> = out
        .task_definition_arns()
        .iter()
        .filter_map(|arn| {
            let (name, revision) = arn.rsplit_once('/')?.1.rsplit_once(':')?;
            (name == family).then(|| Some((revision.parse().ok()?, arn.clone())))?
        })
        .collect();
    // Sorted here too: an API (or emulator) that ignores `sort` gives the oldest first.
    revisions.sort_unstable_by_key(|(revision, _)| std::cmp::Reverse(*revision));
    Ok(revisions)
}

/// The SDK's retries off, for a call the follow loop repeats itself.
fn polled() -> aws_sdk_ecs::config::Builder {
    aws_sdk_ecs::config::Builder::default().retry_config(RetryConfig::disabled())
}

/// One service, for the follow loop.
pub async fn describe_service(ecs: &Client, cluster: &str, name: &str) -> anyhow::Result<Service> {
    let out = ecs
        .describe_services()
        .cluster(cluster)
        .services(name)
        .customize()
        .config_override(polled())
        .send()
        .await
        .aws("DescribeServices")?;
    out.services
        .unwrap_or_default()
        .into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("DescribeServices: service {name} is gone"))
}

/// A service deployment by ARN; `None` when ECS reports it missing.
pub async fn describe_service_deployment(
    ecs: &Client,
    arn: &str,
) -> anyhow::Result<Option<ServiceDeployment>> {
    let out = ecs
        .describe_service_deployments()
        .service_deployment_arns(arn)
        .customize()
        .config_override(polled())
        .send()
        .await
        .aws("DescribeServiceDeployments")?;
    Ok(out
        .service_deployments
        .unwrap_or_default()
        .into_iter()
        .next())
}

/// The task definition of a service revision.
pub async fn revision_task_definition(ecs: &Client, arn: &str) -> anyhow::Result<Option<String>> {
    let out = ecs
        .describe_service_revisions()
        .service_revision_arns(arn)
        .customize()
        .config_override(polled())
        .send()
        .await
        .aws("DescribeServiceRevisions")?;
    Ok(out
        .service_revisions()
        .first()
        .and_then(|r| r.task_definition())
        .map(str::to_owned))
}

/// StopServiceDeployment with ROLLBACK.
pub async fn stop_with_rollback(ecs: &Client, arn: &str) -> anyhow::Result<()> {
    ecs.stop_service_deployment()
        .service_deployment_arn(arn)
        .stop_type(StopServiceDeploymentStopType::Rollback)
        .send()
        .await
        .aws("StopServiceDeployment")?;
    Ok(())
}

/// UpdateService to `task_definition`; the service as ECS answers.
pub async fn update_service(
    ecs: &Client,
    cluster: &str,
    service: &str,
    task_definition: &str,
    force: bool,
) -> anyhow::Result<Service> {
    let out = ecs
        .update_service()
        .cluster(cluster)
        .service(service)
        .task_definition(task_definition)
        .force_new_deployment(force)
        .send()
        .await
        .aws("UpdateService")?;
    out.service
        .ok_or_else(|| anyhow::anyhow!("UpdateService: ECS answered without the service"))
}

/// The stopped tasks of `service`, except those `known` (each described once only).
pub async fn stopped_tasks(
    ecs: &Client,
    cluster: &str,
    service: &str,
    known: impl Fn(&str) -> bool,
) -> anyhow::Result<Vec<Task>> {
    let arns = ecs
        .list_tasks()
        .cluster(cluster)
        .service_name(service)
        .desired_status(DesiredStatus::Stopped)
        .customize()
        .config_override(polled())
        .send()
        .await
        .aws("ListTasks")?
        .task_arns
        .unwrap_or_default();
    let arns: Vec<String> = arns.into_iter().filter(|a| !known(a)).collect();
    if arns.is_empty() {
        return Ok(Vec::new());
    }
    let mut tasks = Vec::new();
    for chunk in arns.chunks(100) {
        let out = ecs
            .describe_tasks()
            .cluster(cluster)
            .set_tasks(Some(chunk.to_vec()))
            .customize()
            .config_override(polled())
            .send()
            .await
            .aws("DescribeTasks")?;
        tasks.extend(out.tasks.unwrap_or_default());
    }
    Ok(tasks)
}

/// DescribeTaskDefinition (tags included) as the JSON ECS answered: the cleaning compares
/// register inputs, and the SDK's types have no JSON form.
pub async fn describe_task_definition_json(
    ecs: &Client,
    task_definition: &str,
) -> anyhow::Result<serde_json::Value> {
    let capture = Capture::default();
    let out = ecs
        .describe_task_definition()
        .task_definition(task_definition)
        .include(TaskDefinitionField::Tags)
        .customize()
        .interceptor(capture.clone())
        .send()
        .await
        .aws("DescribeTaskDefinition")?;
    drop(out);
    let body = capture.0.lock().ok().and_then(|mut b| b.take());
    let body = body.ok_or_else(|| {
        anyhow::anyhow!("DescribeTaskDefinition {task_definition}: the answer's body was not kept")
    })?;
    serde_json::from_slice(&body).map_err(|e| {
        anyhow::anyhow!("DescribeTaskDefinition {task_definition}: the answer is not JSON: {e}")
    })
}

/// Keeps the body of the last answer it saw.
#[derive(Debug, Clone, Default)]
struct Capture(Arc<Mutex<Option<Vec<u8>>>>);

impl Intercept for Capture {
    fn name(&self) -> &'static str {
        "ecs-deploy: keep the answer's JSON"
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(bytes) = context.response().body().bytes()
            && let Ok(mut slot) = self.0.lock()
        {
            *slot = Some(bytes.to_vec());
        }
        Ok(())
    }
}
