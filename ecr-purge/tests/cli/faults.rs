//! Under injected API faults (test_support::faults: throttling, 500/503, a gateway's HTML
//! page, resets, latency, slow bodies on 30% of the requests), a purge and a prune end
//! exactly as without faults, and a re-run is a no-op. A fault that never clears ends in
//! the documented exit code with the API's error, never in a false success.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use predicates::prelude::*;
use test_support::faults::{Fault, FaultProxy, Faults};
use test_support::moto::Moto;

use crate::common::{create_repo, images, manifest, parse_lines, push, push_many, push_multiarch};

/// The tool with a clean environment, talking to the emulator through `proxy`.
fn tool_via(moto: &Moto, proxy: &FaultProxy) -> Command {
    let mut cmd = crate::common::tool(moto);
    cmd.env("AWS_ENDPOINT_URL", proxy.url());
    cmd
}

fn keys<V>(m: &std::collections::BTreeMap<String, V>) -> BTreeSet<String> {
    m.keys().cloned().collect()
}

#[test]
fn a_purge_under_30_percent_faults_deletes_every_image_once_and_a_re_run_is_a_no_op() {
    let moto = Moto::shared().lock();
    let mut injected_in_all = 0;
    // A purge of 254 images is a handful of calls: several seeds, so that faults land on
    // the listing, the deletions and the final check.
    for seed in 1..=6 {
        let repo = format!("faulty{seed}");
        create_repo(&moto, &repo);
        let mut expected = keys(&push_many(&moto, &repo, "img", 250));
        let (index, children) = push_multiarch(&moto, &repo, "multi", 3, &["v1"]);
        expected.insert(index);
        expected.extend(children);

        let proxy = FaultProxy::start(&moto.endpoint(), Faults::seeded(seed).rate(0.3));
        let out = tool_via(&moto, &proxy)
            .args(["--yes", "--concurrency", "2", &repo])
            .assert()
            .success();
        let injected = proxy.injected();
        injected_in_all += injected.total();
        let stdout = &out.get_output().stdout;
        let lines = std::str::from_utf8(stdout).unwrap().lines().count();
        assert_eq!(
            lines,
            expected.len(),
            "seed {seed}: each image is listed once"
        );
        assert_eq!(keys(&parse_lines(stdout, &repo)), expected, "seed {seed}");
        assert!(images(&moto, &repo).is_empty(), "seed {seed}: {injected:?}");

        // The re-run, under faults too, has nothing to do.
        tool_via(&moto, &proxy)
            .args(["--yes", &repo])
            .assert()
            .success()
            .stdout("")
            .stderr(predicate::str::contains("the repository holds no images"));
    }
    assert!(
        injected_in_all >= 6,
        "{injected_in_all} faults injected in all"
    );
}

#[test]
fn a_prune_under_30_percent_faults_deletes_exactly_the_planned_images() {
    let moto = Moto::shared().lock();
    create_repo(&moto, "prune-faulty");
    let tagged: Vec<String> = (0..20)
        .map(|i| {
            push(
                &moto,
                "prune-faulty",
                &manifest(&format!("t{i}")),
                &[&format!("v{i}")],
            )
        })
        .collect();
    let untagged: BTreeSet<String> = (0..40)
        .map(|i| push(&moto, "prune-faulty", &manifest(&format!("u{i}")), &[]))
        .collect();
    let (index, children) = push_multiarch(&moto, "prune-faulty", "multi", 2, &["latest"]);

    // The plan, without faults.
    let plan = crate::common::tool(&moto)
        .args(["--dry-run", "--untagged-only", "prune-faulty"])
        .assert()
        .success();
    let planned = keys(&parse_lines(&plan.get_output().stdout, "prune-faulty"));
    assert_eq!(
        planned, untagged,
        "the platform manifests of a tagged index stay"
    );

    let proxy = FaultProxy::start(&moto.endpoint(), Faults::seeded(42).rate(0.3));
    let out = tool_via(&moto, &proxy)
        .args(["--yes", "--untagged-only", "prune-faulty"])
        .assert()
        .success();
    assert!(proxy.injected().total() > 0);
    assert_eq!(
        keys(&parse_lines(&out.get_output().stdout, "prune-faulty")),
        planned
    );
    let mut left: BTreeSet<String> = tagged.into_iter().collect();
    left.insert(index);
    left.extend(children);
    assert_eq!(keys(&images(&moto, "prune-faulty")), left);

    tool_via(&moto, &proxy)
        .args(["--yes", "--untagged-only", "prune-faulty"])
        .assert()
        .success()
        .stdout("");
}

#[test]
fn an_outage_that_never_clears_fails_with_the_apis_error_and_deletes_nothing() {
    let moto = Moto::shared().lock();
    create_repo(&moto, "down");
    push(&moto, "down", &manifest("a"), &["v1"]);
    // The default attempts (cli_support::aws::DEFAULT_MAX_ATTEMPTS), backoff included.
    let proxy = FaultProxy::start(&moto.endpoint(), Faults::always(Fault::Unavailable));
    let started = Instant::now();
    let out = tool_via(&moto, &proxy)
        .args(["--yes", "down"])
        .assert()
        .code(1)
        .stdout("");
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains("down: DescribeImages: HTTP 503"),
        "{stderr}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(150),
        "a persistent 503 took {:?}",
        started.elapsed()
    );
    assert_eq!(proxy.injected().requests, 8, "8 attempts, then the error");

    // The user's AWS_MAX_ATTEMPTS wins; every kind of persistent fault is an error.
    for fault in [
        Fault::Throttle,
        Fault::Reset,
        Fault::NotJson,
        Fault::ServerError,
    ] {
        let proxy = FaultProxy::start(&moto.endpoint(), Faults::always(fault));
        let out = tool_via(&moto, &proxy)
            .env("AWS_MAX_ATTEMPTS", "2")
            .args(["--yes", "down"])
            .assert()
            .code(1)
            .stdout("");
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(stderr.contains("error: down"), "{fault:?}: {stderr}");
        assert!(!stderr.contains("deleted"), "{fault:?}: {stderr}");
        assert_eq!(proxy.injected().requests, 2, "{fault:?}");
    }
    assert_eq!(images(&moto, "down").len(), 1);
}

#[test]
fn a_lost_answer_to_a_deletion_is_retried_and_its_images_are_reported_already_gone() {
    let moto = Moto::shared().lock();
    create_repo(&moto, "lost-answer");
    let expected = keys(&push_many(&moto, "lost-answer", "img", 30));
    // The first BatchDeleteImage deletes its images and its answer never arrives: the SDK
    // sends it again, ECR answers ImageNotFound for those images, the tool looks and finds
    // them gone. It cannot know that it deleted them: they are "already gone", not
    // "deleted"; each image is accounted for once, and the run succeeds.
    let proxy = FaultProxy::start(
        &moto.endpoint(),
        Faults::always(Fault::LostAnswer)
            .only(&["BatchDeleteImage"])
            .first(1),
    );
    let out = tool_via(&moto, &proxy)
        .args(["--yes", "--json", "lost-answer"])
        .assert()
        .success();
    let doc: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let repo = &doc["repositories"][0];
    let digests = |field: &str| -> Vec<String> {
        repo[field]
            .as_array()
            .unwrap_or_else(|| panic!("{field}: {repo}"))
            .iter()
            .map(|i| i["digest"].as_str().unwrap().to_owned())
            .collect()
    };
    let (deleted, gone) = (digests("deleted"), digests("already_gone"));
    assert_eq!(deleted.len() + gone.len(), 30, "{repo}");
    let all: BTreeSet<String> = deleted.into_iter().chain(gone.clone()).collect();
    assert_eq!(all, expected);
    assert_eq!(gone.len(), 30, "the only batch's answer was lost: {repo}");
    assert!(images(&moto, "lost-answer").is_empty());
    assert_eq!(proxy.injected().of("lost-answer"), 1);
}
