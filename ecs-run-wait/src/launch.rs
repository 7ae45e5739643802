//! Starting a new task: the task definition (and `--network-from-service`'s service) read,
//! the flags checked against them, the RunTask input built, the task started
//! (`start.rs`); a signal meanwhile stops what was started.

use std::process::ExitCode;

use aws_sdk_ecs::Client;
use aws_sdk_ecs::operation::run_task::builders::RunTaskInputBuilder;
use aws_sdk_ecs::types::{Service, Task};
use cli_support::aws::AwsResultExt as _;
use cli_support::signal::Signals;
use cli_support::usage;

use crate::describe::{
    describe_service, describe_task_definition, explain_cluster_not_found, place_of,
};
use crate::exit;
use crate::notfound::{self, short_name};
use crate::overrides;
use crate::plan::{Placement, RunRequest};
use crate::session::Session;
use crate::settings::{RunSettings, Settings};
use crate::signals::{Cut, or_cut};
use crate::start::{self, Started};
use crate::stop::{StopPhase, StopResult, record_stop, stop_task};
use crate::summary::Outcome;
use crate::taskdef::TaskDefInfo;

/// Describe, check, RunTask. `Ok(Err(code))`: interrupted while starting.
pub async fn start(
    s: &Settings,
    run: &RunSettings,
    session: &mut Session,
    ecs: &Client,
    cluster: &str,
    signals: &Signals,
) -> anyhow::Result<Result<(Task, TaskDefInfo), ExitCode>> {
    let service = async {
        match &run.network_from_service {
            Some(name) => describe_service(ecs, cluster, name).await.map(Some),
            None => Ok(None),
        }
    };
    let both = async { tokio::join!(service, describe_task_definition(ecs, &run.task_definition)) };
    let deadline = s.wait.timeout.map(|t| t.deadline);
    let (service, td) = match Box::pin(or_cut(both, signals, deadline)).await {
        Ok(both) => both,
        Err(Cut::Signal(sig)) => return Ok(Err(session.interrupted(sig, None))),
        Err(Cut::Deadline) => return Err(expired(s, "before the task was started")),
    };
    let td = td?;
    let service = service?;
    session.task_definition = Some(td.arn.clone());
    session.essential = td.essential();
    if let Some(c) = &s.container {
        td.check_container(c).map_err(usage)?;
    }
    let fargate = match Box::pin(or_cut(
        default_to_fargate(s, run, &td, service.as_ref(), ecs, cluster),
        signals,
        deadline,
    ))
    .await
    {
        Ok(fargate) => fargate?,
        Err(Cut::Signal(sig)) => return Ok(Err(session.interrupted(sig, None))),
        Err(Cut::Deadline) => return Err(expired(s, "before the task was started")),
    };
    let input = request(s, run, &td, service.as_ref(), cluster, fargate)?;
    s.report.status(format_args!(
        "starting a task of {} in cluster {cluster}",
        td.label
    ));
    // For a second signal that ends the process before RunTask answered (signals.rs).
    crate::session::lock(&session.shutdown).run_task_in_flight =
        Some(find_command(cluster, &run.started_by));
    let started = Box::pin(send(s, run, ecs, cluster, &input, signals, deadline)).await;
    crate::session::lock(&session.shutdown).run_task_in_flight = None;
    let started = started?;
    let started = match started {
        Ok(started) => started,
        Err(mut err) => {
            explain_cluster_not_found(&mut err, ecs, cluster).await;
            return Err(err.context(format!(
                "cannot start a task of {} in cluster {cluster}",
                td.label
            )));
        }
    };
    match started {
        Started::Task(task) => {
            s.report.status(format_args!(
                "started task {} ({})",
                task.task_arn().unwrap_or_default(),
                task.last_status().unwrap_or("UNKNOWN")
            ));
            session.task = Some((*task).clone());
            session.write(Outcome::Running, None, None);
            Ok(Ok((*task, td)))
        }
        Started::Interrupted(sig, task) => {
            let stop = match task {
                Some(task) => {
                    session.task = Some((*task).clone());
                    let stop_log = session.stop_log();
                    let stop = if s.wait.leave_running {
                        record_stop(&stop_log, StopPhase::Done(StopResult::LeftRunning));
                        StopResult::LeftRunning
                    } else {
                        let (stop, answered) = stop_task(
                            ecs,
                            cluster,
                            task.task_arn().unwrap_or_default(),
                            &format!("ecs-run-wait was interrupted ({})", sig.name()),
                            &stop_log,
                        )
                        .await;
                        if answered.is_some() {
                            session.task = answered;
                        }
                        stop
                    };
                    Some(stop)
                }
                None => None,
            };
            Ok(Err(session.interrupted(sig, stop.as_ref())))
        }
    }
}

/// A FARGATE-only task definition with no launch type or capacity provider (from the flags
/// or the service) in a cluster without a default capacity provider strategy runs on
/// FARGATE, as aws-actions' run-task does: sent as is, ECS would use EC2. True when the
/// request must say FARGATE; a status line says so.
async fn default_to_fargate(
    s: &Settings,
    run: &RunSettings,
    td: &TaskDefInfo,
    service: Option<&Service>,
    ecs: &Client,
    cluster: &str,
) -> anyhow::Result<bool> {
    let chosen = |p: &Placement| p.launch_type.is_some() || !p.capacity_providers.is_empty();
    if !td.fargate_only()
        || chosen(&run.placement)
        || service.is_some_and(|s| chosen(&Placement::from_service(s)))
    {
        return Ok(false);
    }
    let why = match ecs
        .describe_clusters()
        .clusters(cluster)
        .send()
        .await
        .aws("DescribeClusters")
    {
        Ok(out) => match out.clusters().first() {
            Some(c) if !c.default_capacity_provider_strategy().is_empty() => return Ok(false),
            Some(_) => format!(
                "cluster {} has no default capacity provider strategy",
                short_name(cluster)
            ),
            None => {
                let mut place = place_of(ecs, cluster);
                for f in out.failures() {
                    if let Some(arn) = f.arn() {
                        place.learn(arn);
                    }
                }
                let names = notfound::clusters(ecs, &mut place).await;
                let name = short_name(cluster);
                anyhow::bail!(
                    "cluster {name} is not found {} (DescribeClusters: {}){}",
                    place.text(),
                    out.failures()
                        .iter()
                        .map(|f| f.reason().unwrap_or("no reason"))
                        .collect::<Vec<_>>()
                        .join("; "),
                    notfound::did_you_mean(name, &names)
                );
            }
        },
        // Not readable (no ecs:DescribeClusters): EC2 cannot be what a FARGATE-only
        // task definition is meant for.
        Err(e) => format!("cluster {} cannot be read ({e})", short_name(cluster)),
    };
    s.report.status(format_args!(
        "task definition {} requires FARGATE and {why}: using launch type FARGATE \
         (--launch-type or --capacity-provider to choose)",
        td.label
    ));
    Ok(true)
}

/// The RunTask input: the flags checked against the task definition and merged over what
/// the service gives.
fn request(
    s: &Settings,
    run: &RunSettings,
    td: &TaskDefInfo,
    service: Option<&Service>,
    cluster: &str,
    fargate: bool,
) -> anyhow::Result<RunTaskInputBuilder> {
    let mut env = Vec::new();
    for e in &run.env {
        let container = td
            .env_target(e.container.as_deref(), &e.name, s.container.as_deref())
            .map_err(usage)?;
        env.push((container, e.name.clone(), e.value.clone()));
    }
    let flags = overrides::Flags {
        container: if run.command.is_some() {
            Some(td.override_target(s.container.as_deref()).map_err(usage)?)
        } else {
            None
        },
        command: run.command.clone(),
        env,
        cpu: run.cpu.clone(),
        memory: run.memory.clone(),
    };
    let mut launch = match service {
        Some(s) => run
            .placement
            .clone()
            .merged_over(Placement::from_service(s)),
        None => run.placement.clone(),
    };
    if fargate && launch.launch_type.is_none() && launch.capacity_providers.is_empty() {
        launch.launch_type = Some("FARGATE".to_owned());
    }
    if td.network_mode.as_deref() == Some("awsvpc") && launch.subnets.is_empty() {
        return Err(usage(format!(
            "task definition {} uses the awsvpc network mode: pass --subnets and \
             --security-groups, or --network-from-service SERVICE",
            td.label
        )));
    }
    let request = RunRequest {
        cluster: cluster.to_owned(),
        task_definition: td.arn.clone(),
        placement: launch,
        started_by: run.started_by.clone(),
        tags: run.tags.clone(),
        propagate_tags: run.propagate_tags,
        enable_execute_command: run.enable_execute_command,
        overrides: overrides::build(run.overrides.clone(), &flags, &td.names()).map_err(usage)?,
    };
    request.input().map_err(usage)
}

/// RunTask (`start.rs`: the SDK's retries, the capacity retries), within `--timeout`: the
/// deadline only, since `start` handles the signals (a task it started is handed back to be
/// stopped). The inner result is RunTask's.
async fn send(
    s: &Settings,
    run: &RunSettings,
    ecs: &Client,
    cluster: &str,
    input: &RunTaskInputBuilder,
    signals: &Signals,
    deadline: Option<tokio::time::Instant>,
) -> anyhow::Result<anyhow::Result<Started>> {
    let starting = Box::pin(start::start(
        ecs,
        input,
        run.client_token.as_deref(),
        run.start_retries,
        start::CAPACITY_PAUSE,
        signals,
        s.report,
    ));
    match deadline {
        Some(d) => tokio::time::timeout_at(d, starting).await.map_err(|_| {
            expired(
                s,
                &format!(
                    "before RunTask answered: if it started a task, that task keeps running \
                     (find it with: {})",
                    find_command(cluster, &run.started_by)
                ),
            )
        }),
        None => Ok(starting.await),
    }
}

/// The command that lists the tasks a RunTask that did not answer may have started.
fn find_command(cluster: &str, started_by: &str) -> String {
    format!("aws ecs list-tasks --cluster {cluster} --started-by {started_by}")
}

/// `--timeout` expired before the wait began (exit 124): every call counts against it.
pub fn expired(s: &Settings, when: &str) -> anyhow::Error {
    let limit = s.wait.timeout.map(|t| t.limit).unwrap_or_default();
    cli_support::report::exit(
        exit::TIMEOUT,
        format!(
            "--timeout {} expired {when}",
            cli_support::duration::format(limit)
        ),
    )
}
