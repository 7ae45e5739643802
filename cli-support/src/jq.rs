//! jq filters with jaq (jaq-core, jaq-std, jaq-json): compile once with `--arg` variables and
//! optional helper definitions, run on values, report errors readably.
//!
//! Every filter sees `$ENV` (the environment as an object, as in jq) and `$__loc__`; `env`
//! comes from jaq-std.
//!
//! A tool that calls [`isolate`] first in `main` compiles and runs every filter in a child
//! process (see `worker`): a filter that recurses without end or is nested too deeply is an
//! error with the tool's own exit code, not an abort, and a busy filter can be cancelled
//! ([`Filter::run_async`]).

mod worker;

use std::fmt;

use jaq_core::load::{Arena, File, Loader};
use jaq_core::{Compiler, Ctx, Vars, data, unwrap_valr};
pub use jaq_json::Val;
pub use worker::isolate;

use crate::json_path::JsonPath;

type JaqFilter = jaq_core::Filter<data::JustLut<Val>>;

/// A compiled filter with the values of its global variables.
pub struct Filter {
    code: String,
    helper_defs: &'static str,
    /// The variables as given (names without `$`), for a worker to compile the same filter.
    args: Vec<(String, Val)>,
    /// The filter compiled in this process, with the values of its global variables; `None`
    /// when filters run in a worker ([`isolate`]).
    here: Option<(JaqFilter, Vec<Val>)>,
}

impl fmt::Debug for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Filter")
            .field("code", &self.code)
            .finish_non_exhaustive()
    }
}

/// A filter that does not parse or compile: the message and a caret under the place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileError {
    pub message: String,
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CompileError {}

/// A filter that failed while running (`error("...")`, `.a` on a number, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunError {
    pub message: String,
    /// Whether the error is a value the filter raised (`error(x)`, and the built-ins that
    /// raise their own message): its text may be built from the data, whole or in pieces.
    /// `None` for jaq's own messages about a type or an index.
    pub raised: Option<Raised>,
}

/// What kind of value a filter raised as its error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Raised {
    /// A string: the message is that string.
    Text,
    /// Anything else: the message is the value as JSON.
    Value,
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RunError {}

/// What kind of failure a [`RunError`] is, without any value from the data: what a tool
/// prints instead of the message when the data may be secret (the message may quote the
/// data whole, in pieces or transformed, which no redaction recognises).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// `error(x)`, or a built-in that raises its own message (`fromdate`, `test`, `implode`...).
    Raised,
    /// `cannot use X as T` (a value of the wrong type).
    Type,
    /// `cannot index X with Y`.
    Index,
    /// `cannot calculate X + Y`.
    Arithmetic,
    /// `invalid path expression with input X`.
    Path,
    /// Recursion or nesting too deep for the stack.
    TooDeep,
    /// Anything else.
    Other,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ErrorKind::Raised => "the filter raised an error (error/1 or a built-in function)",
            ErrorKind::Type => "type error (a value of the wrong type)",
            ErrorKind::Index => "cannot index (a key or index on the wrong type)",
            ErrorKind::Arithmetic => "arithmetic error (an operator on the wrong types)",
            ErrorKind::Path => "invalid path expression",
            ErrorKind::TooDeep => "stack too deep (recursion or nesting)",
            ErrorKind::Other => "the filter failed",
        })
    }
}

impl RunError {
    /// The kind of failure, read from jaq's message templates (a raised value is never
    /// looked at: its text is the data's).
    pub fn kind(&self) -> ErrorKind {
        if self.raised.is_some() {
            return ErrorKind::Raised;
        }
        let m = self.message.as_str();
        if m.starts_with("cannot use ") {
            ErrorKind::Type
        } else if m.starts_with("cannot index ") {
            ErrorKind::Index
        } else if m.starts_with("cannot calculate ") {
            ErrorKind::Arithmetic
        } else if m.starts_with("invalid path expression") {
            ErrorKind::Path
        } else if ["too deep", "stack", "recursion"]
            .iter()
            .any(|w| m.to_ascii_lowercase().contains(w))
        {
            ErrorKind::TooDeep
        } else {
            ErrorKind::Other
        }
    }
}

/// Pair up the values of a repeated `--arg NAME VALUE` option (clap collects them flat).
pub fn arg_pairs(flat: &[String]) -> Vec<(String, String)> {
    flat.chunks_exact(2)
        .map(|p| (p[0].clone(), p[1].clone()))
        .collect()
}

/// Compile `code` with string variables (`--arg NAME VALUE` makes `$NAME`).
pub fn compile(code: &str, args: &[(String, String)]) -> Result<Filter, CompileError> {
    let vars = args
        .iter()
        .map(|(name, value)| (name.clone(), Val::from(value.clone())));
    compile_with(code, "", vars)
}

/// Compile `code` after helper definitions (`def strip_port: ...;`, written in jq) and with
/// variables of any value.
pub fn compile_with(
    code: &str,
    helper_defs: &'static str,
    vars: impl IntoIterator<Item = (String, Val)>,
) -> Result<Filter, CompileError> {
    let mut filter = Filter {
        code: code.to_owned(),
        helper_defs,
        args: vars.into_iter().collect(),
        here: None,
    };
    if worker::isolated() {
        worker::compile(&filter)?;
    } else {
        filter.here = Some(compile_here(code, helper_defs, &filter.args)?);
    }
    Ok(filter)
}

/// Compile in this process (in a worker, or without one).
fn compile_here(
    code: &str,
    helper_defs: &'static str,
    args: &[(String, Val)],
) -> Result<(JaqFilter, Vec<Val>), CompileError> {
    let (mut names, mut values): (Vec<String>, Vec<Val>) = args
        .iter()
        .map(|(name, value)| (format!("${name}"), value.clone()))
        .unzip();
    names.insert(0, "$ENV".to_owned());
    values.insert(0, env_object());

    let helpers = if helper_defs.is_empty() {
        Vec::new()
    } else {
        jaq_core::load::parse(helper_defs, |p| p.defs()).ok_or_else(|| CompileError {
            message: "the built-in helper definitions do not parse (a bug)".to_owned(),
        })?
    };
    let defs = jaq_core::defs()
        .chain(jaq_std::defs())
        .chain(jaq_json::defs())
        .chain(helpers);
    let funs = jaq_core::funs()
        .chain(jaq_std::funs())
        .chain(jaq_json::funs());

    let arena = Arena::default();
    let modules = Loader::new(defs)
        .load(&arena, File { code, path: () })
        .map_err(|errs| CompileError {
            message: load_message(code, errs),
        })?;
    let filter = Compiler::default()
        .with_funs(funs)
        .with_global_vars(names.iter().map(String::as_str))
        .compile(modules)
        .map_err(|errs| CompileError {
            message: compile_message(code, errs),
        })?;
    Ok((filter, values))
}

fn env_object() -> Val {
    let map = std::env::vars_os()
        .filter(|(k, _)| k != worker::ENV_VAR)
        .map(|(k, v)| {
            (
                Val::from(k.to_string_lossy().into_owned()),
                Val::from(v.to_string_lossy().into_owned()),
            )
        })
        .collect();
    Val::obj(map)
}

/// `message at column N:` + the line of code + a caret. `found` must be a slice of `code`
/// for a position to be shown.
fn locate(code: &str, found: &str, message: &str) -> String {
    let start = found.as_ptr() as usize;
    let base = code.as_ptr() as usize;
    if start < base || start + found.len() > base + code.len() {
        return message.to_owned();
    }
    let offset = start - base;
    let line_start = code[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = code[offset..].find('\n').map_or(code.len(), |i| offset + i);
    let line_no = code[..offset].matches('\n').count() + 1;
    let column = code[line_start..offset].chars().count() + 1;
    let width = found.chars().count().max(1);
    let position = if code.contains('\n') {
        format!("line {line_no}, column {column}")
    } else {
        format!("column {column}")
    };
    format!(
        "{message} at {position}\n    {}\n    {}{}",
        &code[line_start..line_end],
        " ".repeat(column - 1),
        "^".repeat(width)
    )
}

fn load_message<P>(code: &str, errs: jaq_core::load::Errors<&str, P>) -> String {
    use jaq_core::load::Error;
    let mut out = Vec::new();
    for (_file, err) in errs {
        match err {
            Error::Io(errs) => out.extend(errs.into_iter().map(|(path, e)| format!("{path}: {e}"))),
            Error::Lex(errs) => out.extend(errs.into_iter().map(|(expected, found)| {
                let found = &found[..found.char_indices().nth(1).map_or(found.len(), |(i, _)| i)];
                let what = if found.is_empty() {
                    "unexpected end of filter".to_owned()
                } else {
                    format!("unexpected {found:?}")
                };
                locate(
                    code,
                    found,
                    &format!("{what}, expected {}", expected.as_str()),
                )
            })),
            Error::Parse(errs) => out.extend(errs.into_iter().map(|(expected, found)| {
                let what = if found.is_empty() {
                    "unexpected end of filter"
                } else {
                    "unexpected token"
                };
                locate(
                    code,
                    found,
                    &format!("{what}, expected {}", expected.as_str()),
                )
            })),
        }
    }
    out.join("\n")
}

fn compile_message<P>(code: &str, errs: jaq_core::compile::Errors<&str, P>) -> String {
    use jaq_core::compile::Undefined;
    let mut out = Vec::new();
    for (_file, errs) in errs {
        for (found, undefined) in errs {
            let message = match undefined {
                Undefined::Filter(arity) => format!("undefined filter {found}/{arity}"),
                Undefined::Var => {
                    format!("undefined variable {found} (pass it with --arg NAME VALUE)")
                }
                other => format!("undefined {} {found}", other.as_str()),
            };
            out.push(locate(code, found, &message));
        }
    }
    out.join("\n")
}

impl Filter {
    /// The filter's source.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// Run on one input and collect every output; the first error stops the run.
    pub fn run(&self, input: Val) -> Result<Vec<Val>, RunError> {
        match &self.here {
            Some((compiled, vars)) => run_here(compiled, vars, input),
            None => worker::run(self, input),
        }
    }

    /// [`Filter::run`] that yields while the filter runs, for async tools; dropping the
    /// future (a deadline, a signal) kills the worker.
    #[cfg(feature = "tokio")]
    pub async fn run_async(&self, input: Val) -> Result<Vec<Val>, RunError> {
        match &self.here {
            Some((compiled, vars)) => run_here(compiled, vars, input),
            None => worker::run_async(self, input).await,
        }
    }

    /// Run on a serde_json value and convert the outputs back.
    pub fn run_json(&self, input: &serde_json::Value) -> Result<Vec<serde_json::Value>, RunError> {
        self.run(from_json(input))?.iter().map(to_json).collect()
    }
}

/// Run in this process (in a worker, or without one).
fn run_here(compiled: &JaqFilter, vars: &[Val], input: Val) -> Result<Vec<Val>, RunError> {
    let ctx = Ctx::<data::JustLut<Val>>::new(&compiled.lut, Vars::new(vars.iter().cloned()));
    compiled
        .id
        .run((ctx, input))
        .map(unwrap_valr)
        .map(|r| {
            r.map_err(|e| {
                // jaq's own messages come back from into_val as a string of their text;
                // a raised value comes back as itself, whose JSON text is the error's.
                let text = e.to_string();
                let value = e.into_val();
                let raised = (value.to_string() == text).then_some(match value {
                    Val::TStr(_) => Raised::Text,
                    _ => Raised::Value,
                });
                RunError {
                    message: shorten(match value {
                        Val::TStr(s) => String::from_utf8_lossy(&s).into_owned(),
                        other => other.to_string(),
                    }),
                    raised,
                }
            })
        })
        .collect()
}

/// At most this many characters of a run error: jaq quotes whole values in its messages
/// (`cannot index [...] with "x"`), and a task definition or a state is no message.
const MAX_MESSAGE: usize = 300;

fn shorten(message: String) -> String {
    match message.char_indices().nth(MAX_MESSAGE) {
        Some((at, _)) => format!("{}…", &message[..at]),
        None => message,
    }
}

/// A serde_json value as a jaq value. Integers become jaq integers (exact, any size); every
/// other number (`1.50`, `1E+2`, `-0`) keeps its text as a jaq decimal, written back as it
/// came unless the filter computes with it (then it is a 64-bit float).
pub fn from_json(value: &serde_json::Value) -> Val {
    use serde_json::Value as Json;
    match value {
        Json::Null => Val::Null,
        Json::Bool(b) => Val::Bool(*b),
        Json::Number(n) => Val::Num(number(&n.to_string())),
        Json::String(s) => Val::from(s.clone()),
        Json::Array(items) => items.iter().map(from_json).collect(),
        Json::Object(map) => Val::obj(
            map.iter()
                .map(|(k, v)| (Val::from(k.clone()), from_json(v)))
                .collect(),
        ),
    }
}

/// [`from_json`] for a value the caller gives up: each part is freed once converted, so
/// that a large document is not held twice (as serde_json's and as jaq's) while it is
/// converted.
pub fn into_jaq(value: serde_json::Value) -> Val {
    use serde_json::Value as Json;
    match value {
        Json::Null => Val::Null,
        Json::Bool(b) => Val::Bool(b),
        Json::Number(n) => Val::Num(number(&n.to_string())),
        Json::String(s) => Val::from(s),
        Json::Array(items) => items.into_iter().map(into_jaq).collect(),
        Json::Object(map) => Val::obj(
            map.into_iter()
                .map(|(k, v)| (Val::from(k), into_jaq(v)))
                .collect(),
        ),
    }
}

/// A JSON number's text as a jaq number (see [`from_json`]).
fn number(text: &str) -> jaq_json::Num {
    use jaq_json::Num;
    let integer = (text != "-0")
        .then(|| Num::from_str_radix(text, 10))
        .flatten();
    integer.unwrap_or_else(|| Num::Dec(jaq_json::Rc::new(text.to_owned())))
}

/// A jaq value as a serde_json value; fails for values JSON cannot hold (NaN, byte strings,
/// non-string object keys).
pub fn to_json(value: &Val) -> Result<serde_json::Value, RunError> {
    serde_json::from_str(&value.to_string()).map_err(|_| RunError {
        raised: None,
        // The path and kind, not the value: the value may be a whole document.
        message: format!(
            "the filter produced a value that is not JSON: {}",
            not_json(value, &mut JsonPath::root()).unwrap_or_else(|| "a value".to_owned())
        ),
    })
}

/// Where in `value` JSON cannot follow, and why: `NaN at .x`.
fn not_json<'v>(value: &'v Val, path: &mut JsonPath<'v>) -> Option<String> {
    let at = |what: &str, path: &JsonPath<'_>| Some(format!("{what} at {path}"));
    match value {
        Val::Num(n) => {
            let text = n.to_string();
            let ok = serde_json::from_str::<serde_json::Value>(&text).is_ok();
            if ok {
                None
            } else {
                at(&format!("the number {text}"), path)
            }
        }
        Val::BStr(_) => at("a byte string", path),
        Val::Arr(items) => items.iter().enumerate().find_map(|(i, v)| {
            path.push_index(i);
            let found = not_json(v, path);
            path.pop();
            found
        }),
        Val::Obj(map) => map.iter().find_map(|(k, v)| {
            let Val::TStr(key) = k else {
                return at(&format!("the non-string key {k}"), path);
            };
            path.push_key(String::from_utf8_lossy(key));
            let found = not_json(v, path);
            path.pop();
            found
        }),
        Val::Null | Val::Bool(_) | Val::TStr(_) => None,
    }
}

/// Names of environment variables a filter reads as `env.NAME`, `$ENV.NAME`, `env["NAME"]`
/// or `$ENV["NAME"]`, in order of appearance, without repeats.
pub fn referenced_env_vars(code: &str) -> Vec<String> {
    let mut names = Vec::new();
    for (i, _) in code.match_indices("env") {
        let before = &code[..i];
        let is_word_start = before
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == '.'));
        let is_word_end = !code[i + 3..].starts_with(|c: char| c.is_alphanumeric() || c == '_');
        if is_word_start && is_word_end {
            names.extend(name_after(&code[i + 3..]));
        }
    }
    for (i, _) in code.match_indices("$ENV") {
        names.extend(name_after(&code[i + 4..]));
    }
    let mut seen = std::collections::HashSet::new();
    names.retain(|n| seen.insert(n.clone()));
    names
}

fn name_after(rest: &str) -> Option<String> {
    let rest = rest.trim_start();
    if let Some(r) = rest.strip_prefix('.') {
        let name: String = r
            .trim_start()
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        return (!name.is_empty()).then_some(name);
    }
    let r = rest.strip_prefix('[')?.trim_start().strip_prefix('"')?;
    let end = r.find('"')?;
    Some(r[..end].to_owned())
}

#[cfg(test)]
mod tests;
