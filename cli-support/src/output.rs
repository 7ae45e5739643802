//! Output: a stdout that goes quiet when its reader leaves, and atomic files.

use std::io::{self, Write};
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
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

/// Write an output file (`-o FILE`, `--summary FILE`) without a `--force` flag: see
/// [`write_output`]; a read-only file is always refused.
pub fn write_atomic(path: &Path, bytes: &[u8], access: Access) -> anyhow::Result<()> {
    write_file(path, bytes, access, ReadOnly::Refuse)
}

/// Write an output file, the same for every tool ("output-file semantics"):
///
/// - a regular file (or none) is replaced atomically: `bytes` go to a temporary file in the
///   same directory, synced, then renamed over the target. On any error the target is
///   untouched and the temporary file is removed: never a partial file;
/// - a symbolic link is followed (through any chain of links) and its target is replaced
///   that way; the link itself stays;
/// - a FIFO or a device (`/dev/stdout`, `/dev/null`, a terminal) is opened and written
///   through, as a shell's `>` would (a rename would put a regular file in its place); a
///   write error (`/dev/full`) is reported. What a reader already got cannot be taken back;
/// - a read-only file (no write permission bit, or one the user cannot open for writing) is
///   refused, unless `force` (a tool's `--force`), as `cp` and `mv -i` would ask first;
/// - a directory or a socket is refused.
pub fn write_output(path: &Path, bytes: &[u8], access: Access, force: bool) -> anyhow::Result<()> {
    let read_only = if force {
        ReadOnly::Replace
    } else {
        ReadOnly::RefuseSuggestForce
    };
    write_file(path, bytes, access, read_only)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ReadOnly {
    Refuse,
    RefuseSuggestForce,
    Replace,
}

/// Follow `path` through symbolic links (at most 40, as the kernel does) to the path that
/// is written: the target of the last link, which may not exist yet.
fn resolve_links(path: &Path) -> anyhow::Result<PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = std::fs::read_link(&current).with_context(|| {
                    format!("cannot write {}: cannot read the link", path.display())
                })?;
                current = match current.parent() {
                    Some(dir) if link.is_relative() => dir.join(link),
                    _ => link,
                };
            }
            _ => return Ok(current),
        }
    }
    anyhow::bail!(
        "cannot write {}: too many levels of symbolic links",
        path.display()
    )
}

fn write_file(
    path: &Path,
    bytes: &[u8],
    access: Access,
    read_only: ReadOnly,
) -> anyhow::Result<()> {
    use std::os::unix::fs::FileTypeExt as _;
    let target = resolve_links(path)?;
    let shown = if target == path {
        path.display().to_string()
    } else {
        format!("{} (-> {})", path.display(), target.display())
    };
    let existing = std::fs::metadata(&target).ok();
    if let Some(meta) = &existing {
        let kind = meta.file_type();
        if kind.is_fifo() || kind.is_char_device() || kind.is_block_device() {
            return write_through(&target, bytes).with_context(|| format!("cannot write {shown}"));
        }
        if kind.is_dir() {
            anyhow::bail!("cannot write {shown}: it is a directory");
        }
        if kind.is_socket() {
            anyhow::bail!("cannot write {shown}: it is a socket");
        }
        if read_only != ReadOnly::Replace && is_read_only(&target, meta) {
            let hint = match read_only {
                ReadOnly::RefuseSuggestForce => "pass --force to replace it",
                _ => "make it writable, remove it or choose another path",
            };
            anyhow::bail!(
                "cannot write {shown}: the file is read-only (no write permission); {hint}"
            );
        }
    }
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mode = match (access, &existing) {
        (Access::Private, _) => 0o600,
        (Access::Shared, Some(meta)) => meta.permissions().mode() & 0o7777,
        (Access::Shared, None) => 0o644,
    };
    if !dir.is_dir() {
        anyhow::bail!(
            "cannot write {shown}: there is no directory {} (create it first)",
            dir.display()
        );
    }
    let mut tmp = tempfile::Builder::new()
        .prefix(".tmp-")
        .permissions(std::fs::Permissions::from_mode(mode))
        .tempfile_in(dir)
        .with_context(|| {
            format!(
                "cannot write {shown}: cannot create a temporary file in {}",
                dir.display()
            )
        })?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .with_context(|| format!("cannot write {shown}"))?;
    tmp.persist(&target)
        .map_err(|e| e.error)
        .with_context(|| format!("cannot replace {shown}"))?;
    Ok(())
}

/// No write bit at all (read-only even for root, who may open anything), or not openable
/// for writing by this user. Opening without truncation changes nothing.
fn is_read_only(path: &Path, meta: &std::fs::Metadata) -> bool {
    if meta.permissions().mode() & 0o222 == 0 {
        return true;
    }
    matches!(
        std::fs::OpenOptions::new().write(true).open(path),
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied
    )
}

/// A FIFO or a device: open it as it is (no creation, no truncation) and write.
fn write_through(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = std::fs::OpenOptions::new().write(true).open(path)?;
    file.write_all(bytes)?;
    file.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::FileTypeExt as _;

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

    #[test]
    fn symlinks_are_followed_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("real.json");
        std::fs::write(&target, "old").unwrap();
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink("real.json", &link).unwrap();
        write_atomic(&link, b"new", Access::Shared).unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read(&target).unwrap(), b"new");
        // a dangling link: its target is created
        let dangling = dir.path().join("dangling.json");
        std::os::unix::fs::symlink("made.json", &dangling).unwrap();
        write_atomic(&dangling, b"x", Access::Shared).unwrap();
        assert_eq!(std::fs::read(dir.path().join("made.json")).unwrap(), b"x");
    }

    #[test]
    fn read_only_files_need_force() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ro.json");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).unwrap();
        let err = write_output(&path, b"new", Access::Shared, false).unwrap_err();
        assert!(format!("{err:#}").contains("read-only"), "{err:#}");
        assert!(format!("{err:#}").contains("--force"), "{err:#}");
        let err = write_atomic(&path, b"new", Access::Shared).unwrap_err();
        assert!(!format!("{err:#}").contains("--force"), "{err:#}");
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        write_output(&path, b"new", Access::Shared, true).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
    }

    #[test]
    fn devices_are_written_through() {
        write_atomic(Path::new("/dev/null"), b"x", Access::Shared).unwrap();
        assert!(
            std::fs::metadata("/dev/null")
                .unwrap()
                .file_type()
                .is_char_device()
        );
        let err = write_atomic(Path::new("/dev/full"), b"x", Access::Shared).unwrap_err();
        assert!(
            format!("{err:#}").starts_with("cannot write /dev/full: "),
            "{err:#}"
        );
        let dir = tempfile::tempdir().unwrap();
        let err = write_atomic(dir.path(), b"x", Access::Shared).unwrap_err();
        assert!(format!("{err:#}").contains("is a directory"), "{err:#}");
    }
}
