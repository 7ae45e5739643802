//! Setting the planned values, one at a time, and what became of each.
//!
//! Signals: SIGINT and SIGTERM are handled from the moment the writes are prepared. Before
//! the first write, a signal ends the run at once (nothing was written). During the
//! writes, the first signal stops the run from starting another write and lets the one in
//! flight finish (its retries included), so that its outcome is known; a second signal
//! abandons it: that value is reported `in doubt` (the request may or may not have landed;
//! GitHub's `PUT` of a secret, and a variable's create-or-update, are idempotent, so a
//! re-run sets it either way), and gh, if it runs it, is killed. The values after it are
//! `not attempted`. The run then reports as usual (the stderr lines, `--json`) and exits
//! 130 (SIGINT) or 143 (SIGTERM), the first signal's code.

use cli_support::redact::Redactor;
use cli_support::signal::{Signal, Signals};

use crate::dest::{Kind, Scope};
use crate::gh::Gh;
use crate::github::{self, Client, Config, Written};
use crate::notes;
use crate::select::Item;

/// What became of one planned value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Written(Written),
    /// Why, redacted.
    Failed(String),
    /// After a failure that stops the run, or after a signal.
    NotAttempted,
    /// Abandoned in flight at a second signal: it may have been set.
    InDoubt,
}

impl Outcome {
    /// The `status` of the `--json` report.
    pub fn status(&self) -> &'static str {
        match self {
            Outcome::Written(w) => w.as_str(),
            Outcome::Failed(_) => "failed",
            Outcome::NotAttempted => "not attempted",
            Outcome::InDoubt => "in doubt",
        }
    }
}

/// Every value's outcome, in the order planned, and the signal that stopped the run.
pub struct Writes {
    pub outcomes: Vec<Outcome>,
    pub interrupted: Option<Signal>,
}

/// Where the values go.
pub enum Via {
    Rest(Config),
    Gh,
}

/// The two writers behind one call.
enum Writer<'a> {
    Rest(&'a Client, &'a github::Prepared),
    Gh(&'a Gh),
}

impl Writer<'_> {
    /// One write: its outcome, and whether the failure stops the run.
    async fn set(&self, scope: &Scope, item: &Item, kind: Kind) -> (Outcome, bool) {
        let result = match self {
            Writer::Rest(client, prepared) => match kind {
                Kind::Secret => {
                    client
                        .set_secret(scope, prepared, &item.name, &item.value)
                        .await
                }
                Kind::Variable => {
                    client
                        .set_variable(scope, prepared, &item.name, &item.value)
                        .await
                }
            }
            .map_err(|e| (e.stops_the_run(), e.message)),
            Writer::Gh(gh) => gh
                .set(scope, kind, &item.name, &item.value)
                .await
                .map(|()| Written::Set)
                .map_err(|e| (false, e)),
        };
        match result {
            Ok(written) => (Outcome::Written(written), false),
            Err((stops, message)) => (Outcome::Failed(message), stops),
        }
    }
}

/// Prepare (nothing written yet: a failure is an error), then set every planned value.
/// `redactor` knows the values sent; the REST client adds its token.
pub fn write(
    via: Via,
    scope: &Scope,
    planned: &[(Item, Kind)],
    redactor: Redactor,
) -> anyhow::Result<Writes> {
    let secrets = planned.iter().any(|(_, k)| *k == Kind::Secret);
    let variables = planned.iter().any(|(_, k)| *k == Kind::Variable);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let signals = cli_support::signal::listen()
            .map_err(|e| anyhow::anyhow!("cannot handle SIGINT and SIGTERM: {e}"))?;
        let not_started = |signal| Writes {
            outcomes: vec![Outcome::NotAttempted; planned.len()],
            interrupted: Some(signal),
        };
        match via {
            Via::Rest(config) => {
                let client = Client::new(config, redactor).map_err(anyhow::Error::msg)?;
                let prepared = tokio::select! {
                    p = client.prepare(scope, secrets, variables) => p,
                    signal = signals.first() => return Ok(not_started(signal)),
                }
                .map_err(|e| anyhow::anyhow!("nothing was written: {e}"))?;
                let writer = Writer::Rest(&client, &prepared);
                Ok(set_all(&writer, scope, planned, &signals).await)
            }
            Via::Gh => {
                let gh = Gh::new(redactor);
                tokio::select! {
                    p = gh.prepare(scope, secrets, variables) => p,
                    signal = signals.first() => return Ok(not_started(signal)),
                }
                .map_err(|e| anyhow::anyhow!("nothing was written: {e}"))?;
                Ok(set_all(&Writer::Gh(&gh), scope, planned, &signals).await)
            }
        }
    })
}

async fn set_all(
    writer: &Writer<'_>,
    scope: &Scope,
    planned: &[(Item, Kind)],
    signals: &Signals,
) -> Writes {
    let acknowledge = signals.clone();
    let acknowledged = tokio::spawn(async move {
        let signal = acknowledge.first().await;
        notes::note(format_args!(
            "{signal}: finishing the write in flight, then stopping (send it again to \
             abandon that write)"
        ));
    });
    let mut outcomes = Vec::with_capacity(planned.len());
    let mut stopped = false;
    for (item, kind) in planned {
        if stopped || signals.fired().is_some() {
            outcomes.push(Outcome::NotAttempted);
            continue;
        }
        let outcome = tokio::select! {
            (outcome, stops) = writer.set(scope, item, *kind) => {
                stopped = stops;
                outcome
            }
            _ = signals.again() => {
                stopped = true;
                Outcome::InDoubt
            }
        };
        announce(item, *kind, &outcome);
        outcomes.push(outcome);
    }
    acknowledged.abort();
    Writes {
        outcomes,
        interrupted: signals.fired(),
    }
}

/// One stderr line per write, as it happens.
fn announce(item: &Item, kind: Kind, outcome: &Outcome) {
    match outcome {
        Outcome::Written(written) => notes::note(format_args!(
            "{} {} {}",
            written.as_str(),
            kind.as_str(),
            item.name
        )),
        Outcome::Failed(e) => cli_support::report::error(format_args!(
            "{} {}: not set: {e}",
            kind.as_str(),
            item.name
        )),
        Outcome::InDoubt => cli_support::report::error(format_args!(
            "{} {}: in doubt: abandoned in flight, it may or may not have been set",
            kind.as_str(),
            item.name
        )),
        Outcome::NotAttempted => {}
    }
}
