//! Opening a log: take the writer lock, check the checkpoints and every record already
//! written, cut a torn tail, resume the chain, open the files, start the background thread.
//! One function per step, called by [`AuditLog::open`] in that order.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Instant;

use super::lock::lock_writer;
use super::{sync_dir, with_suffix, AuditOptions, FileLog, Recovery, Shared, State, SyncPolicy, TornTail};
use crate::audit::chain::Chain;
use crate::audit::checkpoint::{has_signature_by, split_notes, Checkpoint, SigningKey};
use crate::audit::merkle::MerkleTree;
use crate::audit::verify::{open_sources, scan, segment_paths, LogSource, TamperKind, VerifyStatus};
use crate::audit::AuditError;

/// The checkpoints file as found: every checkpoint (each matching its key, if any).
#[derive(Default)]
struct Checkpoints {
    all: Vec<Checkpoint>,
    latest_note: Option<String>,
    /// `(complete, len)` when the file ends in a torn note: the bytes to keep, and its length.
    torn: Option<(u64, u64)>,
}

impl Checkpoints {
    /// The size of the largest tree a checkpoint attests (0 without any).
    fn largest(&self) -> u64 {
        self.all.iter().map(|c| c.size).max().unwrap_or(0)
    }
}

/// The records already written, verified against the checkpoints.
struct Records {
    tree: MerkleTree,
    /// The active file exists (it is created otherwise).
    exists: bool,
    /// The number the next rotated segment gets.
    next_segment: u64,
    /// The log id the records carry, if there are any.
    log_id: Option<String>,
}

impl FileLog {
    /// Opens (or creates) the log at `path`.
    ///
    /// An existing log — its rotated segments, the file, and the checkpoints file — is
    /// verified first. A torn last line (a crash in the middle of a write) is cut off and
    /// reported in [`AuditLog::recovery`]; any other finding makes `open` fail with
    /// [`AuditError::Tampered`], so that nothing is appended to a broken chain.
    pub fn open(path: impl AsRef<Path>, options: AuditOptions) -> Result<FileLog, AuditError> {
        options.check()?;
        let path = path.as_ref().to_path_buf();
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let checkpoints_path = with_suffix(&path, ".checkpoints");
        let lock = lock_writer(&path)?;
        let mut recovery = Recovery::default();

        let checkpoints = read_checkpoints(&checkpoints_path, options.signing_key.as_ref(), &mut recovery)?;
        let records = read_records(&path, &checkpoints, &mut recovery)?;
        let log_id = choose_log_id(&path, records.log_id, options.log_id.clone())?;
        let chain = Chain::resume(&log_id, records.tree)?;
        let (file, file_len) = open_active(&path, &dir, records.exists)?;
        let checkpoints_file = open_checkpoints(&checkpoints_path, &dir, &options, &checkpoints, &mut recovery)?;

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
            next_segment: records.next_segment,
            checkpoints_file,
            checkpoint_size: checkpoints.largest(),
            checkpoint_time: now,
            checkpoint_requested: false,
            latest_note: checkpoints.latest_note,
            last_sync: now,
            failed: None,
            closed: false,
            lock: Some(lock),
            recovery,
        };
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
        let ticker = start_ticker(&shared)?;
        Ok(FileLog { shared, ticker: Mutex::new(ticker) })
    }
}

/// Reads the existing checkpoints: every one must match the log; a torn last note is noted to
/// be cut off (by [`open_checkpoints`]).
fn read_checkpoints(
    checkpoints_path: &Path,
    signing_key: Option<&SigningKey>,
    recovery: &mut Recovery,
) -> Result<Checkpoints, AuditError> {
    let bytes = match std::fs::read(checkpoints_path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Checkpoints::default()),
        Err(e) => return Err(AuditError::io(checkpoints_path, "read", e)),
    };
    let text = String::from_utf8_lossy(&bytes);
    let (notes, complete) = split_notes(&text)?;
    let verifier = signing_key.map(SigningKey::verifier);
    let mut all = Vec::with_capacity(notes.len());
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
        all.push(cp);
    }
    recovery.checkpoints = notes.len();
    Ok(Checkpoints {
        all,
        latest_note: notes.last().map(|n| n.to_string()),
        torn: (complete < bytes.len()).then_some((complete as u64, bytes.len() as u64)),
    })
}

/// Verifies the rotated segments and the active file against the checkpoints, rebuilding the
/// Merkle tree; a torn last line of the active file is cut off, any other finding is
/// [`AuditError::Tampered`].
fn read_records(path: &Path, checkpoints: &Checkpoints, recovery: &mut Recovery) -> Result<Records, AuditError> {
    let segments = segment_paths(path)?;
    let next_segment = match segments.last() {
        Some(last) => {
            last.extension().and_then(|e| e.to_str()).and_then(|n| n.parse::<u64>().ok()).map_or(1, |n| n + 1)
        }
        None => 1,
    };
    recovery.segments = segments.len();
    let exists = match std::fs::metadata(path) {
        Ok(_) => true,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => return Err(AuditError::io(path, "stat", e)),
    };
    let mut files = segments;
    if exists {
        files.push(path.to_path_buf());
    }
    let mut tree = MerkleTree::new();
    let inputs = open_sources(LogSource::Files(files.clone()))?;
    let found = scan(inputs, &checkpoints.all, &mut |h| tree.push(h))?;
    let tampered = |kind: &'static str, seq: Option<u64>, reason: String| AuditError::Tampered {
        path: path.display().to_string(),
        kind,
        seq,
        reason,
    };
    match (&found.report.status, found.torn) {
        (VerifyStatus::Tampered(t), Some(torn)) if exists && torn.input + 1 == files.len() => {
            if found.report.records < checkpoints.largest() {
                return Err(tampered("truncated", Some(found.report.records), t.reason.clone()));
            }
            recovery.torn_tail = Some(cut_torn_tail(path, torn.offset)?);
        }
        (VerifyStatus::Tampered(t), _) => return Err(tampered(t.kind.code(), t.seq, t.reason.clone())),
        _ => {}
    }
    recovery.records = found.report.records;
    recovery.created = !exists;
    Ok(Records { tree, exists, next_segment, log_id: found.report.log_id })
}

/// Cuts the active file at `offset`, where its torn last line starts, and syncs it.
fn cut_torn_tail(path: &Path, offset: u64) -> Result<TornTail, AuditError> {
    let f = OpenOptions::new().write(true).open(path).map_err(|e| AuditError::io(path, "open", e))?;
    let len = f.metadata().map_err(|e| AuditError::io(path, "stat", e))?.len();
    f.set_len(offset).map_err(|e| AuditError::io(path, "truncate", e))?;
    f.sync_all().map_err(|e| AuditError::io(path, "fsync", e))?;
    Ok(TornTail { file: path.to_path_buf(), offset, bytes: len - offset })
}

/// The log id: the one the records carry (which the options, if they name one, must match),
/// else the options', else a new `microgov/<uuid v7>`.
fn choose_log_id(path: &Path, found: Option<String>, wanted: Option<String>) -> Result<String, AuditError> {
    Ok(match (found, wanted) {
        (Some(found), Some(wanted)) if found != wanted => {
            return Err(AuditError::LogIdMismatch {
                reason: format!("{} holds log {found:?}, options ask for {wanted:?}", path.display()),
            })
        }
        (Some(found), _) => found,
        (None, Some(wanted)) => wanted,
        (None, None) => format!("microgov/{}", uuid::Uuid::now_v7()),
    })
}

/// Opens the active file for appending (creating it, durably, when it did not exist) and
/// returns it with its length.
fn open_active(path: &Path, dir: &Path, exists: bool) -> Result<(File, u64), AuditError> {
    let file = OpenOptions::new().append(true).create(true).open(path).map_err(|e| AuditError::io(path, "open", e))?;
    if !exists {
        sync_dir(dir)?;
    }
    let len = file.metadata().map_err(|e| AuditError::io(path, "stat", e))?.len();
    Ok((file, len))
}

/// Opens the checkpoints file for appending when checkpoints are signed or already exist,
/// cutting a torn last note first.
fn open_checkpoints(
    checkpoints_path: &Path,
    dir: &Path,
    options: &AuditOptions,
    checkpoints: &Checkpoints,
    recovery: &mut Recovery,
) -> Result<Option<Arc<File>>, AuditError> {
    if options.signing_key.is_none() && checkpoints.all.is_empty() {
        return Ok(None);
    }
    let existed = checkpoints_path.exists();
    let f = OpenOptions::new()
        .append(true)
        .create(true)
        .open(checkpoints_path)
        .map_err(|e| AuditError::io(checkpoints_path, "open", e))?;
    if let Some((complete, len)) = checkpoints.torn {
        f.set_len(complete).map_err(|e| AuditError::io(checkpoints_path, "truncate", e))?;
        f.sync_all().map_err(|e| AuditError::io(checkpoints_path, "fsync", e))?;
        recovery.torn_checkpoint_bytes = len - complete;
    }
    if !existed {
        sync_dir(dir)?;
    }
    Ok(Some(Arc::new(f)))
}

/// Starts the background thread when the options need one (interval syncs, time-based
/// checkpoints).
fn start_ticker(shared: &Arc<Shared>) -> Result<Option<std::thread::JoinHandle<()>>, AuditError> {
    let options = &shared.options;
    let needs_ticker = matches!(options.sync, SyncPolicy::Interval(_))
        || (options.signing_key.is_some() && options.checkpoint_interval.is_some());
    if !needs_ticker {
        return Ok(None);
    }
    let s = Arc::clone(shared);
    let handle = std::thread::Builder::new()
        .name("microgov-audit".into())
        .spawn(move || s.ticker())
        .map_err(|e| AuditError::io(&shared.path, "spawn background thread", e))?;
    Ok(Some(handle))
}
