//! Through `test_support::faults::FaultProxy` between the tool and the fake API: GitHub's
//! rate limits, 5xx, a gateway's HTML page, resets, latency and slow bodies for a seeded share
//! of the requests; a fault that never clears on one secret; one lost connection; one answer
//! lost after GitHub stored the value. What reached the fake is counted there.

use std::collections::BTreeMap;
use std::time::Duration;

use test_support::faults::{Fault, FaultProxy, Faults};

use super::scopes::{TRICKY, expected_tricky};
use crate::common::{fixture, stderr_of, tool};
use crate::fake_github::{FakeGithub, TOKEN};

/// The tool pointed at the proxy in front of the fake.
fn via(proxy: &FaultProxy) -> assert_cmd::Command {
    let mut cmd = tool();
    cmd.env("GITHUB_API_URL", proxy.url())
        .env("GH_TOKEN", TOKEN)
        .arg("-f")
        .arg(fixture("outputs"));
    cmd
}

/// The PUTs that reached the fake, by secret name.
fn puts(fake: &FakeGithub) -> BTreeMap<String, usize> {
    let mut count = BTreeMap::new();
    for (method, path) in fake.writes() {
        assert_eq!(method, "PUT", "{path}");
        let name = path.rsplit('/').next().unwrap_or_default().to_owned();
        *count.entry(name).or_default() += 1;
    }
    count
}

/// What GitHub sends that a client must live through: the transient kinds and GitHub's own
/// secondary rate limit (403 with `Retry-After`).
fn github_faults() -> Vec<Fault> {
    let mut kinds = Fault::transient();
    kinds.push(Fault::SecondaryRateLimit);
    kinds
}

#[test]
fn under_30_percent_faults_every_secret_is_set_exactly_once_with_the_right_bytes() {
    let names: Vec<&str> = expected_tricky().iter().map(|(n, _)| *n).collect();
    let mut kinds = BTreeMap::new();
    for seed in [1, 2, 3, 4] {
        let fake = FakeGithub::start();
        let proxy = FaultProxy::start(
            &fake.url(),
            Faults::seeded(seed).rate(0.3).kinds(&github_faults()),
        );
        // The defaults: --retries 3, --timeout 30s.
        let out = via(&proxy)
            .args(["--to-github", "octo/app"])
            .args(TRICKY)
            .timeout(Duration::from_mins(2))
            .output()
            .unwrap();
        let stderr = stderr_of(&out);
        let injected = proxy.injected();
        assert_eq!(
            out.status.code(),
            Some(0),
            "seed {seed}: {injected:?}\n{stderr}"
        );
        assert_eq!(out.stdout, b"", "seed {seed}");
        assert!(
            stderr.contains("tf-secrets: set 9 secrets in repository octo/app\n"),
            "seed {seed}: {stderr}"
        );
        let stored: Vec<(String, Vec<u8>)> = fake
            .secrets("repos/octo/app")
            .into_iter()
            .map(|(k, v)| (k, v.value))
            .collect();
        let want: Vec<(String, Vec<u8>)> = expected_tricky()
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
        assert_eq!(stored, want, "seed {seed}");
        // Every secret's PUT reached GitHub exactly once: no fault of these kinds forwards a
        // request it then fails, and nothing was sent twice.
        let once: BTreeMap<String, usize> = names.iter().map(|n| ((*n).to_owned(), 1)).collect();
        assert_eq!(puts(&fake), once, "seed {seed}");
        assert!(injected.total() >= 1, "seed {seed}: {injected:?}");
        for (kind, n) in injected.faults {
            *kinds.entry(kind).or_insert(0) += n;
        }
        crate::common::assert_no_secret("stderr", &out.stderr);
    }
    eprintln!("faults injected over the seeds: {kinds:?}");
    // About 11 requests a run: at 30%, a dozen faults over the seeds, of most kinds.
    assert!(kinds.values().sum::<usize>() >= 8, "{kinds:?}");
    assert!(kinds.len() >= 5, "{kinds:?}");
}

#[test]
fn a_fault_that_never_clears_on_one_secret_names_exactly_what_was_not_set() {
    for fault in [Fault::Unavailable, Fault::Reset] {
        let fake = FakeGithub::start();
        let proxy = FaultProxy::start(
            &fake.url(),
            Faults::always(fault).only(&["PUT /repos/octo/app/actions/secrets/BIG"]),
        );
        let out = via(&proxy)
            .args(["--to-github", "octo/app"])
            .args(TRICKY)
            .timeout(Duration::from_mins(2))
            .output()
            .unwrap();
        let stderr = stderr_of(&out);
        assert_eq!(out.status.code(), Some(1), "{fault:?}: {stderr}");
        assert_eq!(out.stdout, b"");
        assert!(
            stderr.contains(
                "5 of 9 not set in repository octo/app: failed: BIG; not attempted after that \
                 failure: RATIO, DB_HOST, SUBNETS, SERVICE; 4 set"
            ),
            "{fault:?}: {stderr}"
        );
        assert!(
            stderr.contains("secret BIG: not set: ")
                && stderr.contains("(gave up after 4 attempts)"),
            "{fault:?}: {stderr}"
        );
        let set: Vec<String> = fake.secrets("repos/octo/app").into_keys().collect();
        assert_eq!(
            set,
            ["CRLF", "DB_PASSWORD", "SHELL_CHARS", "TLS_PRIVATE_KEY"]
        );
        // The 4 attempts (3 retries) on BIG reached the proxy, none GitHub.
        assert_eq!(proxy.injected().total(), 4, "{fault:?}");
        assert_eq!(puts(&fake).get("BIG"), None);
    }
}

#[test]
fn a_lost_connection_is_retried_and_the_secret_set_once() {
    let fake = FakeGithub::start();
    let proxy = FaultProxy::start(
        &fake.url(),
        Faults::always(Fault::Reset)
            .only(&[
                "PUT /repos/octo/app/actions/secrets/DB_PASSWORD",
                "GET /repos/octo/app/actions/secrets/public-key",
            ])
            .first(2),
    );
    let out = via(&proxy)
        .args([
            "--to-github",
            "octo/app",
            "DB_PASSWORD=db_password",
            "RATIO=ratio",
        ])
        .timeout(Duration::from_mins(1))
        .output()
        .unwrap();
    let stderr = stderr_of(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(proxy.injected().of("reset"), 2, "{stderr}");
    assert!(stderr.contains("retrying in"), "{stderr}");
    assert_eq!(
        puts(&fake),
        BTreeMap::from([("DB_PASSWORD".to_owned(), 1), ("RATIO".to_owned(), 1)])
    );
    assert_eq!(fake.secrets("repos/octo/app").len(), 2);
}

#[test]
fn an_answer_lost_after_github_stored_the_value_is_a_second_idempotent_put() {
    let fake = FakeGithub::start();
    let proxy = FaultProxy::start(
        &fake.url(),
        Faults::always(Fault::LostAnswer)
            .only(&["PUT /repos/octo/app/actions/secrets/DB_PASSWORD"])
            .first(1),
    );
    let out = via(&proxy)
        .args(["--to-github", "octo/app", "DB_PASSWORD=db_password"])
        .timeout(Duration::from_mins(1))
        .output()
        .unwrap();
    let stderr = stderr_of(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    // GitHub got the PUT twice (the tool cannot know the first landed); a secret's PUT is
    // idempotent, so the value is right, and the second answer (204: it existed) says
    // "updated".
    assert_eq!(puts(&fake), BTreeMap::from([("DB_PASSWORD".to_owned(), 2)]));
    assert_eq!(
        fake.secrets("repos/octo/app")["DB_PASSWORD"].value,
        crate::common::string("outputs", "db_password").into_bytes()
    );
    assert!(stderr.contains("updated secret DB_PASSWORD"), "{stderr}");
}
