//! `export_audit`: a log as OCSF events, OTLP/JSON log records or its own lines, for a SIEM
//! (the core's `audit::export`; nothing is mapped here).

use crate::errors::{guard, BindError};
use microgov::audit::{self, ExportFormat, ExportOptions, LogSource};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use std::path::PathBuf;

fn audit_err(e: audit::AuditError) -> BindError {
    BindError::Core(microgov::Error::from(e))
}

/// Exports an audit log, verifying its chain as it reads it.
///
/// Args:
///     log: the log file (its rotated segments ``<path>.1`` ... are read first).
///     format: ``"ocsf"`` (OCSF 1.8.0 events: decisions as Compliance Finding
///         2003, other records as Entity Management 3004), ``"otlp"``
///         (OTLP/JSON ``ExportLogsServiceRequest`` objects, up to 1,000 log
///         records each) or ``"jsonl"`` (the records' lines as stored).
///     output: write NDJSON to this file instead of returning the events.
///     raw_data: OCSF only: also put each record's line in ``raw_data``.
///
/// Returns:
///     Without ``output``: a list of dicts (``ocsf``, ``otlp``) or of
///     strings (``jsonl``, each a record's exact line). With ``output``:
///     ``{"format", "records", "log_id", "last_hash", "root", "torn_tail"}``.
///
/// Raises:
///     TamperedLogError: the log does not verify (``.seq`` names the first
///         bad record; with ``output``, the records before it were written).
///     AuditError: the log cannot be read.
#[pyfunction]
#[pyo3(signature = (log, format="ocsf", *, output=None, raw_data=false))]
pub fn export_audit<'py>(
    py: Python<'py>,
    log: PathBuf,
    format: &str,
    output: Option<PathBuf>,
    raw_data: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let format: ExportFormat = format.parse().map_err(|e: audit::AuditError| PyValueError::new_err(e.to_string()))?;
    let options = ExportOptions::new(format).raw_data(raw_data);
    if let Some(path) = output {
        let report = py
            .detach(|| {
                guard(|| {
                    let file = std::fs::File::create(&path).map_err(|e| {
                        audit_err(audit::AuditError::Io { path: path.display().to_string(), op: "create", source: e })
                    })?;
                    let mut w = std::io::BufWriter::new(file);
                    audit::export(LogSource::from(log), &mut w, &options).map_err(audit_err)
                })
            })
            .map_err(|e| e.into_pyerr(py))?;
        return Ok(pythonize::pythonize(py, &report)?);
    }
    let items: Vec<serde_json::Value> = py
        .detach(|| {
            guard(|| {
                let mut out = Vec::new();
                audit::export(LogSource::from(log), &mut out, &options).map_err(audit_err)?;
                let text = String::from_utf8(out).map_err(|e| {
                    audit_err(audit::AuditError::BadJson { at: "export".into(), reason: e.to_string() })
                })?;
                text.lines()
                    .map(|l| match format {
                        ExportFormat::Jsonl => Ok(serde_json::Value::String(l.to_string())),
                        _ => serde_json::from_str(l).map_err(|e| {
                            audit_err(audit::AuditError::BadJson { at: "export".into(), reason: e.to_string() })
                        }),
                    })
                    .collect::<Result<Vec<_>, BindError>>()
            })
        })
        .map_err(|e| e.into_pyerr(py))?;
    Ok(pythonize::pythonize(py, &items)?)
}
