//! The tool invocations written in the docs and examples: the shell of README code blocks
//! (```` ```sh ````, and the `run:` scripts of ```` ```yaml ```` blocks), of the example
//! workflows' `run:` scripts and of the example shell scripts, cut into simple commands the way
//! a shell would, so that each tool command line can be handed to the real binary
//! (`test-support/tests/invocations.rs`, with `CI_TOOLS_PARSE_ONLY=1`).
//!
//! What the shell would find in place of a variable, a command substitution or a GitHub
//! expression (`$IMAGE`, `"${RUNNER_TEMP}"`, `$(...)`, `${{ github.sha }}`) is not known here:
//! it stands as [`PLACEHOLDER`] in the arguments, for the test to fill in. Commands inside a
//! `$(...)` are found too; line continuations are joined, comments, redirections and leading
//! `NAME=value` assignments, `exec`, `!`, `if`... dropped.

/// What stands in an argument for a value only the shell knows (a variable, `$(...)`, a GitHub
/// expression): this character, the variable's name (empty for the others) and
/// [`PLACEHOLDER_END`]. Not characters anyone writes in a command line.
pub const PLACEHOLDER: char = '\u{1}';
/// The end of a [`PLACEHOLDER`].
pub const PLACEHOLDER_END: char = '\u{2}';

/// One tool command line: where it is written, the tool and its arguments (with
/// [`PLACEHOLDER`]s).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// 1-based line of the file where the command starts.
    pub line: usize,
    pub tool: String,
    pub args: Vec<String>,
}

impl Invocation {
    /// Whether an argument has a [`PLACEHOLDER`].
    pub fn has_placeholders(&self) -> bool {
        self.args.iter().any(|a| a.contains(PLACEHOLDER))
    }

    /// The arguments with each [`PLACEHOLDER`] replaced by `value(name)` (the variable's
    /// name, empty for a substitution or an expression).
    pub fn args_with(&self, value: impl Fn(&str) -> String) -> Vec<String> {
        self.args
            .iter()
            .map(|arg| {
                let mut out = String::new();
                let mut rest = arg.as_str();
                while let Some((before, after)) = rest.split_once(PLACEHOLDER) {
                    let (name, after) = after.split_once(PLACEHOLDER_END).unwrap_or((after, ""));
                    out.push_str(before);
                    out.push_str(&value(name));
                    rest = after;
                }
                out.push_str(rest);
                out
            })
            .collect()
    }

    /// The command line as shown in a message (`$NAME` for a variable, `$VALUE` for what
    /// else the shell fills in).
    pub fn display(&self) -> String {
        let mut out = self.tool.clone();
        let shown = |name: &str| format!("${}", if name.is_empty() { "VALUE" } else { name });
        for arg in self.args_with(shown) {
            out.push(' ');
            if arg.is_empty()
                || arg.contains(|c: char| c.is_whitespace() || "'\"|&;<>()".contains(c))
            {
                out.push('\'');
                out.push_str(&arg.replace('\'', r"'\''"));
                out.push('\'');
            } else {
                out.push_str(&arg);
            }
        }
        out
    }
}

/// The invocations of `tools` in `text`, the content of a file named `name`: a shell script
/// (`.sh`), a workflow or action (`.yml`, `.yaml`: the `run:` scripts) or Markdown (`.md`: the
/// ```` ```sh ````/```` ```bash ```` blocks and the `run:` scripts of ```` ```yaml ```` blocks).
pub fn in_file(name: &str, text: &str, tools: &[&str]) -> Vec<Invocation> {
    let lines: Vec<(usize, &str)> = text.lines().enumerate().map(|(i, l)| (i + 1, l)).collect();
    let ext = std::path::Path::new(name)
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    let script = match ext.as_deref() {
        Some("md") => markdown_scripts(&lines),
        Some("yml" | "yaml") => yaml_run_scripts(&lines),
        _ => lines,
    };
    in_script(&script, tools)
}

/// The invocations of `tools` in shell lines (numbered).
pub fn in_script(lines: &[(usize, &str)], tools: &[&str]) -> Vec<Invocation> {
    let mut out = Vec::new();
    for (line, text) in logical_lines(lines) {
        for words in simple_commands(&text) {
            let first = words.iter().position(|w| !is_prefix_word(w));
            let Some(first) = first else { continue };
            if tools.contains(&words[first].as_str()) {
                out.push(Invocation {
                    line,
                    tool: words[first].clone(),
                    args: words[first + 1..].to_vec(),
                });
            }
        }
    }
    out
}

/// The lines of the shell blocks of a Markdown file, and the `run:` scripts of its YAML
/// blocks.
fn markdown_scripts<'a>(lines: &[(usize, &'a str)]) -> Vec<(usize, &'a str)> {
    let mut out = Vec::new();
    let mut block: Option<(&str, Vec<(usize, &str)>)> = None;
    for &(n, line) in lines {
        let trimmed = line.trim();
        match &mut block {
            None => {
                if let Some(lang) = trimmed.strip_prefix("```") {
                    block = Some((lang, Vec::new()));
                }
            }
            Some((lang, body)) => {
                if trimmed == "```" {
                    match *lang {
                        "sh" | "bash" | "shell" => out.append(body),
                        "yaml" | "yml" => out.extend(yaml_run_scripts(body)),
                        _ => {}
                    }
                    block = None;
                } else {
                    body.push((n, line));
                }
            }
        }
    }
    out
}

/// The lines of the `run:` scripts of a workflow or action: `run: command` and the block
/// scalars `run: |` / `run: >` (every following line indented deeper than the key).
fn yaml_run_scripts<'a>(lines: &[(usize, &'a str)]) -> Vec<(usize, &'a str)> {
    let mut out = Vec::new();
    let mut block_indent: Option<usize> = None;
    for &(n, line) in lines {
        let indent = line.len() - line.trim_start().len();
        if let Some(key_indent) = block_indent {
            if line.trim().is_empty() || indent > key_indent {
                out.push((n, line));
                continue;
            }
            block_indent = None;
        }
        let item = line.trim_start().trim_start_matches("- ");
        let Some(value) = item.strip_prefix("run:") else {
            continue;
        };
        let value = value.trim();
        if value.starts_with('|') || value.starts_with('>') {
            // The column of `run` itself: a sibling key (`env:`) ends the block.
            block_indent = Some(line.len() - item.len());
        } else if !value.is_empty() {
            let unquoted = value
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
                .unwrap_or(value);
            out.push((n, unquoted));
        }
    }
    out
}

/// Shell lines with `\` continuations joined, each numbered by the line it starts on.
fn logical_lines(lines: &[(usize, &str)]) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for &(n, line) in lines {
        let (start, mut text) = pending.take().unwrap_or((n, String::new()));
        if let Some(part) = line.strip_suffix('\\') {
            text.push_str(part);
            text.push(' ');
            pending = Some((start, text));
        } else {
            text.push_str(line);
            out.push((start, text));
        }
    }
    out.extend(pending);
    out
}

/// Words before the command name of a simple command: assignments and what runs the command
/// rather than being it.
fn is_prefix_word(word: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "!", "exec", "time", "command", "if", "then", "else", "elif", "do", "while", "until", "{",
    ];
    PREFIXES.contains(&word) || is_assignment(word)
}

fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty()
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// The simple commands of one logical shell line, as lists of words (quotes removed,
/// expansions as [`PLACEHOLDER`]), the commands of `$(...)` included (after the one they are
/// in).
pub fn simple_commands(line: &str) -> Vec<Vec<String>> {
    let mut scanner = Scanner {
        chars: line.chars().collect(),
        pos: 0,
        commands: Vec::new(),
    };
    scanner.list(false);
    scanner.commands
}

fn push_placeholder(word: &mut String, name: &str) {
    word.push(PLACEHOLDER);
    word.push_str(name);
    word.push(PLACEHOLDER_END);
}

struct Scanner {
    chars: Vec<char>,
    pos: usize,
    commands: Vec<Vec<String>>,
}

impl Scanner {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos + ahead).copied()
    }

    /// A command list up to the end, or up to the `)` closing a `$(` when `in_parens`.
    fn list(&mut self, in_parens: bool) {
        let mut words: Vec<String> = Vec::new();
        // Where this command goes in `commands`: before the ones nested in its words.
        let mut slot = self.commands.len();
        while let Some(c) = self.peek(0) {
            match c {
                ' ' | '\t' => self.pos += 1,
                '#' => self.pos = self.chars.len(),
                ')' if in_parens => {
                    self.pos += 1;
                    break;
                }
                '|' | ';' | '&' | '(' | ')' | '\n' => {
                    self.pos += 1;
                    self.flush(&mut words, slot);
                    slot = self.commands.len();
                }
                '<' | '>' => self.redirection(),
                _ => {
                    let word = self.word();
                    let fd = !word.is_empty() && word.chars().all(|c| c.is_ascii_digit());
                    if fd && matches!(self.peek(0), Some('<' | '>')) {
                        self.redirection();
                    } else {
                        words.push(word);
                    }
                }
            }
        }
        self.flush(&mut words, slot);
    }

    fn flush(&mut self, words: &mut Vec<String>, slot: usize) {
        if !words.is_empty() {
            self.commands.insert(slot, std::mem::take(words));
        }
    }

    /// `>`, `>>`, `<`, `<<`, `<<<`, `>&N`, `<(...)`: the operator and its target, dropped.
    fn redirection(&mut self) {
        while matches!(self.peek(0), Some('<' | '>')) {
            self.pos += 1;
        }
        match self.peek(0) {
            Some('&') => {
                self.pos += 1;
                while self.peek(0).is_some_and(|c| c.is_ascii_digit() || c == '-') {
                    self.pos += 1;
                }
            }
            Some('(') => {
                self.pos += 1;
                self.list(true);
            }
            _ => {
                while matches!(self.peek(0), Some(' ' | '\t')) {
                    self.pos += 1;
                }
                self.word();
            }
        }
    }

    fn word(&mut self) -> String {
        let mut word = String::new();
        while let Some(c) = self.peek(0) {
            match c {
                ' ' | '\t' | '\n' | '|' | ';' | '&' | '<' | '>' | '(' | ')' => break,
                '\\' => {
                    word.extend(self.peek(1));
                    self.pos += 2;
                }
                '\'' => {
                    self.pos += 1;
                    while let Some(c) = self.peek(0) {
                        self.pos += 1;
                        if c == '\'' {
                            break;
                        }
                        word.push(c);
                    }
                }
                '"' => self.double_quoted(&mut word),
                '$' => self.dollar(&mut word),
                '`' => {
                    self.skip_past('`', 1);
                    push_placeholder(&mut word, "");
                }
                _ => {
                    word.push(c);
                    self.pos += 1;
                }
            }
        }
        word
    }

    fn double_quoted(&mut self, word: &mut String) {
        self.pos += 1;
        while let Some(c) = self.peek(0) {
            match c {
                '"' => {
                    self.pos += 1;
                    return;
                }
                '\\' if matches!(self.peek(1), Some('"' | '\\' | '$' | '`')) => {
                    word.extend(self.peek(1));
                    self.pos += 2;
                }
                '$' => self.dollar(word),
                '`' => {
                    self.skip_past('`', 1);
                    push_placeholder(word, "");
                }
                _ => {
                    word.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    /// `$NAME`, `${...}` (and `${{ expression }}`), `$(...)` (its commands scanned),
    /// `$((...))`: a [`PLACEHOLDER`]; a `$` before anything else is itself.
    fn dollar(&mut self, word: &mut String) {
        match self.peek(1) {
            Some('(') if self.peek(2) == Some('(') => {
                self.pos += 3;
                self.skip_balanced('(', ')', 2);
            }
            Some('(') => {
                self.pos += 2;
                self.list(true);
            }
            Some('{') => {
                self.pos += 2;
                let start = self.pos;
                self.skip_balanced('{', '}', 1);
                // `${NAME}`, `${NAME:-default}`; nothing for `${{ expression }}`.
                let name: String = self.chars[start..self.pos]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
                    .collect();
                push_placeholder(word, &name);
                return;
            }
            Some(c) if c.is_ascii_alphabetic() || c == '_' => {
                self.pos += 1;
                let start = self.pos;
                while self
                    .peek(0)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
                {
                    self.pos += 1;
                }
                let name: String = self.chars[start..self.pos].iter().collect();
                push_placeholder(word, &name);
                return;
            }
            Some(c) if c.is_ascii_digit() || "@*#?$!-".contains(c) => self.pos += 2,
            _ => {
                word.push('$');
                self.pos += 1;
                return;
            }
        }
        push_placeholder(word, "");
    }

    /// Past the `depth` closing `close`s that end what was opened.
    fn skip_balanced(&mut self, open: char, close: char, mut depth: usize) {
        while let Some(c) = self.peek(0) {
            self.pos += 1;
            if c == open {
                depth += 1;
            } else if c == close {
                depth -= 1;
                if depth == 0 {
                    return;
                }
            }
        }
    }

    /// Past the next `end`, starting `from` characters ahead.
    fn skip_past(&mut self, end: char, from: usize) {
        self.pos += from;
        while let Some(c) = self.peek(0) {
            self.pos += 1;
            if c == end {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOOLS: &[&str] = &[
        "taskdef-clean",
        "ecs-run-wait",
        "tf-secrets",
        "health-probe",
    ];

    /// The invocations found, each placeholder shown as `<NAME>`.
    fn found(name: &str, text: &str) -> Vec<(usize, String, Vec<String>)> {
        in_file(name, text, TOOLS)
            .into_iter()
            .map(|i| (i.line, i.tool.clone(), i.args_with(|n| format!("<{n}>"))))
            .collect()
    }

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|a| (*a).to_owned()).collect()
    }

    #[test]
    fn pipes_continuations_comments_and_redirections() {
        let text = "# taskdef-clean --not-this\n\
                    aws ecs describe-task-definition --task-definition web \\\n  \
                    | taskdef-clean --image \"app=$REGISTRY/web:${SHA}\" -o out.json > log 2>&1 # note\n\
                    echo taskdef-clean --not-a-command && taskdef-clean --check -q -f 'a b.json' < in\n";
        assert_eq!(
            found("x.sh", text),
            [
                (
                    2,
                    "taskdef-clean".to_owned(),
                    args(&["--image", "app=<REGISTRY>/web:<SHA>", "-o", "out.json"])
                ),
                (
                    4,
                    "taskdef-clean".to_owned(),
                    args(&["--check", "-q", "-f", "a b.json"])
                ),
            ]
        );
    }

    #[test]
    fn substitutions_assignments_and_prefixes() {
        let text = "arn=$(ecs-run-wait --detach --cluster \"$(cat c)\")\n\
                    eval \"$(terraform output -json | tf-secrets --format env 'H=.h | strip_port')\"\n\
                    TOKEN=\"Bearer $T\" health-probe --header-from-env A=TOKEN \"$URL/health\"\n\
                    if ! exec ecs-run-wait --attach `cat arn` --timeout $((3 * 60))s; then :; fi\n";
        assert_eq!(
            found("x.sh", text),
            [
                (
                    1,
                    "ecs-run-wait".to_owned(),
                    args(&["--detach", "--cluster", "<>"])
                ),
                (
                    2,
                    "tf-secrets".to_owned(),
                    args(&["--format", "env", "H=.h | strip_port"])
                ),
                (
                    3,
                    "health-probe".to_owned(),
                    args(&["--header-from-env", "A=TOKEN", "<URL>/health"])
                ),
                (
                    4,
                    "ecs-run-wait".to_owned(),
                    args(&["--attach", "<>", "--timeout", "<>s"])
                ),
            ]
        );
    }

    #[test]
    fn workflow_run_scripts_only() {
        let text = "name: taskdef-clean\n\
                    jobs:\n  a:\n    steps:\n\
                    \x20     - name: run taskdef-clean\n\
                    \x20       run: taskdef-clean --check -f \"${{ inputs.file }}\"\n\
                    \x20     - run: |\n\
                    \x20         set -e\n\
                    \n\
                    \x20         exec ecs-run-wait --cluster \"$CLUSTER\" \\\n\
                    \x20           --summary \"$RUNNER_TEMP/m.json\" -- ./migrate\n\
                    \x20       env:\n\
                    \x20         X: taskdef-clean --not-shell\n";
        assert_eq!(
            found("w.yml", text),
            [
                (
                    6,
                    "taskdef-clean".to_owned(),
                    args(&["--check", "-f", "<>"])
                ),
                (
                    10,
                    "ecs-run-wait".to_owned(),
                    args(&[
                        "--cluster",
                        "<CLUSTER>",
                        "--summary",
                        "<RUNNER_TEMP>/m.json",
                        "--",
                        "./migrate"
                    ])
                ),
            ]
        );
    }

    #[test]
    fn markdown_shell_and_yaml_blocks() {
        let text = "taskdef-clean --prose\n```sh\ntaskdef-clean -f a.json\n```\n\
                    ```text\ntaskdef-clean: error: shown output\n```\n\
                    ```yaml\n- run: health-probe \"$URL\"\n  name: health-probe\n```\n";
        assert_eq!(
            found("README.md", text),
            [
                (3, "taskdef-clean".to_owned(), args(&["-f", "a.json"])),
                (9, "health-probe".to_owned(), args(&["<URL>"])),
            ]
        );
    }

    #[test]
    fn display_quotes_what_the_shell_would_split() {
        let inv = Invocation {
            line: 1,
            tool: "t".to_owned(),
            args: args(&[
                "--expect-json",
                ".a == 1",
                "\u{1}URL\u{2}/health",
                "\u{1}\u{2}",
            ]),
        };
        assert_eq!(
            inv.display(),
            "t --expect-json '.a == 1' $URL/health $VALUE"
        );
        assert_eq!(inv.args_with(|_| "v".to_owned())[2..], ["v/health", "v"]);
    }
}
