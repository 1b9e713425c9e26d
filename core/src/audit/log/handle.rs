//! [`AuditLog`]: one type over the two places a log lives, a file ([`FileLog`]) or, for a
//! `postgres://...?log=<log_id>` address, a PostgreSQL database (`crate::audit::pg`, cargo
//! feature `postgres`). Both write the same records, hashes, Merkle tree and checkpoints;
//! this file only picks the backend and forwards.

use std::path::{Path, PathBuf};

use super::{AuditOptions, FileLog, Recovery};
use crate::audit::chain::Receipt;
use crate::audit::checkpoint::Checkpoint;
use crate::audit::location::is_store_url;
use crate::audit::merkle::{ConsistencyProof, Hash, InclusionProof};
#[cfg(feature = "postgres")]
use crate::audit::pg::{PgLog, Settings};
use crate::audit::{AuditError, Event};

/// A durable, tamper-evident audit log. `Send + Sync`: share it (in an `Arc`) and append from
/// many threads.
///
/// [`AuditLog::open`] takes a file path (one writer per file: a second one gets
/// `audit.locked`) or, with the cargo feature `postgres`, a `postgres://` URL whose `log`
/// parameter names the chain: any number of processes on any number of machines append to
/// it, and every append returns once its transaction committed.
///
/// ```no_run
/// use microgov::audit::{AuditLog, AuditOptions, Event, SigningKey, SyncPolicy};
/// use std::time::Duration;
/// let key = SigningKey::generate("acme.example/audit")?;
/// let log = AuditLog::open(
///     "audit.jsonl", // or "postgres://audit@db.internal/microgov?log=tenant-acme"
///     AuditOptions::new().sync(SyncPolicy::Interval(Duration::from_millis(10))).signing_key(key),
/// )?;
/// let receipt = log.append(&Event::new("app.register").tenant("acme").app("expense-approver"))?;
/// let proof = log.prove(receipt.seq)?;
/// log.close()?;
/// # Ok::<(), microgov::audit::AuditError>(())
/// ```
pub struct AuditLog {
    backend: Backend,
    /// The file, or the store's address without its password.
    path: PathBuf,
    checkpoints_path: PathBuf,
}

enum Backend {
    File(FileLog),
    #[cfg(feature = "postgres")]
    Postgres(Box<PgLog>),
}

impl AuditLog {
    /// Opens (or creates) the log at `location`: a file path, or a `postgres://` URL.
    ///
    /// A file log is verified first: a torn last line (a crash in the middle of a write) is
    /// cut off and reported in [`AuditLog::recovery`]; any other finding makes `open` fail
    /// with [`AuditError::Tampered`], so that nothing is appended to a broken chain.
    ///
    /// A PostgreSQL log gets its tables created when missing (`core/docs/audit-postgres.md`)
    /// and its head checked against its last record; [`verify`](crate::audit::verify) reads
    /// the whole chain. Every append commits before it returns, whatever
    /// [`AuditOptions::sync`] says, and concurrent appends share transactions.
    pub fn open(location: impl AsRef<Path>, options: AuditOptions) -> Result<AuditLog, AuditError> {
        let location = location.as_ref();
        match location.to_str() {
            Some(url) if is_store_url(url) => Self::open_store(url, options),
            _ => {
                let file = FileLog::open(location, options)?;
                let (path, checkpoints_path) = (file.path().to_path_buf(), file.checkpoints_path().to_path_buf());
                Ok(AuditLog { backend: Backend::File(file), path, checkpoints_path })
            }
        }
    }

    #[cfg(feature = "postgres")]
    fn open_store(url: &str, options: AuditOptions) -> Result<AuditLog, AuditError> {
        options.check()?;
        let settings = Settings {
            log_id: options.log_id,
            signing_key: options.signing_key,
            checkpoint_every: options.checkpoint_every,
            checkpoint_interval: options.checkpoint_interval,
        };
        let log = PgLog::open(url, settings)?;
        let path = PathBuf::from(log.display());
        Ok(AuditLog { checkpoints_path: path.clone(), path, backend: Backend::Postgres(Box::new(log)) })
    }

    #[cfg(not(feature = "postgres"))]
    fn open_store(url: &str, _: AuditOptions) -> Result<AuditLog, AuditError> {
        Err(crate::audit::location::unsupported(url))
    }

    /// Appends an event and returns once it is durable (under the sync policy, for a file).
    /// An error means the record is not acknowledged (it may or may not be in the log).
    pub fn append(&self, event: &Event) -> Result<Receipt, AuditError> {
        match &self.backend {
            Backend::File(f) => f.append(event),
            #[cfg(feature = "postgres")]
            Backend::Postgres(p) => p.append(event),
        }
    }

    /// Appends several events in one go (one lock, one durability wait; in PostgreSQL one
    /// transaction, all or nothing); they get consecutive seqs unless another thread appends
    /// at the same time.
    pub fn append_batch(&self, events: &[Event]) -> Result<Vec<Receipt>, AuditError> {
        match &self.backend {
            Backend::File(f) => f.append_batch(events),
            #[cfg(feature = "postgres")]
            Backend::Postgres(p) => p.append_batch(events),
        }
    }

    /// Assigns the record its seq and queues it, without waiting for durability: a file
    /// log's record is *not* acknowledged until [`wait_durable`](AuditLog::wait_durable)
    /// returns for its seq. A PostgreSQL log learns the seq only from its transaction, so
    /// there this is [`append`](AuditLog::append).
    pub fn submit(&self, event: &Event) -> Result<Receipt, AuditError> {
        match &self.backend {
            Backend::File(f) => f.submit(event),
            #[cfg(feature = "postgres")]
            Backend::Postgres(p) => p.append(event),
        }
    }

    /// Blocks until record `seq` (and every record before it) is durable.
    pub fn wait_durable(&self, seq: u64) -> Result<(), AuditError> {
        match &self.backend {
            Backend::File(f) => f.wait_durable(seq),
            #[cfg(feature = "postgres")]
            Backend::Postgres(p) => p.head().and_then(|h| match seq < h.size {
                true => Ok(()),
                false => Err(AuditError::OutOfRange { what: "seq", value: seq, size: h.size }),
            }),
        }
    }

    /// Makes every record appended so far durable (a PostgreSQL log has nothing waiting).
    pub fn flush(&self) -> Result<(), AuditError> {
        match &self.backend {
            Backend::File(f) => f.flush(),
            #[cfg(feature = "postgres")]
            Backend::Postgres(p) => p.head().map(|_| ()),
        }
    }

    /// Makes every record durable and, with a signing key, writes a signed checkpoint of the
    /// whole log (unless the last one already covers it). Returns the checkpoint of the
    /// current size (unsigned when no key is configured).
    pub fn checkpoint(&self) -> Result<Checkpoint, AuditError> {
        match &self.backend {
            Backend::File(f) => f.checkpoint(),
            #[cfg(feature = "postgres")]
            Backend::Postgres(p) => p.checkpoint(),
        }
    }

    /// The text of the last signed checkpoint note written or found on open.
    pub fn latest_note(&self) -> Result<Option<String>, AuditError> {
        match &self.backend {
            Backend::File(f) => f.latest_note(),
            #[cfg(feature = "postgres")]
            Backend::Postgres(p) => p.latest_note(),
        }
    }

    /// Inclusion proof of record `seq` in the log as it is now (`tree_size` = record count).
    pub fn prove(&self, seq: u64) -> Result<InclusionProof, AuditError> {
        match &self.backend {
            Backend::File(f) => f.prove(seq),
            #[cfg(feature = "postgres")]
            Backend::Postgres(p) => p.prove(seq),
        }
    }

    /// Inclusion proof of record `seq` in the tree of `tree_size` records (the size of a
    /// checkpoint the verifier holds).
    pub fn prove_at(&self, seq: u64, tree_size: u64) -> Result<InclusionProof, AuditError> {
        match &self.backend {
            Backend::File(f) => f.prove_at(seq, tree_size),
            #[cfg(feature = "postgres")]
            Backend::Postgres(p) => p.prove_at(seq, tree_size),
        }
    }

    /// Consistency proof between two tree sizes (two checkpoints).
    pub fn consistency(&self, old_size: u64, new_size: u64) -> Result<ConsistencyProof, AuditError> {
        match &self.backend {
            Backend::File(f) => f.consistency(old_size, new_size),
            #[cfg(feature = "postgres")]
            Backend::Postgres(p) => p.consistency(old_size, new_size),
        }
    }

    /// The record hash of `seq`.
    pub fn record_hash(&self, seq: u64) -> Result<Hash, AuditError> {
        match &self.backend {
            Backend::File(f) => f.record_hash(seq),
            #[cfg(feature = "postgres")]
            Backend::Postgres(p) => p.record_hash(seq),
        }
    }

    /// Merkle root of the tree of `tree_size` records.
    pub fn root_at(&self, tree_size: u64) -> Result<Hash, AuditError> {
        match &self.backend {
            Backend::File(f) => f.root_at(tree_size),
            #[cfg(feature = "postgres")]
            Backend::Postgres(p) => p.root_at(tree_size),
        }
    }

    /// Number of records (appended, not necessarily durable yet; in PostgreSQL, by every
    /// writer, as committed now).
    pub fn record_count(&self) -> Result<u64, AuditError> {
        match &self.backend {
            Backend::File(f) => f.record_count(),
            #[cfg(feature = "postgres")]
            Backend::Postgres(p) => p.head().map(|h| h.size),
        }
    }

    /// Number of records known to be durable.
    pub fn durable_count(&self) -> Result<u64, AuditError> {
        match &self.backend {
            Backend::File(f) => f.durable_count(),
            #[cfg(feature = "postgres")]
            Backend::Postgres(p) => p.head().map(|h| h.size),
        }
    }

    /// The log id.
    pub fn log_id(&self) -> Result<String, AuditError> {
        match &self.backend {
            Backend::File(f) => f.log_id(),
            #[cfg(feature = "postgres")]
            Backend::Postgres(p) => Ok(p.log_id().to_string()),
        }
    }

    /// The active file, or a PostgreSQL log's address without its password.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The checkpoints file (`<path>.checkpoints`); for a PostgreSQL log, its address (the
    /// checkpoints are rows of `microgov_audit_checkpoints`).
    pub fn checkpoints_path(&self) -> &Path {
        &self.checkpoints_path
    }

    /// Whether the log lives in a database rather than a file.
    pub fn is_store(&self) -> bool {
        !matches!(self.backend, Backend::File(_))
    }

    /// What open found and repaired.
    pub fn recovery(&self) -> Result<Recovery, AuditError> {
        match &self.backend {
            Backend::File(f) => f.recovery(),
            #[cfg(feature = "postgres")]
            Backend::Postgres(p) => {
                let o = p.opened();
                Ok(Recovery {
                    created: o.created,
                    records: o.records,
                    checkpoints: o.checkpoints,
                    ..Recovery::default()
                })
            }
        }
    }

    /// Flushes, writes a final checkpoint (with a signing key) and closes. Later calls fail
    /// with [`AuditError::Closed`]. Closing twice is fine.
    pub fn close(&self) -> Result<(), AuditError> {
        match &self.backend {
            Backend::File(f) => f.close(),
            #[cfg(feature = "postgres")]
            Backend::Postgres(p) => p.close(),
        }
    }

    /// The file log inside (tests reach its fault injection).
    #[cfg(test)]
    pub(crate) fn file(&self) -> Option<&FileLog> {
        match &self.backend {
            Backend::File(f) => Some(f),
            #[cfg(feature = "postgres")]
            Backend::Postgres(_) => None,
        }
    }
}

impl Drop for AuditLog {
    fn drop(&mut self) {
        // Best effort: a host that needs to see close errors calls close() itself. (The file
        // log closes itself on drop too; closing twice is fine.)
        let _ = self.close();
    }
}

impl std::fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditLog").field("path", &self.path).finish_non_exhaustive()
    }
}
