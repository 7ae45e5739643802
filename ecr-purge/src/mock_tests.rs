//! The ECR behaviour the local emulator cannot produce, through aws-smithy-mocks: pages of
//! 1000 (it never paginates), the 100-id cap (it accepts any number), ImageReferencedByManifestList
//! (it does not model index references), old push times (it cannot backdate a push),
//! throttling, per-image failures that never clear or that name no image of the batch,
//! BatchGetImage failures, and a DeleteRepository that still says RepositoryNotEmpty when
//! the listing is empty (it deletes synchronously), ImageNotFound for an image still there a
//! chosen number of times, and a signal after a chosen call. The binary itself is tested
//! against the emulator in tests/cli.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use aws_sdk_ecr::Client;
use aws_sdk_ecr::error::ErrorMetadata;
use aws_sdk_ecr::operation::batch_delete_image::{BatchDeleteImageError, BatchDeleteImageOutput};
use aws_sdk_ecr::operation::batch_get_image::BatchGetImageOutput;
use aws_sdk_ecr::operation::delete_repository::{DeleteRepositoryError, DeleteRepositoryOutput};
use aws_sdk_ecr::operation::describe_images::DescribeImagesOutput;
use aws_sdk_ecr::types::{ImageDetail, ImageFailure, ImageFailureCode, ImageIdentifier};
use aws_smithy_mocks::{MockResponse, Rule, RuleMode, mock, mock_client};
use aws_smithy_types::DateTime;

use crate::ecr::{self, MAX_IDS_PER_CALL};
use crate::image::{INDEX_MEDIA_TYPES, Image};
use crate::plan::{self, Selection};
use crate::purge::{self, Options, Outcome, RepoFate, Sink};
use crate::repo::Target;
use cli_support::signal::{Signal, Signals};

const MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";

fn digest(i: usize) -> String {
    format!("sha256:{i:064x}")
}

/// A fake ECR repository behind the mocked client: what BatchDeleteImage sees.
#[derive(Debug, Default)]
struct Store {
    /// digest -> (tags, pushed_at seconds, media type)
    images: HashMap<String, (Vec<String>, i64, &'static str)>,
    /// index digest -> children
    refs: HashMap<String, Vec<String>>,
    /// Ids per BatchDeleteImage call, in call order.
    calls: Vec<usize>,
    /// How many ImageReferencedByManifestList failures were returned.
    referenced: usize,
    /// Digest -> failure code returned every time it is deleted.
    stuck: HashMap<String, &'static str>,
    /// Answer calls after this many with AccessDeniedException.
    deny_after: Option<usize>,
    /// Digest -> (the image id its failure names instead, code): refused every time, with a
    /// failure that does not name the digest (only a tag, or another digest).
    misnamed: HashMap<String, (ImageIdentifier, &'static str)>,
    describe_calls: usize,
    /// Digest -> how many more times BatchDeleteImage answers ImageNotFound for it while
    /// keeping it (an emulator racing under concurrent deletes did so).
    lies: HashMap<String, usize>,
    /// Digests someone else deletes just before our call reaches them: truly not found.
    vanish: HashSet<String>,
    /// Send SIGINT this many times after this many BatchDeleteImage calls.
    signal_after: Option<(usize, Arc<cli_support::signal::Trigger>, usize)>,
}

type Shared = Arc<Mutex<Store>>;

impl Store {
    fn add(&mut self, d: &str, tags: &[&str], pushed: i64, media: &'static str) {
        self.images.insert(
            d.to_owned(),
            (
                tags.iter().map(|t| (*t).to_owned()).collect(),
                pushed,
                media,
            ),
        );
    }

    fn add_index(&mut self, d: &str, tags: &[&str], pushed: i64, children: &[String]) {
        self.add(d, tags, pushed, INDEX_MEDIA_TYPES[0]);
        self.refs.insert(d.to_owned(), children.to_vec());
    }

    /// Delete one batch atomically: references are checked against the repository as it
    /// was when the call started (the order inside a batch gives no guarantee).
    fn delete(
        &mut self,
        ids: &[ImageIdentifier],
    ) -> MockResponse<BatchDeleteImageOutput, BatchDeleteImageError> {
        assert!(!ids.is_empty(), "BatchDeleteImage with no ids");
        assert!(
            ids.len() <= MAX_IDS_PER_CALL,
            "BatchDeleteImage with {} ids",
            ids.len()
        );
        self.calls.push(ids.len());
        let call = self.calls.len();
        if self.deny_after.is_some_and(|n| call > n) {
            return MockResponse::Error(BatchDeleteImageError::generic(
                ErrorMetadata::builder()
                    .code("AccessDeniedException")
                    .message("not authorized to perform: ecr:BatchDeleteImage")
                    .build(),
            ));
        }
        let parents_at_start: Vec<(String, Vec<String>)> = self
            .refs
            .iter()
            .filter(|(p, _)| self.images.contains_key(*p))
            .map(|(p, c)| (p.clone(), c.clone()))
            .collect();
        let mut out = BatchDeleteImageOutput::builder();
        let mut gone = Vec::new();
        for id in ids {
            let d = id.image_digest().expect("deletes by digest").to_owned();
            let failure = |code: &str, reason: String| {
                ImageFailure::builder()
                    .image_id(id.clone())
                    .failure_code(ImageFailureCode::from(code))
                    .failure_reason(reason)
                    .build()
            };
            if self.vanish.remove(&d) {
                self.images.remove(&d);
            }
            if let Some(n) = self.lies.get_mut(&d)
                && *n > 0
            {
                *n -= 1;
                out = out.failures(failure("ImageNotFound", "Requested image not found".into()));
                continue;
            }
            if let Some(code) = self.stuck.get(&d) {
                out = out.failures(failure(code, format!("{code} for {d}")));
                continue;
            }
            if let Some((named, code)) = self.misnamed.get(&d) {
                out = out.failures(
                    ImageFailure::builder()
                        .image_id(named.clone())
                        .failure_code(ImageFailureCode::from(*code))
                        .failure_reason(format!("{code} (misnamed)"))
                        .build(),
                );
                continue;
            }
            let Some((tags, _, _)) = self.images.get(&d) else {
                out = out.failures(failure("ImageNotFound", "Requested image not found".into()));
                continue;
            };
            let parents: Vec<&str> = parents_at_start
                .iter()
                .filter(|(p, c)| p != &d && c.contains(&d))
                .map(|(p, _)| p.as_str())
                .collect();
            if !parents.is_empty() {
                self.referenced += 1;
                out = out.failures(failure(
                    "ImageReferencedByManifestList",
                    format!(
                        "Requested image referenced by manifest list: [{}]",
                        parents.join(", ")
                    ),
                ));
                continue;
            }
            // One entry per tag, as ECR answers a delete by digest.
            if tags.is_empty() {
                out = out.image_ids(ImageIdentifier::builder().image_digest(&d).build());
            }
            for t in tags {
                out = out.image_ids(
                    ImageIdentifier::builder()
                        .image_digest(&d)
                        .image_tag(t)
                        .build(),
                );
            }
            gone.push(d);
        }
        for d in gone {
            self.images.remove(&d);
        }
        self.signal(call);
        MockResponse::Output(out.build())
    }

    /// Send the signals of `signal_after` once call number `call` is answered.
    fn signal(&self, call: usize) {
        if let Some((n, trigger, times)) = &self.signal_after
            && call == *n
        {
            for _ in 0..*times {
                trigger.send(Signal::Int);
            }
        }
    }

    /// DescribeImages pages of at most 1000, in digest order, with a token.
    fn describe(&mut self, token: Option<&str>, max: Option<i32>) -> DescribeImagesOutput {
        self.describe_calls += 1;
        let max = usize::try_from(max.unwrap_or(100)).unwrap();
        assert!(max <= 1000, "maxResults {max} is above the API's 1000");
        let mut digests: Vec<&String> = self.images.keys().collect();
        digests.sort();
        let start: usize = token.map_or(0, |t| t.parse().unwrap());
        let mut out = DescribeImagesOutput::builder();
        for d in digests.iter().skip(start).take(max) {
            let (tags, pushed, media) = &self.images[*d];
            let mut detail = ImageDetail::builder()
                .image_digest(*d)
                .image_pushed_at(DateTime::from_secs(*pushed))
                .image_manifest_media_type(*media);
            for t in tags {
                detail = detail.image_tags(t);
            }
            out = out.image_details(detail.build());
        }
        if start + max < digests.len() {
            out = out.next_token((start + max).to_string());
        }
        out.build()
    }
}

fn client(store: &Shared) -> Client {
    mock_client!(aws_sdk_ecr, RuleMode::MatchAny, &store_rules(store))
}

/// DescribeImages and BatchDeleteImage answered by the store.
fn store_rules(store: &Shared) -> Vec<Rule> {
    let s = store.clone();
    let describe = mock!(Client::describe_images).then_compute_output(move |req| {
        let filter = req
            .filter()
            .and_then(|f| f.image_status())
            .map(aws_sdk_ecr::types::ImageStatusFilter::as_str);
        assert_eq!(filter, Some("ANY"), "every image status must be listed");
        s.lock()
            .unwrap()
            .describe(req.next_token(), req.max_results())
    });
    let s = store.clone();
    let delete = mock!(Client::batch_delete_image)
        .then_compute_response(move |req| s.lock().unwrap().delete(req.image_ids()));
    vec![describe, delete]
}

/// An outcome's counts, for assertion messages (the full debug form runs to megabytes).
fn brief(o: &Outcome) -> String {
    format!(
        "deleted {}, gone {}, failed {} (first: {:?}), not attempted {}, appeared {}, error {:?}, empty {:?}",
        o.deleted.len(),
        o.already_gone.len(),
        o.failed.len(),
        o.failed.first().map(|(_, f)| f),
        o.not_attempted.len(),
        o.appeared.len(),
        o.error,
        o.empty
    )
}

#[derive(Default)]
struct Recorder {
    lines: Vec<String>,
}

impl Sink for Recorder {
    fn deleted(&mut self, _target: &Target, image: &Image) {
        self.lines.push(image.digest.clone());
    }
    fn progress(&mut self, _target: &Target, _done: usize) {}
}

fn target() -> Target {
    Target::named("app")
}

/// List, plan and delete as the binary does (index children taken from the store).
async fn purge(store: &Shared, selection: &Selection, now: SystemTime) -> (Outcome, Recorder) {
    let client = client(store);
    let images = ecr::list_images(&client, &target()).await.expect("listed");
    let children = if selection.is_full() {
        HashMap::new()
    } else {
        store.lock().unwrap().refs.clone()
    };
    let plan = plan::plan(images, &children, selection, now);
    let mut rec = Recorder::default();
    let options = Options {
        concurrency: 4,
        full: selection.is_full(),
        delete_repository: false,
    };
    let outcome = purge::execute(
        &client,
        &target(),
        plan.delete,
        options,
        &mut rec,
        &Signals::never(),
    )
    .await;
    (outcome, rec)
}

/// 2,345 images: 30 tagged indexes with 3 untagged children each, the rest alternately
/// tagged (some with two tags) and untagged.
fn big_store() -> Store {
    let mut s = Store::default();
    let mut n = 0;
    for i in 0..30 {
        let kids: Vec<String> = (0..3).map(|k| digest(10_000 + i * 3 + k)).collect();
        for k in &kids {
            s.add(k, &[], 1_000, MANIFEST);
            n += 1;
        }
        s.add_index(&digest(20_000 + i), &[&format!("v{i}")], 1_000, &kids);
        n += 1;
    }
    let mut i = 0;
    while n < 2_345 {
        let d = digest(i);
        match i % 3 {
            0 => s.add(&d, &[], 1_000, MANIFEST),
            1 => s.add(&d, &[&format!("t{i}")], 1_000, MANIFEST),
            _ => s.add(&d, &[&format!("t{i}"), &format!("u{i}")], 1_000, MANIFEST),
        }
        i += 1;
        n += 1;
    }
    s
}

#[tokio::test]
async fn pages_of_1000_are_all_read_and_batches_stay_at_100() {
    let store: Shared = Arc::new(Mutex::new(big_store()));
    let (outcome, rec) = purge(&store, &Selection::default(), SystemTime::now()).await;
    assert!(outcome.ok(), "{}", brief(&outcome));
    assert_eq!(outcome.deleted.len(), 2_345);
    assert_eq!(rec.lines.len(), 2_345);
    assert_eq!(rec.lines.iter().collect::<HashSet<_>>().len(), 2_345);
    let s = store.lock().unwrap();
    assert!(s.images.is_empty());
    // 3 pages to list, 1 to see the repository empty.
    assert_eq!(s.describe_calls, 3 + 1);
    // 30 indexes in one call, 2,315 others in 24: the minimum, and none above 100.
    assert_eq!(s.calls.len(), 1 + 24, "{:?}", s.calls);
    assert!(s.calls.iter().all(|&n| n <= MAX_IDS_PER_CALL));
    assert_eq!(s.referenced, 0, "indexes go first, so no child is refused");
    assert_eq!(outcome.empty, Some(true));
}

#[tokio::test]
async fn a_digest_listed_on_two_pages_is_deleted_once_with_all_its_tags() {
    // A repository mid-push can list one digest twice; a dedicated describe mock does it.
    let page1 = mock!(Client::describe_images)
        .match_requests(|r| r.next_token().is_none())
        .then_output(|| {
            DescribeImagesOutput::builder()
                .image_details(
                    ImageDetail::builder()
                        .image_digest(digest(1))
                        .image_tags("a")
                        .build(),
                )
                .next_token("p2")
                .build()
        });
    let page2 = mock!(Client::describe_images)
        .match_requests(|r| r.next_token() == Some("p2"))
        .then_output(|| {
            DescribeImagesOutput::builder()
                .image_details(
                    ImageDetail::builder()
                        .image_digest(digest(1))
                        .image_tags("b")
                        .build(),
                )
                .image_details(ImageDetail::builder().image_digest(digest(2)).build())
                .build()
        });
    let client = mock_client!(aws_sdk_ecr, RuleMode::MatchAny, [&page1, &page2]);
    let images = ecr::list_images(&client, &target()).await.unwrap();
    assert_eq!(images.len(), 2);
    assert_eq!(images[0].tags, ["a", "b"]);
    assert_eq!(page1.num_calls() + page2.num_calls(), 2);
}

#[tokio::test]
async fn children_refused_while_their_index_exists_are_retried_after_it_goes() {
    // Nested indexes in a full purge (nothing is read, only media types are known): the
    // inner index sorts before the outer one and is refused in the same call; its children
    // are refused in the next. Each is retried once its parent is gone.
    let mut s = Store::default();
    let leaves: Vec<String> = (0..4).map(|i| digest(100 + i)).collect();
    for l in &leaves {
        s.add(l, &[], 1_000, MANIFEST);
    }
    let inner = digest(1);
    let outer = digest(2);
    s.add_index(&inner, &[], 1_000, &leaves);
    s.add_index(&outer, &["v1"], 1_000, std::slice::from_ref(&inner));
    s.add(&digest(50), &["other"], 1_000, MANIFEST);
    let store: Shared = Arc::new(Mutex::new(s));
    let (outcome, _) = purge(&store, &Selection::default(), SystemTime::now()).await;
    assert!(outcome.ok(), "{}", brief(&outcome));
    assert_eq!(outcome.deleted.len(), 7);
    let s = store.lock().unwrap();
    assert!(s.images.is_empty());
    assert_eq!(s.referenced, 1 + 4, "the inner index once, each leaf once");
    // round 1: [inner, outer] then [leaves, other]; round 2: [inner] then [leaves]
    assert_eq!(s.calls, [2, 5, 1, 4]);
}

#[tokio::test]
async fn a_reference_that_never_clears_is_a_failure_naming_the_image() {
    // An index that cannot be deleted (KmsError every time) holds its child: the child is
    // refused every round until a round makes no progress; both are reported, with the
    // API's reasons.
    let mut s = Store::default();
    let child = digest(7);
    s.add(&child, &[], 1_000, MANIFEST);
    s.add(&digest(8), &["x"], 1_000, MANIFEST);
    s.add_index(&digest(99), &[], 1_000, std::slice::from_ref(&child));
    s.stuck.insert(digest(99), "KmsError");
    let store: Shared = Arc::new(Mutex::new(s));
    let (outcome, rec) = purge(&store, &Selection::default(), SystemTime::now()).await;
    assert!(!outcome.ok());
    assert_eq!(rec.lines, [digest(8)]);
    let mut failed: Vec<(String, String)> = outcome
        .failed
        .iter()
        .map(|(i, f)| (i.digest.clone(), f.code.clone()))
        .collect();
    failed.sort();
    assert_eq!(
        failed,
        [
            (child.clone(), "ImageReferencedByManifestList".to_owned()),
            (digest(99), "KmsError".to_owned()),
        ]
    );
    let (_, f) = outcome
        .failed
        .iter()
        .find(|(i, _)| i.digest == child)
        .unwrap();
    assert!(f.reason.contains(&digest(99)), "{}", f.reason);
    assert_eq!(outcome.empty, Some(false));
    // round 1: [index] then [child, other]; round 2 makes no progress: [child] only.
    assert_eq!(store.lock().unwrap().calls, [1, 2, 1]);
}

#[tokio::test]
async fn a_prune_leaves_children_of_an_index_it_keeps() {
    // --untagged-only where a tagged index (kept) was not in the listing's index map: ECR
    // refuses its child; that is "kept", not an error.
    let mut s = Store::default();
    let child = digest(7);
    s.add(&child, &[], 1_000, MANIFEST);
    s.add(&digest(8), &[], 1_000, MANIFEST);
    s.add_index(&digest(99), &["v1"], 1_000, std::slice::from_ref(&child));
    let store: Shared = Arc::new(Mutex::new(s));
    let client = client(&store);
    let images = ecr::list_images(&client, &target()).await.unwrap();
    let selection = Selection {
        untagged_only: true,
        ..Selection::default()
    };
    // No index map: as if the index could not be read.
    let plan = plan::plan(images, &HashMap::new(), &selection, SystemTime::now());
    assert_eq!(plan.delete.len(), 2);
    let mut rec = Recorder::default();
    let options = Options {
        concurrency: 2,
        full: false,
        delete_repository: false,
    };
    let outcome = purge::execute(
        &client,
        &target(),
        plan.delete,
        options,
        &mut rec,
        &Signals::never(),
    )
    .await;
    assert!(outcome.ok(), "{}", brief(&outcome));
    assert_eq!(rec.lines, [digest(8)]);
    assert_eq!(outcome.kept.len(), 1);
    assert_eq!(outcome.kept[0].0.digest, child);
    assert_eq!(
        outcome.kept[0].1.to_string(),
        format!("in kept index {}", digest(99))
    );
}

#[tokio::test]
async fn older_than_uses_the_push_time_of_each_image() {
    let now = SystemTime::UNIX_EPOCH + Duration::from_hours(500_000);
    let now_secs = 500_000 * 3600;
    let day = 86_400;
    let mut s = Store::default();
    s.add(&digest(1), &["old"], now_secs - 30 * day, MANIFEST);
    s.add(&digest(2), &[], now_secs - 15 * day, MANIFEST);
    s.add(&digest(3), &["new"], now_secs - 13 * day, MANIFEST);
    s.add(&digest(4), &[], now_secs - 60, MANIFEST);
    let store: Shared = Arc::new(Mutex::new(s));
    let selection = Selection {
        older_than: Some(Duration::from_hours(14 * 24)),
        ..Selection::default()
    };
    let (outcome, mut rec) = purge(&store, &selection, now).await;
    assert!(outcome.ok(), "{}", brief(&outcome));
    rec.lines.sort();
    assert_eq!(rec.lines, [digest(1), digest(2)]);
    let left: HashSet<String> = store.lock().unwrap().images.keys().cloned().collect();
    assert_eq!(left, HashSet::from([digest(3), digest(4)]));
}

fn throttled() -> BatchDeleteImageError {
    BatchDeleteImageError::generic(
        ErrorMetadata::builder()
            .code("ThrottlingException")
            .message("Rate exceeded")
            .build(),
    )
}

/// Purge everything with the call that deletes `marker`'s batch throttled `times` times
/// before it succeeds. (A separate rule with fixed answers: the SDK's retries of a mocked
/// call replay the rule without its input, so the store's computed answers cannot serve
/// them.)
async fn purge_with_throttling(
    store: &Shared,
    marker: String,
    times: usize,
    concurrency: usize,
) -> (Outcome, Recorder, usize) {
    let images = ecr::list_images(&client(store), &target()).await.unwrap();
    let plan = plan::plan(
        images,
        &HashMap::new(),
        &Selection::default(),
        SystemTime::now(),
    );
    // The batches the purge sends: indexes, then the rest, 100 at a time.
    let (indexes, rest): (Vec<&Image>, Vec<&Image>) =
        plan.delete.iter().partition(|i| i.is_index());
    let digests = |w: Vec<&Image>| w.iter().map(|i| i.digest.clone()).collect::<Vec<_>>();
    let (indexes, rest) = (digests(indexes), digests(rest));
    let batch: Vec<String> = indexes
        .chunks(MAX_IDS_PER_CALL)
        .chain(rest.chunks(MAX_IDS_PER_CALL))
        .find(|c| c.contains(&marker))
        .unwrap()
        .to_vec();
    let s = store.clone();
    let throttle = mock!(Client::batch_delete_image)
        .match_requests(move |req| {
            req.image_ids()
                .iter()
                .any(|i| i.image_digest() == Some(marker.as_str()))
        })
        .sequence()
        .error(throttled)
        .times(times)
        .output(move || {
            let ids: Vec<ImageIdentifier> = batch
                .iter()
                .map(|d| ImageIdentifier::builder().image_digest(d).build())
                .collect();
            match s.lock().unwrap().delete(&ids) {
                MockResponse::Output(o) => o,
                _ => unreachable!("the store answers this batch"),
            }
        })
        .build();
    let s = store.clone();
    let describe = mock!(Client::describe_images).then_compute_output(move |req| {
        s.lock()
            .unwrap()
            .describe(req.next_token(), req.max_results())
    });
    let s = store.clone();
    let delete = mock!(Client::batch_delete_image)
        .then_compute_response(move |req| s.lock().unwrap().delete(req.image_ids()));
    let client = mock_client!(
        aws_sdk_ecr,
        RuleMode::MatchAny,
        [&throttle, &describe, &delete]
    );
    let mut rec = Recorder::default();
    let options = Options {
        concurrency,
        full: true,
        delete_repository: false,
    };
    let outcome = purge::execute(
        &client,
        &target(),
        plan.delete,
        options,
        &mut rec,
        &Signals::never(),
    )
    .await;
    (outcome, rec, throttle.num_calls())
}

#[tokio::test]
async fn throttling_mid_run_is_retried_and_the_run_completes() {
    // A call in the middle of the run is throttled twice: the SDK's retries absorb it.
    let store: Shared = Arc::new(Mutex::new(big_store()));
    let (outcome, rec, calls) = purge_with_throttling(&store, digest(1_000), 2, 4).await;
    assert!(outcome.ok(), "{}", brief(&outcome));
    assert_eq!(rec.lines.len(), 2_345);
    assert_eq!(calls, 3, "two throttled answers, then the deletion");
    assert!(store.lock().unwrap().images.is_empty());
}

#[tokio::test]
async fn throttling_beyond_the_sdk_retries_is_retried_next_round() {
    // Three throttled answers in a row exhaust the SDK's 3 attempts for one batch; the
    // purge sends that batch again in its next round, after the others.
    let mut s = Store::default();
    for i in 0..250 {
        s.add(&digest(i), &[], 1_000, MANIFEST);
    }
    let store: Shared = Arc::new(Mutex::new(s));
    let (outcome, rec, calls) = purge_with_throttling(&store, digest(0), 3, 1).await;
    assert!(outcome.ok(), "{}", brief(&outcome));
    assert_eq!(rec.lines.len(), 250);
    assert_eq!(calls, 4);
    assert_eq!(
        rec.lines[..150],
        (100..250).map(digest).collect::<Vec<_>>()[..]
    );
    assert!(store.lock().unwrap().images.is_empty());
}

#[tokio::test]
async fn unknown_failure_codes_are_failures_and_not_found_is_gone_once_looked_at() {
    let mut s = Store::default();
    for i in 0..5 {
        s.add(&digest(i), &[], 1_000, MANIFEST);
    }
    s.stuck.insert(digest(1), "SomethingNew");
    s.vanish.insert(digest(2));
    let store: Shared = Arc::new(Mutex::new(s));
    let selection = Selection {
        untagged_only: true,
        ..Selection::default()
    };
    let (outcome, rec) = purge(&store, &selection, SystemTime::now()).await;
    assert!(!outcome.ok());
    assert_eq!(rec.lines.len(), 3);
    assert_eq!(outcome.already_gone.len(), 1);
    assert_eq!(outcome.already_gone[0].digest, digest(2));
    assert_eq!(outcome.failed.len(), 1);
    assert_eq!(outcome.failed[0].1.code, "SomethingNew");
    assert_eq!(
        outcome.failed[0].1.reason,
        format!("SomethingNew for {}", digest(1))
    );
}

// The emulator's answers cannot be made wrong on demand (a race under concurrent deletes
// did it, unreliably): ImageNotFound for images still there is mocked.
#[tokio::test]
async fn image_not_found_for_an_image_still_there_is_deleted_again_in_bounded_rounds() {
    for full in [true, false] {
        let mut s = Store::default();
        for i in 0..250 {
            s.add(&digest(i), &[&format!("t{i}")], 1_000, MANIFEST);
        }
        // Wrong once, twice, three times (deleted in the last round), always.
        for (i, n) in [(7, 1), (120, 2), (201, 3), (249, usize::MAX)] {
            s.lies.insert(digest(i), n);
        }
        s.vanish.insert(digest(3));
        let store: Shared = Arc::new(Mutex::new(s));
        let selection = Selection {
            tagged_only: !full,
            ..Selection::default()
        };
        let (outcome, rec) = purge(&store, &selection, SystemTime::now()).await;
        let printed: HashSet<&String> = rec.lines.iter().collect();
        assert_eq!(rec.lines.len(), 248, "{}", brief(&outcome));
        for i in [7, 120, 201] {
            assert!(printed.contains(&digest(i)), "{i} is printed once deleted");
        }
        assert!(!printed.contains(&digest(249)));
        assert_eq!(outcome.deleted_again, 3);
        assert_eq!(outcome.already_gone.len(), 1, "{}", brief(&outcome));
        assert_eq!(outcome.failed.len(), 1, "{}", brief(&outcome));
        let (image, failure) = &outcome.failed[0];
        assert_eq!(image.digest, digest(249));
        assert_eq!(failure.code, purge::NOT_DELETED);
        assert_eq!(
            failure.reason,
            "BatchDeleteImage answered ImageNotFound, and the image is still there after 3 \
             more attempts"
        );
        assert!(!outcome.ok());
        let store = store.lock().unwrap();
        assert_eq!(
            store.images.keys().collect::<Vec<_>>(),
            [&digest(249)],
            "what the outcome says is what is left"
        );
        // One look per round: the first, and one after each of the three rounds.
        assert_eq!(store.describe_calls, 1 + 4, "full {full}");
        if full {
            assert_eq!(outcome.empty, Some(false));
        }
        let summary = crate::summary::outcome_summary(&target(), &plan::Plan::default(), &outcome);
        assert!(
            summary.starts_with(
                "app: deleted 248 images (3 of them on a second try: reported gone, yet \
                 still listed), 1 already gone"
            ),
            "{summary}"
        );
    }
}

#[tokio::test]
async fn a_second_signal_leaves_every_image_accounted_for_once() {
    let (trigger, signals) = Signals::manual();
    let mut s = big_store();
    s.signal_after = Some((1, Arc::new(trigger), 2));
    let total = s.images.len();
    let store: Shared = Arc::new(Mutex::new(s));
    let client = client(&store);
    let images = ecr::list_images(&client, &target()).await.unwrap();
    let plan = plan::plan(
        images,
        &HashMap::new(),
        &Selection::default(),
        SystemTime::now(),
    );
    let mut rec = Recorder::default();
    let options = Options {
        concurrency: 3,
        full: true,
        delete_repository: false,
    };
    let outcome =
        purge::execute(&client, &target(), plan.delete, options, &mut rec, &signals).await;
    assert_eq!(outcome.interrupted, Some(Signal::Int));
    let mut seen: Vec<&str> = rec.lines.iter().map(String::as_str).collect();
    seen.extend(outcome.not_attempted.iter().map(|i| i.digest.as_str()));
    seen.extend(outcome.in_doubt.iter().map(|i| i.digest.as_str()));
    seen.extend(outcome.failed.iter().map(|(i, _)| i.digest.as_str()));
    seen.extend(outcome.already_gone.iter().map(|i| i.digest.as_str()));
    let distinct: HashSet<&str> = seen.iter().copied().collect();
    assert_eq!(seen.len(), total, "{}", brief(&outcome));
    assert_eq!(
        distinct.len(),
        total,
        "each image once: {}",
        brief(&outcome)
    );
    // The indexes went in the first call; the rest of the plan was never sent.
    assert!(outcome.not_attempted.len() >= 2_000, "{}", brief(&outcome));
    assert!(!outcome.ok());
}

#[tokio::test]
async fn a_signal_stops_new_calls_and_the_images_deleted_are_all_reported() {
    let (trigger, signals) = Signals::manual();
    let mut s = Store::default();
    for i in 0..1_000 {
        s.add(&digest(i), &[], 1_000, MANIFEST);
    }
    s.signal_after = Some((3, Arc::new(trigger), 1));
    let store: Shared = Arc::new(Mutex::new(s));
    let client = client(&store);
    let images = ecr::list_images(&client, &target()).await.unwrap();
    let plan = plan::plan(
        images,
        &HashMap::new(),
        &Selection::default(),
        SystemTime::now(),
    );
    let mut rec = Recorder::default();
    let options = Options {
        concurrency: 2,
        full: true,
        delete_repository: true,
    };
    let outcome =
        purge::execute(&client, &target(), plan.delete, options, &mut rec, &signals).await;
    assert_eq!(outcome.interrupted, Some(Signal::Int));
    let store = store.lock().unwrap();
    // The call in flight when the signal came finished; none started after it.
    let calls = store.calls.len();
    assert!((3..=4).contains(&calls), "{calls} calls");
    assert_eq!(rec.lines.len(), calls * 100);
    assert_eq!(outcome.not_attempted.len(), 1_000 - calls * 100);
    assert_eq!(store.images.len(), 1_000 - calls * 100);
    assert_eq!(outcome.repository, RepoFate::NotDeleted);
    assert!(outcome.in_doubt.is_empty());
    assert!(!outcome.ok());
}

#[tokio::test]
async fn a_call_refused_for_good_stops_the_purge_and_counts_the_rest() {
    let mut s = Store::default();
    for i in 0..450 {
        s.add(&digest(i), &[], 1_000, MANIFEST);
    }
    s.deny_after = Some(2);
    let store: Shared = Arc::new(Mutex::new(s));
    let client = client(&store);
    let images = ecr::list_images(&client, &target()).await.unwrap();
    let plan = plan::plan(
        images,
        &HashMap::new(),
        &Selection::default(),
        SystemTime::now(),
    );
    let mut rec = Recorder::default();
    let options = Options {
        concurrency: 1,
        full: true,
        delete_repository: false,
    };
    let outcome = purge::execute(
        &client,
        &target(),
        plan.delete,
        options,
        &mut rec,
        &Signals::never(),
    )
    .await;
    assert!(!outcome.ok());
    assert_eq!(rec.lines.len(), 200);
    let err = outcome.error.as_ref().unwrap().to_string();
    assert!(
        err.starts_with("BatchDeleteImage: AccessDeniedException"),
        "{err}"
    );
    assert_eq!(outcome.failed.len(), 100);
    assert_eq!(outcome.not_attempted.len(), 150);
    assert_eq!(outcome.empty, Some(false));
    assert_eq!(
        store.lock().unwrap().calls.len(),
        3,
        "nothing is sent after the refusal"
    );
}

fn not_empty() -> DeleteRepositoryError {
    DeleteRepositoryError::generic(
        ErrorMetadata::builder()
            .code("RepositoryNotEmptyException")
            .message(
                "The repository with name 'app' cannot be deleted because it still contains images",
            )
            .build(),
    )
}

/// A full purge with `--delete-repository`, DeleteRepository answered by `delete_repository`.
async fn teardown(store: &Shared, delete_repository: &Rule) -> Outcome {
    let mut rules = store_rules(store);
    rules.push(delete_repository.clone());
    let client = mock_client!(aws_sdk_ecr, RuleMode::MatchAny, &rules);
    let images = ecr::list_images(&client, &target()).await.unwrap();
    let plan = plan::plan(
        images,
        &HashMap::new(),
        &Selection::default(),
        SystemTime::now(),
    );
    let options = Options {
        concurrency: 2,
        full: true,
        delete_repository: true,
    };
    let mut rec = Recorder::default();
    purge::execute(
        &client,
        &target(),
        plan.delete,
        options,
        &mut rec,
        &Signals::never(),
    )
    .await
}

fn three_images() -> Shared {
    let mut s = Store::default();
    for i in 0..3 {
        s.add(&digest(i), &[], 1_000, MANIFEST);
    }
    Arc::new(Mutex::new(s))
}

#[tokio::test]
async fn delete_repository_refused_while_nothing_is_listed_is_asked_once_more() {
    // ECR can answer RepositoryNotEmpty for a moment after the last images went.
    let store = three_images();
    let rule = mock!(Client::delete_repository)
        .sequence()
        .error(not_empty)
        .output(|| DeleteRepositoryOutput::builder().build())
        .build();
    let outcome = teardown(&store, &rule).await;
    assert!(outcome.ok(), "{}", brief(&outcome));
    assert_eq!(outcome.repository, RepoFate::Deleted);
    assert_eq!(rule.num_calls(), 2);
    // The listing, then the look between the two DeleteRepository calls.
    assert_eq!(store.lock().unwrap().describe_calls, 2);
}

#[tokio::test]
async fn a_second_refusal_is_a_failure_to_re_run() {
    let store = three_images();
    let rule = mock!(Client::delete_repository)
        .sequence()
        .error(not_empty)
        .times(2)
        .build();
    let outcome = teardown(&store, &rule).await;
    assert!(!outcome.ok(), "the repository still exists");
    assert_eq!(outcome.repository, RepoFate::NotDeleted);
    assert_eq!(rule.num_calls(), 2, "asked once more, not more");
    assert_eq!(outcome.deleted.len(), 3);
    assert_eq!(outcome.empty, Some(true));
    let err = outcome.error.as_ref().expect("the refusal is the error");
    assert_eq!(err.code.as_deref(), Some("RepositoryNotEmptyException"));
    let lines = crate::summary::problem_lines(&target(), &outcome);
    assert!(
        lines[0].starts_with(
            "app: the repository was not deleted: DeleteRepository: RepositoryNotEmptyException"
        ),
        "{lines:?}"
    );
}

#[tokio::test]
async fn a_refusal_with_images_listed_is_not_retried() {
    // An image pushed while the purge ran: DeleteRepository is right to refuse.
    let store = three_images();
    let s = store.clone();
    let rule = mock!(Client::delete_repository).then_compute_response(move |_| {
        s.lock()
            .unwrap()
            .add(&digest(99), &["late"], 2_000, MANIFEST);
        MockResponse::Error(not_empty())
    });
    let outcome = teardown(&store, &rule).await;
    assert!(!outcome.ok());
    assert_eq!(rule.num_calls(), 1);
    assert_eq!(outcome.repository, RepoFate::NotDeleted);
    assert_eq!(outcome.empty, Some(false));
    assert_eq!(outcome.appeared.len(), 1);
    assert!(outcome.error.is_none(), "{:?}", outcome.error);
}

#[tokio::test]
async fn a_failure_naming_only_a_tag_is_the_one_unexplained_image_s() {
    // BatchDeleteImage may name a failed image by its tag only: with one image of the
    // batch left unexplained, the failure (its code and reason) is that image's.
    let mut s = Store::default();
    s.add(&digest(1), &["v1"], 1_000, MANIFEST);
    s.add(&digest(2), &["v2"], 1_000, MANIFEST);
    s.add(&digest(3), &["v3"], 1_000, MANIFEST);
    s.misnamed.insert(
        digest(2),
        (
            ImageIdentifier::builder().image_tag("v2").build(),
            "KmsError",
        ),
    );
    let store: Shared = Arc::new(Mutex::new(s));
    let (outcome, rec) = purge(&store, &Selection::default(), SystemTime::now()).await;
    assert!(!outcome.ok());
    assert_eq!(rec.lines.len(), 2);
    assert_eq!(outcome.failed.len(), 1, "{}", brief(&outcome));
    let (image, f) = &outcome.failed[0];
    assert_eq!(image.digest, digest(2));
    assert_eq!(image.tags, ["v2"]);
    assert_eq!(f.code, "KmsError");
    assert_eq!(f.reason, "KmsError (misnamed)");
    assert!(outcome.unmatched.is_empty());
}

#[tokio::test]
async fn failures_that_cannot_be_tied_to_an_image_are_failures_of_the_call() {
    // Two images unexplained and two failures naming neither: which is whose is unknown,
    // so both failures are reported as the call's, and the images are looked for.
    // ImageNotFound for another digest says nothing is there: not reported.
    let mut s = Store::default();
    for i in 1..=4 {
        s.add(&digest(i), &[&format!("v{i}")], 1_000, MANIFEST);
    }
    s.misnamed.insert(
        digest(1),
        (
            ImageIdentifier::builder().image_tag("v1").build(),
            "KmsError",
        ),
    );
    s.misnamed.insert(
        digest(2),
        (ImageIdentifier::builder().build(), "UpstreamUnavailable"),
    );
    s.misnamed.insert(
        digest(3),
        (
            ImageIdentifier::builder().image_digest(digest(77)).build(),
            "ImageNotFound",
        ),
    );
    let store: Shared = Arc::new(Mutex::new(s));
    let (outcome, rec) = purge(&store, &Selection::default(), SystemTime::now()).await;
    assert!(!outcome.ok());
    assert_eq!(rec.lines, [digest(4)]);
    let mut unmatched: Vec<(String, String, String)> = outcome
        .unmatched
        .iter()
        .map(|u| (u.image_id.clone(), u.code.clone(), u.reason.clone()))
        .collect();
    unmatched.sort();
    assert_eq!(
        unmatched,
        [
            (
                "no image id".to_owned(),
                "UpstreamUnavailable".to_owned(),
                "UpstreamUnavailable (misnamed)".to_owned()
            ),
            (
                "tag v1".to_owned(),
                "KmsError".to_owned(),
                "KmsError (misnamed)".to_owned()
            ),
        ]
    );
    // The three unexplained images are still there: each is a failure of its own.
    let mut failed: Vec<(String, String)> = outcome
        .failed
        .iter()
        .map(|(i, f)| (i.digest.clone(), f.code.clone()))
        .collect();
    failed.sort();
    assert_eq!(
        failed,
        [1, 2, 3].map(|i| (digest(i), purge::NOT_DELETED.to_owned()))
    );
}

#[tokio::test]
async fn read_indexes_asks_at_most_100_ids_a_call_and_reports_what_it_cannot_read() {
    // 250 indexes: three calls. One index is not found (gone: nothing to say), one fails
    // with KmsError, one has a manifest that is not an index: both are reported unreadable
    // (the caller warns and treats them as childless).
    let sizes = Arc::new(Mutex::new(Vec::new()));
    let recorded = sizes.clone();
    let get = mock!(Client::batch_get_image).then_compute_output(move |req| {
        let media: Vec<&str> = req
            .accepted_media_types()
            .iter()
            .map(String::as_str)
            .collect();
        assert_eq!(
            media, INDEX_MEDIA_TYPES,
            "asks for indexes and manifest lists"
        );
        recorded.lock().unwrap().push(req.image_ids().len());
        let mut out = BatchGetImageOutput::builder();
        for id in req.image_ids() {
            let d = id.image_digest().expect("reads by digest");
            let failure = |code: &str| {
                ImageFailure::builder()
                    .image_id(id.clone())
                    .failure_code(ImageFailureCode::from(code))
                    .failure_reason(format!("{code} for {d}"))
                    .build()
            };
            let manifest = if d == digest(5) {
                out = out.failures(failure("ImageNotFound"));
                continue;
            } else if d == digest(6) {
                out = out.failures(failure("KmsError"));
                continue;
            } else if d == digest(7) {
                r#"{"schemaVersion":2,"layers":[]}"#.to_owned()
            } else {
                format!(r#"{{"manifests":[{{"digest":"{d}-child"}}]}}"#)
            };
            out = out.images(
                aws_sdk_ecr::types::Image::builder()
                    .image_id(id.clone())
                    .image_manifest(manifest)
                    .image_manifest_media_type(INDEX_MEDIA_TYPES[0])
                    .build(),
            );
        }
        out.build()
    });
    let client = mock_client!(aws_sdk_ecr, RuleMode::MatchAny, [&get]);
    let digests: Vec<String> = (0..250).map(digest).collect();
    let (children, mut unreadable) = ecr::read_indexes(&client, &target(), &digests, 4)
        .await
        .unwrap();
    let mut sizes = sizes.lock().unwrap().clone();
    sizes.sort_unstable();
    assert_eq!(sizes, [50, 100, 100]);
    assert_eq!(children.len(), 247);
    assert_eq!(children[&digest(0)], [format!("{}-child", digest(0))]);
    unreadable.sort();
    assert_eq!(unreadable.len(), 2, "{unreadable:?}");
    assert_eq!(unreadable[0].0, digest(6));
    assert_eq!(
        unreadable[0].1,
        format!("KmsError: KmsError for {}", digest(6))
    );
    assert_eq!(unreadable[1].0, digest(7));
    assert!(
        unreadable[1].1.contains("no \"manifests\""),
        "{unreadable:?}"
    );
}
