//! Deleting a plan: batches of up to 100 digests, several in flight, indexes first; rounds
//! that retry what an index still held until a round makes no progress; then the proof
//! (the repository is empty, or the images are gone), deleting again, in bounded rounds,
//! what the API called gone (`ImageNotFound`, or no answer) but is still listed.
//!
//! On a signal no new call starts; the calls in flight finish and the repository is looked
//! at once more, so that every image known deleted is reported. A second signal abandons
//! what is in flight: the images of those calls are reported as not known to be deleted.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};

use aws_sdk_ecr::Client;
use cli_support::signal::Signals;
use futures_util::{StreamExt as _, stream};

use crate::ecr::{self, BatchResult, Failure, MAX_IDS_PER_CALL};
use crate::image::Image;
use crate::plan::KeepReason;
use crate::repo::Target;

mod finish;
mod outcome;

pub use outcome::{Outcome, RepoFate};

/// Failure code of an image the API reported neither deleted nor failed and that is still
/// there afterwards.
pub const NOT_DELETED: &str = "NotDeleted";
const REFERENCED: &str = "ImageReferencedByManifestList";
const NOT_FOUND: &str = "ImageNotFound";
/// Rounds of deleting again what the API called gone but the repository still lists.
pub const REDELETE_ROUNDS: usize = 3;

/// `fut`, unless a second signal comes first (`None`: abandoned).
async fn abandonable<T>(signals: &Signals, fut: impl Future<Output = T>) -> Option<T> {
    tokio::select! {
        biased;
        _ = signals.again() => None,
        v = fut => Some(v),
    }
}

/// Where progress and deleted images go while the purge runs.
pub trait Sink {
    /// An image is confirmed gone (print its line).
    fn deleted(&mut self, target: &Target, image: &Image);
    /// `done` of the plan's images are settled.
    fn progress(&mut self, target: &Target, done: usize);
}

/// How to run.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Delete calls in flight.
    pub concurrency: usize,
    /// Everything was selected: leftovers are failures, and the repository must end empty.
    pub full: bool,
    /// DeleteRepository (without force) once the images are gone.
    pub delete_repository: bool,
}

/// The parent digests named in an `ImageReferencedByManifestList` reason
/// (`Requested image referenced by manifest list: [sha256:...]`).
pub fn referencing_digests(reason: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = reason;
    while let Some(pos) = rest.find("sha256:") {
        let tail = &rest[pos + 7..];
        let len = tail
            .find(|c: char| !c.is_ascii_hexdigit())
            .unwrap_or(tail.len());
        if len > 0 {
            out.push(format!("sha256:{}", &tail[..len]));
        }
        rest = &tail[len..];
    }
    out
}

/// Why an image is taken for gone until the repository is looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Suspect {
    /// BatchDeleteImage reported neither a deletion nor a failure. ECR accounts for every
    /// id it is sent, so this is an answer not to trust either way; it costs one look at
    /// the repository, and only when it happens.
    Unreported,
    /// `ImageNotFound`: gone before we got to it, or an answer that is wrong (an emulator
    /// racing under concurrent deletes said so of images it still held).
    NotFound,
}

struct State<'a> {
    target: &'a Target,
    images: HashMap<String, Image>,
    outcome: Outcome,
    suspects: Vec<(String, Suspect)>,
    done: usize,
}

impl State<'_> {
    fn image(&self, digest: &str) -> Image {
        self.images
            .get(digest)
            .cloned()
            .unwrap_or_else(|| Image::new(digest))
    }

    fn confirm(&mut self, digest: &str, sink: &mut dyn Sink) {
        let image = self.image(digest);
        sink.deleted(self.target, &image);
        self.outcome.deleted.push(image);
        self.done += 1;
    }

    /// A second signal: what is not settled stays unknown.
    fn abandon_suspects(&mut self) {
        for (d, why) in std::mem::take(&mut self.suspects) {
            let image = self.image(&d);
            match why {
                Suspect::Unreported => self.outcome.in_doubt.push(image),
                Suspect::NotFound => self.outcome.already_gone.push(image),
            }
        }
    }
}

/// Delete `plan` (in its order: indexes first) from `target`. `signals` stop the purge
/// (see the module documentation).
pub async fn execute(
    client: &Client,
    target: &Target,
    plan: Vec<Image>,
    options: Options,
    sink: &mut dyn Sink,
    signals: &Signals,
) -> Outcome {
    let order: Vec<String> = plan.iter().map(|i| i.digest.clone()).collect();
    let planned: HashSet<String> = order.iter().cloned().collect();
    let mut st = State {
        target,
        images: plan.into_iter().map(|i| (i.digest.clone(), i)).collect(),
        outcome: Outcome::new(),
        suspects: Vec::new(),
        done: 0,
    };

    let mut pending = order;
    let mut last_failure: HashMap<String, Failure> = HashMap::new();
    let mut abandoned = false;
    loop {
        let (indexes, rest): (Vec<String>, Vec<String>) = pending
            .into_iter()
            .partition(|d| st.images.get(d).is_some_and(Image::is_index));
        let mut retry = Vec::new();
        let mut progress = false;
        for wave in [indexes, rest] {
            if wave.is_empty() {
                continue;
            }
            if st.outcome.error.is_some() || signals.fired().is_some() {
                let images: Vec<Image> = wave.iter().map(|d| st.image(d)).collect();
                st.outcome.not_attempted.extend(images);
                continue;
            }
            abandoned = delete_wave(
                client,
                &mut st,
                &wave,
                options,
                &mut retry,
                &mut last_failure,
                &mut progress,
                sink,
                signals,
            )
            .await;
            // Abandoned: a second signal came, so the next wave is not attempted.
        }
        if retry.is_empty() {
            break;
        }
        if abandoned || signals.fired().is_some() {
            let images: Vec<Image> = retry.iter().map(|d| st.image(d)).collect();
            st.outcome.not_attempted.extend(images);
            break;
        }
        if !progress || st.outcome.error.is_some() {
            give_up(&mut st, retry, &last_failure, &planned, options.full);
            break;
        }
        pending = retry;
    }

    if abandoned || signals.count() >= 2 {
        if options.delete_repository && options.full {
            st.outcome.repository = RepoFate::NotDeleted;
        }
        st.abandon_suspects();
    } else {
        finish::finish(client, &mut st, &planned, options, sink, signals).await;
    }
    st.outcome.interrupted = signals.fired();
    st.outcome
}

/// One wave of calls (`concurrency` in flight). No call starts once a signal came; at a
/// second one the calls in flight are abandoned (their images in doubt, the unsent ones not
/// attempted) and this returns true.
#[allow(clippy::too_many_arguments)] // the purge's state, passed apart for the borrows
async fn delete_wave(
    client: &Client,
    st: &mut State<'_>,
    wave: &[String],
    options: Options,
    retry: &mut Vec<String>,
    last_failure: &mut HashMap<String, Failure>,
    progress: &mut bool,
    sink: &mut dyn Sink,
    signals: &Signals,
) -> bool {
    let target = st.target;
    let stop = Cell::new(false);
    let started: RefCell<HashSet<usize>> = RefCell::new(HashSet::new());
    let mut settled: HashSet<usize> = HashSet::new();
    let mut abandoned = false;
    {
        let (stop, started) = (&stop, &started);
        let calls = wave
            .chunks(MAX_IDS_PER_CALL)
            .enumerate()
            .map(|(i, batch)| async move {
                if stop.get() || signals.fired().is_some() {
                    return (i, batch, None);
                }
                started.borrow_mut().insert(i);
                (
                    i,
                    batch,
                    Some(ecr::delete_batch(client, target, batch).await),
                )
            });
        let mut results = stream::iter(calls).buffer_unordered(options.concurrency.max(1));
        loop {
            let Some(next) = abandonable(signals, results.next()).await else {
                abandoned = true;
                break;
            };
            let Some((i, batch, result)) = next else {
                break;
            };
            settled.insert(i);
            match result {
                None => {
                    let images: Vec<Image> = batch.iter().map(|d| st.image(d)).collect();
                    st.outcome.not_attempted.extend(images);
                }
                Some(Ok(res)) => {
                    *progress |= settle(st, batch, res, retry, last_failure, sink);
                }
                Some(Err(e)) if e.is_retryable() => {
                    // The SDK already retried; try the batch again next round.
                    for d in batch {
                        last_failure.insert(d.clone(), Failure::of_call(d, &e));
                        retry.push(d.clone());
                    }
                }
                Some(Err(e)) => {
                    stop.set(true);
                    for d in batch {
                        let image = st.image(d);
                        st.outcome.failed.push((image, Failure::of_call(d, &e)));
                    }
                    if st.outcome.error.is_none() {
                        st.outcome.error = Some(e);
                    }
                }
            }
            sink.progress(target, st.done);
        }
    }
    if abandoned {
        let started = started.into_inner();
        for (i, batch) in wave.chunks(MAX_IDS_PER_CALL).enumerate() {
            if settled.contains(&i) {
                continue;
            }
            let images: Vec<Image> = batch.iter().map(|d| st.image(d)).collect();
            if started.contains(&i) {
                st.outcome.in_doubt.extend(images);
            } else {
                st.outcome.not_attempted.extend(images);
            }
        }
    }
    abandoned
}

/// Sort one BatchDeleteImage answer into deleted, gone, retry, failed and unconfirmed.
/// True if anything was removed.
fn settle(
    st: &mut State<'_>,
    batch: &[String],
    res: BatchResult,
    retry: &mut Vec<String>,
    last_failure: &mut HashMap<String, Failure>,
    sink: &mut dyn Sink,
) -> bool {
    let mut progress = false;
    let mut failures: HashMap<String, Failure> = HashMap::new();
    for f in res.failures {
        failures.entry(f.digest.clone()).or_insert(f);
    }
    let mut unaccounted = Vec::new();
    for d in batch {
        if res.deleted.contains(d) {
            st.confirm(d, sink);
            progress = true;
        } else if let Some(f) = failures.remove(d) {
            progress |= failed(st, d, f, retry, last_failure);
        } else {
            unaccounted.push(d);
        }
    }
    let mut unmatched = res.unmatched;
    if let ([d], [_]) = (&unaccounted[..], &unmatched[..]) {
        // One failure that names no digest of the batch (only a tag, say) and one image
        // the answer says nothing else about: the failure is that image's.
        let u = unmatched.remove(0);
        let f = Failure {
            digest: (*d).clone(),
            code: u.code,
            reason: u.reason,
            whole_call: false,
        };
        return failed(st, d, f, retry, last_failure) || progress;
    }
    for d in unaccounted {
        // Neither deleted nor failed (ECR does not answer so): settled by looking at the
        // repository afterwards.
        st.suspects.push((d.clone(), Suspect::Unreported));
        st.done += 1;
    }
    // An image that was not found is not there: nothing to report.
    st.outcome
        .unmatched
        .extend(unmatched.into_iter().filter(|u| u.code != NOT_FOUND));
    progress
}

/// One image the API did not delete, with its failure: gone, to retry, or failed. True if
/// it is gone.
fn failed(
    st: &mut State<'_>,
    d: &str,
    f: Failure,
    retry: &mut Vec<String>,
    last_failure: &mut HashMap<String, Failure>,
) -> bool {
    match f.code.as_str() {
        NOT_FOUND => {
            // Settled by looking at the repository afterwards: still there, it is deleted
            // again.
            st.suspects.push((d.to_owned(), Suspect::NotFound));
            st.done += 1;
            true
        }
        REFERENCED => {
            last_failure.insert(d.to_owned(), f);
            retry.push(d.to_owned());
            false
        }
        _ => {
            let image = st.image(d);
            st.outcome.failed.push((image, f));
            false
        }
    }
}

/// The images a round could not remove. Still referenced by an index the purge does not
/// delete (and it is not a full purge): kept. Anything else: failed.
fn give_up(
    st: &mut State<'_>,
    retry: Vec<String>,
    last_failure: &HashMap<String, Failure>,
    planned: &HashSet<String>,
    full: bool,
) {
    for d in retry {
        let image = st.image(&d);
        let failure = last_failure.get(&d).cloned().unwrap_or_else(|| Failure {
            digest: d.clone(),
            code: "Unknown".to_owned(),
            reason: String::new(),
            whole_call: false,
        });
        if !full && failure.code == REFERENCED {
            let parents = referencing_digests(&failure.reason);
            if let Some(parent) = parents.first()
                && parents.iter().all(|p| !planned.contains(p))
            {
                st.outcome
                    .kept
                    .push((image, KeepReason::ChildOfKept(parent.clone())));
                continue;
            }
        }
        st.outcome.failed.push((image, failure));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parent_digests_from_the_reason() {
        assert_eq!(
            referencing_digests("Requested image referenced by manifest list: [sha256:abc12]"),
            ["sha256:abc12"]
        );
        assert_eq!(
            referencing_digests("lists: [sha256:aa, sha256:bb]"),
            ["sha256:aa", "sha256:bb"]
        );
        assert!(referencing_digests("no digest here sha256:").is_empty());
    }
}
