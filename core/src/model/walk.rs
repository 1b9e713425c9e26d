//! The walker: reads a document [`Node`] member by member and collects every
//! problem instead of stopping at the first. What a manifest or an approvals
//! list must hold is in `validate` and `approval`; how to read a member of a
//! given type, and how to report it when it is not, is here.

use super::at::At;
use super::doc::{same_key, Kind, MapNode, Node};
use super::enums::Category;
use super::problem::{codes, Problem};
use super::suggest::{did_you_mean, edit_distance, nearest};
use chrono::{DateTime, Utc};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

/// Collects problems while walking a document.
pub(crate) struct Walker {
    pub(crate) problems: Vec<Problem>,
}

/// One member of a mapping, as [`Walker::members`] found it: the key it
/// was asked for (problems name it) and its value, if the mapping has one.
pub(crate) struct Member<'k, N> {
    pub(crate) key: &'k str,
    pub(crate) value: Option<N>,
}

impl<N: Node> Member<'_, N> {
    /// The value, unless it is absent or null (the same to a manifest).
    pub(crate) fn present(&self) -> Option<&N> {
        self.value.as_ref().filter(|v| v.kind() != Kind::Null)
    }
}

impl Walker {
    pub(crate) fn new() -> Self {
        Walker { problems: Vec::new() }
    }

    pub(crate) fn push(&mut self, code: &str, path: &str, message: impl Into<String>) {
        self.problems.push(Problem::new(code, path, message));
    }

    /// A problem at `at`: its pointer is only written out here.
    pub(crate) fn push_at(&mut self, code: &str, at: &At<'_>, message: impl Into<String>) {
        self.problems.push(Problem::new(code, at.pointer(), message));
    }

    /// A mapping that could not be read to its end (`MapNode::each`).
    pub(crate) fn unreadable(&mut self, at: &At<'_>) {
        self.push_at(codes::WRONG_TYPE, at, format!("expected a mapping, found {}", Kind::Other.described()));
    }

    /// "expected `expected`, found ..." at `at`.
    pub(crate) fn wrong<N: Node>(&mut self, at: &At<'_>, expected: &str, found: &N) {
        self.push_at(codes::WRONG_TYPE, at, format!("expected {expected}, found {}", found.kind().described()));
    }

    /// The members of a mapping under `keys`, in that order, read in one
    /// pass over its entries; any other key is reported (with a "did you
    /// mean" for a near miss). `None`, reported, when `v` is not a mapping.
    ///
    /// One pass, not a lookup per key: most keys are written in the order
    /// `keys` lists them, so each is usually found with one comparison.
    pub(crate) fn members<'k, N: Node, const K: usize>(
        &mut self,
        v: &N,
        at: &At<'_>,
        keys: [&'k str; K],
    ) -> Option<[Member<'k, N>; K]> {
        let Some(m) = v.as_map() else {
            self.wrong(at, "a mapping", v);
            return None;
        };
        let mut out = keys.map(|key| Member { key, value: None });
        let mut next = 0;
        let read = m.each(|key, value| {
            let found = if next < K && same_key(keys[next], key) {
                Some(next)
            } else {
                keys.iter().position(|k| same_key(k, key))
            };
            match found {
                Some(i) => {
                    out[i].value = Some(value);
                    next = i + 1;
                }
                None => {
                    let lower = key.to_lowercase();
                    let hint = did_you_mean(nearest(keys, 2, |a| edit_distance(&lower, &a.to_lowercase())));
                    self.push_at(codes::UNKNOWN_KEY, &At::Key(at, key), format!("unknown key \"{key}\"{hint}"));
                }
            }
        });
        if !read {
            self.unreadable(at);
        }
        Some(out)
    }

    pub(crate) fn opt_str<N: Node>(&mut self, at: &At<'_>, m: &Member<'_, N>) -> Option<String> {
        let v = m.present()?;
        let s = v.as_str().map(Cow::into_owned);
        if s.is_none() {
            self.wrong(&At::Key(at, m.key), "a string", v);
        }
        s
    }

    /// A required, non-empty string.
    pub(crate) fn req_str<N: Node>(&mut self, at: &At<'_>, m: &Member<'_, N>) -> Option<String> {
        let key = m.key;
        let v = self.required(at, m)?;
        match v.as_str() {
            // Most values start with a visible ASCII character: no trim then.
            Some(s) if !s.as_bytes().first().is_some_and(|b| b.is_ascii_graphic()) && s.trim().is_empty() => {
                self.push_at(codes::EMPTY, &At::Key(at, key), format!("\"{key}\" must not be empty"));
                None
            }
            Some(s) => Some(s.into_owned()),
            None => {
                self.wrong(&At::Key(at, key), "a string", v);
                None
            }
        }
    }

    pub(crate) fn opt_bool<N: Node>(&mut self, at: &At<'_>, m: &Member<'_, N>) -> Option<bool> {
        let v = m.present()?;
        let b = v.as_bool();
        if b.is_none() {
            self.wrong(&At::Key(at, m.key), "true or false", v);
        }
        b
    }

    pub(crate) fn opt_u32<N: Node>(&mut self, at: &At<'_>, m: &Member<'_, N>, max: u32) -> Option<u32> {
        let v = m.present()?;
        let Some(n) = v.as_number() else {
            self.wrong(&At::Key(at, m.key), "a whole number", v);
            return None;
        };
        match n.as_u64() {
            Some(x) if x <= u64::from(max) => u32::try_from(x).ok(),
            _ => {
                self.push_at(
                    codes::OUT_OF_RANGE,
                    &At::Key(at, m.key),
                    format!("expected a whole number from 0 to {max}, found {n}"),
                );
                None
            }
        }
    }

    pub(crate) fn opt_time<N: Node>(&mut self, at: &At<'_>, m: &Member<'_, N>) -> Option<DateTime<Utc>> {
        let s = self.opt_str(at, m)?;
        match DateTime::parse_from_rfc3339(&s) {
            Ok(t) => Some(t.with_timezone(&Utc)),
            Err(_) => {
                self.push_at(
                    codes::INVALID_TIMESTAMP,
                    &At::Key(at, m.key),
                    format!("\"{s}\" is not an RFC 3339 timestamp (like 2026-11-01T09:00:00Z)"),
                );
                None
            }
        }
    }

    pub(crate) fn req_time<N: Node>(&mut self, at: &At<'_>, m: &Member<'_, N>) -> Option<DateTime<Utc>> {
        self.required(at, m)?;
        self.opt_time(at, m)
    }

    /// The member's value, or a missing-key problem when it is absent or null.
    pub(crate) fn required<'n, N: Node>(&mut self, at: &At<'_>, m: &'n Member<'_, N>) -> Option<&'n N> {
        let v = m.present();
        if v.is_none() {
            self.push_at(codes::MISSING, &At::Key(at, m.key), format!("missing required key \"{}\"", m.key));
        }
        v
    }

    /// An optional enumeration value, parsed with `parse`. `spellings` is
    /// only called for the error message (it joins every spelling).
    pub(crate) fn opt_enum<N: Node, T>(
        &mut self,
        at: &At<'_>,
        m: &Member<'_, N>,
        parse: fn(&str) -> Option<T>,
        spellings: fn() -> String,
    ) -> Option<T> {
        let v = m.present()?;
        let Some(s) = v.as_str() else {
            self.wrong(&At::Key(at, m.key), "a string", v);
            return None;
        };
        let parsed = parse(&s);
        if parsed.is_none() {
            self.push_at(
                codes::UNKNOWN_VALUE,
                &At::Key(at, m.key),
                format!("unknown value \"{s}\", expected one of: {}", spellings()),
            );
        }
        parsed
    }

    /// A required enumeration value.
    pub(crate) fn req_enum<N: Node, T>(
        &mut self,
        at: &At<'_>,
        m: &Member<'_, N>,
        parse: fn(&str) -> Option<T>,
        spellings: fn() -> String,
    ) -> Option<T> {
        self.required(at, m)?;
        self.opt_enum(at, m, parse, spellings)
    }

    /// A list of named things (datasets, connectors, fields, secrets): each
    /// item read by `item`, those it returns kept, and a name written twice
    /// reported at the second (`what` names the thing in the message).
    pub(crate) fn named_list<N: Node, T>(
        &mut self,
        at: &At<'_>,
        m: &Member<'_, N>,
        what: &str,
        name_of: fn(&T) -> &str,
        mut item: impl FnMut(&mut Walker, &N, &At<'_>) -> Option<T>,
    ) -> Vec<T> {
        let items = self.list(at, m);
        let list_at = At::Key(at, m.key);
        let mut out: Vec<T> = Vec::with_capacity(items.len);
        let mut seen = Unique::default();
        for (i, node) in items.iter() {
            let item_at = At::Index(&list_at, i);
            if let Some(t) = item(self, &node, &item_at) {
                if !seen.is_new(name_of(&t), out.iter().map(name_of), out.len()) {
                    self.push_at(
                        codes::DUPLICATE_NAME,
                        &At::Key(&item_at, "name"),
                        format!("{what} \"{}\" is defined more than once", name_of(&t)),
                    );
                }
                out.push(t);
            }
        }
        out
    }

    /// The items of an optional list (none, with a problem, if it is not one).
    pub(crate) fn list<'n, N: Node>(&mut self, at: &At<'_>, m: &'n Member<'_, N>) -> Items<'n, N> {
        let Some(v) = m.present() else { return Items { list: None, len: 0 } };
        let Some(len) = v.list_len() else {
            self.wrong(&At::Key(at, m.key), "a list", v);
            return Items { list: None, len: 0 };
        };
        Items { list: Some(v), len }
    }

    /// A list of strings.
    pub(crate) fn str_list<N: Node>(&mut self, at: &At<'_>, m: &Member<'_, N>) -> Vec<String> {
        let items = self.list(at, m);
        let list_at = At::Key(at, m.key);
        let mut out = Vec::with_capacity(items.len);
        for (i, v) in items.iter() {
            match v.as_str() {
                Some(s) => out.push(s.into_owned()),
                None => self.wrong(&At::Index(&list_at, i), "a string", &v),
            }
        }
        out
    }

    /// A mapping of strings (labels, headers).
    pub(crate) fn str_map<N: Node>(&mut self, at: &At<'_>, m: &Member<'_, N>) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        let Some(v) = m.present() else { return out };
        let map_at = At::Key(at, m.key);
        let Some(obj) = v.as_map() else {
            self.wrong(&map_at, "a mapping", v);
            return out;
        };
        let read = obj.each(|k, val| match val.as_str() {
            Some(s) => {
                out.insert(k.to_string(), s.into_owned());
            }
            None => self.wrong(&At::Key(&map_at, k), "a string", &val),
        });
        if !read {
            self.unreadable(&map_at);
        }
        out
    }

    /// A list of data categories, each once, in the order first written.
    pub(crate) fn categories<N: Node>(&mut self, at: &At<'_>, m: &Member<'_, N>, out: &mut Vec<Category>) {
        let items = self.list(at, m);
        let list_at = At::Key(at, m.key);
        for (i, c) in items.iter() {
            match c.as_str() {
                Some(s) => match Category::parse(&s) {
                    Some(cat) => {
                        if !out.contains(&cat) {
                            out.push(cat)
                        }
                    }
                    None => self.push_at(
                        codes::UNKNOWN_VALUE,
                        &At::Index(&list_at, i),
                        format!("unknown category \"{s}\", expected one of: {}", Category::spellings()),
                    ),
                },
                None => self.wrong(&At::Index(&list_at, i), "a string", &c),
            }
        }
    }
}

/// The items of a list, read one at a time (no list of them is built).
pub(crate) struct Items<'n, N> {
    list: Option<&'n N>,
    len: usize,
}

impl<N: Node> Items<'_, N> {
    /// Each item with its index.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (usize, N)> + '_ {
        (0..self.len).filter_map(move |i| self.list?.item(i).map(|item| (i, item)))
    }
}

/// The duplicate-name check of one list: a scan of the items accepted so
/// far while they are few (most lists), a set once they are many.
#[derive(Default)]
struct Unique {
    set: BTreeSet<String>,
}

impl Unique {
    const SCAN: usize = 32;

    /// Whether `name` is not among the `count` names of `earlier`.
    fn is_new<'a>(&mut self, name: &str, mut earlier: impl Iterator<Item = &'a str>, count: usize) -> bool {
        if count < Self::SCAN {
            return !earlier.any(|n| same_key(n, name));
        }
        if self.set.is_empty() {
            self.set.extend(earlier.map(str::to_owned));
        }
        self.set.insert(name.to_owned())
    }
}
