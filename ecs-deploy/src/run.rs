//! The run: the AWS client set up, then a deploy or a rollback, the summary written at the
//! end whatever happened.
//!
//! Call points for what is not done yet (each a usage error "not implemented yet" until then):
//! `--verify` (verify.rs, before anything is registered), `--until` (the follow loop),
//! `ecs-deploy rollback` (rollback_target.rs), GitHub Actions outputs (gha.rs, at the end).

use std::process::ExitCode;

use anyhow::Context as _;
use cli_support::usage;

use crate::settings::{Mode, Settings};

/// Run the job on a current-thread runtime.
pub fn run(settings: Settings) -> anyhow::Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    rt.block_on(execute(settings))
}

#[allow(clippy::unused_async)] // the deploy path awaits
async fn execute(s: Settings) -> anyhow::Result<ExitCode> {
    match &s.mode {
        // CALL POINT (rollback_target.rs): `ecs-deploy rollback`.
        Mode::Rollback(_) => Err(usage("rollback: not implemented yet")),
        Mode::Deploy(d) => {
            // CALL POINT (verify.rs): `--verify`, before anything is registered.
            if d.verify {
                crate::verify::input(&s.aws, &d.input, s.quiet).await?;
            }
            // CALL POINT (the follow loop): `--until STAGE`.
            if d.until.is_some() {
                return Err(usage("--until: not implemented yet"));
            }
            Err(usage("deploy: not implemented yet"))
        }
    }
}
