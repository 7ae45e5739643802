//! The `--json` document: one JSON object on stdout at the end of a run, instead of one line
//! per image. Its form is written down here, once, by the types that serialise it; keys are
//! snake_case, values keep the API's spelling.
//!
//! ```text
//! {
//!   "dry_run": bool,
//!   "ok": bool,                      // the exit status is 0
//!   "would_delete": n,               // --dry-run only
//!   "deleted": n, "failed": n, "not_attempted": n, "in_doubt": n,
//!   "interrupted": "SIGINT"|"SIGTERM"|null,           // not with --dry-run
//!   "kept": n,
//!   "repositories": [repository, ...]  // in the order given
//! }
//! repository: "repository", "registry_id", "found", "ok", then one of
//!   missing or failed:  "error"
//!   --dry-run:          "images", "would_delete": [image], "kept": [kept],
//!                       "would_delete_repository"
//!   purged:             "images", "deleted", "already_gone": [image], "kept": [kept],
//!                       "failed": [image + "code", "reason"], "unmatched_failures",
//!                       "failed_by_code", "not_attempted", "in_doubt": [image],
//!                       "deleted_again", "interrupted", "appeared": [image], "empty",
//!                       "repository_deleted", "error"
//! image: "digest", "tags", "media_type", "pushed_at", "status"
//! kept: image + "reason", "detail"
//! ```
//!
//! Each field is described on the type that writes it, below. The counts add up the
//! repositories' lists (`failed` counts `unmatched_failures` too). The form is fixed by
//! `tests/fixtures/json-document*.json`.

use std::collections::BTreeMap;
use std::time::SystemTime;

use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;
use cli_support::signal::Signal;
use serde::Serialize;

use crate::ecr::{Failure, Unmatched};
use crate::image::Image;
use crate::plan::{KeepReason, Plan};
use crate::purge::{Outcome, RepoFate};
use crate::repo::Target;
use crate::summary;

/// What became of one repository: the input of the document and of the failure annotation.
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

/// The whole `--json` document (see the module documentation).
#[derive(Debug, Serialize)]
pub struct Document<'a> {
    /// `--dry-run` was given: nothing was deleted.
    dry_run: bool,
    /// The run succeeded: its exit status is 0.
    ok: bool,
    /// `--dry-run` only: the images the plan would delete.
    #[serde(skip_serializing_if = "Option::is_none")]
    would_delete: Option<usize>,
    /// Not with `--dry-run`: what the purge did.
    #[serde(flatten)]
    totals: Option<Totals>,
    /// Images left on purpose (each repository's `kept`).
    kept: usize,
    repositories: Vec<RepoJson<'a>>,
}

/// The counts of a run that deleted.
#[derive(Debug, Serialize)]
struct Totals {
    deleted: usize,
    /// Images that could not be deleted, and failures the API tied to no image.
    failed: usize,
    not_attempted: usize,
    /// In calls abandoned at a second signal: not known to be deleted.
    in_doubt: usize,
    /// The signal that stopped the run (`SIGINT`, `SIGTERM`), or null.
    interrupted: Option<&'static str>,
}

/// One repository of the document.
#[derive(Debug, Serialize)]
struct RepoJson<'a> {
    /// The name (`team/app`), whatever form it was given in.
    repository: &'a str,
    /// The registry named by `--registry-id` or the repository's URI or ARN, else null.
    registry_id: Option<&'a str>,
    /// Whether it exists: false when missing, null when it was never reached.
    found: Option<bool>,
    /// This repository's part of the job succeeded.
    ok: bool,
    #[serde(flatten)]
    detail: Detail<'a>,
}

/// What follows `ok`, by what happened.
#[derive(Debug, Serialize)]
#[serde(untagged)]
enum Detail<'a> {
    /// Missing, or listing or reading its indexes failed: the message.
    Error {
        error: &'a str,
    },
    /// `--dry-run`.
    Planned {
        /// Images in the repository.
        images: usize,
        would_delete: Vec<ImageJson<'a>>,
        kept: Vec<Kept<'a>>,
        /// `--delete-repository`: the repository would be deleted after its images.
        would_delete_repository: bool,
    },
    Done(Box<Done<'a>>),
}

/// A repository the purge ran on.
#[derive(Debug, Serialize)]
struct Done<'a> {
    /// Images in the repository when it was listed.
    images: usize,
    deleted: Vec<ImageJson<'a>>,
    /// Answered `ImageNotFound`, and not listed afterwards: gone before the purge got there.
    already_gone: Vec<ImageJson<'a>>,
    /// Left on purpose: by the plan, then platform manifests of indexes that stay.
    kept: Vec<Kept<'a>>,
    failed: Vec<FailedJson<'a>>,
    /// Failures of BatchDeleteImage that named no image of their batch.
    unmatched_failures: Vec<UnmatchedJson<'a>>,
    /// `failed` and `unmatched_failures` counted by code, codes in order.
    failed_by_code: BTreeMap<String, usize>,
    /// Not sent, or not sent again, after a failed call or a signal.
    not_attempted: Vec<ImageJson<'a>>,
    /// In calls abandoned at a second signal.
    in_doubt: Vec<ImageJson<'a>>,
    /// Reported gone yet still listed, then deleted again.
    deleted_again: usize,
    interrupted: Option<&'static str>,
    /// Listed at the end but not in the plan (pushed during the purge).
    appeared: Vec<ImageJson<'a>>,
    /// Whether the repository was seen empty at the end (null when not checked: a prune).
    empty: Option<bool>,
    /// Deleted, by this run or already.
    repository_deleted: bool,
    /// The call that stopped the purge or kept the repository, or null.
    error: Option<String>,
}

/// An image.
#[derive(Debug, Serialize)]
struct ImageJson<'a> {
    digest: &'a str,
    tags: &'a [String],
    media_type: Option<&'a str>,
    /// RFC 3339, UTC.
    pushed_at: Option<String>,
    /// `ACTIVE`, `ARCHIVED`, `ACTIVATING`, when the API says.
    status: Option<&'a str>,
}

/// An image left, and why.
#[derive(Debug, Serialize)]
struct Kept<'a> {
    #[serde(flatten)]
    image: ImageJson<'a>,
    /// The category (`keep-latest`, `child-of-kept-index`, ...).
    reason: &'static str,
    /// The reason in words.
    detail: String,
}

/// An image not deleted, with the API's code and reason.
#[derive(Debug, Serialize)]
struct FailedJson<'a> {
    #[serde(flatten)]
    image: ImageJson<'a>,
    code: &'a str,
    reason: &'a str,
}

/// A failure tied to no image of its batch.
#[derive(Debug, Serialize)]
struct UnmatchedJson<'a> {
    /// As the API gave it: `sha256:...`, `tag v1`, or `no image id`.
    image_id: &'a str,
    code: &'a str,
    reason: &'a str,
}

fn time(t: Option<SystemTime>) -> Option<String> {
    t.and_then(|t| DateTime::from(t).fmt(Format::DateTime).ok())
}

impl<'a> ImageJson<'a> {
    fn new(image: &'a Image) -> ImageJson<'a> {
        ImageJson {
            digest: &image.digest,
            tags: &image.tags,
            media_type: image.media_type.as_deref(),
            pushed_at: time(image.pushed_at),
            status: image.status.as_deref(),
        }
    }

    fn all(images: &'a [Image]) -> Vec<ImageJson<'a>> {
        images.iter().map(ImageJson::new).collect()
    }
}

impl<'a> Kept<'a> {
    fn new((image, reason): &'a (Image, KeepReason)) -> Kept<'a> {
        Kept {
            image: ImageJson::new(image),
            reason: reason.category(),
            detail: reason.to_string(),
        }
    }
}

impl<'a> FailedJson<'a> {
    fn new((image, failure): &'a (Image, Failure)) -> FailedJson<'a> {
        FailedJson {
            image: ImageJson::new(image),
            code: &failure.code,
            reason: &failure.reason,
        }
    }
}

impl<'a> UnmatchedJson<'a> {
    fn new(u: &'a Unmatched) -> UnmatchedJson<'a> {
        UnmatchedJson {
            image_id: &u.image_id,
            code: &u.code,
            reason: &u.reason,
        }
    }
}

impl<'a> RepoJson<'a> {
    fn new(report: &'a RepoReport<'a>) -> RepoJson<'a> {
        let (target, found, ok, detail) = match report {
            RepoReport::Missing {
                target,
                message,
                ok,
            } => (target, Some(false), *ok, Detail::Error { error: message }),
            RepoReport::Failed {
                target,
                message,
                found,
            } => (
                target,
                // Never reached: whether it exists is not known.
                found.then_some(true),
                false,
                Detail::Error { error: message },
            ),
            RepoReport::Planned {
                target,
                total,
                plan,
                delete_repository,
            } => (
                target,
                Some(true),
                true,
                Detail::Planned {
                    images: *total,
                    would_delete: ImageJson::all(&plan.delete),
                    kept: plan.keep.iter().map(Kept::new).collect(),
                    would_delete_repository: *delete_repository,
                },
            ),
            RepoReport::Done {
                target,
                total,
                plan,
                outcome,
            } => (
                target,
                Some(true),
                outcome.ok(),
                Detail::Done(Box::new(Done::new(*total, plan, outcome))),
            ),
        };
        RepoJson {
            repository: &target.name,
            registry_id: target.registry_id.as_deref(),
            found,
            ok,
            detail,
        }
    }
}

impl<'a> Done<'a> {
    fn new(total: usize, plan: &'a Plan, outcome: &'a Outcome) -> Done<'a> {
        Done {
            images: total,
            deleted: ImageJson::all(&outcome.deleted),
            already_gone: ImageJson::all(&outcome.already_gone),
            kept: plan
                .keep
                .iter()
                .chain(&outcome.kept)
                .map(Kept::new)
                .collect(),
            failed: outcome.failed.iter().map(FailedJson::new).collect(),
            unmatched_failures: outcome.unmatched.iter().map(UnmatchedJson::new).collect(),
            failed_by_code: summary::failures_by_code(outcome),
            not_attempted: ImageJson::all(&outcome.not_attempted),
            in_doubt: ImageJson::all(&outcome.in_doubt),
            deleted_again: outcome.deleted_again,
            interrupted: outcome.interrupted.map(Signal::name),
            appeared: ImageJson::all(&outcome.appeared),
            empty: outcome.empty,
            repository_deleted: matches!(
                outcome.repository,
                RepoFate::Deleted | RepoFate::AlreadyGone
            ),
            error: outcome.error.as_ref().map(ToString::to_string),
        }
    }
}

impl<'a> Document<'a> {
    /// The document of a run: `ok` is the run's verdict, `interrupted` the signal that
    /// stopped it.
    pub fn new(
        dry_run: bool,
        ok: bool,
        interrupted: Option<Signal>,
        reports: &'a [RepoReport<'a>],
    ) -> Document<'a> {
        let repositories: Vec<RepoJson<'a>> = reports.iter().map(RepoJson::new).collect();
        let sum = |count: fn(&Detail<'_>) -> usize| -> usize {
            repositories.iter().map(|r| count(&r.detail)).sum()
        };
        let kept = sum(|d| match d {
            Detail::Planned { kept, .. } => kept.len(),
            Detail::Done(done) => done.kept.len(),
            Detail::Error { .. } => 0,
        });
        let (would_delete, totals) = if dry_run {
            let would = sum(|d| match d {
                Detail::Planned { would_delete, .. } => would_delete.len(),
                _ => 0,
            });
            (Some(would), None)
        } else {
            let done = |count: fn(&Done<'_>) -> usize| sum_done(&repositories, count);
            let totals = Totals {
                deleted: done(|d| d.deleted.len()),
                failed: done(|d| d.failed.len() + d.unmatched_failures.len()),
                not_attempted: done(|d| d.not_attempted.len()),
                in_doubt: done(|d| d.in_doubt.len()),
                interrupted: interrupted.map(Signal::name),
            };
            (None, Some(totals))
        };
        Document {
            dry_run,
            ok,
            would_delete,
            totals,
            kept,
            repositories,
        }
    }
}

fn sum_done(repositories: &[RepoJson<'_>], count: fn(&Done<'_>) -> usize) -> usize {
    repositories
        .iter()
        .map(|r| match &r.detail {
            Detail::Done(done) => count(done),
            _ => 0,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use cli_support::aws::AwsError;
    use serde_json::{Value, json};

    #[test]
    fn json_images_carry_their_status_and_unreached_repositories_no_found() {
        let mut i = Image::new("sha256:ab");
        i.status = Some("ARCHIVED".into());
        let json = |i: &Image| serde_json::to_value(ImageJson::new(i)).unwrap();
        assert_eq!(json(&i)["status"], "ARCHIVED");
        assert_eq!(json(&Image::new("sha256:cd"))["status"], Value::Null);
        let t = Target::named("app");
        let unreached = RepoReport::Failed {
            target: &t,
            message: "DescribeImages: cannot reach AWS".into(),
            found: false,
        };
        let v = serde_json::to_value(RepoJson::new(&unreached)).unwrap();
        assert_eq!(v["found"], Value::Null);
        assert_eq!(v["error"], "DescribeImages: cannot reach AWS");
        let listed = RepoReport::Failed {
            target: &t,
            message: "BatchGetImage: AccessDeniedException".into(),
            found: true,
        };
        assert_eq!(
            serde_json::to_value(RepoJson::new(&listed)).unwrap()["found"],
            true
        );
    }

    #[test]
    fn times_are_rfc3339() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_hours(500_000);
        assert_eq!(json!(time(Some(t))), json!("2027-01-15T08:00:00Z"));
        assert_eq!(json!(time(None)), Value::Null);
    }

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
            failed: vec![(untagged.clone(), Failure::of_call("sha256:bb", &denied))],
            unmatched: vec![Unmatched {
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
            interrupted: Some(Signal::Term),
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
        let bare = Target::named("web");
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
        let done = Document::new(false, false, Some(Signal::Term), &reports);
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
        let dry = Document::new(true, false, None, &planned);
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
