//! A small JSON object writer over a byte buffer: members are written in the order given
//! (no sorting, no intermediate `Value`), which keeps export at a few microseconds a record.

use crate::canonical::{next_special, write_int, write_str, Node};

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

    pub(crate) fn str(&mut self, k: &str, v: &str) {
        let out = self.key(k);
        write_str(out, v);
    }

    pub(crate) fn opt_str(&mut self, k: &str, v: Option<&str>) {
        if let Some(v) = v {
            self.str(k, v);
        }
    }

    pub(crate) fn int(&mut self, k: &str, v: i64) {
        let out = self.key(k);
        write_int(out, v);
    }

    pub(crate) fn node(&mut self, k: &str, v: &Node<'_>) {
        let out = self.key(k);
        write_node(out, v);
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

/// One JSON string holding `parts` joined (no separator added).
pub(crate) fn write_concat(out: &mut Vec<u8>, parts: &[&str]) {
    out.push(b'"');
    for p in parts {
        let b = p.as_bytes();
        if next_special(b, 0) == b.len() {
            out.extend_from_slice(b);
        } else {
            // Rare: escape through the one string writer, then drop its quotes.
            let start = out.len();
            write_str(out, p);
            out.pop();
            out.copy_within(start + 1.., start);
            out.pop();
        }
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

/// An array of strings.
pub(crate) fn write_str_array<'s>(out: &mut Vec<u8>, items: impl IntoIterator<Item = &'s str>) {
    out.push(b'[');
    for (i, s) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_str(out, s);
    }
    out.push(b']');
}

/// A parsed node as JSON, members in the order read (a verified line is already canonical).
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
            out.push(b'{');
            for (i, (k, v)) in members.iter().enumerate() {
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
