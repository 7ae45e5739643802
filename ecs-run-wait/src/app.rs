//! From the command line to an exit code: the arguments turned into plain settings (every
//! usage check that needs no AWS call), then the run: describe, start, watch, report.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use aws_sdk_ecs::operation::run_task::builders::RunTaskInputBuilder;
use aws_sdk_ecs::types::Task;
use aws_smithy_types::timeout::TimeoutConfig;
use cli_support::aws::{AwsArgs, AwsError, AwsResultExt as _};
use cli_support::output::{self, Access};
use cli_support::report::error_annotated;
use cli_support::{duration, gha, usage};
use serde_json::{Value, json};

use crate::arn::{self, TaskRef};
use crate::cli::Cli;
use crate::logs::{Follower, LogsClients};
use crate::notfound::{self, Place, short_name};
use crate::outcome::{Ended, Verdict, decide};
use crate::overrides;
use crate::plan::{self, Placement, RunRequest, Tag};
use crate::runner::{
    self, Backoff, Ending, Interrupt, Reporter, Signal, StartFailed, StartFailure, Started,
    StopLog, StopPhase, StopResult, Timeout, WaitOptions, Watch,
};
use crate::summary::{self, Facts, Outcome};
use crate::taskdef::{LogState, TaskDefInfo};

/// How long a task may be missing from DescribeTasks right after it started.
const MISSING_GRACE: Duration = Duration::from_mins(1);
/// Log reads while the task runs happen at least this often.
const LOG_INTERVAL: Duration = Duration::from_secs(2);

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    if cli.generate.handle::<Cli>()? {
        return Ok(ExitCode::SUCCESS);
    }
    let settings = Settings::from_cli(cli)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    rt.block_on(settings.execute())
}

/// `--attach` or a new task.
enum Mode {
    Run(Box<RunSettings>),
    Attach(TaskRef),
}

struct RunSettings {
    task_definition: String,
    placement: Placement,
    network_from_service: Option<String>,
    started_by: String,
    tags: Vec<Tag>,
    propagate_tags: bool,
    enable_execute_command: bool,
    client_token: Option<String>,
    start_retries: u32,
    command: Option<Vec<String>>,
    env: Vec<plan::EnvValue>,
    cpu: Option<String>,
    memory: Option<String>,
    overrides: Option<Value>,
    detach: bool,
}

struct Settings {
    mode: Mode,
    cluster: Option<String>,
    container: Option<String>,
    /// Polling, `--timeout` (counted from the tool's start), grace periods.
    wait: WaitOptions,
    no_logs: bool,
    summary: Option<PathBuf>,
    report: Reporter,
    aws: AwsArgs,
}

fn read_overrides(arg: &str) -> anyhow::Result<Value> {
    let (text, source) = match arg.strip_prefix('@') {
        Some(path) => (
            std::fs::read_to_string(path)
                .map_err(|e| usage(format!("--overrides: cannot read {path}: {e}")))?,
            path.to_owned(),
        ),
        None => (arg.to_owned(), "--overrides".to_owned()),
    };
    serde_json::from_str(&text).map_err(|e| {
        usage(format!(
            "{source}: not valid JSON: {e} (a TaskOverride object, e.g. \
             '{{\"containerOverrides\":[{{\"name\":\"app\",\"command\":[\"./migrate\"]}}]}}')"
        ))
    })
}

/// RunTask's clientToken: 1 to 64 printable ASCII characters without spaces (33-126).
fn check_client_token(token: &str) -> anyhow::Result<()> {
    if let Some(c) = token.chars().find(|c| !('!'..='~').contains(c)) {
        return Err(usage(format!(
            "--client-token: {c:?} is not allowed: ECS accepts printable ASCII characters \
             without spaces (codes 33 to 126)"
        )));
    }
    if token.is_empty() || token.len() > 64 {
        return Err(usage(format!(
            "--client-token: must be 1 to 64 characters, got {}",
            token.len()
        )));
    }
    Ok(())
}

fn check_summary_path(path: &Path) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return Err(usage(format!(
            "--summary {}: directory {} does not exist",
            path.display(),
            dir.display()
        )));
    }
    if path.is_dir() {
        return Err(usage(format!(
            "--summary {}: is a directory",
            path.display()
        )));
    }
    Ok(())
}

impl Settings {
    fn from_cli(cli: Cli) -> anyhow::Result<Settings> {
        if let Some(path) = &cli.summary {
            check_summary_path(path)?;
        }
        let mode = if let Some(task) = &cli.attach {
            let task = arn::parse_task(task).map_err(|e| usage(format!("--attach: {e}")))?;
            if let (Some(given), Some(from_arn)) = (&cli.cluster, &task.cluster)
                && given != from_arn
                && !given.ends_with(&format!("/{from_arn}"))
            {
                return Err(usage(format!(
                    "--cluster {given} does not match the task's cluster {from_arn}; leave --cluster out"
                )));
            }
            if task.cluster.is_none() && cli.cluster.is_none() {
                return Err(usage(
                    "--attach: this task reference names no cluster: give the task's full ARN, or --cluster",
                ));
            }
            if let (Some(r), Some(from_arn)) = (&cli.aws.region, &task.region)
                && r != from_arn
            {
                return Err(usage(format!(
                    "--region {r} does not match the task's region {from_arn}; leave --region out"
                )));
            }
            Mode::Attach(task)
        } else {
            let command = match (&cli.command, cli.args.is_empty()) {
                (Some(c), _) => Some(plan::parse_command(c).map_err(usage)?),
                (None, false) => Some(cli.args.clone()),
                (None, true) => None,
            };
            if let Some(t) = &cli.client_token {
                check_client_token(t)?;
            }
            let env = plan::resolve_env(&cli.env, |k| std::env::var(k).ok()).map_err(usage)?;
            let overrides = cli.overrides.as_deref().map(read_overrides).transpose()?;
            Mode::Run(Box::new(RunSettings {
                task_definition: cli.task_definition.clone().unwrap_or_default(),
                placement: Placement {
                    subnets: cli.subnets.clone(),
                    security_groups: cli.security_groups.clone(),
                    assign_public_ip: cli.assign_public_ip.map(|a| {
                        match a {
                            crate::cli::AssignPublicIp::Enabled => "ENABLED",
                            crate::cli::AssignPublicIp::Disabled => "DISABLED",
                        }
                        .to_owned()
                    }),
                    launch_type: cli.launch_type.map(|l| l.as_str().to_owned()),
                    capacity_providers: cli.capacity_provider.clone(),
                    platform_version: cli.platform_version.clone(),
                },
                network_from_service: cli.network_from_service.clone(),
                started_by: cli.started_by.clone(),
                tags: cli.tags.clone(),
                propagate_tags: cli.propagate_tags,
                enable_execute_command: cli.enable_execute_command,
                client_token: cli.client_token.clone(),
                start_retries: cli.start_retries,
                command,
                env,
                cpu: cli.cpu.clone(),
                memory: cli.memory.clone(),
                overrides,
                detach: cli.detach,
            }))
        };
        Ok(Settings {
            cluster: cli.cluster,
            mode,
            container: cli.container,
            wait: WaitOptions {
                poll: cli.poll,
                timeout: cli.timeout.map(Timeout::from_now),
                leave_running: cli.leave_running,
                log_grace: cli.log_grace,
                missing_grace: MISSING_GRACE,
                log_interval: LOG_INTERVAL.min(cli.poll),
            },
            no_logs: cli.no_logs,
            summary: cli.summary,
            report: Reporter { quiet: cli.quiet },
            aws: cli.aws,
        })
    }

    async fn execute(self) -> anyhow::Result<ExitCode> {
        let shutdown = Arc::new(Mutex::new(Shutdown {
            path: self.summary.clone(),
            doc: None,
            stop: StopLog::default(),
            leave_running: self.wait.leave_running,
        }));
        let mut interrupt = listen_for_signals(shutdown.clone())?;
        let fallback_region = match &self.mode {
            Mode::Attach(t) => t.region.clone(),
            Mode::Run(_) => None,
        };
        let config = cli_support::aws::load_config(&self.aws, fallback_region.as_deref())
            .await?
            .to_builder()
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(Duration::from_secs(5))
                    .operation_attempt_timeout(Duration::from_secs(30))
                    .build(),
            )
            .build();
        let ecs = aws_sdk_ecs::Client::new(&config);
        let mut session = Session {
            path: self.summary.clone(),
            cluster: match &self.mode {
                Mode::Attach(t) => t.cluster.clone().or(self.cluster.clone()),
                Mode::Run(_) => self.cluster.clone(),
            },
            region: config.region().map(ToString::to_string),
            task_definition: match &self.mode {
                Mode::Run(r) => Some(r.task_definition.clone()),
                Mode::Attach(_) => None,
            },
            task: None,
            essential: Vec::new(),
            failures: Vec::new(),
            log_lines: None,
            logs: None,
            signals: Vec::new(),
            shutdown,
            unwritten: false,
        };
        let result = Box::pin(self.execute_in(
            &mut session,
            &ecs,
            LogsClients::new(&config),
            &mut interrupt,
        ))
        .await;
        match result {
            // A success the summary does not record is not reported as one.
            Ok(code) if code == ExitCode::SUCCESS && session.unwritten => {
                let detached = matches!(&self.mode, Mode::Run(r) if r.detach);
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
                let code = cli_support::report::code_for(&err, 125);
                session.write(Outcome::Error, Some(code), Some(format!("{err:#}")));
                Err(err)
            }
        }
    }

    async fn execute_in(
        &self,
        session: &mut Session,
        ecs: &aws_sdk_ecs::Client,
        logs: LogsClients,
        interrupt: &mut Interrupt,
    ) -> anyhow::Result<ExitCode> {
        let cluster = session.cluster.clone().unwrap_or_default();
        let (task, td) = match &self.mode {
            Mode::Run(run) => {
                let (task, td) =
                    match Box::pin(self.start(run, session, ecs, &cluster, interrupt)).await? {
                        Ok(started) => started,
                        Err(code) => return Ok(code),
                    };
                if run.detach {
                    let arn = task.task_arn().unwrap_or_default();
                    output::print(format!("{arn}\n").as_bytes())?;
                    session.task = Some(task);
                    session.write(Outcome::Detached, Some(0), None);
                    return Ok(ExitCode::SUCCESS);
                }
                (task, td)
            }
            Mode::Attach(t) => {
                self.report.status(format_args!(
                    "looking for task {} in cluster {cluster}",
                    t.task
                ));
                let found = async {
                    let task =
                        match runner::find_task(ecs, &cluster, &t.task, &self.wait, self.report)
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
                let (task, td) = match Box::pin(or_interrupt(found, interrupt)).await {
                    Ok(found) => found?,
                    Err(sig) => return Ok(interrupted(session, sig, None)),
                };
                if let Some(c) = &self.container {
                    td.check_container(c).map_err(usage)?;
                }
                session.essential = td.essential();
                session.task_definition = Some(td.arn.clone());
                session.task = Some(task.clone());
                self.report.status(format_args!(
                    "attached to task {} ({}) in cluster {cluster}, {}",
                    task.task_arn().unwrap_or_default(),
                    td.label,
                    task.last_status().unwrap_or("UNKNOWN")
                ));
                session.write(Outcome::Running, None, None);
                (task, td)
            }
        };
        self.watch(session, ecs, logs, interrupt, task, &td).await
    }

    /// Describe, check, RunTask. `Ok(Err(code))`: interrupted while starting.
    async fn start(
        &self,
        run: &RunSettings,
        session: &mut Session,
        ecs: &aws_sdk_ecs::Client,
        cluster: &str,
        interrupt: &mut Interrupt,
    ) -> anyhow::Result<Result<(Task, TaskDefInfo), ExitCode>> {
        let service = async {
            match &run.network_from_service {
                Some(name) => describe_service(ecs, cluster, name).await.map(Some),
                None => Ok(None),
            }
        };
        let both =
            async { tokio::join!(service, describe_task_definition(ecs, &run.task_definition)) };
        let (service, td) = match Box::pin(or_interrupt(both, interrupt)).await {
            Ok(both) => both,
            Err(sig) => return Ok(Err(interrupted(session, sig, None))),
        };
        let td = td?;
        let service = service?;
        session.task_definition = Some(td.arn.clone());
        session.essential = td.essential();
        if let Some(c) = &self.container {
            td.check_container(c).map_err(usage)?;
        }
        let fargate = match Box::pin(or_interrupt(
            self.default_to_fargate(run, &td, service.as_ref(), ecs, cluster),
            interrupt,
        ))
        .await
        {
            Ok(fargate) => fargate?,
            Err(sig) => return Ok(Err(interrupted(session, sig, None))),
        };
        let input = self.request(run, &td, service.as_ref(), cluster, fargate)?;
        self.report.status(format_args!(
            "starting a task of {} in cluster {cluster}",
            td.label
        ));
        let started = match runner::start(
            ecs,
            &input,
            run.client_token.as_deref(),
            run.start_retries,
            Backoff::default(),
            interrupt,
            self.report,
        )
        .await
        {
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
                self.report.status(format_args!(
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
                        let mut w = Watch {
                            ecs,
                            cluster: cluster.to_owned(),
                            task_arn: task.task_arn().unwrap_or_default().to_owned(),
                            last: Some(*task),
                            report: self.report,
                            stop_log: session.stop_log(),
                        };
                        let stop = if self.wait.leave_running {
                            runner::record_stop(
                                &w.stop_log,
                                StopPhase::Done(StopResult::LeftRunning),
                            );
                            StopResult::LeftRunning
                        } else {
                            runner::stop_task(
                                &mut w,
                                &format!("ecs-run-wait was interrupted ({})", sig.name()),
                            )
                            .await
                        };
                        session.task = w.last;
                        Some(stop)
                    }
                    None => None,
                };
                Ok(Err(interrupted(session, sig, stop.as_ref())))
            }
        }
    }

    /// A FARGATE-only task definition with no launch type or capacity provider (from the flags
    /// or the service) in a cluster without a default capacity provider strategy runs on
    /// FARGATE, as aws-actions' run-task does: sent as is, ECS would use EC2. True when the
    /// request must say FARGATE; a status line says so.
    async fn default_to_fargate(
        &self,
        run: &RunSettings,
        td: &TaskDefInfo,
        service: Option<&aws_sdk_ecs::types::Service>,
        ecs: &aws_sdk_ecs::Client,
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
        self.report.status(format_args!(
            "task definition {} requires FARGATE and {why}: using launch type FARGATE \
             (--launch-type or --capacity-provider to choose)",
            td.label
        ));
        Ok(true)
    }

    /// The RunTask input: the flags checked against the task definition and merged over what
    /// the service gives.
    fn request(
        &self,
        run: &RunSettings,
        td: &TaskDefInfo,
        service: Option<&aws_sdk_ecs::types::Service>,
        cluster: &str,
        fargate: bool,
    ) -> anyhow::Result<RunTaskInputBuilder> {
        let mut env = Vec::new();
        for e in &run.env {
            let container = td
                .env_target(e.container.as_deref(), &e.name, self.container.as_deref())
                .map_err(usage)?;
            env.push((container, e.name.clone(), e.value.clone()));
        }
        let flags = overrides::Flags {
            container: if run.command.is_some() {
                Some(
                    td.override_target(self.container.as_deref())
                        .map_err(usage)?,
                )
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
            overrides: overrides::build(run.overrides.clone(), &flags, &td.names())
                .map_err(usage)?,
        };
        request.input().map_err(usage)
    }

    async fn watch(
        &self,
        session: &mut Session,
        ecs: &aws_sdk_ecs::Client,
        logs: LogsClients,
        interrupt: &mut Interrupt,
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
        let mut follower = if self.no_logs {
            None
        } else {
            let (targets, notes) = td.log_targets(&id);
            for (note, state) in notes {
                self.report.status(note);
                log_states.push(state);
            }
            (!targets.is_empty())
                .then(|| Follower::new(targets, logs, gha::active(), &id, self.report))
        };
        let mut w = Watch {
            ecs,
            cluster,
            task_arn,
            last: Some(task),
            report: self.report,
            stop_log: session.stop_log(),
        };
        let mut out = output::stdout();
        let ending =
            runner::watch(&mut w, follower.as_mut(), &mut out, &self.wait, interrupt).await;
        if let Some(f) = follower.as_mut() {
            f.close(&mut out);
            session.log_lines = Some(f.lines());
            // A stream still missing now that the task stopped and the grace passed will not
            // come: say so.
            let settled = matches!(ending, Ok(Ending::Stopped(_)));
            let failed_to_start = matches!(&ending, Ok(Ending::Stopped(t))
                if t.stop_code().map(aws_sdk_ecs::types::TaskStopCode::as_str)
                    == Some(crate::outcome::FAILED_TO_START));
            log_states.extend(f.states(settled, failed_to_start).await);
        }
        if !self.no_logs {
            let order = td.names();
            log_states.sort_by_key(|l| order.iter().position(|n| *n == l.container));
            session.logs = Some(log_states);
        }
        session.task.clone_from(&w.last);
        Ok(match ending? {
            Ending::Stopped(task) => self.stopped(session, &task, &id),
            Ending::TimedOut(stop) => {
                let message = format!(
                    "--timeout {} expired before task {id} stopped; {stop}",
                    duration::format(self.wait.timeout.map(|t| t.limit).unwrap_or_default()),
                );
                error_annotated(&message);
                session.write(Outcome::TimedOut, Some(124), Some(message));
                ExitCode::from(124)
            }
            Ending::Interrupted(sig, stop) => interrupted(session, sig, Some(&stop)),
        })
    }

    fn stopped(&self, session: &mut Session, task: &Task, id: &str) -> ExitCode {
        let stopped = Ended::from_task(task);
        match decide(&stopped, &session.essential, self.container.as_deref()) {
            Verdict::Exit { code: 0, who } => {
                self.report
                    .status(format_args!("task {id} stopped: {who} exited 0"));
                session.write(Outcome::Exited, Some(0), None);
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
                session.write(Outcome::Failed, Some(125), Some(message));
                ExitCode::from(125)
            }
        }
    }
}

fn interrupted(session: &mut Session, sig: Signal, stop: Option<&StopResult>) -> ExitCode {
    let what = match stop {
        Some(stop) => stop.to_string(),
        None => "no task was started or stopped".to_owned(),
    };
    let message = format!("interrupted by {}; {what}", sig.name());
    error_annotated(&message);
    session.signals = vec![sig];
    session.write(Outcome::Interrupted, Some(sig.exit_code()), Some(message));
    ExitCode::from(sig.exit_code())
}

/// What the handler of a second signal needs to leave a complete summary: the process ends
/// there, in the middle of whatever it was doing (most often StopTask).
struct Shutdown {
    path: Option<PathBuf>,
    /// The last summary (written, with --summary).
    doc: Option<Value>,
    stop: StopLog,
    leave_running: bool,
}

/// The summary's `task_stop`: what became of the task when ecs-run-wait was interrupted or
/// timed out.
fn task_stop(phase: &StopPhase) -> &'static str {
    match phase {
        StopPhase::NotAsked => "not_requested",
        StopPhase::Sending => "requested",
        StopPhase::Done(StopResult::Sent) => "stopped",
        StopPhase::Done(StopResult::LeftRunning) => "left_running",
        StopPhase::Done(StopResult::AlreadyStopped) => "already_stopped",
        StopPhase::Done(StopResult::Failed { .. }) => "stop_failed",
    }
}

/// The summary's state, written on every outcome.
struct Session {
    path: Option<PathBuf>,
    cluster: Option<String>,
    region: Option<String>,
    task_definition: Option<String>,
    task: Option<Task>,
    essential: Vec<String>,
    failures: Vec<StartFailure>,
    log_lines: Option<u64>,
    logs: Option<Vec<LogState>>,
    /// The signal that ended the wait.
    signals: Vec<Signal>,
    shutdown: Arc<Mutex<Shutdown>>,
    /// The last write of the summary failed.
    unwritten: bool,
}

impl Session {
    fn stop_log(&self) -> StopLog {
        lock(&self.shutdown).stop.clone()
    }

    /// Write the summary (with --summary) and keep it for a second signal's message.
    fn write(&mut self, outcome: Outcome, exit_code: Option<u8>, message: Option<String>) {
        let mut doc = summary::document(
            outcome,
            &Facts {
                cluster: self.cluster.as_deref(),
                region: self.region.as_deref(),
                task_definition: self.task_definition.as_deref(),
                task: self.task.as_ref(),
                essential: &self.essential,
                exit_code,
                message,
                failures: &self.failures,
                log_lines: self.log_lines,
                logs: self.logs.as_deref(),
            },
        );
        // Held while writing: a second signal waits for this write, then writes its own.
        let mut shutdown = lock(&self.shutdown);
        if matches!(outcome, Outcome::Interrupted | Outcome::TimedOut) {
            let phase = lock(&shutdown.stop).clone();
            doc["task_stop"] = json!(task_stop(&phase));
        }
        if !self.signals.is_empty() {
            doc["signals"] = json!(self.signals.iter().map(|s| s.name()).collect::<Vec<_>>());
        }
        if let Some(path) = &self.path {
            match write_summary(path, &doc) {
                Ok(()) => self.unwritten = false,
                Err(e) => {
                    cli_support::warn(format_args!("--summary: {e:#}"));
                    self.unwritten = true;
                }
            }
        }
        shutdown.doc = Some(doc);
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn write_summary(path: &Path, doc: &Value) -> anyhow::Result<()> {
    let mut bytes = serde_json::to_vec_pretty(doc).unwrap_or_default();
    bytes.push(b'\n');
    output::write_atomic(path, &bytes, Access::Shared)
}

/// A second signal: the process ends now, without waiting for what the first one started
/// (StopTask, most often); the summary still says how it ended and what became of the task.
fn second_signal(shared: &Mutex<Shutdown>, first: Signal, second: Signal) -> ! {
    let mut shutdown = lock(shared);
    let phase = lock(&shutdown.stop).clone();
    let doc = shutdown.doc.take();
    let field = |k: &str| {
        doc.as_ref()
            .and_then(|d| d.get(k))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let task = field("task_arn");
    let stop_hint = |arn: &str| {
        let region = field("region").map_or_else(String::new, |r| format!(" --region {r}"));
        let cluster = field("cluster_arn").map_or_else(String::new, |c| format!(" --cluster {c}"));
        format!("stop it with: aws ecs stop-task{region}{cluster} --task {arn}")
    };
    let what = match (&task, &phase) {
        (None, _) => "no task is known to have started".to_owned(),
        (Some(_), StopPhase::Done(stop)) => stop.to_string(),
        (Some(_), StopPhase::NotAsked) if shutdown.leave_running => {
            StopResult::LeftRunning.to_string()
        }
        (Some(arn), StopPhase::Sending) => format!(
            "StopTask was sent but had not answered: task {arn} may still run; {}",
            stop_hint(arn)
        ),
        (Some(arn), StopPhase::NotAsked) => format!(
            "task {arn} was not stopped and may still run; {}",
            stop_hint(arn)
        ),
    };
    let message = format!(
        "interrupted by {}, then {}: exiting without waiting; {what}",
        first.name(),
        second.name()
    );
    cli_support::report::error(&message);
    if let Some(path) = shutdown.path.clone() {
        let mut doc =
            doc.unwrap_or_else(|| summary::document(Outcome::Interrupted, &Facts::default()));
        doc["outcome"] = json!(Outcome::Interrupted.as_str());
        doc["exit_code"] = json!(second.exit_code());
        doc["message"] = json!(message);
        doc["signals"] = json!([first.name(), second.name()]);
        doc["task_stop"] = json!(if task.is_none() {
            "not_requested"
        } else if matches!(phase, StopPhase::NotAsked) && shutdown.leave_running {
            "left_running"
        } else {
            task_stop(&phase)
        });
        if let Err(e) = write_summary(&path, &doc) {
            cli_support::warn(format_args!("--summary: {e:#}"));
        }
    }
    std::process::exit(i32::from(second.exit_code()));
}

async fn describe_task_definition(
    ecs: &aws_sdk_ecs::Client,
    name: &str,
) -> anyhow::Result<TaskDefInfo> {
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
fn place_of(ecs: &aws_sdk_ecs::Client, name: &str) -> Place {
    let mut place = Place {
        region: ecs.config().region().map(ToString::to_string),
        account: None,
    };
    place.learn(name);
    place
}

/// Where a task definition was looked for, and the close family names.
async fn task_definition_not_found(ecs: &aws_sdk_ecs::Client, name: &str) -> String {
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
async fn cluster_not_found(ecs: &aws_sdk_ecs::Client, cluster: &str) -> String {
    let mut place = place_of(ecs, cluster);
    let names = notfound::clusters(ecs, &mut place).await;
    let name = short_name(cluster);
    let close = notfound::did_you_mean(name, &names);
    let end = if close.is_empty() { "." } else { "" };
    format!("No cluster {name} {}{close}{end}", place.text())
}

/// A ClusterNotFoundException anywhere in `err` says where it looked and what is close.
async fn explain_cluster_not_found(
    err: &mut anyhow::Error,
    ecs: &aws_sdk_ecs::Client,
    cluster: &str,
) {
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

async fn describe_service(
    ecs: &aws_sdk_ecs::Client,
    cluster: &str,
    name: &str,
) -> anyhow::Result<aws_sdk_ecs::types::Service> {
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

/// `fut`, unless a signal comes first.
async fn or_interrupt<T>(
    fut: impl Future<Output = T>,
    interrupt: &mut Interrupt,
) -> Result<T, Signal> {
    tokio::select! {
        biased;
        s = interrupt.wait() => Err(s),
        v = fut => Ok(v),
    }
}

/// SIGINT and SIGTERM end the wait (the task is stopped); a second one exits at once, with
/// a complete summary.
fn listen_for_signals(shutdown: Arc<Mutex<Shutdown>>) -> anyhow::Result<Interrupt> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut int = signal(SignalKind::interrupt()).context("cannot handle SIGINT")?;
    let mut term = signal(SignalKind::terminate()).context("cannot handle SIGTERM")?;
    let (tx, interrupt) = Interrupt::channel();
    tokio::spawn(async move {
        let first = tokio::select! {
            _ = int.recv() => Signal::Int,
            _ = term.recv() => Signal::Term,
        };
        let _ = tx.send(Some(first));
        let second = tokio::select! {
            _ = int.recv() => Signal::Int,
            _ = term.recv() => Signal::Term,
        };
        second_signal(&shutdown, first, second);
    });
    Ok(interrupt)
}
