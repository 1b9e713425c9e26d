//! `Engine.evaluate_many`: a bounded pipeline between the thread that holds
//! the GIL and worker threads that never touch a Python object.
//!
//! Reading a Python manifest needs the GIL (a dict is validated as it is
//! read; text is only copied), so it is serial; deciding does not. Converting every
//! manifest first and deciding afterwards left the cores idle during the
//! conversion and held all the JSON trees at once (about 100 KB each: a
//! gigabyte for 10,000 typical manifests, paid again in page faults and
//! frees). Here the GIL thread reads chunk after chunk while the workers
//! decide on earlier chunks, and it wraps finished chunks as `Decision`
//! objects as they come back; at most a few chunks are in flight, so memory
//! stays bounded whatever the number of manifests. When the queue is full it
//! decides a queued chunk itself (GIL released) instead of waiting, so there
//! is one worker fewer than cores and no core is shared by two busy threads.
//!
//! This is the GIL-side producer the core's one worker pool
//! (`microgov::engine::batch::map`) cannot be: `batch::map` maps a slice already
//! in memory, while here the items are read under the GIL as earlier ones are
//! decided, which is what keeps `evaluate_many` at its measured speedup over a
//! loop of `evaluate` calls with memory bounded.

use crate::convert::{load_manifest, Source};
use crate::errors::{guard, BindError};
use microgov::{Context, Decision, Engine};
use pyo3::prelude::*;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::Mutex;
use std::time::Duration;

/// Manifests per unit of work: large enough that the channels cost nothing
/// next to ~200 µs decisions, small enough that the last chunks spread over
/// all workers and that a chunk of JSON trees stays a few megabytes.
const CHUNK: usize = 16;

/// Chunks converted ahead of the workers, per worker: enough that a worker
/// never waits for the GIL thread, few enough to bound memory.
const AHEAD: usize = 2;

/// One decision (or the reason there is none) per manifest.
pub type Outcome = Result<Decision, BindError>;

/// Decides on every manifest `manifests` yields, in order.
///
/// `sink` receives each chunk's outcomes, in order, with the GIL held (it
/// builds the Python objects); an error it returns ends the call. So does
/// an iterator that raises. Invalid manifests, items that cannot be read as
/// a document at all (a wrong type, a value without a JSON form: the
/// exception `Source::manifest` raised) and failed decisions are outcomes,
/// in their places.
pub fn evaluate_many(
    py: Python<'_>,
    engine: &Engine,
    ctx: &Context,
    manifests: &Bound<'_, PyAny>,
    mut sink: impl FnMut(Vec<Outcome>) -> PyResult<()>,
) -> PyResult<()> {
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    // The GIL thread decides too whenever it is ahead (`Feed::help`): one
    // worker fewer than cores keeps every core busy without a thread more
    // than cores competing for them.
    let workers = cores.saturating_sub(1).max(1);
    let (work_tx, work_rx) = sync_channel::<(usize, Vec<Source>)>(cores * AHEAD);
    let (done_tx, done_rx) = sync_channel::<(usize, Vec<Outcome>)>(workers * AHEAD + workers);
    // `Receiver` is `Send` but not `Sync`: the workers share it behind a
    // mutex (they hold it only to take the next chunk).
    let work_rx = Mutex::new(work_rx);
    let done_rx = Mutex::new(done_rx);
    // Set when the call fails: the workers skip the chunks still queued.
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let done_tx = done_tx.clone();
            let (work_rx, stop) = (&work_rx, &stop);
            // `decide` already turns a panic into an outcome; this is so
            // that nothing else in a worker can panic across the boundary
            // (the scope would re-raise it here).
            scope.spawn(move || {
                let _ = guard(|| {
                    work(engine, ctx, work_rx, done_tx, stop);
                    Ok(())
                });
            });
        }
        // Only the workers hold result senders: when they have all gone,
        // receiving fails instead of waiting forever.
        drop(done_tx);
        let mut feed = Feed {
            engine,
            ctx,
            work_tx: Some(work_tx),
            work_rx: &work_rx,
            done_rx: &done_rx,
            lens: Vec::new(),
            next: 0,
            early: BTreeMap::new(),
        };
        let fed = feed.run(py, engine, manifests, &mut sink);
        // Stop the workers (on error they drop what is left of the queue).
        feed.work_tx = None;
        match fed {
            Ok(()) => feed.drain(py, &mut sink),
            Err(e) => {
                stop.store(true, Ordering::Relaxed);
                py.detach(|| feed.discard());
                Err(e)
            }
        }
    })
}

/// The GIL thread's side of the pipeline.
struct Feed<'a> {
    engine: &'a Engine,
    ctx: &'a Context,
    work_tx: Option<SyncSender<(usize, Vec<Source>)>>,
    work_rx: &'a Mutex<Receiver<(usize, Vec<Source>)>>,
    done_rx: &'a Mutex<Receiver<(usize, Vec<Outcome>)>>,
    /// The length of each chunk handed to the workers.
    lens: Vec<usize>,
    /// The next chunk to give to the sink.
    next: usize,
    /// Chunks that came back before an earlier one.
    early: BTreeMap<usize, Vec<Outcome>>,
}

impl Feed<'_> {
    /// Converts and sends every chunk, passing on finished ones meanwhile.
    fn run(
        &mut self,
        py: Python<'_>,
        engine: &Engine,
        manifests: &Bound<'_, PyAny>,
        sink: &mut impl FnMut(Vec<Outcome>) -> PyResult<()>,
    ) -> PyResult<()> {
        let mut items = manifests.try_iter()?;
        loop {
            let mut chunk = Vec::with_capacity(CHUNK);
            for m in items.by_ref().take(CHUNK) {
                // An item that cannot be read at all (a wrong type, a value
                // without a JSON form) gets its exception in its own place.
                chunk.push(Source::manifest(engine, &m?).unwrap_or_else(|e| Source::Failed(BindError::Python(e))));
            }
            if chunk.is_empty() {
                return Ok(());
            }
            let last = chunk.len() < CHUNK;
            self.send(py, chunk, sink)?;
            if last {
                return Ok(());
            }
        }
    }

    /// Queues a chunk; while the queue is full, wraps finished chunks
    /// (with the GIL) or waits for one (without it).
    fn send(
        &mut self,
        py: Python<'_>,
        chunk: Vec<Source>,
        sink: &mut impl FnMut(Vec<Outcome>) -> PyResult<()>,
    ) -> PyResult<()> {
        let Some(tx) = self.work_tx.clone() else {
            return Ok(());
        };
        let len = chunk.len();
        let mut item = (self.lens.len(), chunk);
        loop {
            match tx.try_send(item) {
                Ok(()) => break,
                Err(TrySendError::Full(back)) => {
                    item = back;
                    self.help(py, sink)?;
                }
                // Every worker is gone (they never do, but a panic outside
                // `guard` would): the chunks sent are reported as lost.
                Err(TrySendError::Disconnected(_)) => break,
            }
        }
        self.lens.push(len);
        self.take(py, sink, false)
    }

    /// Decides the next queued chunk here, GIL released: the thread would
    /// otherwise wait for the workers. `None` when the workers have them all
    /// (or hold the queue this instant).
    fn steal(&self, py: Python<'_>) -> Option<(usize, Vec<Outcome>)> {
        let (work_rx, engine, ctx) = (self.work_rx, self.engine, self.ctx);
        py.detach(|| {
            // The guard is dropped before deciding: the workers keep taking.
            let (i, chunk) = work_rx.try_lock().ok().and_then(|rx| rx.try_recv().ok())?;
            Some((i, chunk.into_iter().map(|src| decide(engine, ctx, src)).collect()))
        })
    }

    /// While the queue is full: decides a queued chunk, or else waits for
    /// one to come back; then passes on what is due.
    fn help(&mut self, py: Python<'_>, sink: &mut impl FnMut(Vec<Outcome>) -> PyResult<()>) -> PyResult<()> {
        match self.steal(py) {
            Some((i, outcomes)) => {
                self.early.insert(i, outcomes);
                self.take(py, sink, false)
            }
            None => self.take(py, sink, true),
        }
    }

    /// Passes on the chunks that are finished and due; with `wait`, first
    /// waits (GIL released) until at least one more has come back.
    fn take(
        &mut self,
        py: Python<'_>,
        sink: &mut impl FnMut(Vec<Outcome>) -> PyResult<()>,
        wait: bool,
    ) -> PyResult<()> {
        let rx = self.done_rx;
        if wait {
            // A timeout only to look again at the queue: it may have room
            // although nothing came back (a worker took a chunk).
            let got = py.detach(|| match rx.lock() {
                Ok(rx) => rx.recv_timeout(Duration::from_millis(5)),
                Err(_) => Err(RecvTimeoutError::Disconnected),
            });
            if let Ok((i, outcomes)) = got {
                self.early.insert(i, outcomes);
            }
        }
        if let Ok(rx) = rx.lock() {
            while let Ok((i, outcomes)) = rx.try_recv() {
                self.early.insert(i, outcomes);
            }
        }
        while let Some(outcomes) = self.early.remove(&self.next) {
            self.next += 1;
            sink(outcomes)?;
        }
        Ok(())
    }

    /// After the last chunk: waits for the rest, GIL released while waiting.
    fn drain(&mut self, py: Python<'_>, sink: &mut impl FnMut(Vec<Outcome>) -> PyResult<()>) -> PyResult<()> {
        let rx = self.done_rx;
        while self.next < self.lens.len() {
            if let Some(outcomes) = self.early.remove(&self.next) {
                self.next += 1;
                sink(outcomes)?;
                continue;
            }
            if let Some((i, outcomes)) = self.steal(py) {
                self.early.insert(i, outcomes);
                continue;
            }
            let got = py.detach(|| rx.lock().ok().and_then(|rx| rx.recv().ok()));
            match got {
                Some((i, outcomes)) => {
                    self.early.insert(i, outcomes);
                }
                None => {
                    // The workers are gone without this chunk: only a panic
                    // outside `guard` does that. Each of its places still
                    // gets an answer.
                    let lost = (0..self.lens[self.next])
                        .map(|_| Err(BindError::Panic("an evaluation thread stopped".into())))
                        .collect();
                    self.next += 1;
                    sink(lost)?;
                }
            }
        }
        Ok(())
    }

    /// Waits for the workers to finish what they took, dropping the results.
    fn discard(&mut self) {
        if let Ok(rx) = self.done_rx.lock() {
            while rx.recv().is_ok() {}
        }
    }
}

/// A worker: takes chunks until the queue closes; parses, validates and
/// decides on each manifest; sends the chunk's outcomes back.
fn work(
    engine: &Engine,
    ctx: &Context,
    work_rx: &Mutex<Receiver<(usize, Vec<Source>)>>,
    done_tx: SyncSender<(usize, Vec<Outcome>)>,
    stop: &AtomicBool,
) {
    loop {
        let next = match work_rx.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok((i, chunk)) = next else { return };
        if stop.load(Ordering::Relaxed) {
            continue;
        }
        let outcomes = chunk.into_iter().map(|src| decide(engine, ctx, src)).collect();
        if done_tx.send((i, outcomes)).is_err() {
            return;
        }
    }
}

/// One manifest's decision, as `Engine.evaluate` makes it.
pub fn decide(engine: &Engine, ctx: &Context, src: Source) -> Outcome {
    guard(|| {
        if let Source::Prepared(prepared) = &src {
            return Ok(engine.evaluate_prepared(prepared, ctx)?);
        }
        let app = load_manifest(engine, src)?;
        Ok(engine.evaluate(&app, ctx)?)
    })
}
