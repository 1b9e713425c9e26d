//! `microgov audit export`: a log (a file or a `postgres://` URL) in another place or form.
//! `jsonl` is the file log's own bytes (with OUTPUT.checkpoints beside a file output); `ocsf`
//! and `otlp` are events for a SIEM from the core's [`export`], verified as they are read.

use crate::audit_common::{audit_error, must_exist};
use crate::common::{describe_core, exit, io_message, CliError, CliResult};
use clap::ValueEnum;
use microgov::audit::{export, read_checkpoints, write_lines, ExportFormat, ExportOptions, LogSource};
use std::io::Write;
use std::path::{Path, PathBuf};

/// What `export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Target {
    /// The file log's JSON Lines, byte for byte (with OUTPUT.checkpoints beside it).
    Jsonl,
    /// OCSF 1.8.0 events, one per line: decisions as Compliance Finding (2003), other records as Entity Management (3004).
    Ocsf,
    /// OTLP/JSON: one ExportLogsServiceRequest per line, up to 1,000 log records each.
    Otlp,
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The log: a file (with its rotated segments) or a postgres://user@host/db?log=<log_id> URL.
    #[arg(value_name = "LOG")]
    pub log: PathBuf,
    /// What to write.
    #[arg(long, short = 'f', value_enum, default_value_t = Target::Jsonl)]
    pub format: Target,
    /// Write to FILE instead of standard output (a summary goes to standard error).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// OCSF: put each record's line in raw_data too, so the SIEM can recompute its hash.
    #[arg(long)]
    pub raw_data: bool,
}

fn cannot_write(p: &Path, e: &std::io::Error) -> CliError {
    CliError::input(format!("cannot write {}: {}", p.display(), io_message(e)))
}

pub fn run(a: ExportArgs) -> CliResult<u8> {
    must_exist(&a.log)?;
    match a.format {
        Target::Jsonl => run_jsonl(&a),
        Target::Ocsf => run_events(&a, ExportFormat::Ocsf),
        Target::Otlp => run_events(&a, ExportFormat::Otlp),
    }
}

/// `jsonl`: the lines as stored; to a file, the log's signed checkpoints beside it.
fn run_jsonl(a: &ExportArgs) -> CliResult<u8> {
    let source = LogSource::from(&a.log);
    match &a.output {
        None => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::with_capacity(1 << 20, stdout.lock());
            write_lines(source, &mut out).map_err(|e| CliError::input(describe_core(e)))?;
            out.flush()?;
        }
        Some(path) => {
            let file = std::fs::File::create(path).map_err(|e| cannot_write(path, &e))?;
            let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
            let n = write_lines(source, &mut out).map_err(|e| CliError::input(describe_core(e)))?;
            out.flush().map_err(|e| cannot_write(path, &e))?;
            let mut cp_path = path.clone().into_os_string();
            cp_path.push(".checkpoints");
            let cp_path = PathBuf::from(cp_path);
            let checkpoints = read_checkpoints(&a.log, None).map_err(|e| CliError::input(describe_core(e)))?;
            match checkpoints {
                Some(text) => std::fs::write(&cp_path, text).map_err(|e| cannot_write(&cp_path, &e))?,
                // A stale checkpoints file from an earlier export would not match this copy.
                None => match std::fs::remove_file(&cp_path) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(cannot_write(&cp_path, &e)),
                    _ => {}
                },
            }
            eprintln!("exported {n} record(s) to {}", path.display());
        }
    }
    Ok(exit::OK)
}

/// `ocsf`, `otlp`: events for a SIEM, verified as read; a tampered log stops at its first bad record.
fn run_events(a: &ExportArgs, format: ExportFormat) -> CliResult<u8> {
    let options = ExportOptions::new(format).raw_data(a.raw_data);
    let source = LogSource::from(&a.log);
    let result = match &a.output {
        Some(path) => {
            let file = std::fs::File::create(path).map_err(|e| cannot_write(path, &e))?;
            let mut w = std::io::BufWriter::new(file);
            let r = export(source, &mut w, &options);
            w.flush().map_err(|e| cannot_write(path, &e))?;
            r
        }
        None => {
            let stdout = std::io::stdout();
            let mut w = stdout.lock();
            export(source, &mut w, &options)
        }
    };
    match result {
        Ok(report) => {
            if let Some(path) = &a.output {
                eprintln!(
                    "exported {} record(s) of log {} to {} ({}), root {}{}",
                    report.records,
                    report.log_id.as_deref().unwrap_or("-"),
                    path.display(),
                    format.name(),
                    report.root,
                    if report.torn_tail { "; an incomplete last line was left out" } else { "" }
                );
            } else if report.torn_tail {
                eprintln!("note: the log ends in an incomplete line (a write in progress?); it was left out");
            }
            let _ = std::io::stdout().flush();
            Ok(exit::OK)
        }
        Err(e) if e.code() == "audit.tampered" => {
            eprintln!("error: {e} (the records before it were exported; `microgov audit verify` for details)");
            Ok(exit::DENY)
        }
        Err(e) => Err(audit_error(e)),
    }
}
