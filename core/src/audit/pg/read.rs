//! Reading a log back: its head, its record lines in seq order (what verification and export
//! read: the file format's bytes), the hashes beside them (for proofs) and its checkpoints.

use std::io::Read;

use postgres::Client;

use super::{connect, schema, store_error, Head, StoreUrl};
use crate::audit::merkle::{leaf_hash, Hash};
use crate::audit::AuditError;

/// Rows per page when streaming lines: about 4 MB of 400-byte records.
const PAGE: i64 = 10_000;

pub(super) fn head(client: &mut Client, url: &StoreUrl, log_id: &str) -> Result<Head, AuditError> {
    let row = client.query_opt(schema::READ_HEAD, &[&log_id]).map_err(|e| store_error(url, "read head", &e))?;
    match row {
        Some(row) => Head::from_row(url, log_id, &row),
        None => Err(AuditError::StoreUnavailable {
            store: url.display.clone(),
            reason: format!("no log {log_id} in this database"),
        }),
    }
}

/// The head, checked against the last record (in one snapshot). Opening checks that much;
/// `verify` reads every record.
pub(super) fn checked_head(client: &mut Client, url: &StoreUrl, log_id: &str) -> Result<Head, AuditError> {
    let fail = |e: postgres::Error| store_error(url, "read head", &e);
    let row = client.query_opt(schema::HEAD_AND_LAST, &[&log_id]).map_err(fail)?;
    let Some(row) = row else {
        return Err(AuditError::StoreUnavailable {
            store: url.display.clone(),
            reason: format!("no log {log_id} in this database"),
        });
    };
    let head = Head::from_row(url, log_id, &row)?;
    let seq: Option<i64> = row.try_get(4).map_err(fail)?;
    let line: Option<&[u8]> = row.try_get(5).map_err(fail)?;
    let tampered = |seq: Option<u64>, reason: String| AuditError::Tampered {
        path: url.display.clone(),
        kind: "bad_head",
        seq,
        reason,
    };
    match (seq.zip(line), head.size) {
        (None, 0) => Ok(head),
        (None, n) => Err(tampered(Some(0), format!("the head counts {n} records, none is stored"))),
        (Some((seq, line)), size) => {
            if seq < 0 || seq as u64 + 1 != size {
                return Err(tampered(
                    Some(size),
                    format!("the head counts {size} records, the last stored is seq {seq}"),
                ));
            }
            if leaf_hash(line) != head.last {
                return Err(tampered(Some(seq as u64), format!("record {seq} does not hash to the head's last hash")));
            }
            Ok(head)
        }
    }
}

/// Record hashes `[from, to)` as stored; a missing row is tampering.
pub(super) fn hashes(
    client: &mut Client,
    url: &StoreUrl,
    log_id: &str,
    from: u64,
    to: u64,
) -> Result<Vec<Hash>, AuditError> {
    let rows = client
        .query(schema::HASHES, &[&log_id, &(from as i64), &(to as i64)])
        .map_err(|e| store_error(url, "read hashes", &e))?;
    let mut out = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let seq: i64 = row.try_get(0).map_err(|e| store_error(url, "read hashes", &e))?;
        let hash: &[u8] = row.try_get(1).map_err(|e| store_error(url, "read hashes", &e))?;
        let want = from + i as u64;
        let hash =
            <[u8; 32]>::try_from(hash).ok().filter(|_| seq as u64 == want).ok_or_else(|| AuditError::Tampered {
                path: url.display.clone(),
                kind: "deleted_record",
                seq: Some(want),
                reason: format!("record {want} is missing or its stored hash is malformed"),
            })?;
        out.push(Hash(hash));
    }
    if out.len() as u64 != to - from {
        let seq = from + out.len() as u64;
        return Err(AuditError::Tampered {
            path: url.display.clone(),
            kind: "deleted_record",
            seq: Some(seq),
            reason: format!("record {seq} is missing"),
        });
    }
    Ok(out)
}

pub(super) fn checkpoint_notes(
    client: &mut Client,
    url: &StoreUrl,
    log_id: &str,
    key_id: Option<&str>,
) -> Result<Vec<String>, AuditError> {
    let rows =
        client.query(schema::CHECKPOINTS, &[&log_id, &key_id]).map_err(|e| store_error(url, "read checkpoints", &e))?;
    rows.iter().map(|r| r.try_get::<_, String>(0).map_err(|e| store_error(url, "read checkpoints", &e))).collect()
}

/// The log's checkpoints as the text of a checkpoints file (each note followed by an empty
/// line), or `None` when it has none; with `key_id` (8 hex digits), only that signer's.
pub(crate) fn checkpoints_text(location: &str, key_id: Option<&str>) -> Result<Option<String>, AuditError> {
    let (url, log_id) = target(location)?;
    let mut client = connect(&url)?;
    let notes = checkpoint_notes(&mut client, &url, &log_id, key_id)?;
    if notes.is_empty() {
        return Ok(None);
    }
    let mut text = String::new();
    for n in notes {
        text.push_str(&n);
        text.push('\n');
    }
    Ok(Some(text))
}

fn target(location: &str) -> Result<(StoreUrl, String), AuditError> {
    let url = StoreUrl::parse(location)?;
    let log_id = url.log.clone().ok_or_else(|| AuditError::InvalidArgument {
        reason: format!("{} names no log: add ?log=<log id>", url.display),
    })?;
    Ok((url, log_id))
}

/// The log's lines in seq order, each followed by a line feed: byte for byte the file a file
/// log with the same records holds. Returns the display name (the address without password)
/// and the reader. A log id with no records reads as empty.
pub(crate) fn line_reader(location: &str) -> Result<(String, Lines), AuditError> {
    let (url, log_id) = target(location)?;
    let client = connect(&url)?;
    let name = url.display.clone();
    Ok((name, Lines { client, url, log_id, next_seq: 0, done: false, page: Vec::new(), pos: 0 }))
}

/// A reader over the lines, one page of rows at a time (keyset paging on seq, so rows are
/// read in the order of their seq column whatever they hold). A failure reads as an
/// `io::Error` wrapping the [`AuditError`], which the verifier unwraps.
pub(crate) struct Lines {
    client: Client,
    url: StoreUrl,
    log_id: String,
    next_seq: i64,
    done: bool,
    /// The current page: its lines, each with its line feed.
    page: Vec<u8>,
    pos: usize,
}

impl Lines {
    fn fill(&mut self) -> Result<(), AuditError> {
        let rows = self
            .client
            .query(schema::LINES, &[&self.log_id, &self.next_seq, &PAGE])
            .map_err(|e| store_error(&self.url, "read records", &e))?;
        if (rows.len() as i64) < PAGE {
            self.done = true;
        }
        self.page.clear();
        self.pos = 0;
        for row in &rows {
            let seq: i64 = row.try_get(0).map_err(|e| store_error(&self.url, "read records", &e))?;
            let line: &[u8] = row.try_get(1).map_err(|e| store_error(&self.url, "read records", &e))?;
            self.page.extend_from_slice(line);
            self.page.push(b'\n');
            self.next_seq = seq.saturating_add(1);
        }
        Ok(())
    }
}

impl Read for Lines {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.pos == self.page.len() {
            if self.done {
                return Ok(0);
            }
            self.fill().map_err(std::io::Error::other)?;
        }
        let n = (self.page.len() - self.pos).min(out.len());
        out[..n].copy_from_slice(&self.page[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}
