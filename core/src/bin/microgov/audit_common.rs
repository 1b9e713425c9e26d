//! What the audit commands share (`audit.rs`, `audit_export.rs`, `audit_proof.rs`,
//! `audit_witness.rs`): the output format, the error for a core audit error, the log-exists check.

use crate::common::{describe_core, CliError, CliResult};
use clap::ValueEnum;
use microgov::audit::{is_store_url, AuditError};
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people.
    Text,
    /// For tools.
    Json,
}

pub fn audit_error(e: AuditError) -> CliError {
    CliError::input(describe_core(e))
}

/// A log file must exist (a `postgres://` log is found, or not, by connecting).
pub fn must_exist(log: &Path) -> CliResult<()> {
    if !log.is_file() && !log.to_str().is_some_and(is_store_url) {
        return Err(CliError::input(format!("cannot read {}: no such log file", log.display())));
    }
    Ok(())
}
