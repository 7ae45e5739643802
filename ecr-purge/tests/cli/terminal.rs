//! The confirmation of a full purge on a terminal: the tool runs under a pseudo-terminal
//! made by util-linux `script`, which types the answer.

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
fn a_dry_run_or_a_selector_asks_nothing() {
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
