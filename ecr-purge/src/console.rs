//! What the user sees: image lines on stdout (or one JSON document), progress on stderr (a
//! bar on a terminal, plain lines otherwise), per-repository summaries.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::time::{Duration, Instant, SystemTime};

use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::{Value, json};

use crate::image::Image;
use crate::plan::{KeepReason, Plan};
use crate::purge::{Outcome, RepoFate, Sink};
use crate::repo::Target;

/// `repository<TAB>digest<TAB>tag1,tag2`
pub fn image_line(repository: &str, image: &Image) -> String {
    format!("{repository}\t{}\t{}\n", image.digest, image.tag_list())
}

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressMode {
    Bar,
    Lines,
}

/// Plain progress lines at most this often.
const LINE_EVERY: Duration = Duration::from_secs(2);

/// The [`Sink`] of a run: buffers image lines and flushes them after each batch.
pub struct Console {
    json: bool,
    mode: ProgressMode,
    out: Vec<u8>,
    bar: Option<ProgressBar>,
    total: usize,
    last_line: Instant,
    last_done: usize,
}

impl Console {
    pub fn new(json: bool, mode: ProgressMode) -> Console {
        Console {
            json,
            mode,
            out: Vec::new(),
            bar: None,
            total: 0,
            last_line: Instant::now(),
            last_done: 0,
        }
    }

    /// Print a note without tearing the bar.
    pub fn note(&self, msg: &str) {
        self.suspend(|| cli_support::note(msg));
    }

    pub fn warn(&self, msg: &str) {
        self.suspend(|| cli_support::warn(msg));
    }

    pub fn error(&self, msg: &str) {
        self.suspend(|| cli_support::report::error(msg));
    }

    fn suspend(&self, f: impl FnOnce()) {
        match &self.bar {
            Some(bar) => bar.suspend(f),
            None => f(),
        }
    }

    /// A repository's deletion starts: `total` images to settle.
    pub fn start(&mut self, target: &Target, total: usize) {
        self.total = total;
        self.last_done = 0;
        self.last_line = Instant::now();
        if self.mode == ProgressMode::Bar && total > 0 {
            let bar =
                ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template(
                "{prefix} [{bar:30}] {pos}/{len} images ({per_sec}, eta {eta})",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_prefix(format!("{}: {target}", cli_support::report::tool()));
            self.bar = Some(bar);
        }
    }

    /// The repository's deletion is over.
    pub fn stop(&mut self, target: &Target, done: usize) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        } else if self.mode == ProgressMode::Lines && self.total > 0 && done != self.last_done {
            cli_support::note(format_args!(
                "{target}: {done} of {} images settled",
                self.total
            ));
        }
        self.flush();
    }

    /// Print buffered image lines; a closed stdout is ignored (the purge goes on).
    pub fn flush(&mut self) {
        if !self.out.is_empty() {
            let _ = cli_support::output::stdout().write_all(&self.out);
            let _ = cli_support::output::stdout().flush();
            self.out.clear();
        }
    }

    /// Lines of a dry run.
    pub fn planned(&mut self, target: &Target, plan: &Plan) {
        if !self.json {
            for image in &plan.delete {
                self.out
                    .extend_from_slice(image_line(&target.name, image).as_bytes());
            }
            self.flush();
        }
    }
}

impl Sink for Console {
    fn deleted(&mut self, target: &Target, image: &Image) {
        if !self.json {
            self.out
                .extend_from_slice(image_line(&target.name, image).as_bytes());
        }
    }

    fn progress(&mut self, target: &Target, done: usize) {
        self.flush();
        if let Some(bar) = &self.bar {
            bar.set_position(done as u64);
        } else if self.mode == ProgressMode::Lines
            && self.last_line.elapsed() >= LINE_EVERY
            && done != self.last_done
        {
            cli_support::note(format_args!(
                "{target}: {done} of {} images settled",
                self.total
            ));
            self.last_line = Instant::now();
            self.last_done = done;
        }
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// ` (1 index)`, ` (2 indexes)`, or nothing.
fn indexes(n: usize) -> String {
    if n == 0 {
        String::new()
    } else {
        format!(" ({})", plural(n, "index", "indexes"))
    }
}

/// `3 keep-latest, 2 not-selected`
pub fn keep_breakdown<'a>(reasons: impl Iterator<Item = &'a KeepReason>) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for r in reasons {
        *counts.entry(r.category()).or_default() += 1;
    }
    counts
        .iter()
        .map(|(k, n)| format!("{n} {k}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `KeepReason` counts of a plan and an outcome together.
fn kept_summary(plan: &Plan, outcome: Option<&Outcome>) -> String {
    let extra = outcome.map(|o| o.kept.as_slice()).unwrap_or_default();
    let n = plan.keep.len() + extra.len();
    if n == 0 {
        return "kept none".to_owned();
    }
    format!(
        "kept {n} ({})",
        keep_breakdown(plan.keep.iter().chain(extra).map(|(_, r)| r))
    )
}

/// The summary line of a dry run.
pub fn dry_run_summary(
    target: &Target,
    total: usize,
    plan: &Plan,
    delete_repository: bool,
) -> String {
    let mut s = format!(
        "{target}: would delete {} of {}{}; {}",
        plan.delete.len(),
        plural(total, "image", "images"),
        indexes(plan.index_count()),
        kept_summary(plan, None)
    );
    if delete_repository {
        s.push_str("; would then delete the repository");
    }
    s
}

/// Failure counts by code: `KmsError 1, ImageReferencedByManifestList 2`.
pub fn failures_by_code(outcome: &Outcome) -> BTreeMap<String, usize> {
    let mut by_code = BTreeMap::new();
    for (_, f) in &outcome.failed {
        *by_code.entry(f.code.clone()).or_default() += 1;
    }
    by_code
}

/// The summary line after a purge.
pub fn outcome_summary(target: &Target, plan: &Plan, outcome: &Outcome) -> String {
    let indexes = outcome.deleted.iter().filter(|i| i.is_index()).count();
    let mut s = format!(
        "{target}: deleted {}{}",
        plural(outcome.deleted.len(), "image", "images"),
        self::indexes(indexes)
    );
    if !outcome.already_gone.is_empty() {
        let _ = write!(s, ", {} already gone", outcome.already_gone.len());
    }
    let _ = write!(s, "; {}", kept_summary(plan, Some(outcome)));
    if !outcome.failed.is_empty() {
        let codes = failures_by_code(outcome)
            .iter()
            .map(|(c, n)| format!("{c} {n}"))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = write!(s, "; failed {} ({codes})", outcome.failed.len());
    }
    if !outcome.not_attempted.is_empty() {
        let _ = write!(s, "; not attempted {}", outcome.not_attempted.len());
    }
    match (outcome.repository, outcome.empty) {
        (RepoFate::Deleted, _) => s.push_str("; repository deleted"),
        (RepoFate::AlreadyGone, _) => s.push_str("; repository already deleted"),
        (_, Some(true)) => s.push_str("; the repository is empty"),
        (_, Some(false)) => s.push_str("; the repository is NOT empty"),
        _ => {}
    }
    s
}

fn time(t: Option<SystemTime>) -> Value {
    t.and_then(|t| DateTime::from(t).fmt(Format::DateTime).ok())
        .map_or(Value::Null, Value::String)
}

fn image_json(image: &Image) -> Value {
    json!({
        "digest": image.digest,
        "tags": image.tags,
        "media_type": image.media_type,
        "pushed_at": time(image.pushed_at),
    })
}

fn kept_json(image: &Image, reason: &KeepReason) -> Value {
    let mut v = image_json(image);
    v["reason"] = json!(reason.category());
    v["detail"] = json!(reason.to_string());
    v
}

/// One repository in the `--json` document.
#[derive(Debug)]
pub enum RepoReport<'a> {
    Missing {
        target: &'a Target,
        message: String,
        ok: bool,
    },
    Failed {
        target: &'a Target,
        message: String,
    },
    Planned {
        target: &'a Target,
        total: usize,
        plan: &'a Plan,
        delete_repository: bool,
    },
    Done {
        target: &'a Target,
        total: usize,
        plan: &'a Plan,
        outcome: &'a Outcome,
    },
}

fn base(target: &Target) -> Value {
    json!({"repository": target.name, "registry_id": target.registry_id})
}

impl RepoReport<'_> {
    pub fn to_json(&self) -> Value {
        match self {
            RepoReport::Missing {
                target,
                message,
                ok,
            } => {
                let mut v = base(target);
                v["found"] = json!(false);
                v["ok"] = json!(ok);
                v["error"] = json!(message);
                v
            }
            RepoReport::Failed { target, message } => {
                let mut v = base(target);
                v["found"] = json!(true);
                v["ok"] = json!(false);
                v["error"] = json!(message);
                v
            }
            RepoReport::Planned {
                target,
                total,
                plan,
                delete_repository,
            } => {
                let mut v = base(target);
                v["found"] = json!(true);
                v["ok"] = json!(true);
                v["images"] = json!(total);
                v["would_delete"] = plan.delete.iter().map(image_json).collect();
                v["kept"] = plan.keep.iter().map(|(i, r)| kept_json(i, r)).collect();
                v["would_delete_repository"] = json!(delete_repository);
                v
            }
            RepoReport::Done {
                target,
                total,
                plan,
                outcome,
            } => {
                let mut v = base(target);
                v["found"] = json!(true);
                v["ok"] = json!(outcome.ok());
                v["images"] = json!(total);
                v["deleted"] = outcome.deleted.iter().map(image_json).collect();
                v["already_gone"] = outcome.already_gone.iter().map(image_json).collect();
                v["kept"] = plan
                    .keep
                    .iter()
                    .chain(&outcome.kept)
                    .map(|(i, r)| kept_json(i, r))
                    .collect();
                v["failed"] = outcome
                    .failed
                    .iter()
                    .map(|(i, f)| {
                        let mut v = image_json(i);
                        v["code"] = json!(f.code);
                        v["reason"] = json!(f.reason);
                        v
                    })
                    .collect();
                v["failed_by_code"] = json!(failures_by_code(outcome));
                v["not_attempted"] = outcome.not_attempted.iter().map(image_json).collect();
                v["appeared"] = outcome.appeared.iter().map(image_json).collect();
                v["empty"] = json!(outcome.empty);
                v["repository_deleted"] = json!(matches!(
                    outcome.repository,
                    RepoFate::Deleted | RepoFate::AlreadyGone
                ));
                v["error"] = json!(outcome.error.as_ref().map(ToString::to_string));
                v
            }
        }
    }
}

/// The whole `--json` document.
pub fn document(dry_run: bool, ok: bool, repos: &[RepoReport<'_>]) -> Value {
    let list: Vec<Value> = repos.iter().map(RepoReport::to_json).collect();
    let sum = |key: &str| -> usize {
        list.iter()
            .map(|r| r.get(key).and_then(Value::as_array).map_or(0, Vec::len))
            .sum()
    };
    let mut doc = json!({"dry_run": dry_run, "ok": ok});
    if dry_run {
        doc["would_delete"] = json!(sum("would_delete"));
    } else {
        doc["deleted"] = json!(sum("deleted"));
        doc["failed"] = json!(sum("failed"));
    }
    doc["kept"] = json!(sum("kept"));
    doc["repositories"] = Value::Array(list);
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_and_breakdowns() {
        let mut i = Image::new("sha256:ab");
        assert_eq!(image_line("app", &i), "app\tsha256:ab\t\n");
        i.tags = vec!["v1".into(), "latest".into()];
        assert_eq!(
            image_line("team/app", &i),
            "team/app\tsha256:ab\tv1,latest\n"
        );
        let reasons = [
            KeepReason::Latest(1),
            KeepReason::NotSelected,
            KeepReason::Latest(2),
        ];
        assert_eq!(
            keep_breakdown(reasons.iter()),
            "2 keep-latest, 1 not-selected"
        );
    }

    #[test]
    fn times_are_rfc3339() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_hours(500_000);
        assert_eq!(time(Some(t)), json!("2027-01-15T08:00:00Z"));
        assert_eq!(time(None), Value::Null);
    }
}
