//! Witnesses from the command line: `microgov audit cosign` (act as a witness: check a
//! checkpoint, then add a C2SP cosignature) and the witness policy of `audit verify`
//! (`--witness-key FILE... --witnesses K`).

use crate::audit_common::audit_error;
use crate::audit_proof::{check_pair, proof_from_log, read_checkpoint, read_verifier_key};
use crate::common::{core_error, exit, io_message, read_option_file, CliError, CliResult};
use microgov::audit::{Checkpoint, ConsistencyProof, Cosignature, WitnessKey, WitnessPolicy, WitnessSigningKey};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, clap::Args)]
pub struct CosignArgs {
    /// The checkpoint to cosign (a signed note, as `microgov audit checkpoint` prints it).
    #[arg(value_name = "CHECKPOINT")]
    pub checkpoint: PathBuf,
    /// The witness's signing key (`microgov keygen NAME --witness -o FILE`).
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
    /// The log's verifier key: the checkpoint must be signed with it.
    #[arg(long, value_name = "FILE")]
    pub public_key: PathBuf,
    /// The last checkpoint this witness cosigned of the log: the new one must extend it (needs
    /// --proof or --log when the sizes differ).
    #[arg(long, value_name = "FILE")]
    pub previous: Option<PathBuf>,
    /// Consistency proof from --previous to CHECKPOINT (`audit prove --consistency --format json`).
    #[arg(long, value_name = "FILE", requires = "previous", conflicts_with = "log")]
    pub proof: Option<PathBuf>,
    /// The log itself: it must verify and hash to the checkpoint's root (and gives the proof
    /// from --previous).
    #[arg(long, value_name = "LOG")]
    pub log: Option<PathBuf>,
    /// The cosignature's time, in seconds since the Unix epoch (default: now).
    #[arg(long, value_name = "SECS")]
    pub time: Option<u64>,
    /// Write the cosigned note to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
}

fn read_witness_key(path: &Path) -> CliResult<WitnessSigningKey> {
    let text = read_option_file(path, "key")?;
    WitnessSigningKey::parse(text.trim()).map_err(|e| core_error(&path.display().to_string(), e))
}

fn refuse(reason: String) -> CliResult<u8> {
    eprintln!("error: not cosigned: {reason}");
    Ok(exit::DENY)
}

pub fn run_cosign(a: CosignArgs) -> CliResult<u8> {
    let witness = read_witness_key(&a.key)?;
    let log_key = read_verifier_key(&a.public_key)?;
    let note = read_option_file(&a.checkpoint, "checkpoint")?;
    let cp = match Checkpoint::open(&note, Some(&log_key)) {
        Ok(cp) => cp,
        Err(e) if e.code() == "audit.bad_signature" => {
            return refuse(format!("{}: {}", a.checkpoint.display(), crate::common::describe_core(e)))
        }
        Err(e) => return Err(core_error(&a.checkpoint.display().to_string(), e)),
    };
    if let Some(log) = &a.log {
        let Some((tree, _, records)) = crate::audit_proof::verified_tree(log, None)? else { return Ok(exit::DENY) };
        if cp.size > records {
            return refuse(format!("the checkpoint covers {} record(s), the log has {records}", cp.size));
        }
        if tree.root_at(cp.size).map_err(audit_error)? != cp.root {
            return refuse(format!("the log's first {} record(s) do not hash to the checkpoint's root", cp.size));
        }
    }
    if let Some(prev_path) = &a.previous {
        let (_, prev) = read_checkpoint(prev_path, Some(&log_key))?;
        if prev.size > cp.size {
            return refuse(format!("the checkpoint ({}) is smaller than the previous one ({})", cp.size, prev.size));
        }
        let proof = match (&a.proof, &a.log) {
            (Some(p), _) => {
                let text = read_option_file(p, "proof")?;
                serde_json::from_str::<ConsistencyProof>(&text)
                    .map_err(|e| CliError::input(format!("{}: not a consistency proof: {e}", p.display())))?
            }
            (None, Some(log)) => match proof_from_log(log, prev.size, cp.size)? {
                Some(p) => p,
                None => return Ok(exit::DENY),
            },
            (None, None) if prev.size == cp.size => {
                ConsistencyProof { old_size: prev.size, new_size: cp.size, hashes: vec![] }
            }
            (None, None) => return Err(CliError::input("--previous of another size needs --proof FILE or --log LOG")),
        };
        if let Err(reason) = check_pair(&prev, &cp, &proof) {
            return refuse(format!("not consistent with {}: {reason}", prev_path.display()));
        }
    }
    let time = match a.time {
        Some(t) => t,
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .map_err(|_| CliError::input("the system clock is before 1970"))?,
    };
    let cosigned = witness.cosign(&note, time).map_err(audit_error)?;
    match &a.output {
        Some(path) => {
            std::fs::write(path, &cosigned)
                .map_err(|e| CliError::input(format!("cannot write {}: {}", path.display(), io_message(&e))))?;
            eprintln!("cosigned by {} at {time}: {}", witness.name(), path.display());
        }
        None => print!("{cosigned}"),
    }
    Ok(exit::OK)
}

/// The witness policy of `audit verify`, from its options.
pub fn policy(keys: &[PathBuf], threshold: Option<usize>) -> CliResult<Option<WitnessPolicy>> {
    if keys.is_empty() {
        if threshold.is_some() {
            return Err(CliError::input("--witnesses needs --witness-key FILE (one per witness)"));
        }
        return Ok(None);
    }
    let mut parsed = Vec::new();
    for p in keys {
        let text = read_option_file(p, "witness key")?;
        parsed.push(WitnessKey::parse(text.trim()).map_err(|e| core_error(&p.display().to_string(), e))?);
    }
    let k = threshold.unwrap_or(parsed.len());
    WitnessPolicy::new(parsed, k).map(Some).map_err(audit_error)
}

/// The policy's verdict on the checkpoints given: the cosignatures, or why not.
pub fn check(policy: &WitnessPolicy, checkpoints: &str) -> CliResult<Result<(Checkpoint, Vec<Cosignature>), String>> {
    match policy.check_latest(checkpoints) {
        Ok(found) => Ok(Ok(found)),
        Err(microgov::audit::AuditError::BadSignature { reason }) => Ok(Err(reason)),
        Err(e) => Err(audit_error(e)),
    }
}

pub fn print_text(
    out: &mut dyn Write,
    policy: &WitnessPolicy,
    verdict: &Result<(Checkpoint, Vec<Cosignature>), String>,
    red: impl Fn(&str) -> String,
) -> std::io::Result<()> {
    match verdict {
        Ok((cp, found)) => {
            let names: Vec<String> = found.iter().map(|c| format!("{} (at {})", c.witness, c.time)).collect();
            writeln!(
                out,
                "witnessed: checkpoint of {} record(s) cosigned by {} of {} witness(es) ({} required): {}",
                cp.size,
                found.len(),
                policy.keys().len(),
                policy.threshold(),
                names.join(", ")
            )
        }
        Err(reason) => writeln!(out, "{}: {reason}", red("NOT WITNESSED")),
    }
}
