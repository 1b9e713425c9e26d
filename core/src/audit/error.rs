//! The one error type of the audit module.
//!
//! Every variant carries a stable `code()` so that the Python and Node bindings and the CLI can
//! map errors without matching on message text. A verification that *finds* tampering is not
//! an error: it is a [`VerifyReport`](super::VerifyReport) with a `Tampered` status. Errors are
//! for calls that could not do their job (bad arguments, I/O, a log that refuses to open).

use std::path::Path;

/// Why an audit call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuditError {
    /// Reading, writing, syncing or renaming a file failed.
    #[error("i/o error on {path}: {op}: {source}")]
    Io {
        /// The file or directory involved.
        path: String,
        /// What was being done (`open`, `write`, `fdatasync`, ...).
        op: &'static str,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// Input is not well-formed JSON (or not UTF-8).
    #[error("bad json at {at}: {reason}")]
    BadJson {
        /// Where: a JSON pointer, a line number or a byte offset.
        at: String,
        /// What is wrong.
        reason: String,
    },
    /// A JSON value lies outside the canonical-safe subset (float, integer beyond ±(2^53−1),
    /// lone surrogate).
    #[error("value not allowed at {at}: {reason}")]
    BadValue {
        /// A JSON pointer or location.
        at: String,
        /// What is wrong.
        reason: String,
    },
    /// An object has the same member name twice.
    #[error("duplicate key {key:?} at {at}")]
    DuplicateKey {
        /// The repeated member name.
        key: String,
        /// Where the object is.
        at: String,
    },
    /// Bytes are valid JSON but not their own RFC 8785 canonical form.
    #[error("not canonical json at {at}: {reason}")]
    NonCanonical {
        /// Where the first difference is.
        at: String,
        /// What differs.
        reason: String,
    },
    /// An event field is missing or malformed (for example an action that is not dotted
    /// lowercase).
    #[error("bad event field {field}: {reason}")]
    BadEvent {
        /// The field name, as in the record.
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// A record line parses as canonical JSON but does not follow the record schema.
    #[error("bad record at {at}: {reason}")]
    BadRecord {
        /// Where: field name or line.
        at: String,
        /// What is wrong.
        reason: String,
    },
    /// A signing or verifier key string is malformed, or a key name is invalid.
    #[error("bad key: {reason}")]
    BadKey {
        /// What is wrong.
        reason: String,
    },
    /// A checkpoint or signed note is malformed.
    #[error("bad checkpoint: {reason}")]
    BadCheckpoint {
        /// What is wrong.
        reason: String,
    },
    /// A signed note carries no valid signature by the expected key.
    #[error("bad signature: {reason}")]
    BadSignature {
        /// What is wrong.
        reason: String,
    },
    /// A Merkle inclusion or consistency proof does not verify.
    #[error("bad proof: {reason}")]
    BadProof {
        /// What is wrong.
        reason: String,
    },
    /// An index or tree size is beyond the log.
    #[error("{what} {value} out of range: log has {size} records")]
    OutOfRange {
        /// What was asked for (`seq`, `tree size`).
        what: &'static str,
        /// The value asked for.
        value: u64,
        /// The number of records in the log.
        size: u64,
    },
    /// The existing log does not verify, so it is not appended to (a torn last line is not
    /// this: it is repaired on open).
    #[error("log {path} is tampered{} ({kind}): {reason}", at_seq(*.seq))]
    Tampered {
        /// The log file.
        path: String,
        /// The stable code of what was found, as in `TamperKind::code`.
        kind: &'static str,
        /// The first bad record, when known.
        seq: Option<u64>,
        /// Details.
        reason: String,
    },
    /// The log holds a different `log_id` than the options asked for.
    #[error("log id mismatch: {reason}")]
    LogIdMismatch {
        /// The two ids.
        reason: String,
    },
    /// An earlier write or sync failed; the log refuses all further work, because after a
    /// failed `fsync` the kernel may have dropped the dirty pages and a retry could report
    /// success for data that is gone.
    #[error("log has failed and accepts no more calls: {reason}")]
    Failed {
        /// The first failure.
        reason: String,
    },
    /// The log was closed.
    #[error("log is closed")]
    Closed,
    /// Another `AuditLog`, in this process or another, has the log open for appending:
    /// two writers would fork its chain.
    #[error(
        "log {path} is already open for appending by another writer, in this process or another (it holds {lock}); \
         close that one first"
    )]
    Locked {
        /// The log.
        path: String,
        /// The lock file held by the other writer.
        lock: String,
    },
    /// The database holding the log cannot be reached or refused the work (connection
    /// refused or lost, authentication, permissions). An append that fails so is not
    /// acknowledged: its transaction either committed or left nothing.
    #[error("audit store {store} is unavailable: {reason}")]
    StoreUnavailable {
        /// The store's address, without its password.
        store: String,
        /// What failed.
        reason: String,
    },
    /// The database refused an append because another writer's conflicts with it (a record
    /// already holds that seq): nothing of it was written, the chain is not forked.
    #[error("audit store {store} refused a conflicting append: {reason}")]
    StoreConflict {
        /// The store's address, without its password.
        store: String,
        /// What conflicted.
        reason: String,
    },
    /// Arguments that do not fit together.
    #[error("invalid argument: {reason}")]
    InvalidArgument {
        /// What is wrong.
        reason: String,
    },
}

/// ` at seq 3`, or nothing when the record is not known.
fn at_seq(seq: Option<u64>) -> String {
    seq.map(|n| format!(" at seq {n}")).unwrap_or_default()
}

impl AuditError {
    /// The stable machine-readable code, for bindings and the CLI.
    pub fn code(&self) -> &'static str {
        match self {
            AuditError::Io { .. } => "audit.io",
            AuditError::BadJson { .. } => "audit.bad_json",
            AuditError::BadValue { .. } => "audit.bad_value",
            AuditError::DuplicateKey { .. } => "audit.duplicate_key",
            AuditError::NonCanonical { .. } => "audit.non_canonical",
            AuditError::BadEvent { .. } => "audit.bad_event",
            AuditError::BadRecord { .. } => "audit.bad_record",
            AuditError::BadKey { .. } => "audit.bad_key",
            AuditError::BadCheckpoint { .. } => "audit.bad_checkpoint",
            AuditError::BadSignature { .. } => "audit.bad_signature",
            AuditError::BadProof { .. } => "audit.bad_proof",
            AuditError::OutOfRange { .. } => "audit.out_of_range",
            AuditError::Tampered { .. } => "audit.tampered",
            AuditError::LogIdMismatch { .. } => "audit.log_id_mismatch",
            AuditError::Failed { .. } => "audit.failed",
            AuditError::Closed => "audit.closed",
            AuditError::Locked { .. } => "audit.locked",
            AuditError::StoreUnavailable { .. } => "audit.store_unavailable",
            AuditError::StoreConflict { .. } => "audit.store_conflict",
            AuditError::InvalidArgument { .. } => "audit.invalid_argument",
        }
    }

    pub(crate) fn io(path: &Path, op: &'static str, source: std::io::Error) -> Self {
        AuditError::Io { path: path.display().to_string(), op, source }
    }

    pub(crate) fn bad_event(field: &str, reason: impl Into<String>) -> Self {
        AuditError::BadEvent { field: field.to_string(), reason: reason.into() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_no_rust_types_or_options() {
        let t = |seq| AuditError::Tampered { path: "a.jsonl".into(), kind: "bad_prev", seq, reason: "x".into() };
        assert_eq!(t(Some(3)).to_string(), "log a.jsonl is tampered at seq 3 (bad_prev): x");
        assert_eq!(t(None).to_string(), "log a.jsonl is tampered (bad_prev): x");
        let locked = AuditError::Locked { path: "a.jsonl".into(), lock: "a.jsonl.lock".into() }.to_string();
        assert_eq!(
            locked,
            "log a.jsonl is already open for appending by another writer, in this process or another \
             (it holds a.jsonl.lock); close that one first"
        );
    }
}
