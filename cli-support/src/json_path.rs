//! Where in a JSON document a message points: the one path type of the workspace, written
//! as jq writes a path (`.containerDefinitions[0].image`, `.dockerLabels["com.example/x"]`),
//! so that a user can paste it into `jq`.
//!
//! ```
//! use cli_support::json_path::JsonPath;
//!
//! let mut path = JsonPath::root();
//! path.push_key("containerDefinitions");
//! path.push_index(0);
//! path.push_key("image");
//! assert_eq!(path.to_string(), ".containerDefinitions[0].image");
//! assert_eq!(JsonPath::root().to_string(), ".");
//! ```
//!
//! Keys are borrowed where they can be (from the document, or `'static` names), so a walk
//! over a whole document does not allocate for every member it visits.

use std::borrow::Cow;
use std::fmt;

/// One step of a path: a member of an object or an item of an array.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Segment<'a> {
    Key(Cow<'a, str>),
    Index(usize),
}

impl Segment<'_> {
    /// The member's name, for a key.
    pub fn key(&self) -> Option<&str> {
        match self {
            Segment::Key(k) => Some(k),
            Segment::Index(_) => None,
        }
    }

    /// The item's index, for an index.
    pub fn index(&self) -> Option<usize> {
        match self {
            Segment::Key(_) => None,
            Segment::Index(i) => Some(*i),
        }
    }

    /// The same segment, owning its key.
    pub fn into_owned(self) -> Segment<'static> {
        match self {
            Segment::Key(k) => Segment::Key(Cow::Owned(k.into_owned())),
            Segment::Index(i) => Segment::Index(i),
        }
    }
}

/// A path from the root of a JSON document down to a value. Displays as jq does: `.` for the
/// root, `.name` for a key that is an identifier, `["a b"]` for any other key (`.["a b"]`
/// first), `[0]` for an index (`.[0]` first).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct JsonPath<'a> {
    segments: Vec<Segment<'a>>,
}

impl<'a> JsonPath<'a> {
    /// The root of the document (`.`).
    pub const fn root() -> Self {
        JsonPath {
            segments: Vec::new(),
        }
    }

    /// Step into the member `key`.
    pub fn push_key(&mut self, key: impl Into<Cow<'a, str>>) {
        self.segments.push(Segment::Key(key.into()));
    }

    /// Step into the item at `index`.
    pub fn push_index(&mut self, index: usize) {
        self.segments.push(Segment::Index(index));
    }

    /// Step into a segment.
    pub fn push(&mut self, segment: Segment<'a>) {
        self.segments.push(segment);
    }

    /// Step back out: the last segment, if any.
    pub fn pop(&mut self) -> Option<Segment<'a>> {
        self.segments.pop()
    }

    /// Step back out to the first `len` segments.
    pub fn truncate(&mut self, len: usize) {
        self.segments.truncate(len);
    }

    /// This path and then the member `key`.
    #[must_use]
    pub fn key(mut self, key: impl Into<Cow<'a, str>>) -> Self {
        self.push_key(key);
        self
    }

    /// This path and then the item at `index`.
    #[must_use]
    pub fn index(mut self, index: usize) -> Self {
        self.push_index(index);
        self
    }

    pub fn segments(&self) -> &[Segment<'a>] {
        &self.segments
    }

    /// How many segments (0 for the root).
    pub fn len(&self) -> usize {
        self.segments.len()
    }

    /// True for the root.
    pub fn is_empty(&self) -> bool {
        self.segments.is_empty()
    }

    /// The same path, owning its keys.
    pub fn into_owned(self) -> JsonPath<'static> {
        JsonPath {
            segments: self.segments.into_iter().map(Segment::into_owned).collect(),
        }
    }
}

impl<'a> FromIterator<Segment<'a>> for JsonPath<'a> {
    fn from_iter<I: IntoIterator<Item = Segment<'a>>>(iter: I) -> Self {
        JsonPath {
            segments: iter.into_iter().collect(),
        }
    }
}

impl<'a> Extend<Segment<'a>> for JsonPath<'a> {
    fn extend<I: IntoIterator<Item = Segment<'a>>>(&mut self, iter: I) {
        self.segments.extend(iter);
    }
}

/// A key jq writes as `.key`: an identifier (ASCII letters, digits, `_`; not starting with a
/// digit).
fn is_identifier(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl fmt::Display for JsonPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, segment) in self.segments.iter().enumerate() {
            match segment {
                Segment::Key(k) if is_identifier(k) => write!(f, ".{k}")?,
                other => {
                    if n == 0 {
                        f.write_str(".")?;
                    }
                    match other {
                        Segment::Key(k) => {
                            write!(f, "[{}]", serde_json::Value::String(k.to_string()))?;
                        }
                        Segment::Index(i) => write!(f, "[{i}]")?,
                    }
                }
            }
        }
        if self.segments.is_empty() {
            f.write_str(".")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_read_as_jq_writes_them() {
        assert_eq!(JsonPath::root().to_string(), ".");
        let path = JsonPath::root()
            .key("containerDefinitions")
            .index(2)
            .key("docker labels");
        assert_eq!(
            path.to_string(),
            ".containerDefinitions[2][\"docker labels\"]"
        );
        assert_eq!(
            JsonPath::root()
                .key("dockerLabels")
                .key("com.example/x")
                .to_string(),
            ".dockerLabels[\"com.example/x\"]"
        );
        assert_eq!(JsonPath::root().key("_a1").to_string(), "._a1");
        assert_eq!(JsonPath::root().key("1a").to_string(), ".[\"1a\"]");
        assert_eq!(JsonPath::root().key("").to_string(), ".[\"\"]");
        assert_eq!(JsonPath::root().key("é").to_string(), ".[\"é\"]");
        assert_eq!(JsonPath::root().key("a\"b").to_string(), ".[\"a\\\"b\"]");
        assert_eq!(JsonPath::root().index(0).key("x").to_string(), ".[0].x");
    }

    #[test]
    fn push_and_pop_walk_a_document() {
        let mut path = JsonPath::root();
        path.push_key("a");
        path.push_index(1);
        assert_eq!(path.len(), 2);
        assert_eq!(path.pop(), Some(Segment::Index(1)));
        path.push_key(String::from("b"));
        assert_eq!(path.to_string(), ".a.b");
        assert_eq!(path.segments()[0].key(), Some("a"));
        assert_eq!(path.segments()[0].index(), None);
        path.truncate(0);
        assert!(path.is_empty());
        let owned: JsonPath<'static> = JsonPath::root().key(&*String::from("k")).into_owned();
        assert_eq!(owned.to_string(), ".k");
    }
}
