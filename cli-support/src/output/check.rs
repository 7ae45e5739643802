//! Output paths checked before a tool starts its job: a file that can only be written at the
//! end (`--summary`) is refused up front if it cannot be, so that a job that ran does not end
//! in "cannot write the summary".

use std::path::Path;

use super::{Resolved, resolve_links};
use crate::report::usage;

/// `FILE` of `flag` (`--summary FILE`) can be written by the rules
/// [`write_atomic`](super::write_atomic) writes by, as far as can be told without creating,
/// opening or truncating it. Every refusal is a usage error, `FLAG FILE: why`.
///
/// - links are followed (at most 40); the message shows `FILE (-> TARGET)`;
/// - `-`, a path naming an open descriptor (`/dev/stdout`, `/dev/fd/N`, `/proc/self/fd/N`, a
///   link to one), a FIFO or a device is fine: written through (a FIFO is not opened now,
///   that would wait for a reader). A descriptor that is not open is refused;
/// - a directory, a socket or a read-only file (no write bit, or not openable for writing by
///   this user) is refused;
/// - a regular file (or none) needs its directory to exist and take a new file, which a
///   probe file created and removed at once tells (permissions alone would not: root,
///   read-only mounts, ACLs).
///
/// A failure that can still happen at the end (the disk filled up) is reported then.
pub fn check_writable(flag: &str, path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::{FileTypeExt as _, PermissionsExt as _};
    if path == Path::new("-") {
        return Ok(());
    }
    let label = format!("{flag} {}", path.display());
    let refuse_as = |shown: &str, why: String| Err(usage(format!("{flag} {shown}: {why}")));
    let target = match resolve_links(path, &label).map_err(|e| usage(format!("{e:#}")))? {
        // An open descriptor, whatever it leads to (a pipe's link names no file): whether it
        // takes the bytes is known when they are written.
        Resolved::Descriptor(fd) => {
            return match std::fs::metadata(path) {
                Ok(meta) if meta.is_dir() => {
                    refuse_as(&path.display().to_string(), "is a directory".into())
                }
                Ok(_) => Ok(()),
                Err(_) => refuse_as(
                    &path.display().to_string(),
                    format!("descriptor {fd} is not open"),
                ),
            };
        }
        Resolved::Path(target) => target,
    };
    let shown = if target == path {
        path.display().to_string()
    } else {
        format!("{} (-> {})", path.display(), target.display())
    };
    let refuse = |why: String| refuse_as(&shown, why);
    // What the kernel reaches by the path: it follows /proc's links to a pipe (another
    // process's `/proc/PID/fd/N`), which has no path to follow it by.
    for candidate in [path, target.as_path()] {
        if let Ok(meta) = std::fs::metadata(candidate) {
            let kind = meta.file_type();
            if kind.is_fifo() || kind.is_char_device() || kind.is_block_device() {
                return Ok(());
            }
        }
    }
    if let Ok(meta) = std::fs::metadata(&target) {
        let kind = meta.file_type();
        if kind.is_dir() {
            return refuse("is a directory".into());
        }
        if kind.is_socket() {
            return refuse("is a socket".into());
        }
        let denied = meta.permissions().mode() & 0o222 == 0
            || matches!(
                std::fs::OpenOptions::new().write(true).open(&target),
                Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied
            );
        if denied {
            return refuse(
                "the file is read-only (no write permission); make it writable, remove it or \
                 choose another path"
                    .into(),
            );
        }
    }
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return refuse(format!("directory {} does not exist", dir.display()));
    }
    let probe = dir.join(format!(
        ".{}-{}.probe",
        crate::report::tool(),
        std::process::id()
    ));
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
    {
        Ok(_) => {
            // Best effort: a probe that cannot be removed is only a stray empty file.
            let _ = std::fs::remove_file(&probe);
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => refuse(format!(
            "cannot create a file in directory {}: {e}",
            dir.display()
        )),
    }
}

/// `path` names the process's stdout: `-`, or descriptor 1 in any spelling (`/dev/stdout`,
/// `/dev/fd/1`, `/proc/self/fd/1`, `/proc/PID/fd/1`, or a link to one). For a tool whose
/// stdout carries its data, where a file written there would be mixed into it.
pub fn names_stdout(path: &Path) -> bool {
    path == Path::new("-") || matches!(resolve_links(path, ""), Ok(Resolved::Descriptor(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(path: &Path) -> String {
        let err = check_writable("--summary", path).unwrap_err();
        assert!(err.is::<crate::UsageError>(), "{err:#}");
        format!("{err:#}")
    }

    #[test]
    fn paths_that_take_a_file_pass() {
        let dir = tempfile::tempdir().unwrap();
        let new = dir.path().join("s.json");
        check_writable("--summary", &new).unwrap();
        assert!(!new.exists());
        std::fs::write(&new, "old").unwrap();
        check_writable("--summary", &new).unwrap();
        assert_eq!(std::fs::read_to_string(&new).unwrap(), "old");
        // devices and open descriptors are written through, whatever stdout is here
        for path in [
            "-",
            "/dev/null",
            "/dev/full",
            "/dev/stdout",
            "/dev/stderr",
            "/dev/fd/2",
            "/proc/self/fd/2",
        ] {
            check_writable("--summary", Path::new(path)).unwrap();
        }
        // a link to a descriptor is the descriptor, not the pipe or file behind it
        let link = dir.path().join("err");
        std::os::unix::fs::symlink("/dev/stderr", &link).unwrap();
        check_writable("--summary", &link).unwrap();
        // nothing but the file and the link the test made: the probe is gone
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[test]
    fn paths_that_cannot_be_written_are_refused() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("s.json");
        std::fs::write(&file, "old").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o444)).unwrap();
        let read_only = refused(&file);
        assert!(read_only.starts_with(&format!("--summary {}: ", file.display())));
        assert!(read_only.ends_with("the file is read-only (no write permission); make it writable, remove it or choose another path"));
        assert!(refused(dir.path()).ends_with(": is a directory"));
        assert!(refused(Path::new("/dev/fd")).ends_with(": is a directory"));
        assert!(refused(Path::new("/dev/fd/999999")).ends_with(": descriptor 999999 is not open"));
        assert!(refused(&dir.path().join("no/s.json")).contains("does not exist"));
        // a dangling link into a directory that does not exist: the link's target is named
        let dangling = dir.path().join("dangling");
        std::os::unix::fs::symlink(dir.path().join("gone/s.json"), &dangling).unwrap();
        let msg = refused(&dangling);
        assert!(msg.contains(" (-> "), "{msg}");
        assert!(msg.contains("gone does not exist"), "{msg}");
        // a link to the read-only file
        let link = dir.path().join("ro-link");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        assert!(refused(&link).contains("the file is read-only"));
        // a directory that takes no file, even for root
        assert!(
            refused(Path::new("/proc/self/s.json"))
                .contains("cannot create a file in directory /proc/self")
        );
        let loop_link = dir.path().join("loop");
        std::os::unix::fs::symlink(&loop_link, &loop_link).unwrap();
        assert!(refused(&loop_link).contains("too many levels of symbolic links"));
        // the flag is the caller's
        let err = check_writable("-o", dir.path()).unwrap_err();
        assert!(format!("{err:#}").starts_with("-o "), "{err:#}");
    }

    #[test]
    fn stdout_in_any_spelling() {
        let own = format!("/proc/{}/fd/1", std::process::id());
        for path in [
            "-",
            "/dev/stdout",
            "/dev/fd/1",
            "/proc/self/fd/1",
            own.as_str(),
        ] {
            assert!(names_stdout(Path::new(path)), "{path}");
        }
        for path in [
            "/dev/stderr",
            "/dev/fd/2",
            "/dev/null",
            "s.json",
            "/dev/fd/10",
        ] {
            assert!(!names_stdout(Path::new(path)), "{path}");
        }
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("out");
        std::os::unix::fs::symlink("/dev/stdout", &link).unwrap();
        assert!(names_stdout(&link));
    }
}
