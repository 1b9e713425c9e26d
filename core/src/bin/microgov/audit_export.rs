//! `microgov audit export`: a log's records in another place or form. `jsonl` is the file
//! log's own bytes; each further format is one more [`ExportFormat`] variant and one more arm
//! in [`run`] over the same lines.

use crate::common::{describe_core, exit, io_message, CliError, CliResult};
use clap::ValueEnum;
use microgov::audit::{read_checkpoints, write_lines, LogSource};
use std::io::Write;
use std::path::{Path, PathBuf};

/// What `export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// The file log's JSON Lines, byte for byte (with OUTPUT.checkpoints beside it).
    Jsonl,
}

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// The log: a file (with its rotated segments) or a postgres://user@host/db?log=<log_id> URL.
    #[arg(value_name = "LOG")]
    pub log: PathBuf,
    /// Write to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = ExportFormat::Jsonl)]
    pub format: ExportFormat,
}

fn cannot_write(p: &Path, e: &std::io::Error) -> CliError {
    CliError::input(format!("cannot write {}: {}", p.display(), io_message(e)))
}

pub fn run(a: ExportArgs) -> CliResult<u8> {
    let source = LogSource::from(&a.log);
    match (&a.output, a.format) {
        (None, ExportFormat::Jsonl) => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::with_capacity(1 << 20, stdout.lock());
            write_lines(source, &mut out).map_err(|e| CliError::input(describe_core(e)))?;
            out.flush()?;
        }
        (Some(path), ExportFormat::Jsonl) => {
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
