//! The confirmation of a full purge on a terminal: the tool runs under a pseudo-terminal
//! made by util-linux `script`, which types the answer. Without `script` the tests fail
//! under CI and say they are skipped elsewhere (`test_support::require_tool`).

use assert_cmd::Command;
use predicates::prelude::*;
use test_support::CommandExt as _;
use test_support::moto::Moto;

use crate::common::{create_repo, images, manifest, push, push_multiarch};

/// Run ecr-purge with `args` on a terminal, `answer` typed on it.
fn on_terminal(moto: &Moto, args: &str, answer: &str) -> assert_cmd::assert::Assert {
    let command = format!("{} {args}", env!("CARGO_BIN_EXE_ecr-purge"));
    Command::new("script")
        .args(["--quiet", "--return", "--command", &command, "/dev/null"])
        .scrub_env()
        .envs(moto.env())
        .env("SHELL", "/bin/sh")
        .env("TERM", "xterm")
        .write_stdin(answer)
        .assert()
}

fn seed(moto: &Moto) {
    create_repo(moto, "app");
    push(moto, "app", &manifest("a"), &["v1"]);
    push_multiarch(moto, "app", "m", 2, &["v2"]);
}

#[test]
fn yes_on_the_terminal_purges() {
    if test_support::require_tool("script").is_none() {
        return;
    }
    let moto = Moto::shared().lock();
    seed(&moto);
    on_terminal(&moto, "app", "y\n")
        .code(0)
        .stdout(predicate::str::contains(
            "ecr-purge: delete every image of app (4)? [y/N]",
        ))
        .stdout(predicate::str::contains("app: deleted 4 images (1 index)"));
    assert!(images(&moto, "app").is_empty());
}

#[test]
fn anything_but_yes_deletes_nothing_and_exits_1() {
    if test_support::require_tool("script").is_none() {
        return;
    }
    let moto = Moto::shared().lock();
    seed(&moto);
    on_terminal(&moto, "--delete-repository app", "n\n")
        .code(1)
        .stdout(predicate::str::contains(
            "delete every image of app (4), then the repositories? [y/N]",
        ))
        .stdout(predicate::str::contains(
            "ecr-purge: error: not confirmed: nothing was deleted",
        ));
    assert_eq!(images(&moto, "app").len(), 4);
}

#[test]
fn a_dry_run_asks_nothing_nor_a_prune_with_nothing_to_delete() {
    if test_support::require_tool("script").is_none() {
        return;
    }
    let moto = Moto::shared().lock();
    seed(&moto);
    on_terminal(&moto, "--dry-run app", "")
        .code(0)
        .stdout(predicate::str::contains("[y/N]").not())
        .stdout(predicate::str::contains("would delete 4 of 4 images"));
    // The platform manifests of the tagged index are protected: nothing goes.
    on_terminal(&moto, "--untagged-only app", "")
        .code(0)
        .stdout(predicate::str::contains("[y/N]").not())
        .stdout(predicate::str::contains("deleted 0 images"));
    assert_eq!(images(&moto, "app").len(), 4);
}

#[test]
fn a_prune_shows_the_plan_and_asks() {
    if test_support::require_tool("script").is_none() {
        return;
    }
    let moto = Moto::shared().lock();
    create_repo(&moto, "app");
    let kept = push(&moto, "app", &manifest("k"), &["v1"]);
    let loose: Vec<String> = (0..7)
        .map(|i| push(&moto, "app", &manifest(&format!("u{i}")), &[]))
        .collect();
    // Anything but yes: nothing goes, exit 1.
    let out = on_terminal(&moto, "--untagged-only app", "no\n").code(1);
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(
        text.contains("ecr-purge: app: would delete 7 of 8 images; kept 1 (1 not-selected)"),
        "{text}"
    );
    assert!(
        text.contains("ecr-purge: app:   and 2 more (--dry-run lists them all)"),
        "{text}"
    );
    let shown = loose.iter().filter(|d| text.contains(d.as_str())).count();
    assert_eq!(shown, 5, "the first five images are shown: {text}");
    assert!(
        text.contains("ecr-purge: delete 7 of 8 images of app? [y/N]"),
        "{text}"
    );
    assert!(
        text.contains("ecr-purge: error: not confirmed: nothing was deleted"),
        "{text}"
    );
    assert_eq!(images(&moto, "app").len(), 8);

    on_terminal(&moto, "--untagged-only app", "yes\n")
        .code(0)
        .stdout(predicate::str::contains("app: deleted 7 images"));
    assert_eq!(
        images(&moto, "app").keys().collect::<Vec<_>>(),
        [&kept],
        "only the tagged image is left"
    );
}

/// Ctrl-C typed at the question: the run ends at once by the signal (nothing had been
/// deleted), the shell's 130; nothing is deleted, no "not confirmed" either.
#[test]
fn ctrl_c_at_the_confirmation_ends_the_run_and_deletes_nothing() {
    use std::io::{Read as _, Write as _};
    use std::process::Stdio;
    use std::sync::{Arc, Mutex};

    if test_support::require_tool("script").is_none() {
        return;
    }
    let moto = Moto::shared().lock();
    seed(&moto);
    let command = format!("{} app", env!("CARGO_BIN_EXE_ecr-purge"));
    let mut child = std::process::Command::new("script")
        .args(["--quiet", "--return", "--command", &command, "/dev/null"])
        .scrub_env()
        .envs(moto.env())
        .env("SHELL", "/bin/sh")
        .env("TERM", "xterm")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let mut out = child.stdout.take().unwrap();
    let shared = seen.clone();
    let reader = std::thread::spawn(move || {
        let mut chunk = [0; 1024];
        while let Ok(n @ 1..) = out.read(&mut chunk) {
            shared.lock().unwrap().extend_from_slice(&chunk[..n]);
        }
    });
    let text = || String::from_utf8_lossy(&seen.lock().unwrap()).into_owned();
    let deadline = std::time::Instant::now() + test_support::process::PATIENCE;
    while !text().contains("(4)? [y/N] ") {
        assert!(
            std::time::Instant::now() < deadline,
            "no question: {}",
            text()
        );
        assert!(child.try_wait().unwrap().is_none(), "ended: {}", text());
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"\x03").unwrap();
    stdin.flush().unwrap();
    let status = child.wait().unwrap();
    drop(stdin);
    reader.join().unwrap();
    let shown = text();
    assert_eq!(status.code(), Some(130), "{shown}");
    assert!(!shown.contains("not confirmed"), "{shown}");
    assert!(!shown.contains("deleted"), "{shown}");
    assert_eq!(images(&moto, "app").len(), 4);
}
