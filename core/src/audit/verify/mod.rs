//! Verification of a log against its own hash chain and, optionally, signed checkpoints.
//!
//! The verifier streams: it keeps one line, the previous hash and the Merkle frontier
//! (O(log n) hashes), so a log of any size verifies in constant memory. It stops at the first
//! bad record and names it; the classification rules are those of `core/docs/audit-format.md`
//! ("Verification").

use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::checkpoint::{split_notes, Checkpoint, VerifierKey};
use super::location::is_store_url;
use super::merkle::{Frontier, Hash};
use super::AuditError;

mod scan;
mod stored;
#[cfg(test)]
mod tests;

pub(crate) use scan::{open_sources, scan, scan_lines, segment_paths, Input};
pub use stored::{for_each_line, read_checkpoints, write_lines};

/// Where the records come from. A path that is a `postgres://` URL (see
/// [`is_store_url`](crate::audit::is_store_url)) converts to [`LogSource::Store`].
pub enum LogSource<'a> {
    /// A log file; its rotated segments (`<path>.1`, `<path>.2`, ...) are read first, in
    /// number order, then the file itself.
    Path(PathBuf),
    /// A log in PostgreSQL, `postgres://user@host:port/db?log=<log_id>` (cargo feature
    /// `postgres`): its rows in seq order, read as the lines of a file.
    Store(String),
    /// Exactly these files, in this order (the first must start at seq 0).
    Files(Vec<PathBuf>),
    /// A stream of lines (for example a log piped from elsewhere).
    Reader(Box<dyn Read + 'a>),
}

impl LogSource<'_> {
    /// A file path, or a store when `p` is a `postgres://` URL.
    fn of_path(p: PathBuf) -> Self {
        match p.to_str() {
            Some(s) if is_store_url(s) => LogSource::Store(s.to_string()),
            _ => LogSource::Path(p),
        }
    }
}

impl From<&Path> for LogSource<'_> {
    fn from(p: &Path) -> Self {
        LogSource::of_path(p.to_path_buf())
    }
}

impl From<PathBuf> for LogSource<'_> {
    fn from(p: PathBuf) -> Self {
        LogSource::of_path(p)
    }
}

impl From<&PathBuf> for LogSource<'_> {
    fn from(p: &PathBuf) -> Self {
        LogSource::of_path(p.clone())
    }
}

impl From<&str> for LogSource<'_> {
    fn from(p: &str) -> Self {
        LogSource::of_path(PathBuf::from(p))
    }
}

impl From<Vec<PathBuf>> for LogSource<'_> {
    fn from(files: Vec<PathBuf>) -> Self {
        LogSource::Files(files)
    }
}

/// What is wrong, as a stable snake_case code (the same in every language binding).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TamperKind {
    /// A record's content changed after the next record was written (its hash no longer
    /// matches the next record's `prev`).
    EditedRecord,
    /// Records are missing: seq jumps forward and the chain breaks.
    DeletedRecord,
    /// Seq jumps forward but the chain is unbroken.
    SeqGap,
    /// A record is out of place (swapped, moved or repeated).
    Reordered,
    /// A record's `prev` does not match the previous record and cannot be explained by an
    /// edit of the previous record.
    BadPrev,
    /// A line is valid JSON but not its canonical form.
    NonCanonical,
    /// A line repeats a member name.
    DuplicateKey,
    /// A line holds a float, an integer beyond ±(2^53−1) or a lone surrogate.
    BadValue,
    /// A line is not UTF-8 JSON (or is empty, or too long, or nested too deep).
    BadJson,
    /// A line is canonical JSON but not a valid record.
    BadRecord,
    /// The last line of a file has no line feed: an interrupted write.
    TornLine,
    /// A record names another log (or the checkpoint names another log).
    LogIdMismatch,
    /// The checkpoint carries no valid signature by the given key.
    BadSignature,
    /// The log has fewer records than the checkpoint covers.
    Truncated,
    /// The records the checkpoint covers hash to a different root: history was rewritten.
    RootMismatch,
}

impl TamperKind {
    /// The stable code, e.g. `edited_record`.
    pub fn code(&self) -> &'static str {
        match self {
            TamperKind::EditedRecord => "edited_record",
            TamperKind::DeletedRecord => "deleted_record",
            TamperKind::SeqGap => "seq_gap",
            TamperKind::Reordered => "reordered",
            TamperKind::BadPrev => "bad_prev",
            TamperKind::NonCanonical => "non_canonical",
            TamperKind::DuplicateKey => "duplicate_key",
            TamperKind::BadValue => "bad_value",
            TamperKind::BadJson => "bad_json",
            TamperKind::BadRecord => "bad_record",
            TamperKind::TornLine => "torn_line",
            TamperKind::LogIdMismatch => "log_id_mismatch",
            TamperKind::BadSignature => "bad_signature",
            TamperKind::Truncated => "truncated",
            TamperKind::RootMismatch => "root_mismatch",
        }
    }
}

impl std::fmt::Display for TamperKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// The first bad record and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Tamper {
    /// What is wrong.
    pub kind: TamperKind,
    /// The seq of the first bad record (the seq the record at that position should have);
    /// `None` when no single record can be named (`root_mismatch`, `bad_signature`).
    pub seq: Option<u64>,
    /// The file, when reading files.
    pub file: Option<String>,
    /// The 1-based line in that file.
    pub line: Option<u64>,
    /// A sentence for humans.
    pub reason: String,
}

/// The verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum VerifyStatus {
    /// Every record verifies, and the checkpoint (if given) covers exactly all of them.
    Intact,
    /// The first problem found.
    Tampered(Tamper),
    /// Every record verifies and the checkpoint matches, but records were appended after the
    /// checkpoint: they are not (yet) attested by a signature. Not a sign of tampering.
    Unattested {
        /// Records the checkpoint covers.
        checkpoint_size: u64,
        /// Records after it.
        unattested: u64,
    },
}

/// The result of [`verify`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct VerifyReport {
    /// The verdict.
    #[serde(flatten)]
    pub status: VerifyStatus,
    /// Records that verified, from seq 0 up to the first bad one.
    pub records: u64,
    /// The log id of those records.
    pub log_id: Option<String>,
    /// Hash of the last verified record.
    pub last_hash: Option<Hash>,
    /// Merkle root of the verified records.
    pub root: Hash,
    /// The largest checkpoint given, once parsed.
    pub checkpoint: Option<Checkpoint>,
    /// Whether the checkpoint's signature was checked with a public key.
    pub signature_verified: bool,
}

impl VerifyReport {
    /// True when nothing was tampered with (`Intact` or `Unattested`).
    pub fn is_ok(&self) -> bool {
        !matches!(self.status, VerifyStatus::Tampered(_))
    }

    /// The tamper finding, if any.
    pub fn tamper(&self) -> Option<&Tamper> {
        match &self.status {
            VerifyStatus::Tampered(t) => Some(t),
            _ => None,
        }
    }
}

/// Verifies a log, optionally against checkpoints.
///
/// `checkpoint` is the text of a signed checkpoint note, or of a whole checkpoints file (every
/// note in it is checked). `public_key` is the verifier key string
/// (`<name>+<hex id>+<base64>`); without it the checkpoint is trusted as given and only its
/// root is compared. For a PostgreSQL log, a `public_key` without `checkpoint` checks the
/// checkpoints stored with the log that this key signed. Finding tampering is not an error: it is the report's status. Errors are
/// for unreadable files and malformed keys or checkpoints.
///
/// ```no_run
/// let report = microgov::audit::verify("audit.jsonl", None, None)?;
/// if let Some(t) = report.tamper() {
///     eprintln!("{} at seq {:?}: {}", t.kind, t.seq, t.reason);
/// }
/// # Ok::<(), microgov::audit::AuditError>(())
/// ```
pub fn verify<'a>(
    log: impl Into<LogSource<'a>>,
    checkpoint: Option<&str>,
    public_key: Option<&str>,
) -> Result<VerifyReport, AuditError> {
    let key = public_key.map(VerifierKey::parse).transpose()?;
    let log = log.into();
    // A database log keeps its checkpoints beside its records: a key alone checks those.
    let stored = match (&log, &key, checkpoint) {
        (LogSource::Store(url), Some(k), None) => Some(read_checkpoints(url, Some(k))?.ok_or_else(|| {
            AuditError::InvalidArgument { reason: format!("{url}: no checkpoint signed by {} is stored", k.name()) }
        })?),
        _ => None,
    };
    let checkpoint = checkpoint.or(stored.as_deref());
    if key.is_some() && checkpoint.is_none() {
        return Err(AuditError::InvalidArgument { reason: "a public key was given without a checkpoint".into() });
    }
    let mut checkpoints = Vec::new();
    if let Some(text) = checkpoint {
        let (notes, complete) = split_notes(text)?;
        if complete != text.len() || notes.is_empty() {
            return Err(AuditError::BadCheckpoint { reason: format!("incomplete checkpoint note at byte {complete}") });
        }
        for (i, note) in notes.iter().enumerate() {
            match Checkpoint::open(note, key.as_ref()) {
                Ok(cp) => checkpoints.push(cp),
                Err(AuditError::BadSignature { reason }) => {
                    let tamper = Tamper {
                        kind: TamperKind::BadSignature,
                        seq: None,
                        file: None,
                        line: None,
                        reason: format!("checkpoint {}: {reason}", i + 1),
                    };
                    return Ok(VerifyReport {
                        status: VerifyStatus::Tampered(tamper),
                        records: 0,
                        log_id: None,
                        last_hash: None,
                        root: Frontier::default().root(),
                        checkpoint: None,
                        signature_verified: false,
                    });
                }
                Err(e) => return Err(e),
            }
        }
    }
    let signature_verified = key.is_some();
    let mut scan = scan(open_sources(log)?, &checkpoints, &mut |_| {})?;
    scan.report.signature_verified = signature_verified;
    Ok(scan.report)
}
