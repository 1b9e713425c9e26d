//! The record schema as the verifier checks it, and the shape rules for log ids, actions and words.

use super::time::parse_ts_fields;
use super::RECORD_VERSION;
use crate::audit::merkle::{decode_hex32_strict, truncate};
use crate::canonical::Node;

/// What the verifier needs from a record line.
pub(crate) struct RecordView<'n> {
    pub log_id: &'n str,
    pub seq: u64,
    pub prev: [u8; 32],
}

const OPTIONAL_STRINGS: [&str; 10] = [
    "tenant_id",
    "app_id",
    "principal_id",
    "principal_type",
    "resource_type",
    "resource_id",
    "ip_address",
    "outcome",
    "request_id",
    "decision_id",
];

/// Checks a parsed line against the record schema (the "verifier checks" of the spec) and
/// returns the members the chain needs. The error is the reason, for `bad_record`.
pub(crate) fn check_record<'n>(node: &'n Node<'_>) -> Result<RecordView<'n>, String> {
    let Node::Object(members) = node else {
        return Err("record is not a json object".into());
    };
    let (mut v, mut log_id, mut seq, mut ts, mut action, mut prev) = (false, None, None, false, false, None);
    for (k, val) in members {
        let name: &str = k;
        match (name, val) {
            ("v", Node::Int(RECORD_VERSION)) => v = true,
            ("v", _) => return Err("member \"v\" must be 1".into()),
            ("log_id", Node::Str(s)) => {
                check_log_id(s)?;
                log_id = Some(s.as_ref());
            }
            ("seq", Node::Int(n)) if *n >= 0 => seq = Some(*n as u64),
            ("ts", Node::Str(s)) if parse_ts_fields(s).is_some() => ts = true,
            ("ts", _) => return Err("member \"ts\" is not YYYY-MM-DDTHH:MM:SS.ffffffZ".into()),
            ("action", Node::Str(s)) => {
                check_action(s)?;
                action = true;
            }
            ("prev", Node::Str(s)) => match decode_hex32_strict(s.as_bytes(), true) {
                Some(h) => prev = Some(h),
                None => return Err("member \"prev\" is not 64 lowercase hex digits".into()),
            },
            ("policy", Node::Object(m))
                if m.len() == 2
                    && matches!(&m[0], (k, Node::Str(_)) if k == "id")
                    && matches!(&m[1], (k, Node::Str(_)) if k == "revision") => {}
            ("policy", _) => return Err("member \"policy\" must be {\"id\": string, \"revision\": string}".into()),
            ("dataset_tags", Node::Array(items)) if items.iter().all(|i| matches!(i, Node::Str(_))) => {}
            ("dataset_tags", _) => return Err("member \"dataset_tags\" must be an array of strings".into()),
            ("attrs", Node::Object(_)) => {}
            ("attrs", _) => return Err("member \"attrs\" must be an object".into()),
            (n, Node::Str(_)) if OPTIONAL_STRINGS.contains(&n) => {}
            (n, _) if OPTIONAL_STRINGS.contains(&n) => return Err(format!("member {n:?} must be a string")),
            ("seq", _) => return Err("member \"seq\" must be a non-negative integer".into()),
            ("log_id", _) => return Err("member \"log_id\" must be a string".into()),
            ("action", _) => return Err("member \"action\" must be a string".into()),
            ("prev", _) => return Err("member \"prev\" must be a string".into()),
            (n, _) => return Err(format!("unknown member {:?}", truncate(n, 60))),
        }
    }
    let missing = |m: &str| Err(format!("missing member {m:?}"));
    if !action {
        return missing("action");
    }
    let Some(log_id) = log_id else {
        return missing("log_id");
    };
    let Some(prev) = prev else {
        return missing("prev");
    };
    let Some(seq) = seq else {
        return missing("seq");
    };
    if !ts {
        return missing("ts");
    }
    if !v {
        return missing("v");
    }
    Ok(RecordView { log_id, seq, prev })
}

/// `log_id`: 1 to 255 bytes of visible ASCII, so that it can be a checkpoint origin line.
pub(crate) fn check_log_id(s: &str) -> Result<(), String> {
    if s.is_empty() || s.len() > 255 || !s.bytes().all(|b| (0x21..=0x7E).contains(&b)) {
        return Err(format!("log id must be 1 to 255 visible ascii characters: {:?}", truncate(s, 60)));
    }
    Ok(())
}

/// Dotted lowercase: `^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$`, at most 128 bytes.
pub(crate) fn check_action(s: &str) -> Result<(), String> {
    let ok = s.len() <= 128
        && s.contains('.')
        && s.split('.').all(|seg| {
            let b = seg.as_bytes();
            !b.is_empty()
                && b[0].is_ascii_lowercase()
                && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_')
        });
    if ok {
        Ok(())
    } else {
        Err(format!("must be dotted lowercase like \"policy.evaluate\": {:?}", truncate(s, 60)))
    }
}

/// A lowercase word `^[a-z][a-z0-9_]*$` of at most 64 bytes.
pub(super) fn check_word(s: &str) -> Result<(), String> {
    let b = s.as_bytes();
    let ok = !b.is_empty()
        && b.len() <= 64
        && b[0].is_ascii_lowercase()
        && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_');
    if ok {
        Ok(())
    } else {
        Err(format!("must be a lowercase word like \"user\": {:?}", truncate(s, 60)))
    }
}

pub(super) fn check_text(s: &str, max: usize) -> Result<(), String> {
    if s.len() > max {
        return Err(format!("longer than {max} bytes"));
    }
    // Unicode category Cc: C0 (bytes < 0x20), DEL, and C1 (U+0080..U+009F = C2 80..C2 9F).
    let b = s.as_bytes();
    let control = b
        .iter()
        .enumerate()
        .any(|(i, &c)| c < 0x20 || c == 0x7F || (c == 0xC2 && matches!(b.get(i + 1), Some(0x80..=0x9F))));
    if control {
        return Err("contains a control character".into());
    }
    Ok(())
}
