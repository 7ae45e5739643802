//! SIGINT and SIGTERM for tools that finish their work cleanly when asked to stop.
//!
//! [`listen`] installs the handlers (inside a tokio runtime) and gives a [`Signals`]: a cheap,
//! cloneable view of what came. [`Signals::first`] resolves with the first signal (the tool
//! stops starting new work and finishes what is in flight); [`Signals::again`] resolves with
//! a second one (the tool abandons what is in flight, but still reports what it knows);
//! [`Signals::second`] resolves with that second signal itself, for a tool that names both or
//! exits with the second one's code. All three
//! are cancel-safe and can be awaited any number of times, from any task; once the signal
//! came they resolve at once. The tool exits with [`Signal::exit_code`] (130, 143).
//!
//! Once installed the handlers stay: the default action (the process dies at once) no longer
//! applies. Install them when the work that must end cleanly starts, not before a prompt that
//! a Ctrl-C should simply end.

use std::fmt;

use tokio::sync::watch;

/// A signal asking the process to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signal {
    Int,
    Term,
}

impl Signal {
    /// The shell's code for a process ended by the signal: 128 + its number.
    pub fn exit_code(self) -> u8 {
        match self {
            Signal::Int => 130,
            Signal::Term => 143,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Signal::Int => "SIGINT",
            Signal::Term => "SIGTERM",
        }
    }
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What came so far: the first two signals and how many in all.
#[derive(Debug, Clone, Copy, Default)]
struct Seen {
    first: Option<Signal>,
    second: Option<Signal>,
    count: u32,
}

/// Sends signals to a [`Signals`] by hand (tests, or a tool's own reasons to stop).
#[derive(Debug)]
pub struct Trigger(watch::Sender<Seen>);

impl Trigger {
    /// As if `signal` came.
    pub fn send(&self, signal: Signal) {
        self.0.send_modify(|seen| {
            if seen.first.is_some() {
                seen.second.get_or_insert(signal);
            }
            seen.first.get_or_insert(signal);
            seen.count = seen.count.saturating_add(1);
        });
    }
}

/// The signals received; see the module documentation.
#[derive(Debug, Clone)]
pub struct Signals(watch::Receiver<Seen>);

impl Signals {
    /// Signals fired by hand through the [`Trigger`].
    pub fn manual() -> (Trigger, Signals) {
        let (tx, rx) = watch::channel(Seen::default());
        (Trigger(tx), Signals(rx))
    }

    /// Signals that never come.
    pub fn never() -> Signals {
        Signals::manual().1
    }

    /// The first signal, if one came already.
    pub fn fired(&self) -> Option<Signal> {
        self.0.borrow().first
    }

    /// How many signals came.
    pub fn count(&self) -> u32 {
        self.0.borrow().count
    }

    /// Resolves with the first signal once one came (at once if it did already).
    pub async fn first(&self) -> Signal {
        self.nth(1, |seen| seen.first).await
    }

    /// Resolves once a second signal came (at once if it did already), with the first signal
    /// (the one that decides the exit code).
    pub async fn again(&self) -> Signal {
        self.nth(2, |seen| seen.first).await
    }

    /// Resolves once a second signal came (at once if it did already), with that second
    /// signal.
    pub async fn second(&self) -> Signal {
        self.nth(2, |seen| seen.second).await
    }

    async fn nth(&self, n: u32, pick: fn(&Seen) -> Option<Signal>) -> Signal {
        let mut rx = self.0.clone();
        // The guard of `wait_for` is dropped here: the future stays `Send`.
        let got = rx
            .wait_for(|seen| seen.count >= n)
            .await
            .map(|seen| pick(&seen).unwrap_or(Signal::Int));
        match got {
            Ok(signal) => signal,
            // Nobody can send any more: no signal will come.
            Err(_) => std::future::pending().await,
        }
    }
}

/// Handle SIGINT and SIGTERM from now on. Must be called inside a tokio runtime (with I/O
/// enabled); the listening task lives as long as the runtime.
///
/// # Errors
/// When a handler cannot be installed.
pub fn listen() -> std::io::Result<Signals> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut int = signal(SignalKind::interrupt())?;
    let mut term = signal(SignalKind::terminate())?;
    let (trigger, signals) = Signals::manual();
    tokio::spawn(async move {
        loop {
            // Biased: two signals seen in the same wake-up are recorded in one order (SIGINT,
            // then SIGTERM), not at random.
            let s = tokio::select! {
                biased;
                Some(()) = int.recv() => Signal::Int,
                Some(()) = term.recv() => Signal::Term,
                else => break,
            };
            trigger.send(s);
        }
    });
    Ok(signals)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_first_and_the_second_signal() {
        let (trigger, signals) = Signals::manual();
        assert_eq!(signals.fired(), None);
        let waiter = signals.clone();
        let first = tokio::spawn(async move { waiter.first().await });
        trigger.send(Signal::Term);
        assert_eq!(first.await.unwrap(), Signal::Term);
        assert_eq!(signals.fired(), Some(Signal::Term));
        // Resolves again at once; the second has not come.
        assert_eq!(signals.first().await, Signal::Term);
        let pending = tokio::time::timeout(std::time::Duration::ZERO, signals.again()).await;
        assert!(pending.is_err());
        trigger.send(Signal::Int);
        // The first signal decides the exit code; the second is known too.
        assert_eq!(signals.again().await, Signal::Term);
        assert_eq!(signals.second().await, Signal::Int);
        assert_eq!(signals.count(), 2);
        assert_eq!(Signal::Term.exit_code(), 143);
        assert_eq!(Signal::Int.exit_code(), 130);
    }

    #[test]
    fn the_futures_can_be_spawned() {
        fn send<T: Send>(_: &T) {}
        let signals = Signals::never();
        send(&signals.first());
        send(&signals.again());
        send(&signals.second());
    }

    #[tokio::test]
    async fn never_never_fires() {
        let signals = Signals::never();
        let r = tokio::time::timeout(std::time::Duration::from_millis(10), signals.first()).await;
        assert!(r.is_err());
    }
    // A real signal is tested through the binaries that use this (ecr-purge's tests).
}
