//! Listing and batching: every page of 1000 read, at most 100 ids a call, a digest on two pages
//! deleted once, BatchGetImage over many indexes.

use super::*;

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
    let client = mock_client!(aws_sdk_ecr, RuleMode::MatchAny, [&page1, &page2], |c| c
        .retry_config(cli_support::aws::default_retries()));
    let images = ecr::list_images(&client, &target()).await.unwrap();
    assert_eq!(images.len(), 2);
    assert_eq!(images[0].tags, ["a", "b"]);
    assert_eq!(page1.num_calls() + page2.num_calls(), 2);
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
    let client = mock_client!(aws_sdk_ecr, RuleMode::MatchAny, [&get], |c| c
        .retry_config(cli_support::aws::default_retries()));
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
