//! `microgov audit verify|append|checkpoint|prove` and `microgov keygen`:
//! the tamper-evident audit log from the command line. `export` is in `audit_export.rs`,
//! consistency proofs in `audit_proof.rs`, witnesses (`cosign`, `verify --witness-key`) in
//! `audit_witness.rs`. Every LOG is a file path or a
//! `postgres://user@host:port/db?log=<log_id>` URL (the library tells them apart).

use crate::args::ColorChoice;
pub use crate::audit_common::{audit_error, must_exist, Format};
use crate::common::{core_error, exit, io_message, read_option_file, CliError, CliResult};
use crate::style::Style;
use clap::Subcommand;
use microgov::audit::merkle::{verify_inclusion, MerkleTree};
use microgov::audit::{
    for_each_line, is_store_url, keygen, leaf_hash, read_checkpoints, verify, witness_keygen, AuditLog, AuditOptions,
    Event, LogSource, SigningKey, SyncPolicy, VerifierKey, VerifyStatus,
};
use serde_json::{json, Value};
use std::io::{BufRead, Read, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Verify a log's hash chain and, optionally, a signed checkpoint; names the first bad record.
    #[command(
        long_about = "Verify an audit log: every line canonical JSON, every record valid, the hash chain \
unbroken from seq 0, and, with --checkpoint, that the records hash to the checkpoint's Merkle root \
(with --public-key, that the checkpoint is signed by that key). Rotated segments (LOG.1, LOG.2 ...) \
are read first. Stops at the first bad record and names it (seq, file, line, kind). Reads only; \
safe while another process appends.",
        after_help = "Examples:\n  microgov audit verify audit.jsonl\n  microgov audit verify audit.jsonl --checkpoint audit.jsonl.checkpoints --public-key audit.pub\n  microgov audit verify audit.jsonl --format json\n\nExit status: 0 intact (or intact with records after the last checkpoint), 1 tampered, 2 unreadable input, bad key or checkpoint (or a usage error)."
    )]
    Verify(VerifyArgs),
    /// Append events (JSON on standard input) to a log.
    #[command(
        long_about = "Append events to an audit log, creating it if needed. Standard input holds one JSON \
object, a JSON array of objects, or JSON Lines, each an event with the record's member names \
(action, tenant_id, app_id, principal_id, outcome, attrs ...; the log assigns v, log_id, seq and \
prev, and ts unless given). With --decisions, standard input holds policy decisions instead (one, \
a list, or the output of `microgov check --format json`), each recorded as a policy.evaluate event. With --approvals, standard input \
holds an approvals file, each approval recorded as its approval.grant, exception.grant or approval.revoke event. \
With --key, a signed checkpoint is written when done. Do not run it while another process writes \
the same log.",
        after_help = "Examples:\n  echo '{\"action\":\"app.register\",\"tenant_id\":\"acme\",\"app_id\":\"expense-approver\",\"outcome\":\"success\"}' \\\n    | microgov audit append audit.jsonl --log-id acme.example/audit --key audit.key\n  microgov check apps/ --format json | microgov audit append audit.jsonl --decisions --tenant acme --key audit.key\n  microgov audit append audit.jsonl --approvals --tenant acme < approvals.yaml\n\nExit status: 0 appended, 2 invalid events, a log that does not verify, or a usage error."
    )]
    Append(AppendArgs),
    /// Write a signed checkpoint of the whole log (to LOG.checkpoints) and print it.
    #[command(
        long_about = "Sign a checkpoint (C2SP tlog-checkpoint: log id, record count, Merkle root) of the \
whole log with the given key, append it to LOG.checkpoints and print it. Verifiers check the log \
against it with `microgov audit verify --checkpoint --public-key`. Do not run it while another \
process writes the same log.",
        after_help = "Examples:\n  microgov audit checkpoint audit.jsonl --key audit.key\n  microgov audit checkpoint audit.jsonl --key audit.key > latest.checkpoint\n\nExit status: 0 written, 2 the log does not verify, a bad key, or a usage error."
    )]
    Checkpoint(CheckpointArgs),
    /// Print an inclusion proof of one record, or a consistency proof between two tree sizes (RFC 9162).
    #[command(
        long_about = "Compute the Merkle inclusion proof (RFC 9162 2.1.3) of record SEQ in the tree of the \
first --tree-size records (default: all), so that someone holding a checkpoint of that size can \
check that the record is in the log without reading it. The log is verified first; the proof is \
checked against the root before it is printed. With --consistency OLD NEW, prints the consistency \
proof (RFC 9162 2.1.4) between the trees of OLD and NEW records instead, checked against both roots: \
what `microgov audit check-consistency` takes to show that a checkpoint of NEW extends one of OLD. \
Reads only.",
        after_help = "Examples:\n  microgov audit prove audit.jsonl 41\n  microgov audit prove audit.jsonl 41 --tree-size 1000 > proof.json\n  microgov audit prove --consistency 1000 2000 audit.jsonl --format json\n\nExit status: 0 printed, 1 the log is tampered, 2 seq out of range, unreadable log (or a usage error)."
    )]
    Prove(ProveArgs),
    /// Write the log as OCSF events or OTLP log records (for a SIEM), or as its own bytes.
    #[command(
        long_about = "Export an audit log (a file or a postgres:// URL), verifying its chain as it is read: \
--format jsonl writes the records' lines exactly as stored (the file log's bytes, so `microgov audit verify` \
and any other file verifier check the copy; with --output, the log's signed checkpoints go to \
OUTPUT.checkpoints beside it); ocsf writes one OCSF 1.8.0 event per line (policy decisions as Compliance Finding \
2003, other records as Entity Management 3004), otlp one OTLP/JSON ExportLogsServiceRequest per line \
(up to 1,000 log records each, the body being the record's line). Every event carries the record's hash, \
seq and log id, so the SIEM copy can be checked against the chain. A record is written only once the \
next one links to it; a tampered log stops at the first bad record. Reads only.",
        after_help = "Examples:\n  microgov audit export audit.jsonl --format ocsf > audit.ocsf.ndjson\n  microgov audit export audit.jsonl --format otlp -o audit.otlp.jsonl\n  microgov audit export 'postgres://audit@db.internal/microgov?log=tenant-acme' -o acme.jsonl\n  microgov audit verify acme.jsonl --public-key audit.key.pub\n\nExit status: 0 exported, 1 the log is tampered (the records before the first bad one were written), 2 unreadable log or output, or a usage error."
    )]
    Export(crate::audit_export::ExportArgs),
    /// Check that a newer checkpoint extends an older one (RFC 9162 consistency proof).
    #[command(
        long_about = "Check two checkpoints of a log against a consistency proof (from `microgov audit prove \
--consistency OLD NEW LOG --format json`, or made from --log): the tree of the older checkpoint must be \
a prefix of the newer one's, so nothing the older one attested was changed or removed. With \
--public-key, both must be signed with that key. Needs neither the log nor the records when a proof is given.",
        after_help = "Examples:\n  microgov audit prove --consistency 1000 2000 audit.jsonl --format json > proof.json\n  microgov audit check-consistency old.checkpoint new.checkpoint --proof proof.json --public-key audit.pub\n  microgov audit check-consistency old.checkpoint new.checkpoint --log audit.jsonl\n\nExit status: 0 consistent, 1 not consistent, 2 unreadable input, bad signature or key, or a usage error."
    )]
    CheckConsistency(crate::audit_proof::CheckConsistencyArgs),
    /// Act as a witness: check a checkpoint, then add a C2SP cosignature to it.
    #[command(
        long_about = "Cosign a checkpoint as a witness (C2SP tlog-cosignature, cosignature/v1, Ed25519): the \
checkpoint must be signed with the log's key (--public-key); with --previous (the last checkpoint this \
witness cosigned) it must extend that one (proof from --proof or --log); with --log, the log must \
verify and hash to its root. Prints the note with the cosignature line added. Verifiers then require \
K of N witnesses with `microgov audit verify --witness-key FILE... --witnesses K`.",
        after_help = "Examples:\n  microgov keygen witness.example/w1 --witness -o w1.key\n  microgov audit cosign latest.checkpoint --key w1.key --public-key audit.pub --previous last-seen.checkpoint --log audit.jsonl > cosigned.checkpoint\n  microgov audit verify audit.jsonl --checkpoint cosigned.checkpoint --public-key audit.pub --witness-key w1.key.pub --witness-key w2.key.pub --witnesses 1\n\nExit status: 0 cosigned, 1 refused (bad signature, inconsistent or tampered log), 2 unreadable input or a usage error."
    )]
    Cosign(crate::audit_witness::CosignArgs),
}

#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The log file (rotated segments LOG.1, LOG.2 ... are found) or postgres:// URL; several files are read in the order given.
    #[arg(required = true, value_name = "LOG")]
    pub logs: Vec<PathBuf>,
    /// A signed checkpoint note, or a checkpoints file (every note in it is checked).
    #[arg(long, value_name = "FILE")]
    pub checkpoint: Option<PathBuf>,
    /// The verifier key (`<name>+<id>+<base64>`) the checkpoint must be signed with.
    #[arg(long, value_name = "FILE")]
    pub public_key: Option<PathBuf>,
    /// A witness's verifier key (`microgov keygen --witness`); repeat for each witness. The
    /// latest checkpoint must carry their cosignatures (C2SP tlog-cosignature).
    #[arg(long = "witness-key", value_name = "FILE", requires = "checkpoint")]
    pub witness_keys: Vec<PathBuf>,
    /// How many of the --witness-key witnesses must have cosigned (default: all).
    #[arg(long, value_name = "K", requires = "witness_keys")]
    pub witnesses: Option<usize>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, clap::Args)]
pub struct AppendArgs {
    /// The log file, or a postgres://user@host/db?log=<log_id> URL.
    #[arg(value_name = "LOG")]
    pub log: PathBuf,
    /// The log id for a new log (checked against an existing one).
    #[arg(long, value_name = "ID")]
    pub log_id: Option<String>,
    /// A signing key file (`PRIVATE+KEY+...`, from `microgov keygen`): write a signed checkpoint when done.
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// Standard input holds policy decisions (or `microgov check --format json` output).
    #[arg(long)]
    pub decisions: bool,
    /// Standard input holds an approvals file (YAML or JSON list, as `microgov approve` writes):
    /// each approval is recorded as its approval.grant, exception.grant or approval.revoke event.
    #[arg(long, conflicts_with = "decisions")]
    pub approvals: bool,
    /// Read JSON Lines as they arrive and append each at once, printing each receipt when it is acknowledged (durable).
    #[arg(long, conflicts_with_all = ["decisions", "approvals"])]
    pub stream: bool,
    /// With --stream: at most N waiting lines share one durable append (one transaction).
    #[arg(long, value_name = "N", default_value_t = 256, requires = "stream")]
    pub batch: usize,
    /// Tenant to set on events that have none.
    #[arg(long)]
    pub tenant: Option<String>,
    /// Principal (who acted) to set on events that have none.
    #[arg(long)]
    pub principal: Option<String>,
    /// Kind of the principal: user, service, agent ...
    #[arg(long, default_value = "user", requires = "principal")]
    pub principal_type: String,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Debug, clap::Args)]
pub struct CheckpointArgs {
    /// The log file, or a postgres:// URL.
    #[arg(value_name = "LOG")]
    pub log: PathBuf,
    /// The signing key file (`PRIVATE+KEY+...`, from `microgov keygen`).
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct ProveArgs {
    /// The log file, or a postgres:// URL.
    #[arg(value_name = "LOG")]
    pub log: PathBuf,
    /// The record's seq.
    #[arg(value_name = "SEQ", required_unless_present = "consistency")]
    pub seq: Option<u64>,
    /// The tree size to prove against (a checkpoint's size); default: every record.
    #[arg(long, value_name = "N", conflicts_with = "consistency")]
    pub tree_size: Option<u64>,
    /// Print the consistency proof (RFC 9162 2.1.4) between tree sizes OLD and NEW instead.
    #[arg(long, num_args = 2, value_names = ["OLD", "NEW"], conflicts_with = "seq")]
    pub consistency: Option<Vec<u64>>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Json)]
    pub format: Format,
}

#[derive(Debug, clap::Args)]
pub struct KeygenArgs {
    /// The key name, as it appears in checkpoint signatures (e.g. acme.example/audit; no spaces or '+').
    #[arg(value_name = "NAME")]
    pub name: String,
    /// Write the signing key to FILE (mode 0600) and the verifier key to FILE.pub, instead of printing both.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Overwrite existing key files.
    #[arg(long)]
    pub force: bool,
    /// A witness key (C2SP cosignature/v1, key type 0x04) for `microgov audit cosign`.
    #[arg(long)]
    pub witness: bool,
}

pub fn read_key(path: &Path) -> CliResult<SigningKey> {
    let text = read_option_file(path, "key")?;
    SigningKey::parse(text.trim()).map_err(|e| core_error(&path.display().to_string(), e))
}

pub fn run(cmd: AuditCommand, color: ColorChoice) -> CliResult<u8> {
    match cmd {
        AuditCommand::Verify(a) => run_verify(a, color),
        AuditCommand::Append(a) => run_append(a),
        AuditCommand::Checkpoint(a) => run_checkpoint(a),
        AuditCommand::Prove(a) => run_prove(a),
        AuditCommand::Export(a) => crate::audit_export::run(a),
        AuditCommand::CheckConsistency(a) => crate::audit_proof::run_check_consistency(a),
        AuditCommand::Cosign(a) => crate::audit_witness::run_cosign(a),
    }
}

fn run_verify(a: VerifyArgs, color: ColorChoice) -> CliResult<u8> {
    for log in &a.logs {
        must_exist(log)?;
    }
    let checkpoint_path = match (&a.checkpoint, &a.public_key, a.logs.as_slice()) {
        (Some(p), _, _) => Some(p.clone()),
        // A key alone means: the log's own checkpoints (for a database, its checkpoint rows).
        (None, Some(_), [log]) if log.to_str().is_some_and(is_store_url) => None,
        (None, Some(_), [log]) => {
            let mut p = log.clone().into_os_string();
            p.push(".checkpoints");
            let p = PathBuf::from(p);
            if !p.is_file() {
                return Err(CliError::input(format!(
                    "--public-key needs a checkpoint: pass --checkpoint FILE ({} does not exist)",
                    p.display()
                )));
            }
            Some(p)
        }
        (None, Some(_), _) => return Err(CliError::input("--public-key needs --checkpoint FILE")),
        (None, None, _) => None,
    };
    let mut checkpoint = checkpoint_path.as_deref().map(|p| read_option_file(p, "checkpoint")).transpose()?;
    let key = a.public_key.as_deref().map(|p| read_option_file(p, "public key")).transpose()?;
    let witnesses = crate::audit_witness::policy(&a.witness_keys, a.witnesses)?;
    if let (None, Some(k), [log]) = (&checkpoint, &key, a.logs.as_slice()) {
        let signer = VerifierKey::parse(k.trim()).map_err(audit_error)?;
        checkpoint = read_checkpoints(log, Some(&signer)).map_err(audit_error)?;
        if checkpoint.is_none() {
            return Err(CliError::input(format!(
                "--public-key needs a checkpoint: {} holds none signed by that key (pass --checkpoint FILE)",
                log.display()
            )));
        }
    }
    let source: LogSource<'_> =
        if a.logs.len() == 1 { LogSource::from(&a.logs[0]) } else { LogSource::Files(a.logs.clone()) };
    let report = verify(source, checkpoint.as_deref(), key.as_deref().map(str::trim)).map_err(audit_error)?;
    let witnessed = match (&witnesses, &checkpoint) {
        (Some(policy), Some(text)) => Some(crate::audit_witness::check(policy, text)?),
        _ => None,
    };
    let code = if report.is_ok() && !matches!(witnessed, Some(Err(_))) { exit::OK } else { exit::DENY };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if a.format == Format::Json {
        let mut doc = serde_json::to_value(&report).map_err(std::io::Error::from)?;
        if let (Some(w), Some(policy), Some(obj)) = (&witnessed, &witnesses, doc.as_object_mut()) {
            obj.insert(
                "witnesses".into(),
                match w {
                    Ok((cp, found)) => json!({"ok": true, "required": policy.threshold(), "of": policy.keys().len(), "checkpoint_size": cp.size, "cosignatures": found}),
                    Err(reason) => json!({"ok": false, "required": policy.threshold(), "of": policy.keys().len(), "reason": reason}),
                },
            );
        }
        serde_json::to_writer_pretty(&mut out, &doc).map_err(std::io::Error::from)?;
        writeln!(out)?;
        return Ok(code);
    }
    let s = Style::stdout(color);
    let log_id = report.log_id.clone().unwrap_or_else(|| "-".into());
    match &report.status {
        VerifyStatus::Intact => {
            writeln!(out, "{}: {} record(s), log {log_id}, root {}", s.green("intact"), report.records, report.root)?;
        }
        VerifyStatus::Unattested { checkpoint_size, unattested } => {
            writeln!(
                out,
                "{}: {} record(s), log {log_id}; the checkpoint covers the first {checkpoint_size}, {unattested} later record(s) are not signed yet",
                s.green("intact"),
                report.records
            )?;
        }
        VerifyStatus::Tampered(t) => {
            let at = match (&t.file, t.line) {
                (Some(f), Some(l)) => format!(" ({f}:{l})"),
                (Some(f), None) => format!(" ({f})"),
                _ => String::new(),
            };
            let seq = t.seq.map(|s| format!(" at seq {s}")).unwrap_or_default();
            writeln!(out, "{}: {}{seq}{at}: {}", s.red_bold("TAMPERED"), t.kind, t.reason)?;
            writeln!(out, "{} record(s) before it verify", report.records)?;
        }
    }
    if let Some(cp) = &report.checkpoint {
        let sig =
            if report.signature_verified { "signature verified" } else { "signature not checked (no --public-key)" };
        writeln!(out, "checkpoint: {} record(s), root {}, {sig}", cp.size, cp.root)?;
    }
    if let (Some(w), Some(policy)) = (&witnessed, &witnesses) {
        crate::audit_witness::print_text(&mut out, policy, w, |t| s.red_bold(t))?;
    }
    Ok(code)
}

/// Events from standard input: one object, an array, or JSON Lines.
fn read_values(text: &str) -> CliResult<Vec<Value>> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(CliError::input("no events on standard input"));
    }
    if let Ok(v) = serde_json::from_str::<Value>(trimmed) {
        return Ok(match v {
            Value::Array(a) => a,
            other => vec![other],
        });
    }
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            serde_json::from_str(l)
                .map_err(|e| CliError::input(format!("standard input line {}: invalid JSON: {e}", i + 1)))
        })
        .collect()
}

fn append_options(a: &AppendArgs) -> CliResult<AuditOptions> {
    let mut opts = AuditOptions::new().sync(SyncPolicy::OnFlush);
    if let Some(id) = &a.log_id {
        opts = opts.log_id(id.clone());
    }
    if let Some(k) = &a.key {
        opts = opts.signing_key(read_key(k)?);
    }
    Ok(opts)
}

/// Fills in `--tenant` and `--principal` where an event has none.
fn with_defaults(a: &AppendArgs, mut e: Event) -> Event {
    if let Some(t) = &a.tenant {
        if e.tenant_id.is_none() {
            e = e.tenant(t.clone());
        }
    }
    if let Some(p) = &a.principal {
        if e.principal_id.is_none() {
            e = e.principal(p.clone(), a.principal_type.clone());
        }
    }
    e
}

/// `append --stream`: one event per line of standard input, appended as it arrives; the
/// lines already waiting (at most `--batch`) share one durable append, and each receipt is
/// printed only once its record is durable, so whoever reads the output knows exactly what
/// was acknowledged.
fn run_append_stream(a: AppendArgs) -> CliResult<u8> {
    let log = AuditLog::open(&a.log, append_options(&a)?.sync(SyncPolicy::EveryRecord)).map_err(audit_error)?;
    let (tx, rx) = std::sync::mpsc::sync_channel::<std::io::Result<String>>(a.batch.max(1) * 4);
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            if tx.send(line).is_err() {
                return;
            }
        }
    });
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let (mut count, mut line_no) = (0u64, 0usize);
    while let Ok(first) = rx.recv() {
        let mut lines = vec![first];
        while lines.len() < a.batch.max(1) {
            match rx.try_recv() {
                Ok(l) => lines.push(l),
                Err(_) => break,
            }
        }
        let mut events = Vec::with_capacity(lines.len());
        for line in lines {
            line_no += 1;
            let line = line.map_err(|e| CliError::input(format!("cannot read standard input: {}", io_message(&e))))?;
            if line.trim().is_empty() {
                continue;
            }
            let value: Value = serde_json::from_str(&line)
                .map_err(|e| CliError::input(format!("standard input line {line_no}: invalid JSON: {e}")))?;
            let event =
                Event::from_json(&value).map_err(|e| core_error(&format!("standard input line {line_no}"), e))?;
            events.push(with_defaults(&a, event));
        }
        for receipt in log.append_batch(&events).map_err(audit_error)? {
            count += 1;
            if a.format == Format::Json {
                serde_json::to_writer(&mut out, &receipt).map_err(std::io::Error::from)?;
                writeln!(out)?;
            } else {
                writeln!(out, "appended seq {} hash {}", receipt.seq, receipt.hash)?;
            }
        }
        out.flush()?;
    }
    log.close().map_err(audit_error)?;
    if a.format == Format::Text {
        writeln!(out, "appended {count} record(s) to {}", a.log.display())?;
    }
    Ok(exit::OK)
}

fn run_append(a: AppendArgs) -> CliResult<u8> {
    if a.stream {
        return run_append_stream(a);
    }
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .map_err(|e| CliError::input(format!("cannot read standard input: {}", io_message(&e))))?;
    let mut events = Vec::new();
    if a.approvals {
        let approvals = microgov::model::approval::approvals_from_str(&input)
            .map_err(|p| core_error("standard input", microgov::ManifestError::approvals(p)))?;
        for (i, approval) in approvals.iter().enumerate() {
            let e = Event::from_approval(approval).map_err(|e| core_error(&format!("approval {}", i + 1), e))?;
            events.push(with_defaults(&a, e));
        }
    }
    let values = if a.approvals { Vec::new() } else { read_values(&input)? };
    for (i, v) in values.iter().enumerate() {
        let decisions: Vec<&Value> = if a.decisions {
            match v.get("results").and_then(Value::as_array) {
                // `microgov check --format json`: invalid files have no decision.
                Some(results) => results.iter().filter_map(|r| r.get("decision")).collect(),
                None => vec![v],
            }
        } else {
            Vec::new()
        };
        let made: Vec<Event> = if a.decisions {
            decisions.into_iter().map(Event::from_decision_json).collect::<Result<_, _>>()
        } else {
            Event::from_json(v).map(|e| vec![e])
        }
        .map_err(|e| core_error(&format!("event {}", i + 1), e))?;
        for e in made {
            events.push(with_defaults(&a, e));
        }
    }
    if events.is_empty() {
        return Err(CliError::input("no events to append"));
    }
    let log = AuditLog::open(&a.log, append_options(&a)?).map_err(audit_error)?;
    let receipts = log.append_batch(&events).map_err(audit_error)?;
    log.close().map_err(audit_error)?;
    let log_id = log.log_id().unwrap_or_default();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if a.format == Format::Json {
        let doc = json!({"log": a.log.display().to_string(), "log_id": log_id, "receipts": receipts, "checkpoint": log.latest_note().ok().flatten()});
        serde_json::to_writer_pretty(&mut out, &doc).map_err(std::io::Error::from)?;
        writeln!(out)?;
    } else {
        let first = receipts.first().map(|r| r.seq).unwrap_or(0);
        let last = receipts.last().map(|r| (r.seq, r.hash.to_hex())).unwrap_or_default();
        writeln!(
            out,
            "appended {} record(s) to {} (log {log_id}): seq {first}..{}, last hash {}",
            receipts.len(),
            a.log.display(),
            last.0,
            last.1
        )?;
        match (a.key.is_some(), log.is_store()) {
            (true, true) => writeln!(out, "signed checkpoint stored with the log")?,
            (true, false) => writeln!(out, "signed checkpoint written to {}", log.checkpoints_path().display())?,
            _ => {}
        }
    }
    Ok(exit::OK)
}

fn run_checkpoint(a: CheckpointArgs) -> CliResult<u8> {
    must_exist(&a.log)?;
    let key = read_key(&a.key)?;
    let log =
        AuditLog::open(&a.log, AuditOptions::new().sync(SyncPolicy::OnFlush).signing_key(key)).map_err(audit_error)?;
    log.checkpoint().map_err(audit_error)?;
    let note = log.latest_note().map_err(audit_error)?;
    log.close().map_err(audit_error)?;
    let note = note.ok_or_else(|| CliError::input("no checkpoint was written"))?;
    print!("{note}");
    Ok(exit::OK)
}

fn run_prove(a: ProveArgs) -> CliResult<u8> {
    if let Some(sizes) = &a.consistency {
        return crate::audit_proof::run_prove_consistency(&a.log, sizes[0], sizes[1], a.format);
    }
    let Some(seq) = a.seq else { return Err(CliError::input("give SEQ, or --consistency OLD NEW")) };
    must_exist(&a.log)?;
    let report = verify(LogSource::from(&a.log), None, None).map_err(audit_error)?;
    if let Some(t) = report.tamper() {
        eprintln!(
            "error: {} is tampered: {}{}: {} (`microgov audit verify` for details)",
            a.log.display(),
            t.kind,
            t.seq.map(|s| format!(" at seq {s}")).unwrap_or_default(),
            t.reason
        );
        return Ok(exit::DENY);
    }
    let size = a.tree_size.unwrap_or(report.records);
    if size > report.records || seq >= size {
        return Err(CliError::input(format!(
            "seq {} is not in a tree of {size} record(s) (the log has {})",
            seq, report.records
        )));
    }
    // Leaf hashes of the verified records, in log order (complete lines only).
    let mut tree = MerkleTree::new();
    let mut record: Option<Value> = None;
    for_each_line(LogSource::from(&a.log), |line| {
        if tree.len() < size {
            if tree.len() == seq {
                record = serde_json::from_slice(line).ok();
            }
            tree.push(leaf_hash(line));
        }
        Ok(())
    })
    .map_err(audit_error)?;
    let proof = tree.inclusion_proof(seq, size).map_err(audit_error)?;
    let root = tree.root_at(size).map_err(audit_error)?;
    let leaf = tree.leaf(seq).ok_or_else(|| CliError::input(format!("seq {} not found", seq)))?;
    verify_inclusion(&leaf, &proof, &root).map_err(audit_error)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if a.format == Format::Json {
        let doc = json!({
            "log_id": report.log_id,
            "leaf_index": proof.leaf_index,
            "tree_size": proof.tree_size,
            "leaf": leaf,
            "root": root,
            "hashes": proof.hashes,
            "record": record,
        });
        serde_json::to_writer_pretty(&mut out, &doc).map_err(std::io::Error::from)?;
        writeln!(out)?;
    } else {
        writeln!(out, "record {} of {} (log {})", seq, size, report.log_id.unwrap_or_default())?;
        writeln!(out, "leaf hash {leaf}")?;
        writeln!(out, "root      {root}")?;
        writeln!(out, "path ({} hash(es), leaf side first):", proof.hashes.len())?;
        for h in &proof.hashes {
            writeln!(out, "  {h}")?;
        }
    }
    Ok(exit::OK)
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str, force: bool) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).mode(0o600);
    if force {
        opts.create(true).truncate(true);
    } else {
        opts.create_new(true);
    }
    opts.open(path)?.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str, force: bool) -> std::io::Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true);
    if force {
        opts.create(true).truncate(true);
    } else {
        opts.create_new(true);
    }
    opts.open(path)?.write_all(text.as_bytes())
}

pub fn run_keygen(a: KeygenArgs) -> CliResult<u8> {
    let (skey, vkey) = if a.witness { witness_keygen(&a.name) } else { keygen(&a.name) }.map_err(audit_error)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match &a.output {
        None => {
            writeln!(out, "{skey}")?;
            writeln!(out, "{vkey}")?;
        }
        Some(path) => {
            let mut pub_path = path.clone().into_os_string();
            pub_path.push(".pub");
            let pub_path = PathBuf::from(pub_path);
            let fail = |p: &Path, e: std::io::Error| {
                let hint =
                    if e.kind() == std::io::ErrorKind::AlreadyExists { " (use --force to overwrite)" } else { "" };
                CliError::input(format!("cannot write {}: {}{hint}", p.display(), io_message(&e)))
            };
            if !a.force && pub_path.exists() {
                return Err(fail(&pub_path, std::io::Error::from(std::io::ErrorKind::AlreadyExists)));
            }
            write_private(path, &format!("{skey}\n"), a.force).map_err(|e| fail(path, e))?;
            std::fs::write(&pub_path, format!("{vkey}\n")).map_err(|e| fail(&pub_path, e))?;
            writeln!(out, "signing key  {} (keep it secret)", path.display())?;
            writeln!(out, "verifier key {}: {vkey}", pub_path.display())?;
        }
    }
    Ok(exit::OK)
}
