//! `--verify`: before anything is registered, every private ECR image the task definition
//! names exists (ECR DescribeImages with the tag or digest), and every awslogs log group
//! exists (CloudWatch Logs DescribeLogGroups with the name as prefix, matched exactly).
//!
//! Every problem is found before any is reported: each names the container, what is missing
//! and what to do. An image reference that does not parse (`/web:` from unset variables) is a
//! problem too. Images outside private ECR (Docker Hub, public.ecr.aws, other registries) and
//! log groups with `awslogs-create-group` "true" are skipped, and said so.
//!
//! Retries: the SDK's (one call per image and per log group, nothing polled).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use aws_config::SdkConfig;
use aws_sdk_cloudwatchlogs as logs;
use aws_sdk_ecr as ecr;
use aws_sdk_ecr::config::Region;
use cli_support::aws::{AwsError, AwsResultExt as _};
use ecs_taskdef::image_ref::{Ecr, ImageRef};
use serde_json::Value;

use crate::settings::Input;

/// What to look up, read from the task definition without any call.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// ECR images: (container, the reference as written, the parsed one, its registry).
    pub images: Vec<(String, String, ImageRef, Ecr)>,
    /// awslogs log groups: (container, group, region; `None`: the client's).
    pub log_groups: Vec<(String, String, Option<String>)>,
    /// Found without any call (an invalid reference, a container without an image).
    pub problems: Vec<String>,
    /// What is not checked, and why.
    pub skipped: Vec<String>,
}

/// Read the containers of register-ready task definition JSON.
pub fn plan(taskdef: &Value) -> Plan {
    let mut plan = Plan::default();
    let containers = taskdef
        .get("containerDefinitions")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    for (i, c) in containers.iter().enumerate() {
        let name = c
            .get("name")
            .and_then(Value::as_str)
            .map_or_else(|| format!("#{i}"), str::to_owned);
        image(&mut plan, &name, c.get("image"));
        log_group(&mut plan, &name, c.get("logConfiguration"));
    }
    plan
}

fn image(plan: &mut Plan, container: &str, image: Option<&Value>) {
    let Some(text) = image.and_then(Value::as_str) else {
        plan.problems.push(format!(
            "container {container:?}: no image: set its \"image\""
        ));
        return;
    };
    match ImageRef::parse(text) {
        Err(e) => plan.problems.push(format!(
            "container {container:?}: image {text:?} is not a valid image reference: {e}"
        )),
        Ok(r) => match r.ecr() {
            Some(registry) => plan
                .images
                .push((container.to_owned(), text.to_owned(), r, registry)),
            None => plan.skipped.push(format!(
                "container {container:?}: image {text} is not in a private ECR registry: not checked"
            )),
        },
    }
}

fn log_group(plan: &mut Plan, container: &str, config: Option<&Value>) {
    let Some(config) = config else { return };
    if config.get("logDriver").and_then(Value::as_str) != Some("awslogs") {
        return;
    }
    let option = |key: &str| {
        config
            .get("options")
            .and_then(|o| o.get(key))
            .and_then(Value::as_str)
    };
    let Some(group) = option("awslogs-group") else {
        plan.problems.push(format!(
            "container {container:?}: the awslogs log driver has no \"awslogs-group\" option: \
             set it"
        ));
        return;
    };
    if option("awslogs-create-group") == Some("true") {
        plan.skipped.push(format!(
            "container {container:?}: log group {group} is created by ECS \
             (awslogs-create-group): not checked"
        ));
        return;
    }
    plan.log_groups.push((
        container.to_owned(),
        group.to_owned(),
        option("awslogs-region").map(str::to_owned),
    ));
}

/// `--verify` at its call point, for the input: JSON as it is, a registered revision
/// (`--task-definition`: its images may have been deleted since) as DescribeTaskDefinition
/// gives it; with `--force-new-deployment` alone nothing (what runs is what was pulled).
pub async fn input(
    config: &SdkConfig,
    input: &Input,
    quiet: bool,
    found: &mut Vec<String>,
) -> anyhow::Result<()> {
    match input {
        Input::Register { json, .. } => run(config, json, quiet, found).await,
        Input::Existing(reference) => {
            let out = aws_sdk_ecs::Client::new(config)
                .describe_task_definition()
                .task_definition(reference)
                .send()
                .await
                .aws("DescribeTaskDefinition")?;
            let containers = out
                .task_definition()
                .map_or(&[][..], |t| t.container_definitions());
            run(config, &containers_json(containers), quiet, found).await
        }
        Input::Current => {
            if !quiet {
                cli_support::report::note(
                    "--verify: nothing to check with --force-new-deployment alone (the services \
                     run their task definitions already)",
                );
            }
            Ok(())
        }
    }
}

/// What [`plan`] reads of a registered revision's containers, as register-ready JSON.
fn containers_json(containers: &[aws_sdk_ecs::types::ContainerDefinition]) -> Value {
    let containers: Vec<Value> = containers
        .iter()
        .map(|c| {
            let mut v = serde_json::json!({"name": c.name(), "image": c.image()});
            if let Some(l) = c.log_configuration() {
                v["logConfiguration"] = serde_json::json!({
                    "logDriver": l.log_driver().as_str(),
                    "options": l.options(),
                });
            }
            v
        })
        .collect();
    serde_json::json!({ "containerDefinitions": containers })
}

/// `--verify` on task definition JSON: every problem printed (an annotation each under GitHub
/// Actions), then an error (exit 1) saying that nothing was registered or changed.
pub async fn run(
    config: &SdkConfig,
    taskdef: &Value,
    quiet: bool,
    found: &mut Vec<String>,
) -> anyhow::Result<()> {
    let problems = check(config, taskdef, |line| {
        if !quiet {
            cli_support::report::note(line);
        }
    })
    .await;
    if problems.is_empty() {
        return Ok(());
    }
    for p in &problems {
        cli_support::report::error_annotated(format_args!("--verify: {p}"));
    }
    found.clone_from(&problems);
    Err(cli_support::report::exit(
        crate::exit::FAILED,
        format!(
            "--verify found {} problem{}: nothing was registered or changed",
            problems.len(),
            if problems.len() == 1 { "" } else { "s" }
        ),
    ))
}

/// Check everything the task definition names: the problems, each a line to print (empty:
/// all found); notes about skipped items go through `note`.
pub async fn check(config: &SdkConfig, taskdef: &Value, note: impl Fn(&str)) -> Vec<String> {
    let plan = plan(taskdef);
    for s in &plan.skipped {
        note(&format!("--verify: {s}"));
    }
    let mut problems = plan.problems;
    let default_region = config.region().map(ToString::to_string);
    let mut ecr_clients: BTreeMap<String, ecr::Client> = BTreeMap::new();
    let mut images: BTreeMap<String, Option<String>> = BTreeMap::new();
    for (container, text, r, registry) in &plan.images {
        let client = ecr_clients
            .entry(registry.region.clone())
            .or_insert_with(|| {
                let conf = ecr::config::Builder::from(config)
                    .region(Region::new(registry.region.clone()))
                    .build();
                ecr::Client::from_conf(conf)
            });
        if !images.contains_key(text) {
            let found = image_problem(client, r, registry).await;
            images.insert(text.clone(), found);
        }
        if let Some(p) = &images[text] {
            problems.push(format!("container {container:?}: image {text}: {p}"));
        }
    }
    let mut log_clients: BTreeMap<String, logs::Client> = BTreeMap::new();
    let mut groups: BTreeMap<(String, String), Option<String>> = BTreeMap::new();
    for (container, group, region) in &plan.log_groups {
        let region = region.clone().or_else(|| default_region.clone());
        let key = region.clone().unwrap_or_default();
        let client = log_clients.entry(key.clone()).or_insert_with(|| {
            let mut conf = logs::config::Builder::from(config);
            if let Some(r) = &region {
                conf = conf.region(Region::new(r.clone()));
            }
            logs::Client::from_conf(conf.build())
        });
        let id = (key.clone(), group.clone());
        if !groups.contains_key(&id) {
            let found = log_group_problem(client, group, &key).await;
            groups.insert(id.clone(), found);
        }
        if let Some(p) = &groups[&id] {
            problems.push(format!("container {container:?}: {p}"));
        }
    }
    let checked = plan.images.len() + plan.log_groups.len();
    if problems.is_empty() && checked > 0 {
        let mut msg = String::from("--verify: ");
        let _ = write!(
            msg,
            "{} ECR image{} and {} log group{} exist",
            images.len(),
            if images.len() == 1 { "" } else { "s" },
            groups.len(),
            if groups.len() == 1 { "" } else { "s" }
        );
        note(&msg);
    }
    problems
}

/// Why the image cannot be pulled, or `None` when it exists.
async fn image_problem(client: &ecr::Client, r: &ImageRef, registry: &Ecr) -> Option<String> {
    let tag = r.tag.as_deref().unwrap_or("latest");
    let id = match &r.digest {
        Some(d) => ecr::types::ImageIdentifier::builder()
            .image_digest(d)
            .build(),
        None => ecr::types::ImageIdentifier::builder()
            .image_tag(tag)
            .build(),
    };
    let answer = client
        .describe_images()
        .registry_id(&registry.account)
        .repository_name(&r.repository)
        .image_ids(id)
        .send()
        .await
        .aws("DescribeImages");
    let place = format!("account {}, {}", registry.account, registry.region);
    match answer {
        Ok(_) => None,
        Err(e) if code(&e) == Some("RepositoryNotFoundException") => Some(format!(
            "repository {} does not exist ({place}): create it and push the image, or fix \
             the image name",
            r.repository
        )),
        Err(e) if code(&e) == Some("ImageNotFoundException") => Some(match &r.digest {
            Some(d) => format!(
                "digest {d} is not in repository {} ({place}): push the image, or fix the \
                 digest",
                r.repository
            ),
            None => format!(
                "tag {tag} is not in repository {} ({place}): push the image with that tag \
                 first, or fix the tag",
                r.repository
            ),
        }),
        Err(e) => Some(format!(
            "cannot check it: {e} (--verify needs ecr:DescribeImages)"
        )),
    }
}

/// Why the log group is missing, or `None` when it exists.
async fn log_group_problem(client: &logs::Client, group: &str, region: &str) -> Option<String> {
    let mut pages = client
        .describe_log_groups()
        .log_group_name_prefix(group)
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        match page.aws("DescribeLogGroups") {
            Ok(page) => {
                if page
                    .log_groups()
                    .iter()
                    .any(|g| g.log_group_name() == Some(group))
                {
                    return None;
                }
            }
            Err(e) => {
                return Some(format!(
                    "cannot check log group {group} ({region}): {e} (--verify needs \
                     logs:DescribeLogGroups)"
                ));
            }
        }
    }
    Some(format!(
        "awslogs log group {group} does not exist ({region}): create it, or set the \
         awslogs-create-group option to \"true\" (the execution role then needs \
         logs:CreateLogGroup)"
    ))
}

fn code(e: &AwsError) -> Option<&str> {
    e.code.as_deref()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ECR: &str = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";

    #[test]
    fn plans_ecr_images_and_awslogs_groups() {
        let td = json!({"containerDefinitions": [
            {"name": "app", "image": format!("{ECR}/web:1.2"),
             "logConfiguration": {"logDriver": "awslogs",
                 "options": {"awslogs-group": "/ecs/web", "awslogs-region": "eu-west-1"}}},
            {"name": "proxy", "image": "nginx:1.27",
             "logConfiguration": {"logDriver": "awslogs",
                 "options": {"awslogs-group": "/ecs/proxy", "awslogs-create-group": "true"}}},
            {"name": "side", "image": format!("{ECR}/side@sha256:{}", "a".repeat(64)),
             "logConfiguration": {"logDriver": "json-file"}},
        ]});
        let p = plan(&td);
        assert!(p.problems.is_empty(), "{:?}", p.problems);
        let images: Vec<_> = p
            .images
            .iter()
            .map(|i| (&i.0[..], &i.2.repository[..]))
            .collect();
        assert_eq!(images, [("app", "web"), ("side", "side")]);
        assert_eq!(p.images[0].3.region, "eu-west-1");
        assert_eq!(
            p.log_groups,
            [(
                "app".to_owned(),
                "/ecs/web".to_owned(),
                Some("eu-west-1".to_owned())
            )]
        );
        assert_eq!(p.skipped.len(), 2);
        assert!(p.skipped[0].contains("nginx:1.27 is not in a private ECR registry"));
        assert!(p.skipped[1].contains("awslogs-create-group"));
    }

    #[test]
    fn invalid_references_and_missing_parts_are_problems() {
        let td = json!({"containerDefinitions": [
            {"name": "web", "image": "/web:"},
            {"name": "noimage"},
            {"name": "logs", "image": "busybox",
             "logConfiguration": {"logDriver": "awslogs", "options": {}}},
        ]});
        let p = plan(&td);
        assert_eq!(p.problems.len(), 3, "{:?}", p.problems);
        assert!(
            p.problems[0]
                .starts_with("container \"web\": image \"/web:\" is not a valid image reference: ")
        );
        assert!(p.problems[0].contains("did a variable expand to nothing?"));
        assert!(p.problems[1].contains("\"noimage\": no image"));
        assert!(p.problems[2].contains("no \"awslogs-group\" option"));
    }
}
