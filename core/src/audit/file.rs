//! The durable file sink: an append-only JSON Lines file with group commit, torn-tail
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

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::chain::{Chain, Receipt};
use super::checkpoint::{has_signature_by, split_notes, Checkpoint, SigningKey};
use super::merkle::{ConsistencyProof, Hash, InclusionProof, MerkleTree};
use super::verify::{open_sources, scan, segment_paths, LogSource, TamperKind, VerifyStatus};
use super::{AuditError, Event};

/// When an appended record is made durable (`fdatasync`) before `append` returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncPolicy {
    /// Every `append` returns only after a sync that covers its record. Concurrent appends
    /// share syncs, so throughput grows with the number of appending threads.
    EveryRecord,
    /// Syncs run at most once per interval; `append` returns after the next one (so it
    /// blocks up to the interval). A background thread syncs records that were only
    /// [`submit`](AuditLog::submit)ted.
    Interval(Duration),
    /// Records are written in batches and synced only by [`flush`](AuditLog::flush),
    /// [`checkpoint`](AuditLog::checkpoint) and [`close`](AuditLog::close); `append` returns
    /// at once and a crash loses what was not flushed.
    OnFlush,
}

/// How [`AuditLog::open`] sets up a log. Build it with [`AuditOptions::new`] and the setters.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AuditOptions {
    /// The log id for a new log (default: `microgov/<uuid v7>`); for an existing log it must
    /// match, if given.
    pub log_id: Option<String>,
    /// Durability policy (default [`SyncPolicy::EveryRecord`]).
    pub sync: SyncPolicy,
    /// Rotate the active file once it holds at least this many bytes (default: never).
    pub rotate_bytes: Option<u64>,
    /// Key that signs checkpoints; without one no checkpoint is written.
    pub signing_key: Option<SigningKey>,
    /// Write a checkpoint after this many new records (default 1000).
    pub checkpoint_every: Option<u64>,
    /// Write a checkpoint when records are this old and unattested (default 60 s).
    pub checkpoint_interval: Option<Duration>,
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            log_id: None,
            sync: SyncPolicy::EveryRecord,
            rotate_bytes: None,
            signing_key: None,
            checkpoint_every: Some(1000),
            checkpoint_interval: Some(Duration::from_secs(60)),
        }
    }
}

impl AuditOptions {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the log id.
    pub fn log_id(mut self, id: impl Into<String>) -> Self {
        self.log_id = Some(id.into());
        self
    }

    /// Sets the sync policy.
    pub fn sync(mut self, policy: SyncPolicy) -> Self {
        self.sync = policy;
        self
    }

    /// Sets the rotation size.
    pub fn rotate_bytes(mut self, bytes: u64) -> Self {
        self.rotate_bytes = Some(bytes);
        self
    }

    /// Sets the checkpoint signing key.
    pub fn signing_key(mut self, key: SigningKey) -> Self {
        self.signing_key = Some(key);
        self
    }

    /// Sets the record count between checkpoints (`None`: not by count).
    pub fn checkpoint_every(mut self, records: Option<u64>) -> Self {
        self.checkpoint_every = records;
        self
    }

    /// Sets the time between checkpoints (`None`: not by time).
    pub fn checkpoint_interval(mut self, interval: Option<Duration>) -> Self {
        self.checkpoint_interval = interval;
        self
    }

    fn check(&self) -> Result<(), AuditError> {
        let bad = |reason: &str| Err(AuditError::InvalidArgument { reason: reason.to_string() });
        match self.sync {
            SyncPolicy::Interval(d) if d.is_zero() => return bad("sync interval must be positive"),
            _ => {}
        }
        if self.rotate_bytes == Some(0) {
            return bad("rotate_bytes must be positive");
        }
        if self.checkpoint_every == Some(0) {
            return bad("checkpoint_every must be positive");
        }
        if self.checkpoint_interval.is_some_and(|d| d.is_zero()) {
            return bad("checkpoint_interval must be positive");
        }
        Ok(())
    }
}

/// What [`AuditLog::open`] found and repaired.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Recovery {
    /// The log file did not exist and was created.
    pub created: bool,
    /// Records found (all verified).
    pub records: u64,
    /// Rotated segment files found.
    pub segments: usize,
    /// Checkpoints found in the checkpoints file.
    pub checkpoints: usize,
    /// A torn last line that was cut off.
    pub torn_tail: Option<TornTail>,
    /// Bytes of an incomplete last checkpoint note that were cut off.
    pub torn_checkpoint_bytes: u64,
}

/// A torn last line removed on open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TornTail {
    /// The file it was in.
    pub file: PathBuf,
    /// Where it started (the file's new length).
    pub offset: u64,
    /// How many bytes were removed.
    pub bytes: u64,
}

/// Buffered bytes above which an `OnFlush` log writes (without syncing) to bound memory.
const WRITE_THRESHOLD: usize = 1 << 20;

/// A durable, tamper-evident audit log in a file. `Send + Sync`: share it (in an `Arc`) and
/// append from many threads.
///
/// ```no_run
/// use microgov::audit::{AuditLog, AuditOptions, Event, SigningKey, SyncPolicy};
/// use std::time::Duration;
/// let key = SigningKey::generate("acme.example/audit")?;
/// let log = AuditLog::open(
///     "audit.jsonl",
///     AuditOptions::new().sync(SyncPolicy::Interval(Duration::from_millis(10))).signing_key(key),
/// )?;
/// let receipt = log.append(&Event::new("app.register").tenant("acme").app("expense-approver"))?;
/// let proof = log.prove(receipt.seq)?;
/// log.close()?;
/// # Ok::<(), microgov::audit::AuditError>(())
/// ```
pub struct AuditLog {
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

/// Takes the log's writer lock: an exclusive `flock` on `<path>.lock`, a file of its own
/// because rotation renames the log. Held until the log is closed or dropped; the kernel
/// releases it if the process dies, so a crash never leaves a stale lock behind.
fn lock_writer(path: &Path) -> Result<File, AuditError> {
    let lock_path = with_suffix(path, ".lock");
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| AuditError::io(&lock_path, "open", e))?;
    match lock.try_lock() {
        Ok(()) => Ok(lock),
        Err(std::fs::TryLockError::WouldBlock) => {
            Err(AuditError::Locked { path: path.display().to_string(), lock: lock_path.display().to_string() })
        }
        Err(std::fs::TryLockError::Error(e)) => Err(AuditError::io(&lock_path, "lock", e)),
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(suffix);
    PathBuf::from(s)
}

impl AuditLog {
    /// Opens (or creates) the log at `path`.
    ///
    /// An existing log — its rotated segments, the file, and the checkpoints file — is
    /// verified first. A torn last line (a crash in the middle of a write) is cut off and
    /// reported in [`AuditLog::recovery`]; any other finding makes `open` fail with
    /// [`AuditError::Tampered`], so that nothing is appended to a broken chain.
    pub fn open(path: impl AsRef<Path>, options: AuditOptions) -> Result<AuditLog, AuditError> {
        options.check()?;
        let path = path.as_ref().to_path_buf();
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let checkpoints_path = with_suffix(&path, ".checkpoints");
        let lock = lock_writer(&path)?;
        let mut recovery = Recovery::default();

        // Existing checkpoints: every one must match the log; a torn last note is cut off.
        let mut checkpoints = Vec::new();
        let mut latest_note = None;
        let mut checkpoints_complete = None;
        match std::fs::read(&checkpoints_path) {
            Ok(bytes) => {
                let text = String::from_utf8_lossy(&bytes);
                let (notes, complete) = split_notes(&text)?;
                let verifier = options.signing_key.as_ref().map(SigningKey::verifier);
                for note in &notes {
                    let cp = match (Checkpoint::open(note, verifier.as_ref()), &verifier) {
                        (Ok(cp), _) => cp,
                        // Signed by another key (one used before a key change): its root is
                        // still checked against the records below.
                        (Err(AuditError::BadSignature { .. }), Some(v)) if !has_signature_by(note, v) => {
                            Checkpoint::open(note, None)?
                        }
                        (Err(AuditError::BadSignature { reason }), _) => {
                            return Err(AuditError::Tampered {
                                path: checkpoints_path.display().to_string(),
                                kind: TamperKind::BadSignature.code(),
                                seq: None,
                                reason,
                            })
                        }
                        (Err(e), _) => return Err(e),
                    };
                    checkpoints.push(cp);
                }
                latest_note = notes.last().map(|n| n.to_string());
                if complete < bytes.len() {
                    checkpoints_complete = Some((complete as u64, bytes.len() as u64));
                }
                recovery.checkpoints = notes.len();
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(AuditError::io(&checkpoints_path, "read", e)),
        }

        let segments = segment_paths(&path)?;
        let next_segment = match segments.last() {
            Some(last) => {
                last.extension().and_then(|e| e.to_str()).and_then(|n| n.parse::<u64>().ok()).map_or(1, |n| n + 1)
            }
            None => 1,
        };
        recovery.segments = segments.len();
        let exists = match std::fs::metadata(&path) {
            Ok(_) => true,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
            Err(e) => return Err(AuditError::io(&path, "stat", e)),
        };
        let mut files = segments.clone();
        if exists {
            files.push(path.clone());
        }
        let mut tree = MerkleTree::new();
        let inputs = open_sources(LogSource::Files(files.clone()))?;
        let found = scan(inputs, &checkpoints, &mut |h| tree.push(h))?;
        let tampered = |kind: &'static str, seq: Option<u64>, reason: String| AuditError::Tampered {
            path: path.display().to_string(),
            kind,
            seq,
            reason,
        };
        match (&found.report.status, found.torn) {
            (VerifyStatus::Tampered(t), Some(torn)) if exists && torn.input + 1 == files.len() => {
                let largest = checkpoints.iter().map(|c| c.size).max().unwrap_or(0);
                if found.report.records < largest {
                    return Err(tampered("truncated", Some(found.report.records), t.reason.clone()));
                }
                let f = OpenOptions::new().write(true).open(&path).map_err(|e| AuditError::io(&path, "open", e))?;
                let len = f.metadata().map_err(|e| AuditError::io(&path, "stat", e))?.len();
                f.set_len(torn.offset).map_err(|e| AuditError::io(&path, "truncate", e))?;
                f.sync_all().map_err(|e| AuditError::io(&path, "fsync", e))?;
                recovery.torn_tail =
                    Some(TornTail { file: path.clone(), offset: torn.offset, bytes: len - torn.offset });
            }
            (VerifyStatus::Tampered(t), _) => return Err(tampered(t.kind.code(), t.seq, t.reason.clone())),
            _ => {}
        }
        recovery.records = found.report.records;
        recovery.created = !exists;

        let log_id = match (found.report.log_id.clone(), options.log_id.clone()) {
            (Some(found), Some(wanted)) if found != wanted => {
                return Err(AuditError::LogIdMismatch {
                    reason: format!("{} holds log {found:?}, options ask for {wanted:?}", path.display()),
                })
            }
            (Some(found), _) => found,
            (None, Some(wanted)) => wanted,
            (None, None) => format!("microgov/{}", uuid::Uuid::now_v7()),
        };
        let chain = Chain::resume(&log_id, tree)?;

        let file =
            OpenOptions::new().append(true).create(true).open(&path).map_err(|e| AuditError::io(&path, "open", e))?;
        if !exists {
            sync_dir(&dir)?;
        }
        let file_len = file.metadata().map_err(|e| AuditError::io(&path, "stat", e))?.len();

        let checkpoints_file = if options.signing_key.is_some() || !checkpoints.is_empty() {
            let existed = checkpoints_path.exists();
            let f = OpenOptions::new()
                .append(true)
                .create(true)
                .open(&checkpoints_path)
                .map_err(|e| AuditError::io(&checkpoints_path, "open", e))?;
            if let Some((complete, len)) = checkpoints_complete {
                f.set_len(complete).map_err(|e| AuditError::io(&checkpoints_path, "truncate", e))?;
                f.sync_all().map_err(|e| AuditError::io(&checkpoints_path, "fsync", e))?;
                recovery.torn_checkpoint_bytes = len - complete;
            }
            if !existed {
                sync_dir(&dir)?;
            }
            Some(Arc::new(f))
        } else {
            None
        };

        let now = Instant::now();
        let durable = chain.len();
        let state = State {
            chain,
            buf: Vec::with_capacity(64 * 1024),
            spare: Vec::with_capacity(64 * 1024),
            durable,
            io_busy: false,
            file: Arc::new(file),
            file_len,
            next_segment,
            checkpoints_file,
            checkpoint_size: checkpoints.iter().map(|c| c.size).max().unwrap_or(0),
            checkpoint_time: now,
            checkpoint_requested: false,
            latest_note,
            last_sync: now,
            failed: None,
            closed: false,
            lock: Some(lock),
            recovery,
        };
        let needs_ticker = matches!(options.sync, SyncPolicy::Interval(_))
            || (options.signing_key.is_some() && options.checkpoint_interval.is_some());
        let shared = Arc::new(Shared {
            state: Mutex::new(state),
            durable_cv: Condvar::new(),
            ticker_cv: Condvar::new(),
            path,
            dir,
            checkpoints_path,
            options,
            #[cfg(test)]
            fail_next_sync: std::sync::atomic::AtomicBool::new(false),
        });
        let ticker = if needs_ticker {
            let s = Arc::clone(&shared);
            let handle = std::thread::Builder::new()
                .name("microgov-audit".into())
                .spawn(move || s.ticker())
                .map_err(|e| AuditError::io(&shared.path, "spawn background thread", e))?;
            Some(handle)
        } else {
            None
        };
        Ok(AuditLog { shared, ticker: Mutex::new(ticker) })
    }

    /// Appends an event and returns once it is durable under the sync policy. An error means
    /// the record is not acknowledged (it may or may not be in the file).
    pub fn append(&self, event: &Event) -> Result<Receipt, AuditError> {
        let receipt = self.submit(event)?;
        if self.shared.options.sync != SyncPolicy::OnFlush {
            self.wait_durable(receipt.seq)?;
        }
        Ok(receipt)
    }

    /// Appends several events in one go (one lock, one durability wait); they get
    /// consecutive seqs unless another thread appends at the same time.
    pub fn append_batch(&self, events: &[Event]) -> Result<Vec<Receipt>, AuditError> {
        for e in events {
            e.validate()?;
        }
        let receipts = {
            let mut st = self.shared.lock()?;
            st.usable()?;
            let was_empty = st.buf.is_empty();
            let mut receipts = Vec::with_capacity(events.len());
            for e in events {
                let State { chain, buf, .. } = &mut *st;
                receipts.push(chain.append_validated(e, buf)?);
            }
            self.shared.after_submit(st, was_empty)?;
            receipts
        };
        if let (Some(last), true) = (receipts.last(), self.shared.options.sync != SyncPolicy::OnFlush) {
            self.wait_durable(last.seq)?;
        }
        Ok(receipts)
    }

    /// Assigns the record its seq and queues it, without waiting for durability: the record
    /// is *not* acknowledged until [`wait_durable`](AuditLog::wait_durable) returns for its
    /// seq. Lets one thread keep many records in flight.
    pub fn submit(&self, event: &Event) -> Result<Receipt, AuditError> {
        event.validate()?;
        let mut st = self.shared.lock()?;
        st.usable()?;
        let was_empty = st.buf.is_empty();
        let State { chain, buf, .. } = &mut *st;
        let receipt = chain.append_validated(event, buf)?;
        self.shared.after_submit(st, was_empty)?;
        Ok(receipt)
    }

    /// Blocks until record `seq` (and every record before it) is durable. Under
    /// [`SyncPolicy::OnFlush`] this syncs at once.
    pub fn wait_durable(&self, seq: u64) -> Result<(), AuditError> {
        let sh = &self.shared;
        let mut st = sh.lock()?;
        loop {
            if st.durable > seq {
                return Ok(());
            }
            if let Some(reason) = &st.failed {
                return Err(AuditError::Failed { reason: reason.clone() });
            }
            if seq >= st.chain.len() {
                return Err(AuditError::OutOfRange { what: "seq", value: seq, size: st.chain.len() });
            }
            if st.io_busy {
                st = sh.durable_cv.wait(st).map_err(|_| poisoned())?;
                continue;
            }
            match sh.options.sync {
                SyncPolicy::Interval(d) => {
                    let due = st.last_sync + d;
                    let now = Instant::now();
                    if now < due {
                        st = sh.durable_cv.wait_timeout(st, due - now).map_err(|_| poisoned())?.0;
                        continue;
                    }
                    st = sh.io_round(st, true)?;
                }
                SyncPolicy::EveryRecord | SyncPolicy::OnFlush => st = sh.io_round(st, true)?,
            }
        }
    }

    /// Makes every record appended so far durable.
    pub fn flush(&self) -> Result<(), AuditError> {
        let len = {
            let st = self.shared.lock()?;
            st.usable()?;
            st.chain.len()
        };
        match len {
            0 => Ok(()),
            n => self.wait_durable(n - 1),
        }
    }

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
            st.closed = true;
            st.lock = None;
            sh.ticker_cv.notify_all();
            sh.durable_cv.notify_all();
            match &st.failed {
                Some(reason) => Err(AuditError::Failed { reason: reason.clone() }),
                None => Ok(()),
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

impl Drop for AuditLog {
    fn drop(&mut self) {
        // Best effort: a host that needs to see close errors calls close() itself.
        let _ = self.close();
    }
}

impl std::fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditLog").field("path", &self.shared.path).finish_non_exhaustive()
    }
}

impl Shared {
    fn lock(&self) -> Result<MutexGuard<'_, State>, AuditError> {
        self.state.lock().map_err(|_| poisoned())
    }

    /// Bookkeeping after records were added to the buffer.
    fn after_submit(&self, st: MutexGuard<'_, State>, was_empty: bool) -> Result<(), AuditError> {
        if was_empty {
            // The background thread sleeps while nothing is pending; it has deadlines now.
            self.ticker_cv.notify_one();
        }
        if self.options.sync == SyncPolicy::OnFlush && st.buf.len() >= WRITE_THRESHOLD && !st.io_busy {
            drop(self.io_round(st, false)?);
        }
        Ok(())
    }

    fn checkpoint_due(&self, st: &State, size: u64) -> bool {
        if self.options.signing_key.is_none() || size <= st.checkpoint_size {
            return false;
        }
        st.checkpoint_requested
            || self.options.checkpoint_every.is_some_and(|n| size - st.checkpoint_size >= n)
            || self.options.checkpoint_interval.is_some_and(|d| st.checkpoint_time.elapsed() >= d)
    }

    /// One I/O round, run by the holder of the I/O token: write the buffer, sync (with
    /// `sync`), write a checkpoint if due and rotate if the file is full. The lock is released
    /// during the I/O and held again on return.
    fn io_round<'a>(&'a self, mut st: MutexGuard<'a, State>, sync: bool) -> Result<MutexGuard<'a, State>, AuditError> {
        st.io_busy = true;
        let spare = std::mem::take(&mut st.spare);
        let mut buf = std::mem::replace(&mut st.buf, spare);
        let upto = st.chain.len();
        let file = Arc::clone(&st.file);
        let checkpoint = if sync && self.checkpoint_due(&st, upto) {
            Some(Checkpoint {
                origin: st.chain.log_id().to_string(),
                size: upto,
                root: st.chain.root(),
                extensions: Vec::new(),
            })
        } else {
            None
        };
        let checkpoints_file = st.checkpoints_file.clone();
        let new_len = st.file_len + buf.len() as u64;
        let rotate = sync && self.options.rotate_bytes.is_some_and(|max| new_len >= max);
        let segment = st.next_segment;
        drop(st);

        let result = self.do_io(&file, &buf, sync, checkpoint.as_ref(), checkpoints_file.as_deref(), rotate, segment);

        let mut st = self.lock()?;
        st.io_busy = false;
        buf.clear();
        if buf.capacity() <= 4 * WRITE_THRESHOLD {
            st.spare = buf;
        }
        let outcome = match result {
            Ok((note, rotated)) => {
                st.file_len = new_len;
                if sync {
                    st.durable = upto;
                    st.last_sync = Instant::now();
                }
                if let Some(note) = note {
                    st.checkpoint_size = upto;
                    st.checkpoint_time = Instant::now();
                    st.checkpoint_requested = false;
                    st.latest_note = Some(note);
                }
                if let Some(f) = rotated {
                    st.file = Arc::new(f);
                    st.file_len = 0;
                    st.next_segment += 1;
                }
                Ok(())
            }
            Err(e) => {
                st.failed = Some(e.to_string());
                Err(e)
            }
        };
        self.durable_cv.notify_all();
        self.ticker_cv.notify_all();
        outcome.map(|()| st)
    }

    #[allow(clippy::too_many_arguments)]
    fn do_io(
        &self,
        mut file: &File,
        buf: &[u8],
        sync: bool,
        checkpoint: Option<&Checkpoint>,
        mut checkpoints_file: Option<&File>,
        rotate: bool,
        segment: u64,
    ) -> Result<(Option<String>, Option<File>), AuditError> {
        let path = &self.path;
        if !buf.is_empty() {
            file.write_all(buf).map_err(|e| AuditError::io(path, "write", e))?;
        }
        if sync {
            #[cfg(test)]
            if self.fail_next_sync.swap(false, std::sync::atomic::Ordering::SeqCst) {
                let e = std::io::Error::other("injected fdatasync failure");
                return Err(AuditError::io(path, "fdatasync", e));
            }
            file.sync_data().map_err(|e| AuditError::io(path, "fdatasync", e))?;
        }
        let mut note = None;
        if let (Some(cp), Some(key), Some(cf)) = (checkpoint, &self.options.signing_key, checkpoints_file.as_mut()) {
            let text = cp.sign(key);
            let cpath = &self.checkpoints_path;
            let mut bytes = text.clone().into_bytes();
            bytes.push(b'\n');
            cf.write_all(&bytes).map_err(|e| AuditError::io(cpath, "write", e))?;
            cf.sync_data().map_err(|e| AuditError::io(cpath, "fdatasync", e))?;
            note = Some(text);
        }
        let mut rotated = None;
        if rotate {
            // The active file is synced; rename it to the next segment number and start an
            // empty one. A crash in between leaves either state, both of which open() reads.
            let target = with_suffix(path, &format!(".{segment}"));
            std::fs::rename(path, &target).map_err(|e| AuditError::io(path, "rename", e))?;
            let f = OpenOptions::new()
                .append(true)
                .create_new(true)
                .open(path)
                .map_err(|e| AuditError::io(path, "create", e))?;
            sync_dir(&self.dir)?;
            rotated = Some(f);
        }
        Ok((note, rotated))
    }

    /// The background thread: syncs under `Interval` when records wait, and writes
    /// time-based checkpoints.
    fn ticker(&self) {
        let Ok(mut st) = self.state.lock() else {
            return;
        };
        loop {
            if st.closed || st.failed.is_some() {
                return;
            }
            let now = Instant::now();
            let mut due = false;
            let mut next: Option<Instant> = None;
            let mut consider = |at: Instant| {
                if now >= at {
                    due = true;
                } else {
                    next = Some(next.map_or(at, |n: Instant| n.min(at)));
                }
            };
            if let SyncPolicy::Interval(d) = self.options.sync {
                if st.durable < st.chain.len() {
                    consider(st.last_sync + d);
                }
            }
            if let (Some(_), Some(d)) = (&self.options.signing_key, self.options.checkpoint_interval) {
                if st.chain.len() > st.checkpoint_size {
                    consider(st.checkpoint_time + d);
                }
            }
            if due && !st.io_busy {
                match self.io_round(st, true) {
                    Ok(g) => st = g,
                    Err(_) => return, // recorded in the state; every caller now sees it
                }
                continue;
            }
            let wait = match (due, next) {
                // Another thread holds the I/O token; it notifies us when done.
                (true, _) | (false, None) => self.ticker_cv.wait(st).map_err(|_| ()),
                (false, Some(at)) => self.ticker_cv.wait_timeout(st, at - now).map(|(g, _)| g).map_err(|_| ()),
            };
            match wait {
                Ok(g) => st = g,
                Err(_) => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{verify, Record};
    use chrono::{TimeZone, Utc};

    pub(crate) struct TempDir(pub PathBuf);

    impl TempDir {
        pub(crate) fn new(tag: &str) -> TempDir {
            let p = std::env::temp_dir().join(format!(
                "microgov-audit-{tag}-{}-{}",
                std::process::id(),
                uuid::Uuid::now_v7()
            ));
            std::fs::create_dir_all(&p).unwrap();
            TempDir(p)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn ev(i: u64) -> Event {
        Event::new("policy.evaluate")
            .tenant("acme")
            .app(format!("app-{i}"))
            .outcome("allow")
            .at(Utc.with_ymd_and_hms(2026, 11, 26, 10, 0, 0).unwrap())
    }

    fn key() -> SigningKey {
        SigningKey::from_seed("test-key", [5; 32]).unwrap()
    }

    #[test]
    fn append_reopen_continue() {
        let d = TempDir::new("reopen");
        let path = d.0.join("audit.jsonl");
        let log = AuditLog::open(&path, AuditOptions::new().log_id("t/log")).unwrap();
        assert!(log.recovery().unwrap().created);
        for i in 0..5 {
            assert_eq!(log.append(&ev(i)).unwrap().seq, i);
        }
        log.close().unwrap();
        assert_eq!(log.append(&ev(9)).unwrap_err().code(), "audit.closed");
        let log = AuditLog::open(&path, AuditOptions::new()).unwrap();
        assert_eq!(log.recovery().unwrap().records, 5);
        assert_eq!(log.append(&ev(5)).unwrap().seq, 5);
        drop(log);
        let r = verify(path.as_path(), None, None).unwrap();
        assert_eq!(r.status, VerifyStatus::Intact);
        assert_eq!(r.records, 6);
        let err = AuditLog::open(&path, AuditOptions::new().log_id("t/other")).unwrap_err();
        assert_eq!(err.code(), "audit.log_id_mismatch");
    }

    #[test]
    fn one_writer_at_a_time() {
        let d = TempDir::new("locked");
        let path = d.0.join("audit.jsonl");
        let first = AuditLog::open(&path, AuditOptions::new()).unwrap();
        first.append(&ev(0)).unwrap();
        let err = AuditLog::open(&path, AuditOptions::new()).unwrap_err();
        assert_eq!(err.code(), "audit.locked");
        assert!(err.to_string().contains("audit.jsonl.lock"), "{err}");
        // The refused open changed nothing: the first writer goes on.
        assert_eq!(first.append(&ev(1)).unwrap().seq, 1);
        first.close().unwrap();
        let second = AuditLog::open(&path, AuditOptions::new()).unwrap();
        assert_eq!(second.append(&ev(2)).unwrap().seq, 2);
        drop(second);
        let third = AuditLog::open(&path, AuditOptions::new()).unwrap();
        assert_eq!(third.recovery().unwrap().records, 3);
        drop(third);
        assert_eq!(verify(path.as_path(), None, None).unwrap().status, VerifyStatus::Intact);
    }

    #[test]
    fn torn_tail_is_cut_and_chain_continues() {
        let d = TempDir::new("torn");
        let path = d.0.join("audit.jsonl");
        let log = AuditLog::open(&path, AuditOptions::new().log_id("t/log")).unwrap();
        for i in 0..3 {
            log.append(&ev(i)).unwrap();
        }
        drop(log);
        let good_len = std::fs::metadata(&path).unwrap().len();
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"{\"action\":\"policy.eval").unwrap();
        drop(f);
        assert_eq!(verify(path.as_path(), None, None).unwrap().tamper().unwrap().kind, TamperKind::TornLine);
        let log = AuditLog::open(&path, AuditOptions::new()).unwrap();
        let rec = log.recovery().unwrap();
        assert_eq!(rec.torn_tail, Some(TornTail { file: path.clone(), offset: good_len, bytes: 22 }));
        assert_eq!(log.append(&ev(3)).unwrap().seq, 3);
        drop(log);
        assert_eq!(verify(path.as_path(), None, None).unwrap().status, VerifyStatus::Intact);
    }

    #[test]
    fn tampered_log_refuses_to_open() {
        let d = TempDir::new("tampered");
        let path = d.0.join("audit.jsonl");
        let log = AuditLog::open(&path, AuditOptions::new().log_id("t/log")).unwrap();
        for i in 0..4 {
            log.append(&ev(i)).unwrap();
        }
        drop(log);
        let text = std::fs::read_to_string(&path).unwrap().replacen("app-1", "app-X", 1);
        std::fs::write(&path, text).unwrap();
        match AuditLog::open(&path, AuditOptions::new()) {
            Err(AuditError::Tampered { kind, seq, .. }) => {
                assert_eq!((kind, seq), ("edited_record", Some(1)));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn rotation_checkpoints_and_proofs() {
        let d = TempDir::new("rotate");
        let path = d.0.join("audit.jsonl");
        let opts = AuditOptions::new()
            .log_id("t/log")
            .rotate_bytes(1000)
            .signing_key(key())
            .checkpoint_every(Some(7))
            .checkpoint_interval(None);
        let log = AuditLog::open(&path, opts.clone()).unwrap();
        for i in 0..30 {
            log.append(&ev(i)).unwrap();
        }
        let cp = log.checkpoint().unwrap();
        assert_eq!(cp.size, 30);
        let note = log.latest_note().unwrap().unwrap();
        assert_eq!(Checkpoint::open(&note, Some(&key().verifier())).unwrap(), cp);
        let proof = log.prove(12).unwrap();
        crate::audit::merkle::verify_inclusion(&log.record_hash(12).unwrap(), &proof, &cp.root).unwrap();
        let c = log.consistency(7, 30).unwrap();
        crate::audit::merkle::verify_consistency(&log.root_at(7).unwrap(), &cp.root, &c).unwrap();
        for i in 30..33 {
            log.append(&ev(i)).unwrap();
        }
        log.close().unwrap();
        assert!(segment_paths(&path).unwrap().len() >= 3);
        let checkpoints = std::fs::read_to_string(log.checkpoints_path()).unwrap();
        let (notes, _) = split_notes(&checkpoints).unwrap();
        assert_eq!(
            notes.iter().map(|n| Checkpoint::open(n, None).unwrap().size).collect::<Vec<_>>(),
            vec![7, 14, 21, 28, 30, 33]
        );
        let vkey = key().verifier().to_vkey();
        let r = verify(path.as_path(), Some(&checkpoints), Some(&vkey)).unwrap();
        assert_eq!(r.status, VerifyStatus::Intact, "{r:?}");
        assert_eq!(r.records, 33);
        // Records of a rotated segment parse; the chain continues across files.
        let first_active = std::fs::read_to_string(&path).unwrap();
        if let Some(line) = first_active.lines().next() {
            let rec = Record::from_line(line).unwrap();
            assert!(rec.seq > 0);
            assert_ne!(rec.prev, Hash::ZERO);
        }
        // Reopen: the chain, segment numbering and checkpoints continue.
        let log = AuditLog::open(&path, opts).unwrap();
        assert_eq!(log.recovery().unwrap().checkpoints, 6);
        assert_eq!(log.append(&ev(33)).unwrap().seq, 33);
        log.close().unwrap();
        let checkpoints = std::fs::read_to_string(log.checkpoints_path()).unwrap();
        assert!(verify(path.as_path(), Some(&checkpoints), Some(&vkey)).unwrap().is_ok());
        // Deleting records after a checkpoint is caught on open.
        std::fs::write(&path, "").unwrap();
        assert_eq!(AuditLog::open(&path, AuditOptions::new()).unwrap_err().code(), "audit.tampered");
    }

    #[test]
    fn crash_between_rotation_steps() {
        let d = TempDir::new("midrotate");
        let path = d.0.join("audit.jsonl");
        let log = AuditLog::open(&path, AuditOptions::new().log_id("t/log").rotate_bytes(600)).unwrap();
        for i in 0..6 {
            log.append(&ev(i)).unwrap();
        }
        drop(log);
        // The active file was renamed to the next segment, and the new one never created.
        let next = segment_paths(&path).unwrap().len() + 1;
        std::fs::rename(&path, with_suffix(&path, &format!(".{next}"))).unwrap();
        let r = verify(path.as_path(), None, None).unwrap();
        assert_eq!((r.status, r.records), (VerifyStatus::Intact, 6));
        let log = AuditLog::open(&path, AuditOptions::new()).unwrap();
        assert_eq!(log.append(&ev(6)).unwrap().seq, 6);
        drop(log);
        let r = verify(path.as_path(), None, None).unwrap();
        assert_eq!((r.status, r.records), (VerifyStatus::Intact, 7));
    }

    #[test]
    fn shareable_between_threads() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<AuditLog>();
        send_sync::<crate::audit::Chain>();
        send_sync::<AuditError>();
    }

    #[test]
    fn a_failed_sync_is_fatal_and_never_retried() {
        let d = TempDir::new("failsync");
        let path = d.0.join("audit.jsonl");
        let log = AuditLog::open(&path, AuditOptions::new().log_id("t/log")).unwrap();
        log.append(&ev(0)).unwrap();
        log.shared.fail_next_sync.store(true, std::sync::atomic::Ordering::SeqCst);
        let err = log.append(&ev(1)).unwrap_err();
        assert_eq!(err.code(), "audit.io");
        assert!(err.to_string().contains("fdatasync"), "{err}");
        // Every later call fails, even though the next sync would succeed.
        for e in [
            log.append(&ev(2)).unwrap_err(),
            log.submit(&ev(3)).unwrap_err(),
            log.flush().unwrap_err(),
            log.checkpoint().unwrap_err(),
            log.close().unwrap_err(),
        ] {
            assert_eq!(e.code(), "audit.failed", "{e}");
            assert!(e.to_string().contains("injected fdatasync failure"), "{e}");
        }
        assert_eq!(log.durable_count().unwrap(), 1);
        // What reached the file is still a valid log; reopening continues after it.
        drop(log);
        let log = AuditLog::open(&path, AuditOptions::new()).unwrap();
        assert!(log.record_count().unwrap() >= 1);
    }

    #[test]
    fn signing_key_can_change() {
        let d = TempDir::new("rekey");
        let path = d.0.join("audit.jsonl");
        let opts = AuditOptions::new().log_id("t/log").signing_key(key());
        let log = AuditLog::open(&path, opts).unwrap();
        log.append(&ev(0)).unwrap();
        log.close().unwrap();
        let new_key = SigningKey::from_seed("test-key-2", [6; 32]).unwrap();
        let log = AuditLog::open(&path, AuditOptions::new().signing_key(new_key.clone())).unwrap();
        log.append(&ev(1)).unwrap();
        log.close().unwrap();
        // A forged signature by the configured key is still refused.
        let notes = std::fs::read_to_string(log.checkpoints_path()).unwrap();
        let i = notes.rfind("test-key-2 ").unwrap() + 11;
        let mut forged = notes.clone();
        forged.replace_range(i + 8..i + 12, "AAAA");
        std::fs::write(log.checkpoints_path(), forged).unwrap();
        let err = AuditLog::open(&path, AuditOptions::new().signing_key(new_key)).unwrap_err();
        assert!(matches!(err, AuditError::Tampered { kind: "bad_signature", .. }), "{err}");
    }

    #[test]
    fn many_threads_one_order() {
        for policy in [SyncPolicy::EveryRecord, SyncPolicy::Interval(Duration::from_millis(2)), SyncPolicy::OnFlush] {
            let d = TempDir::new("threads");
            let path = d.0.join("audit.jsonl");
            let log = Arc::new(AuditLog::open(&path, AuditOptions::new().sync(policy).log_id("t/log")).unwrap());
            let handles: Vec<_> = (0..4)
                .map(|t| {
                    let log = Arc::clone(&log);
                    std::thread::spawn(move || {
                        (0..50).map(|i| log.append(&ev(t * 100 + i)).unwrap().seq).collect::<Vec<_>>()
                    })
                })
                .collect();
            let mut seqs: Vec<u64> = handles.into_iter().flat_map(|h| h.join().unwrap()).collect();
            seqs.sort_unstable();
            assert_eq!(seqs, (0..200).collect::<Vec<_>>());
            if policy != SyncPolicy::OnFlush {
                assert_eq!(log.durable_count().unwrap(), 200);
            }
            log.flush().unwrap();
            let r = verify(path.as_path(), None, None).unwrap();
            assert_eq!((r.status, r.records), (VerifyStatus::Intact, 200));
        }
    }

    #[test]
    fn submit_then_wait() {
        let d = TempDir::new("submit");
        let path = d.0.join("audit.jsonl");
        let log =
            AuditLog::open(&path, AuditOptions::new().sync(SyncPolicy::Interval(Duration::from_millis(5)))).unwrap();
        let receipts: Vec<_> = (0..100).map(|i| log.submit(&ev(i)).unwrap()).collect();
        log.wait_durable(99).unwrap();
        assert_eq!(log.durable_count().unwrap(), 100);
        // The background thread makes submitted records durable without a waiter.
        log.submit(&ev(100)).unwrap();
        let start = Instant::now();
        while log.durable_count().unwrap() < 101 && start.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert_eq!(log.durable_count().unwrap(), 101);
        assert_eq!(log.wait_durable(500).unwrap_err().code(), "audit.out_of_range");
        let b = log.append_batch(&[ev(1), ev(2)]).unwrap();
        assert_eq!((b[0].seq, b[1].seq), (101, 102));
        assert_eq!(receipts[5].hash, log.record_hash(5).unwrap());
        assert_eq!(log.append(&Event::new("nope")).unwrap_err().code(), "audit.bad_event");
        assert_eq!(log.record_count().unwrap(), 103);
    }
}
