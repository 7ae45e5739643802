//! The command line turned into plain settings: every usage check that needs no AWS call
//! (`--attach` references, client tokens, `--overrides` JSON, `--env` values, the `--summary`
//! path). The only module besides `main` that reads `cli.rs`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use cli_support::aws::AwsArgs;
use cli_support::usage;
use serde_json::Value;

use crate::arn::{self, TaskRef};
use crate::cli::{AssignPublicIp, Cli};
use crate::plan::{self, Placement, Tag};
use crate::status::Reporter;
use crate::wait::{Timeout, WaitOptions};

/// How long a task may be missing from DescribeTasks right after it started.
const MISSING_GRACE: Duration = Duration::from_mins(1);
/// Log reads while the task runs happen at least this often.
const LOG_INTERVAL: Duration = Duration::from_secs(2);

/// `--attach` or a new task.
pub enum Mode {
    Run(Box<RunSettings>),
    Attach(TaskRef),
}

/// What a new task is started with.
pub struct RunSettings {
    pub task_definition: String,
    pub placement: Placement,
    pub network_from_service: Option<String>,
    pub started_by: String,
    pub tags: Vec<Tag>,
    pub propagate_tags: bool,
    pub enable_execute_command: bool,
    pub client_token: Option<String>,
    pub start_retries: u32,
    pub command: Option<Vec<String>>,
    pub env: Vec<plan::EnvValue>,
    pub cpu: Option<String>,
    pub memory: Option<String>,
    pub overrides: Option<Value>,
    pub detach: bool,
}

/// Everything the run needs, in plain values.
pub struct Settings {
    pub mode: Mode,
    pub cluster: Option<String>,
    pub container: Option<String>,
    /// Polling, `--timeout` (counted from the tool's start), grace periods.
    pub wait: WaitOptions,
    pub no_logs: bool,
    pub summary: Option<PathBuf>,
    pub report: Reporter,
    pub aws: AwsArgs,
}

/// `--overrides @FILE`: at most 1 MiB, far above the 8 KiB of overrides RunTask accepts.
const OVERRIDES_LIMIT: cli_support::input::Limit = cli_support::input::Limit {
    bytes: 1 << 20,
    hint: "RunTask accepts at most 8 KiB of overrides: is it the right file?",
};

fn read_overrides(arg: &str) -> anyhow::Result<Value> {
    let (bytes, source) = match arg.strip_prefix('@') {
        Some(path) => (
            cli_support::input::read_file_limited(Path::new(path), OVERRIDES_LIMIT)
                .map_err(|e| usage(format!("--overrides: cannot read {path}: {e}")))?,
            path.to_owned(),
        ),
        None => (arg.as_bytes().to_vec(), "--overrides".to_owned()),
    };
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        return Err(usage(format!(
            "{source}: {}",
            cli_support::input::BOM_MESSAGE
        )));
    }
    serde_json::from_slice(&bytes).map_err(|e| {
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

/// `--summary FILE` can be written, checked before anything runs (a migration that ran must
/// not end in "cannot write the summary"), by the rules `cli_support::output::write_atomic`
/// writes by, without creating, opening or truncating FILE: links are followed; an open
/// descriptor (`-`, `/dev/stdout`, `/dev/fd/N`), a FIFO or a device is fine (written through; a FIFO is not opened now: that would wait for a reader);
/// a directory, a socket or a read-only file is refused; a regular file (or none) needs its
/// directory to exist and take a new file, which a probe file created and removed at once
/// tells (permissions alone would not: root, read-only mounts, ACLs). A failure that still
/// happens at the end (the disk filled up) is reported then, with exit 125.
fn check_summary_path(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::{FileTypeExt as _, PermissionsExt as _};
    // `/dev/stdout`, `/dev/fd/N`...: a descriptor already open, whatever it leads to (a pipe's
    // link names no file); whether it takes the summary is known when it is written.
    if path == Path::new("-") {
        return Ok(());
    }
    let descriptor = ["/dev/stdout", "/dev/stderr", "/dev/fd/", "/proc/self/fd/"]
        .iter()
        .any(|p| path.starts_with(p));
    if descriptor && std::fs::metadata(path).is_ok_and(|m| !m.is_dir()) {
        return Ok(());
    }
    let target = resolve_links(path)?;
    let shown = if target == path {
        path.display().to_string()
    } else {
        format!("{} (-> {})", path.display(), target.display())
    };
    let refuse = |why: String| Err(usage(format!("--summary {shown}: {why}")));
    if let Ok(meta) = std::fs::metadata(&target) {
        let kind = meta.file_type();
        if kind.is_fifo() || kind.is_char_device() || kind.is_block_device() {
            return Ok(());
        }
        if kind.is_dir() {
            return refuse("is a directory".into());
        }
        if kind.is_socket() {
            return refuse("is a socket".into());
        }
        let denied = meta.permissions().mode() & 0o222 == 0
            || matches!(
                std::fs::OpenOptions::new().write(true).open(&target),
                Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied
            );
        if denied {
            return refuse(
                "the file is read-only (no write permission); make it writable, remove it or \
                 choose another path"
                    .into(),
            );
        }
    }
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return refuse(format!("directory {} does not exist", dir.display()));
    }
    let probe = dir.join(format!(".ecs-run-wait-{}.probe", std::process::id()));
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
    {
        Ok(_) => {
            // Best effort: a probe that cannot be removed is only a stray empty file.
            let _ = std::fs::remove_file(&probe);
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => refuse(format!(
            "cannot create a file in directory {}: {e}",
            dir.display()
        )),
    }
}

/// Follow `path` through symbolic links (at most 40, as the kernel does) to the path that is
/// written: the target of the last link, which may not exist yet.
fn resolve_links(path: &Path) -> anyhow::Result<PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = std::fs::read_link(&current).map_err(|e| {
                    usage(format!(
                        "--summary {}: cannot read the link: {e}",
                        path.display()
                    ))
                })?;
                current = match current.parent() {
                    Some(dir) if link.is_relative() => dir.join(link),
                    _ => link,
                };
            }
            _ => return Ok(current),
        }
    }
    Err(usage(format!(
        "--summary {}: too many levels of symbolic links",
        path.display()
    )))
}

impl Settings {
    pub fn from_cli(cli: Cli) -> anyhow::Result<Settings> {
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
            let env = cli
                .env
                .iter()
                .map(|arg| plan::parse_env(arg))
                .collect::<Result<Vec<_>, _>>()
                .map_err(usage)?;
            let env = plan::resolve_env(&env, |k| std::env::var(k).ok()).map_err(usage)?;
            let overrides = cli.overrides.as_deref().map(read_overrides).transpose()?;
            Mode::Run(Box::new(RunSettings {
                task_definition: cli.task_definition.clone().unwrap_or_default(),
                placement: Placement {
                    subnets: cli.subnets.clone(),
                    security_groups: cli.security_groups.clone(),
                    assign_public_ip: cli.assign_public_ip.map(|a| {
                        match a {
                            AssignPublicIp::Enabled => "ENABLED",
                            AssignPublicIp::Disabled => "DISABLED",
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
            report: Reporter::stderr(cli.quiet),
            aws: cli.aws,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(path: &Path) -> String {
        format!("{:#}", check_summary_path(path).unwrap_err())
    }

    #[test]
    fn summary_paths_that_take_a_file_pass() {
        let dir = tempfile::tempdir().unwrap();
        let new = dir.path().join("s.json");
        check_summary_path(&new).unwrap();
        assert!(!new.exists());
        std::fs::write(&new, "old").unwrap();
        check_summary_path(&new).unwrap();
        assert_eq!(std::fs::read_to_string(&new).unwrap(), "old");
        // devices and open descriptors are written through, whatever stdout is here
        for path in [
            "/dev/null",
            "/dev/full",
            "/dev/stdout",
            "/dev/stderr",
            "/dev/fd/2",
        ] {
            check_summary_path(Path::new(path)).unwrap();
        }
        // nothing but the file the test wrote: the probe is gone
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn summary_paths_that_cannot_be_written_are_refused() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("s.json");
        std::fs::write(&file, "old").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o444)).unwrap();
        assert!(refused(&file).ends_with("the file is read-only (no write permission); make it writable, remove it or choose another path"));
        assert!(refused(dir.path()).ends_with(": is a directory"));
        assert!(refused(Path::new("/dev/fd")).ends_with(": is a directory"));
        assert!(refused(&dir.path().join("no/s.json")).contains("does not exist"));
        // a directory that takes no file, even for root
        assert!(
            refused(Path::new("/proc/self/s.json"))
                .contains("cannot create a file in directory /proc/self")
        );
        let loop_link = dir.path().join("loop");
        std::os::unix::fs::symlink(&loop_link, &loop_link).unwrap();
        assert!(refused(&loop_link).contains("too many levels of symbolic links"));
        assert!(
            check_summary_path(&file)
                .unwrap_err()
                .is::<cli_support::UsageError>()
        );
    }
}
