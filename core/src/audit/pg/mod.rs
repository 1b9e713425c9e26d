//! The PostgreSQL-backed log (cargo feature `postgres`): many processes on many machines
//! append to one chain per log id, with the records, hashes, Merkle tree and signed
//! checkpoints of the file log, so every verifier reads it unchanged.
//!
//! # Concurrency and durability
//!
//! The chain's head (size, last record hash, Merkle frontier) is one row per log in
//! `microgov_audit_logs`. An append round is one transaction: lock the head row
//! (`SELECT ... FOR UPDATE`; another round, in this process or on another machine, waits
//! there), build the records with the file log's own encoder ([`crate::audit::chain`]),
//! insert them and the new head in one statement, sign a checkpoint when one is due, commit.
//! An append returns only after the commit returned, so an acknowledged record is durable
//! (PostgreSQL's `synchronous_commit`); a writer that dies mid-round leaves nothing, as its
//! transaction is rolled back. The primary key `(log_id, seq)` is the last line of defence:
//! a second record for a seq fails with `audit.store_conflict` rather than fork the chain.
//!
//! Group commit: the appenders of one process share rounds (leader/follower, as the file
//! log's fsyncs): whoever finds no round running takes every queued event into the next one.
//! Across processes the head lock orders rounds and each commit carries a whole batch.
//!
//! Nothing is kept between rounds but a cache: the head is read inside each round, so a
//! failed round (a lost connection) only fails its own appends and the next one reconnects.
//!
//! Files: `url.rs` (the `postgres://...?log=` address), `schema.rs` (tables and statements),
//! `append.rs` (rounds), `read.rs` (lines in seq order, hashes, checkpoints); this file: the
//! log's state and its queries.

use std::collections::HashMap;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

use postgres::error::SqlState;
use postgres::{Client, NoTls};

use super::chain::Receipt;
use super::checkpoint::{Checkpoint, SigningKey};
use super::merkle::{ConsistencyProof, Frontier, Hash, InclusionProof, MerkleTree};
use super::{AuditError, Event};

mod append;
mod read;
mod schema;
#[cfg(test)]
mod tests;
mod url;

pub(crate) use read::{checkpoints_text, line_reader};
pub(crate) use url::StoreUrl;

/// What the generic options say, for this backend (see `AuditOptions`).
#[derive(Debug, Clone, Default)]
pub(crate) struct Settings {
    pub log_id: Option<String>,
    pub signing_key: Option<SigningKey>,
    pub checkpoint_every: Option<u64>,
    pub checkpoint_interval: Option<Duration>,
}

/// What opening found.
#[derive(Debug, Clone, Default)]
pub(crate) struct Opened {
    pub created: bool,
    pub records: u64,
    pub checkpoints: usize,
}

/// A log in PostgreSQL; `Send + Sync`.
pub(crate) struct PgLog {
    url: StoreUrl,
    log_id: String,
    settings: Settings,
    state: Mutex<State>,
    /// Appenders waiting for their round.
    cv: Condvar,
    opened: Opened,
}

/// One caller's events, waiting for a round.
struct Request {
    ticket: u64,
    events: Vec<Event>,
    checkpoint: bool,
}

/// What a round did for one request.
type Outcome = Result<Vec<Receipt>, AuditError>;

struct State {
    pending: Vec<Request>,
    next_ticket: u64,
    done: HashMap<u64, Outcome>,
    /// A round is running (it holds the connection).
    busy: bool,
    /// Requests the last round carried, and whether a leader waits for as many to queue.
    last_batch: usize,
    gathering: bool,
    /// The connection between rounds (`None` after a failure: the next round reconnects).
    conn: Option<Client>,
    /// The last checkpoint this handle signed or found.
    latest_note: Option<String>,
    /// Leaf hashes read for proofs (a prefix of the log).
    tree: MerkleTree,
    closed: bool,
}

/// The head row of a log.
#[derive(Debug, Clone)]
pub(crate) struct Head {
    pub size: u64,
    pub last: Hash,
    pub frontier: Frontier,
    pub checkpoint_size: u64,
}

fn poisoned() -> AuditError {
    AuditError::Failed { reason: "internal lock poisoned by a panic".into() }
}

/// A client error as the audit error callers match on: a second record for a seq, a
/// serialization failure or a deadlock is a conflict; everything else (connection refused or
/// lost, authentication, permissions, a missing table) leaves the store unavailable.
pub(crate) fn store_error(url: &StoreUrl, op: &str, e: &postgres::Error) -> AuditError {
    let reason = match e.as_db_error() {
        Some(db) => format!("{op}: {} ({})", db.message(), db.code().code()),
        None => format!("{op}: {}", one_line(&e.to_string())),
    };
    let conflict = [SqlState::UNIQUE_VIOLATION, SqlState::T_R_SERIALIZATION_FAILURE, SqlState::T_R_DEADLOCK_DETECTED];
    match e.code() {
        Some(c) if conflict.contains(c) => AuditError::StoreConflict { store: url.display.clone(), reason },
        _ => AuditError::StoreUnavailable { store: url.display.clone(), reason },
    }
}

fn one_line(s: &str) -> String {
    s.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join(": ")
}

/// The same error again, for every request of a failed round.
fn again(e: &AuditError) -> AuditError {
    match e {
        AuditError::StoreUnavailable { store, reason } => {
            AuditError::StoreUnavailable { store: store.clone(), reason: reason.clone() }
        }
        AuditError::StoreConflict { store, reason } => {
            AuditError::StoreConflict { store: store.clone(), reason: reason.clone() }
        }
        AuditError::Tampered { path, kind, seq, reason } => {
            AuditError::Tampered { path: path.clone(), kind, seq: *seq, reason: reason.clone() }
        }
        other => AuditError::Failed { reason: other.to_string() },
    }
}

pub(crate) fn connect(url: &StoreUrl) -> Result<Client, AuditError> {
    url.config.connect(NoTls).map_err(|e| store_error(url, "connect", &e))
}

impl Head {
    /// The head as stored, checked for shape (a frontier has one hash per bit of the size).
    fn from_row(url: &StoreUrl, log_id: &str, row: &postgres::Row) -> Result<Head, AuditError> {
        let bad = |reason: String| AuditError::Tampered {
            path: url.display.clone(),
            kind: "bad_head",
            seq: None,
            reason: format!("head of log {log_id}: {reason}"),
        };
        let size: i64 = row.try_get(0).map_err(|e| store_error(url, "read head", &e))?;
        let last: &[u8] = row.try_get(1).map_err(|e| store_error(url, "read head", &e))?;
        let frontier: &[u8] = row.try_get(2).map_err(|e| store_error(url, "read head", &e))?;
        let checkpoint_size: i64 = row.try_get(3).map_err(|e| store_error(url, "read head", &e))?;
        let size = u64::try_from(size).map_err(|_| bad(format!("negative size {size}")))?;
        let last = <[u8; 32]>::try_from(last).map_err(|_| bad("last hash is not 32 bytes".into()))?;
        let frontier = Frontier::from_bytes(size, frontier).ok_or_else(|| bad("malformed merkle frontier".into()))?;
        Ok(Head { size, last: Hash(last), frontier, checkpoint_size: u64::try_from(checkpoint_size).unwrap_or(0) })
    }
}

impl PgLog {
    /// Opens the log `url` names (creating the tables and the log when missing) and checks
    /// its head against its last record.
    pub(crate) fn open(location: &str, settings: Settings) -> Result<PgLog, AuditError> {
        let url = StoreUrl::parse(location)?;
        let log_id = match (&url.log, &settings.log_id) {
            (Some(a), Some(b)) if a != b => {
                return Err(AuditError::LogIdMismatch {
                    reason: format!("{} names log {a:?}, options ask for {b:?}", url.display),
                })
            }
            (Some(id), _) | (None, Some(id)) => id.clone(),
            (None, None) => {
                return Err(AuditError::InvalidArgument {
                    reason: format!("{} names no log: add ?log=<log id> (one per tenant)", url.display),
                })
            }
        };
        let mut client = connect(&url)?;
        schema::ensure(&mut client, &url)?;
        let created = client
            .execute(schema::CREATE_LOG, &[&log_id, &&Hash::ZERO.0[..]])
            .map_err(|e| store_error(&url, "create log", &e))?
            == 1;
        let head = read::checked_head(&mut client, &url, &log_id)?;
        let notes = read::checkpoint_notes(&mut client, &url, &log_id, None)?;
        let opened = Opened { created, records: head.size, checkpoints: notes.len() };
        let state = State {
            pending: Vec::new(),
            next_ticket: 0,
            done: HashMap::new(),
            busy: false,
            last_batch: 0,
            gathering: false,
            conn: Some(client),
            latest_note: notes.last().cloned(),
            tree: MerkleTree::new(),
            closed: false,
        };
        Ok(PgLog { url, log_id, settings, state: Mutex::new(state), cv: Condvar::new(), opened })
    }

    fn lock(&self) -> Result<MutexGuard<'_, State>, AuditError> {
        self.state.lock().map_err(|_| poisoned())
    }

    /// The log id.
    pub(crate) fn log_id(&self) -> &str {
        &self.log_id
    }

    /// The address without its password.
    pub(crate) fn display(&self) -> &str {
        &self.url.display
    }

    /// What open found.
    pub(crate) fn opened(&self) -> &Opened {
        &self.opened
    }

    /// Appends `events` in one round (shared with concurrent callers) and returns once it
    /// committed.
    pub(crate) fn append_batch(&self, events: &[Event]) -> Result<Vec<Receipt>, AuditError> {
        for e in events {
            e.validate()?;
        }
        self.run(events.to_vec(), false)
    }

    /// Appends one event.
    pub(crate) fn append(&self, event: &Event) -> Result<Receipt, AuditError> {
        let receipts = self.append_batch(std::slice::from_ref(event))?;
        receipts.into_iter().next().ok_or_else(|| AuditError::Failed { reason: "a round returned no receipt".into() })
    }

    /// Signs a checkpoint of the whole log now (with a signing key) and returns it.
    pub(crate) fn checkpoint(&self) -> Result<Checkpoint, AuditError> {
        self.run(Vec::new(), true)?;
        let head = self.with_conn(|c| read::head(c, &self.url, &self.log_id))?;
        Ok(Checkpoint {
            origin: self.log_id.clone(),
            size: head.size,
            root: head.frontier.root(),
            extensions: Vec::new(),
        })
    }

    /// The newest checkpoint note this handle wrote or found on open.
    pub(crate) fn latest_note(&self) -> Result<Option<String>, AuditError> {
        Ok(self.lock()?.latest_note.clone())
    }

    /// The current head, read from the server.
    pub(crate) fn head(&self) -> Result<Head, AuditError> {
        self.with_conn(|c| read::head(c, &self.url, &self.log_id))
    }

    /// Runs `f` on a connection of its own (queries do not wait for a round).
    fn with_conn<T>(&self, f: impl FnOnce(&mut Client) -> Result<T, AuditError>) -> Result<T, AuditError> {
        let spare = {
            let mut st = self.lock()?;
            if st.closed {
                return Err(AuditError::Closed);
            }
            if st.busy {
                None
            } else {
                st.conn.take()
            }
        };
        let mut client = match spare {
            Some(c) if !c.is_closed() => c,
            _ => connect(&self.url)?,
        };
        let result = f(&mut client);
        let mut st = self.lock()?;
        if st.conn.is_none() && !st.busy && result.is_ok() {
            st.conn = Some(client);
        }
        result
    }

    /// A Merkle tree over the first `size` records, from the hashes stored beside them (read
    /// once and cached), checked against the root of the head.
    fn tree_for<T>(&self, size: u64, f: impl FnOnce(&MerkleTree) -> Result<T, AuditError>) -> Result<T, AuditError> {
        let have = self.lock()?.tree.len();
        if have < size {
            let hashes = self.with_conn(|c| read::hashes(c, &self.url, &self.log_id, have, size))?;
            let mut st = self.lock()?;
            if st.tree.len() == have {
                for h in hashes {
                    st.tree.push(h);
                }
            }
        }
        let st = self.lock()?;
        f(&st.tree)
    }

    /// Inclusion proof of record `seq` in the log as it is now.
    pub(crate) fn prove(&self, seq: u64) -> Result<InclusionProof, AuditError> {
        let head = self.head()?;
        self.check_tree(&head)?;
        self.prove_at(seq, head.size)
    }

    /// Checks the stored hashes against the head's root (a proof from rewritten hashes would
    /// not match any signed checkpoint, but is refused here already).
    fn check_tree(&self, head: &Head) -> Result<(), AuditError> {
        let root = self.tree_for(head.size, |t| t.root_at(head.size))?;
        if root != head.frontier.root() {
            return Err(AuditError::Tampered {
                path: self.url.display.clone(),
                kind: "root_mismatch",
                seq: None,
                reason: format!("the stored record hashes of log {} do not give the head's root", self.log_id),
            });
        }
        Ok(())
    }

    /// Inclusion proof of record `seq` in the tree of `tree_size` records.
    pub(crate) fn prove_at(&self, seq: u64, tree_size: u64) -> Result<InclusionProof, AuditError> {
        self.bounded(tree_size)?;
        self.tree_for(tree_size, |t| t.inclusion_proof(seq, tree_size))
    }

    /// Consistency proof between two tree sizes.
    pub(crate) fn consistency(&self, old_size: u64, new_size: u64) -> Result<ConsistencyProof, AuditError> {
        self.bounded(new_size)?;
        self.tree_for(new_size, |t| t.consistency_proof(old_size, new_size))
    }

    /// The record hash of `seq`.
    pub(crate) fn record_hash(&self, seq: u64) -> Result<Hash, AuditError> {
        let size = self.bounded(seq.saturating_add(1))?;
        self.tree_for(seq + 1, |t| t.leaf(seq).ok_or(AuditError::OutOfRange { what: "seq", value: seq, size }))
    }

    /// Merkle root of the tree of `tree_size` records.
    pub(crate) fn root_at(&self, tree_size: u64) -> Result<Hash, AuditError> {
        self.bounded(tree_size)?;
        self.tree_for(tree_size, |t| t.root_at(tree_size))
    }

    /// Refuses a size beyond the log; returns the log's size.
    fn bounded(&self, size: u64) -> Result<u64, AuditError> {
        let have = self.head()?.size;
        if size > have {
            return Err(AuditError::OutOfRange { what: "tree size", value: size, size: have });
        }
        Ok(have)
    }

    /// Signs a final checkpoint (with a key, when records are not covered yet) and closes.
    pub(crate) fn close(&self) -> Result<(), AuditError> {
        if self.lock()?.closed {
            return Ok(());
        }
        let result = match self.settings.signing_key {
            Some(_) => self.run(Vec::new(), true).map(|_| ()),
            None => Ok(()),
        };
        let mut st = self.lock()?;
        st.closed = true;
        st.conn = None;
        self.cv.notify_all();
        result
    }
}

impl std::fmt::Debug for PgLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgLog").field("url", &self.url.display).field("log_id", &self.log_id).finish_non_exhaustive()
    }
}
