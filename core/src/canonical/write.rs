//! The writers: RFC 8785 strings, integers, parsed nodes and `serde_json` values in the audit
//! subset, and the sorted compact form of the input digest.

#[cfg(test)]
use std::borrow::Cow;
use std::cmp::Ordering;
use std::io::Write as _;

use serde_json::Value;

#[cfg(test)]
use super::Node;
use super::{Fault, ValueError, MAX_DEPTH, MAX_SAFE_INTEGER};
use crate::pointer;

/// Orders strings by their UTF-16 code units, as RFC 8785 §3.2.3 sorts member names.
///
/// UTF-8 byte order equals code point order, which differs from UTF-16 order only between
/// supplementary characters (surrogate pairs, 0xD800..) and U+E000..U+FFFF, so the common
/// ASCII case is a byte comparison.
pub(crate) fn cmp_utf16(a: &str, b: &str) -> Ordering {
    let (ab, bb) = (a.as_bytes(), b.as_bytes());
    let same = ab.iter().zip(bb).take_while(|(x, y)| x == y).count();
    match (ab.get(same), bb.get(same)) {
        (Some(&x), Some(&y)) if x < 0x80 || y < 0x80 => x.cmp(&y),
        (Some(_), Some(_)) => a.encode_utf16().cmp(b.encode_utf16()),
        _ => ab.len().cmp(&bb.len()),
    }
}

/// Whether any of the eight bytes of `x` is `"`, `\` or below 0x20: exactly the bytes a JSON
/// string must escape. SWAR (eight bytes per step), because strings are most of a record.
#[inline]
pub(crate) fn has_special_byte(x: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let has_zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    let below_20 = x.wrapping_sub(ONES * 0x20) & !x & HIGH;
    (has_zero(x ^ (ONES * u64::from(b'"'))) | has_zero(x ^ (ONES * u64::from(b'\\'))) | below_20) != 0
}

/// The index of the first byte at or after `i` that a JSON string must escape (or `b.len()`).
#[inline]
pub(crate) fn next_special(b: &[u8], mut i: usize) -> usize {
    while let Some(chunk) = b.get(i..i + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        if has_special_byte(u64::from_le_bytes(word)) {
            break;
        }
        i += 8;
    }
    while let Some(&c) = b.get(i) {
        if c == b'"' || c == b'\\' || c < 0x20 {
            break;
        }
        i += 1;
    }
    i
}

/// Writes a JSON string in RFC 8785 form: only `"`, `\` and C0 controls are escaped, with the
/// two-character forms where JSON has them and `\u00xx` (lowercase hex) otherwise.
pub(crate) fn write_str(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push(b'"');
    let b = s.as_bytes();
    let mut i = 0;
    loop {
        let j = next_special(b, i);
        out.extend_from_slice(&b[i..j]);
        let Some(&c) = b.get(j) else { break };
        match c {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x09 => out.extend_from_slice(b"\\t"),
            0x0A => out.extend_from_slice(b"\\n"),
            0x0C => out.extend_from_slice(b"\\f"),
            0x0D => out.extend_from_slice(b"\\r"),
            _ => {
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(c >> 4)]);
                out.push(HEX[usize::from(c & 0xF)]);
            }
        }
        i = j + 1;
    }
    out.push(b'"');
}

/// Writes an integer in its shortest decimal form.
pub(crate) fn write_int(out: &mut Vec<u8>, n: i64) {
    let mut buf = [0u8; 20];
    let mut pos = buf.len();
    let mut m = n.unsigned_abs();
    loop {
        pos -= 1;
        buf[pos] = b'0' + (m % 10) as u8;
        m /= 10;
        if m == 0 {
            break;
        }
    }
    if n < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(&buf[pos..]);
}

/// Writes a parsed node canonically.
#[cfg(test)]
pub(crate) fn write_node(out: &mut Vec<u8>, node: &Node<'_>) {
    match node {
        Node::Null => out.extend_from_slice(b"null"),
        Node::Bool(true) => out.extend_from_slice(b"true"),
        Node::Bool(false) => out.extend_from_slice(b"false"),
        Node::Int(n) => write_int(out, *n),
        Node::Str(s) => write_str(out, s),
        Node::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_node(out, item);
            }
            out.push(b']');
        }
        Node::Object(members) => {
            let mut sorted: Vec<&(Cow<'_, str>, Node<'_>)> = members.iter().collect();
            sorted.sort_by(|a, b| cmp_utf16(&a.0, &b.0));
            out.push(b'{');
            for (i, (k, v)) in sorted.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_str(out, k);
                out.push(b':');
                write_node(out, v);
            }
            out.push(b'}');
        }
    }
}

/// Writes a `serde_json::Value` canonically, refusing what lies outside the subset. `path` is
/// the JSON pointer of `v`, used in errors.
pub(crate) fn write_value(out: &mut Vec<u8>, v: &Value, path: &mut String, depth: usize) -> Result<(), ValueError> {
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => match n.as_i64() {
            Some(i) if (-MAX_SAFE_INTEGER..=MAX_SAFE_INTEGER).contains(&i) => write_int(out, i),
            Some(_) => return Err(bad_value(path, "integer beyond ±(2^53−1)")),
            None if n.is_u64() => return Err(bad_value(path, "integer beyond ±(2^53−1)")),
            None => return Err(bad_value(path, "floating-point numbers are not allowed")),
        },
        Value::String(s) => write_str(out, s),
        Value::Array(items) => {
            if depth >= MAX_DEPTH {
                return Err(too_deep(path));
            }
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                let len = path.len();
                pointer::push_index(path, i);
                write_value(out, item, path, depth + 1)?;
                path.truncate(len);
            }
            out.push(b']');
        }
        Value::Object(map) => write_map(out, map, path, depth)?,
    }
    Ok(())
}

/// Writes a JSON object canonically; see [`write_value`].
pub(crate) fn write_map(
    out: &mut Vec<u8>,
    map: &serde_json::Map<String, Value>,
    path: &mut String,
    depth: usize,
) -> Result<(), ValueError> {
    if depth >= MAX_DEPTH {
        return Err(too_deep(path));
    }
    let mut members: Vec<(&String, &Value)> = map.iter().collect();
    members.sort_by(|a, b| cmp_utf16(a.0, b.0));
    out.push(b'{');
    for (i, (k, v)) in members.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_str(out, k);
        out.push(b':');
        let len = path.len();
        pointer::push_token(path, k);
        write_value(out, v, path, depth + 1)?;
        path.truncate(len);
    }
    out.push(b'}');
    Ok(())
}

fn pointer(path: &str) -> String {
    if path.is_empty() {
        "/".to_string()
    } else {
        path.to_string()
    }
}

fn bad_value(path: &str, reason: &str) -> ValueError {
    ValueError { fault: Fault::Value, pointer: pointer(path), reason: reason.to_string() }
}

fn too_deep(path: &str) -> ValueError {
    ValueError { fault: Fault::Syntax, pointer: pointer(path), reason: "nesting deeper than 64 levels".into() }
}

/// Writes any JSON value compactly, object members in the map's order (UTF-8 byte order:
/// serde_json's sorted map) and numbers as serde_json writes them, floats included: the input
/// digest's form (`core/docs/decision.md`). It equals RFC 8785 for values whose keys stay in
/// the Basic Multilingual Plane and whose numbers are integers.
pub(crate) fn write_sorted(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => match n.as_i64() {
            Some(i) => write_int(out, i),
            // serde_json's Display of a number is its serialized form (itoa, ryu); writing to a
            // Vec cannot fail.
            None => {
                let _ = write!(out, "{n}");
            }
        },
        Value::String(s) => write_str(out, s),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_sorted(out, item);
            }
            out.push(b']');
        }
        Value::Object(map) => write_sorted_map(out, map),
    }
}

/// Writes a JSON object in the form of [`write_sorted`].
pub(crate) fn write_sorted_map(out: &mut Vec<u8>, map: &serde_json::Map<String, Value>) {
    out.push(b'{');
    for (i, (k, v)) in map.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_str(out, k);
        out.push(b':');
        write_sorted(out, v);
    }
    out.push(b'}');
}
