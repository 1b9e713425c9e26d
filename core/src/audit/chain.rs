//! The in-memory hash chain: assigns seq, time and `prev`, writes the canonical line, hashes
//! it and extends the Merkle tree. No I/O, so it is also what a host uses to build records
//! it ships elsewhere (a queue, a SIEM) and what the file sink drives under its lock.

use chrono::Utc;
use serde::Serialize;

use super::merkle::{leaf_hash, Hash, MerkleTree};
use super::record::{check_log_id, format_ts, write_record, Event, Stamp};
use super::AuditError;

/// What an append returns: the record's place and hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Receipt {
    /// The record's seq.
    pub seq: u64,
    /// The record hash (what the next record's `prev` holds).
    pub hash: Hash,
}

/// A hash chain of records with its Merkle tree.
///
/// ```
/// use microgov::audit::{Chain, Event};
/// let mut chain = Chain::new("example.com/audit").unwrap();
/// let (receipt, line) = chain.append(&Event::new("app.register").app("x")).unwrap();
/// assert_eq!(receipt.seq, 0);
/// assert!(line.contains("\"prev\":\"0000"));
/// ```
#[derive(Debug, Clone)]
pub struct Chain {
    log_id: String,
    last: Hash,
    tree: MerkleTree,
    line: Vec<u8>,
}

impl Chain {
    /// An empty chain for the log `log_id` (1 to 255 visible ASCII characters).
    pub fn new(log_id: &str) -> Result<Chain, AuditError> {
        check_log_id(log_id).map_err(|reason| AuditError::InvalidArgument { reason })?;
        Ok(Chain { log_id: log_id.to_string(), last: Hash::ZERO, tree: MerkleTree::new(), line: Vec::new() })
    }

    /// A chain that continues after the records whose leaf hashes `tree` holds.
    pub(crate) fn resume(log_id: &str, tree: MerkleTree) -> Result<Chain, AuditError> {
        let mut c = Chain::new(log_id)?;
        c.last = match tree.len() {
            0 => Hash::ZERO,
            n => tree.leaf(n - 1).unwrap_or(Hash::ZERO),
        };
        c.tree = tree;
        Ok(c)
    }

    /// The log id every record carries.
    pub fn log_id(&self) -> &str {
        &self.log_id
    }

    /// Number of records appended (the next seq).
    pub fn len(&self) -> u64 {
        self.tree.len()
    }

    /// Whether no record was appended.
    pub fn is_empty(&self) -> bool {
        self.tree.is_empty()
    }

    /// Hash of the last record (zeros when empty).
    pub fn last_hash(&self) -> Hash {
        self.last
    }

    /// Merkle root over all records.
    pub fn root(&self) -> Hash {
        self.tree.root()
    }

    /// The Merkle tree of all records, for proofs.
    pub fn tree(&self) -> &MerkleTree {
        &self.tree
    }

    /// Appends an event and returns its receipt and canonical line (without line feed). The
    /// line is only valid until the next append.
    pub fn append(&mut self, event: &Event) -> Result<(Receipt, &str), AuditError> {
        let mut line = std::mem::take(&mut self.line);
        line.clear();
        let result = self.append_into(event, &mut line);
        self.line = line;
        let receipt = result?;
        let end = self.line.len().saturating_sub(1);
        // Lines are built from &str pieces and ASCII, so they are UTF-8.
        let text = std::str::from_utf8(&self.line[..end])
            .map_err(|e| AuditError::BadRecord { at: "line".into(), reason: e.to_string() })?;
        Ok((receipt, text))
    }

    /// Appends an event, writing its line and a line feed to `out`. On error nothing is
    /// written and the chain is unchanged.
    pub(crate) fn append_into(&mut self, event: &Event, out: &mut Vec<u8>) -> Result<Receipt, AuditError> {
        event.validate()?;
        self.append_validated(event, out)
    }

    /// As [`Chain::append_into`] for an event already validated (the file sink validates
    /// outside its lock).
    pub(crate) fn append_validated(&mut self, event: &Event, out: &mut Vec<u8>) -> Result<Receipt, AuditError> {
        let seq = self.tree.len();
        let hash = encode(&self.log_id, seq, &self.last, event, out)?;
        self.last = hash;
        self.tree.push(hash);
        Ok(Receipt { seq, hash })
    }
}

/// The one step every log backend takes to turn a validated event into a record: stamp it
/// (`log_id`, `seq`, `ts` now unless the event fixes it, `prev`), write its canonical line
/// and a line feed to `out`, and return the record hash. On error `out` is unchanged.
///
/// The file log calls it through [`Chain`] (which also grows the full Merkle tree); the
/// PostgreSQL log calls it inside its append transaction, with the head it locked.
pub(crate) fn encode(
    log_id: &str,
    seq: u64,
    prev: &Hash,
    event: &Event,
    out: &mut Vec<u8>,
) -> Result<Hash, AuditError> {
    let ts = format_ts(&event.ts.unwrap_or_else(Utc::now))?;
    let start = out.len();
    let stamp = Stamp { log_id, seq, ts: &ts, prev };
    write_record(out, &event.fields(), &stamp)?;
    let hash = leaf_hash(&out[start..]);
    out.push(b'\n');
    Ok(hash)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::Record;
    use chrono::TimeZone;
    use proptest::prelude::*;

    proptest! {
        /// Any sequence of events forms a chain whose every record links to the previous one
        /// and whose lines parse back to the same events.
        #[test]
        fn chain_links(tenants in prop::collection::vec("[a-z\u{e9}\u{1f600}\"\\\\]{0,8}", 1..12), n in any::<u32>()) {
            let mut chain = Chain::new("t/log").unwrap();
            let mut prev = Hash::ZERO;
            for (i, t) in tenants.iter().enumerate() {
                let e = Event::new("data.export").tenant(t.clone()).attr("n", i64::from(n)).at(
                    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap());
                let (r, line) = chain.append(&e).unwrap();
                let rec = Record::from_line(line).unwrap();
                prop_assert_eq!(rec.seq, i as u64);
                prop_assert_eq!(rec.prev, prev);
                prop_assert_eq!(rec.hash().unwrap(), r.hash);
                prop_assert_eq!(rec.to_event(), e);
                prev = r.hash;
            }
            prop_assert_eq!(chain.last_hash(), prev);
            prop_assert_eq!(chain.len(), tenants.len() as u64);
        }
    }

    #[test]
    fn bad_event_leaves_chain_unchanged() {
        let mut chain = Chain::new("t/log").unwrap();
        let mut out = Vec::new();
        assert!(chain.append_into(&Event::new("bad"), &mut out).is_err());
        assert!(chain.append_into(&Event::new("a.b").attr("f", 0.5), &mut out).is_err());
        assert!(out.is_empty());
        assert!(chain.is_empty());
        assert_eq!(Chain::new("has space").unwrap_err().code(), "audit.invalid_argument");
    }
}
