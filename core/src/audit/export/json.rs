//! A small JSON object writer over a byte buffer: members are written in the order given
//! (no sorting, no intermediate `Value`), which keeps export at a few microseconds a record.
//!
//! Strings: `esc` and `concat` take text that is already
//! JSON-escaped (a verified record's string content, see `raw.rs`, or a literal of ours
//! without `"`, `\` or control characters) and copy it.

use crate::canonical::{next_special, write_int, write_str};

/// Writes one JSON object's members, placing the commas.
pub(crate) struct Obj<'b> {
    out: &'b mut Vec<u8>,
    first: bool,
}

impl<'b> Obj<'b> {
    pub(crate) fn open(out: &'b mut Vec<u8>) -> Self {
        out.push(b'{');
        Obj { out, first: true }
    }

    /// Member names are this module's own ASCII identifiers: written without escaping.
    fn key(&mut self, k: &str) -> &mut Vec<u8> {
        debug_assert_eq!(next_special(k.as_bytes(), 0), k.len());
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        self.out.push(b'"');
        self.out.extend_from_slice(k.as_bytes());
        self.out.extend_from_slice(b"\":");
        self.out
    }

    /// A string made of `parts` joined, written without building it first.
    pub(crate) fn concat(&mut self, k: &str, parts: &[&str]) {
        let out = self.key(k);
        write_concat(out, parts);
    }

    /// A string whose content is already escaped.
    pub(crate) fn esc(&mut self, k: &str, v: &str) {
        let out = self.key(k);
        out.push(b'"');
        out.extend_from_slice(v.as_bytes());
        out.push(b'"');
    }

    pub(crate) fn opt_esc(&mut self, k: &str, v: Option<&str>) {
        if let Some(v) = v {
            self.esc(k, v);
        }
    }

    pub(crate) fn int(&mut self, k: &str, v: i64) {
        let out = self.key(k);
        write_int(out, v);
    }

    /// A member whose name is already escaped (a record's own member name) and whose value is
    /// given as its JSON bytes.
    pub(crate) fn json_key(&mut self, k: &str, v: &str) {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        self.out.push(b'"');
        self.out.extend_from_slice(k.as_bytes());
        self.out.extend_from_slice(b"\":");
        self.out.extend_from_slice(v.as_bytes());
    }

    /// A value given as its JSON bytes.
    pub(crate) fn json(&mut self, k: &str, v: &str) {
        self.key(k).extend_from_slice(v.as_bytes());
    }

    /// A nested object, written by `f`.
    pub(crate) fn obj(&mut self, k: &str, f: impl FnOnce(&mut Obj<'_>)) {
        let out = self.key(k);
        let mut inner = Obj::open(out);
        f(&mut inner);
        inner.close();
    }

    /// A nested array, written by `f` into the buffer (the caller places its commas).
    pub(crate) fn raw(&mut self, k: &str, f: impl FnOnce(&mut Vec<u8>)) {
        let out = self.key(k);
        f(out);
    }

    pub(crate) fn close(self) {
        self.out.push(b'}');
    }
}

/// One JSON string holding `parts` joined (no separator added); each part already escaped.
pub(crate) fn write_concat(out: &mut Vec<u8>, parts: &[&str]) {
    out.push(b'"');
    for p in parts {
        out.extend_from_slice(p.as_bytes());
    }
    out.push(b'"');
}

/// Writes the elements of an array, placing the commas.
pub(crate) struct Arr<'b> {
    out: &'b mut Vec<u8>,
    first: bool,
}

impl<'b> Arr<'b> {
    pub(crate) fn open(out: &'b mut Vec<u8>) -> Self {
        out.push(b'[');
        Arr { out, first: true }
    }

    /// The buffer, positioned for the next element.
    pub(crate) fn next(&mut self) -> &mut Vec<u8> {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        self.out
    }

    pub(crate) fn concat(&mut self, parts: &[&str]) {
        write_concat(self.next(), parts);
    }

    pub(crate) fn close(self) {
        self.out.push(b']');
    }
}

/// An array of strings, each already escaped.
pub(crate) fn write_esc_array<'s>(out: &mut Vec<u8>, items: impl IntoIterator<Item = &'s str>) {
    let mut a = Arr::open(out);
    for s in items {
        a.concat(&[s]);
    }
    a.close();
}

/// Escapes `text` as a JSON string.
pub(crate) fn write_text(out: &mut Vec<u8>, text: &str) {
    write_str(out, text);
}
