//! The end of a purge: delete the repository, or look at it to settle what the API did not
//! report plainly (deleting again what it called gone but still lists), and prove a full
//! purge left it empty.

use std::collections::{HashMap, HashSet};

use aws_sdk_ecr::Client;
use cli_support::signal::Signals;

use crate::ecr::{self, Failure, ListError, MAX_IDS_PER_CALL, RepoDeletion};
use crate::image::Image;

use super::{
    NOT_DELETED, NOT_FOUND, Options, REDELETE_ROUNDS, REFERENCED, RepoFate, Sink, State, Suspect,
    abandonable,
};

/// Delete the repository or look at it: confirms the images the API did not report or
/// called not found (deleting again, up to [`REDELETE_ROUNDS`] times, those still listed),
/// and proves a full purge emptied it. After a signal: no deletion, one look (abandoned at a
/// second signal).
pub(super) async fn finish(
    client: &Client,
    st: &mut State<'_>,
    planned: &HashSet<String>,
    options: Options,
    sink: &mut dyn Sink,
    signals: &Signals,
) {
    let clean = st.outcome.failed.is_empty()
        && st.outcome.unmatched.is_empty()
        && st.outcome.not_attempted.is_empty()
        && st.outcome.error.is_none();
    // DeleteRepository said the repository is not empty: ask again if the listing disagrees.
    let mut refused = false;
    if options.delete_repository && options.full {
        st.outcome.repository = RepoFate::NotDeleted;
        if clean && signals.fired().is_none() {
            match abandonable(signals, ecr::delete_repository(client, st.target)).await {
                None => {
                    st.abandon_suspects();
                    return;
                }
                Some(Ok(RepoDeletion::NotEmpty(_))) => refused = true,
                Some(Ok(deletion)) => {
                    repository_gone(st, &deletion, sink);
                    return;
                }
                Some(Err(e)) => st.outcome.error = Some(e),
            }
        }
    } else if !options.full && st.suspects.is_empty() {
        return;
    } else if options.full && planned.is_empty() {
        // Nothing to delete: the listing the plan came from saw the repository empty.
        st.outcome.empty = Some(true);
        return;
    }

    let mut round = 0;
    loop {
        let left = match abandonable(signals, ecr::list_images(client, st.target)).await {
            None => {
                st.abandon_suspects();
                return;
            }
            Some(Ok(left)) => left,
            Some(Err(ListError::Missing(e) | ListError::Other(e))) => {
                for (d, why) in std::mem::take(&mut st.suspects) {
                    let image = st.image(&d);
                    match why {
                        Suspect::Unreported => {
                            st.outcome.failed.push((image, Failure::of_call(&d, &e)));
                        }
                        Suspect::NotFound => st.outcome.already_gone.push(image),
                    }
                }
                if st.outcome.error.is_none() {
                    st.outcome.error = Some(e);
                }
                return;
            }
        };
        let present: HashSet<&str> = left.iter().map(|i| i.digest.as_str()).collect();
        let mut still = Vec::new();
        for (d, why) in std::mem::take(&mut st.suspects) {
            if present.contains(d.as_str()) {
                still.push((d, why));
            } else if why == Suspect::Unreported {
                st.confirm(&d, sink);
            } else {
                let image = st.image(&d);
                st.outcome.already_gone.push(image);
            }
        }
        if !still.is_empty() && round < REDELETE_ROUNDS && signals.fired().is_none() {
            round += 1;
            if !delete_again(client, st, &still, sink, signals).await {
                st.abandon_suspects();
                return;
            }
            continue;
        }
        leave(st, still, round, signals.fired().is_some());
        if options.full {
            st.outcome.empty = Some(left.is_empty());
            st.outcome.appeared = left
                .into_iter()
                .filter(|i| !planned.contains(&i.digest))
                .collect();
        }
        if refused
            && st.outcome.empty == Some(true)
            && st.outcome.failed.is_empty()
            && signals.fired().is_none()
        {
            // ECR answered RepositoryNotEmpty, yet lists no image: a deletion it has not
            // settled yet. Once more; a second refusal is a failure to re-run.
            match abandonable(signals, ecr::delete_repository(client, st.target)).await {
                None => {}
                Some(Ok(RepoDeletion::NotEmpty(e)) | Err(e)) => st.outcome.error = Some(e),
                Some(Ok(deletion)) => repository_gone(st, &deletion, sink),
            }
        }
        return;
    }
}

/// Suspects still listed when the rounds are over: not attempted after a signal, else
/// failures saying what the API answered and how often they were tried again.
fn leave(st: &mut State<'_>, still: Vec<(String, Suspect)>, round: usize, interrupted: bool) {
    for (d, why) in still {
        let image = st.image(&d);
        if interrupted {
            st.outcome.not_attempted.push(image);
            continue;
        }
        let said = match why {
            Suspect::Unreported => "reported neither a deletion nor a failure",
            Suspect::NotFound => "answered ImageNotFound",
        };
        let reason = if round == 0 {
            format!("BatchDeleteImage {said}, and the image is still there")
        } else {
            format!(
                "BatchDeleteImage {said}, and the image is still there after {round} more \
                 {}",
                if round == 1 { "attempt" } else { "attempts" }
            )
        };
        st.outcome.failed.push((
            image,
            Failure {
                digest: d.clone(),
                code: NOT_DELETED.to_owned(),
                reason,
                whole_call: false,
            },
        ));
    }
}

/// Delete again images the API called gone that are still listed; what it answers goes
/// back to the suspects (to be looked at again) or to the failures. False if a second
/// signal abandoned a call (its images are in doubt).
async fn delete_again(
    client: &Client,
    st: &mut State<'_>,
    still: &[(String, Suspect)],
    sink: &mut dyn Sink,
    signals: &Signals,
) -> bool {
    let digests: Vec<String> = still.iter().map(|(d, _)| d.clone()).collect();
    for batch in digests.chunks(MAX_IDS_PER_CALL) {
        if signals.fired().is_some() {
            let images: Vec<Image> = batch.iter().map(|d| st.image(d)).collect();
            st.outcome.not_attempted.extend(images);
            continue;
        }
        match abandonable(signals, ecr::delete_batch(client, st.target, batch)).await {
            None => {
                let images: Vec<Image> = batch.iter().map(|d| st.image(d)).collect();
                st.outcome.in_doubt.extend(images);
                return false;
            }
            Some(Ok(res)) => {
                let mut failures: HashMap<String, Failure> = HashMap::new();
                for f in res.failures {
                    failures.entry(f.digest.clone()).or_insert(f);
                }
                for d in batch {
                    if res.deleted.contains(d) {
                        st.confirm(d, sink);
                        st.done -= 1; // counted when it was first settled
                        st.outcome.deleted_again += 1;
                    } else if let Some(f) = failures.remove(d) {
                        if f.code == NOT_FOUND || f.code == REFERENCED {
                            st.suspects.push((d.clone(), Suspect::NotFound));
                        } else {
                            let image = st.image(d);
                            st.outcome.failed.push((image, f));
                        }
                    } else {
                        st.suspects.push((d.clone(), Suspect::Unreported));
                    }
                }
            }
            Some(Err(e)) => {
                for d in batch {
                    let image = st.image(d);
                    st.outcome.failed.push((image, Failure::of_call(d, &e)));
                }
                if st.outcome.error.is_none() {
                    st.outcome.error = Some(e);
                }
            }
        }
        sink.progress(st.target, st.done);
    }
    true
}

/// DeleteRepository deleted the repository, or found it gone: every image went with it.
fn repository_gone(st: &mut State<'_>, deletion: &RepoDeletion, sink: &mut dyn Sink) {
    for (d, why) in std::mem::take(&mut st.suspects) {
        match why {
            Suspect::Unreported => st.confirm(&d, sink),
            Suspect::NotFound => {
                let image = st.image(&d);
                st.outcome.already_gone.push(image);
            }
        }
    }
    st.outcome.empty = Some(true);
    st.outcome.repository = if matches!(deletion, RepoDeletion::AlreadyGone) {
        RepoFate::AlreadyGone
    } else {
        RepoFate::Deleted
    };
}
