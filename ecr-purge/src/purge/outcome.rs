//! What a purge did to one repository: the outcome the summaries and the `--json` document
//! are made from.

use cli_support::aws::AwsError;
use cli_support::signal::Signal;

use crate::ecr::{Failure, Unmatched};
use crate::image::Image;
use crate::plan::KeepReason;

use super::Options;

/// What became of the repository itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RepoFate {
    /// Not asked to delete it (no `--delete-repository`).
    Kept,
    Deleted,
    /// DeleteRepository found it gone already.
    AlreadyGone,
    /// `--delete-repository`, and the repository is still there: images are left, or ECR
    /// refused. A failure.
    NotDeleted,
}

/// The outcome for one repository.
#[derive(Debug)]
pub struct Outcome {
    pub deleted: Vec<Image>,
    /// `ImageNotFound`: gone before we got to it.
    pub already_gone: Vec<Image>,
    pub failed: Vec<(Image, Failure)>,
    /// `failures[]` entries that named no image of their batch and could not be tied to one.
    pub unmatched: Vec<Unmatched>,
    /// Still referenced by an index the purge keeps (or never saw): left, not an error.
    pub kept: Vec<(Image, KeepReason)>,
    /// Not deleted because an earlier call failed for good or a signal stopped the purge
    /// (never sent, or not sent again).
    pub not_attempted: Vec<Image>,
    /// In calls abandoned at a second signal (or not confirmed when the look that would have
    /// settled them was abandoned): they may or may not be gone.
    pub in_doubt: Vec<Image>,
    /// Reported gone (`ImageNotFound`, or no answer) yet still listed, then deleted again.
    pub deleted_again: usize,
    /// The signal that stopped the purge.
    pub interrupted: Option<Signal>,
    /// Found in the repository at the end but not in the plan (pushed during the purge).
    pub appeared: Vec<Image>,
    /// The call that stopped the purge.
    pub error: Option<AwsError>,
    /// Whether the repository was seen empty at the end (checked for a full purge).
    pub empty: Option<bool>,
    pub repository: RepoFate,
}

impl Outcome {
    pub fn new() -> Outcome {
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

    /// A repository whose purge never started because of `signal`.
    pub fn not_started(plan: Vec<Image>, options: Options, signal: Signal) -> Outcome {
        let mut o = Outcome::new();
        o.not_attempted = plan;
        o.interrupted = Some(signal);
        if options.delete_repository && options.full {
            o.repository = RepoFate::NotDeleted;
        }
        o
    }

    pub fn ok(&self) -> bool {
        self.interrupted.is_none()
            && self.in_doubt.is_empty()
            && self.failed.is_empty()
            && self.unmatched.is_empty()
            && self.not_attempted.is_empty()
            && self.appeared.is_empty()
            && self.error.is_none()
            && self.empty != Some(false)
            && self.repository != RepoFate::NotDeleted
    }
}
