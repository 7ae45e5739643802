//! Output: a stdout that goes quiet when its reader leaves, and atomic files.

mod check;

pub use check::{check_writable, names_stdout};

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
/// - `-` is stdout (as `-f -` is stdin), and so is `/dev/stdout`; a path that names one of
///   the process's open descriptors (`/dev/stdout`, `/dev/stderr`, `/dev/fd/N`,
///   `/proc/self/fd/N`, or a link to one) is written to that descriptor (a duplicate of it),
///   as a shell's `>&N` would: a file the shell opened with `>>` is appended to, a pipe gets
///   the bytes. It is never followed to the file behind it and replaced;
/// - a directory or a socket on disk is refused.
pub fn write_output(path: &Path, bytes: &[u8], access: Access, force: bool) -> anyhow::Result<()> {
    let read_only = if force {
        ReadOnly::Replace
    } else {
        ReadOnly::RefuseSuggestForce
    };
    write_file(path, bytes, access, read_only)
}

/// Append `bytes` to a file that others append to as well (`$GITHUB_OUTPUT`,
/// `$GITHUB_STEP_SUMMARY`): opened with `O_APPEND` (created 0644 if missing), written with
/// one `write_all`, never replaced. The runner reads such files after the step, so a
/// partial write is reported as an error, not retried.
pub fn append(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .with_context(|| format!("cannot open {} to append to it", path.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.flush())
        .with_context(|| format!("cannot append to {}", path.display()))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ReadOnly {
    Refuse,
    RefuseSuggestForce,
    Replace,
}

/// Where the bytes go once links are followed.
#[derive(Debug, PartialEq, Eq)]
enum Resolved {
    /// A path to write (the target of the last link, which may not exist yet).
    Path(PathBuf),
    /// An open descriptor of the process, named by `/dev/fd/N` and the like.
    Descriptor(u32),
}

/// The descriptor a path names without touching the file system: `/dev/stdin`,
/// `/dev/stdout`, `/dev/stderr`, `/dev/fd/N`, `/proc/self/fd/N`, `/proc/thread-self/fd/N`,
/// `/proc/PID/fd/N` with this process's PID.
fn descriptor_of(path: &Path) -> Option<u32> {
    let text = path.to_str()?;
    match text {
        "/dev/stdin" => return Some(0),
        "/dev/stdout" => return Some(1),
        "/dev/stderr" => return Some(2),
        _ => {}
    }
    let number = |n: &str| {
        (!n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            .then(|| n.parse().ok())
            .flatten()
    };
    if let Some(n) = text.strip_prefix("/dev/fd/") {
        return number(n);
    }
    let rest = text.strip_prefix("/proc/")?;
    let (process, n) = rest.split_once("/fd/")?;
    let own = process == "self"
        || process == "thread-self"
        || process.parse::<u32>().ok() == Some(std::process::id());
    if own { number(n) } else { None }
}

/// Follow `path` through symbolic links (at most 40, as the kernel does) to what is
/// written: a path, or a descriptor when a step names one (`/dev/stdout` is a link to
/// `/proc/self/fd/1`, whose "target" is the file or pipe behind the descriptor). `label`
/// starts the error messages (`cannot write FILE`, `--summary FILE`).
fn resolve_links(path: &Path, label: &str) -> anyhow::Result<Resolved> {
    let mut current = path.to_path_buf();
    for _ in 0..40 {
        if let Some(fd) = descriptor_of(&current) {
            return Ok(Resolved::Descriptor(fd));
        }
        match std::fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = std::fs::read_link(&current)
                    .with_context(|| format!("{label}: cannot read the link"))?;
                current = match current.parent() {
                    Some(dir) if link.is_relative() => dir.join(link),
                    _ => link,
                };
            }
            _ => return Ok(Resolved::Path(current)),
        }
    }
    anyhow::bail!("{label}: too many levels of symbolic links")
}

fn write_file(
    path: &Path,
    bytes: &[u8],
    access: Access,
    read_only: ReadOnly,
) -> anyhow::Result<()> {
    use std::os::unix::fs::FileTypeExt as _;
    if path == Path::new("-") {
        return print(bytes);
    }
    let target = match resolve_links(path, &format!("cannot write {}", path.display()))? {
        Resolved::Path(target) => target,
        Resolved::Descriptor(fd) => {
            return write_descriptor(fd, bytes)
                .with_context(|| format!("cannot write {}", path.display()));
        }
    };
    // What the kernel reaches by the path: it follows /proc's links to a pipe or socket
    // (`/proc/PID/fd/N` of another process), which have no path to follow them by.
    if let Ok(meta) = std::fs::metadata(path) {
        let kind = meta.file_type();
        if kind.is_fifo() || kind.is_char_device() || kind.is_block_device() {
            return write_through(path, bytes)
                .with_context(|| format!("cannot write {}", path.display()));
        }
    }
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

/// Write to the process's descriptor `fd`, as `>&fd` would: stdout and stderr through the
/// process's own handles (so that the bytes keep their order with what the tool printed, and
/// stdout goes quiet when its reader left), another descriptor through a duplicate of it.
fn write_descriptor(fd: u32, bytes: &[u8]) -> anyhow::Result<()> {
    match fd {
        1 => print(bytes),
        2 => {
            let mut err = io::stderr().lock();
            Ok(err.write_all(bytes).and_then(|()| err.flush())?)
        }
        _ => {
            let mut file = std::fs::File::from(duplicate(fd)?);
            file.write_all(bytes)?;
            Ok(file.flush()?)
        }
    }
}

/// A duplicate of descriptor `fd` (sharing its offset and flags: `O_APPEND` stays). Only a
/// descriptor the process was given (inherited without close-on-exec, as a shell's `3>file`
/// leaves it) is taken: the tool's own descriptors are all close-on-exec, and are not
/// something to write a file to.
fn duplicate(fd: u32) -> anyhow::Result<std::os::fd::OwnedFd> {
    use std::os::fd::AsFd as _;
    const O_CLOEXEC: u32 = 0o2_000_000;
    if fd == 0 {
        return Ok(io::stdin().as_fd().try_clone_to_owned()?);
    }
    let info = std::fs::read_to_string(format!("/proc/self/fdinfo/{fd}"))
        .map_err(|_| anyhow::anyhow!("descriptor {fd} is not open"))?;
    let flags = info
        .lines()
        .find_map(|line| line.strip_prefix("flags:"))
        .and_then(|f| u32::from_str_radix(f.trim(), 8).ok())
        .ok_or_else(|| anyhow::anyhow!("cannot read the flags of descriptor {fd}"))?;
    if flags & O_CLOEXEC != 0 {
        anyhow::bail!("descriptor {fd} is not one the tool was given (it is close-on-exec)");
    }
    let raw = i32::try_from(fd)?;
    // SAFETY: `raw` is open (its fdinfo was just read) and was inherited (not close-on-exec,
    // so no object of this process owns it); it is only borrowed for the dup.
    #[allow(unsafe_code)]
    let borrowed = unsafe { std::os::fd::BorrowedFd::borrow_raw(raw) };
    Ok(borrowed.try_clone_to_owned()?)
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
    fn append_adds_to_the_end_and_creates() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("GITHUB_OUTPUT");
        append(&path, b"a=1\n").unwrap();
        append(&path, b"b=2\n").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"a=1\nb=2\n");
        let err = append(dir.path(), b"x").unwrap_err();
        assert!(format!("{err:#}").starts_with("cannot open "), "{err:#}");
    }

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
    fn a_socket_on_disk_is_refused_before_and_at_the_write() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.sock");
        let _listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
        let err = check_writable("--summary", &path).unwrap_err();
        assert!(format!("{err:#}").contains("is a socket"), "{err:#}");
        for err in [
            write_output(&path, b"x", Access::Shared, true).unwrap_err(),
            write_atomic(&path, b"x", Access::Shared).unwrap_err(),
        ] {
            assert!(format!("{err:#}").contains("socket"), "{err:#}");
        }
        assert!(
            std::fs::symlink_metadata(&path)
                .unwrap()
                .file_type()
                .is_socket()
        );
    }

    #[test]
    fn descriptors_are_named_by_their_paths() {
        for (path, fd) in [
            ("/dev/stdin", Some(0)),
            ("/dev/stdout", Some(1)),
            ("/dev/stderr", Some(2)),
            ("/dev/fd/7", Some(7)),
            ("/proc/self/fd/3", Some(3)),
            ("/proc/thread-self/fd/12", Some(12)),
            ("/dev/fd/", None),
            ("/dev/fd/x", None),
            ("/dev/fd/+1", None),
            ("/proc/1/fd/1", None),
            ("/dev/null", None),
            ("out.json", None),
        ] {
            assert_eq!(descriptor_of(Path::new(path)), fd, "{path}");
        }
        let own = format!("/proc/{}/fd/4", std::process::id());
        assert_eq!(descriptor_of(Path::new(&own)), Some(4));
        // A link to a descriptor's path is a descriptor too.
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("out");
        std::os::unix::fs::symlink("/dev/stderr", &link).unwrap();
        assert_eq!(resolve_links(&link, "x").unwrap(), Resolved::Descriptor(2));
        // The process's own descriptors (close-on-exec) are not written to.
        let file = std::fs::File::open("/dev/null").unwrap();
        let fd = std::os::fd::AsRawFd::as_raw_fd(&file);
        let err = duplicate(u32::try_from(fd).unwrap()).unwrap_err();
        assert!(format!("{err:#}").contains("close-on-exec"), "{err:#}");
        assert!(duplicate(999_999).is_err());
    }

    #[test]
    fn a_pipe_behind_procs_links_is_written_through() {
        use std::io::Read as _;
        let mut child = std::process::Command::new("sleep")
            .arg("30")
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let path = PathBuf::from(format!("/proc/{}/fd/1", child.id()));
        let result = write_atomic(&path, b"through", Access::Shared);
        child.kill().unwrap();
        child.wait().unwrap();
        result.unwrap();
        let mut got = String::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut got)
            .unwrap();
        assert_eq!(got, "through");
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
