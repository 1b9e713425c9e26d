//! Writing a record's canonical line by hand, members in their canonical order.

use super::{Fields, Stamp, MAX_LINE, RECORD_VERSION};
use crate::audit::AuditError;
use crate::canonical::{self};

pub(super) fn key(out: &mut Vec<u8>, first: &mut bool, name: &str) {
    if !*first {
        out.push(b',');
    }
    *first = false;
    out.push(b'"');
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\":");
}

fn opt(out: &mut Vec<u8>, first: &mut bool, name: &str, value: Option<&str>) {
    if let Some(v) = value {
        key(out, first, name);
        canonical::write_str(out, v);
    }
}

/// Appends the canonical line of a record (no line feed) to `out`. Members are written in
/// their canonical order; absent optional members, empty `dataset_tags` and empty `attrs` are
/// omitted. On error `out` is left as it was.
pub(crate) fn write_record(out: &mut Vec<u8>, f: &Fields<'_>, s: &Stamp<'_>) -> Result<(), AuditError> {
    let start = out.len();
    let result = write_members(out, f, s);
    if result.is_err() {
        out.truncate(start);
    } else if out.len() - start > MAX_LINE {
        out.truncate(start);
        return Err(AuditError::bad_event("/", format!("record longer than {MAX_LINE} bytes")));
    }
    result
}

fn write_members(out: &mut Vec<u8>, f: &Fields<'_>, s: &Stamp<'_>) -> Result<(), AuditError> {
    let first = &mut true;
    out.push(b'{');
    key(out, first, "action");
    canonical::write_str(out, f.action);
    opt(out, first, "app_id", f.app_id);
    if !f.attrs.is_empty() {
        key(out, first, "attrs");
        let mut path = String::from("/attrs");
        canonical::write_map(out, f.attrs, &mut path, 1)
            .map_err(|e| AuditError::BadEvent { field: e.pointer, reason: e.reason })?;
    }
    if !f.dataset_tags.is_empty() {
        key(out, first, "dataset_tags");
        out.push(b'[');
        for (i, t) in f.dataset_tags.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            canonical::write_str(out, t);
        }
        out.push(b']');
    }
    opt(out, first, "decision_id", f.decision_id);
    opt(out, first, "ip_address", f.ip_address);
    key(out, first, "log_id");
    canonical::write_str(out, s.log_id);
    opt(out, first, "outcome", f.outcome);
    if let Some(p) = f.policy {
        key(out, first, "policy");
        out.extend_from_slice(b"{\"id\":");
        canonical::write_str(out, &p.id);
        out.extend_from_slice(b",\"revision\":");
        canonical::write_str(out, &p.revision);
        out.push(b'}');
    }
    key(out, first, "prev");
    out.push(b'"');
    let mut hex = String::with_capacity(64);
    crate::audit::merkle::push_hex(&mut hex, &s.prev.0);
    out.extend_from_slice(hex.as_bytes());
    out.push(b'"');
    opt(out, first, "principal_id", f.principal_id);
    opt(out, first, "principal_type", f.principal_type);
    opt(out, first, "request_id", f.request_id);
    opt(out, first, "resource_id", f.resource_id);
    opt(out, first, "resource_type", f.resource_type);
    key(out, first, "seq");
    canonical::write_int(out, s.seq as i64);
    opt(out, first, "tenant_id", f.tenant_id);
    key(out, first, "ts");
    canonical::write_str(out, s.ts);
    key(out, first, "v");
    canonical::write_int(out, RECORD_VERSION);
    out.push(b'}');
    Ok(())
}
