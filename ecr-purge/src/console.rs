//! The terminal side of a run: image lines (and the `--json` document) written to stdout,
//! progress on stderr (a bar on a terminal, plain lines otherwise), and notes, warnings and
//! errors printed without tearing the bar. What the summaries say is in `summary`, the
//! document's form in `report`.

use std::io::{self, Write as _};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::image::Image;
use crate::plan::Plan;
use crate::purge::Sink;
use crate::repo::Target;

/// `repository<TAB>digest<TAB>tag1,tag2`
pub fn image_line(repository: &str, image: &Image) -> String {
    format!("{repository}\t{}\t{}\n", image.digest, image.tag_list())
}

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressMode {
    Bar,
    Lines,
    /// `--quiet`: none.
    Off,
}

/// Plain progress lines at most this often.
const LINE_EVERY: Duration = Duration::from_secs(2);

/// The [`Sink`] of a run: buffers image lines and flushes them after each batch.
pub struct Console {
    json: bool,
    /// `--quiet`: no notes (errors and warnings still show).
    quiet: bool,
    mode: ProgressMode,
    out: Vec<u8>,
    /// The first error writing stdout (other than a reader that left, which
    /// `cli_support::output::stdout` swallows): nothing more is written, the purge goes on,
    /// and the run fails with it at the end.
    write_error: Option<io::Error>,
    bar: Option<ProgressBar>,
    total: usize,
    last_line: Instant,
    last_done: usize,
}

impl Console {
    pub fn new(json: bool, mode: ProgressMode, quiet: bool) -> Console {
        Console {
            json,
            quiet,
            mode,
            out: Vec::new(),
            write_error: None,
            bar: None,
            total: 0,
            last_line: Instant::now(),
            last_done: 0,
        }
    }

    /// Print a note without tearing the bar.
    pub fn note(&self, msg: &str) {
        if !self.quiet {
            self.suspend(|| cli_support::note(msg));
        }
    }

    pub fn warn(&self, msg: &str) {
        self.suspend(|| cli_support::warn(msg));
    }

    pub fn error(&self, msg: &str) {
        self.suspend(|| cli_support::report::error(msg));
    }

    fn suspend(&self, f: impl FnOnce()) {
        match &self.bar {
            Some(bar) => bar.suspend(f),
            None => f(),
        }
    }

    /// A repository's deletion starts: `total` images to settle.
    pub fn start(&mut self, target: &Target, total: usize) {
        self.total = total;
        self.last_done = 0;
        self.last_line = Instant::now();
        if self.mode == ProgressMode::Bar && total > 0 {
            let bar =
                ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template(
                "{prefix} [{bar:30}] {pos}/{len} images ({per_sec}, eta {eta})",
            ) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_prefix(format!("{}: {target}", cli_support::report::tool()));
            self.bar = Some(bar);
        }
    }

    /// The repository's deletion is over.
    pub fn stop(&mut self, target: &Target, done: usize) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        } else if self.mode == ProgressMode::Lines && self.total > 0 && done != self.last_done {
            cli_support::note(format_args!(
                "{target}: {done} of {} images settled",
                self.total
            ));
        }
        self.flush();
    }

    /// Print buffered image lines; a closed stdout is ignored and a failed write is kept for
    /// the end (the purge goes on either way).
    pub fn flush(&mut self) {
        if !self.out.is_empty() {
            let out = std::mem::take(&mut self.out);
            self.write(&out);
        }
    }

    /// Write `bytes` to stdout unless an earlier write failed (what follows a lost piece
    /// would only mislead); keep the first error.
    pub fn write(&mut self, bytes: &[u8]) {
        if self.write_error.is_some() {
            return;
        }
        let mut stdout = cli_support::output::stdout();
        if let Err(e) = stdout.write_all(bytes).and_then(|()| stdout.flush()) {
            self.write_error = Some(e);
        }
    }

    /// The first error writing stdout, if any.
    pub fn take_write_error(&mut self) -> Option<io::Error> {
        self.write_error.take()
    }

    /// Lines of a dry run.
    pub fn planned(&mut self, target: &Target, plan: &Plan) {
        if !self.json {
            for image in &plan.delete {
                self.out
                    .extend_from_slice(image_line(&target.name, image).as_bytes());
            }
            self.flush();
        }
    }
}

impl Sink for Console {
    fn deleted(&mut self, target: &Target, image: &Image) {
        if !self.json {
            self.out
                .extend_from_slice(image_line(&target.name, image).as_bytes());
        }
    }

    fn progress(&mut self, target: &Target, done: usize) {
        self.flush();
        if let Some(bar) = &self.bar {
            bar.set_position(done as u64);
        } else if self.mode == ProgressMode::Lines
            && self.last_line.elapsed() >= LINE_EVERY
            && done != self.last_done
        {
            cli_support::note(format_args!(
                "{target}: {done} of {} images settled",
                self.total
            ));
            self.last_line = Instant::now();
            self.last_done = done;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_lines() {
        let mut i = Image::new("sha256:ab");
        assert_eq!(image_line("app", &i), "app\tsha256:ab\t\n");
        i.tags = vec!["v1".into(), "latest".into()];
        assert_eq!(
            image_line("team/app", &i),
            "team/app\tsha256:ab\tv1,latest\n"
        );
    }
}
