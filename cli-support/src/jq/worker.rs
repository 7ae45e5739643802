//! Filters compiled and run in a child process: the tool's own binary, started again in a
//! hidden worker mode (an environment variable, read before any argument).
//!
//! jaq recurses as deep as the filter says (`def f: 1 + f; f`, thousands of nested
//! `reduce`s), and a Rust stack overflow aborts the process; nothing in-process can catch
//! it. In a child, an overflow is the child's death, which the tool reports as a clear error
//! with its own exit code; and a filter that never ends can be killed (a deadline, a signal)
//! by dropping the future of [`run_async`].
//!
//! The filter, its variables and the input go to the child through its stdin, never its
//! argv (they may hold secrets); the outputs come back on its stdout as jaq-json text, which
//! keeps every value (NaN, byte strings, exact number literals). The child evaluates on a
//! thread with a large stack ([`STACK`], reserved, only touched pages cost memory), refuses
//! to send back a value nested deeper than [`MAX_DEPTH`], and ends by itself when its parent
//! is gone.

use std::io::{Read as _, Write as _};
use std::os::unix::process::ExitStatusExt as _;
use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use super::{CompileError, Filter, RunError, Val, compile_here, run_here};
use crate::input::{MAX_DEPTH, too_deep};

/// The environment variable that makes a tool's binary a filter worker.
pub(super) const ENV_VAR: &str = "ECS_CI_TOOLS_JQ_WORKER";

/// The worker's exit code when it could not serve its request (its parent is gone, the
/// request could not be read, the answer not written, no thread could be started); the tool
/// reads the status as "the filter process failed", whatever the code. 125, as `env` and
/// `xargs` use for their own failures, apart from anything a filter could mean.
const WORKER_FAILED: i32 = 125;

/// The stack of the thread that compiles and runs a filter in the worker.
const STACK: usize = 256 << 20;

/// The tool's binary, once [`isolate`] has been called.
static EXE: OnceLock<PathBuf> = OnceLock::new();

/// Call first in a tool's `main`: in a worker process, serve the one request on stdin and
/// exit; in the tool, make every filter compile and run in a worker from now on. Without
/// this call (unit tests), filters compile and run in the calling thread.
pub fn isolate() {
    if std::env::var_os(ENV_VAR).is_some() {
        serve();
    }
    if let Ok(exe) = std::env::current_exe() {
        let _ = EXE.set(exe);
    }
}

pub(super) fn isolated() -> bool {
    EXE.get().is_some()
}

/// What a worker answers.
enum Answer {
    Compiled,
    Outputs(Vec<Val>),
    CompileError(String),
    RunError(RunError),
}

// --- the wire: length-prefixed frames ---

fn put(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&u64::try_from(bytes.len()).unwrap_or(u64::MAX).to_le_bytes());
    out.extend_from_slice(bytes);
}

struct Frames<'a>(&'a [u8]);

impl<'a> Frames<'a> {
    fn next(&mut self) -> Option<&'a [u8]> {
        let (len, rest) = self.0.split_first_chunk::<8>()?;
        let len = usize::try_from(u64::from_le_bytes(*len)).ok()?;
        if len > rest.len() {
            return None;
        }
        let (frame, rest) = rest.split_at(len);
        self.0 = rest;
        Some(frame)
    }

    fn text(&mut self) -> Option<&'a str> {
        std::str::from_utf8(self.next()?).ok()
    }

    fn count(&mut self) -> Option<usize> {
        self.text()?.parse().ok()
    }
}

fn val_text(v: &Val) -> Vec<u8> {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = jaq_json::write::write(&mut out, &jaq_json::write::Pp::default(), 0, v);
    out
}

/// Values come from a worker that checked their depth; check again before the recursive
/// parser sees them.
fn parse_val(text: &[u8]) -> Option<Val> {
    if too_deep(text).is_some() {
        return None;
    }
    jaq_json::read::parse_single(text).ok()
}

fn request(kind: &str, filter: &Filter, input: Option<&Val>) -> Vec<u8> {
    let mut out = Vec::new();
    put(&mut out, kind.as_bytes());
    put(&mut out, filter.code.as_bytes());
    put(&mut out, filter.helper_defs.as_bytes());
    put(&mut out, filter.args.len().to_string().as_bytes());
    for (name, value) in &filter.args {
        put(&mut out, name.as_bytes());
        put(&mut out, &val_text(value));
    }
    if let Some(input) = input {
        // Written in place (a large input's text is not built, then copied).
        let at = out.len();
        out.extend_from_slice(&[0; 8]);
        let _ = jaq_json::write::write(&mut out, &jaq_json::write::Pp::default(), 0, input);
        let len = u64::try_from(out.len() - at - 8).unwrap_or(u64::MAX);
        out[at..at + 8].copy_from_slice(&len.to_le_bytes());
    }
    out
}

fn decode_answer(bytes: &[u8]) -> Option<Answer> {
    let mut f = Frames(bytes);
    Some(match f.text()? {
        "compiled" => Answer::Compiled,
        "outputs" => {
            let n = f.count()?;
            let mut outputs = Vec::with_capacity(n.min(1024));
            for _ in 0..n {
                outputs.push(parse_val(f.next()?)?);
            }
            Answer::Outputs(outputs)
        }
        "compile-error" => Answer::CompileError(f.text()?.to_owned()),
        "run-error" => {
            let message = f.text()?.to_owned();
            let raised = match f.text()? {
                "text" => Some(super::Raised::Text),
                "value" => Some(super::Raised::Value),
                _ => None,
            };
            Answer::RunError(RunError { message, raised })
        }
        _ => return None,
    })
}

fn encode_answer(answer: &Answer) -> Vec<u8> {
    let mut out = Vec::new();
    match answer {
        Answer::Compiled => put(&mut out, b"compiled"),
        Answer::Outputs(outputs) => {
            put(&mut out, b"outputs");
            put(&mut out, outputs.len().to_string().as_bytes());
            for v in outputs {
                put(&mut out, &val_text(v));
            }
        }
        Answer::CompileError(message) => {
            put(&mut out, b"compile-error");
            put(&mut out, message.as_bytes());
        }
        Answer::RunError(e) => {
            put(&mut out, b"run-error");
            put(&mut out, e.message.as_bytes());
            put(
                &mut out,
                match e.raised {
                    Some(super::Raised::Text) => b"text",
                    Some(super::Raised::Value) => b"value",
                    None => b"none",
                },
            );
        }
    }
    out
}

// --- the worker ---

fn serve() -> ! {
    // An orphaned worker (the tool was killed) ends by itself.
    let parent = std::os::unix::process::parent_id();
    let _ = std::thread::Builder::new().spawn(move || {
        loop {
            std::thread::sleep(Duration::from_millis(100));
            if std::os::unix::process::parent_id() != parent {
                std::process::exit(WORKER_FAILED);
            }
        }
    });
    let mut request = Vec::new();
    if std::io::stdin().lock().read_to_end(&mut request).is_err() {
        std::process::exit(WORKER_FAILED);
    }
    let request = std::sync::Arc::new(request);
    // A panic (a bug in jaq) is answered here, not by the `join` below: the release profile
    // aborts on panic (panic = "abort": smaller binaries), so nothing unwinds to the join
    // there. The default hook prints the message first (forwarded to the tool's stderr).
    let print = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        print(info);
        answer_and_exit(&encode_answer(&crashed()));
    }));
    // Where 256 MiB cannot be reserved (a strict overcommit policy), a smaller stack still
    // runs every ordinary filter.
    let evaluation = [STACK, STACK / 16].into_iter().find_map(|size| {
        let request = request.clone();
        std::thread::Builder::new()
            .stack_size(size)
            .spawn(move || encode_answer(&answer(&request)))
            .ok()
    });
    let Some(evaluation) = evaluation else {
        eprintln!("cannot start the filter thread");
        std::process::exit(WORKER_FAILED);
    };
    let bytes = evaluation
        .join()
        .unwrap_or_else(|_| encode_answer(&crashed()));
    answer_and_exit(&bytes);
}

/// The answer for a filter whose evaluation panicked.
fn crashed() -> Answer {
    Answer::RunError(RunError {
        message: "the filter crashed (a bug in jaq)".to_owned(),
        raised: None,
    })
}

/// Send an encoded answer to the tool and end the worker.
fn answer_and_exit(bytes: &[u8]) -> ! {
    let mut stdout = std::io::stdout().lock();
    let ok = stdout
        .write_all(bytes)
        .and_then(|()| stdout.flush())
        .is_ok();
    // Exit at once: no destructor walks a deep value on the way out.
    std::process::exit(if ok { 0 } else { WORKER_FAILED });
}

fn answer(request: &[u8]) -> Answer {
    let bad = || Answer::CompileError("malformed request to the filter worker (a bug)".to_owned());
    let mut f = Frames(request);
    let (Some(kind), Some(code), Some(helpers), Some(n)) =
        (f.text(), f.text(), f.text(), f.count())
    else {
        return bad();
    };
    let mut args = Vec::with_capacity(n.min(1024));
    for _ in 0..n {
        let (Some(name), Some(value)) = (f.text(), f.next().and_then(parse_val)) else {
            return bad();
        };
        args.push((name.to_owned(), value));
    }
    // Helper definitions are 'static in the tools; the worker lives for one request.
    let helpers: &'static str = Box::leak(helpers.to_owned().into_boxed_str());
    let (compiled, vars) = match compile_here(code, helpers, &args) {
        Ok(c) => c,
        Err(e) => return Answer::CompileError(e.message),
    };
    if kind == "compile" {
        return Answer::Compiled;
    }
    let Some(input) = f.next().and_then(parse_val) else {
        return bad();
    };
    match run_here(&compiled, &vars, input) {
        Err(e) => Answer::RunError(e),
        Ok(outputs) if outputs.iter().any(|v| depth_over(v, MAX_DEPTH)) => {
            let answer = Answer::RunError(RunError {
                message: format!(
                    "the filter yielded a value nested more than {MAX_DEPTH} levels deep \
                     (the limit is {MAX_DEPTH})"
                ),
                raised: None,
            });
            // Dropping a very deep value recurses; the process ends without it.
            std::mem::forget(outputs);
            answer
        }
        Ok(outputs) => Answer::Outputs(outputs),
    }
}

/// Whether arrays and objects in `v` nest deeper than `max`, without recursion.
fn depth_over(v: &Val, max: usize) -> bool {
    let mut stack = vec![(v, 0usize)];
    while let Some((v, depth)) = stack.pop() {
        let children: Box<dyn Iterator<Item = &Val>> = match v {
            Val::Arr(items) => Box::new(items.iter()),
            Val::Obj(map) => Box::new(map.iter().flat_map(|(k, v)| [k, v])),
            _ => continue,
        };
        if depth + 1 > max {
            return true;
        }
        stack.extend(children.map(|c| (c, depth + 1)));
    }
    false
}

// --- the tool's side ---

const STACK_OVERFLOW: &str = "has overflowed its stack";

/// How a worker that did not answer ended, in words.
fn died(status: ExitStatus, stderr: &str, compiling: bool) -> String {
    if stderr.contains(STACK_OVERFLOW) {
        return if compiling {
            "the filter is nested too deeply to compile (stack overflow)".to_owned()
        } else {
            "the filter recursed too deeply (stack overflow): a recursive def that never \
             ends, or recursion as deep as the data or the filter is nested"
                .to_owned()
        };
    }
    match status.signal() {
        Some(9) => "the filter process was killed (SIGKILL; out of memory?)".to_owned(),
        Some(n) => format!("the filter process was killed by signal {n}"),
        None => {
            let last = stderr.lines().rev().find(|l| !l.trim().is_empty());
            format!(
                "the filter process failed ({status}){}",
                last.map(|l| format!(": {l}")).unwrap_or_default()
            )
        }
    }
}

/// Whatever else the worker wrote on stderr (a panic's message: a bug) goes on to the
/// tool's, without the runtime's own lines about an overflow. (jaq's `debug` and `stderr`
/// write to the `log` crate, which the tools do not set up: nothing, in or out of a worker.)
fn forward_stderr(stderr: &str) {
    let kept = match stderr.find(STACK_OVERFLOW) {
        Some(at) => {
            let line = stderr[..at].rfind("thread '").unwrap_or(at);
            stderr[..line].trim_end_matches('\n')
        }
        None => stderr,
    };
    if !kept.is_empty() {
        let _ = std::io::stderr().write_all(kept.as_bytes());
        if !kept.ends_with('\n') {
            let _ = std::io::stderr().write_all(b"\n");
        }
    }
}

fn interpret(
    result: std::io::Result<std::process::Output>,
    compiling: bool,
) -> Result<Answer, String> {
    let output = result.map_err(|e| format!("cannot run the filter in a worker process: {e}"))?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    forward_stderr(&stderr);
    if output.status.success()
        && let Some(answer) = decode_answer(&output.stdout)
    {
        return Ok(answer);
    }
    Err(died(output.status, &stderr, compiling))
}

fn command(exe: &PathBuf) -> std::process::Command {
    let mut cmd = std::process::Command::new(exe);
    cmd.env(ENV_VAR, "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

fn exchange(request: &[u8]) -> std::io::Result<std::process::Output> {
    let exe = EXE
        .get()
        .ok_or_else(|| std::io::Error::other("no worker"))?;
    let mut child = command(exe).spawn()?;
    if let Some(mut stdin) = child.stdin.take() {
        // A worker that died early (it cannot) shows in its status, not here.
        let _ = stdin.write_all(request);
    }
    child.wait_with_output()
}

/// Compile in a worker: only whether it compiles, and the message when it does not.
pub(super) fn compile(filter: &Filter) -> Result<(), CompileError> {
    let answer = interpret(exchange(&request("compile", filter, None)), true)
        .map_err(|message| CompileError { message })?;
    match answer {
        Answer::Compiled => Ok(()),
        Answer::CompileError(message) => Err(CompileError { message }),
        Answer::Outputs(_) | Answer::RunError(_) => Err(CompileError {
            message: "unexpected answer from the filter worker (a bug)".to_owned(),
        }),
    }
}

fn outputs(answer: Result<Answer, String>) -> Result<Vec<Val>, RunError> {
    match answer {
        Ok(Answer::Outputs(outputs)) => Ok(outputs),
        Ok(Answer::RunError(e)) => Err(e),
        Ok(Answer::CompileError(message)) | Err(message) => Err(RunError {
            message,
            raised: None,
        }),
        Ok(Answer::Compiled) => Err(RunError {
            message: "unexpected answer from the filter worker (a bug)".to_owned(),
            raised: None,
        }),
    }
}

/// Run in a worker and wait.
pub(super) fn run(filter: &Filter, input: Val) -> Result<Vec<Val>, RunError> {
    let request = request("run", filter, Some(&input));
    // Only its text goes to the worker: not held while the filter runs.
    drop(input);
    outputs(interpret(exchange(&request), false))
}

/// Run in a worker; dropping the future kills it (a deadline, a signal).
#[cfg(feature = "tokio")]
pub(super) async fn run_async(filter: &Filter, input: Val) -> Result<Vec<Val>, RunError> {
    use tokio::io::AsyncWriteExt as _;
    let request = request("run", filter, Some(&input));
    // Neither the input nor its text is held while the filter runs (a large input would be
    // in memory three times: here, on the wire, in the worker).
    drop(input);
    let result = async {
        let exe = EXE
            .get()
            .ok_or_else(|| std::io::Error::other("no worker"))?;
        let mut child = tokio::process::Command::from(command(exe))
            .kill_on_drop(true)
            .spawn()?;
        if let Some(mut stdin) = child.stdin.take() {
            let _ = stdin.write_all(&request).await;
        }
        drop(request);
        child.wait_with_output().await
    }
    .await;
    outputs(interpret(result, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_survive_the_wire() {
        let v = jaq_json::read::parse_single(
            br#"[NaN, b"\xff", {"1": 12345678901234567890123}, -Infinity]"#,
        )
        .unwrap();
        let bytes = encode_answer(&Answer::Outputs(vec![v.clone(), Val::Null]));
        let Some(Answer::Outputs(back)) = decode_answer(&bytes) else {
            panic!("no outputs");
        };
        assert_eq!(back.len(), 2);
        assert_eq!(back[0].to_string(), v.to_string());
        let bytes = encode_answer(&Answer::RunError(RunError {
            message: "boom".to_owned(),
            raised: Some(super::super::Raised::Text),
        }));
        let Some(Answer::RunError(e)) = decode_answer(&bytes) else {
            panic!("no error");
        };
        assert_eq!(
            (e.message.as_str(), e.raised),
            ("boom", Some(super::super::Raised::Text))
        );
        assert!(decode_answer(&bytes[..bytes.len() - 1]).is_none());
    }

    #[test]
    fn depth_is_measured_without_recursion() {
        let deep = format!("{}{}", "[".repeat(200_000), "]".repeat(200_000));
        // The parser recurses: build the value in the filter instead.
        let f = super::super::compile("reduce range(10000) as $i (0; [.])", &[]).unwrap();
        let out = f.run(Val::Null).unwrap();
        assert!(depth_over(&out[0], MAX_DEPTH));
        assert!(!depth_over(&Val::Null, 0));
        std::mem::forget(out);
        assert!(too_deep(deep.as_bytes()).is_some());
    }
}
