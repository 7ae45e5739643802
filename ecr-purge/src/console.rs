//! What the user sees: image lines on stdout (or one JSON document), progress on stderr (a
//! bar on a terminal, plain lines otherwise), per-repository summaries.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write as _};
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
    /// `--quiet`: none.
    Off,
}

/// Plain progress lines at most this often.
const LINE_EVERY: Duration = Duration::from_secs(2);

/// The [`Sink`] of a run: buffers image lines and flushes them after each batch.
pub struct Console {
    json: bool,
    /// `--quiet`: no notes (errors and warnings still show).
    quiet: bool,
    mode: ProgressMode,
    out: Vec<u8>,
    /// The first error writing stdout (other than a reader that left, which
    /// `cli_support::output::stdout` swallows): nothing more is written, the purge goes on,
    /// and the run fails with it at the end.
    write_error: Option<io::Error>,
    bar: Option<ProgressBar>,
    total: usize,
    last_line: Instant,
    last_done: usize,
}

impl Console {
    pub fn new(json: bool, mode: ProgressMode, quiet: bool) -> Console {
        Console {
            json,
            quiet,
            mode,
            out: Vec::new(),
            write_error: None,
            bar: None,
            total: 0,
            last_line: Instant::now(),
            last_done: 0,
        }
    }

    /// Print a note without tearing the bar.
    pub fn note(&self, msg: &str) {
        if !self.quiet {
            self.suspend(|| cli_support::note(msg));
        }
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

    /// Print buffered image lines; a closed stdout is ignored and a failed write is kept for
    /// the end (the purge goes on either way).
    pub fn flush(&mut self) {
        if !self.out.is_empty() {
            let out = std::mem::take(&mut self.out);
            self.write(&out);
        }
    }

    /// Write `bytes` to stdout unless an earlier write failed (what follows a lost piece
    /// would only mislead); keep the first error.
    pub fn write(&mut self, bytes: &[u8]) {
        if self.write_error.is_some() {
            return;
        }
        let mut stdout = cli_support::output::stdout();
        if let Err(e) = stdout.write_all(bytes).and_then(|()| stdout.flush()) {
            self.write_error = Some(e);
        }
    }

    /// The first error writing stdout, if any.
    pub fn take_write_error(&mut self) -> Option<io::Error> {
        self.write_error.take()
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

/// `1 image`, `2 images`.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The first `n` items, and how many more: `a, b, c and 97 more`.
pub fn some(items: &[&str], n: usize) -> String {
    let mut s = items.iter().take(n).copied().collect::<Vec<_>>().join(", ");
    if items.len() > n {
        let _ = write!(s, " and {} more", items.len() - n);
    }
    s
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
pub fn kept_summary(plan: &Plan, outcome: Option<&Outcome>) -> String {
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

/// Failure counts by code: `KmsError 1, ImageReferencedByManifestList 2` (failures that
/// named no image of their batch included).
pub fn failures_by_code(outcome: &Outcome) -> BTreeMap<String, usize> {
    let mut by_code = BTreeMap::new();
    let codes = outcome.failed.iter().map(|(_, f)| &f.code);
    for code in codes.chain(outcome.unmatched.iter().map(|u| &u.code)) {
        *by_code.entry(code.clone()).or_default() += 1;
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
    if outcome.deleted_again > 0 {
        let _ = write!(
            s,
            " ({} of them on a second try: reported gone, yet still listed)",
            outcome.deleted_again
        );
    }
    if !outcome.already_gone.is_empty() {
        let _ = write!(s, ", {} already gone", outcome.already_gone.len());
    }
    let _ = write!(s, "; {}", kept_summary(plan, Some(outcome)));
    let by_code = failures_by_code(outcome);
    if !by_code.is_empty() {
        let codes = by_code
            .iter()
            .map(|(c, n)| format!("{c} {n}"))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = write!(s, "; failed {} ({codes})", by_code.values().sum::<usize>());
    }
    if !outcome.not_attempted.is_empty() {
        let _ = write!(s, "; not attempted {}", outcome.not_attempted.len());
    }
    if !outcome.in_doubt.is_empty() {
        let _ = write!(s, "; not known {}", outcome.in_doubt.len());
    }
    if let Some(signal) = outcome.interrupted {
        let _ = write!(s, "; interrupted by {signal}");
    }
    match (outcome.repository, outcome.empty) {
        (RepoFate::Deleted, _) => s.push_str("; repository deleted"),
        (RepoFate::AlreadyGone, _) => s.push_str("; repository already deleted"),
        (_, Some(true)) => s.push_str("; the repository is empty"),
        (_, Some(false)) => s.push_str("; the repository is NOT empty"),
        _ => {}
    }
    if outcome.repository == RepoFate::NotDeleted {
        s.push_str("; the repository was NOT deleted");
    }
    s
}

/// The error lines of one repository's purge: each image the API refused with its code and
/// reason; one line per error for images of calls that failed as a whole (an access denial
/// names one batch once, not each of its images); failures the API tied to no image of the
/// batch; what stopped the purge or kept the repository; what was not attempted or appeared.
pub fn problem_lines(target: &Target, outcome: &Outcome) -> Vec<String> {
    let mut lines = Vec::new();
    let mut refused: Vec<(&str, Vec<&str>)> = Vec::new();
    for (image, f) in &outcome.failed {
        if f.whole_call {
            match refused.iter_mut().find(|(reason, _)| *reason == f.reason) {
                Some((_, digests)) => digests.push(&image.digest),
                None => refused.push((&f.reason, vec![&image.digest])),
            }
            continue;
        }
        let tags = if image.tags.is_empty() {
            String::new()
        } else {
            format!(" ({})", image.tag_list())
        };
        let reason = if f.reason.is_empty() {
            f.code.clone()
        } else {
            format!("{}: {}", f.code, f.reason)
        };
        lines.push(format!("{target}: {}{tags}: {reason}", image.digest));
    }
    for (reason, digests) in &refused {
        lines.push(format!(
            "{target}: {} not deleted ({}): {reason}",
            plural(digests.len(), "image", "images"),
            some(digests, 3)
        ));
    }
    for u in &outcome.unmatched {
        lines.push(format!(
            "{target}: BatchDeleteImage reported a failure for {}, which is not an image of \
             its batch: {}: {}",
            u.image_id, u.code, u.reason
        ));
    }
    if let Some(e) = &outcome.error {
        let text = e.to_string();
        if is_repository_error(e) {
            let why = if e.code.as_deref() == Some("RepositoryNotEmptyException") {
                " (refused twice although no image is listed: deletions ECR has not settled \
                 yet?)"
            } else {
                ""
            };
            lines.push(format!(
                "{target}: the repository was not deleted: {text}{why}"
            ));
        } else if !refused.iter().any(|(reason, _)| *reason == text) {
            lines.push(format!("{target}: stopped: {text}"));
        }
    }
    if !outcome.not_attempted.is_empty() {
        let why = match outcome.interrupted {
            Some(signal) => format!(": the purge was interrupted by {signal}"),
            None => " after that error".to_owned(),
        };
        lines.push(format!(
            "{target}: {} not attempted{why}",
            plural(outcome.not_attempted.len(), "image was", "images were")
        ));
    }
    if !outcome.in_doubt.is_empty() {
        let digests: Vec<&str> = outcome.in_doubt.iter().map(|i| i.digest.as_str()).collect();
        lines.push(format!(
            "{target}: {} in calls abandoned at the second signal, not known to be deleted: {}",
            plural(digests.len(), "image was", "images were"),
            some(&digests, 3)
        ));
    }
    if !outcome.appeared.is_empty() {
        let digests: Vec<&str> = outcome.appeared.iter().map(|i| i.digest.as_str()).collect();
        lines.push(format!(
            "{target}: {} during the purge (pushed meanwhile?): {}",
            plural(digests.len(), "image appeared", "images appeared"),
            some(&digests, 5)
        ));
    }
    lines
}

/// What went wrong for one repository, briefly (for the GitHub Actions annotation); empty
/// when the outcome is ok.
pub fn problems(outcome: &Outcome) -> Vec<String> {
    let mut out = Vec::new();
    if !outcome.failed.is_empty() {
        out.push(format!(
            "{} images could not be deleted",
            outcome.failed.len()
        ));
    }
    if !outcome.unmatched.is_empty() {
        out.push(format!(
            "{} not tied to an image of its batch",
            plural(outcome.unmatched.len(), "failure", "failures")
        ));
    }
    if !outcome.not_attempted.is_empty() {
        out.push(format!("{} not attempted", outcome.not_attempted.len()));
    }
    if !outcome.in_doubt.is_empty() {
        out.push(format!(
            "{} not known to be deleted",
            outcome.in_doubt.len()
        ));
    }
    if let Some(signal) = outcome.interrupted {
        out.push(format!("interrupted by {signal}"));
    }
    if !outcome.appeared.is_empty() {
        out.push(format!(
            "{} appeared during the purge",
            plural(outcome.appeared.len(), "image", "images")
        ));
    }
    if let Some(e) = &outcome.error {
        out.push(if is_repository_error(e) {
            format!("the repository was not deleted: {e}")
        } else {
            format!("stopped: {e}")
        });
    } else if outcome.repository == RepoFate::NotDeleted {
        out.push("the repository was not deleted".to_owned());
    }
    if outcome.empty == Some(false) && out.is_empty() {
        out.push("the repository is not empty".to_owned());
    }
    out
}

/// Whether the error is DeleteRepository's (reported as such, not as what stopped the purge).
pub fn is_repository_error(e: &cli_support::aws::AwsError) -> bool {
    e.operation == "DeleteRepository"
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
        "status": image.status,
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
        /// Whether the repository was listed (the failure came later), so it exists.
        found: bool,
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
            RepoReport::Failed {
                target,
                message,
                found,
            } => {
                let mut v = base(target);
                // Never reached: whether it exists is not known.
                v["found"] = if *found { json!(true) } else { Value::Null };
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
                v["unmatched_failures"] = outcome
                    .unmatched
                    .iter()
                    .map(|u| json!({"image_id": u.image_id, "code": u.code, "reason": u.reason}))
                    .collect();
                v["failed_by_code"] = json!(failures_by_code(outcome));
                v["not_attempted"] = outcome.not_attempted.iter().map(image_json).collect();
                v["in_doubt"] = outcome.in_doubt.iter().map(image_json).collect();
                v["deleted_again"] = json!(outcome.deleted_again);
                v["interrupted"] =
                    json!(outcome.interrupted.map(cli_support::signal::Signal::name));
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
pub fn document(
    dry_run: bool,
    ok: bool,
    interrupted: Option<cli_support::signal::Signal>,
    repos: &[RepoReport<'_>],
) -> Value {
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
        doc["failed"] = json!(sum("failed") + sum("unmatched_failures"));
        doc["not_attempted"] = json!(sum("not_attempted"));
        doc["in_doubt"] = json!(sum("in_doubt"));
        doc["interrupted"] = json!(interrupted.map(cli_support::signal::Signal::name));
    }
    doc["kept"] = json!(sum("kept"));
    doc["repositories"] = Value::Array(list);
    doc
}

#[cfg(test)]
mod tests {
    use super::*;
    use cli_support::aws::AwsError;

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

    fn outcome() -> Outcome {
        Outcome {
            deleted: Vec::new(),
            already_gone: Vec::new(),
            failed: Vec::new(),
            unmatched: Vec::new(),
            kept: Vec::new(),
            not_attempted: Vec::new(),
            in_doubt: Vec::new(),
            deleted_again: 0,
            interrupted: None,
            appeared: Vec::new(),
            error: None,
            empty: None,
            repository: RepoFate::Kept,
        }
    }

    fn aws_error(operation: &str, code: &str, message: &str) -> AwsError {
        AwsError {
            operation: operation.to_owned(),
            code: Some(code.to_owned()),
            message: message.to_owned(),
            kind: cli_support::aws::ErrorKind::Service,
        }
    }

    fn target() -> Target {
        Target {
            name: "app".to_owned(),
            registry_id: None,
            region: None,
        }
    }

    #[test]
    fn a_refused_call_is_one_line_and_image_failures_one_each() {
        let denied = aws_error(
            "BatchDeleteImage",
            "AccessDeniedException",
            "not authorized to perform: ecr:BatchDeleteImage",
        );
        let mut o = outcome();
        for i in 0..100 {
            let d = format!("sha256:{i:02}");
            o.failed
                .push((Image::new(&d), crate::ecr::Failure::of_call(&d, &denied)));
        }
        let mut tagged = Image::new("sha256:kms");
        tagged.tags = vec!["v1".into()];
        o.failed.push((
            tagged,
            crate::ecr::Failure {
                digest: "sha256:kms".into(),
                code: "KmsError".into(),
                reason: "key disabled".into(),
                whole_call: false,
            },
        ));
        o.not_attempted.push(Image::new("sha256:later"));
        o.error = Some(denied);
        assert_eq!(
            problem_lines(&target(), &o),
            [
                "app: sha256:kms (v1): KmsError: key disabled",
                "app: 100 images not deleted (sha256:00, sha256:01, sha256:02 and 97 more): \
                 BatchDeleteImage: AccessDeniedException: not authorized to perform: \
                 ecr:BatchDeleteImage",
                "app: 1 image was not attempted after that error",
            ]
        );
        assert_eq!(
            problems(&o),
            [
                "101 images could not be deleted",
                "1 not attempted",
                "stopped: BatchDeleteImage: AccessDeniedException: not authorized to perform: \
                 ecr:BatchDeleteImage"
            ]
        );
    }

    #[test]
    fn failures_tied_to_no_image_are_reported_and_counted() {
        let mut o = outcome();
        o.unmatched.push(crate::ecr::Unmatched {
            image_id: "tag v9".into(),
            code: "KmsError".into(),
            reason: "key disabled".into(),
        });
        assert!(!o.ok());
        assert_eq!(
            problem_lines(&target(), &o),
            [
                "app: BatchDeleteImage reported a failure for tag v9, which is not an image of \
              its batch: KmsError: key disabled"
            ]
        );
        assert_eq!(
            problems(&o),
            ["1 failure not tied to an image of its batch"]
        );
        let plan = Plan::default();
        assert!(
            outcome_summary(&target(), &plan, &o).contains("failed 1 (KmsError 1)"),
            "{}",
            outcome_summary(&target(), &plan, &o)
        );
    }

    #[test]
    fn a_repository_that_was_not_deleted_is_a_failure_named_as_such() {
        // Only DeleteRepository failed: no image count in the annotation.
        let mut o = outcome();
        o.empty = Some(true);
        o.repository = RepoFate::NotDeleted;
        o.error = Some(aws_error(
            "DeleteRepository",
            "AccessDeniedException",
            "not authorized",
        ));
        assert!(!o.ok());
        assert_eq!(
            problems(&o),
            [
                "the repository was not deleted: DeleteRepository: AccessDeniedException: \
              not authorized"
            ]
        );
        assert_eq!(
            problem_lines(&target(), &o),
            [
                "app: the repository was not deleted: DeleteRepository: AccessDeniedException: \
              not authorized"
            ]
        );
        let summary = outcome_summary(&target(), &Plan::default(), &o);
        assert!(
            summary.ends_with("the repository is empty; the repository was NOT deleted"),
            "{summary}"
        );
        // Refused twice while nothing is listed.
        o.error = Some(aws_error(
            "DeleteRepository",
            "RepositoryNotEmptyException",
            "The repository cannot be deleted because it still contains images",
        ));
        let lines = problem_lines(&target(), &o);
        assert!(
            lines[0].contains("refused twice although no image is listed"),
            "{lines:?}"
        );
        // Not deleted because images are left: no error, still a failure.
        let mut o = outcome();
        o.empty = Some(false);
        o.repository = RepoFate::NotDeleted;
        assert!(!o.ok());
        assert_eq!(problems(&o), ["the repository was not deleted"]);
    }

    #[test]
    fn json_images_carry_their_status_and_unreached_repositories_no_found() {
        let mut i = Image::new("sha256:ab");
        i.status = Some("ARCHIVED".into());
        assert_eq!(image_json(&i)["status"], "ARCHIVED");
        assert_eq!(image_json(&Image::new("sha256:cd"))["status"], Value::Null);
        let t = target();
        let unreached = RepoReport::Failed {
            target: &t,
            message: "DescribeImages: cannot reach AWS".into(),
            found: false,
        };
        let v = unreached.to_json();
        assert_eq!(v["found"], Value::Null);
        assert_eq!(v["error"], "DescribeImages: cannot reach AWS");
        let listed = RepoReport::Failed {
            target: &t,
            message: "BatchGetImage: AccessDeniedException".into(),
            found: true,
        };
        assert_eq!(listed.to_json()["found"], true);
    }

    #[test]
    fn some_names_the_first_few() {
        assert_eq!(some(&["a", "b"], 3), "a, b");
        assert_eq!(some(&["a", "b", "c", "d"], 2), "a, b and 2 more");
    }

    #[test]
    fn times_are_rfc3339() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_hours(500_000);
        assert_eq!(time(Some(t)), json!("2027-01-15T08:00:00Z"));
        assert_eq!(time(None), Value::Null);
    }
}

#[cfg(test)]
mod golden {
    use super::*;
    use cli_support::aws::AwsError;

    /// An outcome with every field set.
    fn everything(tagged: &Image, untagged: &Image) -> Outcome {
        let denied = AwsError {
            operation: "BatchDeleteImage".into(),
            code: Some("AccessDeniedException".into()),
            message: "no".into(),
            kind: cli_support::aws::ErrorKind::Service,
        };
        Outcome {
            deleted: vec![tagged.clone()],
            already_gone: vec![Image::new("sha256:ee")],
            failed: vec![(
                untagged.clone(),
                crate::ecr::Failure::of_call("sha256:bb", &denied),
            )],
            unmatched: vec![crate::ecr::Unmatched {
                image_id: "tag v9".into(),
                code: "KmsError".into(),
                reason: "key disabled".into(),
            }],
            kept: vec![(
                Image::new("sha256:ff"),
                KeepReason::ChildOfKept("sha256:cc".into()),
            )],
            not_attempted: vec![Image::new("sha256:11")],
            in_doubt: vec![Image::new("sha256:22")],
            deleted_again: 2,
            interrupted: Some(cli_support::signal::Signal::Term),
            appeared: vec![Image::new("sha256:33")],
            error: Some(denied),
            empty: Some(false),
            repository: RepoFate::NotDeleted,
        }
    }

    /// Every kind of repository report and both document forms, in one place.
    fn rendered() -> (String, String) {
        let t = Target {
            name: "team/app".to_owned(),
            registry_id: Some("123456789012".to_owned()),
            region: None,
        };
        let bare = Target {
            name: "web".to_owned(),
            registry_id: None,
            region: None,
        };
        let mut tagged = Image::new("sha256:aa");
        tagged.tags = vec!["v1".into(), "latest".into()];
        tagged.pushed_at = Some(SystemTime::UNIX_EPOCH + Duration::from_hours(500_000));
        tagged.media_type = Some("application/vnd.oci.image.index.v1+json".into());
        tagged.status = Some("ACTIVE".into());
        let untagged = Image::new("sha256:bb");
        let plan = Plan {
            delete: vec![tagged.clone(), untagged.clone()],
            keep: vec![
                (Image::new("sha256:cc"), KeepReason::Latest(1)),
                (
                    Image::new("sha256:dd"),
                    KeepReason::KeepTag {
                        tag: "release-1".into(),
                        pattern: "release-*".into(),
                    },
                ),
            ],
        };
        let outcome = everything(&tagged, &untagged);
        let mut ok_outcome = Outcome::new();
        ok_outcome.deleted = vec![untagged.clone()];
        ok_outcome.empty = Some(true);
        ok_outcome.repository = RepoFate::Deleted;
        let reports = [
            RepoReport::Missing {
                target: &bare,
                message: "DescribeImages: RepositoryNotFoundException: gone".into(),
                ok: true,
            },
            RepoReport::Failed {
                target: &t,
                message: "DescribeImages: cannot reach AWS".into(),
                found: false,
            },
            RepoReport::Failed {
                target: &bare,
                message: "BatchGetImage: AccessDeniedException".into(),
                found: true,
            },
            RepoReport::Done {
                target: &t,
                total: 9,
                plan: &plan,
                outcome: &outcome,
            },
            RepoReport::Done {
                target: &bare,
                total: 1,
                plan: &Plan::default(),
                outcome: &ok_outcome,
            },
        ];
        let done = document(
            false,
            false,
            Some(cli_support::signal::Signal::Term),
            &reports,
        );
        let planned = [
            RepoReport::Planned {
                target: &t,
                total: 4,
                plan: &plan,
                delete_repository: true,
            },
            RepoReport::Missing {
                target: &bare,
                message: "missing".into(),
                ok: false,
            },
        ];
        let dry = document(true, false, None, &planned);
        (
            serde_json::to_string_pretty(&done).unwrap(),
            serde_json::to_string_pretty(&dry).unwrap(),
        )
    }

    /// The `--json` document is byte for byte what it was when it was built with `json!`
    /// (the fixtures were written by that code).
    #[test]
    fn the_json_document_is_unchanged() {
        let (done, dry) = rendered();
        assert_eq!(
            format!("{done}\n"),
            include_str!("../tests/fixtures/json-document.json")
        );
        assert_eq!(
            format!("{dry}\n"),
            include_str!("../tests/fixtures/json-document-dry-run.json")
        );
    }
}
