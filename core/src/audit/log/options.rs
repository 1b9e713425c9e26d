//! What a caller sets when opening a log ([`AuditOptions`], [`SyncPolicy`]) and what opening
//! found ([`Recovery`], [`TornTail`]).

use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;

use crate::audit::checkpoint::SigningKey;
use crate::audit::AuditError;
#[cfg(doc)]
use crate::audit::AuditLog;

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

    /// Refuses options that cannot work (zero intervals and sizes).
    pub(super) fn check(&self) -> Result<(), AuditError> {
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
