//! Index references (the emulator does not model them): children refused while their index
//! exists, references that never clear, a prune that keeps an index, push times the emulator
//! cannot backdate.

use super::*;

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
