//! `microgov audit prove --consistency OLD NEW` and `microgov audit check-consistency`:
//! RFC 9162 consistency proofs between two tree sizes of a log, made from the log and checked
//! against two checkpoints.

use crate::audit_common::{audit_error, must_exist, Format};
use crate::common::{exit, read_option_file, CliError, CliResult};
use microgov::audit::merkle::{verify_consistency, MerkleTree};
use microgov::audit::{for_each_line, leaf_hash, verify, Checkpoint, ConsistencyProof, LogSource, VerifierKey};
use serde_json::json;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The leaf hashes of the first `size` records of a log that verifies, with its log id.
/// `Ok(None)` when the log is tampered (the finding is printed on stderr).
pub fn verified_tree(log: &Path, size: Option<u64>) -> CliResult<Option<(MerkleTree, Option<String>, u64)>> {
    must_exist(log)?;
    let report = verify(LogSource::from(log), None, None).map_err(audit_error)?;
    if let Some(t) = report.tamper() {
        eprintln!(
            "error: {} is tampered: {}{}: {} (`microgov audit verify` for details)",
            log.display(),
            t.kind,
            t.seq.map(|s| format!(" at seq {s}")).unwrap_or_default(),
            t.reason
        );
        return Ok(None);
    }
    let size = size.unwrap_or(report.records);
    if size > report.records {
        return Err(CliError::input(format!("tree size {size} is beyond the log ({} record(s))", report.records)));
    }
    let mut tree = MerkleTree::new();
    for_each_line(LogSource::from(log), |line| {
        if tree.len() < size {
            tree.push(leaf_hash(line));
        }
        Ok(())
    })
    .map_err(audit_error)?;
    Ok(Some((tree, report.log_id, report.records)))
}

/// `prove --consistency OLD NEW LOG`.
pub fn run_prove_consistency(log: &Path, old: u64, new: u64, format: Format) -> CliResult<u8> {
    if old > new {
        return Err(CliError::input(format!("--consistency {old} {new}: the old size is larger than the new one")));
    }
    let Some((tree, log_id, records)) = verified_tree(log, None)? else { return Ok(exit::DENY) };
    if new > records {
        return Err(CliError::input(format!("tree size {new} is beyond the log ({records} record(s))")));
    }
    let proof = tree.consistency_proof(old, new).map_err(audit_error)?;
    let old_root = tree.root_at(old).map_err(audit_error)?;
    let new_root = tree.root_at(new).map_err(audit_error)?;
    verify_consistency(&old_root, &new_root, &proof).map_err(audit_error)?;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if format == Format::Json {
        let doc = json!({
            "log_id": log_id,
            "old_size": old,
            "new_size": new,
            "old_root": old_root,
            "new_root": new_root,
            "hashes": proof.hashes,
        });
        serde_json::to_writer_pretty(&mut out, &doc).map_err(std::io::Error::from)?;
        writeln!(out)?;
    } else {
        writeln!(out, "consistency of {old} and {new} record(s) (log {})", log_id.unwrap_or_default())?;
        writeln!(out, "old root {old_root}")?;
        writeln!(out, "new root {new_root}")?;
        writeln!(out, "proof ({} hash(es)):", proof.hashes.len())?;
        for h in &proof.hashes {
            writeln!(out, "  {h}")?;
        }
    }
    Ok(exit::OK)
}

#[derive(Debug, clap::Args)]
pub struct CheckConsistencyArgs {
    /// The older checkpoint (a signed note).
    #[arg(value_name = "OLD")]
    pub old: PathBuf,
    /// The newer checkpoint (a signed note).
    #[arg(value_name = "NEW")]
    pub new: PathBuf,
    /// The proof, as `microgov audit prove --consistency --format json` prints it (or any JSON
    /// with `old_size`, `new_size` and `hashes`).
    #[arg(long, value_name = "FILE", required_unless_present = "log", conflicts_with = "log")]
    pub proof: Option<PathBuf>,
    /// Make the proof from this log instead (it is verified first).
    #[arg(long, value_name = "LOG")]
    pub log: Option<PathBuf>,
    /// The log's verifier key: both checkpoints must be signed with it.
    #[arg(long, value_name = "FILE")]
    pub public_key: Option<PathBuf>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Reads a note and opens it (with the key, when given).
pub fn read_checkpoint(path: &Path, key: Option<&VerifierKey>) -> CliResult<(String, Checkpoint)> {
    let note = read_option_file(path, "checkpoint")?;
    let cp = Checkpoint::open(&note, key)
        .map_err(|e| CliError::input(format!("{}: {}", path.display(), crate::common::describe_core(e))))?;
    Ok((note, cp))
}

pub fn read_verifier_key(path: &Path) -> CliResult<VerifierKey> {
    let text = read_option_file(path, "public key")?;
    VerifierKey::parse(text.trim()).map_err(|e| crate::common::core_error(&path.display().to_string(), e))
}

/// Checks that `new` extends `old` with `proof` (sizes and origins first). The error is a
/// sentence for the user.
pub fn check_pair(old: &Checkpoint, new: &Checkpoint, proof: &ConsistencyProof) -> Result<(), String> {
    if old.origin != new.origin {
        return Err(format!("the checkpoints are of different logs ({:?} and {:?})", old.origin, new.origin));
    }
    if proof.old_size != old.size || proof.new_size != new.size {
        return Err(format!(
            "the proof is between sizes {} and {}, the checkpoints are of sizes {} and {}",
            proof.old_size, proof.new_size, old.size, new.size
        ));
    }
    verify_consistency(&old.root, &new.root, proof).map_err(|e| e.to_string())
}

/// A consistency proof from the log, between the sizes of two checkpoints.
pub fn proof_from_log(log: &Path, old: u64, new: u64) -> CliResult<Option<ConsistencyProof>> {
    let Some((tree, _, records)) = verified_tree(log, None)? else { return Ok(None) };
    if new > records {
        return Err(CliError::input(format!("the checkpoint covers {new} record(s), the log has {records}")));
    }
    tree.consistency_proof(old, new).map(Some).map_err(audit_error)
}

pub fn run_check_consistency(a: CheckConsistencyArgs) -> CliResult<u8> {
    let key = a.public_key.as_deref().map(read_verifier_key).transpose()?;
    let (_, old) = read_checkpoint(&a.old, key.as_ref())?;
    let (_, new) = read_checkpoint(&a.new, key.as_ref())?;
    if old.size > new.size {
        return Err(CliError::input(format!(
            "{} covers {} record(s), more than {} ({}): give the older checkpoint first",
            a.old.display(),
            old.size,
            a.new.display(),
            new.size
        )));
    }
    let proof = match (&a.proof, &a.log) {
        (Some(p), _) => {
            let text = read_option_file(p, "proof")?;
            serde_json::from_str::<ConsistencyProof>(&text)
                .map_err(|e| CliError::input(format!("{}: not a consistency proof: {e}", p.display())))?
        }
        (None, Some(log)) => match proof_from_log(log, old.size, new.size)? {
            Some(p) => p,
            None => return Ok(exit::DENY),
        },
        (None, None) => return Err(CliError::input("give --proof FILE or --log LOG")),
    };
    let verdict = check_pair(&old, &new, &proof);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if a.format == Format::Json {
        let doc = json!({
            "consistent": verdict.is_ok(),
            "reason": verdict.as_ref().err(),
            "origin": new.origin,
            "old_size": old.size,
            "new_size": new.size,
            "old_root": old.root,
            "new_root": new.root,
            "signature_verified": key.is_some(),
        });
        serde_json::to_writer_pretty(&mut out, &doc).map_err(std::io::Error::from)?;
        writeln!(out)?;
    } else {
        match &verdict {
            Ok(()) => writeln!(
                out,
                "consistent: the tree of {} record(s) extends the tree of {} (log {}){}",
                new.size,
                old.size,
                new.origin,
                if key.is_some() { ", both signatures verified" } else { "" }
            )?,
            Err(reason) => writeln!(out, "NOT CONSISTENT: {reason}")?,
        }
    }
    Ok(if verdict.is_ok() { exit::OK } else { exit::DENY })
}
