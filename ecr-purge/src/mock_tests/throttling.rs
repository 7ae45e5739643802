//! Throttling (the emulator never throttles): within and beyond the SDK's retries.

use super::*;

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
        [&throttle, &describe, &delete],
        |c| c.retry_config(cli_support::aws::default_retries())
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

// The SDK's backoff passes in paused time.
#[tokio::test(start_paused = true)]
async fn throttling_mid_run_is_retried_and_the_run_completes() {
    // A call in the middle of the run is throttled twice: the SDK's retries absorb it.
    let store: Shared = Arc::new(Mutex::new(big_store()));
    let (outcome, rec, calls) = purge_with_throttling(&store, digest(1_000), 2, 4).await;
    assert!(outcome.ok(), "{}", brief(&outcome));
    assert_eq!(rec.lines.len(), 2_345);
    assert_eq!(calls, 3, "two throttled answers, then the deletion");
    assert!(store.lock().unwrap().images.is_empty());
}

#[tokio::test(start_paused = true)]
async fn throttling_beyond_the_sdk_retries_is_retried_next_round() {
    // Throttled answers in a row exhaust the SDK's attempts for one batch
    // (cli_support::aws::DEFAULT_MAX_ATTEMPTS); the purge sends that batch again in its next
    // round, after the others.
    let mut s = Store::default();
    for i in 0..250 {
        s.add(&digest(i), &[], 1_000, MANIFEST);
    }
    let store: Shared = Arc::new(Mutex::new(s));
    let attempts = cli_support::aws::DEFAULT_MAX_ATTEMPTS as usize;
    let (outcome, rec, calls) = purge_with_throttling(&store, digest(0), attempts, 1).await;
    assert!(outcome.ok(), "{}", brief(&outcome));
    assert_eq!(rec.lines.len(), 250);
    assert_eq!(calls, attempts + 1);
    assert_eq!(
        rec.lines[..150],
        (100..250).map(digest).collect::<Vec<_>>()[..]
    );
    assert!(store.lock().unwrap().images.is_empty());
}
