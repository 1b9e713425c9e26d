//! The document a manifest is read from, whatever holds it.
//!
//! Validation walks a tree of mappings, lists and scalars: a
//! `Tree` (`model/tree.rs`) that borrows the text it was parsed from, a
//! `serde_json::Value` a Rust caller already has, or a binding's own
//! objects (a Python `dict`): converting those to a `Value` first, only to
//! copy every string again into the [`Manifest`], was half of what a
//! binding spent per decision. [`Node`] is what the walk needs from a
//! tree, so each can be handed over as it is.
//!
//! [`Manifest`]: super::Manifest

use serde_json::{Map, Number, Value};
use std::borrow::Cow;

/// What a value of a document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `null` (YAML `~`, Python `None`).
    Null,
    /// `true` or `false`.
    Bool,
    /// An integer or a finite float.
    Number,
    /// Text.
    String,
    /// A list.
    List,
    /// A mapping with string keys.
    Map,
    /// Anything without a JSON form (a binding's exotic object); reported
    /// as a value of the wrong type.
    Other,
}

impl Kind {
    /// How problems name the kind: "expected a string, found a list".
    pub fn described(self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Bool => "a boolean",
            Kind::Number => "a number",
            Kind::String => "a string",
            Kind::List => "a list",
            Kind::Map => "a mapping",
            Kind::Other => "a value with no JSON form",
        }
    }
}

/// A value of a document, as validation reads it.
///
/// Implemented for `&serde_json::Value`; bindings implement it for their
/// own objects. Every accessor answers `None` when the value is not of
/// that kind.
pub trait Node: Sized {
    /// The node's mapping view.
    type Map: MapNode<Node = Self>;
    /// What the value is.
    fn kind(&self) -> Kind;
    /// The value as a mapping.
    fn as_map(&self) -> Option<Self::Map>;
    /// The number of items, when the value is a list.
    fn list_len(&self) -> Option<usize>;
    /// Item `i` of a list.
    fn item(&self, i: usize) -> Option<Self>;
    /// The value as text.
    fn as_str(&self) -> Option<Cow<'_, str>>;
    /// The value as a boolean.
    fn as_bool(&self) -> Option<bool>;
    /// The value as a JSON number.
    fn as_number(&self) -> Option<Number>;
    /// The value as JSON (for free-form members: `env`, `config`); `None`
    /// when some part of it has no JSON form.
    fn to_value(&self) -> Option<Value>;
}

/// A mapping of a document.
pub trait MapNode {
    /// The values' type.
    type Node: Node;
    /// Calls `f` with every key and value, in the mapping's order. `false`
    /// when the mapping could not be read to its end: a binding's object
    /// with a key that is not a string, or that changed while it was read
    /// (validation then reports the mapping as unreadable).
    ///
    /// A visit, not an iterator, so that a binding need not keep every key
    /// alive to lend it out: each is only borrowed for its call.
    fn each(&self, f: impl FnMut(&str, Self::Node)) -> bool;
}

/// Whether two keys are equal: length and first byte before the bytes
/// (most keys differ there), and keys of 4 to 16 bytes as two overlapping
/// words each: a `memcmp` call cost more than the rest of the comparison,
/// and every key that is found is compared in full.
#[inline]
pub fn same_key(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() || a.first() != b.first() {
        return false;
    }
    let n = a.len();
    let word = |s: &[u8], at: usize| u64::from_ne_bytes(s[at..at + 8].try_into().unwrap_or_default());
    let half = |s: &[u8], at: usize| u32::from_ne_bytes(s[at..at + 4].try_into().unwrap_or_default());
    match n {
        8..=16 => word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8),
        4..=7 => half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4),
        _ => a == b,
    }
}

impl<'a> Node for &'a Value {
    type Map = &'a Map<String, Value>;
    fn kind(&self) -> Kind {
        match self {
            Value::Null => Kind::Null,
            Value::Bool(_) => Kind::Bool,
            Value::Number(_) => Kind::Number,
            Value::String(_) => Kind::String,
            Value::Array(_) => Kind::List,
            Value::Object(_) => Kind::Map,
        }
    }
    fn as_map(&self) -> Option<Self::Map> {
        self.as_object()
    }
    fn list_len(&self) -> Option<usize> {
        self.as_array().map(Vec::len)
    }
    fn item(&self, i: usize) -> Option<Self> {
        self.as_array().and_then(|a| a.get(i))
    }
    fn as_str(&self) -> Option<Cow<'_, str>> {
        Value::as_str(self).map(Cow::Borrowed)
    }
    fn as_bool(&self) -> Option<bool> {
        Value::as_bool(self)
    }
    fn as_number(&self) -> Option<Number> {
        match self {
            Value::Number(n) => Some(n.clone()),
            _ => None,
        }
    }
    fn to_value(&self) -> Option<Value> {
        Some((*self).clone())
    }
}

impl<'a> MapNode for &'a Map<String, Value> {
    type Node = &'a Value;
    fn each(&self, mut f: impl FnMut(&str, &'a Value)) -> bool {
        self.iter().for_each(|(k, v)| f(k, v));
        true
    }
}

#[cfg(test)]
mod tests {
    use super::same_key;
    use proptest::prelude::*;

    #[test]
    fn keys_that_differ_in_any_one_byte_are_different() {
        for len in 0..40 {
            let a: String = (0..len).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
            assert!(same_key(&a, &a.clone()), "{a}");
            for at in 0..len {
                let mut b = a.clone().into_bytes();
                b[at] = b'Z';
                let b = String::from_utf8(b).unwrap_or_default();
                assert!(!same_key(&a, &b), "{a} vs {b}");
            }
            assert!(!same_key(&a, &format!("{a}a")), "{a} and a longer key");
        }
    }

    proptest! {
        #[test]
        fn same_key_is_string_equality(a in "[ab\u{e9}]{0,20}", b in "[ab\u{e9}]{0,20}") {
            prop_assert_eq!(same_key(&a, &b), a == b);
        }
    }
}
