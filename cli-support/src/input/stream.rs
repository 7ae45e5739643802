//! A JSON document parsed as it is read: its bytes are never held whole, so that the peak
//! memory of a tool that needs only the parsed tree is the tree (a 50 MB task definition:
//! the tree's 160 MB, not that and the 50 MB it was read from). The checks of
//! [`read_limited`](super::read_limited) and [`parse_json`](super::parse_json) hold the same
//! way: the size limit (an input over it is refused as too large even where it is not JSON),
//! the depth limit (found without recursion, before the recursive parser gets there), a
//! UTF-8 BOM and an empty input named as such, errors with line and column.

use std::io::{self, BufReader, Read};
use std::path::Path;

use super::{
    BOM_MESSAGE, JsonSyntaxError, Limit, MAX_DEPTH, Source, TooLarge, json_error_parts, open_input,
    too_deep_message,
};

/// A JSON document read with [`read_json_input`].
#[derive(Debug)]
pub struct JsonInput {
    pub source: Source,
    pub value: serde_json::Value,
    /// How many bytes it was read from.
    pub len: usize,
}

/// Read and parse one JSON document from `-f FILE`, `-` or stdin, at most `limit.bytes`,
/// without holding its bytes (see the module doc). A read error, an input over the limit and
/// a terminal on stdin are reported as [`read_input_limited`](super::read_input_limited)
/// reports them; bad JSON as [`parse_json`](super::parse_json) does.
pub fn read_json_input(
    file: Option<&Path>,
    what: &str,
    example: &str,
    limit: Limit,
) -> anyhow::Result<JsonInput> {
    let (source, reader) = open_input(file, what, example, limit)?;
    let cannot_read = || match &source {
        Source::Stdin => format!("cannot read {what} from stdin"),
        Source::File(path) => format!("cannot read {what} from {}", path.display()),
    };
    let mut reader = BufReader::with_capacity(64 * 1024, Scan::new(reader, limit));
    let parsed: Result<serde_json::Value, _> = serde_json::from_reader(&mut reader);
    let scan = reader.get_mut();
    match parsed {
        Ok(value) => Ok(JsonInput {
            source,
            value,
            len: scan.read,
        }),
        Err(e) => {
            if let Some((line, column)) = scan.too_deep {
                return Err(syntax(&source, line, column, too_deep_message()).into());
            }
            if let Some(kind) = scan.failed {
                let err = match kind {
                    io::ErrorKind::FileTooLarge => {
                        io::Error::new(io::ErrorKind::FileTooLarge, TooLarge(limit))
                    }
                    _ => io::Error::from(e),
                };
                return Err(anyhow::Error::new(err).context(cannot_read()));
            }
            // An input over the limit is too large before it is bad JSON, as when it was
            // read whole first: read on to the end or the limit (nothing kept).
            if let Err(err) = scan.drain() {
                return Err(anyhow::Error::new(err).context(cannot_read()));
            }
            let (line, column, message) = json_error_parts(&e);
            let (line, column, message) = if scan.bom {
                (1, 1, BOM_MESSAGE.to_owned())
            } else if scan.blank {
                (1, 1, "the input is empty".to_owned())
            } else {
                (line, column, message)
            };
            Err(syntax(&source, line, column, message).into())
        }
    }
}

fn syntax(source: &Source, line: usize, column: usize, message: String) -> JsonSyntaxError {
    JsonSyntaxError {
        source: source.clone(),
        line,
        column,
        message,
    }
}

/// The reader under the parser: counts bytes against the limit, follows the nesting (outside
/// strings) and the position, and stops the parser with an error at the first `[` or `{`
/// deeper than [`MAX_DEPTH`].
struct Scan<R> {
    inner: R,
    limit: Limit,
    read: usize,
    depth: usize,
    string: InString,
    /// Position of the next byte: line, and column in characters (both 1-based).
    line: usize,
    column: usize,
    /// Bytes of a BOM matched at the start so far; `bom` once all three are.
    bom_bytes: usize,
    bom: bool,
    /// Nothing but whitespace so far.
    blank: bool,
    too_deep: Option<(usize, usize)>,
    /// The error that stopped reading (the caller rebuilds it: `io::Error` is not `Clone`).
    failed: Option<io::ErrorKind>,
}

/// Where a byte is with respect to strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InString {
    No,
    Yes,
    /// After a backslash in a string.
    Escaped,
}

impl<R: Read> Scan<R> {
    fn new(inner: R, limit: Limit) -> Scan<R> {
        Scan {
            inner,
            limit,
            read: 0,
            depth: 0,
            string: InString::No,
            line: 1,
            column: 1,
            bom_bytes: 0,
            bom: false,
            blank: true,
            too_deep: None,
            failed: None,
        }
    }

    fn most(&self) -> usize {
        usize::try_from(self.limit.bytes).unwrap_or(usize::MAX)
    }

    fn read_some(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            match self.inner.read(buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Ok(n) if n > self.most() - self.read => {
                    self.failed = Some(io::ErrorKind::FileTooLarge);
                    return Err(io::Error::new(
                        io::ErrorKind::FileTooLarge,
                        TooLarge(self.limit),
                    ));
                }
                Ok(n) => {
                    self.read += n;
                    return Ok(n);
                }
                Err(e) => {
                    self.failed = Some(e.kind());
                    return Err(e);
                }
            }
        }
    }

    /// Read to the end (or the limit), keeping nothing.
    fn drain(&mut self) -> io::Result<()> {
        if self.failed.is_some() || self.too_deep.is_some() {
            return Ok(());
        }
        let mut chunk = vec![0u8; 64 * 1024];
        while self.read_some(&mut chunk)? > 0 {}
        Ok(())
    }

    /// Follow `bytes`; true at a bracket past the depth limit (the position is its own).
    fn follow(&mut self, bytes: &[u8]) -> bool {
        for (i, &b) in bytes.iter().enumerate() {
            if self.bom_bytes < 3 && self.read - bytes.len() + i == self.bom_bytes {
                if b == b"\xEF\xBB\xBF"[self.bom_bytes] {
                    self.bom_bytes += 1;
                    self.bom = self.bom_bytes == 3;
                } else {
                    self.bom_bytes = 3;
                }
            }
            if !b.is_ascii_whitespace() {
                self.blank = false;
            }
            if self.string == InString::No {
                match b {
                    b'"' => self.string = InString::Yes,
                    b'[' | b'{' => {
                        self.depth += 1;
                        if self.depth > MAX_DEPTH {
                            return true;
                        }
                    }
                    b']' | b'}' => self.depth = self.depth.saturating_sub(1),
                    _ => {}
                }
            } else {
                self.string = match (self.string, b) {
                    (InString::Escaped, _) => InString::Yes,
                    (_, b'\\') => InString::Escaped,
                    (_, b'"') => InString::No,
                    (state, _) => state,
                };
            }
            if b == b'\n' {
                (self.line, self.column) = (self.line + 1, 1);
            } else if b & 0xC0 != 0x80 {
                // Not a UTF-8 continuation byte: a new character.
                self.column += 1;
            }
        }
        false
    }
}

impl<R: Read> Read for Scan<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.too_deep.is_some() {
            return Err(io::Error::other(too_deep_message()));
        }
        let n = self.read_some(buf)?;
        if self.follow(&buf[..n]) {
            self.too_deep = Some((self.line, self.column));
            return Err(io::Error::other(too_deep_message()));
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{JSON_LIMIT, parse_json};
    use super::*;

    /// What [`read_json_input`] makes of `bytes` (through a file), next to what
    /// [`parse_json`] makes of them.
    fn both(
        bytes: &[u8],
    ) -> (
        Result<serde_json::Value, String>,
        Result<serde_json::Value, String>,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.json");
        std::fs::write(&path, bytes).unwrap();
        let streamed = read_json_input(Some(&path), "JSON", "", JSON_LIMIT)
            .map(|j| {
                assert_eq!(j.len, bytes.len());
                j.value
            })
            .map_err(|e| format!("{e:#}").replace(&path.display().to_string(), "F"));
        let whole = parse_json(bytes, &Source::File("F".into())).map_err(|e| e.to_string());
        (streamed, whole)
    }

    #[test]
    fn the_same_value_or_error_as_parsing_the_whole_input() {
        let deep = format!("{{\"a\":\n {}", "[".repeat(1_000_000));
        let cases: Vec<Vec<u8>> = vec![
            br#"{"a": [1, 1.50, -0, 123456789012345678901234567890], "b": "x\"[[["}"#.to_vec(),
            b"{\n  \"a\": 1,\n  \"b\": }\n".to_vec(),
            b"{\"a\": 1,\n".to_vec(),
            b"  \n".to_vec(),
            b"".to_vec(),
            b"\xEF\xBB\xBF{}".to_vec(),
            b"{} x".to_vec(),
            format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH)).into_bytes(),
            deep.into_bytes(),
            format!("{{\"é\": \"ü\",\n  \"x\": {}", "[".repeat(200)).into_bytes(),
        ];
        for bytes in cases {
            let (streamed, whole) = both(&bytes);
            assert_eq!(streamed, whole, "{}", String::from_utf8_lossy(&bytes));
        }
    }

    #[test]
    fn an_input_over_the_limit_is_too_large_even_when_it_is_not_json() {
        let small = Limit {
            bytes: 1000,
            hint: "a hint",
        };
        for input in [
            vec![0u8; 5000],
            format!("[{}]", "1,".repeat(3000)).into_bytes(),
        ] {
            let mut scan = BufReader::new(Scan::new(&input[..], small));
            let parsed: Result<serde_json::Value, _> = serde_json::from_reader(&mut scan);
            assert!(parsed.is_err());
            let scan = scan.get_mut();
            let drained = scan.drain();
            let failed = scan.failed.or(drained.err().map(|e| e.kind()));
            assert_eq!(failed, Some(io::ErrorKind::FileTooLarge));
            assert!(scan.read <= 1000);
        }
        let err =
            read_json_input(Some(Path::new("/dev/zero")), "JSON", "", JSON_LIMIT).unwrap_err();
        assert_eq!(
            format!("{err:#}"),
            "cannot read JSON from /dev/zero: larger than 64 MiB, the limit; is it the right file?"
        );
    }
}
