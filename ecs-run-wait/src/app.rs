//! From the command line to an exit code: the arguments turned into plain settings (every
//! usage check that needs no AWS call), then the run: describe, start, watch, report.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use aws_sdk_ecs::operation::run_task::builders::RunTaskInputBuilder;
use aws_sdk_ecs::types::Task;
use aws_smithy_types::timeout::TimeoutConfig;
use cli_support::aws::{AwsArgs, AwsResultExt as _};
use cli_support::output::{self, Access};
use cli_support::report::error_annotated;
use cli_support::{duration, gha, usage};
use serde_json::Value;

use crate::arn::{self, TaskRef};
use crate::cli::Cli;
use crate::logs::{Follower, LogsClients};
use crate::outcome::{Ended, Verdict, decide};
use crate::overrides;
use crate::plan::{self, Placement, RunRequest, Tag};
use crate::runner::{
    self, Backoff, Ending, Interrupt, Reporter, Signal, StartFailed, StartFailure, Started,
    StopResult, Timeout, WaitOptions, Watch,
};
use crate::summary::{self, Facts, Outcome};
use crate::taskdef::TaskDefInfo;

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
    env: Vec<(String, String)>,
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
        let mut interrupt = listen_for_signals()?;
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
                        runner::find_task(ecs, &cluster, &t.task, &self.wait, self.report).await?;
                    let td_arn = task.task_definition_arn().unwrap_or_default().to_owned();
                    let td = describe_task_definition(ecs, &td_arn).await?;
                    anyhow::Ok((task, td))
                };
                let (task, td) = match or_interrupt(found, interrupt).await {
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
        let input = self.request(run, &td, service.as_ref(), cluster)?;
        self.report.status(format_args!(
            "starting a task of {} in cluster {cluster}",
            td.label
        ));
        let started = runner::start(
            ecs,
            &input,
            run.client_token.as_deref(),
            run.start_retries,
            Backoff::default(),
            interrupt,
            self.report,
        )
        .await
        .with_context(|| format!("cannot start a task of {} in cluster {cluster}", td.label))?;
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
                        };
                        let stop = if self.wait.leave_running {
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

    /// The RunTask input: the flags checked against the task definition and merged over what
    /// the service gives.
    fn request(
        &self,
        run: &RunSettings,
        td: &TaskDefInfo,
        service: Option<&aws_sdk_ecs::types::Service>,
        cluster: &str,
    ) -> anyhow::Result<RunTaskInputBuilder> {
        let flags = overrides::Flags {
            container: if run.command.is_some() || !run.env.is_empty() {
                Some(
                    td.override_target(self.container.as_deref())
                        .map_err(usage)?,
                )
            } else {
                None
            },
            command: run.command.clone(),
            env: run.env.clone(),
            cpu: run.cpu.clone(),
            memory: run.memory.clone(),
        };
        let launch = match service {
            Some(s) => run
                .placement
                .clone()
                .merged_over(Placement::from_service(s)),
            None => run.placement.clone(),
        };
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
        let mut follower = if self.no_logs {
            None
        } else {
            let (targets, notes) = td.log_targets(&id);
            for note in notes {
                self.report.status(note);
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
        };
        let mut out = output::stdout();
        let ending =
            runner::watch(&mut w, follower.as_mut(), &mut out, &self.wait, interrupt).await;
        if let Some(f) = follower.as_mut() {
            f.close(&mut out);
            session.log_lines = Some(f.lines());
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
    session.write(Outcome::Interrupted, Some(sig.exit_code()), Some(message));
    ExitCode::from(sig.exit_code())
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
    /// The last write of the summary failed.
    unwritten: bool,
}

impl Session {
    fn write(&mut self, outcome: Outcome, exit_code: Option<u8>, message: Option<String>) {
        let Some(path) = &self.path else {
            return;
        };
        let doc = summary::document(
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
            },
        );
        let mut bytes = serde_json::to_vec_pretty(&doc).unwrap_or_default();
        bytes.push(b'\n');
        match output::write_atomic(path, &bytes, Access::Shared) {
            Ok(()) => self.unwritten = false,
            Err(e) => {
                cli_support::warn(format_args!("--summary: {e:#}"));
                self.unwritten = true;
            }
        }
    }
}

async fn describe_task_definition(
    ecs: &aws_sdk_ecs::Client,
    name: &str,
) -> anyhow::Result<TaskDefInfo> {
    let out = ecs
        .describe_task_definition()
        .task_definition(name)
        .send()
        .await
        .aws("DescribeTaskDefinition")
        .map_err(|mut e| {
            // What the API says for a family or revision that does not exist.
            if e.code.as_deref() == Some("ClientException") {
                let family = name.rsplit('/').next().unwrap_or(name);
                let family = family.split(':').next().unwrap_or(family);
                e.message = format!(
                    "{} Does it exist in this account and region? \
                     (aws ecs list-task-definitions --family-prefix {family})",
                    e.message
                );
            }
            e
        })
        .with_context(|| format!("cannot read task definition {name}"))?;
    let td = out.task_definition().with_context(|| {
        format!("DescribeTaskDefinition returned no task definition for {name}")
    })?;
    Ok(TaskDefInfo::from_sdk(td))
}

async fn describe_service(
    ecs: &aws_sdk_ecs::Client,
    cluster: &str,
    name: &str,
) -> anyhow::Result<aws_sdk_ecs::types::Service> {
    let out = ecs
        .describe_services()
        .cluster(cluster)
        .services(name)
        .send()
        .await
        .aws("DescribeServices")
        .with_context(|| format!("cannot read service {name} in cluster {cluster}"))?;
    if let Some(s) = out.services().first() {
        return Ok(s.clone());
    }
    let why: Vec<String> = out
        .failures()
        .iter()
        .map(|f| f.reason().unwrap_or("no reason").to_owned())
        .collect();
    anyhow::bail!(
        "--network-from-service: service {name} is not in cluster {cluster} (DescribeServices: {})",
        if why.is_empty() {
            "no answer".to_owned()
        } else {
            why.join("; ")
        }
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

/// SIGINT and SIGTERM end the wait (the task is stopped); a second one exits at once.
fn listen_for_signals() -> anyhow::Result<Interrupt> {
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
        cli_support::report::error(format_args!(
            "{} again: exiting without waiting for StopTask",
            second.name()
        ));
        std::process::exit(i32::from(second.exit_code()));
    });
    Ok(interrupt)
}
