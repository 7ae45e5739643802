//! SIGINT and SIGTERM at each stage of a run. While listing (held by the fault proxy) and at
//! the confirmation (`terminal.rs`), before anything is deleted, the signal ends the run at
//! once. During a purge no deletion starts after the signal, and stdout lists exactly the
//! images that are gone (checked against the emulator), with the summary and the exit code
//! of the signal; repositories not reached are reported not attempted; a second signal
//! abandons the calls in flight. The emulator is slowed down (`EXT_ECR_DELETE_DELAY`,
//! emulator/ext_ecr.py) so that the signal comes while the purge is mid-way.

use std::collections::BTreeSet;
use std::io::{BufRead as _, BufReader, Read as _};
use std::os::unix::process::ExitStatusExt as _;
use std::process::Command;

use serde_json::Value;
use test_support::CommandExt as _;
use test_support::faults::{Fault, FaultProxy, Faults};
use test_support::moto::Moto;
use test_support::process::Running;

use crate::common::{create_repo, images, parse_lines, push_many};

/// Send a real signal to the real process.
fn kill(pid: u32, signal: i32) {
    let pid = libc::pid_t::try_from(pid).unwrap();
    // SAFETY: kill(2) takes plain integers and touches no memory of this process.
    #[allow(unsafe_code)]
    let rc = unsafe { libc::kill(pid, signal) };
    assert_eq!(rc, 0, "kill failed");
}

/// A server of the test's own whose BatchDeleteImage calls each take 0.3 s.
fn slow_moto() -> Moto {
    Moto::start_with_env(&[("EXT_ECR_DELETE_DELAY", "0.3")])
}

fn purge(moto: &Moto, args: &[&str]) -> Running {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ecr-purge"));
    cmd.args(["--yes", "--concurrency", "1"])
        .args(args)
        .scrub_env()
        .envs(moto.env());
    Running::start(&mut cmd)
}

fn digests<V>(m: &std::collections::BTreeMap<String, V>) -> BTreeSet<String> {
    m.keys().cloned().collect()
}

#[test]
fn a_signal_mid_purge_lists_exactly_the_images_that_are_gone() {
    let moto = slow_moto();
    for (signal, name, code) in [
        (libc::SIGINT, "SIGINT", 130),
        (libc::SIGTERM, "SIGTERM", 143),
    ] {
        let repo = format!("sig-{}", name.to_ascii_lowercase());
        create_repo(&moto, &repo);
        // A third untagged: the answers name them as they name tagged ones (ECR does, and the
        // patched emulator), so each is listed once its call returns.
        let before = digests(&push_many(&moto, &repo, "s", 400));
        let mut running = purge(&moto, &[&repo]);
        let mut stdout = BufReader::new(running.take_stdout());
        let mut first = String::new();
        stdout.read_line(&mut first).unwrap();
        assert!(first.starts_with(&format!("{repo}\tsha256:")), "{first:?}");
        kill(running.pid(), signal);
        let mut rest = String::new();
        stdout.read_to_string(&mut rest).unwrap();
        let out = running.wait();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{stderr}");

        let listed = digests(&parse_lines(format!("{first}{rest}").as_bytes(), &repo));
        let left = digests(&images(&moto, &repo));
        let gone: BTreeSet<String> = before.difference(&left).cloned().collect();
        assert_eq!(
            listed, gone,
            "stdout lists exactly the images that are gone"
        );
        assert!(!left.is_empty(), "the signal came mid-way: {stderr}");
        assert!(
            stderr.contains(&format!("ecr-purge: {name}: no new deletion starts")),
            "{stderr}"
        );
        assert!(
            stderr.contains(&format!(
                "{repo}: deleted {} images; kept none; not attempted {}; interrupted by {name}",
                gone.len(),
                left.len()
            )),
            "{stderr}"
        );
        assert!(
            stderr.contains(&format!(
                "ecr-purge: error: interrupted by {name}: no deletion was started after it; every \
                 image known to be deleted is listed"
            )),
            "{stderr}"
        );
    }
}

#[test]
fn a_second_signal_abandons_the_call_in_flight_and_the_report_is_still_complete() {
    let moto = slow_moto();
    create_repo(&moto, "twice");
    let before = digests(&push_many(&moto, "twice", "t", 300));
    let mut running = purge(&moto, &["--json", "twice"]);
    running.collect_stdout();
    running.wait_for_stderr("twice: deleting 300 of 300 images");
    kill(running.pid(), libc::SIGINT);
    running.wait_for_stderr(
        "ecr-purge: SIGINT: no new deletion starts; finishing the calls in flight",
    );
    kill(running.pid(), libc::SIGTERM);
    let out = running.wait();
    let stderr = String::from_utf8_lossy(&out.stderr);
    // The first signal decides the code.
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    let doc: Value = serde_json::from_slice(&out.stdout).expect("one complete JSON document");
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["interrupted"], "SIGINT");
    let repo = &doc["repositories"][0];
    let set = |key: &str| -> BTreeSet<String> {
        repo[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["digest"].as_str().unwrap().to_owned())
            .collect()
    };
    let (deleted, in_doubt, not_attempted) =
        (set("deleted"), set("in_doubt"), set("not_attempted"));
    assert_eq!(
        deleted.len() + in_doubt.len() + not_attempted.len(),
        300,
        "every image is accounted for once: {repo}"
    );
    let all: BTreeSet<String> = deleted
        .iter()
        .chain(&in_doubt)
        .chain(&not_attempted)
        .cloned()
        .collect();
    assert_eq!(all, before);
    let left = digests(&images(&moto, "twice"));
    assert!(
        deleted.is_disjoint(&left),
        "what is reported deleted is gone"
    );
    assert!(
        not_attempted.is_subset(&left),
        "what was never sent is there"
    );
    assert!(stderr.contains("interrupted by SIGINT"), "{stderr}");
}

/// The shared emulator behind a proxy that never answers DescribeImages: the run is held
/// while listing, and the test signals once the proxy has the request.
fn while_listing(signal: i32, json: bool) {
    let moto = Moto::shared().lock();
    create_repo(&moto, "held");
    let before = digests(&push_many(&moto, "held", "h", 3));
    let proxy = FaultProxy::start(
        &moto.endpoint(),
        Faults::always(Fault::Hang).only(&["DescribeImages"]),
    );
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ecr-purge"));
    cmd.arg("--yes")
        .args(json.then_some("--json"))
        .arg("held")
        .scrub_env()
        .envs(moto.env())
        .env("AWS_ENDPOINT_URL", proxy.url());
    let mut running = Running::start(&mut cmd);
    running.collect_stdout();
    running.wait_until("listing", |_| {
        proxy.injected().by_operation.get("DescribeImages").copied()
    });
    kill(running.pid(), signal);
    let out = running.wait();
    // Nothing was deleted yet: the signal's own action ends the run at once (a shell's
    // `$?` is 128 + the signal's number), with nothing half written.
    assert_eq!(out.status.signal(), Some(signal), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    assert_eq!(digests(&images(&moto, "held")), before, "nothing deleted");
    assert!(
        !proxy
            .injected()
            .log
            .iter()
            .any(|(op, _)| op == "BatchDeleteImage"),
        "no deletion was sent"
    );
}

#[test]
fn while_listing_sigint_ends_the_run_and_deletes_nothing() {
    while_listing(libc::SIGINT, false);
}

#[test]
fn while_listing_sigterm_ends_the_run_and_deletes_nothing() {
    while_listing(libc::SIGTERM, true);
}

/// Several repositories, the signal during the first one's purge: the second is never
/// touched, and it is reported as not started, its images as not attempted, in the one
/// `--json` document.
#[test]
fn repositories_not_reached_are_reported_not_attempted() {
    let moto = slow_moto();
    create_repo(&moto, "first");
    create_repo(&moto, "second");
    push_many(&moto, "first", "f", 200);
    let second = digests(&push_many(&moto, "second", "s", 5));
    let mut running = purge(&moto, &["--json", "first", "second"]);
    running.collect_stdout();
    running.wait_for_stderr("first: deleting 200 of 200 images");
    kill(running.pid(), libc::SIGTERM);
    let out = running.wait();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(143), "{stderr}");
    assert!(!stderr.contains("second: deleting"), "{stderr}");
    assert_eq!(
        stderr
            .matches(
                "ecr-purge: error: interrupted by SIGTERM: no deletion was started after it; \
                 every image known to be deleted is listed; not started: second; re-run to \
                 finish the job\n"
            )
            .count(),
        1,
        "{stderr}"
    );
    assert_eq!(digests(&images(&moto, "second")), second, "untouched");
    let doc: Value = serde_json::from_slice(&out.stdout).expect("one complete JSON document");
    assert_eq!(doc["interrupted"], "SIGTERM");
    let repos = doc["repositories"].as_array().unwrap();
    assert_eq!(repos.len(), 2, "{doc}");
    let not_attempted: BTreeSet<String> = repos[1]["not_attempted"]
        .as_array()
        .unwrap_or_else(|| panic!("{}", repos[1]))
        .iter()
        .map(|i| i["digest"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(not_attempted, second, "{}", repos[1]);
    assert_eq!(repos[1]["deleted"], serde_json::json!([]), "{}", repos[1]);
}
