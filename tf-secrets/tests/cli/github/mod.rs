//! `--to-github` / `--org` against the local fake API: exact bytes after decryption, every
//! scope, variables, and each failure GitHub can answer.
//!
//! - [`scopes`]: what arrives, in each scope, and --dry-run.
//! - [`refusals`]: what GitHub (or the tool, before any call) refuses.
//! - [`retries`]: what is retried and waited for, and the timeout.
//! - [`faults`]: through the fault proxy: a share of faults, one that never clears, a lost
//!   connection, a lost answer.

mod faults;
mod refusals;
mod retries;
mod scopes;

use crate::common::{fixture, tool};
use crate::fake_github::{FakeGithub, TOKEN};

/// The tool pointed at the fake, with its token in GH_TOKEN.
fn to(fake: &FakeGithub) -> assert_cmd::Command {
    to_with(fake, "GH_TOKEN", TOKEN)
}

/// The tool pointed at the fake, with `token` in the variable `var`.
fn to_with(fake: &FakeGithub, var: &str, token: &str) -> assert_cmd::Command {
    let mut cmd = tool();
    cmd.env("GITHUB_API_URL", fake.url())
        .env(var, token)
        .arg("-f")
        .arg(fixture("outputs"));
    cmd
}
