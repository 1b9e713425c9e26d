//! The input digest: SHA-256 of the canonical JSON of
//! `{"app": input.app, "context": input.context}` (`core/docs/decision.md`).
//!
//! `input.findings` is not hashed: microgov computes it from these with the
//! policies and data that `policy_revisions` names. A prepared app hashes
//! its `{"app":...,"context":` prefix once and keeps the hasher state, so
//! each decision hashes only its context.

use crate::audit::jcs::{write_int, write_str};
use regorus::Value;
use sha2::{Digest, Sha256};
use std::io::Write;

/// The hasher after `{"app":<app>,"context":`.
pub(crate) fn prefix(app: &Value) -> Sha256 {
    let mut h = Sha256::new();
    with_buffer(|buf| {
        buf.extend_from_slice(br#"{"app":"#);
        write_canonical(app, buf);
        buf.extend_from_slice(br#","context":"#);
        h.update(&buf[..]);
    });
    h
}

/// Finishes a [`prefix`] with the context: `sha256:<hex>`.
pub(crate) fn finish(mut h: Sha256, context: &Value) -> String {
    with_buffer(|buf| {
        write_canonical(context, buf);
        buf.push(b'}');
        h.update(&buf[..]);
    });
    let mut s = String::with_capacity(71);
    s.push_str("sha256:");
    for b in h.finalize() {
        let _ = write!(HexSink(&mut s), "{b:02x}");
    }
    s
}

struct HexSink<'a>(&'a mut String);

impl Write for HexSink<'_> {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.push_str(std::str::from_utf8(b).unwrap_or_default());
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn with_buffer(f: impl FnOnce(&mut Vec<u8>)) {
    std::thread_local! {
        // One buffer per thread, reused across decisions.
        static BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    BUF.with(|b| match b.try_borrow_mut() {
        Ok(mut buf) => {
            buf.clear();
            f(&mut buf);
            if buf.capacity() > 1 << 20 {
                *buf = Vec::new();
            }
        }
        Err(_) => f(&mut Vec::new()),
    });
}

/// Compact JSON with object keys in sorted order, byte for byte what
/// serde_json writes for the value (strings and integers through the audit
/// log's RFC 8785 writers, whose escaping is serde_json's) (regorus objects iterate sorted), without
/// serde's per-value dispatch and regorus's decimal round trip per number.
pub(crate) fn write_canonical(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Null | Value::Undefined => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        // Integers directly; anything else (fractions, -0.0, big numbers) as regorus writes it.
        Value::Number(n) => match n.as_i64().filter(|i| *i != 0 || !n.as_f64().is_some_and(f64::is_sign_negative)) {
            Some(i) => write_int(out, i),
            None => {
                let _ = serde_json::to_writer(&mut *out, n);
            }
        },
        Value::String(s) => write_str(out, s),
        Value::Array(a) => write_seq(a.iter(), out),
        Value::Set(s) => write_seq(s.iter(), out),
        Value::Object(o) => {
            out.push(b'{');
            for (i, (k, v)) in o.iter_sorted().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                match k {
                    Value::String(k) => write_str(out, k),
                    other => {
                        // serde_json writes non-string keys as strings of their JSON.
                        let mut inner = Vec::new();
                        write_canonical(other, &mut inner);
                        write_str(out, &String::from_utf8_lossy(&inner));
                    }
                }
                out.push(b':');
                write_canonical(v, out);
            }
            out.push(b'}');
        }
    }
}

fn write_seq<'v>(items: impl Iterator<Item = &'v Value>, out: &mut Vec<u8>) {
    out.push(b'[');
    for (i, v) in items.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_canonical(v, out);
    }
    out.push(b']');
}

#[cfg(test)]
mod tests {
    use super::write_canonical;
    use regorus::Value;

    fn same_as_serde_json(json: &str) {
        let v = Value::from_json_str(json).unwrap();
        let mut ours = Vec::new();
        write_canonical(&v, &mut ours);
        assert_eq!(String::from_utf8(ours).unwrap(), serde_json::to_string(&v).unwrap(), "{json}");
    }

    #[test]
    fn writes_what_serde_json_writes() {
        same_as_serde_json(r#"{"b":[1,-2,3.5,1e300,12345678901234567890,-9223372036854775808],"a":{"z":null,"y":true,"x":false},"s":"q\"\\\n\r\t\b\f\u0001\u001f é 😀 </"}"#);
        same_as_serde_json(r#"[[],{},"",0,-0,0.1]"#);
    }

    #[test]
    fn every_fixture_input_is_written_like_serde_json() {
        let engine = crate::Engine::new().unwrap();
        let ctx = crate::Context::at("2026-11-26T10:00:00Z".parse().unwrap());
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/apps");
        let mut n = 0;
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "yaml") {
                let app = engine.parse_manifest(&std::fs::read_to_string(&p).unwrap()).unwrap();
                let doc = Value::from(engine.input_document(&app, &ctx).unwrap());
                let mut ours = Vec::new();
                write_canonical(&doc, &mut ours);
                assert_eq!(ours, serde_json::to_vec(&doc).unwrap(), "{}", p.display());
                n += 1;
            }
        }
        assert!(n >= 10);
    }
}
