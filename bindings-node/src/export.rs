//! `exportAudit` / `exportAuditToFile`: a log as OCSF events, OTLP/JSON log records or its own
//! lines, for a SIEM (the core's `audit::export`; nothing is mapped here).

use crate::audit::{is_null, string_of};
use crate::convert::{check_keys, options, prop};
use crate::errors::{guard, guard_js, Failure};
use crate::json::Plain;
use microgov::audit::{self, ExportFormat, ExportOptions, ExportReport, LogSource};
use napi::bindgen_prelude::{AsyncTask, Env, JsValue, Result, Task, Unknown};
use napi::ValueType;
use napi_derive::napi;
use std::path::PathBuf;

fn audit_failure(e: audit::AuditError) -> Failure {
    microgov::Error::from(e).into()
}

/// `{ format, rawData }`.
fn export_options(value: Option<Unknown<'_>>) -> std::result::Result<ExportOptions, Failure> {
    let mut opts = ExportOptions::new(ExportFormat::Ocsf);
    let Some(obj) = options(value, "options")? else { return Ok(opts) };
    check_keys(&obj, &["format", "rawData"], "options")?;
    if let Some(v) = prop(&obj, "format")? {
        if !is_null(&v) {
            let name = string_of(&v, "options.format")?;
            opts.format =
                name.parse().map_err(|e: audit::AuditError| Failure::arg_value(format!("options.format: {e}")))?;
        }
    }
    if let Some(v) = prop(&obj, "rawData")? {
        if v.get_type().ok() == Some(ValueType::Boolean) {
            opts.raw_data = v.coerce_to_bool().unwrap_or(false);
        } else if !is_null(&v) {
            return Err(Failure::arg_type("options.rawData must be a boolean"));
        }
    }
    Ok(opts)
}

fn to_file(log: &str, output: &str, opts: &ExportOptions) -> std::result::Result<ExportReport, Failure> {
    let file = std::fs::File::create(output)
        .map_err(|e| audit_failure(audit::AuditError::Io { path: output.to_string(), op: "create", source: e }))?;
    let mut w = std::io::BufWriter::new(file);
    audit::export(LogSource::from(PathBuf::from(log)), &mut w, opts).map_err(audit_failure)
}

/// Exports a log, verifying its chain as it reads it: `format` `'ocsf'` (the default; OCSF
/// 1.8.0 events, decisions as Compliance Finding 2003, other records as Entity Management
/// 3004), `'otlp'` (OTLP/JSON `ExportLogsServiceRequest` objects, up to 1,000 log records
/// each) or `'jsonl'` (each record's exact line, as a string). A tampered log fails with
/// `audit.tampered`.
#[napi(
    ts_args_type = "log: string, options?: ExportAuditOptions | undefined | null",
    ts_return_type = "Array<Record<string, unknown> | string>"
)]
pub fn export_audit(env: Env, log: String, options: Option<Unknown<'_>>) -> Result<Plain<Vec<serde_json::Value>>> {
    let opts = guard_js(&env, || export_options(options))?;
    guard_js(&env, || {
        let mut out = Vec::new();
        audit::export(LogSource::from(PathBuf::from(&log)), &mut out, &opts).map_err(audit_failure)?;
        let text = String::from_utf8(out).map_err(|e| Failure::internal(e.to_string()))?;
        text.lines()
            .map(|l| match opts.format {
                ExportFormat::Jsonl => Ok(serde_json::Value::String(l.to_string())),
                _ => serde_json::from_str(l).map_err(|e| Failure::internal(e.to_string())),
            })
            .collect()
    })
    .map(Plain)
}

/// `exportAudit` into a file (NDJSON), returning what was written.
#[napi(
    ts_args_type = "log: string, output: string, options?: ExportAuditOptions | undefined | null",
    ts_return_type = "ExportReport"
)]
pub fn export_audit_to_file(
    env: Env,
    log: String,
    output: String,
    options: Option<Unknown<'_>>,
) -> Result<Plain<ExportReport>> {
    let opts = guard_js(&env, || export_options(options))?;
    guard_js(&env, || to_file(&log, &output, &opts)).map(Plain)
}

/// `exportAuditToFile` on the libuv pool.
#[napi(
    ts_args_type = "log: string, output: string, options?: ExportAuditOptions | undefined | null",
    ts_return_type = "Promise<ExportReport>"
)]
pub fn export_audit_to_file_async(
    env: Env,
    log: String,
    output: String,
    options: Option<Unknown<'_>>,
) -> Result<AsyncTask<ExportTask>> {
    let opts = guard_js(&env, || export_options(options))?;
    Ok(AsyncTask::new(ExportTask { log, output, opts }))
}

/// An export to a file on the libuv pool.
pub struct ExportTask {
    log: String,
    output: String,
    opts: ExportOptions,
}

impl Task for ExportTask {
    type Output = std::result::Result<ExportReport, Failure>;
    type JsValue = Plain<ExportReport>;

    fn compute(&mut self) -> Result<Self::Output> {
        Ok(guard(|| to_file(&self.log, &self.output, &self.opts)))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> Result<Self::JsValue> {
        output.map(Plain).map_err(|f| f.into_napi(&env))
    }
}
