//! Verification of a log against its own hash chain and, optionally, signed checkpoints.
//!
//! The verifier streams: it keeps one line, the previous hash and the Merkle frontier
//! (O(log n) hashes), so a log of any size verifies in constant memory. It stops at the first
//! bad record and names it; the classification rules are those of `core/docs/audit-format.md`
//! ("Verification").

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::checkpoint::{split_notes, Checkpoint, VerifierKey};
use super::fast;
use super::merkle::{leaf_hash, Frontier, Hash};
use super::record::{check_record, MAX_LINE};
use super::AuditError;
use crate::canonical::{self, Fault};

/// Where the records come from.
pub enum LogSource<'a> {
    /// A log file; its rotated segments (`<path>.1`, `<path>.2`, ...) are read first, in
    /// number order, then the file itself.
    Path(PathBuf),
    /// Exactly these files, in this order (the first must start at seq 0).
    Files(Vec<PathBuf>),
    /// A stream of lines (for example a log piped from elsewhere).
    Reader(Box<dyn Read + 'a>),
}

impl From<&Path> for LogSource<'_> {
    fn from(p: &Path) -> Self {
        LogSource::Path(p.to_path_buf())
    }
}

impl From<PathBuf> for LogSource<'_> {
    fn from(p: PathBuf) -> Self {
        LogSource::Path(p)
    }
}

impl From<&PathBuf> for LogSource<'_> {
    fn from(p: &PathBuf) -> Self {
        LogSource::Path(p.clone())
    }
}

impl From<&str> for LogSource<'_> {
    fn from(p: &str) -> Self {
        LogSource::Path(PathBuf::from(p))
    }
}

impl From<Vec<PathBuf>> for LogSource<'_> {
    fn from(files: Vec<PathBuf>) -> Self {
        LogSource::Files(files)
    }
}

/// What is wrong, as a stable snake_case code (the same in every language binding).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
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
/// root is compared. Finding tampering is not an error: it is the report's status. Errors are
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
    let mut scan = scan(open_sources(log.into())?, &checkpoints, &mut |_| {})?;
    scan.report.signature_verified = signature_verified;
    Ok(scan.report)
}

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
            let n = (&mut input.reader).take(limit).read_until(b'\n', &mut self.buf).map_err(|e| AuditError::Io {
                path: input.name.clone().unwrap_or_else(|| "<reader>".into()),
                op: "read",
                source: e,
            })?;
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
        let (seq, prev) = match check_line(&lines.buf, &mut log_id, origin.is_some()) {
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
        on_leaf(hash);
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
fn check_line(
    line: &[u8],
    log_id: &mut Option<String>,
    from_checkpoint: bool,
) -> Result<(u64, [u8; 32]), (TamperKind, String)> {
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
        return Ok((v.seq, v.prev));
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
    Ok((view.seq, view.prev))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{Chain, Event, SigningKey};
    use chrono::{TimeZone, Utc};

    fn log(n: usize) -> (Vec<String>, Chain) {
        let mut chain = Chain::new("test/log").unwrap();
        let mut lines = Vec::new();
        for i in 0..n {
            let e = Event::new("policy.evaluate")
                .app(format!("app-{i}"))
                .outcome("allow")
                .at(Utc.with_ymd_and_hms(2026, 11, 26, 10, 0, i as u32).unwrap());
            let (_, l) = chain.append(&e).unwrap();
            lines.push(l.to_string());
        }
        (lines, chain)
    }

    fn text(lines: &[String]) -> String {
        lines.iter().map(|l| format!("{l}\n")).collect()
    }

    fn run(t: &str, cp: Option<&str>, key: Option<&str>) -> VerifyReport {
        verify(LogSource::Reader(Box::new(t.as_bytes())), cp, key).unwrap()
    }

    fn verdict(r: &VerifyReport) -> (Option<&'static str>, Option<u64>) {
        match &r.status {
            VerifyStatus::Tampered(t) => (Some(t.kind.code()), t.seq),
            _ => (None, None),
        }
    }

    #[test]
    fn intact_and_unattested() {
        let (lines, chain) = log(10);
        let r = run(&text(&lines), None, None);
        assert_eq!(r.status, VerifyStatus::Intact);
        assert_eq!(r.records, 10);
        assert_eq!(r.root, chain.root());
        assert_eq!(r.last_hash, Some(chain.last_hash()));
        let key = SigningKey::from_seed("test-key", [1; 32]).unwrap();
        let cp = Checkpoint {
            origin: "test/log".into(),
            size: 8,
            root: chain.tree().root_at(8).unwrap(),
            extensions: vec![],
        };
        let note = cp.sign(&key);
        let vkey = key.verifier().to_vkey();
        let r = run(&text(&lines), Some(&note), Some(&vkey));
        assert_eq!(r.status, VerifyStatus::Unattested { checkpoint_size: 8, unattested: 2 });
        assert!(r.signature_verified);
        let r = run(&text(&lines[..8]), Some(&note), Some(&vkey));
        assert_eq!(r.status, VerifyStatus::Intact);
        assert_eq!(verdict(&run(&text(&lines[..6]), Some(&note), Some(&vkey))), (Some("truncated"), Some(6)));
        assert_eq!(run("", None, None).status, VerifyStatus::Intact);
    }

    #[test]
    fn tamper_kinds() {
        let (lines, _) = log(10);
        let mut edited = lines.clone();
        edited[4] = edited[4].replace("\"allow\"", "\"deny\"");
        assert_eq!(verdict(&run(&text(&edited), None, None)), (Some("edited_record"), Some(4)));

        let mut deleted = lines.clone();
        deleted.remove(5);
        assert_eq!(verdict(&run(&text(&deleted), None, None)), (Some("deleted_record"), Some(5)));

        let mut swapped = lines.clone();
        swapped.swap(3, 4);
        assert_eq!(verdict(&run(&text(&swapped), None, None)), (Some("reordered"), Some(3)));

        let mut repeated = lines.clone();
        repeated.insert(6, lines[2].clone());
        assert_eq!(verdict(&run(&text(&repeated), None, None)), (Some("reordered"), Some(6)));

        let mut bad_prev = lines.clone();
        let p = lines[6].find("\"prev\":\"").unwrap() + 8;
        bad_prev[6] = format!("{}{}{}", &lines[6][..p], "f".repeat(64), &lines[6][p + 64..]);
        assert_eq!(verdict(&run(&text(&bad_prev), None, None)), (Some("bad_prev"), Some(6)));

        let mut noncanon = lines.clone();
        noncanon[2] = noncanon[2].replacen(",", ", ", 1);
        assert_eq!(verdict(&run(&text(&noncanon), None, None)), (Some("non_canonical"), Some(2)));

        let mut dup = lines.clone();
        dup[3] = dup[3].replacen("{", "{\"action\":\"x.y\",", 1);
        assert_eq!(verdict(&run(&text(&dup), None, None)), (Some("duplicate_key"), Some(3)));

        let torn = text(&lines);
        assert_eq!(verdict(&run(&torn[..torn.len() - 20], None, None)), (Some("torn_line"), Some(9)));

        let mut garbage = lines.clone();
        garbage[1] = "not json".into();
        assert_eq!(verdict(&run(&text(&garbage), None, None)), (Some("bad_json"), Some(1)));

        let mut other_log = lines.clone();
        other_log[7] = other_log[7].replace("test/log", "test/other");
        assert_eq!(verdict(&run(&text(&other_log), None, None)), (Some("log_id_mismatch"), Some(7)));
    }

    #[test]
    fn rewritten_history_needs_a_checkpoint() {
        let (lines, chain) = log(10);
        let key = SigningKey::from_seed("test-key", [1; 32]).unwrap();
        let cp = Checkpoint { origin: "test/log".into(), size: 10, root: chain.root(), extensions: vec![] }.sign(&key);
        // Rewrite record 2 and recompute every later hash: the chain alone is fine.
        let mut forged = Chain::new("test/log").unwrap();
        let mut out = Vec::new();
        for (i, l) in lines.iter().enumerate() {
            let mut e = crate::audit::Record::from_line(l).unwrap().to_event();
            if i == 2 {
                e.outcome = Some("deny".into());
            }
            let (_, line) = forged.append(&e).unwrap();
            out.push(line.to_string());
        }
        assert_eq!(run(&text(&out), None, None).status, VerifyStatus::Intact);
        let vkey = key.verifier().to_vkey();
        assert_eq!(verdict(&run(&text(&out), Some(&cp), Some(&vkey))), (Some("root_mismatch"), None));
        // Editing only the last record is also caught by the checkpoint alone.
        let mut last = lines.clone();
        last[9] = last[9].replace("\"allow\"", "\"deny\"");
        assert_eq!(run(&text(&last), None, None).status, VerifyStatus::Intact);
        assert_eq!(verdict(&run(&text(&last), Some(&cp), Some(&vkey))), (Some("root_mismatch"), None));
        // A checkpoint signed by someone else.
        let other = SigningKey::from_seed("test-key", [2; 32]).unwrap().verifier().to_vkey();
        assert_eq!(verdict(&run(&text(&lines), Some(&cp), Some(&other))), (Some("bad_signature"), None));
        assert_eq!(
            verify(LogSource::Reader(Box::new(&b""[..])), None, Some(&vkey)).unwrap_err().code(),
            "audit.invalid_argument"
        );
    }
}
