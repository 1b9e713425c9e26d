//! The streaming scan: reads every segment line by line, checks each record and its link, folds
//! the Merkle frontier and checks the checkpoints as their sizes are reached; the log opener
//! uses it too.

use super::{LogSource, Tamper, TamperKind, VerifyReport, VerifyStatus};
use crate::audit::checkpoint::Checkpoint;
use crate::audit::fast::{self, Spans};
use crate::audit::merkle::{leaf_hash, Frontier, Hash};
use crate::audit::record::{check_record, MAX_LINE};
use crate::audit::AuditError;
use crate::canonical::{self, Fault};
use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// A source being read: display name and reader.
pub(crate) struct Input<'a> {
    pub name: Option<String>,
    pub reader: Box<dyn BufRead + 'a>,
}

/// Where a torn line starts: which input and at what byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TornAt {
    pub input: usize,
    pub offset: u64,
}

pub(crate) struct Scan {
    pub report: VerifyReport,
    pub torn: Option<TornAt>,
}

/// The rotated segments of a log file, in order: `<name>.1`, `<name>.2`, ... (decimal
/// numbers without leading zeros), sorted by number.
pub(crate) fn segment_paths(active: &Path) -> Result<Vec<PathBuf>, AuditError> {
    let dir = match active.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let Some(name) = active.file_name().and_then(|n| n.to_str()) else {
        return Err(AuditError::InvalidArgument { reason: format!("not a file path: {}", active.display()) });
    };
    let prefix = format!("{name}.");
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(AuditError::io(&dir, "read directory", e)),
    };
    let mut found = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| AuditError::io(&dir, "read directory", e))?;
        let file_name = entry.file_name();
        let Some(n) = file_name.to_str().and_then(|f| f.strip_prefix(&prefix)) else {
            continue;
        };
        if n.is_empty() || n.starts_with('0') || !n.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        if let Ok(num) = n.parse::<u64>() {
            found.push((num, dir.join(&file_name)));
        }
    }
    found.sort();
    Ok(found.into_iter().map(|(_, p)| p).collect())
}

fn open_file(p: &Path) -> Result<Input<'static>, AuditError> {
    let f = File::open(p).map_err(|e| AuditError::io(p, "open", e))?;
    Ok(Input { name: Some(p.display().to_string()), reader: Box::new(BufReader::with_capacity(1 << 20, f)) })
}

pub(crate) fn open_sources(source: LogSource<'_>) -> Result<Vec<Input<'_>>, AuditError> {
    match source {
        LogSource::Path(p) => {
            let mut files = segment_paths(&p)?;
            // A crash between rotating the active file away and creating the next one leaves
            // only segments: that is a complete log.
            if files.is_empty() || p.exists() {
                files.push(p);
            }
            files.iter().map(|f| open_file(f)).collect()
        }
        LogSource::Files(files) => files.iter().map(|f| open_file(f)).collect(),
        #[cfg(feature = "postgres")]
        LogSource::Store(url) => {
            let (name, lines) = crate::audit::pg::line_reader(&url)?;
            Ok(vec![Input { name: Some(name), reader: Box::new(BufReader::with_capacity(1 << 20, lines)) }])
        }
        #[cfg(not(feature = "postgres"))]
        LogSource::Store(url) => Err(crate::audit::location::unsupported(&url)),
        LogSource::Reader(r) => Ok(vec![Input { name: None, reader: Box::new(BufReader::with_capacity(1 << 20, r)) }]),
    }
}

/// Reads lines across inputs, remembering where each came from.
struct Lines<'a> {
    inputs: Vec<Input<'a>>,
    idx: usize,
    line_no: u64,
    offset: u64,
    buf: Vec<u8>,
}

#[derive(Clone, Copy)]
struct LineInfo {
    has_lf: bool,
    too_long: bool,
    input: usize,
    line_no: u64,
    offset: u64,
}

impl Lines<'_> {
    /// The next line into `buf` (without its line feed), or `None` at the end of all inputs.
    fn next(&mut self) -> Result<Option<LineInfo>, AuditError> {
        loop {
            let Some(input) = self.inputs.get_mut(self.idx) else {
                return Ok(None);
            };
            self.buf.clear();
            let limit = MAX_LINE as u64 + 1;
            let n =
                (&mut input.reader).take(limit).read_until(b'\n', &mut self.buf).map_err(|e| read_error(input, e))?;
            if n == 0 {
                self.idx += 1;
                self.line_no = 0;
                self.offset = 0;
                continue;
            }
            let has_lf = self.buf.last() == Some(&b'\n');
            if has_lf {
                self.buf.pop();
            }
            let info = LineInfo {
                has_lf,
                too_long: !has_lf && n as u64 == limit,
                input: self.idx,
                line_no: self.line_no + 1,
                offset: self.offset,
            };
            self.line_no += 1;
            self.offset += n as u64;
            return Ok(Some(info));
        }
    }

    fn name(&self, input: usize) -> Option<String> {
        self.inputs.get(input).and_then(|i| i.name.clone())
    }
}

/// A failed read: the error of the store behind a reader as it is (`audit.store_unavailable`),
/// any other as `audit.io`.
pub(crate) fn read_error(input: &Input<'_>, e: std::io::Error) -> AuditError {
    if e.get_ref().is_some_and(|inner| inner.is::<AuditError>()) {
        if let Some(Ok(inner)) = e.into_inner().map(|b| b.downcast::<AuditError>()) {
            return *inner;
        }
        return AuditError::Failed { reason: "a store read failed".into() };
    }
    AuditError::Io { path: input.name.clone().unwrap_or_else(|| "<reader>".into()), op: "read", source: e }
}

/// Seq and prev of a line, if it is a record at all (canonical or not); for classification.
fn seq_prev(line: &[u8]) -> Option<(u64, [u8; 32])> {
    let node = canonical::parse(line, false).ok()?;
    let view = check_record(&node).ok()?;
    Some((view.seq, view.prev))
}

/// Scans the inputs; `on_leaf` sees the hash of every good record in order.
pub(crate) fn scan(
    inputs: Vec<Input<'_>>,
    checkpoints: &[Checkpoint],
    on_leaf: &mut dyn FnMut(Hash),
) -> Result<Scan, AuditError> {
    scan_lines(inputs, checkpoints, &mut |hash, _, _| {
        on_leaf(hash);
        Ok(())
    })
}

/// What [`scan_lines`] calls for each good record: its hash, its line, its member ranges.
pub(crate) type OnRecord<'a> = dyn FnMut(Hash, &[u8], Option<&Spans>) -> Result<(), AuditError> + 'a;

/// A line's seq, prev and (from the fast path) member ranges, or its finding.
type LineCheck = Result<(u64, [u8; 32], Option<Spans>), (TamperKind, String)>;

/// [`scan`], with each good record's line (without its LF) beside its hash, and where its
/// members are when the fast path read it; an error from `on_record` ends the scan with it.
pub(crate) fn scan_lines(
    inputs: Vec<Input<'_>>,
    checkpoints: &[Checkpoint],
    on_record: &mut OnRecord<'_>,
) -> Result<Scan, AuditError> {
    let mut lines = Lines { inputs, idx: 0, line_no: 0, offset: 0, buf: Vec::with_capacity(1024) };
    let mut log_id: Option<String> = None;
    let mut roots: BTreeMap<u64, Hash> = BTreeMap::new();
    let mut largest: Option<Checkpoint> = None;
    for cp in checkpoints {
        if let Some(id) = &log_id {
            if *id != cp.origin {
                return Err(AuditError::BadCheckpoint { reason: "checkpoints of different logs".into() });
            }
        }
        log_id = Some(cp.origin.clone());
        if let Some(root) = roots.insert(cp.size, cp.root) {
            if root != cp.root {
                // Two signed roots for one size: the log forked.
                return Err(AuditError::BadCheckpoint {
                    reason: format!("two checkpoints of size {} with different roots", cp.size),
                });
            }
        }
        if largest.as_ref().is_none_or(|l| cp.size > l.size) {
            largest = Some(cp.clone());
        }
    }
    let origin = log_id.clone();
    let mut count: u64 = 0;
    let mut last = Hash::ZERO;
    let mut frontier = Frontier::default();
    let mut torn = None;

    let mut finding: Option<Tamper> = None;
    while let Some(info) = lines.next()? {
        let n = count;
        let at = |kind: TamperKind, seq: Option<u64>, reason: String, lines: &Lines<'_>| Tamper {
            kind,
            seq,
            file: lines.name(info.input),
            line: Some(info.line_no),
            reason,
        };
        if info.too_long {
            finding = Some(at(TamperKind::BadJson, Some(n), format!("line longer than {MAX_LINE} bytes"), &lines));
            break;
        }
        if !info.has_lf {
            torn = Some(TornAt { input: info.input, offset: info.offset });
            let reason = format!("last line ({} bytes) has no line feed: an interrupted write", lines.buf.len());
            finding = Some(at(TamperKind::TornLine, Some(n), reason, &lines));
            break;
        }
        let (seq, prev, spans) = match check_line(&lines.buf, &mut log_id, origin.is_some()) {
            Ok(v) => v,
            Err((kind, reason)) => {
                finding = Some(at(kind, Some(n), reason, &lines));
                break;
            }
        };
        let hash = leaf_hash(&lines.buf);
        if seq != n {
            let here = at(TamperKind::Reordered, Some(n), String::new(), &lines);
            finding = Some(classify_seq(&mut lines, here, n, seq, prev == last.0)?);
            break;
        }
        if prev != last.0 {
            let mut t = at(TamperKind::BadPrev, Some(n), String::new(), &lines);
            let next = lines.next()?;
            let next_links_here = match next {
                Some(i) if i.has_lf => seq_prev(&lines.buf).is_some_and(|(_, p)| p == hash.0),
                _ => false,
            };
            if n > 0 && next_links_here {
                // Record n is intact (its successor still links to it) and names a hash
                // that record n-1 no longer has: n-1 was changed after n was written.
                t.kind = TamperKind::EditedRecord;
                t.seq = Some(n - 1);
                t.line = info.line_no.checked_sub(1).filter(|l| *l > 0);
                if t.line.is_none() {
                    t.file = None; // the edited record is the last line of the previous file
                }
                t.reason = format!("record {} does not hash to the prev of record {n}", n - 1);
            } else {
                t.reason = format!("prev of record {n} does not match the hash of record {}", n.wrapping_sub(1));
                if n == 0 {
                    t.reason = "prev of record 0 is not 64 zeros".into();
                }
            }
            finding = Some(t);
            break;
        }
        last = hash;
        frontier.push(hash);
        on_record(hash, &lines.buf, spans.as_ref())?;
        count += 1;
        if let Some(root) = roots.get(&count) {
            if frontier.root() != *root {
                finding = Some(Tamper {
                    kind: TamperKind::RootMismatch,
                    seq: None,
                    file: lines.name(info.input),
                    line: None,
                    reason: format!("the first {count} records do not hash to the checkpoint root"),
                });
                break;
            }
        }
    }
    let largest_size = largest.as_ref().map_or(0, |c| c.size);
    let status = match finding {
        Some(t) => VerifyStatus::Tampered(t),
        None if count < largest_size => VerifyStatus::Tampered(Tamper {
            kind: TamperKind::Truncated,
            seq: Some(count),
            file: None,
            line: None,
            reason: format!("log has {count} records, the checkpoint covers {largest_size}"),
        }),
        None if largest.is_some() && count > largest_size => {
            VerifyStatus::Unattested { checkpoint_size: largest_size, unattested: count - largest_size }
        }
        None => VerifyStatus::Intact,
    };
    let report = VerifyReport {
        status,
        records: count,
        log_id: if count > 0 { log_id } else { origin },
        last_hash: (count > 0).then_some(last),
        root: frontier.root(),
        checkpoint: largest,
        signature_verified: false,
    };
    Ok(Scan { report, torn })
}

/// Steps 3–5 of the spec's verification for one line: read it, check the schema and the log
/// id. Returns seq and prev, or the finding. The fast path handles good lines without
/// allocating; anything it does not accept goes through the full parser, which names the
/// fault.
fn check_line(line: &[u8], log_id: &mut Option<String>, from_checkpoint: bool) -> LineCheck {
    let mismatch = |found: &str, expected: &str| {
        let whose = if from_checkpoint { "the checkpoint's" } else { "the first record's" };
        (TamperKind::LogIdMismatch, format!("log id {found:?} differs from {whose} {expected:?}"))
    };
    let check_id = |found: &str, log_id: &mut Option<String>| match log_id {
        Some(id) if id != found => Err(mismatch(found, id)),
        Some(_) => Ok(()),
        None => {
            *log_id = Some(found.to_string());
            Ok(())
        }
    };
    if let Some(v) = fast::record(line) {
        check_id(v.log_id, log_id)?;
        return Ok((v.seq, v.prev, Some(v.spans)));
    }
    let node = canonical::parse(line, true).map_err(|e| {
        let kind = match e.fault {
            Fault::Syntax => TamperKind::BadJson,
            Fault::Value => TamperKind::BadValue,
            Fault::DuplicateKey => TamperKind::DuplicateKey,
            Fault::NonCanonical => TamperKind::NonCanonical,
        };
        let reason = match e.fault {
            Fault::DuplicateKey => format!("duplicate key {:?}", e.reason),
            _ => format!("{} at byte {}", e.reason, e.offset),
        };
        (kind, reason)
    })?;
    let view = check_record(&node).map_err(|reason| (TamperKind::BadRecord, reason))?;
    check_id(view.log_id, log_id)?;
    Ok((view.seq, view.prev, None))
}

/// Classifies a record whose seq is not the expected `n` (see the spec): a record from later
/// or earlier is `reordered`; a forward jump is `seq_gap` when the chain still links, else
/// `deleted_record`.
fn classify_seq(lines: &mut Lines<'_>, mut t: Tamper, n: u64, seq: u64, links: bool) -> Result<Tamper, AuditError> {
    if seq < n {
        t.reason = format!("record {seq} appears again after record {}", n - 1);
        return Ok(t);
    }
    while let Some(info) = lines.next()? {
        if seq_prev(&lines.buf).is_some_and(|(s, _)| s == n) {
            t.reason = format!("record {n} appears later (line {}) after record {seq}", info.line_no);
            return Ok(t);
        }
    }
    if links {
        t.kind = TamperKind::SeqGap;
        t.reason = match n {
            0 => format!("first record has seq {seq}"),
            _ => format!("seq jumps from {} to {seq} but the chain links", n - 1),
        };
    } else {
        t.kind = TamperKind::DeletedRecord;
        t.reason = if seq == n + 1 {
            format!("record {n} is missing")
        } else {
            format!("records {n} to {} are missing", seq - 1)
        };
    }
    Ok(t)
}
