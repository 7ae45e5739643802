//! Reading a tool's input: `-f FILE`, `-f -` or stdin; never hanging on a terminal.

use std::fmt;
use std::io::{self, IsTerminal as _, Read};
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::report::usage;

mod stream;

pub use stream::{JsonInput, read_json_input};

/// `-f/--file FILE`: flatten into a tool's arguments.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct InputArgs {
    /// Read the input from FILE instead of stdin ('-' means stdin).
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Option<PathBuf>,
}

/// Where the input came from, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Stdin,
    File(PathBuf),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Stdin => f.write_str("<stdin>"),
            Source::File(p) => write!(f, "{}", p.display()),
        }
    }
}

/// The bytes of the input and where they came from.
#[derive(Debug, Clone)]
pub struct Input {
    pub source: Source,
    pub bytes: Vec<u8>,
}

/// The most a tool reads of one input, and what to tell a user whose input is larger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub bytes: u64,
    /// What to do instead, after "larger than N, the limit; ".
    pub hint: &'static str,
}

/// A JSON document (`-f FILE` or stdin): 64 MiB, a thousand times the largest ECS task
/// definition (64 KiB) and room for a large Terraform state's outputs.
pub const JSON_LIMIT: Limit = Limit {
    bytes: 64 << 20,
    hint: "is it the right file?",
};

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.bytes;
        if b >= 1 << 20 && b.is_multiple_of(1 << 20) {
            write!(f, "{} MiB", b >> 20)
        } else if b >= 1 << 10 && b.is_multiple_of(1 << 10) {
            write!(f, "{} KiB", b >> 10)
        } else {
            write!(f, "{b} bytes")
        }
    }
}

/// Input larger than its [`Limit`]: reading stopped there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooLarge(pub Limit);

impl fmt::Display for TooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "larger than {}, the limit; {}", self.0, self.0.hint)
    }
}

impl std::error::Error for TooLarge {}

/// Read `reader` to its end, but never more than `limit.bytes`: past them reading stops
/// (nothing more is read or allocated) with a [`TooLarge`] error (inside the `io::Error`,
/// kind `FileTooLarge`).
pub fn read_limited(mut reader: impl Read, limit: Limit) -> io::Result<Vec<u8>> {
    let most = usize::try_from(limit.bytes).unwrap_or(usize::MAX);
    let too_large = || io::Error::new(io::ErrorKind::FileTooLarge, TooLarge(limit));
    let mut bytes = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = match reader.read(&mut chunk) {
            Ok(0) => return Ok(bytes),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n > most - bytes.len() {
            return Err(too_large());
        }
        if bytes.capacity() - bytes.len() < n {
            // Double, as a Vec would, but never past the limit.
            let want = (bytes.capacity() * 2).clamp(bytes.len() + n, most);
            bytes.reserve_exact(want - bytes.len());
        }
        bytes.extend_from_slice(&chunk[..n]);
    }
}

/// Read the file at `path`, at most `limit.bytes` (see [`read_limited`]); a regular file
/// larger than that is refused before it is read.
pub fn read_file_limited(path: &Path, limit: Limit) -> io::Result<Vec<u8>> {
    read_limited(open_file_limited(path, limit)?, limit)
}

/// Open a file for reading, refusing a regular file larger than `limit` before it is read
/// (a FIFO or a device has no size: [`read_limited`] stops it at the limit).
fn open_file_limited(path: &Path, limit: Limit) -> io::Result<std::fs::File> {
    let file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    if meta.is_file() && meta.len() > limit.bytes {
        return Err(io::Error::new(io::ErrorKind::FileTooLarge, TooLarge(limit)));
    }
    Ok(file)
}

impl InputArgs {
    /// Read the whole input, at most [`JSON_LIMIT`]. `what` names it in messages
    /// ("describe-task-definition JSON"), `example` shows how to pipe it in, for the hint
    /// printed when stdin is a terminal.
    pub fn read(&self, what: &str, example: &str) -> anyhow::Result<Input> {
        read_input(self.file.as_deref(), what, example)
    }
}

/// See [`InputArgs::read`].
pub fn read_input(file: Option<&Path>, what: &str, example: &str) -> anyhow::Result<Input> {
    read_input_limited(file, what, example, JSON_LIMIT)
}

/// [`read_input`] with another limit than [`JSON_LIMIT`] (a request body, for example), or
/// the same number of bytes with a hint of the tool's own.
pub fn read_input_limited(
    file: Option<&Path>,
    what: &str,
    example: &str,
    limit: Limit,
) -> anyhow::Result<Input> {
    let (source, reader) = open_input(file, what, example, limit)?;
    let bytes = read_limited(reader, limit).with_context(|| match &source {
        Source::Stdin => format!("cannot read {what} from stdin"),
        Source::File(path) => format!("cannot read {what} from {}", path.display()),
    })?;
    Ok(Input { source, bytes })
}

/// Open `-f FILE`, `-` or stdin for reading (stdin a terminal: a usage error with the hint;
/// a regular file larger than `limit` is refused before it is read).
fn open_input(
    file: Option<&Path>,
    what: &str,
    example: &str,
    limit: Limit,
) -> anyhow::Result<(Source, Box<dyn Read>)> {
    match file {
        Some(path) if path != Path::new("-") => {
            let file = open_file_limited(path, limit)
                .with_context(|| format!("cannot read {what} from {}", path.display()))?;
            Ok((Source::File(path.to_owned()), Box::new(file)))
        }
        _ => {
            let stdin = io::stdin().lock();
            if stdin.is_terminal() {
                return Err(usage(format!(
                    "expected {what} on stdin, but stdin is a terminal; pipe it in \
                     ({example}) or pass -f FILE"
                )));
            }
            Ok((Source::Stdin, Box::new(stdin)))
        }
    }
}

/// A JSON syntax error with its position, shown as `<source>: invalid JSON at line L,
/// column C: <what the parser expected>`.
#[derive(Debug)]
pub struct JsonSyntaxError {
    pub source: Source,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for JsonSyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: invalid JSON at line {}, column {}: {}",
            self.source, self.line, self.column, self.message
        )
    }
}

impl std::error::Error for JsonSyntaxError {}

impl Input {
    /// Parse the input as one JSON document (serde_json, key order kept).
    pub fn json(&self) -> Result<serde_json::Value, JsonSyntaxError> {
        parse_json(&self.bytes, &self.source)
    }
}

/// How deep arrays and objects may nest in any JSON the tools read (and in what a filter
/// yields): far above any task definition, Terraform output or health answer, and low enough
/// that no parser, filter or writer of the tools can run out of stack on it.
pub const MAX_DEPTH: usize = 100;

/// The byte offset of the first `[` or `{` nested deeper than [`MAX_DEPTH`] (outside strings
/// and `#` comments), found without recursion: check before handing bytes to a recursive
/// parser.
pub fn too_deep(bytes: &[u8]) -> Option<usize> {
    let (mut depth, mut in_string, mut escaped, mut in_comment) = (0usize, false, false, false);
    for (i, &b) in bytes.iter().enumerate() {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        if in_comment {
            in_comment = b != b'\n';
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'#' => in_comment = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Some(i);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// The message for input nested deeper than [`MAX_DEPTH`].
pub fn too_deep_message() -> String {
    format!(
        "arrays and objects nested more than {MAX_DEPTH} levels deep (the limit is {MAX_DEPTH})"
    )
}

/// A [`JsonSyntaxError`] when `bytes` nest deeper than [`MAX_DEPTH`].
pub fn check_depth(bytes: &[u8], source: &Source) -> Result<(), JsonSyntaxError> {
    match too_deep(bytes) {
        None => Ok(()),
        Some(offset) => {
            let (line, column) = line_column(bytes, offset);
            Err(JsonSyntaxError {
                source: source.clone(),
                line,
                column,
                message: too_deep_message(),
            })
        }
    }
}

/// What a document that starts with a UTF-8 byte order mark (which JSON does not allow, and
/// some Windows editors write) is told.
pub const BOM_MESSAGE: &str = "starts with a UTF-8 BOM: save it without one";

/// Parse one JSON document; an empty input is reported as such, and so are one that starts
/// with a UTF-8 BOM and one nested deeper than [`MAX_DEPTH`].
pub fn parse_json(bytes: &[u8], source: &Source) -> Result<serde_json::Value, JsonSyntaxError> {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        return Err(JsonSyntaxError {
            source: source.clone(),
            line: 1,
            column: 1,
            message: BOM_MESSAGE.to_owned(),
        });
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(JsonSyntaxError {
            source: source.clone(),
            line: 1,
            column: 1,
            message: "the input is empty".to_owned(),
        });
    }
    check_depth(bytes, source)?;
    serde_json::from_slice(bytes).map_err(|e| {
        let (line, column, message) = json_error_parts(&e);
        JsonSyntaxError {
            source: source.clone(),
            line,
            column,
            message,
        }
    })
}

/// The line, column and message of a serde_json error, for messages that print the position
/// their own way: serde_json's " at line L column C" is cut from the message, and its column
/// 0 (an error at the very start of a line: the input ended after a newline) becomes 1.
pub fn json_error_parts(e: &serde_json::Error) -> (usize, usize, String) {
    let full = e.to_string();
    let message = full
        .rfind(" at line ")
        .map_or(full.as_str(), |i| &full[..i])
        .to_owned();
    (e.line(), e.column().max(1), message)
}

/// 1-based line and column (in characters) of a byte offset (for parsers that report
/// offsets, such as jaq-json's).
pub fn line_column(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.split(|&b| b == b'\n').count();
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_errors_have_line_and_column() {
        let err = parse_json(b"{\n  \"a\": 1,\n  \"b\": }\n", &Source::Stdin).unwrap_err();
        assert_eq!((err.line, err.column), (3, 8));
        assert_eq!(
            err.to_string(),
            "<stdin>: invalid JSON at line 3, column 8: expected value"
        );
    }

    #[test]
    fn truncated_input_points_at_the_first_column() {
        let err = parse_json(b"{\"a\": 1,\n", &Source::Stdin).unwrap_err();
        assert_eq!((err.line, err.column), (2, 1), "{err}");
        assert!(err.message.contains("EOF"), "{err}");
    }

    #[test]
    fn empty_input_says_so() {
        let err = parse_json(b"  \n", &Source::File("x.json".into())).unwrap_err();
        assert_eq!(
            err.to_string(),
            "x.json: invalid JSON at line 1, column 1: the input is empty"
        );
    }

    #[test]
    fn depth_is_limited_without_recursion() {
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse_json(ok.as_bytes(), &Source::Stdin).is_ok());
        let deep = format!("{{\"a\":\n {}", "[".repeat(1_000_000));
        let err = parse_json(deep.as_bytes(), &Source::Stdin).unwrap_err();
        assert_eq!((err.line, err.column), (2, 1 + MAX_DEPTH), "{err}");
        assert!(err.message.contains("more than 100 levels"), "{err}");
        // Brackets in strings and comments do not count.
        let quoted = format!("[\"{}\"]", "[".repeat(500));
        assert_eq!(too_deep(quoted.as_bytes()), None);
        let escaped = format!("[\"\\\"{}\"]", "[".repeat(500));
        assert_eq!(too_deep(escaped.as_bytes()), None);
        assert_eq!(
            too_deep(format!("# {}\n1", "[".repeat(500)).as_bytes()),
            None
        );
    }

    #[test]
    fn a_bom_is_named() {
        let err = parse_json(b"\xEF\xBB\xBF{}", &Source::File("x.json".into())).unwrap_err();
        assert_eq!(
            err.to_string(),
            "x.json: invalid JSON at line 1, column 1: starts with a UTF-8 BOM: save it without one"
        );
    }

    #[test]
    fn reading_stops_at_the_limit() {
        let limit = Limit {
            bytes: 100_000,
            hint: "do something",
        };
        assert_eq!(limit.to_string(), "100000 bytes");
        let exact = read_limited(io::repeat(b'x').take(100_000), limit).unwrap();
        assert_eq!(exact.len(), 100_000);
        assert_eq!(exact.capacity(), 100_000);
        let err = read_limited(io::repeat(b'x'), limit).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::FileTooLarge);
        assert_eq!(
            err.to_string(),
            "larger than 100000 bytes, the limit; do something"
        );
        let err = read_file_limited(Path::new("/dev/zero"), JSON_LIMIT).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("larger than 64 MiB, the limit; "),
            "{err}"
        );
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big");
        std::fs::write(&big, vec![b' '; 2048]).unwrap();
        let small = Limit {
            bytes: 1024,
            hint: "",
        };
        assert_eq!(small.to_string(), "1 KiB");
        let err = read_file_limited(&big, small).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::FileTooLarge);
    }

    #[test]
    fn line_column_counts_characters() {
        assert_eq!(line_column("ab\ncé d".as_bytes(), 6), (2, 3));
        assert_eq!(line_column(b"abc", 0), (1, 1));
    }
}
