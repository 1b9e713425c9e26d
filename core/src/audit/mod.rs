//! Tamper-evident audit log.
//!
//! Each record is one line of JSON Lines, in RFC 8785 canonical form, chained to the previous
//! record by its RFC 6962 leaf hash; signed C2SP checkpoints carry the Merkle root of the log so
//! far. Anyone can verify a log with SHA-256, a JSON parser and Ed25519 — the format is
//! specified in `core/docs/audit-format.md`, independently of this code.
//!
//! - [`Event`] is what a caller records; [`Record`] is a line read back.
//! - [`Chain`] builds records in memory (no I/O); [`AuditLog`] writes them durably to a file
//!   or (cargo feature `postgres`) to PostgreSQL, where many processes share one chain.
//! - [`verify`] checks a log and names the first bad record.
//! - [`Checkpoint`], [`SigningKey`], [`VerifierKey`], [`keygen`] sign and check tree heads;
//!   [`WitnessSigningKey`], [`WitnessKey`], [`WitnessPolicy`] cosign them as witnesses and check
//!   "K of N witnesses cosigned" (C2SP `tlog-cosignature`).
//! - [`export`] writes a log as OCSF events, OTLP log records or its own bytes, for a SIEM.
//!
//! Files: `record/` (events and record lines), `chain.rs`, `log/` (the durable log: the handle
//! over both backends, options, and the file log's open, writer, lock), `pg/` (the PostgreSQL
//! log), `location.rs` (file path or `postgres://` URL), `verify/` (report and streaming scan, with `fast.rs` its fast path),
//! `merkle.rs`, `checkpoint.rs`, `witness.rs`, `export/` (OCSF, OTLP), `error.rs`; canonical JSON is `crate::canonical`, shared
//! with the engine's input digest (`jcs.rs` turns its failures into [`AuditError`]s).
//!
//! ```
//! use microgov::audit::{verify, AuditLog, AuditOptions, Event, SigningKey, VerifyStatus};
//! # let dir = std::env::temp_dir().join(format!("microgov-doc-{}", std::process::id()));
//! # std::fs::create_dir_all(&dir).unwrap();
//! let path = dir.join("audit.jsonl");
//! let key = SigningKey::generate("example.com/audit")?;
//! let vkey = key.verifier().to_vkey();
//! let log = AuditLog::open(&path, AuditOptions::new().log_id("example.com/audit").signing_key(key))?;
//! log.append(&Event::new("app.register").tenant("acme").app("expense-approver").outcome("success"))?;
//! log.close()?; // writes a signed checkpoint
//! let checkpoints = std::fs::read_to_string(log.checkpoints_path()).unwrap();
//! let report = verify(path.as_path(), Some(&checkpoints), Some(&vkey))?;
//! assert_eq!(report.status, VerifyStatus::Intact);
//! # std::fs::remove_dir_all(&dir).unwrap();
//! # Ok::<(), microgov::audit::AuditError>(())
//! ```

mod chain;
mod checkpoint;
mod error;
mod export;
mod fast;
mod jcs;
mod location;
mod log;
pub mod merkle;
#[cfg(feature = "postgres")]
mod pg;
mod record;
mod signed_approval;
mod verify;
mod witness;

pub use chain::{Chain, Receipt};
pub use checkpoint::{keygen, Checkpoint, SigningKey, VerifierKey};
pub use error::AuditError;
pub use export::{export, export_line, ExportFormat, ExportOptions, ExportReport, OCSF_VERSION, OTLP_BATCH};
pub use location::is_store_url;
pub use log::{AuditLog, AuditOptions, Recovery, SyncPolicy, TornTail};
pub use merkle::{leaf_hash, ConsistencyProof, Hash, InclusionProof};
pub use record::{Event, PolicyRef, Record, MAX_LINE, RECORD_VERSION};
pub use signed_approval::{sign_approval, verify_approval};
pub use verify::{
    for_each_line, read_checkpoints, verify, write_lines, LogSource, Tamper, TamperKind, VerifyReport, VerifyStatus,
};
pub use witness::{witness_keygen, Cosignature, WitnessKey, WitnessPolicy, WitnessSigningKey};
