//! The reads before a start (the task definition, `--network-from-service`'s service) and
//! what a "not found" says: where ecs-run-wait looked (region, account) and the close names.

use anyhow::Context as _;
use aws_sdk_ecs::Client;
use aws_sdk_ecs::types::Service;
use cli_support::aws::{AwsError, AwsResultExt as _};

use crate::notfound::{self, Place, short_name};
use crate::taskdef::TaskDefInfo;

/// The task definition `name` (family, family:revision or ARN); a "not found" says where it
/// was looked for and the close family names.
pub async fn describe_task_definition(ecs: &Client, name: &str) -> anyhow::Result<TaskDefInfo> {
    let out = match ecs
        .describe_task_definition()
        .task_definition(name)
        .send()
        .await
        .aws("DescribeTaskDefinition")
    {
        Ok(out) => out,
        Err(mut e) => {
            // What the API says for a family or revision that does not exist.
            if e.code.as_deref() == Some("ClientException") {
                e.message = format!(
                    "{} {}",
                    e.message,
                    task_definition_not_found(ecs, name).await
                );
            }
            return Err(
                anyhow::Error::new(e).context(format!("cannot read task definition {name}"))
            );
        }
    };
    let td = out.task_definition().with_context(|| {
        format!("DescribeTaskDefinition returned no task definition for {name}")
    })?;
    Ok(TaskDefInfo::from_sdk(td))
}

/// Where the client sends its requests, for "not found" messages.
pub fn place_of(ecs: &Client, name: &str) -> Place {
    let mut place = Place {
        region: ecs.config().region().map(ToString::to_string),
        account: None,
    };
    place.learn(name);
    place
}

/// Where a task definition was looked for, and the close family names.
async fn task_definition_not_found(ecs: &Client, name: &str) -> String {
    let family = short_name(name);
    let family = family.split(':').next().unwrap_or(family);
    let mut place = place_of(ecs, name);
    let families = notfound::families(ecs, &mut place).await;
    let exists = families.iter().any(|f| f == family);
    let what = if exists {
        format!(
            "Family {family} exists {}, but not this revision",
            place.text()
        )
    } else {
        format!(
            "No ACTIVE family {family} {}{}",
            place.text(),
            notfound::did_you_mean(family, &families)
        )
    };
    format!("{what} (aws ecs list-task-definitions --family-prefix {family}).")
}

/// Where a cluster was looked for, and the close cluster names.
async fn cluster_not_found(ecs: &Client, cluster: &str) -> String {
    let mut place = place_of(ecs, cluster);
    let names = notfound::clusters(ecs, &mut place).await;
    let name = short_name(cluster);
    let close = notfound::did_you_mean(name, &names);
    let end = if close.is_empty() { "." } else { "" };
    format!("No cluster {name} {}{close}{end}", place.text())
}

/// A ClusterNotFoundException anywhere in `err` says where it looked and what is close.
pub async fn explain_cluster_not_found(err: &mut anyhow::Error, ecs: &Client, cluster: &str) {
    let missing = err
        .downcast_ref::<AwsError>()
        .is_some_and(|e| e.code.as_deref() == Some("ClusterNotFoundException"));
    if !missing {
        return;
    }
    let text = cluster_not_found(ecs, cluster).await;
    if let Some(e) = err.downcast_mut::<AwsError>() {
        e.message = format!("{} {text}", e.message);
    }
}

/// `--network-from-service`'s service; a "not found" says where it was looked for and the
/// close service names.
pub async fn describe_service(ecs: &Client, cluster: &str, name: &str) -> anyhow::Result<Service> {
    let out = match ecs
        .describe_services()
        .cluster(cluster)
        .services(name)
        .send()
        .await
        .aws("DescribeServices")
    {
        Ok(out) => out,
        Err(e) => {
            let mut err = anyhow::Error::new(e);
            explain_cluster_not_found(&mut err, ecs, cluster).await;
            return Err(err.context(format!("cannot read service {name} in cluster {cluster}")));
        }
    };
    if let Some(s) = out.services().first() {
        return Ok(s.clone());
    }
    let why: Vec<String> = out
        .failures()
        .iter()
        .map(|f| f.reason().unwrap_or("no reason").to_owned())
        .collect();
    let mut place = place_of(ecs, cluster);
    for f in out.failures() {
        if let Some(arn) = f.arn() {
            place.learn(arn);
        }
    }
    let names = notfound::services(ecs, cluster, &mut place).await;
    let service = short_name(name);
    anyhow::bail!(
        "--network-from-service: service {service} is not in cluster {} {} (DescribeServices: {}){}",
        short_name(cluster),
        place.text(),
        if why.is_empty() {
            "no answer".to_owned()
        } else {
            why.join("; ")
        },
        notfound::did_you_mean(service, &names)
    )
}
