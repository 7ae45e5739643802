//! A tool running in the background, for tests that act while it runs (send a signal, start
//! a server, write the logs it follows): its stderr can be watched as it comes, every wait has
//! a deadline, and it is killed and reaped if the test ends first, so a failed test leaves
//! nothing running against a shared server.

use std::io::Read;
use std::process::{Child, ChildStdout, Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long the waits below give the tool (generous: the machine may be loaded).
pub const PATIENCE: Duration = Duration::from_mins(1);

/// The signals a tool handles, with the exit code it then documents (the shell's 128 + N).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sig {
    Int,
    Term,
}

impl Sig {
    pub fn number(self) -> i32 {
        match self {
            Sig::Int => libc::SIGINT,
            Sig::Term => libc::SIGTERM,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Sig::Int => "SIGINT",
            Sig::Term => "SIGTERM",
        }
    }

    pub fn code(self) -> i32 {
        128 + self.number()
    }
}

/// A child process with its stderr (and, on request, stdout) read in the background.
pub struct Running {
    child: Child,
    name: String,
    stdout: Option<JoinHandle<Vec<u8>>>,
    stderr: Option<JoinHandle<Vec<u8>>>,
    stderr_so_far: Arc<Mutex<Vec<u8>>>,
}

impl Running {
    /// Start `cmd` with stdin closed and stdout and stderr piped. stdout stays with the
    /// child until [`Running::collect_stdout`] or [`Running::take_stdout`].
    pub fn start(cmd: &mut Command) -> Running {
        let name = cmd
            .get_program()
            .to_string_lossy()
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_owned();
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        let mut stderr = child.stderr.take().expect("stderr is piped");
        let stderr_so_far = Arc::new(Mutex::new(Vec::new()));
        let shared = stderr_so_far.clone();
        let reader = std::thread::spawn(move || {
            let mut chunk = [0; 4096];
            loop {
                match stderr.read(&mut chunk) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => shared.lock().unwrap().extend_from_slice(&chunk[..n]),
                }
            }
            shared.lock().unwrap().clone()
        });
        Running {
            child,
            name,
            stdout: None,
            stderr: Some(reader),
            stderr_so_far,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Send `sig` to the process (a real signal; the child is not reaped before
    /// [`Running::wait`], so its PID cannot have been reused).
    pub fn signal(&self, sig: Sig) {
        let pid = libc::pid_t::try_from(self.pid()).expect("a PID fits pid_t");
        // SAFETY: kill(2) takes plain integers and touches no memory of this process.
        #[allow(unsafe_code)]
        let rc = unsafe { libc::kill(pid, sig.number()) };
        assert_eq!(rc, 0, "kill({pid}, {}) failed", sig.name());
    }

    /// Read stdout in the background; [`Running::wait`] returns it.
    pub fn collect_stdout(&mut self) {
        let mut out = self.take_stdout();
        self.stdout = Some(std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = out.read_to_end(&mut buf);
            buf
        }));
    }

    /// stdout, for a test that reads it itself (or closes it).
    pub fn take_stdout(&mut self) -> ChildStdout {
        self.child.stdout.take().expect("stdout was already taken")
    }

    /// What the tool wrote on stderr so far.
    pub fn stderr_so_far(&self) -> String {
        String::from_utf8_lossy(&self.stderr_so_far.lock().unwrap()).into_owned()
    }

    /// Wait until stderr contains `needle`; panics with stderr if the tool exits first or
    /// takes longer than [`PATIENCE`].
    pub fn wait_for_stderr(&mut self, needle: &str) {
        self.wait_until(&format!("printing {needle:?}"), |r| {
            r.stderr_so_far().contains(needle).then_some(())
        });
    }

    /// Poll `check` until it gives a value; panics with stderr if the tool exits first or
    /// takes longer than [`PATIENCE`]. `what` completes "<tool> ... before WHAT".
    pub fn wait_until<T>(&mut self, what: &str, mut check: impl FnMut(&Running) -> Option<T>) -> T {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(value) = check(self) {
                return value;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                let stderr = self.stop_and_read_stderr();
                panic!(
                    "{} exited ({status}) before {what}; stderr:\n{stderr}",
                    self.name
                );
            }
            if Instant::now() > deadline {
                let stderr = self.stop_and_read_stderr();
                panic!(
                    "{} was not done {what} within {PATIENCE:?}; stderr:\n{stderr}",
                    self.name
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn stop_and_read_stderr(&mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let bytes = self
            .stderr
            .take()
            .map(|h| h.join().unwrap())
            .unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// Wait for the exit (within [`PATIENCE`]): status, the collected stdout (empty unless
    /// [`Running::collect_stdout`] was called), all of stderr.
    pub fn wait(mut self) -> Output {
        let deadline = Instant::now() + PATIENCE;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                break status;
            }
            if Instant::now() > deadline {
                let stderr = self.stop_and_read_stderr();
                panic!(
                    "{} did not exit within {PATIENCE:?}; stderr:\n{stderr}",
                    self.name
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let join =
            |h: Option<JoinHandle<Vec<u8>>>| h.map(|h| h.join().unwrap()).unwrap_or_default();
        Output {
            status,
            stdout: join(self.stdout.take()),
            stderr: join(self.stderr.take()),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
