//! What the summaries say: the line after each repository's purge or dry run, the plan's
//! counts, one error line per problem, and the short form of the problems for the GitHub
//! Actions annotation.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::plan::{KeepReason, Plan};
use crate::purge::{Outcome, RepoFate};
use crate::repo::Target;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::Image;
    use cli_support::aws::AwsError;

    #[test]
    fn keep_breakdowns_count_by_category() {
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

    fn aws_error(operation: &str, code: &str, message: &str) -> AwsError {
        AwsError {
            operation: operation.to_owned(),
            code: Some(code.to_owned()),
            message: message.to_owned(),
            kind: cli_support::aws::ErrorKind::Service,
        }
    }

    #[test]
    fn a_refused_call_is_one_line_and_image_failures_one_each() {
        let denied = aws_error(
            "BatchDeleteImage",
            "AccessDeniedException",
            "not authorized to perform: ecr:BatchDeleteImage",
        );
        let mut o = Outcome::new();
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
            problem_lines(&Target::named("app"), &o),
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
        let mut o = Outcome::new();
        o.unmatched.push(crate::ecr::Unmatched {
            image_id: "tag v9".into(),
            code: "KmsError".into(),
            reason: "key disabled".into(),
        });
        assert!(!o.ok());
        assert_eq!(
            problem_lines(&Target::named("app"), &o),
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
            outcome_summary(&Target::named("app"), &plan, &o).contains("failed 1 (KmsError 1)"),
            "{}",
            outcome_summary(&Target::named("app"), &plan, &o)
        );
    }

    #[test]
    fn a_repository_that_was_not_deleted_is_a_failure_named_as_such() {
        // Only DeleteRepository failed: no image count in the annotation.
        let mut o = Outcome::new();
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
            problem_lines(&Target::named("app"), &o),
            [
                "app: the repository was not deleted: DeleteRepository: AccessDeniedException: \
              not authorized"
            ]
        );
        let summary = outcome_summary(&Target::named("app"), &Plan::default(), &o);
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
        let lines = problem_lines(&Target::named("app"), &o);
        assert!(
            lines[0].contains("refused twice although no image is listed"),
            "{lines:?}"
        );
        // Not deleted because images are left: no error, still a failure.
        let mut o = Outcome::new();
        o.empty = Some(false);
        o.repository = RepoFate::NotDeleted;
        assert!(!o.ok());
        assert_eq!(problems(&o), ["the repository was not deleted"]);
    }

    #[test]
    fn some_names_the_first_few() {
        assert_eq!(some(&["a", "b"], 3), "a, b");
        assert_eq!(some(&["a", "b", "c", "d"], 2), "a, b and 2 more");
    }
}
