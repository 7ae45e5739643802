//! The step summary: a short Markdown report appended to `$GITHUB_STEP_SUMMARY`, which the
//! runner shows on the run's page.
//!
//! Every text that does not come from the tool itself (AWS answers, servers, files, names)
//! goes through [`text`] (or [`code`], [`code_block`]): GitHub renders the summary as
//! Markdown with HTML, so a `|` would end a table cell, a `<script>` would be markup, a
//! line break would end the table and a backtick would open code. [`append`] is the one
//! entry point: it writes only under GitHub Actions, appends (never replaces: earlier steps
//! wrote there) and makes a failure to write a warning, never an error, so the exit code is
//! always the job's.

use std::fmt::Write as _;
use std::io::{Read as _, Seek as _, SeekFrom};
use std::path::{Path, PathBuf};

/// The summary file, under GitHub Actions only (`GITHUB_ACTIONS=true` and a non-empty
/// `GITHUB_STEP_SUMMARY`).
pub fn path() -> Option<PathBuf> {
    if !super::active() {
        return None;
    }
    std::env::var_os("GITHUB_STEP_SUMMARY")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// Under GitHub Actions, append the report `build` makes (called only then) to
/// `$GITHUB_STEP_SUMMARY`, after a line break when the file does not end with one. A
/// failure to write is a warning (`::warning` annotation): the report is for people, the
/// exit code stays the job's. A report over [`LIMIT`] is cut at a line (see [`cut`]).
pub fn append(build: impl FnOnce() -> String) {
    let Some(path) = path() else {
        return;
    };
    let mut markdown = cut(build(), LIMIT);
    if !ends_with_newline(&path) {
        markdown.insert(0, '\n');
    }
    if let Err(e) = crate::output::append(&path, markdown.as_bytes()) {
        crate::report::warn_annotated(format_args!("$GITHUB_STEP_SUMMARY: {e:#}"));
    }
}

/// GitHub shows at most 1 MiB of summary a step (and none of a larger one): a report is kept
/// well below it, leaving room for what other commands of the step write.
pub const LIMIT: usize = 512 * 1024;

/// The report, or its lines up to `limit` bytes with a code block left open closed and a
/// line saying what was cut: a report over GitHub's limit would not be shown at all.
fn cut(markdown: String, limit: usize) -> String {
    if markdown.len() <= limit {
        return markdown;
    }
    let total = markdown.len();
    let budget = limit.saturating_sub(200);
    let mut kept = String::new();
    let mut fence: Option<&str> = None;
    for line in markdown.split_inclusive('\n') {
        if kept.len() + line.len() > budget {
            break;
        }
        let ticks = line.trim_end().len() - line.trim_end().trim_start_matches('`').len();
        let run = &line[..ticks];
        match fence {
            None if ticks >= 3 => fence = Some(run),
            Some(open) if ticks >= open.len() && line.trim_end().len() == ticks => fence = None,
            _ => {}
        }
        kept.push_str(line);
    }
    if let Some(open) = fence {
        kept.push_str(open);
        kept.push('\n');
    }
    let _ = write!(
        kept,
        "\n*The report was cut here: it is {total} bytes, more than a step summary shows.*\n"
    );
    kept
}

/// True when the file is empty, missing or ends with a line break (anything else: false).
fn ends_with_newline(path: &Path) -> bool {
    let Ok(mut file) = std::fs::File::open(path) else {
        return true;
    };
    if file.seek(SeekFrom::End(-1)).is_err() {
        return true;
    }
    let mut last = [0u8];
    file.read_exact(&mut last)
        .map_or(true, |()| last[0] == b'\n')
}

/// Text for Markdown (a table cell, a heading, a list item): HTML (`&`, `<`, `>`) and the
/// Markdown syntax that can format (emphasis, code, links, images, headings,
/// strikethrough, table cells, mentions, issue references) escaped, line breaks made
/// spaces, other control characters dropped, bidirectional controls shown as `[U+202E]`. GitHub's autolinks are broken too, so that a URL in an AWS message
/// shows as text, not as a link: the `:` of `://` escaped, the first `w` of `www.` as a
/// character reference, and an empty HTML comment (which GitHub drops) between an
/// address's local part and its `@`; the text reads the same.
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let s = s.replace("\r\n", " ");
    for (i, c) in s.char_indices() {
        match c {
            '&' => out.push_str("&amp;"),
            ':' if s[i..].starts_with("://") => out.push_str("\\:"),
            // An address's local part ends here: the comment splits it from the domain.
            '@' if s[..i].ends_with(|p: char| p.is_alphanumeric() || ".-_+".contains(p)) => {
                out.push_str("<!-- -->\\@<!-- -->");
            }
            '@' => out.push_str("\\@<!-- -->"),
            // `#12`, `org/repo#12`: an issue link once rendered.
            '#' if s[i + 1..].starts_with(|n: char| n.is_ascii_digit()) => {
                out.push_str("\\#<!-- -->");
            }
            c if is_bidi(c) => {
                let _ = write!(out, "\\[U+{:04X}\\]", u32::from(c));
            }
            'w' if s[i..].starts_with("www.") => out.push_str("&#119;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// The characters that reorder how text around them shows (marks, embeddings, overrides,
/// isolates): shown by their code point, so that a name cannot read as something else.
fn is_bidi(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// An identifier as inline code; one with a backtick, a line break or a `|` as [`text`]
/// instead (a table cell ends at a `|` even inside code, in GitHub's tables).
pub fn code(s: &str) -> String {
    if s.is_empty() || s.contains(['`', '|']) || s.chars().any(|c| c.is_control() || is_bidi(c)) {
        text(s)
    } else {
        format!("`{s}`")
    }
}

/// Lines as a fenced code block, shown as they are: the fence is longer than any run of
/// backticks in them (so no line can close it), carriage returns and other control
/// characters but tabs are dropped, bidirectional controls shown as `<U+202E>`. Ends with a
/// blank line.
pub fn code_block<'a>(lines: impl IntoIterator<Item = &'a str>) -> String {
    let mut body = String::new();
    for line in lines {
        for c in line.chars() {
            if is_bidi(c) {
                let _ = write!(body, "<U+{:04X}>", u32::from(c));
            } else if c == '\t' || !c.is_control() {
                body.push(c);
            }
        }
        body.push('\n');
    }
    let fence = "`".repeat(longest_backtick_run(&body).max(2) + 1);
    format!("{fence}text\n{body}{fence}\n\n")
}

fn longest_backtick_run(s: &str) -> usize {
    let (mut longest, mut run) = (0, 0);
    for c in s.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    longest
}

/// A Markdown table. Cells are Markdown already (made with [`text`] or [`code`]); a row
/// shorter than the header is padded with empty cells.
#[derive(Debug, Clone)]
pub struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column headings (the tool's own words, not escaped).
    pub fn new(header: &[&str]) -> Table {
        Table {
            header: header.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    /// Add a row of Markdown cells.
    pub fn row<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) -> &mut Table {
        self.rows.push(cells.into_iter().map(Into::into).collect());
        self
    }

    /// No rows yet.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The table, then a blank line.
    pub fn render(&self) -> String {
        let mut md = String::new();
        let _ = writeln!(md, "| {} |", self.header.join(" | "));
        let _ = writeln!(md, "|{}", "---|".repeat(self.header.len()));
        for row in &self.rows {
            let mut cells = row.clone();
            cells.resize(self.header.len().max(row.len()), String::new());
            let _ = writeln!(md, "| {} |", cells.join(" | "));
        }
        md.push('\n');
        md
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_cannot_format_or_break_a_table() {
        assert_eq!(
            text("<script>alert(1)</script> | *x* `y` [l](u) @team\r\nnext\tline&"),
            "&lt;script&gt;alert(1)&lt;/script&gt; \\| \\*x\\* \\`y\\` \\[l\\](u) \\@<!-- -->team next line&amp;"
        );
        assert_eq!(text("a\u{1b}[31mb\u{0}"), "a\\[31mb");
        assert_eq!(
            text("![img](x) ~~s~~ # h _e_ \\"),
            "!\\[img\\](x) \\~\\~s\\~\\~ \\# h \\_e\\_ \\\\"
        );
    }

    #[test]
    fn text_cannot_become_a_link() {
        // Rendered with cmark-gfm (GitHub's flavour): plain text, no <a>.
        assert_eq!(
            text("see https://x.example/p, www.x.example and ops@x.example (mailto:a@b.c)"),
            "see https\\://x.example/p, &#119;ww.x.example and ops<!-- -->\\@<!-- -->x.example \
             (mailto:a<!-- -->\\@<!-- -->b.c)"
        );
        assert_eq!(text("wwww.x w"), "w&#119;ww.x w");
        // Mentions and issue references: GitHub links them in the rendered text.
        assert_eq!(
            text("ask @octocat about #12, org/app#3 and #x"),
            "ask \\@<!-- -->octocat about \\#<!-- -->12, org/app\\#<!-- -->3 and \\#x"
        );
    }

    #[test]
    fn bidirectional_controls_are_shown_not_obeyed() {
        assert_eq!(text("app\u{202E}gnp.exe"), "app\\[U+202E\\]gnp.exe");
        assert_eq!(code("a\u{2066}b"), "a\\[U+2066\\]b");
        assert_eq!(code_block(["x\u{200F}y"]), "```text\nx<U+200F>y\n```\n\n");
    }

    #[test]
    fn a_report_over_the_limit_is_cut_at_a_line_with_its_code_block_closed() {
        let small = "## t\n\nok\n".to_owned();
        assert_eq!(cut(small.clone(), 1000), small);
        let mut big = "## t\n\n```text\n".to_owned();
        for n in 0..100 {
            let _ = writeln!(big, "line {n}");
        }
        big.push_str("```\n\nafter\n");
        let total = big.len();
        let out = cut(big, 400);
        assert!(out.len() <= 400, "{}", out.len());
        assert!(out.starts_with("## t\n\n```text\nline 0\n"), "{out}");
        assert!(
            out.ends_with(&format!(
                "```\n\n*The report was cut here: it is {total} bytes, more than a step summary shows.*\n"
            )),
            "{out}"
        );
        assert!(!out.contains("after"), "{out}");
    }

    #[test]
    fn code_is_inline_code_unless_it_cannot_be() {
        assert_eq!(code("web:12"), "`web:12`");
        assert_eq!(code("a`b"), "a\\`b");
        assert_eq!(code("a|b"), "a\\|b");
        assert_eq!(code("a\nb"), "a b");
        assert_eq!(code(""), "");
    }

    #[test]
    fn code_blocks_cannot_be_closed_by_their_lines() {
        assert_eq!(code_block(["a", "b"]), "```text\na\nb\n```\n\n");
        let md = code_block(["```", "x ````` y", "<b>\r"]);
        assert_eq!(md, "``````text\n```\nx ````` y\n<b>\n``````\n\n");
        assert_eq!(code_block(Vec::<&str>::new()), "```text\n```\n\n");
    }

    #[test]
    fn tables_are_padded() {
        let mut t = Table::new(&["A", "B"]);
        assert!(t.is_empty());
        t.row(["1", "2"]).row(["only"]);
        assert_eq!(
            t.render(),
            "| A | B |\n|---|---|\n| 1 | 2 |\n| only |  |\n\n"
        );
    }

    #[test]
    fn append_adds_a_line_break_when_the_file_lacks_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s");
        assert!(ends_with_newline(&path));
        std::fs::write(&path, "").unwrap();
        assert!(ends_with_newline(&path));
        std::fs::write(&path, "# Earlier").unwrap();
        assert!(!ends_with_newline(&path));
        std::fs::write(&path, "# Earlier\n").unwrap();
        assert!(ends_with_newline(&path));
    }
}
