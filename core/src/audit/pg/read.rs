//! Reading a log back: its head, its record lines in seq order (what verification and export
//! read: the file format's bytes), the hashes beside them (for proofs) and its checkpoints.

use std::io::Read;

use postgres::Client;

use super::{connect, schema, store_error, Head, StoreUrl};
use crate::audit::merkle::{leaf_hash, Hash};
use crate::audit::AuditError;

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
///
/// One `COPY ... TO STDOUT (FORMAT binary)` streams the rows (one snapshot, no per-row
/// protocol overhead) on a thread of its own, a few pages ahead of the reader, so the server's
/// scan, the transfer and the verification overlap.
pub(crate) fn line_reader(location: &str) -> Result<(String, Lines), AuditError> {
    let (url, log_id) = target(location)?;
    let mut client = connect(&url)?;
    let name = url.display.clone();
    let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Vec<u8>, AuditError>>(4);
    std::thread::Builder::new()
        .name("microgov-audit-read".into())
        .spawn(move || {
            let result = copy_lines(&mut client, &url, &log_id, &tx);
            if let Err(e) = result {
                let _ = tx.send(Err(e));
            }
        })
        .map_err(|e| AuditError::Failed { reason: format!("cannot start the reading thread: {e}") })?;
    Ok((name, Lines { rx, page: Vec::new(), pos: 0, done: false }))
}

/// A string literal for a log id (visible ASCII, already checked): `COPY` takes no
/// parameters. Quotes and backslashes are escaped in an `E''` literal, which reads the same
/// whatever `standard_conforming_strings` says.
fn literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 3);
    out.push_str("E'");
    for c in s.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// Streams the rows, parses the binary copy format (a 19-byte header and extension, then per
/// row a 16-bit field count, a 32-bit length and the bytes; -1 as count ends it) and sends
/// the lines in pages of about 1 MiB.
fn copy_lines(
    client: &mut Client,
    url: &StoreUrl,
    log_id: &str,
    tx: &std::sync::mpsc::SyncSender<Result<Vec<u8>, AuditError>>,
) -> Result<(), AuditError> {
    let query = format!(
        "COPY (SELECT line FROM microgov_audit_records WHERE log_id = {} ORDER BY seq) TO STDOUT (FORMAT binary)",
        literal(log_id)
    );
    let reader = client.copy_out(query.as_str()).map_err(|e| store_error(url, "read records", &e))?;
    let mut r = std::io::BufReader::with_capacity(1 << 18, reader);
    let bad = |what: &str| AuditError::StoreUnavailable {
        store: url.display.clone(),
        reason: format!("read records: malformed copy data ({what})"),
    };
    let io = |e: std::io::Error| AuditError::StoreUnavailable {
        store: url.display.clone(),
        reason: format!("read records: {e}"),
    };
    let mut header = [0u8; 19];
    r.read_exact(&mut header).map_err(io)?;
    if &header[..11] != b"PGCOPY\n\xff\r\n\0" {
        return Err(bad("signature"));
    }
    let ext = u32::from_be_bytes([header[15], header[16], header[17], header[18]]) as u64;
    std::io::copy(&mut (&mut r).take(ext), &mut std::io::sink()).map_err(io)?;
    let mut page = Vec::with_capacity(1 << 20);
    loop {
        let mut count = [0u8; 2];
        r.read_exact(&mut count).map_err(io)?;
        match i16::from_be_bytes(count) {
            -1 => break,
            1 => {}
            _ => return Err(bad("field count")),
        }
        let mut len = [0u8; 4];
        r.read_exact(&mut len).map_err(io)?;
        let len = i32::from_be_bytes(len);
        let len = usize::try_from(len).map_err(|_| bad("null line"))?;
        let start = page.len();
        page.resize(start + len, 0);
        r.read_exact(&mut page[start..]).map_err(io)?;
        page.push(b'\n');
        if page.len() >= 1 << 20 && tx.send(Ok(std::mem::replace(&mut page, Vec::with_capacity(1 << 20)))).is_err() {
            return Ok(()); // the reader is gone
        }
    }
    if !page.is_empty() {
        let _ = tx.send(Ok(page));
    }
    Ok(())
}

/// The reader side: pages from the copy thread. A failure reads as an `io::Error` wrapping the
/// [`AuditError`], which the verifier unwraps.
pub(crate) struct Lines {
    rx: std::sync::mpsc::Receiver<Result<Vec<u8>, AuditError>>,
    page: Vec<u8>,
    pos: usize,
    done: bool,
}

impl Read for Lines {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.pos == self.page.len() {
            if self.done {
                return Ok(0);
            }
            match self.rx.recv() {
                Ok(Ok(page)) => {
                    self.page = page;
                    self.pos = 0;
                }
                Ok(Err(e)) => {
                    self.done = true;
                    return Err(std::io::Error::other(e));
                }
                // The copy thread finished and hung up.
                Err(_) => self.done = true,
            }
        }
        let n = (self.page.len() - self.pos).min(out.len());
        out[..n].copy_from_slice(&self.page[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn log_ids_are_quoted_for_copy() {
        assert_eq!(super::literal("tenant-acme"), "E'tenant-acme'");
        assert_eq!(super::literal(r"it's\x"), r"E'it''s\\x'");
    }
}
