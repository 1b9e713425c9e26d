//! A progress bar on standard error, for long runs on a terminal only.

use microgov::engine::batch::{self, BatchOptions};
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
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
    /// The count last drawn: the same count is not redrawn.
    shown: usize,
}

impl Progress {
    /// A bar for `total` items, shown only on a terminal and for more than
    /// [`THRESHOLD`] items: a pipe or a log file never gets the control codes.
    pub fn new(total: usize, label: &'static str) -> Progress {
        let enabled =
            total > THRESHOLD && std::io::stderr().is_terminal() && std::env::var_os("MICROGOV_NO_PROGRESS").is_none();
        Progress { enabled, total, label, last: None, drawn: false, shown: 0 }
    }

    /// A bar that never draws.
    pub fn hidden() -> Progress {
        Progress { enabled: false, total: 0, label: "", last: None, drawn: false, shown: 0 }
    }

    /// Whether it draws at all.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Shows `done` of the total (at most every 50 ms).
    pub fn set(&mut self, done: usize) {
        if !self.enabled || (self.drawn && done == self.shown) {
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
        self.shown = done;
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

/// Maps `f` over `items` with the library's worker pool, in order, drawing `progress`
/// as items finish. The bar is drawn by whichever worker gets to it (the others do not
/// wait), never going backwards; the caller's thread redraws the end.
pub fn par_map<T: Sync, R: Send>(
    items: &[T],
    progress: &mut Progress,
    f: impl Fn(&T) -> R + Sync,
    on_panic: impl Fn() -> R + Sync,
) -> Vec<R> {
    // Small chunks, taken as threads free up: a core busy with something else does not
    // leave the others waiting at the end.
    let opts = BatchOptions::default().chunk(16);
    if !progress.enabled() {
        return batch::map(items, opts, None, f, on_panic);
    }
    let most = AtomicUsize::new(0);
    let bar = Mutex::new(progress);
    let report = |done: usize| {
        let done = most.fetch_max(done, Ordering::Relaxed).max(done);
        if let Ok(mut bar) = bar.try_lock() {
            bar.set(done);
        }
    };
    let out = batch::map(items, opts, Some(&report), f, on_panic);
    bar.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner()).set(items.len());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn par_map_keeps_the_order() {
        let items: Vec<usize> = (0..1000).collect();
        let out = par_map(&items, &mut Progress::hidden(), |x| x * 2, || 0);
        assert_eq!(out, items.iter().map(|x| x * 2).collect::<Vec<_>>());
        assert!(par_map(&Vec::<usize>::new(), &mut Progress::hidden(), |x| *x, || 0).is_empty());
    }
}
