//! Full purges against the emulator: emptying, dry runs, deleting the repository, missing
//! repositories, failures the API reports, closed stdout, the number of calls.

use std::io::{BufRead as _, BufReader};
use std::process::Stdio;

use predicates::prelude::*;
use serde_json::Value;
use test_support::CommandExt as _;
use test_support::moto::Moto;

use crate::common::{
    create_repo, images, manifest, offline, parse_lines, push, push_many, push_multiarch,
    repo_exists, tool,
};

#[test]
fn a_repository_of_1500_images_is_listed_by_a_dry_run_then_emptied() {
    let moto = Moto::shared().lock();
    create_repo(&moto, "big");
    let mut expected = push_many(&moto, "big", "img", 1_500);
    let (index, children) = push_multiarch(&moto, "big", "multi", 3, &["v1", "latest"]);
    expected.insert(index.clone(), vec!["latest".to_owned(), "v1".to_owned()]);
    for c in &children {
        expected.insert(c.clone(), Vec::new());
    }
    assert_eq!(images(&moto, "big"), expected, "seeded");
    assert_eq!(expected.len(), 1_504);

    // --dry-run: the same lines, nothing deleted, no --yes needed.
    let out = tool(&moto).args(["--dry-run", "big"]).assert().success();
    let out = out.get_output();
    assert_eq!(parse_lines(&out.stdout, "big"), expected);
    let first = std::str::from_utf8(&out.stdout)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_owned();
    assert!(first.contains(&index), "the index comes first: {first}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("big: would delete 1504 of 1504 images (1 index); kept none"),
        "{stderr}"
    );
    assert_eq!(
        images(&moto, "big").len(),
        1_504,
        "a dry run deletes nothing"
    );

    let out = tool(&moto).args(["--yes", "big"]).assert().success();
    let out = out.get_output();
    assert_eq!(parse_lines(&out.stdout, "big"), expected);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("big: deleted 1504 images (1 index); kept none; the repository is empty"),
        "{stderr}"
    );
    assert!(images(&moto, "big").is_empty());
    assert!(repo_exists(&moto, "big"), "the repository itself stays");

    // Re-running on the empty repository is a quiet success.
    tool(&moto)
        .args(["--yes", "big"])
        .assert()
        .success()
        .stdout("")
        .stderr(predicate::str::contains(
            "big: the repository holds no images",
        ));
}

#[test]
fn teardown_deletes_the_repository_and_can_be_re_run() {
    let moto = Moto::shared().lock();
    create_repo(&moto, "team/app");
    let tagged = push(&moto, "team/app", &manifest("a"), &["v1"]);
    let (index, _) = push_multiarch(&moto, "team/app", "m", 2, &["v2"]);
    let out = tool(&moto)
        .args(["--yes", "--delete-repository", "--missing-ok", "team/app"])
        .assert()
        .success();
    let lines = parse_lines(&out.get_output().stdout, "team/app");
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[&tagged], ["v1"]);
    assert_eq!(lines[&index], ["v2"]);
    assert!(String::from_utf8_lossy(&out.get_output().stderr).contains("repository deleted"));
    assert!(!repo_exists(&moto, "team/app"));

    // Again, as a teardown re-run does: nothing to do.
    tool(&moto)
        .args(["--yes", "--delete-repository", "--missing-ok", "team/app"])
        .assert()
        .success()
        .stdout("")
        .stderr(predicate::str::contains(
            "team/app: no such repository: nothing to do (--missing-ok)",
        ));
}

#[test]
fn a_missing_repository_is_an_error_unless_missing_ok() {
    let moto = Moto::shared().lock();
    create_repo(&moto, "present");
    create_repo(&moto, "team/absent");
    create_repo(&moto, "unrelated");
    let d = push(&moto, "present", &manifest("p"), &[]);
    let out = tool(&moto)
        .args(["--yes", "absent", "present"])
        .assert()
        .code(1);
    let out = out.get_output();
    // The other repository is still purged.
    assert_eq!(
        parse_lines(&out.stdout, "present")
            .keys()
            .collect::<Vec<_>>(),
        [&d]
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Where it looked, and the close names of the registry.
    assert!(
        stderr.contains(
            "ecr-purge: error: absent: no such repository in registry 123456789012, region \
             us-east-2 (DescribeImages: RepositoryNotFoundException:"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("); did you mean \"team/absent\"? check the name and region"),
        "{stderr}"
    );
    assert!(stderr.contains("pass --missing-ok"), "{stderr}");

    // Nothing close: no suggestion.
    let out = tool(&moto).args(["--yes", "zzzz"]).assert().code(1);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains("zzzz: no such repository in registry 123456789012, region us-east-2"),
        "{stderr}"
    );
    assert!(!stderr.contains("did you mean"), "{stderr}");

    tool(&moto)
        .args(["--yes", "--missing-ok", "absent"])
        .assert()
        .success()
        .stdout("");
}

#[test]
fn quiet_keeps_errors_and_drops_notes_and_progress() {
    let moto = Moto::shared().lock();
    create_repo(&moto, "app");
    push_many(&moto, "app", "q", 20);
    let out = tool(&moto)
        .args(["--yes", "-q", "app"])
        .assert()
        .success()
        .stderr("");
    assert_eq!(parse_lines(&out.get_output().stdout, "app").len(), 20);
    assert!(images(&moto, "app").is_empty());
    // Errors still show.
    tool(&moto)
        .args(["--yes", "--quiet", "absent"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::starts_with(
            "ecr-purge: error: absent: no such repository",
        ));
}

#[test]
fn an_image_the_api_refuses_is_named_with_the_reason_and_the_rest_goes() {
    // The emulator stores a digest verbatim and refuses to delete a malformed one
    // (InvalidImageDigest): a failure that never clears.
    let moto = Moto::shared().lock();
    create_repo(&moto, "app");
    let good = push(&moto, "app", &manifest("good"), &["v1"]);
    let body = serde_json::json!({"repositoryName": "app", "imageManifest": manifest("bad"),
                                  "imageDigest": "sha256:zz", "imageTag": "broken"});
    moto.call("ecr", crate::common::PUT_IMAGE, &body);
    let out = tool(&moto)
        .args(["--yes", "app"])
        .env("GITHUB_ACTIONS", "true")
        .assert()
        .code(1);
    let out = out.get_output();
    assert_eq!(
        parse_lines(&out.stdout, "app").keys().collect::<Vec<_>>(),
        [&good]
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("ecr-purge: error: app: sha256:zz (broken): InvalidImageDigest: Invalid request parameters"),
        "{stderr}"
    );
    assert!(
        stderr.contains("failed 1 (InvalidImageDigest 1)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("the repository is NOT empty; re-run to finish the job"),
        "{stderr}"
    );
    assert!(
        stderr.contains("::error title=ecr-purge::app: 1 images could not be deleted"),
        "{stderr}"
    );

    // With --delete-repository the repository stays (its images could not all go).
    tool(&moto)
        .args(["--yes", "--delete-repository", "app"])
        .assert()
        .code(1);
    assert!(repo_exists(&moto, "app"));
}

#[test]
fn json_replaces_the_lines_with_one_document() {
    let moto = Moto::shared().lock();
    create_repo(&moto, "app");
    let (index, children) = push_multiarch(&moto, "app", "j", 2, &["v1"]);
    let loose = push(&moto, "app", &manifest("loose"), &[]);
    let out = tool(&moto)
        .args(["--yes", "--json", "app"])
        .assert()
        .success();
    let doc: Value = serde_json::from_slice(&out.get_output().stdout).expect("one JSON document");
    assert_eq!(doc["dry_run"], false);
    assert_eq!(doc["ok"], true);
    assert_eq!(doc["deleted"], 4);
    assert_eq!(doc["failed"], 0);
    let repo = &doc["repositories"][0];
    assert_eq!(repo["repository"], "app");
    assert_eq!(repo["empty"], true);
    assert_eq!(repo["repository_deleted"], false);
    let deleted: Vec<&str> = repo["deleted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["digest"].as_str().unwrap())
        .collect();
    assert_eq!(deleted[0], index, "the index is deleted first");
    let mut rest: Vec<&str> = deleted[1..].to_vec();
    rest.sort_unstable();
    let mut want = vec![children[0].as_str(), children[1].as_str(), loose.as_str()];
    want.sort_unstable();
    assert_eq!(rest, want);
    assert_eq!(repo["deleted"][0]["tags"], serde_json::json!(["v1"]));
    assert_eq!(repo["deleted"][0]["media_type"], crate::common::OCI_INDEX);
    assert!(
        repo["deleted"][0]["pushed_at"]
            .as_str()
            .unwrap()
            .ends_with('Z')
    );
}

#[test]
fn a_dry_run_json_document_lists_what_would_go_and_what_stays() {
    let moto = Moto::shared().lock();
    create_repo(&moto, "app");
    let (index, children) = push_multiarch(&moto, "app", "d", 2, &["v1"]);
    let loose = push(&moto, "app", &manifest("loose"), &[]);
    let out = tool(&moto)
        .args(["--dry-run", "--json", "--untagged-only", "app"])
        .assert()
        .success();
    let out = out.get_output();
    let doc: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert_eq!(doc["dry_run"], true);
    assert_eq!(doc["ok"], true);
    assert_eq!(doc["would_delete"], 1);
    assert_eq!(doc["kept"], 3);
    assert!(doc.get("deleted").is_none(), "{doc}");
    let repo = &doc["repositories"][0];
    assert_eq!(repo["repository"], "app");
    assert_eq!(repo["found"], true);
    assert_eq!(repo["images"], 4);
    assert_eq!(repo["would_delete_repository"], false);
    assert_eq!(repo["would_delete"][0]["digest"], loose.as_str());
    assert_eq!(repo["would_delete"][0]["tags"], serde_json::json!([]));
    // The image status is reported (the emulator does not give one).
    assert_eq!(repo["would_delete"][0]["status"], Value::Null);
    let mut kept: Vec<(String, String)> = repo["kept"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["digest"].as_str().unwrap().to_owned(),
                k["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    kept.sort();
    let mut want = vec![
        (index.clone(), "not-selected".to_owned()),
        (children[0].clone(), "child-of-kept-index".to_owned()),
        (children[1].clone(), "child-of-kept-index".to_owned()),
    ];
    want.sort();
    assert_eq!(kept, want);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("app: would delete 1 of 4 images"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(images(&moto, "app").len(), 4, "a dry run deletes nothing");

    // A full dry run needs no --yes and plans the repository's deletion.
    let out = tool(&moto)
        .args(["--dry-run", "--json", "--delete-repository", "app"])
        .assert()
        .success();
    let doc: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(doc["would_delete"], 4);
    assert_eq!(doc["repositories"][0]["would_delete_repository"], true);
    assert_eq!(
        doc["repositories"][0]["would_delete"][0]["digest"],
        index.as_str()
    );
    assert!(repo_exists(&moto, "app"));
    assert_eq!(images(&moto, "app").len(), 4);
}

#[test]
fn a_listing_that_fails_names_the_repository_once_and_does_not_claim_it_exists() {
    // Nothing listens on the port (held closed for the test): DescribeImages cannot reach
    // AWS.
    let closed = test_support::ClosedPort::new();
    let port = closed.port();
    let out = offline()
        .args(["--yes", "--json", "--tagged-only", "app"])
        .envs([
            ("AWS_ACCESS_KEY_ID", "test"),
            ("AWS_SECRET_ACCESS_KEY", "test"),
            ("AWS_REGION", "us-east-2"),
            ("AWS_EC2_METADATA_DISABLED", "true"),
            ("AWS_CONFIG_FILE", "/dev/null"),
            ("AWS_SHARED_CREDENTIALS_FILE", "/dev/null"),
            ("AWS_MAX_ATTEMPTS", "1"),
            ("GITHUB_ACTIONS", "true"),
        ])
        .env("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{port}"))
        .assert()
        .code(1);
    let out = out.get_output();
    let doc: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    let repo = &doc["repositories"][0];
    assert_eq!(repo["repository"], "app");
    assert_eq!(
        repo["found"],
        Value::Null,
        "never reached: not known to exist"
    );
    assert_eq!(repo["ok"], false);
    let error = repo["error"].as_str().unwrap();
    assert!(
        error.starts_with(&format!(
            "DescribeImages: cannot reach AWS at http://127.0.0.1:{port} (region us-east-2): "
        )),
        "{error}"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("ecr-purge: error: app: DescribeImages: cannot reach AWS"),
        "{stderr}"
    );
    assert!(
        stderr.contains("::error title=ecr-purge::app: DescribeImages: cannot reach AWS"),
        "{stderr}"
    );
    assert!(!stderr.contains("app: app:"), "{stderr}");
}

#[test]
fn a_stdout_that_cannot_be_written_fails_the_run_after_the_purge() {
    // /dev/full: every write fails with ENOSPC (not a reader that left). The purge still
    // finishes, and the run fails saying why, for the lines and for the JSON document.
    let moto = Moto::shared().lock();
    for (repo, json) in [("lines", false), ("doc", true)] {
        create_repo(&moto, repo);
        push_many(&moto, repo, repo, 150);
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_ecr-purge"));
        cmd.args(["--yes", repo])
            .args(json.then_some("--json"))
            .scrub_env()
            .envs(moto.env())
            .stdin(Stdio::null())
            .stdout(full);
        let out = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(
            stderr.contains(&format!("{repo}: deleted 150 images")),
            "{stderr}"
        );
        assert!(
            stderr.contains("ecr-purge: error: cannot write to stdout: No space left on device"),
            "{stderr}"
        );
        assert!(images(&moto, repo).is_empty(), "{repo}: the purge finished");
    }
}

#[test]
fn a_closed_stdout_does_not_stop_the_purge() {
    let moto = Moto::shared().lock();
    create_repo(&moto, "piped");
    push_many(&moto, "piped", "p", 1_200);
    // Like `ecr-purge --yes piped | head -1`: the reader leaves after one line.
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ecr-purge"))
        .args(["--yes", "piped"])
        .scrub_env()
        .envs(moto.env())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("piped\tsha256:"), "{first:?}");
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("deleted 1200 images"));
    assert!(images(&moto, "piped").is_empty());
}

/// The operations the emulator received while `f` ran (moto's request recorder).
fn recorded_calls(moto: &Moto, f: impl FnOnce()) -> Vec<String> {
    moto.post("/moto-api/recorder/reset-recording", "");
    moto.post("/moto-api/recorder/start-recording", "");
    f();
    moto.post("/moto-api/recorder/stop-recording", "");
    let (_, text) = moto.request("GET", "/moto-api/recorder/download-recording", "");
    // Records of concurrent requests can interleave (moto writes a large one in several
    // pieces): find the operation names instead of parsing records.
    let needle = "\"X-Amz-Target\": \"AmazonEC2ContainerRegistry_V20150921.";
    text.match_indices(needle)
        .map(|(at, _)| {
            let rest = &text[at + needle.len()..];
            rest[..rest.find('"').expect("a quoted target")].to_owned()
        })
        .collect()
}

fn count(calls: &[String], op: &str) -> usize {
    calls.iter().filter(|c| *c == op).count()
}

#[test]
fn the_minimum_number_of_calls() {
    // A server of this test's own: the recorder writes its file where the server says.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("recording");
    let moto = Moto::start_with_env(&[("MOTO_RECORDER_FILEPATH", file.to_str().unwrap())]);
    create_repo(&moto, "calls");
    push_many(&moto, "calls", "c", 245);
    push_multiarch(&moto, "calls", "m", 3, &["v1"]); // 249 images, 1 index

    // Full purge: 1 page, ceil(1/100) + ceil(248/100) deletes, 1 look to see it empty;
    // no BatchGetImage (every image goes, whatever index holds it).
    let calls = recorded_calls(&moto, || {
        tool(&moto).args(["--yes", "calls"]).assert().success();
    });
    assert_eq!(count(&calls, "DescribeImages"), 2, "{calls:?}");
    assert_eq!(count(&calls, "BatchDeleteImage"), 1 + 3, "{calls:?}");
    assert_eq!(calls.len(), 6, "{calls:?}");

    // Teardown: DeleteRepository without force is the proof of emptiness.
    push_many(&moto, "calls", "d", 150);
    let calls = recorded_calls(&moto, || {
        tool(&moto)
            .args(["--yes", "--delete-repository", "calls"])
            .assert()
            .success();
    });
    assert_eq!(
        calls,
        [
            "DescribeImages",
            "BatchDeleteImage",
            "BatchDeleteImage",
            "DeleteRepository"
        ]
    );

    // A prune reads the indexes (BatchGetImage, indexes only) to protect their children.
    create_repo(&moto, "prune");
    push_many(&moto, "prune", "e", 120);
    push_multiarch(&moto, "prune", "n", 2, &["keep"]);
    let calls = recorded_calls(&moto, || {
        tool(&moto)
            .args(["--yes", "--tagged-only", "--keep-tag", "keep", "prune"])
            .assert()
            .success();
    });
    assert_eq!(
        calls,
        ["DescribeImages", "BatchGetImage", "BatchDeleteImage"],
        "{calls:?}"
    );
    assert_eq!(
        images(&moto, "prune").len(),
        40 + 3,
        "untagged images and the kept index stay"
    );

    // Untagged deletions: BatchDeleteImage names each untagged image it deleted (ECR does,
    // and so does the patched emulator), so no look afterwards; every one is printed.
    let calls = recorded_calls(&moto, || {
        tool(&moto)
            .args(["--yes", "--untagged-only", "prune"])
            .assert()
            .success()
            .stdout(predicate::function(|out: &str| out.lines().count() == 40));
    });
    assert_eq!(
        calls,
        ["DescribeImages", "BatchGetImage", "BatchDeleteImage"],
        "{calls:?}"
    );
    assert_eq!(images(&moto, "prune").len(), 3);

    // A full purge of an empty repository: the listing is the proof, nothing more.
    create_repo(&moto, "empty");
    let calls = recorded_calls(&moto, || {
        tool(&moto)
            .args(["--yes", "empty"])
            .assert()
            .success()
            .stderr(predicate::str::contains("the repository is empty"));
    });
    assert_eq!(calls, ["DescribeImages"], "{calls:?}");
}

#[test]
fn image_not_found_for_images_still_there_is_checked_and_deleted_again() {
    // EXT_ECR_FALSE_NOT_FOUND (emulator/ext_ecr.py): the first 12 digests deleted are
    // answered ImageNotFound and kept, as an emulator racing under concurrent deletes once
    // did. The purge used to count them "already gone" and end "NOT empty; re-run".
    let moto = Moto::start_with_env(&[("EXT_ECR_FALSE_NOT_FOUND", "12")]);
    create_repo(&moto, "lies");
    let pushed: Vec<String> = (0..30)
        .map(|i| {
            push(
                &moto,
                "lies",
                &manifest(&format!("l{i}")),
                &[&format!("v{i}")],
            )
        })
        .collect();
    let out = tool(&moto)
        .args(["--yes", "--json", "lies"])
        .assert()
        .success();
    let out = out.get_output();
    let doc: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    let repo = &doc["repositories"][0];
    assert_eq!(doc["deleted"], 30, "{doc}");
    assert_eq!(repo["deleted_again"], 12, "{doc}");
    assert_eq!(repo["already_gone"], serde_json::json!([]), "{doc}");
    assert_eq!(repo["empty"], true, "{doc}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "lies: deleted 30 images (12 of them on a second try: reported gone, yet still \
             listed); kept none; the repository is empty"
        ),
        "{stderr}"
    );
    assert!(images(&moto, "lies").is_empty());
    assert_eq!(pushed.len(), 30);
}
