//! The ECR behaviour the local emulator cannot produce, through aws-smithy-mocks: pages of
//! 1000 (it never paginates), the 100-id cap (it accepts any number), ImageReferencedByManifestList
//! (it does not model index references), old push times (it cannot backdate a push),
//! throttling, per-image failures that never clear or that name no image of the batch,
//! BatchGetImage failures, and a DeleteRepository that still says RepositoryNotEmpty when
//! the listing is empty (it deletes synchronously), ImageNotFound for an image still there a
//! chosen number of times, an answer silent about an image it deleted, and a signal after a
//! chosen call. The binary itself is tested
//! against the emulator in tests/cli.

mod failures;
mod listing;
mod references;
mod scale;
mod signals;
mod teardown;
mod throttling;

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
use crate::plan;
use crate::purge::{self, Options, Outcome, RepoFate, Sink};
use crate::repo::Target;
use crate::selection::Selection;
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
    /// Digests deleted without a word: neither in `imageIds` nor in `failures` (ECR does
    /// not answer so; the purge settles them by looking).
    silent: HashSet<String>,
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
            if self.silent.contains(&d) {
                gone.push(d);
                continue;
            }
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
    // The production retry configuration: the calls counted are the calls production sends.
    mock_client!(aws_sdk_ecr, RuleMode::MatchAny, &store_rules(store), |c| c
        .retry_config(cli_support::aws::default_retries()))
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
    let children = if selection.is_full() {
        HashMap::new()
    } else {
        store.lock().unwrap().refs.clone()
    };
    let options = Options {
        concurrency: 4,
        full: selection.is_full(),
        delete_repository: false,
    };
    let signals = Signals::never();
    purge_with(&client(store), &children, selection, now, options, &signals).await
}

/// List, plan and delete as the binary does, with the client, index children, options and
/// signals given.
async fn purge_with(
    client: &Client,
    children: &HashMap<String, Vec<String>>,
    selection: &Selection,
    now: SystemTime,
    options: Options,
    signals: &Signals,
) -> (Outcome, Recorder) {
    let images = ecr::list_images(client, &target()).await.expect("listed");
    let plan = plan::plan(images, children, selection, now);
    let mut rec = Recorder::default();
    let outcome = purge::execute(client, &target(), plan.delete, options, &mut rec, signals).await;
    (outcome, rec)
}

/// A full purge (no selector) with `options`.
async fn purge_all(client: &Client, options: Options, signals: &Signals) -> (Outcome, Recorder) {
    let (selection, now) = (Selection::default(), SystemTime::now());
    purge_with(client, &HashMap::new(), &selection, now, options, signals).await
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
