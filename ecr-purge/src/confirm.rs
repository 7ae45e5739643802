//! The confirmation a full purge asks for on a terminal.

use std::fs::File;
use std::io::{self, BufRead, BufReader, IsTerminal as _, Write};

/// Where the answer is read from.
pub enum Answerer {
    Stdin,
    Tty(File),
}

/// A terminal to ask on: the prompt goes to stderr, so stderr must be a terminal, and the
/// answer comes from stdin when it is a terminal, else from `/dev/tty`. `None` in CI,
/// under a pipe, or with no controlling terminal.
pub fn terminal() -> Option<Answerer> {
    if !io::stderr().is_terminal() {
        return None;
    }
    if io::stdin().is_terminal() {
        return Some(Answerer::Stdin);
    }
    File::open("/dev/tty").ok().map(Answerer::Tty)
}

/// Whether an answer means yes: `y` or `yes`, any case, surrounding blanks ignored.
pub fn is_yes(answer: &str) -> bool {
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

/// Print `question [y/N] ` to `prompt` and read one line from `answers`. End of input is
/// a no.
pub fn ask_with(
    question: &str,
    prompt: &mut dyn Write,
    answers: &mut dyn BufRead,
) -> io::Result<bool> {
    write!(prompt, "{question} [y/N] ")?;
    prompt.flush()?;
    let mut line = String::new();
    let n = answers.read_line(&mut line)?;
    if n == 0 {
        writeln!(prompt)?;
    }
    Ok(is_yes(&line))
}

/// Ask on the terminal.
pub fn ask(answerer: Answerer, question: &str) -> io::Result<bool> {
    let question = format!("{}: {question}", cli_support::report::tool());
    let mut stderr = io::stderr();
    match answerer {
        Answerer::Stdin => ask_with(&question, &mut stderr, &mut io::stdin().lock()),
        Answerer::Tty(file) => ask_with(&question, &mut stderr, &mut BufReader::new(file)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers() {
        for yes in ["y", "Y", "yes", " YES \n"] {
            assert!(is_yes(yes), "{yes:?}");
        }
        for no in ["", "n", "no", "yep", "\n", "y e s"] {
            assert!(!is_yes(no), "{no:?}");
        }
    }

    #[test]
    fn asks_and_reads_one_line() {
        let mut prompt = Vec::new();
        let mut input: &[u8] = b"yes\nignored\n";
        assert!(ask_with("delete?", &mut prompt, &mut input).unwrap());
        assert_eq!(prompt, b"delete? [y/N] ");
        let mut prompt = Vec::new();
        let mut eof: &[u8] = b"";
        assert!(!ask_with("delete?", &mut prompt, &mut eof).unwrap());
        assert_eq!(prompt, b"delete? [y/N] \n");
    }
}
