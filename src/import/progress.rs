//! Progress of a long import: a bar (indicatif) when stderr is a terminal, plain log lines
//! (about every tenth, and at the end) when it is not, nothing for the HTTP import.

use std::io::IsTerminal;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};

/// How progress is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    Bar,
    Lines,
    Hidden,
}

impl Progress {
    /// A bar on a terminal, lines in a log.
    pub fn for_stderr() -> Progress {
        if std::io::stderr().is_terminal() {
            Progress::Bar
        } else {
            Progress::Lines
        }
    }

    /// One stage (`reading`, `checking`, `saving`) of `total` steps, when known.
    pub fn stage(self, name: &'static str, total: Option<u64>) -> Stage {
        let bar = (self == Progress::Bar).then(|| {
            let bar = match total {
                Some(n) => ProgressBar::new(n),
                None => ProgressBar::new_spinner(),
            };
            let template = if total.is_some() {
                "{msg:>9} [{bar:40}] {pos}/{len} ({per_sec}, {eta} left)"
            } else {
                "{msg:>9} {spinner} {pos} ({per_sec})"
            };
            if let Ok(style) = ProgressStyle::with_template(template) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(name);
            bar
        });
        Stage {
            name,
            total,
            done: 0,
            next_line: total.map_or(10_000, |t| (t / 10).max(1)),
            logged: 0,
            lines: self == Progress::Lines,
            bar,
            start: Instant::now(),
        }
    }
}

/// The progress of one stage.
#[derive(Debug)]
pub struct Stage {
    name: &'static str,
    total: Option<u64>,
    done: u64,
    next_line: u64,
    logged: u64,
    lines: bool,
    bar: Option<ProgressBar>,
    start: Instant,
}

impl Stage {
    /// `n` more steps done.
    pub fn inc(&mut self, n: u64) {
        self.done += n;
        if let Some(bar) = &self.bar {
            bar.inc(n);
        }
        if self.lines && self.done >= self.next_line {
            self.line();
            self.next_line += self.total.map_or(10_000, |t| (t / 10).max(1));
        }
    }

    fn line(&mut self) {
        self.logged = self.done;
        tracing::info!(
            stage = self.name,
            done = self.done,
            total = self.total,
            seconds = format!("{:.1}", self.start.elapsed().as_secs_f64()),
            "import progress"
        );
    }

    /// The stage is over.
    pub fn finish(mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        if self.lines && (self.logged < self.done || self.done == 0) {
            self.line();
        }
    }
}
