//! Reading and validating manifests: every problem at once, each with a
//! JSON pointer and a stable code.
//!
//! Parsing is two steps: YAML or JSON text becomes a generic tree under
//! size, depth and node-count limits (so anchors and aliases cannot expand a
//! small file into a huge document), then a typed walk over that tree builds
//! the [`Manifest`] and collects problems instead of stopping at the first.
//! The walk reads any document [`Node`]: a [`Tree`] borrowed from the text,
//! a `serde_json::Value`, or a binding's own objects.

use super::doc::{same_key, Kind, MapNode, Node};
use super::enums::{Access, BuiltBy, Category, Classification, ConnectorType, Encryption, Environment, Sso};
use super::manifest::{Auth, Connector, Dataset, Field, Manifest, Metadata, SecretRef, Spec};
use super::problem::{codes, pointer_push, Problem};
use super::region::Catalog;
use super::tree::{Refusal, Seed, Tree};
use chrono::{DateTime, Duration, Utc};
use serde::de::DeserializeSeed;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Bounds on what a manifest may make the parser do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted document in bytes.
    pub max_bytes: usize,
    /// Deepest accepted nesting of objects and arrays.
    pub max_depth: usize,
    /// Most values (after YAML alias expansion) in one document.
    pub max_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_bytes: 1 << 20, max_depth: 32, max_nodes: 50_000 }
    }
}

/// Everything validation reads besides the document: the region catalog,
/// limits and the defaults that live in bundle data.
#[derive(Debug, Clone)]
pub struct ParseOptions {
    /// Regions and jurisdictions.
    pub catalog: Arc<Catalog>,
    /// Size and depth limits.
    pub limits: Limits,
    /// Lifetime given to an app without `expiresAt`, in days.
    pub default_lifetime_days: i64,
    /// Host suffixes that mark an endpoint as internal (`.internal`, `.corp` ...).
    pub internal_suffixes: Vec<String>,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            catalog: Catalog::bundled(),
            limits: Limits::default(),
            default_lifetime_days: 90,
            internal_suffixes: [".internal", ".local", ".corp", ".lan", ".intranet", ".svc", ".cluster.local"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
        }
    }
}

/// The format of a manifest text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// YAML 1.2 (JSON is also YAML, but is read faster as JSON).
    Yaml,
    /// JSON.
    Json,
}

/// Parses YAML or JSON text into a generic tree within `limits`.
pub fn parse_document(text: &str, format: Format, limits: &Limits) -> Result<Value, Vec<Problem>> {
    parse_tree(text, format, limits).map(|t| t.to_value())
}

/// Parses YAML or JSON text within `limits` into a [`Tree`] that borrows
/// the text (see `model::tree`): a key repeated in one mapping, too many
/// values (YAML aliases expand into copies) or too deep a nesting are
/// refused as soon as they are read.
pub fn parse_tree<'a>(text: &'a str, format: Format, limits: &Limits) -> Result<Tree<'a>, Vec<Problem>> {
    if text.len() > limits.max_bytes {
        return Err(vec![Problem::new(
            codes::TOO_LARGE,
            "",
            format!("document is {} bytes, larger than the limit of {} bytes", text.len(), limits.max_bytes),
        )]);
    }
    let nodes = Cell::new(0);
    let refused = Cell::new(None);
    let seed = Seed {
        at: At::Root,
        depth: 0,
        max_depth: limits.max_depth,
        max_nodes: limits.max_nodes,
        nodes: &nodes,
        refused: &refused,
    };
    let (msg, location) = match format {
        Format::Json => {
            let mut de = serde_json::Deserializer::from_str(text);
            match seed.deserialize(&mut de).and_then(|v| de.end().map(|_| v)) {
                Ok(tree) => return Ok(tree),
                Err(e) => (e.to_string(), Some((e.line(), e.column()))),
            }
        }
        Format::Yaml => match seed.deserialize(serde_yaml_ng::Deserializer::from_str(text)) {
            Ok(tree) => return Ok(tree),
            Err(e) => (e.to_string(), e.location().map(|l| (l.line(), l.column()))),
        },
    };
    let at = location.map(|(line, column)| format!(" at line {line} column {column}")).unwrap_or_default();
    let mut problem = match refused.take() {
        Some(Refusal::DuplicateKey(path)) => {
            let key = path.rsplit('/').next().unwrap_or(&path).replace("~1", "/").replace("~0", "~");
            let shown = if at.is_empty() { String::new() } else { format!(" ({})", at.trim()) };
            Problem::new(
                codes::DUPLICATE_KEY,
                path.as_str(),
                format!("key \"{key}\" appears more than once in the same mapping{shown}"),
            )
        }
        Some(Refusal::TooManyValues) => Problem::new(
            codes::TOO_COMPLEX,
            "",
            format!("document has more than {} values (yaml aliases expand into copies)", limits.max_nodes),
        ),
        Some(Refusal::TooDeep) => {
            Problem::new(codes::TOO_COMPLEX, "", format!("document nests deeper than {} levels", limits.max_depth))
        }
        None => {
            let code = if msg.contains("recursion limit") || msg.contains("repetition limit") {
                codes::TOO_COMPLEX
            } else {
                codes::SYNTAX
            };
            let kind = if format == Format::Json { "json" } else { "yaml" };
            Problem::new(code, "", format!("invalid {kind}{at}: {msg}"))
        }
    };
    // Where the parser stopped.
    if let Some((line, column)) = location {
        problem.line = Some(line);
        problem.column = Some(column);
    }
    Err(vec![problem])
}

/// Where a value sits, as a chain of parents: the JSON pointer is written
/// out only for a problem, not for each of a document's hundreds of values.
#[derive(Clone, Copy)]
pub(crate) enum At<'a> {
    Root,
    Key(&'a At<'a>, &'a str),
    Index(&'a At<'a>, usize),
}

impl At<'_> {
    pub(crate) fn pointer(&self) -> String {
        match self {
            At::Root => String::new(),
            At::Key(parent, key) => pointer_push(&parent.pointer(), key),
            At::Index(parent, i) => format!("{}/{i}", parent.pointer()),
        }
    }
}

/// Guesses the format from the first non-blank character.
pub fn sniff_format(text: &str) -> Format {
    match text.trim_start_matches('\u{feff}').trim_start().chars().next() {
        Some('{') | Some('[') => Format::Json,
        _ => Format::Yaml,
    }
}

/// Levenshtein distance, for "did you mean" hints on typos.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

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
    fn unreadable(&mut self, at: &At<'_>) {
        self.push_at(codes::WRONG_TYPE, at, format!("expected a mapping, found {}", Kind::Other.described()));
    }

    /// "expected `expected`, found ..." at `at`.
    fn wrong<N: Node>(&mut self, at: &At<'_>, expected: &str, found: &N) {
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
                    let hint = keys
                        .iter()
                        .map(|a| (edit_distance(&key.to_lowercase(), &a.to_lowercase()), *a))
                        .filter(|(d, _)| *d <= 2)
                        .min()
                        .map(|(_, a)| format!(" (did you mean \"{a}\"?)"))
                        .unwrap_or_default();
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
    fn required<'n, N: Node>(&mut self, at: &At<'_>, m: &'n Member<'_, N>) -> Option<&'n N> {
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
    fn req_enum<N: Node, T>(
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
    fn named_list<N: Node, T>(
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
    fn str_map<N: Node>(&mut self, at: &At<'_>, m: &Member<'_, N>) -> BTreeMap<String, String> {
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
    fn categories<N: Node>(&mut self, at: &At<'_>, m: &Member<'_, N>, out: &mut Vec<Category>) {
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

/// Whether `s` looks like an e-mail address: one `@`, a non-empty local
/// part, a domain with a dot, no spaces.
pub fn is_email(s: &str) -> bool {
    let s = s.trim();
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        None => false,
    }
}

/// Whether `name` is an RFC 1123 DNS label (lowercase letters, digits, `-`, at most 63).
pub fn is_dns_label(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
}

const API_VERSION: &str = "microgov.dev/v1";
const KIND: &str = "MicroApp";

/// Builds a [`Manifest`] from a parsed document, collecting every problem.
pub fn manifest_from_value(doc: &Value, opts: &ParseOptions) -> Result<Manifest, Vec<Problem>> {
    manifest_from_node(&doc, opts)
}

/// Builds a [`Manifest`] from any document [`Node`], collecting every problem.
pub fn manifest_from_node<N: Node>(doc: &N, opts: &ParseOptions) -> Result<Manifest, Vec<Problem>> {
    let mut w = Walker::new();
    let manifest = walk_manifest(&mut w, doc, opts);
    match manifest {
        Some(m) if w.problems.is_empty() => Ok(m),
        _ => {
            if w.problems.is_empty() {
                w.push(codes::WRONG_TYPE, "", "document is not a manifest");
            }
            Err(w.problems)
        }
    }
}

fn walk_manifest<N: Node>(w: &mut Walker, doc: &N, opts: &ParseOptions) -> Option<Manifest> {
    let root = At::Root;
    let [api_version, kind, metadata, spec] = w.members(doc, &root, ["apiVersion", "kind", "metadata", "spec"])?;
    let api_version = w.req_str(&root, &api_version);
    if let Some(v) = &api_version {
        if v != API_VERSION {
            w.push(
                codes::UNSUPPORTED_VERSION,
                "/apiVersion",
                format!("unsupported apiVersion \"{v}\", expected \"{API_VERSION}\""),
            );
        }
    }
    let kind = w.req_str(&root, &kind);
    if let Some(k) = &kind {
        if k != KIND {
            w.push(codes::UNSUPPORTED_VERSION, "/kind", format!("unsupported kind \"{k}\", expected \"{KIND}\""));
        }
    }
    let metadata = match &metadata.value {
        Some(m) => walk_metadata(w, m, opts),
        None => {
            w.push(codes::MISSING, "/metadata", "missing required key \"metadata\"");
            None
        }
    };
    let owner_domain = metadata.as_ref().and_then(|m| m.owner.rsplit_once('@').map(|(_, d)| d.to_ascii_lowercase()));
    let spec = match &spec.value {
        Some(s) => walk_spec(w, s, opts, owner_domain.as_deref()),
        None => {
            w.push(codes::MISSING, "/spec", "missing required key \"spec\"");
            None
        }
    };
    Some(Manifest { api_version: api_version?, kind: kind?, metadata: metadata?, spec: spec? })
}

fn walk_metadata<N: Node>(w: &mut Walker, v: &N, opts: &ParseOptions) -> Option<Metadata> {
    let at = At::Key(&At::Root, "metadata");
    let [name, owner, department, tenant, created_at, expires_at, retired_at, labels] =
        w.members(v, &at, ["name", "owner", "department", "tenant", "createdAt", "expiresAt", "retiredAt", "labels"])?;
    let name = w.req_str(&at, &name);
    if let Some(n) = &name {
        if !is_dns_label(n) {
            w.push(
                codes::INVALID_NAME,
                "/metadata/name",
                format!("\"{n}\" is not a DNS label (lowercase letters, digits and '-', at most 63)"),
            );
        }
    }
    let owner = w.req_str(&at, &owner);
    if let Some(o) = &owner {
        if !is_email(o) {
            w.push(codes::INVALID_EMAIL, "/metadata/owner", format!("owner \"{o}\" is not an e-mail address"));
        }
    }
    let department = w.opt_str(&at, &department);
    let tenant = w.opt_str(&at, &tenant);
    let created_at = w.req_time(&at, &created_at);
    let expires_at = w.opt_time(&at, &expires_at);
    let retired_at = w.opt_time(&at, &retired_at);
    if let (Some(c), Some(e)) = (created_at, expires_at) {
        if e <= c {
            w.push(
                codes::EXPIRY_BEFORE_CREATION,
                "/metadata/expiresAt",
                format!("expiresAt {} is not after createdAt {}", e.to_rfc3339(), c.to_rfc3339()),
            );
        }
    }
    // Labels are free-form: any key, string values only.
    let labels = w.str_map(&at, &labels);
    let created_at = created_at?;
    let expires_at = expires_at.unwrap_or(created_at + Duration::days(opts.default_lifetime_days));
    Some(Metadata { name: name?, owner: owner?, department, tenant, created_at, expires_at, retired_at, labels })
}

fn walk_spec<N: Node>(w: &mut Walker, v: &N, opts: &ParseOptions, owner_domain: Option<&str>) -> Option<Spec> {
    let at = At::Key(&At::Root, "spec");
    let [template, purpose, built_by, environment, auth, datasets, connectors, egress, env, secrets, policies] = w
        .members(
            v,
            &at,
            [
                "template",
                "purpose",
                "builtBy",
                "environment",
                "auth",
                "datasets",
                "connectors",
                "egress",
                "env",
                "secrets",
                "policies",
            ],
        )?;
    let template = w.opt_str(&at, &template);
    if let Some(t) = &template {
        let ok = t.split_once('@').is_some_and(|(n, ver)| {
            !n.is_empty() && !ver.is_empty() && ver.chars().next().is_some_and(|c| c.is_ascii_digit())
        });
        if !ok {
            w.push(
                codes::INVALID_TEMPLATE,
                "/spec/template",
                format!("\"{t}\" is not name@version (like expense-approval@2.1.0)"),
            );
        }
    }
    let purpose = w.opt_str(&at, &purpose);
    let built_by = w.opt_enum(&at, &built_by, BuiltBy::parse, BuiltBy::spellings).unwrap_or(BuiltBy::Human);
    let environment =
        w.opt_enum(&at, &environment, Environment::parse, Environment::spellings).unwrap_or(Environment::Production);
    let auth = match &auth.value {
        Some(a) => walk_auth(w, a),
        None => Auth { sso: Sso::None, mfa: false, local_accounts: false, roles: Vec::new() },
    };

    // Names as written, so that a dataset with some other mistake does not
    // also make every connector that uses it look wrong: those of the
    // datasets kept, and those of the ones dropped for a mistake.
    let mut dropped_names = Vec::new();
    let datasets = w.named_list(
        &at,
        &datasets,
        "dataset",
        |d: &Dataset| &d.name,
        |w, d, item_at| walk_dataset(w, d, item_at, opts, &mut dropped_names),
    );
    let mut dataset_names: Vec<&str> =
        datasets.iter().map(|d| d.name.as_str()).chain(dropped_names.iter().map(String::as_str)).collect();
    dataset_names.sort_unstable();
    let connectors = w.named_list(
        &at,
        &connectors,
        "connector",
        |c: &Connector| &c.name,
        |w, c, item_at| walk_connector(w, c, item_at, opts, &dataset_names, owner_domain),
    );

    let egress = w.str_list(&at, &egress);
    let mut env_out = BTreeMap::new();
    if let Some(e) = env.present() {
        let env_at = At::Key(&at, env.key);
        match e.as_map() {
            Some(obj) => {
                let read = obj.each(|k, val| match val.kind() {
                    Kind::Null | Kind::Bool | Kind::Number | Kind::String => match val.to_value() {
                        Some(value) => {
                            env_out.insert(k.to_string(), value);
                        }
                        None => w.wrong(&At::Key(&env_at, k), "a string, number or boolean", &val),
                    },
                    _ => w.wrong(&At::Key(&env_at, k), "a string, number or boolean", &val),
                });
                if !read {
                    w.unreadable(&env_at);
                }
            }
            None => w.wrong(&env_at, "a mapping", e),
        }
    }
    let secrets = w.named_list(&at, &secrets, "secret", |s: &SecretRef| &s.name, walk_secret);
    let policies = w.str_list(&at, &policies);
    Some(Spec {
        template,
        purpose,
        built_by,
        environment,
        auth,
        datasets,
        connectors,
        egress,
        env: env_out,
        secrets,
        policies,
    })
}

fn walk_secret<N: Node>(w: &mut Walker, v: &N, at: &At<'_>) -> Option<SecretRef> {
    let [name, reference, rotation_days] = w.members(v, at, ["name", "ref", "rotationDays"])?;
    let name = w.req_str(at, &name);
    let reference = w.req_str(at, &reference);
    let rotation_days = w.opt_u32(at, &rotation_days, 36_500);
    Some(SecretRef { name: name?, reference: reference?, rotation_days })
}

fn walk_auth<N: Node>(w: &mut Walker, v: &N) -> Auth {
    let at = At::Key(&At::Key(&At::Root, "spec"), "auth");
    let Some([sso, mfa, local_accounts, roles]) = w.members(v, &at, ["sso", "mfa", "localAccounts", "roles"]) else {
        return Auth { sso: Sso::None, mfa: false, local_accounts: false, roles: Vec::new() };
    };
    Auth {
        sso: w.opt_enum(&at, &sso, Sso::parse, Sso::spellings).unwrap_or(Sso::None),
        mfa: w.opt_bool(&at, &mfa).unwrap_or(false),
        local_accounts: w.opt_bool(&at, &local_accounts).unwrap_or(false),
        roles: w.str_list(&at, &roles),
    }
}

fn walk_field<N: Node>(w: &mut Walker, v: &N, at: &At<'_>) -> Option<Field> {
    let [name, categories, sample] = w.members(v, at, ["name", "categories", "sample"])?;
    let name = w.req_str(at, &name);
    let mut category_list = Vec::new();
    w.categories(at, &categories, &mut category_list);
    let sample = match sample.present() {
        None => Vec::new(),
        Some(s) => match (s.as_str(), s.list_len()) {
            (Some(text), _) => vec![text.into_owned()],
            (None, Some(_)) => w.str_list(at, &sample),
            (None, None) => {
                w.wrong(&At::Key(at, sample.key), "a string or a list of strings", s);
                Vec::new()
            }
        },
    };
    Some(Field { name: name?, categories: category_list, sample })
}

/// A dataset dropped for a mistake adds its name as written to `dropped`.
fn walk_dataset<N: Node>(
    w: &mut Walker,
    v: &N,
    at: &At<'_>,
    opts: &ParseOptions,
    dropped: &mut Vec<String>,
) -> Option<Dataset> {
    let [name, classification, residency, sovereign, encryption, retention_days, fields, categories] = w.members(
        v,
        at,
        ["name", "classification", "residency", "sovereign", "encryption", "retentionDays", "fields", "categories"],
    )?;
    let name_read = w.req_str(at, &name);
    let classification = w.req_enum(at, &classification, Classification::parse, Classification::spellings);
    let residency = w.opt_str(at, &residency).and_then(|r| match opts.catalog.residency_code(&r) {
        Some(code) if code == r => Some(r),
        Some(code) => Some(code.to_owned()),
        None => {
            w.push_at(
                codes::UNKNOWN_RESIDENCY,
                &At::Key(at, residency.key),
                format!("unknown residency \"{r}\": not a jurisdiction or country of the region catalog"),
            );
            None
        }
    });
    let sovereign = w.opt_bool(at, &sovereign).unwrap_or(false);
    let encryption =
        w.opt_enum(at, &encryption, Encryption::parse, Encryption::spellings).unwrap_or(Encryption::Platform);
    let retention_days = w.opt_u32(at, &retention_days, 36_500);
    let fields = w.named_list(at, &fields, "field", |f: &Field| &f.name, walk_field);
    // A dataset's categories: those it declares itself plus its fields'.
    let mut category_list: Vec<Category> = fields.iter().flat_map(|f| f.categories.iter().copied()).collect();
    w.categories(at, &categories, &mut category_list);
    category_list.sort();
    category_list.dedup();
    match (name_read, classification) {
        (Some(name), Some(classification)) => Some(Dataset {
            name,
            classification,
            residency,
            sovereign,
            encryption,
            retention_days,
            fields,
            categories: category_list,
        }),
        (name_read, _) => {
            if let Some(n) = name_read.or_else(|| name.present().and_then(|n| n.as_str().map(Cow::into_owned))) {
                dropped.push(n);
            }
            None
        }
    }
}

/// `datasets`: the manifest's dataset names, sorted.
fn walk_connector<N: Node>(
    w: &mut Walker,
    v: &N,
    at: &At<'_>,
    opts: &ParseOptions,
    datasets: &[&str],
    owner_domain: Option<&str>,
) -> Option<Connector> {
    let [name, kind, endpoint, region, access, ds, exports_pii, external, secret_ref, rotation_days, needs_raw_values, config, headers] =
        w.members(
            v,
            at,
            [
                "name",
                "type",
                "endpoint",
                "region",
                "access",
                "datasets",
                "exportsPii",
                "external",
                "secretRef",
                "rotationDays",
                "needsRawValues",
                "config",
                "headers",
            ],
        )?;
    let name = w.req_str(at, &name);
    let kind = w.req_enum(at, &kind, ConnectorType::parse, ConnectorType::spellings);
    let endpoint = w.opt_str(at, &endpoint);
    let region_key = region.key;
    let region = w.opt_str(at, &region);
    if let Some(r) = &region {
        if opts.catalog.region(r).is_none() {
            let hint = opts.catalog.suggest(r).map(|s| format!(" (did you mean \"{s}\"?)")).unwrap_or_default();
            w.push_at(codes::UNKNOWN_REGION, &At::Key(at, region_key), format!("unknown region \"{r}\"{hint}"));
        }
    }
    let access = w.opt_enum(at, &access, Access::parse, Access::spellings).unwrap_or(Access::Read);
    let list_at = At::Key(at, ds.key);
    let ds = w.str_list(at, &ds);
    for (i, d) in ds.iter().enumerate() {
        if datasets.binary_search(&d.as_str()).is_err() {
            w.push_at(
                codes::UNKNOWN_DATASET,
                &At::Index(&list_at, i),
                format!("connector uses dataset \"{d}\", which the manifest does not define"),
            );
        }
    }
    let exports_pii = w.opt_bool(at, &exports_pii).unwrap_or(false);
    let external = w.opt_bool(at, &external);
    let secret_ref = w.opt_str(at, &secret_ref);
    let rotation_days = w.opt_u32(at, &rotation_days, 36_500);
    let needs_raw_values = w.opt_bool(at, &needs_raw_values).unwrap_or(false);
    let config = match config.present() {
        None => Map::new(),
        Some(c) => match (c.kind(), c.to_value()) {
            (Kind::Map, Some(Value::Object(o))) => o,
            _ => {
                w.wrong(&At::Key(at, config.key), "a mapping", c);
                Map::new()
            }
        },
    };
    let headers = w.str_map(at, &headers);
    let kind = kind?;
    let external =
        external.unwrap_or_else(|| is_external(kind, endpoint.as_deref(), owner_domain, &opts.internal_suffixes));
    Some(Connector {
        name: name?,
        kind,
        endpoint,
        region,
        access,
        datasets: ds,
        exports_pii,
        external,
        secret_ref,
        rotation_days,
        needs_raw_values,
        config,
        headers,
    })
}

/// Whether a connector reaches outside the organisation, when the manifest
/// does not say: third-party kinds (SaaS, webhooks, e-mail, chat, AI APIs)
/// are external; an endpoint is internal when its host is under the owner's
/// e-mail domain, ends with an internal suffix, or is a private address.
fn is_external(kind: ConnectorType, endpoint: Option<&str>, owner_domain: Option<&str>, suffixes: &[String]) -> bool {
    if matches!(
        kind,
        ConnectorType::Saas | ConnectorType::Webhook | ConnectorType::Email | ConnectorType::Chat | ConnectorType::Llm
    ) {
        return true;
    }
    let Some(ep) = endpoint else { return false };
    // A plain host is a name: its last label starts with a letter.
    let host = match plain_host(ep) {
        Some(h) => h,
        None => {
            let Some(h) = url::Url::parse(ep)
                .ok()
                .and_then(|u| u.host_str().map(|h| h.trim_end_matches('.').to_ascii_lowercase()))
            else {
                return false;
            };
            if let Ok(ip) = h.trim_start_matches('[').trim_end_matches(']').parse::<std::net::IpAddr>() {
                return match ip {
                    std::net::IpAddr::V4(v4) => !(v4.is_private() || v4.is_loopback() || v4.is_link_local()),
                    std::net::IpAddr::V6(v6) => !(v6.is_loopback() || (v6.segments()[0] & 0xfe00) == 0xfc00),
                };
            }
            h
        }
    };
    let under = |domain: &str| host.strip_suffix(domain).is_some_and(|rest| rest.is_empty() || rest.ends_with('.'));
    if owner_domain.is_some_and(under) {
        return false;
    }
    // A suffix at the end, or followed by a dot (`svc.internal.example`).
    let inside = |s: &str| {
        let s = s.trim_end_matches('.');
        // Each dot, and whether the suffix ends there: cheaper than a
        // substring search, which builds a searcher per suffix and host.
        host.match_indices('.').any(|(dot, _)| host[..dot].ends_with(s))
    };
    if suffixes.iter().any(|s| host.ends_with(s.as_str()) || inside(s)) {
        return false;
    }
    // A single-label name ("hrdb") only resolves inside a network.
    host.contains('.')
}

/// The host of an `http(s)` URL written plainly — the scheme, `//`, letters,
/// digits, `-` and `.` in non-empty labels, an optional port, then `/`, `?`,
/// `#` or the end — lowercased: exactly what a WHATWG parser gives for it
/// (a test checks that on generated URLs). `None` for anything else, which
/// the caller hands to the full parser: credentials, percent signs, spaces
/// or controls anywhere, backslashes, IP addresses (a last label starting
/// with a digit), punycode, extra slashes. Saves that parser on the common
/// case: it was an eighth of validating a manifest.
fn plain_host(url: &str) -> Option<String> {
    if url.bytes().any(|b| b <= b' ' || b >= 0x7f) {
        return None;
    }
    let starts = |prefix: &str| url.get(..prefix.len()).is_some_and(|p| p.eq_ignore_ascii_case(prefix));
    let rest = if starts("https://") {
        &url[8..]
    } else if starts("http://") {
        &url[7..]
    } else {
        return None;
    };
    let authority = &rest[..rest.bytes().position(|b| matches!(b, b'/' | b'?' | b'#' | b'\\')).unwrap_or(rest.len())];
    if rest[authority.len()..].starts_with('\\') {
        return None;
    }
    let host = match authority.split_once(':') {
        Some((host, port)) => {
            if port.is_empty()
                || port.len() > 5
                || !port.bytes().all(|b| b.is_ascii_digit())
                || port.parse::<u32>().ok()? > 65_535
            {
                return None;
            }
            host
        }
        None => authority,
    };
    let mut labels = host.split('.');
    let last = labels.next_back()?;
    let plain = |l: &str| {
        !l.is_empty()
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !l.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("xn--"))
    };
    if !plain(last) || last.as_bytes()[0].is_ascii_digit() || !labels.all(plain) {
        return None;
    }
    Some(host.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::{is_external, plain_host, ConnectorType, ParseOptions};

    #[test]
    fn an_endpoint_is_external_unless_its_host_says_otherwise() {
        let suffixes = ParseOptions::default().internal_suffixes;
        let external = |ep: &str| is_external(ConnectorType::Api, Some(ep), Some("acme.example"), &suffixes);
        for internal in [
            "https://svc0.internal.acme.example/x",
            "https://ACME.example",
            "https://hrdb:8080",
            "https://db.corp/",
            "https://svc.internal.other.example",
            "https://10.1.2.3:5432",
            "http://127.0.0.1:8080",
            "http://[::1]/",
            "http://[fd00::1]/",
            "http://0x7f.1/",
            "https://svc.acme.example./",
        ] {
            assert!(!external(internal), "{internal}");
        }
        for outside in [
            "https://api.partner.example",
            "https://my.internalx.example",
            "https://8.8.8.8/",
            "http://[2001:db8::1]/",
            "https://notacme.example",
            "https://acme.example.evil.com",
        ] {
            assert!(external(outside), "{outside}");
        }
        assert!(is_external(
            ConnectorType::Saas,
            Some("https://svc.internal.acme.example"),
            Some("acme.example"),
            &suffixes
        ));
        assert!(!is_external(ConnectorType::Database, None, Some("acme.example"), &suffixes));
    }
    use proptest::prelude::*;

    #[test]
    fn plain_hosts_are_read_without_the_parser() {
        assert_eq!(
            plain_host("https://svc0.Internal.acme.example/x?y#z").as_deref(),
            Some("svc0.internal.acme.example")
        );
        assert_eq!(plain_host("HTTP://db-1.corp:5432").as_deref(), Some("db-1.corp"));
        assert_eq!(plain_host("https://hrdb").as_deref(), Some("hrdb"));
        for tricky in [
            "https://user@evil.example",
            "https://evil.example\\@good.example",
            "https:///evil.example",
            "https://127.0.0.1/",
            "https://0x7f.1/",
            "https://a.0x7f/",
            "https://xn--nxasmq6b.example/",
            "https://ev%69l.example/",
            "https://evil.example\t/",
            "https://a..b/",
            "https://a.b.:443/",
            "https://[::1]/",
            "https://a.example:99999/",
            "ftp://a.example/",
        ] {
            assert_eq!(plain_host(tricky), None, "{tricky}");
        }
    }

    proptest! {
        /// Whenever the shortcut answers, it answers what the WHATWG parser does.
        #[test]
        fn plain_host_agrees_with_the_url_parser(scheme in "(?i)(https?|ftp|wss)", tail in "[a-zA-Z0-9.:@/\\\\?#%\\[\\] \t-]{0,24}") {
            agrees(&format!("{scheme}://{tail}"))?;
        }

        /// The same on URLs shaped like hosts, so that most take the shortcut.
        #[test]
        fn plain_host_agrees_on_host_like_urls(
            scheme in "(?i)(https?|wss)",
            host in "([a-zA-Z0-9-]{1,5}[.]){0,3}[a-zA-Z0-9-]{1,6}[.]?",
            port in "(:[0-9]{0,6})?",
            tail in "([/?#\\\\@%:.][a-zA-Z0-9.:@/?#%]{0,8})?",
        ) {
            agrees(&format!("{scheme}://{host}{port}{tail}"))?;
        }
    }

    fn agrees(url: &str) -> Result<(), TestCaseError> {
        if let Some(host) = plain_host(url) {
            let parsed = url::Url::parse(url).map_err(|e| TestCaseError::fail(format!("{url}: {e}")))?;
            prop_assert_eq!(Some(host.as_str()), parsed.host_str(), "{}", url);
        }
        Ok(())
    }
}
