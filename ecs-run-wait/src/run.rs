//! The run: the AWS clients set up, the task started (`launch.rs`) or found
//! (`--attach`), watched until it stops (`wait.rs`) and its outcome reported: the exit
//! code, the messages, the `--summary` file (`session.rs`).

use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use anyhow::Context as _;
use aws_sdk_ecs::types::Task;
use cli_support::report::error_annotated;
use cli_support::signal::Signals;
use cli_support::{duration, gha, output, usage};

use crate::arn;
use crate::describe::{describe_task_definition, explain_cluster_not_found};
use crate::exit;
use crate::launch;
use crate::log_clients::LogsClients;
use crate::logs::Follower;
use crate::lookup::find_task;
use crate::outcome::{Ended, Verdict, decide};
use crate::session::{Session, Shutdown};
use crate::settings::{Mode, Settings};
use crate::signals::{self, Cut, or_cut};
use crate::start::StartFailed;
use crate::stop::StopLog;
use crate::summary::Outcome;
use crate::taskdef::TaskDefInfo;
use crate::wait::{self, Ending, Watch};

/// Run the job on a current-thread runtime.
pub fn run(settings: Settings) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    rt.block_on(execute(settings))
}

/// Signals, clients, the session; the outcome recorded in the summary, errors included.
async fn execute(s: Settings) -> anyhow::Result<ExitCode> {
    let shutdown = Arc::new(Mutex::new(Shutdown {
        path: s.summary.clone(),
        doc: None,
        stop: StopLog::default(),
        leave_running: s.wait.leave_running,
        run_task_in_flight: None,
    }));
    let signals = signals::listen(shutdown.clone())?;
    let fallback_region = match &s.mode {
        Mode::Attach(t) => t.region.clone(),
        Mode::Run(_) => None,
    };
    // The SDK's timeouts: cli_support::aws::default_timeouts; the calls before the wait are
    // bounded by --timeout as well (launch.rs), the wait's by its own deadline (wait.rs).
    let config = cli_support::aws::load_config(&s.aws, fallback_region.as_deref()).await?;
    let ecs = aws_sdk_ecs::Client::new(&config);
    let mut session = Session {
        path: s.summary.clone(),
        cluster: match &s.mode {
            Mode::Attach(t) => t.cluster.clone().or(s.cluster.clone()),
            Mode::Run(_) => s.cluster.clone(),
        },
        cluster_arn: match &s.mode {
            Mode::Attach(t) => arn::cluster_arn(t),
            Mode::Run(_) => None,
        },
        region: config.region().map(ToString::to_string),
        task_definition: match &s.mode {
            Mode::Run(r) => Some(r.task_definition.clone()),
            Mode::Attach(_) => None,
        },
        task: None,
        essential: Vec::new(),
        failures: Vec::new(),
        log_lines: None,
        logs: None,
        log_tail: None,
        signals: Vec::new(),
        shutdown,
        unwritten: false,
    };
    let result = Box::pin(execute_in(
        &s,
        &mut session,
        &ecs,
        LogsClients::new(&config),
        &signals,
    ))
    .await;
    let result = match result {
        // A success the summary does not record is not reported as one.
        Ok(code) if code == ExitCode::SUCCESS && session.unwritten => {
            let detached = matches!(&s.mode, Mode::Run(r) if r.detach);
            Err(if detached {
                anyhow::anyhow!(
                    "task {} was started and keeps running, but the --summary file could not \
                     be written (see the warning above)",
                    session
                        .task
                        .as_ref()
                        .and_then(Task::task_arn)
                        .unwrap_or_default()
                )
            } else {
                anyhow::anyhow!(
                    "the task succeeded, but the --summary file could not be written (see the \
                     warning above)"
                )
            })
        }
        Ok(code) => Ok(code),
        // Printed and annotated by `report::finish_with`.
        Err(err) => {
            if let Some(f) = err.chain().find_map(|e| e.downcast_ref::<StartFailed>()) {
                session.failures.clone_from(&f.failures);
            }
            let code = cli_support::report::code_for(&err, exit::FAILURE);
            let outcome = if code == exit::TIMEOUT {
                Outcome::TimedOut
            } else {
                Outcome::Error
            };
            session.write(outcome, Some(code), Some(format!("{err:#}")));
            Err(err)
        }
    };
    // step_summary.rs: under GitHub Actions, the report of the last summary (not for a
    // usage error: nothing ran).
    let usage_error = result.as_ref().is_err_and(|e| {
        e.chain()
            .any(|c| c.downcast_ref::<cli_support::UsageError>().is_some())
    });
    if !usage_error {
        let doc = crate::session::lock(&session.shutdown).doc.clone();
        if let Some(doc) = doc {
            crate::step_summary::report(&doc, session.log_tail.as_ref());
        }
    }
    result
}

/// A new task started (or `--attach`'s found), then watched.
async fn execute_in(
    s: &Settings,
    session: &mut Session,
    ecs: &aws_sdk_ecs::Client,
    logs: LogsClients,
    signals: &Signals,
) -> anyhow::Result<ExitCode> {
    let cluster = session.cluster.clone().unwrap_or_default();
    let (task, td) = match &s.mode {
        Mode::Run(run) => {
            let (task, td) =
                match Box::pin(launch::start(s, run, session, ecs, &cluster, signals)).await? {
                    Ok(started) => started,
                    Err(code) => return Ok(code),
                };
            if run.detach {
                let arn = task.task_arn().unwrap_or_default();
                output::print(format!("{arn}\n").as_bytes())?;
                session.task = Some(task);
                session.write(Outcome::Detached, Some(exit::SUCCESS), None);
                return Ok(ExitCode::SUCCESS);
            }
            (task, td)
        }
        Mode::Attach(t) => {
            s.report.status(format_args!(
                "looking for task {} in cluster {cluster}",
                t.task
            ));
            let found = async {
                let task = match find_task(
                    ecs,
                    &cluster,
                    &t.task,
                    s.wait.poll,
                    s.wait.missing_grace,
                    s.report,
                )
                .await
                {
                    Ok(task) => task,
                    Err(mut err) => {
                        explain_cluster_not_found(&mut err, ecs, &cluster).await;
                        return Err(err);
                    }
                };
                let td_arn = task.task_definition_arn().unwrap_or_default().to_owned();
                let td = describe_task_definition(ecs, &td_arn).await?;
                anyhow::Ok((task, td))
            };
            let deadline = s.wait.timeout.map(|t| t.deadline);
            let (task, td) = match Box::pin(or_cut(found, signals, deadline)).await {
                Ok(found) => found?,
                Err(Cut::Signal(sig)) => return Ok(session.interrupted(sig, None)),
                Err(Cut::Deadline) => {
                    return Err(launch::expired(
                        s,
                        &format!("before task {} was found", t.task),
                    ));
                }
            };
            if let Some(c) = &s.container {
                td.check_container(c).map_err(usage)?;
            }
            session.essential = td.essential();
            session.task_definition = Some(td.arn.clone());
            session.task = Some(task.clone());
            s.report.status(format_args!(
                "attached to task {} ({}) in cluster {cluster}, {}",
                task.task_arn().unwrap_or_default(),
                td.label,
                task.last_status().unwrap_or("UNKNOWN")
            ));
            session.write(Outcome::Running, None, None);
            (task, td)
        }
    };
    watch(s, session, ecs, logs, signals, task, &td).await
}

/// Watch the task until it stops, following its logs, and report how it ended.
async fn watch(
    s: &Settings,
    session: &mut Session,
    ecs: &aws_sdk_ecs::Client,
    logs: LogsClients,
    signals: &Signals,
    task: Task,
    td: &TaskDefInfo,
) -> anyhow::Result<ExitCode> {
    let task_arn = task.task_arn().unwrap_or_default().to_owned();
    let id = arn::task_id(&task_arn).to_owned();
    let cluster = task
        .cluster_arn()
        .map(str::to_owned)
        .or(session.cluster.clone())
        .unwrap_or_default();
    let mut log_states = Vec::new();
    let mut follower = if s.no_logs {
        None
    } else {
        let (targets, notes) = td.log_targets(&id);
        for (note, state) in notes {
            s.report.status(note);
            log_states.push(state);
        }
        (!targets.is_empty()).then(|| Follower::new(targets, logs, gha::active(), &id, s.report))
    };
    let mut w = Watch {
        ecs,
        cluster,
        task_arn,
        last: Some(task),
        report: s.report,
        stop_log: session.stop_log(),
    };
    let mut out = output::stdout();
    let ending = wait::watch(&mut w, follower.as_mut(), &mut out, &s.wait, signals).await;
    if let Some(f) = follower.as_mut() {
        f.close(&mut out);
        session.log_lines = Some(f.lines());
        session.log_tail = Some(f.tail().clone());
        // A stream still missing now that the task stopped and the grace passed will not
        // come: say so.
        let settled = matches!(ending, Ok(Ending::Stopped(_)));
        let failed_to_start = matches!(&ending, Ok(Ending::Stopped(t))
            if t.stop_code().map(aws_sdk_ecs::types::TaskStopCode::as_str)
                == Some(crate::outcome::FAILED_TO_START));
        log_states.extend(f.states(settled, failed_to_start).await);
    }
    if !s.no_logs {
        let order = td.names();
        log_states.sort_by_key(|l| order.iter().position(|n| *n == l.container));
        session.logs = Some(log_states);
    }
    session.task.clone_from(&w.last);
    Ok(match ending? {
        Ending::Stopped(task) => stopped(s, session, &task, &id),
        Ending::TimedOut(stop) => {
            let message = format!(
                "--timeout {} expired before task {id} stopped; {stop}",
                duration::format(s.wait.timeout.map(|t| t.limit).unwrap_or_default()),
            );
            error_annotated(&message);
            session.write(Outcome::TimedOut, Some(exit::TIMEOUT), Some(message));
            ExitCode::from(exit::TIMEOUT)
        }
        Ending::Interrupted(sig, stop) => session.interrupted(sig, Some(&stop)),
    })
}

/// The task stopped: its exit code (or why there is none), said and recorded.
fn stopped(s: &Settings, session: &mut Session, task: &Task, id: &str) -> ExitCode {
    let stopped = Ended::from_task(task);
    match decide(&stopped, &session.essential, s.container.as_deref()) {
        Verdict::Exit {
            code: exit::SUCCESS,
            who,
        } => {
            s.report
                .status(format_args!("task {id} stopped: {who} exited 0"));
            session.write(Outcome::Exited, Some(exit::SUCCESS), None);
            ExitCode::SUCCESS
        }
        Verdict::Exit { code, who } => {
            let message = format!(
                "task {id}: {who} exited with code {code} ({})",
                stopped.stop_line()
            );
            error_annotated(&message);
            session.write(Outcome::Exited, Some(code), Some(message));
            ExitCode::from(code)
        }
        Verdict::NoExitCode(why) => {
            let mut lines = vec![
                format!("task {id} stopped without an exit code: {why}"),
                format!(
                    "stopCode: {}",
                    stopped.stop_code.as_deref().unwrap_or("(none)")
                ),
                format!(
                    "stoppedReason: {}",
                    stopped.stopped_reason.as_deref().unwrap_or("(none)")
                ),
            ];
            lines.extend(stopped.container_lines());
            let message = lines.join("\n");
            if gha::active() {
                // One annotation for the whole explanation, and nothing twice.
                gha::annotate_error(Some(cli_support::report::tool()), &message);
            } else {
                for line in &lines {
                    cli_support::report::error(line);
                }
            }
            session.write(Outcome::Failed, Some(exit::FAILURE), Some(message));
            ExitCode::from(exit::FAILURE)
        }
    }
}
