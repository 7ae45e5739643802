//! A tool's peak memory: run it to its end and read the largest resident set it had, from
//! the kernel's own account (`wait4`'s `ru_maxrss`), not from polling.
//!
//! Not `wait4` on the tool as this process's child: Linux keeps, as the high-water mark of a
//! process that execs, the one of the memory it had before (the kernel's `exec_mmap`), and a
//! child spawned from a test binary starts out with the test process's memory (with
//! `posix_spawn`, its very memory): the figure would be the test's own whenever that is
//! larger. So a small Python process starts the tool and reports its `ru_maxrss`: the floor
//! of the figure is that Python process's high-water mark (about 10 MiB).

use std::io::{Read as _, Write as _};
use std::process::{Command, Output, Stdio};

use crate::tools::find_tool;

/// What [`run`] gives: the tool's output and its peak resident set in KiB.
pub struct Measured {
    pub output: Output,
    pub peak_kib: u64,
}

impl Measured {
    /// The peak resident set in MiB (rounded down), for messages and bounds.
    pub fn peak_mib(&self) -> u64 {
        self.peak_kib / 1024
    }
}

/// Starts argv[2:] with the default SIGPIPE (Python ignores it), waits, writes its
/// `ru_maxrss` (KiB on Linux) to argv[1], and ends as it ended (its code, or its signal).
const SPAWNER: &str = r#"
import os, signal, sys
out, argv = sys.argv[1], sys.argv[2:]
pid = os.posix_spawnp(argv[0], argv, os.environ, setsigdef=(signal.SIGPIPE,))
_, status, usage = os.wait4(pid, 0)
with open(out, "w") as f:
    f.write(str(usage.ru_maxrss))
if os.WIFSIGNALED(status):
    signal.signal(os.WTERMSIG(status), signal.SIG_DFL)
    os.kill(os.getpid(), os.WTERMSIG(status))
sys.exit(os.WEXITSTATUS(status))
"#;

/// Run `cmd` (its program, arguments, environment changes and directory) with `stdin`
/// written to it (then closed), stdout and stderr collected; its exit status and peak
/// resident set (see the module doc).
///
/// # Panics
/// When python3 is not installed, or the command cannot be started or waited for.
pub fn run(cmd: &mut Command, stdin: Vec<u8>) -> Measured {
    let python = find_tool("python3").expect("python3, which measures a tool's peak memory");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let report = dir.path().join("maxrss");
    let mut spawner = Command::new(python);
    spawner
        .args(["-I", "-c", SPAWNER])
        .arg(&report)
        .arg(cmd.get_program())
        .args(cmd.get_args());
    for (name, value) in cmd.get_envs() {
        match value {
            Some(value) => spawner.env(name, value),
            None => spawner.env_remove(name),
        };
    }
    if let Some(dir) = cmd.get_current_dir() {
        spawner.current_dir(dir);
    }
    let mut child = spawner
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the tool");
    let mut input = child.stdin.take().expect("stdin is piped");
    let writer = std::thread::spawn(move || {
        // The tool may stop reading early (an input it refuses): not an error here.
        let _ = input.write_all(&stdin);
    });
    let mut stderr = child.stderr.take().expect("stderr is piped");
    let stderr = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr.read_to_end(&mut buf);
        buf
    });
    let mut stdout = Vec::new();
    let _ = child
        .stdout
        .take()
        .expect("stdout is piped")
        .read_to_end(&mut stdout);
    let status = child.wait().expect("wait for the tool");
    writer.join().expect("the stdin writer");
    let stderr = stderr.join().expect("the stderr reader");
    let peak = std::fs::read_to_string(&report).unwrap_or_else(|e| {
        panic!(
            "no peak memory reported ({e}); stderr:\n{}",
            String::from_utf8_lossy(&stderr)
        )
    });
    Measured {
        output: Output {
            status,
            stdout,
            stderr,
        },
        peak_kib: peak.trim().parse().expect("a number of KiB"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_peak_of_the_tool_is_measured_and_not_the_callers() {
        // This process holds 300 MB; the tools it measures do not.
        let ballast = vec![1u8; 300 << 20];
        let small = run(&mut Command::new("cat"), b"hello".to_vec());
        assert_eq!(small.output.stdout, b"hello");
        assert!(small.output.status.success());
        assert!(small.peak_mib() < 30, "{} MiB", small.peak_mib());
        // A process that holds 100 MB: seen.
        let big = run(
            Command::new("python3").args(["-c", "x = bytearray(100 << 20); print(len(x))"]),
            Vec::new(),
        );
        assert_eq!(
            String::from_utf8_lossy(&big.output.stdout).trim(),
            "104857600"
        );
        assert!(
            (100..200).contains(&big.peak_mib()),
            "{} MiB",
            big.peak_mib()
        );
        // Exit codes and signals come through.
        let failed = run(Command::new("sh").args(["-c", "exit 3"]), Vec::new());
        assert_eq!(failed.output.status.code(), Some(3));
        let killed = run(Command::new("sh").args(["-c", "kill -TERM $$"]), Vec::new());
        assert_eq!(
            std::os::unix::process::ExitStatusExt::signal(&killed.output.status),
            Some(15)
        );
        drop(ballast);
    }
}
