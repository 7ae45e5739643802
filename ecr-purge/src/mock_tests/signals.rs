//! A signal after a chosen call (the emulator cannot stop at one).

use super::*;

#[tokio::test]
async fn a_second_signal_leaves_every_image_accounted_for_once() {
    let (trigger, signals) = Signals::manual();
    let mut s = big_store();
    s.signal_after = Some((1, Arc::new(trigger), 2));
    let total = s.images.len();
    let store: Shared = Arc::new(Mutex::new(s));
    let client = client(&store);
    let options = Options {
        concurrency: 3,
        full: true,
        delete_repository: false,
    };
    let (outcome, rec) = purge_all(&client, options, &signals).await;
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
    let options = Options {
        concurrency: 2,
        full: true,
        delete_repository: true,
    };
    let (outcome, rec) = purge_all(&client, options, &signals).await;
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
