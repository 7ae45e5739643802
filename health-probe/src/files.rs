//! The files the flags name (`--data-file`, `--header-file`, `--cacert`): read with a size
//! limit, and within the `--timeout` deadline (a FIFO or a stdin that never ends must not
//! hold the probe past it).

use std::time::{Duration, Instant};

use cli_support::input::Limit;

/// `--data-file`: 16 MiB.
pub const DATA_LIMIT: Limit = Limit {
    bytes: 16 << 20,
    hint: "a health check's request body is small: is it the right file?",
};

/// `--header-file`: 1 MiB.
pub const HEADER_LIMIT: Limit = Limit {
    bytes: 1 << 20,
    hint: "a header file holds a few headers, one a line: is it the right file?",
};

/// `--cacert`: 4 MiB (a system's whole CA bundle is about 200 KiB).
pub const CA_LIMIT: Limit = Limit {
    bytes: 4 << 20,
    hint: "a bundle of PEM certificates is far smaller: is it the right file?",
};

/// Reads files before the `--timeout` deadline.
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    pub at: Instant,
    pub timeout: Duration,
}

impl Deadline {
    /// Run `read` (reading the file `what` names, "--data-file body.json") in a thread of its
    /// own and wait for it until the deadline; past it, an error (exit 1, as any run that
    /// found no health by the deadline). The thread, blocked in a read, ends with the
    /// process.
    pub fn read<T: Send + 'static>(
        self,
        what: &str,
        read: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
    ) -> anyhow::Result<T> {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        std::thread::Builder::new()
            .name("read-file".to_owned())
            .spawn(move || {
                let _ = tx.send(read());
            })?;
        let left = self.at.saturating_duration_since(Instant::now());
        rx.recv_timeout(left).unwrap_or_else(|_| {
            Err(anyhow::anyhow!(
                "{what}: still reading it at the --timeout deadline ({})",
                cli_support::duration::format(self.timeout)
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_read_well() {
        assert_eq!(DATA_LIMIT.to_string(), "16 MiB");
        assert_eq!(HEADER_LIMIT.to_string(), "1 MiB");
        assert_eq!(CA_LIMIT.to_string(), "4 MiB");
    }

    #[test]
    fn a_read_past_the_deadline_is_an_error() {
        let deadline = Deadline {
            at: Instant::now() + Duration::from_millis(50),
            timeout: Duration::from_millis(50),
        };
        assert_eq!(deadline.read("x", || Ok(7)).unwrap(), 7);
        let err = deadline
            .read("--data-file f", || {
                std::thread::sleep(Duration::from_secs(5));
                Ok(())
            })
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "--data-file f: still reading it at the --timeout deadline (50ms)"
        );
    }
}
