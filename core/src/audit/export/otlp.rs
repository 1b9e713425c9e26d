//! OpenTelemetry log records in the OTLP/JSON encoding (opentelemetry-proto's JSON mapping:
//! lowerCamelCase field names, enums as numbers, 64-bit integers as decimal strings, bytes as
//! hex), one `ExportLogsServiceRequest` per line as the OpenTelemetry file exporter writes them.
//!
//! One resource (`service.name` `microgov`, the log id) and one scope (`microgov.audit`) per
//! request; each record is a log record whose body is the record's line itself, so that
//! `SHA-256(0x00 || body)` is the record hash carried in `microgov.audit.hash`.

use super::json::{write_text, Obj};
use super::raw::{elements, is_int, members};
use super::{Fields, Severity};
use crate::audit::merkle::{push_hex, Hash};
use crate::canonical::write_int;

/// Log records per `ExportLogsServiceRequest` line.
pub const OTLP_BATCH: usize = 1000;

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// A request being written: how many records it holds so far.
#[derive(Default, Clone)]
pub(crate) struct Batch {
    open: usize,
}

impl Batch {
    pub(crate) fn push(&mut self, out: &mut Vec<u8>, f: &Fields<'_>, hash: &Hash, line: &str) {
        if self.open == 0 {
            open_request(out, f.log_id);
        } else {
            out.push(b',');
        }
        write_log_record(out, f, hash, line);
        self.open += 1;
        if self.open == OTLP_BATCH {
            self.close(out);
        }
    }

    pub(crate) fn close(&mut self, out: &mut Vec<u8>) {
        if self.open > 0 {
            out.extend_from_slice(b"]}]}]}\n");
            self.open = 0;
        }
    }
}

fn open_request(out: &mut Vec<u8>, log_id: &str) {
    out.extend_from_slice(b"{\"resourceLogs\":[{\"resource\":{\"attributes\":[");
    kv_str(out, "service.name", "microgov");
    out.push(b',');
    kv_str(out, "service.version", VERSION);
    out.push(b',');
    kv_str(out, "microgov.audit.log_id", log_id);
    out.extend_from_slice(b"]},\"scopeLogs\":[{\"scope\":{\"name\":\"microgov.audit\",\"version\":\"");
    out.extend_from_slice(VERSION.as_bytes());
    out.extend_from_slice(b"\"},\"logRecords\":[");
}

/// `{"key":k,"value":{"stringValue":v}}`, `k` and `v` already escaped.
fn kv_str(out: &mut Vec<u8>, k: &str, v: &str) {
    out.extend_from_slice(b"{\"key\":\"");
    out.extend_from_slice(k.as_bytes());
    out.extend_from_slice(b"\",\"value\":{\"stringValue\":\"");
    out.extend_from_slice(v.as_bytes());
    out.extend_from_slice(b"\"}}");
}

fn kv_int(out: &mut Vec<u8>, k: &str, v: i64) {
    out.extend_from_slice(b"{\"key\":\"");
    out.extend_from_slice(k.as_bytes());
    out.extend_from_slice(b"\",\"value\":{\"intValue\":\"");
    write_int(out, v);
    out.extend_from_slice(b"\"}}");
}

/// `{"key":k,"value":<AnyValue of json>}`, `k` already escaped.
fn kv_json(out: &mut Vec<u8>, k: &str, json: &str) {
    out.extend_from_slice(b"{\"key\":\"");
    out.extend_from_slice(k.as_bytes());
    out.extend_from_slice(b"\",\"value\":");
    any_value(out, json);
    out.push(b'}');
}

/// A JSON value (its bytes, from a verified line) as an OTLP `AnyValue`.
fn any_value(out: &mut Vec<u8>, v: &str) {
    match v.as_bytes().first() {
        Some(b'"') => {
            out.extend_from_slice(b"{\"stringValue\":");
            out.extend_from_slice(v.as_bytes());
            out.push(b'}');
        }
        Some(b'[') => {
            out.extend_from_slice(b"{\"arrayValue\":{\"values\":[");
            for (i, item) in elements(v).enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                any_value(out, item);
            }
            out.extend_from_slice(b"]}}");
        }
        Some(b'{') => {
            out.extend_from_slice(b"{\"kvlistValue\":{\"values\":[");
            for (i, (k, item)) in members(v).enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                kv_json(out, k, item);
            }
            out.extend_from_slice(b"]}}");
        }
        _ if v == "true" || v == "false" => {
            out.extend_from_slice(b"{\"boolValue\":");
            out.extend_from_slice(v.as_bytes());
            out.push(b'}');
        }
        _ if is_int(v) => {
            out.extend_from_slice(b"{\"intValue\":\"");
            out.extend_from_slice(v.as_bytes());
            out.extend_from_slice(b"\"}");
        }
        // null: the empty AnyValue.
        _ => out.extend_from_slice(b"{}"),
    }
}

/// OTLP `SeverityNumber` (INFO 9, WARN 13, WARN2 14, ERROR 17, ERROR2 18) and the source's word.
fn severity_number(s: Severity) -> i64 {
    match s {
        Severity::Informational => 9,
        Severity::Low => 13,
        Severity::Medium => 14,
        Severity::High => 17,
        Severity::Critical => 18,
    }
}

fn write_log_record(out: &mut Vec<u8>, f: &Fields<'_>, hash: &Hash, line: &str) {
    let mut hex = String::with_capacity(64);
    push_hex(&mut hex, &hash.0);
    let severity = f.severity();
    let mut o = Obj::open(out);
    o.raw("timeUnixNano", |out| {
        out.push(b'"');
        write_int(out, f.micros().saturating_mul(1000));
        out.push(b'"');
    });
    o.int("severityNumber", severity_number(severity));
    o.esc("severityText", severity.word());
    o.esc("eventName", f.action);
    o.obj("body", |b| b.raw("stringValue", |out| write_text(out, line)));
    o.raw("attributes", |out| {
        out.push(b'[');
        kv_str(out, "microgov.audit.hash", &hex);
        out.push(b',');
        kv_int(out, "microgov.audit.seq", f.seq as i64);
        out.push(b',');
        kv_str(out, "microgov.audit.log_id", f.log_id);
        out.push(b',');
        kv_str(out, "microgov.audit.prev", f.prev);
        out.push(b',');
        kv_str(out, "microgov.audit.action", f.action);
        let strings = [
            ("microgov.tenant_id", f.tenant_id),
            ("microgov.app_id", f.app_id),
            ("user.id", f.principal_id),
            ("microgov.principal_type", f.principal_type),
            ("microgov.resource_type", f.resource_type),
            ("microgov.resource_id", f.resource_id),
            ("client.address", f.ip_address),
            ("microgov.outcome", f.outcome),
            ("microgov.request_id", f.request_id),
            ("microgov.decision_id", f.decision_id),
        ];
        for (k, v) in strings {
            if let Some(v) = v {
                out.push(b',');
                kv_str(out, k, v);
            }
        }
        for (k, v) in
            [("microgov.policy", f.policy), ("microgov.dataset_tags", f.dataset_tags), ("microgov.attrs", f.attrs)]
        {
            if let Some(v) = v {
                out.push(b',');
                kv_json(out, k, v);
            }
        }
        out.push(b']');
    });
    o.close();
}
