//! A progress bar on standard error, for long runs on a terminal only.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// Runs with at most this many items show no bar.
pub const THRESHOLD: usize = 300;

/// A one-line progress bar redrawn in place; inert when disabled.
pub struct Progress {
    enabled: bool,
    total: usize,
    label: &'static str,
    last: Option<Instant>,
    drawn: bool,
}

impl Progress {
    /// A bar for `total` items, shown only on a terminal and for more than
    /// [`THRESHOLD`] items: a pipe or a log file never gets the control codes.
    pub fn new(total: usize, label: &'static str) -> Progress {
        let enabled =
            total > THRESHOLD && std::io::stderr().is_terminal() && std::env::var_os("MICROGOV_NO_PROGRESS").is_none();
        Progress { enabled, total, label, last: None, drawn: false }
    }

    /// A bar that never draws.
    pub fn hidden() -> Progress {
        Progress { enabled: false, total: 0, label: "", last: None, drawn: false }
    }

    /// Whether it draws at all.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Shows `done` of the total (at most every 50 ms).
    pub fn set(&mut self, done: usize) {
        if !self.enabled {
            return;
        }
        let now = Instant::now();
        if self.last.is_some_and(|t| now - t < Duration::from_millis(50)) && done < self.total {
            return;
        }
        self.last = Some(now);
        let total = self.total.max(1);
        let done = done.min(total);
        const WIDTH: usize = 30;
        let filled = done * WIDTH / total;
        let bar: String = "#".repeat(filled) + &"-".repeat(WIDTH - filled);
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K{:<9} [{bar}] {done}/{total} {:>3}%", self.label, done * 100 / total);
        let _ = err.flush();
        self.drawn = true;
    }

    /// Clears the bar.
    pub fn finish(&mut self) {
        if self.drawn {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
            self.drawn = false;
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}
