//! Output: a stdout that goes quiet when its reader leaves, and atomic files.

use std::io::{self, Write};
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context as _;

static STDOUT_CLOSED: AtomicBool = AtomicBool::new(false);

/// Standard output that swallows a broken pipe: once the reader is gone (`| head`), every
/// later write succeeds without doing anything, so the tool finishes its job and exits with
/// its own code. Other write errors (a full disk) are returned.
#[derive(Debug, Default, Clone, Copy)]
pub struct Stdout;

/// The process's [`Stdout`].
pub fn stdout() -> Stdout {
    Stdout
}

/// True once a write to stdout failed because the reader went away.
pub fn stdout_closed() -> bool {
    STDOUT_CLOSED.load(Ordering::Relaxed)
}

fn swallow_epipe<T>(result: io::Result<T>, ok: T) -> io::Result<T> {
    match result {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
            STDOUT_CLOSED.store(true, Ordering::Relaxed);
            Ok(ok)
        }
        other => other,
    }
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if stdout_closed() {
            return Ok(buf.len());
        }
        swallow_epipe(io::stdout().lock().write(buf), buf.len())
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        if stdout_closed() {
            return Ok(());
        }
        swallow_epipe(io::stdout().lock().write_all(buf), ())
    }

    fn flush(&mut self) -> io::Result<()> {
        if stdout_closed() {
            return Ok(());
        }
        swallow_epipe(io::stdout().lock().flush(), ())
    }
}

/// Write `bytes` to stdout in one piece and flush.
pub fn print(bytes: &[u8]) -> anyhow::Result<()> {
    let mut out = stdout();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .context("cannot write to stdout")
}

/// Who may read a file written by [`write_atomic`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// 0644, or the mode of the file it replaces.
    Shared,
    /// 0600: the content is secret.
    Private,
}

/// Replace `path` with `bytes` atomically: written to a temporary file in the same
/// directory, synced, then renamed over the target. On any error the target is untouched
/// and the temporary file is removed.
pub fn write_atomic(path: &Path, bytes: &[u8], access: Access) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mode = match access {
        Access::Private => 0o600,
        Access::Shared => {
            std::fs::metadata(path).map_or(0o644, |m| m.permissions().mode() & 0o7777)
        }
    };
    if !dir.is_dir() {
        anyhow::bail!(
            "cannot write {}: there is no directory {} (create it first)",
            path.display(),
            dir.display()
        );
    }
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .permissions(std::fs::Permissions::from_mode(mode))
        .tempfile_in(dir)
        .with_context(|| {
            format!(
                "cannot write {}: cannot create a temporary file in {}",
                path.display(),
                dir.display()
            )
        })?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot replace {}", path.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_keeps_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.json");
        write_atomic(&path, b"one", Access::Shared).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"one");
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o644
        );
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        write_atomic(&path, b"two", Access::Shared).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o640
        );
        write_atomic(&path, b"three", Access::Private).unwrap();
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        // nothing else left behind
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn atomic_write_into_a_missing_directory_fails_cleanly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no/such/dir/out.json");
        let err = write_atomic(&path, b"x", Access::Shared).unwrap_err();
        assert!(
            format!("{err:#}").contains("no/such/dir (create it first)"),
            "{err:#}"
        );
    }
}
