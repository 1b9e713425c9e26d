//! A document parsed from text that borrows the text.
//!
//! Validation reads every value of a manifest once, and the [`Manifest`]
//! owns copies of the strings it keeps. Parsing into a `serde_json::Value`
//! first copied each string an extra time and sorted each mapping into a
//! B-tree; a [`Tree`] keeps strings without escapes as slices of the text
//! and mappings as the list of entries they are written as. Parsing checks
//! the limits and duplicate keys as it goes.
//!
//! [`Manifest`]: super::Manifest

use super::at::At;
use super::doc::{Kind, MapNode, Node};
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::borrow::Cow;
use std::cell::Cell;
use std::collections::HashSet;
use std::fmt;

/// A value of a parsed document.
#[derive(Debug, Clone, PartialEq)]
pub enum Tree<'a> {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A number.
    Number(Number),
    /// Text, borrowed from the document when it has no escapes.
    Str(Cow<'a, str>),
    /// A list.
    List(Vec<Tree<'a>>),
    /// A mapping, in the order it is written (keys are unique).
    Map(Vec<(Cow<'a, str>, Tree<'a>)>),
}

impl Tree<'_> {
    /// The document as a `serde_json::Value`.
    pub fn to_value(&self) -> Value {
        match self {
            Tree::Null => Value::Null,
            Tree::Bool(b) => Value::Bool(*b),
            Tree::Number(n) => Value::Number(n.clone()),
            Tree::Str(s) => Value::String(s.to_string()),
            Tree::List(items) => Value::Array(items.iter().map(Tree::to_value).collect()),
            Tree::Map(entries) => {
                Value::Object(entries.iter().map(|(k, v)| (k.to_string(), v.to_value())).collect::<Map<_, _>>())
            }
        }
    }
}

impl<'t, 'a> Node for &'t Tree<'a> {
    type Map = &'t [(Cow<'a, str>, Tree<'a>)];
    fn kind(&self) -> Kind {
        match self {
            Tree::Null => Kind::Null,
            Tree::Bool(_) => Kind::Bool,
            Tree::Number(_) => Kind::Number,
            Tree::Str(_) => Kind::String,
            Tree::List(_) => Kind::List,
            Tree::Map(_) => Kind::Map,
        }
    }
    fn as_map(&self) -> Option<Self::Map> {
        match self {
            Tree::Map(entries) => Some(entries),
            _ => None,
        }
    }
    fn list_len(&self) -> Option<usize> {
        match self {
            Tree::List(items) => Some(items.len()),
            _ => None,
        }
    }
    fn item(&self, i: usize) -> Option<Self> {
        match self {
            Tree::List(items) => items.get(i),
            _ => None,
        }
    }
    fn as_str(&self) -> Option<Cow<'_, str>> {
        match self {
            Tree::Str(s) => Some(Cow::Borrowed(s)),
            _ => None,
        }
    }
    fn as_bool(&self) -> Option<bool> {
        match self {
            Tree::Bool(b) => Some(*b),
            _ => None,
        }
    }
    fn as_number(&self) -> Option<Number> {
        match self {
            Tree::Number(n) => Some(n.clone()),
            _ => None,
        }
    }
    fn to_value(&self) -> Option<Value> {
        Some(Tree::to_value(self))
    }
}

impl<'t, 'a> MapNode for &'t [(Cow<'a, str>, Tree<'a>)] {
    type Node = &'t Tree<'a>;
    fn each(&self, mut f: impl FnMut(&str, &'t Tree<'a>)) -> bool {
        self.iter().for_each(|(k, v)| f(k, v));
        true
    }
}

/// Why reading stopped early (besides a syntax error).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// A key written twice in one mapping: the JSON pointer of the second.
    DuplicateKey(String),
    /// More values than the limit.
    TooManyValues,
    /// Deeper than the limit.
    TooDeep,
}

/// Reads one value with its limits; `refused` says why an error was raised
/// (the deserializer only carries a message).
pub(crate) struct Seed<'s> {
    pub(crate) at: At<'s>,
    pub(crate) depth: usize,
    pub(crate) max_depth: usize,
    pub(crate) max_nodes: usize,
    pub(crate) nodes: &'s Cell<usize>,
    pub(crate) refused: &'s Cell<Option<Refusal>>,
}

impl Seed<'_> {
    fn refuse<E: serde::de::Error>(&self, why: Refusal) -> E {
        self.refused.set(Some(why));
        E::custom("refused")
    }

    fn child<'c>(&'c self, at: At<'c>) -> Seed<'c> {
        Seed {
            at,
            depth: self.depth + 1,
            max_depth: self.max_depth,
            max_nodes: self.max_nodes,
            nodes: self.nodes,
            refused: self.refused,
        }
    }
}

/// Mappings with at most this many keys check duplicates by a scan.
const SCAN_KEYS: usize = 16;

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = Tree<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Tree<'de>, D::Error> {
        let n = self.nodes.get() + 1;
        self.nodes.set(n);
        if n > self.max_nodes {
            return Err(self.refuse(Refusal::TooManyValues));
        }
        if self.depth > self.max_depth {
            return Err(self.refuse(Refusal::TooDeep));
        }
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Seed<'_> {
    type Value = Tree<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a json value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Tree<'de>, E> {
        Ok(Tree::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Tree<'de>, E> {
        Ok(Tree::Number(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Tree<'de>, E> {
        Ok(Tree::Number(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Tree<'de>, E> {
        Ok(Number::from_f64(v).map_or(Tree::Null, Tree::Number))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Tree<'de>, E> {
        Ok(Tree::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Tree<'de>, E> {
        Ok(Tree::Str(Cow::Owned(v.to_string())))
    }
    fn visit_string<E>(self, v: String) -> Result<Tree<'de>, E> {
        Ok(Tree::Str(Cow::Owned(v)))
    }
    fn visit_none<E>(self) -> Result<Tree<'de>, E> {
        Ok(Tree::Null)
    }
    fn visit_unit<E>(self) -> Result<Tree<'de>, E> {
        Ok(Tree::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Tree<'de>, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Tree<'de>, A::Error> {
        let mut out = Vec::new();
        loop {
            let at = At::Index(&self.at, out.len());
            match seq.next_element_seed(self.child(at))? {
                Some(v) => out.push(v),
                None => return Ok(Tree::List(out)),
            }
        }
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Tree<'de>, A::Error> {
        let mut out: Vec<(Cow<'de, str>, Tree<'de>)> = Vec::new();
        // Past a few keys, a set: a scan would make a large mapping quadratic.
        let mut seen: Option<HashSet<String>> = None;
        while let Some(key) = map.next_key::<KeyOf<'de>>()? {
            let key = key.0;
            let repeated = match &mut seen {
                Some(set) => !set.insert(key.to_string()),
                None => out.iter().any(|(k, _)| k == &key),
            };
            if repeated {
                let at = At::Key(&self.at, &key);
                return Err(self.refuse(Refusal::DuplicateKey(at.pointer())));
            }
            let value = map.next_value_seed(self.child(At::Key(&self.at, &key)))?;
            out.push((key, value));
            if seen.is_none() && out.len() == SCAN_KEYS {
                seen = Some(out.iter().map(|(k, _)| k.to_string()).collect());
            }
        }
        Ok(Tree::Map(out))
    }
}

/// A mapping key, borrowed from the text when it can be.
struct KeyOf<'de>(Cow<'de, str>);

impl<'de> serde::Deserialize<'de> for KeyOf<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = KeyOf<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<KeyOf<'de>, E> {
                Ok(KeyOf(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<KeyOf<'de>, E> {
                Ok(KeyOf(Cow::Owned(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> Result<KeyOf<'de>, E> {
                Ok(KeyOf(Cow::Owned(v)))
            }
        }
        d.deserialize_str(V)
    }
}
