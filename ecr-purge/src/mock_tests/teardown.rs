//! DeleteRepository answers the emulator does not give: RepositoryNotEmpty while nothing is listed.

use super::*;

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
    let client = mock_client!(aws_sdk_ecr, RuleMode::MatchAny, &rules, |c| c
        .retry_config(cli_support::aws::default_retries()));
    let options = Options {
        concurrency: 2,
        full: true,
        delete_repository: true,
    };
    purge_all(&client, options, &Signals::never()).await.0
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
