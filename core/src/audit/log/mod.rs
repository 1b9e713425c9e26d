//! The durable log: an append-only JSON Lines file with group commit, torn-tail
//! recovery, size-based rotation and signed checkpoints.
//!
//! # Concurrency and durability
//!
//! One mutex guards the chain and a buffer of encoded lines. Appending takes the lock only to
//! assign the seq, encode and hash (a few microseconds), so records keep one total order. I/O
//! happens outside the lock by one *leader* at a time (the `io_busy` token): it takes the
//! whole buffer, writes it with one `write`, calls `fdatasync` once, and wakes every appender
//! whose record that sync covered (leader/follower group commit). Appenders that arrive
//! meanwhile fill the next buffer; one of them leads the next round. Under
//! [`SyncPolicy::Interval`] rounds start at most once per interval (by a waiting appender or
//! the background thread), trading latency for fewer syncs.
//!
//! One writer per log: `open` takes an exclusive lock on `<path>.lock` (a file of its own,
//! as rotation renames the log) and holds it until close, so a second writer, in this
//! process or another, gets [`AuditError::Locked`] instead of forking the chain. The kernel
//! drops the lock with the process, so a crash leaves none behind.
//!
//! A failed write or sync is fatal: after a failed `fsync` Linux may have dropped the dirty
//! pages and a second `fsync` can report success for data that is gone, so the log refuses
//! every later call instead of retrying.
//!
//! - [`handle`]: [`AuditLog`], what callers hold: this file log or, for a `postgres://` URL,
//!   the PostgreSQL log (`crate::audit::pg`, cargo feature `postgres`);
//! - [`options`]: what a caller sets ([`AuditOptions`]) and what opening found ([`Recovery`]);
//! - [`open`]: opening, one function per step; [`lock`]: the writer lock;
//! - [`writer`]: appending and the I/O rounds; this file: the file log's state and queries.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Instant;

use super::chain::Chain;
use super::checkpoint::Checkpoint;
use super::merkle::{ConsistencyProof, Hash, InclusionProof};
use super::AuditError;

mod handle;
mod lock;
mod open;
mod options;
#[cfg(test)]
mod tests;
mod writer;

pub use handle::AuditLog;
pub use options::{AuditOptions, Recovery, SyncPolicy, TornTail};

/// Buffered bytes above which an `OnFlush` log writes (without syncing) to bound memory.
const WRITE_THRESHOLD: usize = 1 << 20;

/// The log in a file (and its rotated segments and checkpoints file); [`AuditLog`] is what
/// callers hold.
pub(crate) struct FileLog {
    shared: Arc<Shared>,
    ticker: Mutex<Option<JoinHandle<()>>>,
}

struct Shared {
    state: Mutex<State>,
    /// Appenders waiting for durability or for the I/O token.
    durable_cv: Condvar,
    /// The background thread.
    ticker_cv: Condvar,
    path: PathBuf,
    dir: PathBuf,
    checkpoints_path: PathBuf,
    options: AuditOptions,
    /// Fault injection: the next sync fails (tests only; no fault hook exists in builds).
    #[cfg(test)]
    fail_next_sync: std::sync::atomic::AtomicBool,
}

struct State {
    chain: Chain,
    /// Encoded lines not yet handed to the file.
    buf: Vec<u8>,
    spare: Vec<u8>,
    /// Records covered by a completed sync.
    durable: u64,
    io_busy: bool,
    file: Arc<File>,
    file_len: u64,
    next_segment: u64,
    checkpoints_file: Option<Arc<File>>,
    checkpoint_size: u64,
    checkpoint_time: Instant,
    checkpoint_requested: bool,
    latest_note: Option<String>,
    last_sync: Instant,
    failed: Option<String>,
    closed: bool,
    /// The writer lock (`lock_writer`), let go at close.
    lock: Option<File>,
    recovery: Recovery,
}

impl State {
    fn usable(&self) -> Result<(), AuditError> {
        if let Some(reason) = &self.failed {
            return Err(AuditError::Failed { reason: reason.clone() });
        }
        if self.closed {
            return Err(AuditError::Closed);
        }
        Ok(())
    }
}

fn poisoned() -> AuditError {
    AuditError::Failed { reason: "internal lock poisoned by a panic".into() }
}

fn sync_dir(dir: &Path) -> Result<(), AuditError> {
    // A new file's directory entry is only durable once the directory itself is synced.
    File::open(dir).and_then(|d| d.sync_all()).map_err(|e| AuditError::io(dir, "fsync directory", e))
}

/// Removes the checkpoints file when nothing was ever written to it.
fn remove_if_empty(file: &File, path: &Path) -> Result<(), AuditError> {
    let len = file.metadata().map_err(|e| AuditError::io(path, "stat", e))?.len();
    if len == 0 {
        std::fs::remove_file(path).map_err(|e| AuditError::io(path, "remove", e))?;
    }
    Ok(())
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(suffix);
    PathBuf::from(s)
}

impl FileLog {
    /// Makes every record durable and, with a signing key, writes a signed checkpoint of the
    /// whole log (unless the last one already covers it). Returns the checkpoint of the
    /// current size (unsigned when no key is configured).
    pub fn checkpoint(&self) -> Result<Checkpoint, AuditError> {
        let sh = &self.shared;
        let mut st = sh.lock()?;
        st.usable()?;
        while st.io_busy {
            st = sh.durable_cv.wait(st).map_err(|_| poisoned())?;
        }
        st.usable()?;
        st.checkpoint_requested = true;
        let st = sh.io_round(st, true)?;
        Ok(Checkpoint {
            origin: st.chain.log_id().to_string(),
            size: st.chain.len(),
            root: st.chain.root(),
            extensions: Vec::new(),
        })
    }

    /// The text of the last signed checkpoint note written or found on open.
    pub fn latest_note(&self) -> Result<Option<String>, AuditError> {
        Ok(self.shared.lock()?.latest_note.clone())
    }

    /// Inclusion proof of record `seq` in the log as it is now (`tree_size` = record count).
    pub fn prove(&self, seq: u64) -> Result<InclusionProof, AuditError> {
        let st = self.shared.lock()?;
        st.chain.tree().inclusion_proof(seq, st.chain.len())
    }

    /// Inclusion proof of record `seq` in the tree of `tree_size` records (the size of a
    /// checkpoint the verifier holds).
    pub fn prove_at(&self, seq: u64, tree_size: u64) -> Result<InclusionProof, AuditError> {
        self.shared.lock()?.chain.tree().inclusion_proof(seq, tree_size)
    }

    /// Consistency proof between two tree sizes (two checkpoints).
    pub fn consistency(&self, old_size: u64, new_size: u64) -> Result<ConsistencyProof, AuditError> {
        self.shared.lock()?.chain.tree().consistency_proof(old_size, new_size)
    }

    /// The record hash of `seq`.
    pub fn record_hash(&self, seq: u64) -> Result<Hash, AuditError> {
        let st = self.shared.lock()?;
        st.chain.tree().leaf(seq).ok_or(AuditError::OutOfRange { what: "seq", value: seq, size: st.chain.len() })
    }

    /// Merkle root of the tree of `tree_size` records.
    pub fn root_at(&self, tree_size: u64) -> Result<Hash, AuditError> {
        self.shared.lock()?.chain.tree().root_at(tree_size)
    }

    /// Number of records (appended, not necessarily durable yet).
    pub fn record_count(&self) -> Result<u64, AuditError> {
        Ok(self.shared.lock()?.chain.len())
    }

    /// Number of records known to be durable.
    pub fn durable_count(&self) -> Result<u64, AuditError> {
        Ok(self.shared.lock()?.durable)
    }

    /// The log id.
    pub fn log_id(&self) -> Result<String, AuditError> {
        Ok(self.shared.lock()?.chain.log_id().to_string())
    }

    /// The active file.
    pub fn path(&self) -> &Path {
        &self.shared.path
    }

    /// The checkpoints file (`<path>.checkpoints`).
    pub fn checkpoints_path(&self) -> &Path {
        &self.shared.checkpoints_path
    }

    /// What open found and repaired.
    pub fn recovery(&self) -> Result<Recovery, AuditError> {
        Ok(self.shared.lock()?.recovery.clone())
    }

    /// Flushes, writes a final checkpoint (with a signing key) and closes. Later calls fail
    /// with [`AuditError::Closed`]. Closing twice is fine.
    pub fn close(&self) -> Result<(), AuditError> {
        let sh = &self.shared;
        let result = (|| {
            let mut st = sh.lock()?;
            if st.closed {
                return Ok(());
            }
            while st.io_busy {
                st = sh.durable_cv.wait(st).map_err(|_| poisoned())?;
            }
            if st.failed.is_none() {
                st.checkpoint_requested = true;
                st = match sh.io_round(st, true) {
                    Ok(st) => st,
                    Err(e) => {
                        let mut st = sh.lock()?;
                        st.closed = true;
                        st.lock = None;
                        sh.ticker_cv.notify_all();
                        return Err(e);
                    }
                };
            }
            // Nothing signed (a key on an empty log): leave no empty checkpoints file behind.
            // Still under the writer lock, so no other writer can have appended to it.
            let cleanup = match st.checkpoints_file.take() {
                Some(cf) if st.failed.is_none() && st.latest_note.is_none() => {
                    remove_if_empty(&cf, &sh.checkpoints_path)
                }
                other => {
                    st.checkpoints_file = other;
                    Ok(())
                }
            };
            st.closed = true;
            st.lock = None;
            sh.ticker_cv.notify_all();
            sh.durable_cv.notify_all();
            match &st.failed {
                Some(reason) => Err(AuditError::Failed { reason: reason.clone() }),
                None => cleanup,
            }
        })();
        let handle = self.ticker.lock().map_err(|_| poisoned())?.take();
        if let Some(h) = handle {
            // The thread only returns; a panic there would already have poisoned the lock.
            let _ = h.join();
        }
        result
    }
}

impl Drop for FileLog {
    fn drop(&mut self) {
        // Best effort: a host that needs to see close errors calls close() itself.
        let _ = self.close();
    }
}

impl std::fmt::Debug for FileLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileLog").field("path", &self.shared.path).finish_non_exhaustive()
    }
}
