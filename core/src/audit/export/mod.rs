//! Export of a log to other tools: the records' exact bytes (`jsonl`), OCSF events for a SIEM
//! (`ocsf`), or OpenTelemetry log records (`otlp`).
//!
//! Export verifies as it reads (the same scan as [`verify`](super::verify)): a record is written
//! only once the next record has linked to it, or it is the last, so an edited record is never
//! passed on. Every exported event carries the record's hash, seq and log id, so a copy in a
//! SIEM can be checked against the chain (or against a checkpoint, with an inclusion proof).
//!
//! - `ocsf.rs`: OCSF 1.8.0 events, a decision as a Compliance Finding (2003), anything else as
//!   an Entity Management event (3004); the mapping is in `core/docs/audit-export.md`;
//! - `otlp.rs`: OTLP/JSON `ExportLogsServiceRequest`s, one per line, up to
//!   [`OTLP_BATCH`] records each;
//! - `json.rs`: the JSON writing both share; `raw.rs`: reading a verified line as slices;
//! - this file: the formats, the streaming loop and the fields read from a record line.
//!
//! Speed: a record is read through the member ranges the verifier's fast path found, and its
//! strings and values are copied in their escaped form (no parse tree, no re-escaping). OCSF
//! and OTLP events are formatted on a second thread while the calling thread reads and
//! verifies, the two halves of the work being about equal.

use std::io::Write;

use serde::Serialize;

use super::fast::Spans;
use super::merkle::Hash;
use super::verify::{open_sources, scan_lines, LogSource, TamperKind, VerifyStatus};
use super::AuditError;
use crate::canonical;

mod json;
mod ocsf;
mod otlp;
mod raw;

pub use ocsf::OCSF_VERSION;
pub use otlp::OTLP_BATCH;

/// What to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    /// The records' lines exactly as stored (the file format's bytes), one per line.
    Jsonl,
    /// One OCSF 1.x event per line (NDJSON).
    Ocsf,
    /// OTLP/JSON: one `ExportLogsServiceRequest` per line, up to [`OTLP_BATCH`] log records
    /// each (the OpenTelemetry file exporter's form).
    Otlp,
}

impl ExportFormat {
    /// The name as the CLI and the bindings take it: `jsonl`, `ocsf`, `otlp`.
    pub fn name(&self) -> &'static str {
        match self {
            ExportFormat::Jsonl => "jsonl",
            ExportFormat::Ocsf => "ocsf",
            ExportFormat::Otlp => "otlp",
        }
    }
}

impl std::str::FromStr for ExportFormat {
    type Err = AuditError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "jsonl" => Ok(ExportFormat::Jsonl),
            "ocsf" => Ok(ExportFormat::Ocsf),
            "otlp" => Ok(ExportFormat::Otlp),
            other => Err(AuditError::InvalidArgument {
                reason: format!("unknown export format {other:?} (expected jsonl, ocsf or otlp)"),
            }),
        }
    }
}

/// How to export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportOptions {
    /// The format.
    pub format: ExportFormat,
    /// OCSF: also put the record's line in `raw_data`, so that a SIEM can recompute the hash
    /// (`SHA-256(0x00 || raw_data)`) without the log. OTLP always carries it as the body.
    pub raw_data: bool,
    /// OCSF, OTLP: format the events on a second thread while this one reads and verifies
    /// (the default; used only when the machine has a second core).
    pub parallel: bool,
}

impl ExportOptions {
    /// Options for this format, without `raw_data`, formatting on a second core if there is one.
    pub fn new(format: ExportFormat) -> Self {
        ExportOptions { format, raw_data: false, parallel: true }
    }

    /// Sets [`ExportOptions::raw_data`].
    pub fn raw_data(mut self, on: bool) -> Self {
        self.raw_data = on;
        self
    }

    /// Sets [`ExportOptions::parallel`].
    pub fn parallel(mut self, on: bool) -> Self {
        self.parallel = on;
        self
    }
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportReport {
    /// The format written.
    pub format: ExportFormat,
    /// Records exported (every record of the log, seq 0 to `records`−1).
    pub records: u64,
    /// The log id.
    pub log_id: Option<String>,
    /// Hash of the last record exported.
    pub last_hash: Option<Hash>,
    /// Merkle root of the records exported: compare it with a checkpoint of that size.
    pub root: Hash,
    /// The log ended in an incomplete line (a write in progress, or a crash): it was not exported.
    pub torn_tail: bool,
}

/// Exports a log to `out`, verifying its chain as it goes.
///
/// A log that does not verify fails with [`AuditError::Tampered`] naming the first bad record,
/// after the records before it (each verified) were written. An incomplete
/// last line (a writer in the middle of an append) ends the export without error
/// ([`ExportReport::torn_tail`]).
///
/// ```
/// use microgov::audit::{export, Chain, Event, ExportFormat, ExportOptions};
/// let mut chain = Chain::new("example.com/audit")?;
/// let mut log = String::new();
/// for app in ["a", "b"] {
///     log.push_str(chain.append(&Event::new("app.register").app(app))?.1);
///     log.push('\n');
/// }
/// let mut out = Vec::new();
/// let source = microgov::audit::LogSource::Reader(Box::new(log.as_bytes()));
/// let report = export(source, &mut out, &ExportOptions::new(ExportFormat::Ocsf))?;
/// assert_eq!(report.records, 2);
/// let first: serde_json::Value = serde_json::from_slice(out.split(|b| *b == b'\n').next().unwrap()).unwrap();
/// assert_eq!(first["class_uid"], 3004);
/// # Ok::<(), microgov::audit::AuditError>(())
/// ```
pub fn export<'a>(
    log: impl Into<LogSource<'a>>,
    out: &mut dyn Write,
    options: &ExportOptions,
) -> Result<ExportReport, AuditError> {
    let source = log.into();
    let label = match &source {
        LogSource::Path(p) => p.display().to_string(),
        LogSource::Files(f) => f.first().map(|p| p.display().to_string()).unwrap_or_default(),
        LogSource::Reader(_) => "<reader>".to_string(),
        // The input's own name (the URL without its password) is in any tamper report.
        LogSource::Store(_) => "<postgres log>".to_string(),
    };
    let inputs = open_sources(source)?;
    // Formatting is worth a thread of its own only with a second core.
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let (report, torn_tail) = match options.format {
        ExportFormat::Ocsf | ExportFormat::Otlp if cores > 1 && options.parallel => {
            export_with_worker(inputs, out, options)?
        }
        _ => export_here(inputs, out, options)?,
    };
    if let VerifyStatus::Tampered(t) = &report.status {
        if !torn_tail {
            return Err(AuditError::Tampered {
                path: t.file.clone().unwrap_or(label),
                kind: t.kind.code(),
                seq: t.seq,
                reason: t.reason.clone(),
            });
        }
    }
    Ok(ExportReport {
        format: options.format,
        records: report.records,
        log_id: report.log_id,
        last_hash: report.last_hash,
        root: report.root,
        torn_tail,
    })
}

/// Whether a scan ended in a torn last line (exported up to it) rather than tampering.
fn is_torn(report: &super::VerifyReport) -> bool {
    matches!(&report.status, VerifyStatus::Tampered(t) if t.kind == TamperKind::TornLine)
}

/// Export on the calling thread. A record's event is committed once its successor has linked
/// to it (or the log ended): the scan names record n-1 as edited when record n's prev does not
/// match it, and then the event of n-1, written but not committed, is taken back.
fn export_here(
    inputs: Vec<super::verify::Input<'_>>,
    out: &mut dyn Write,
    options: &ExportOptions,
) -> Result<(super::VerifyReport, bool), AuditError> {
    let mut sink = Sink::new(out, options);
    let scan = scan_lines(inputs, &[], &mut |hash, line, spans| {
        sink.commit();
        sink.record(&hash, line, spans)
    })?;
    let torn = is_torn(&scan.report);
    if scan.report.is_ok() || torn {
        sink.commit();
    } else {
        // The records before the bad one verified: they go out, the error says where it stopped.
        sink.rollback();
    }
    sink.finish()?;
    Ok((scan.report, torn))
}

/// Records per hand-over to the formatting thread.
const HAND_OVER: usize = 512;

/// Lines handed to the formatting thread: their text and, per record, its hash, where its
/// line is in `text` and the fast path's member ranges.
#[derive(Default)]
struct Lines {
    text: Vec<u8>,
    records: Vec<(Hash, usize, usize, Option<Spans>)>,
}

/// Sends what the formatting thread writes back to the calling thread, which owns `out`.
struct Back(std::sync::mpsc::Sender<Vec<u8>>);

impl Write for Back {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.send(buf.to_vec()).map_err(|_| std::io::Error::from(std::io::ErrorKind::BrokenPipe))?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Export on two threads: the calling thread reads and verifies (and writes to `out`), a
/// second one formats the events, so that both cores work on a large log. Only records whose
/// successor has linked to them (or the last of a good log) are handed over, so the
/// formatting thread never sees an edited record.
fn export_with_worker(
    inputs: Vec<super::verify::Input<'_>>,
    out: &mut dyn Write,
    options: &ExportOptions,
) -> Result<(super::VerifyReport, bool), AuditError> {
    use std::sync::mpsc;
    let (to_worker, work) = mpsc::sync_channel::<Lines>(2);
    let (back, from_worker) = mpsc::channel::<Vec<u8>>();
    std::thread::scope(|scope| {
        let worker = scope.spawn(move || -> Result<(), AuditError> {
            let mut writer = Back(back);
            let mut sink = Sink::new(&mut writer, options);
            for lines in work {
                for &(hash, start, end, spans) in &lines.records {
                    sink.record(&hash, lines.text.get(start..end).unwrap_or_default(), spans.as_ref())?;
                    sink.commit();
                }
            }
            sink.finish()
        });
        let pass_on = |out: &mut dyn Write| -> Result<(), AuditError> {
            while let Ok(chunk) = from_worker.try_recv() {
                out.write_all(&chunk).map_err(write_error)?;
            }
            Ok(())
        };
        let mut current = Lines::default();
        let hand_over = |lines: Lines| -> Result<(), AuditError> {
            to_worker.send(lines).map_err(|_| AuditError::Failed { reason: "the export thread stopped".into() })
        };
        let scan = scan_lines(inputs, &[], &mut |hash, line, spans| {
            // This record linked to the previous one: everything held so far may go.
            if current.records.len() >= HAND_OVER {
                hand_over(std::mem::take(&mut current))?;
                pass_on(out)?;
            }
            let start = current.text.len();
            current.text.extend_from_slice(line);
            current.records.push((hash, start, current.text.len(), spans.copied()));
            Ok(())
        });
        let scan = match scan {
            Ok(scan) => scan,
            Err(e) => {
                drop(to_worker);
                let _ = worker.join();
                return Err(e);
            }
        };
        let torn = is_torn(&scan.report);
        if !(scan.report.is_ok() || torn) {
            // The last record was not linked to by a good one: it may be the edited one.
            current.records.pop();
        }
        hand_over(current)?;
        drop(to_worker);
        let done = worker.join().map_err(|_| AuditError::Failed { reason: "the export thread panicked".into() })?;
        for chunk in from_worker.try_iter() {
            out.write_all(&chunk).map_err(write_error)?;
        }
        done?;
        out.flush().map_err(write_error)?;
        Ok((scan.report, torn))
    })
}

/// One record as an event of `format`, for callers that hold the line (a receipt's record, a
/// line read from elsewhere): the JSON text of the OCSF event, of an OTLP request holding one
/// log record, or the line itself. The line is checked as the verifier checks it, but not
/// its link to other records.
pub fn export_line(line: &str, options: &ExportOptions) -> Result<String, AuditError> {
    let node = canonical::parse(line.as_bytes(), true).map_err(|e| e.into_audit("line"))?;
    super::record::check_record(&node).map_err(|reason| AuditError::BadRecord { at: "line".into(), reason })?;
    let hash = super::merkle::leaf_hash(line.as_bytes());
    let mut out = Vec::with_capacity(line.len() * 3);
    {
        let mut sink = Sink::new(&mut out, options);
        sink.record(&hash, line.as_bytes(), None)?;
        sink.commit();
        sink.finish()?;
    }
    if out.last() == Some(&b'\n') {
        out.pop();
    }
    String::from_utf8(out).map_err(|e| AuditError::BadRecord { at: "line".into(), reason: e.to_string() })
}

/// Buffers output and hands it to the writer in large writes. Only committed bytes are
/// written: the last event stays in the buffer until [`Sink::commit`] or [`Sink::rollback`].
struct Sink<'w> {
    out: &'w mut dyn Write,
    options: ExportOptions,
    buf: Vec<u8>,
    otlp: otlp::Batch,
    /// Bytes of `buf` that may be written: everything before the uncommitted event.
    committed: usize,
    /// The OTLP batch as it was before the uncommitted event.
    batch_committed: otlp::Batch,
}

const FLUSH_AT: usize = 1 << 20;

impl<'w> Sink<'w> {
    fn new(out: &'w mut dyn Write, options: &ExportOptions) -> Self {
        Sink {
            out,
            options: options.clone(),
            buf: Vec::with_capacity(FLUSH_AT + 4096),
            otlp: otlp::Batch::default(),
            committed: 0,
            batch_committed: otlp::Batch::default(),
        }
    }

    /// Everything written so far may go out.
    fn commit(&mut self) {
        self.committed = self.buf.len();
        self.batch_committed = self.otlp.clone();
    }

    /// Takes back the event written since the last commit.
    fn rollback(&mut self) {
        self.buf.truncate(self.committed);
        self.otlp = self.batch_committed.clone();
    }

    fn record(&mut self, hash: &Hash, line: &[u8], spans: Option<&Spans>) -> Result<(), AuditError> {
        match self.options.format {
            ExportFormat::Jsonl => {
                self.buf.extend_from_slice(line);
                self.buf.push(b'\n');
            }
            ExportFormat::Ocsf => {
                let line = utf8(line)?;
                ocsf::write_event(&mut self.buf, &Fields::read(line, spans), hash, line, self.options.raw_data);
                self.buf.push(b'\n');
            }
            ExportFormat::Otlp => {
                let line = utf8(line)?;
                self.otlp.push(&mut self.buf, &Fields::read(line, spans), hash, line);
            }
        }
        if self.committed >= FLUSH_AT {
            self.flush_committed()?;
        }
        Ok(())
    }

    /// Writes the committed bytes and keeps the rest at the start of the buffer.
    fn flush_committed(&mut self) -> Result<(), AuditError> {
        let n = self.committed;
        self.out.write_all(&self.buf[..n]).map_err(write_error)?;
        self.buf.drain(..n);
        self.committed = 0;
        Ok(())
    }

    /// Closes an open OTLP request and writes everything committed (call after commit or
    /// rollback).
    fn finish(&mut self) -> Result<(), AuditError> {
        self.buf.truncate(self.committed);
        self.otlp.close(&mut self.buf);
        self.committed = self.buf.len();
        self.flush_committed()?;
        self.out.flush().map_err(write_error)
    }
}

fn write_error(e: std::io::Error) -> AuditError {
    AuditError::Io { path: "<export output>".into(), op: "write", source: e }
}

/// A line the scan has already accepted (so valid UTF-8).
fn utf8(line: &[u8]) -> Result<&str, AuditError> {
    std::str::from_utf8(line).map_err(|e| AuditError::BadJson { at: "line".into(), reason: e.to_string() })
}

/// The members of a verified record line, as slices of it: strings as their escaped content
/// (what goes between quotes in any JSON output), `policy`, `dataset_tags` and `attrs` as
/// their JSON bytes (see `raw.rs`).
#[derive(Default)]
pub(crate) struct Fields<'n> {
    pub log_id: &'n str,
    pub seq: u64,
    pub ts: &'n str,
    pub action: &'n str,
    pub prev: &'n str,
    pub tenant_id: Option<&'n str>,
    pub app_id: Option<&'n str>,
    pub principal_id: Option<&'n str>,
    pub principal_type: Option<&'n str>,
    pub resource_type: Option<&'n str>,
    pub resource_id: Option<&'n str>,
    pub ip_address: Option<&'n str>,
    pub outcome: Option<&'n str>,
    pub request_id: Option<&'n str>,
    pub decision_id: Option<&'n str>,
    pub policy: Option<&'n str>,
    pub dataset_tags: Option<&'n str>,
    pub attrs: Option<&'n str>,
    /// A decision's `attrs`, read once (§2.4 of the format).
    pub decision: Option<DecisionAttrs<'n>>,
}

/// The members of a decision's `attrs` that the mappings use, and the others.
#[derive(Default)]
pub(crate) struct DecisionAttrs<'n> {
    pub tier: Option<&'n str>,
    /// The integer's digits.
    pub risk_score: Option<&'n str>,
    pub evaluated_at: Option<&'n str>,
    /// The object's JSON bytes.
    pub policy_revisions: Option<&'n str>,
    /// Role names, escaped.
    pub required_approvals: Vec<&'n str>,
    pub waived: Vec<Waiver<'n>>,
    pub violations: Vec<Violation<'n>>,
    /// Members no mapping uses, as name and JSON bytes.
    pub rest: Vec<(&'n str, &'n str)>,
}

/// A recorded violation (strings escaped).
#[derive(Default)]
pub(crate) struct Violation<'n> {
    pub policy: &'n str,
    pub rule: &'n str,
    pub severity: Option<&'n str>,
    pub path: Option<&'n str>,
}

/// A recorded waiver (strings escaped).
#[derive(Default)]
pub(crate) struct Waiver<'n> {
    pub policy: &'n str,
    pub rule: &'n str,
    pub approval_id: &'n str,
}

impl<'n> DecisionAttrs<'n> {
    /// Reads the attrs object at byte `at` of `line`; returns them and where the object ends.
    fn at(line: &'n str, at: usize) -> (DecisionAttrs<'n>, usize) {
        let mut d = DecisionAttrs::default();
        let mut it = raw::members_at(line, at);
        for (k, v) in it.by_ref() {
            match k {
                "tier" => d.tier = raw::as_str(v),
                "risk_score" if raw::is_int(v) => d.risk_score = Some(v),
                "evaluated_at" => d.evaluated_at = raw::as_str(v),
                "policy_revisions" if v.starts_with('{') => d.policy_revisions = Some(v),
                "required_approvals" => d.required_approvals = raw::elements(v).filter_map(raw::as_str).collect(),
                "violations" => {
                    d.violations = raw::elements(v)
                        .map(|item| {
                            let mut x = Violation::default();
                            for (k, v) in raw::members(item) {
                                match k {
                                    "policy" => x.policy = raw::as_str(v).unwrap_or(""),
                                    "rule" => x.rule = raw::as_str(v).unwrap_or(""),
                                    "severity" => x.severity = raw::as_str(v),
                                    "path" => x.path = raw::as_str(v),
                                    _ => {}
                                }
                            }
                            x
                        })
                        .collect()
                }
                "waived" => {
                    d.waived = raw::elements(v)
                        .map(|item| {
                            let mut w = Waiver::default();
                            for (k, v) in raw::members(item) {
                                match k {
                                    "policy" => w.policy = raw::as_str(v).unwrap_or(""),
                                    "rule" => w.rule = raw::as_str(v).unwrap_or(""),
                                    "approval_id" => w.approval_id = raw::as_str(v).unwrap_or(""),
                                    _ => {}
                                }
                            }
                            w
                        })
                        .collect()
                }
                _ => d.rest.push((k, v)),
            }
        }
        let end = it.end();
        (d, end)
    }
}

/// The index of `attrs` in the fast path's member order.
const ATTRS: usize = 2;

impl<'n> Fields<'n> {
    /// From the member ranges the verifier's fast path found, or by reading the line.
    pub(crate) fn read(line: &'n str, spans: Option<&Spans>) -> Fields<'n> {
        let Some(spans) = spans else { return Fields::of(line) };
        let mut f = Fields::default();
        for (i, &(start, end)) in spans.iter().enumerate() {
            if end == 0 {
                continue;
            }
            let (start, end) = (start as usize, end as usize);
            if i == ATTRS && f.is_decision() {
                let (d, _) = DecisionAttrs::at(line, start);
                f.decision = Some(d);
            }
            if let Some(v) = line.get(start..end) {
                f.set_at(i, v);
            }
        }
        if f.is_decision() && f.decision.is_none() {
            f.decision = Some(DecisionAttrs::default());
        }
        f
    }

    /// Sets the member at index `i` of the fast path's order (`fast::MEMBERS`: action,
    /// app_id, attrs, dataset_tags, decision_id, ip_address, log_id, outcome, policy, prev,
    /// principal_id, principal_type, request_id, resource_id, resource_type, seq, tenant_id,
    /// ts, v).
    fn set_at(&mut self, i: usize, v: &'n str) {
        let s = raw::as_str(v);
        match i {
            0 => self.action = s.unwrap_or(""),
            1 => self.app_id = s,
            2 => self.attrs = Some(v),
            3 => self.dataset_tags = Some(v),
            4 => self.decision_id = s,
            5 => self.ip_address = s,
            6 => self.log_id = s.unwrap_or(""),
            7 => self.outcome = s,
            8 => self.policy = Some(v),
            9 => self.prev = s.unwrap_or(""),
            10 => self.principal_id = s,
            11 => self.principal_type = s,
            12 => self.request_id = s,
            13 => self.resource_id = s,
            14 => self.resource_type = s,
            15 => self.seq = v.parse().unwrap_or(0),
            16 => self.tenant_id = s,
            17 => self.ts = s.unwrap_or(""),
            _ => {}
        }
    }

    fn set(&mut self, name: &str, v: &'n str) {
        let s = raw::as_str(v);
        match name {
            "log_id" => self.log_id = s.unwrap_or(""),
            "seq" => self.seq = v.parse().unwrap_or(0),
            "ts" => self.ts = s.unwrap_or(""),
            "action" => self.action = s.unwrap_or(""),
            "prev" => self.prev = s.unwrap_or(""),
            "tenant_id" => self.tenant_id = s,
            "app_id" => self.app_id = s,
            "principal_id" => self.principal_id = s,
            "principal_type" => self.principal_type = s,
            "resource_type" => self.resource_type = s,
            "resource_id" => self.resource_id = s,
            "ip_address" => self.ip_address = s,
            "outcome" => self.outcome = s,
            "request_id" => self.request_id = s,
            "decision_id" => self.decision_id = s,
            "policy" => self.policy = Some(v),
            "dataset_tags" => self.dataset_tags = Some(v),
            "attrs" => self.attrs = Some(v),
            _ => {}
        }
    }

    /// By reading the line (the verifier's full parser accepted it).
    pub(crate) fn of(line: &'n str) -> Fields<'n> {
        let mut f = Fields::default();
        let mut it = raw::members(line);
        while let Some((k, start)) = it.next_key() {
            // A decision's attrs are read as they are skipped (`action` sorts before `attrs`).
            if k == "attrs" && f.is_decision() {
                let (d, end) = DecisionAttrs::at(line, start);
                f.attrs = line.get(start..end);
                f.decision = Some(d);
                it.advance(end);
                continue;
            }
            let end = raw::value_end(line, start);
            it.advance(end);
            let Some(v) = line.get(start..end) else { break };
            f.set(k, v);
        }
        if f.is_decision() && f.decision.is_none() {
            f.decision = Some(DecisionAttrs::default());
        }
        f
    }

    /// Whether this record is a policy decision (§2.4 of the format).
    pub(crate) fn is_decision(&self) -> bool {
        self.action == "policy.evaluate"
    }

    /// The record's time in microseconds since the Unix epoch (the verifier checked its form).
    pub(crate) fn micros(&self) -> i64 {
        ts_micros(self.ts).unwrap_or(0)
    }

    /// How serious the event is, on one scale shared by the OCSF and OTLP mappings.
    pub(crate) fn severity(&self) -> Severity {
        if self.is_decision() {
            return match self.outcome {
                Some("deny") => {
                    let worst = self
                        .decision
                        .iter()
                        .flat_map(|d| &d.violations)
                        .map(|v| Severity::of_word(v.severity.unwrap_or("medium")))
                        .max();
                    worst.unwrap_or(Severity::Medium).max(Severity::Low)
                }
                Some("review") => Severity::Low,
                _ => Severity::Informational,
            };
        }
        match self.outcome {
            Some("deny" | "failure" | "denied" | "error") => Severity::Low,
            _ => Severity::Informational,
        }
    }
}

/// The severity scale of OCSF's `severity_id` (1–5), which OTLP's severity numbers follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Severity {
    Informational,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub(crate) fn of_word(s: &str) -> Severity {
        match s {
            "critical" => Severity::Critical,
            "high" => Severity::High,
            "medium" => Severity::Medium,
            "low" => Severity::Low,
            "info" | "informational" => Severity::Informational,
            // A team policy's own word: treat it as the decision's default.
            _ => Severity::Medium,
        }
    }

    /// The word microgov uses (a violation's `severity`).
    pub(crate) fn word(&self) -> &'static str {
        match self {
            Severity::Informational => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// `YYYY-MM-DDTHH:MM:SS.ffffffZ` (a verified record's `ts`: its form is not checked again)
/// as microseconds since the Unix epoch.
pub(crate) fn ts_micros(ts: &str) -> Option<i64> {
    let b = ts.as_bytes();
    if b.len() != 27 {
        return None;
    }
    let num = |from: usize, to: usize| {
        b.get(from..to).map_or(0, |d| d.iter().fold(0u32, |acc, c| acc * 10 + u32::from(c.wrapping_sub(b'0') % 10)))
    };
    let (y, mo, d, h, mi, s, us) =
        (num(0, 4), num(5, 7), num(8, 10), num(11, 13), num(14, 16), num(17, 19), num(20, 26));
    Some(
        days_from_civil(i64::from(y), i64::from(mo), i64::from(d)) * 86_400_000_000
            + (i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(s)) * 1_000_000
            + i64::from(us),
    )
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::fast::member_name;

    /// The one-thread export and the two-thread one write the same bytes, for a good log and
    /// for one with an edited record (taken back on one thread, never handed over on two),
    /// across OTLP request and hand-over boundaries.
    #[test]
    fn one_thread_and_two_threads_agree() {
        use crate::audit::{Chain, Event};
        let n = otlp::OTLP_BATCH + HAND_OVER + 3;
        let mut chain = Chain::new("example.com/audit").unwrap();
        let lines: Vec<String> = (0..n)
            .map(|i| chain.append(&Event::new("app.register").app(format!("app-{i}"))).unwrap().1.to_string())
            .collect();
        for edited in [None, Some(otlp::OTLP_BATCH - 1), Some(otlp::OTLP_BATCH), Some(HAND_OVER), Some(n - 2)] {
            let mut log = String::new();
            for (i, l) in lines.iter().enumerate() {
                log.push_str(&if Some(i) == edited { l.replacen("\"app-", "\"APP-", 1) } else { l.clone() });
                log.push('\n');
            }
            for format in [ExportFormat::Ocsf, ExportFormat::Otlp] {
                let options = ExportOptions::new(format);
                let run = |two: bool| {
                    let inputs = open_sources(LogSource::Reader(Box::new(log.as_bytes()))).unwrap();
                    let mut out = Vec::new();
                    let (report, _) = if two {
                        export_with_worker(inputs, &mut out, &options).unwrap()
                    } else {
                        export_here(inputs, &mut out, &options).unwrap()
                    };
                    (out, report.records)
                };
                let (one, records) = run(false);
                let (two, _) = run(true);
                assert_eq!(one, two, "edited {edited:?}, {format:?}");
                let events: usize = match format {
                    ExportFormat::Ocsf => one.split(|b| *b == b'\n').filter(|l| !l.is_empty()).count(),
                    _ => std::str::from_utf8(&one)
                        .unwrap()
                        .lines()
                        .map(|l| {
                            let v: serde_json::Value = serde_json::from_str(l).unwrap();
                            v["resourceLogs"][0]["scopeLogs"][0]["logRecords"].as_array().unwrap().len()
                        })
                        .sum(),
                };
                assert_eq!(events, edited.unwrap_or(n), "edited {edited:?}, {format:?} ({records} verified)");
            }
        }
    }

    /// `set_at` follows the fast path's member order.
    #[test]
    fn member_indexes_match_the_fast_path() {
        for i in 0..19 {
            let (mut by_index, mut by_name) = (Fields::default(), Fields::default());
            by_index.set_at(i, "\"x\"");
            by_name.set(member_name(i), "\"x\"");
            let show = |f: &Fields<'_>| {
                format!(
                    "{} {} {} {} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?}",
                    f.log_id,
                    f.ts,
                    f.action,
                    f.prev,
                    f.tenant_id,
                    f.app_id,
                    f.principal_id,
                    f.principal_type,
                    f.resource_type,
                    f.resource_id,
                    f.ip_address,
                    f.outcome,
                    f.request_id,
                    f.decision_id,
                    f.policy,
                    f.dataset_tags,
                    f.attrs
                )
            };
            assert_eq!(show(&by_index), show(&by_name), "member {i} ({})", member_name(i));
        }
        assert_eq!(member_name(ATTRS), "attrs");
    }
}
