//! `microgov audit export`: a log as OCSF events or OTLP/JSON log records for a SIEM, or as
//! its own bytes (`jsonl`), verified as it is read.

use crate::audit::{audit_error, must_exist};
use crate::common::{exit, io_message, CliError, CliResult};
use clap::ValueEnum;
use microgov::audit::{export, ExportFormat, ExportOptions, LogSource};
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Target {
    /// The records' lines exactly as stored (the file format's bytes).
    Jsonl,
    /// OCSF 1.8.0 events, one per line: decisions as Compliance Finding (2003), other records as Entity Management (3004).
    Ocsf,
    /// OTLP/JSON: one ExportLogsServiceRequest per line, up to 1,000 log records each.
    Otlp,
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The log file (rotated segments LOG.1, LOG.2 ... are read first).
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

pub fn run_export(a: ExportArgs) -> CliResult<u8> {
    must_exist(&a.log)?;
    let format = match a.format {
        Target::Jsonl => ExportFormat::Jsonl,
        Target::Ocsf => ExportFormat::Ocsf,
        Target::Otlp => ExportFormat::Otlp,
    };
    let options = ExportOptions::new(format).raw_data(a.raw_data);
    let source = LogSource::Path(a.log.clone());
    let result = match &a.output {
        Some(path) => {
            let file = std::fs::File::create(path)
                .map_err(|e| CliError::input(format!("cannot write {}: {}", path.display(), io_message(&e))))?;
            let mut w = std::io::BufWriter::new(file);
            export(source, &mut w, &options)
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
