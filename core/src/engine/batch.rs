//! The one worker pool of microgov: a slice of items mapped on all cores, results in
//! input order.
//!
//! `Engine::evaluate_many`, the command line's `check` and `inventory`, and the Node
//! binding's batch calls all run through [`map`]. Workers take chunks of items from a
//! shared counter (so a slow item does not leave a core idle while another has a queue),
//! keep their results with their chunk's start, and the caller gets one `Vec` back in the
//! order of `items`. Memory is the results themselves plus one `Vec` header per chunk.
//!
//! A panic inside `f` on one item does not lose the others: that item's slot holds
//! `on_panic()` instead (the bindings and the CLI turn it into an `internal` error).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};

/// How a batch is run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchOptions {
    /// Worker threads; `0` means one per available core.
    pub threads: usize,
    /// Items a worker takes at a time (at least 1).
    pub chunk: usize,
}

impl Default for BatchOptions {
    fn default() -> Self {
        BatchOptions { threads: 0, chunk: 8 }
    }
}

impl BatchOptions {
    /// Options with this many threads (`0`: one per core).
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads;
        self
    }

    /// Options with this chunk size.
    pub fn chunk(mut self, chunk: usize) -> Self {
        self.chunk = chunk.max(1);
        self
    }

    fn workers(&self, items: usize) -> usize {
        let cores = if self.threads == 0 {
            std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
        } else {
            self.threads
        };
        cores.min(items.div_ceil(self.chunk.max(1))).max(1)
    }
}

/// A progress callback: called from the worker threads, once per chunk, with the number of
/// items done so far (the last call says `items.len()`; two workers may report out of
/// order, so keep the largest). It must be cheap.
pub type Progress<'a> = &'a (dyn Fn(usize) + Sync);

/// Maps `f` over `items` on worker threads and returns the results in input order.
///
/// `on_panic` makes the result of an item whose `f` panicked.
pub fn map<T: Sync, R: Send>(
    items: &[T],
    opts: BatchOptions,
    progress: Option<Progress<'_>>,
    f: impl Fn(&T) -> R + Sync,
    on_panic: impl Fn() -> R + Sync,
) -> Vec<R> {
    let chunk = opts.chunk.max(1);
    let run = |item: &T| catch_unwind(AssertUnwindSafe(|| f(item))).unwrap_or_else(|_| on_panic());
    let workers = opts.workers(items.len());
    if workers <= 1 {
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            out.push(run(item));
            if let Some(p) = progress {
                if (i + 1) % chunk == 0 || i + 1 == items.len() {
                    p(i + 1);
                }
            }
        }
        return out;
    }
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let mut parts: Vec<(usize, Vec<R>)> = Vec::with_capacity(items.len().div_ceil(chunk));
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                let (run, next, done) = (&run, &next, &done);
                s.spawn(move || {
                    let mut mine = Vec::new();
                    loop {
                        let start = next.fetch_add(chunk, Ordering::Relaxed);
                        let Some(part) = items.get(start..(start + chunk).min(items.len())) else { break };
                        if part.is_empty() {
                            break;
                        }
                        mine.push((start, part.iter().map(run).collect::<Vec<R>>()));
                        let now = done.fetch_add(part.len(), Ordering::Relaxed) + part.len();
                        if let Some(p) = progress {
                            p(now);
                        }
                    }
                    mine
                })
            })
            .collect();
        for h in handles {
            // `run` catches panics, so a worker only fails if `on_panic` itself panicked;
            // its chunks are then missing and filled in below.
            if let Ok(mine) = h.join() {
                parts.extend(mine);
            }
        }
    });
    parts.sort_unstable_by_key(|(start, _)| *start);
    let mut out = Vec::with_capacity(items.len());
    for (start, results) in parts {
        while out.len() < start {
            out.push(on_panic());
        }
        out.extend(results);
    }
    while out.len() < items.len() {
        out.push(on_panic());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_input_order_on_any_number_of_threads() {
        let items: Vec<usize> = (0..1000).collect();
        for threads in [1, 2, 3, 8] {
            let out = map(&items, BatchOptions::default().threads(threads).chunk(7), None, |x| x * 2, || usize::MAX);
            assert_eq!(out, items.iter().map(|x| x * 2).collect::<Vec<_>>(), "threads {threads}");
        }
        assert!(map(&Vec::<usize>::new(), BatchOptions::default(), None, |x| *x, || 0).is_empty());
    }

    #[test]
    fn a_panicking_item_takes_only_its_own_slot() {
        let items: Vec<usize> = (0..100).collect();
        let out = map(
            &items,
            BatchOptions::default().threads(2).chunk(4),
            None,
            |x| {
                assert!(*x != 42, "boom");
                Some(*x)
            },
            || None,
        );
        assert_eq!(out.len(), 100);
        assert_eq!(out[42], None);
        assert_eq!(out.iter().filter(|r| r.is_some()).count(), 99);
        assert_eq!(out[43], Some(43));
    }

    #[test]
    fn progress_ends_at_the_number_of_items() {
        let seen = std::sync::Mutex::new(Vec::new());
        let items: Vec<usize> = (0..50).collect();
        let record = |n: usize| seen.lock().map(|mut s| s.push(n)).unwrap_or(());
        map(&items, BatchOptions::default().threads(2).chunk(8), Some(&record), |x| *x, || 0);
        let seen = seen.into_inner().unwrap_or_default();
        assert_eq!(seen.iter().max(), Some(&50));
        // One call per chunk of 8: 50 items make 7 chunks.
        assert_eq!(seen.len(), 7);
    }
}
