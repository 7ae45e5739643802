//! `$GITHUB_STEP_SUMMARY` for a tool under test: a temporary file that an earlier step
//! already wrote to, so that a test proves the tool appends to it.

use std::path::PathBuf;

/// What the earlier step wrote (no final line break, as a careless step leaves it).
pub const EARLIER: &str = "# Earlier step\nits text";

/// A step summary file with [`EARLIER`] in it.
pub struct StepSummary {
    _dir: tempfile::TempDir,
    pub path: PathBuf,
}

impl StepSummary {
    pub fn new() -> StepSummary {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("step_summary.md");
        std::fs::write(&path, EARLIER).expect("the step summary file");
        StepSummary { _dir: dir, path }
    }

    /// `GITHUB_ACTIONS=true` and `GITHUB_STEP_SUMMARY` on `cmd` (after `scrub_env`).
    pub fn env<'c>(&self, cmd: &'c mut assert_cmd::Command) -> &'c mut assert_cmd::Command {
        cmd.env("GITHUB_ACTIONS", "true")
            .env("GITHUB_STEP_SUMMARY", &self.path)
    }

    /// What the tool appended: the file after [`EARLIER`] and the line break the tool adds
    /// after it. Panics when the earlier content is not kept as it was.
    pub fn report(&self) -> String {
        let all = std::fs::read_to_string(&self.path).expect("the step summary file");
        match all.strip_prefix(EARLIER) {
            Some(rest) => rest.strip_prefix('\n').unwrap_or(rest).to_owned(),
            None => panic!("the earlier step's summary was not kept:\n{all}"),
        }
    }

    /// True when nothing was appended.
    pub fn untouched(&self) -> bool {
        std::fs::read_to_string(&self.path).expect("the step summary file") == EARLIER
    }
}

impl Default for StepSummary {
    fn default() -> Self {
        StepSummary::new()
    }
}
