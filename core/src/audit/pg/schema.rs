//! The tables (created on first open) and the statements the log runs. The layout is
//! normative for anyone who reads the tables directly: `core/docs/audit-postgres.md`.

use postgres::Client;

use super::{store_error, StoreUrl};
use crate::audit::AuditError;

/// Created when missing, under a transaction-scoped advisory lock: concurrent
/// `CREATE TABLE IF NOT EXISTS` in PostgreSQL can fail on the catalog's unique index, so the
/// first openers take turns.
const CREATE: &str = "
SELECT pg_advisory_xact_lock(7366831930467372544);
CREATE TABLE IF NOT EXISTS microgov_audit_logs (
    log_id          text PRIMARY KEY,
    size            bigint NOT NULL,
    last_hash       bytea NOT NULL,
    frontier        bytea NOT NULL,
    checkpoint_size bigint NOT NULL DEFAULT 0,
    checkpoint_at   timestamptz NOT NULL DEFAULT now(),
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS microgov_audit_records (
    log_id text   NOT NULL,
    seq    bigint NOT NULL,
    line   bytea  NOT NULL,
    hash   bytea  NOT NULL,
    PRIMARY KEY (log_id, seq)
);
CREATE TABLE IF NOT EXISTS microgov_audit_checkpoints (
    log_id     text   NOT NULL,
    size       bigint NOT NULL,
    key_id     text   NOT NULL,
    note       text   NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (log_id, size, key_id)
);
";

/// The head of a new log: no records, the empty frontier.
pub(super) const CREATE_LOG: &str = "INSERT INTO microgov_audit_logs (log_id, size, last_hash, frontier) \
     VALUES ($1, 0, $2, ''::bytea) ON CONFLICT (log_id) DO NOTHING";

/// The head, locked for the rest of the transaction: appends to one log take turns here.
pub(super) const LOCK_HEAD: &str = "SELECT size, last_hash, frontier, checkpoint_size, \
     extract(epoch FROM now() - checkpoint_at)::float8 FROM microgov_audit_logs WHERE log_id = $1 FOR UPDATE";

/// The head, read without a lock.
pub(super) const READ_HEAD: &str =
    "SELECT size, last_hash, frontier, checkpoint_size FROM microgov_audit_logs WHERE log_id = $1";

/// The records of one round and the new head, in one statement.
pub(super) const APPEND: &str = "WITH ins AS (
    INSERT INTO microgov_audit_records (log_id, seq, line, hash)
    SELECT $1, s, l, h FROM unnest($2::bigint[], $3::bytea[], $4::bytea[]) AS t(s, l, h)
)
UPDATE microgov_audit_logs SET size = $5, last_hash = $6, frontier = $7,
    checkpoint_size = COALESCE($8, checkpoint_size),
    checkpoint_at = CASE WHEN $8::bigint IS NULL THEN checkpoint_at ELSE now() END
WHERE log_id = $1";

/// A signed checkpoint; signing is deterministic, so the same one again is a no-op.
pub(super) const ADD_CHECKPOINT: &str = "INSERT INTO microgov_audit_checkpoints (log_id, size, key_id, note) \
     VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING";

/// The head and the last record, in one snapshot (one statement), to check one against the
/// other on open while other writers append.
pub(super) const HEAD_AND_LAST: &str = "SELECT h.size, h.last_hash, h.frontier, h.checkpoint_size, r.seq, r.line \
     FROM microgov_audit_logs h LEFT JOIN LATERAL (SELECT seq, line FROM microgov_audit_records \
     WHERE log_id = h.log_id ORDER BY seq DESC LIMIT 1) r ON true WHERE h.log_id = $1";

/// Record hashes `[$2, $3)`, for proofs.
pub(super) const HASHES: &str =
    "SELECT seq, hash FROM microgov_audit_records WHERE log_id = $1 AND seq >= $2 AND seq < $3 ORDER BY seq";

/// Every checkpoint note of a log, oldest tree first (optionally only one signer's).
pub(super) const CHECKPOINTS: &str = "SELECT note FROM microgov_audit_checkpoints \
     WHERE log_id = $1 AND ($2::text IS NULL OR key_id = $2) ORDER BY size, created_at, key_id";

/// Creates the tables when missing.
pub(super) fn ensure(client: &mut Client, url: &StoreUrl) -> Result<(), AuditError> {
    let mut tx = client.transaction().map_err(|e| store_error(url, "begin", &e))?;
    tx.batch_execute(CREATE).map_err(|e| store_error(url, "create tables", &e))?;
    tx.commit().map_err(|e| store_error(url, "commit", &e))
}
