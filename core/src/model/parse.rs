//! Reading and validating manifests: every problem at once, each with a
//! JSON pointer and a stable code.
//!
//! Parsing is two steps: YAML or JSON text becomes a generic JSON tree under
//! size, depth and node-count limits (so anchors and aliases cannot expand a
//! small file into a huge document), then a typed walk over that tree builds
//! the [`Manifest`] and collects problems instead of stopping at the first.

use super::enums::{Access, BuiltBy, Category, Classification, ConnectorType, Encryption, Environment, Sso};
use super::manifest::{Auth, Connector, Dataset, Field, Manifest, Metadata, SecretRef, Spec};
use super::problem::{codes, pointer_push, Problem};
use super::region::Catalog;
use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, Value};
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
    if text.len() > limits.max_bytes {
        return Err(vec![Problem::new(
            codes::TOO_LARGE,
            "",
            format!("document is {} bytes, larger than the limit of {} bytes", text.len(), limits.max_bytes),
        )]);
    }
    let value: Value = match format {
        Format::Json => {
            let mut de = serde_json::Deserializer::from_str(text);
            let v = serde::de::DeserializeSeed::deserialize(Checked { at: At::Root }, &mut de)
                .and_then(|v| de.end().map(|_| v))
                .map_err(|e| json_problem(&e))?;
            v
        }
        Format::Yaml => {
            let de = serde_yaml_ng::Deserializer::from_str(text);
            serde::de::DeserializeSeed::deserialize(Checked { at: At::Root }, de).map_err(|e| {
                let msg = e.to_string();
                if let Some(p) = duplicate_problem(&msg) {
                    return vec![p];
                }
                let code = if msg.contains("repetition limit") || msg.contains("recursion limit") { codes::TOO_COMPLEX } else { codes::SYNTAX };
                let location = e.location().map(|l| format!(" at line {} column {}", l.line(), l.column())).unwrap_or_default();
                vec![Problem::new(code, "", format!("invalid yaml{location}: {msg}"))]
            })?
        }
    };
    let mut nodes = 0usize;
    check_shape(&value, 0, &mut nodes, limits)?;
    Ok(value)
}

fn check_shape(v: &Value, depth: usize, nodes: &mut usize, limits: &Limits) -> Result<(), Vec<Problem>> {
    *nodes += 1;
    if *nodes > limits.max_nodes {
        return Err(vec![Problem::new(
            codes::TOO_COMPLEX,
            "",
            format!("document has more than {} values (yaml aliases expand into copies)", limits.max_nodes),
        )]);
    }
    if depth > limits.max_depth {
        return Err(vec![Problem::new(codes::TOO_COMPLEX, "", format!("document nests deeper than {} levels", limits.max_depth))]);
    }
    match v {
        Value::Array(a) => a.iter().try_for_each(|x| check_shape(x, depth + 1, nodes, limits)),
        Value::Object(o) => o.values().try_for_each(|x| check_shape(x, depth + 1, nodes, limits)),
        _ => Ok(()),
    }
}

fn json_problem(e: &serde_json::Error) -> Vec<Problem> {
    let msg = e.to_string();
    if let Some(p) = duplicate_problem(&msg) {
        return vec![p];
    }
    let code = if msg.contains("recursion limit") { codes::TOO_COMPLEX } else { codes::SYNTAX };
    vec![Problem::new(code, "", format!("invalid json at line {} column {}: {msg}", e.line(), e.column()))]
}

const DUPLICATE_MARK: &str = "duplicate key ";

/// Recognises the duplicate-key error raised by [`Checked`] and points at the key.
fn duplicate_problem(msg: &str) -> Option<Problem> {
    let rest = &msg[msg.find(DUPLICATE_MARK)? + DUPLICATE_MARK.len()..];
    let (path, tail) = rest.split_once('\u{1}')?;
    let key = path.rsplit('/').next().unwrap_or(path).replace("~1", "/").replace("~0", "~");
    let at = tail.split_once('\u{1}').map(|(_, l)| l.trim()).unwrap_or("");
    Some(Problem::new(codes::DUPLICATE_KEY, path, format!("key \"{key}\" appears more than once in the same mapping{}", if at.is_empty() { String::new() } else { format!(" ({at})") })))
}

/// Deserializes a JSON tree like `serde_json::Value` does, but refuses a
/// key repeated in one mapping instead of silently keeping the last one:
/// a reviewer reading the file would see the first.
struct Checked<'a> {
    at: At<'a>,
}

/// Where a value sits, as a chain of parents: the JSON pointer is written
/// out only for a duplicate key, not for each of a document's hundreds of
/// values (that was half of parsing one).
#[derive(Clone, Copy)]
enum At<'a> {
    Root,
    Key(&'a At<'a>, &'a str),
    Index(&'a At<'a>, usize),
}

impl At<'_> {
    fn pointer(&self) -> String {
        match self {
            At::Root => String::new(),
            At::Key(parent, key) => pointer_push(&parent.pointer(), key),
            At::Index(parent, i) => format!("{}/{i}", parent.pointer()),
        }
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for Checked<'_> {
    type Value = Value;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Checked<'_> {
    type Value = Value;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a json value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map(Value::Number).unwrap_or(Value::Null))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let at = self.at;
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(Checked { at: At::Index(&at, out.len()) })? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let at = self.at;
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                let path = At::Key(&at, &key).pointer();
                return Err(serde::de::Error::custom(format!("{DUPLICATE_MARK}{path}\u{1}\u{1}")));
            }
            let v = map.next_value_seed(Checked { at: At::Key(&at, &key) })?;
            out.insert(key, v);
        }
        Ok(Value::Object(out))
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

impl Walker {
    pub(crate) fn new() -> Self {
        Walker { problems: Vec::new() }
    }

    pub(crate) fn push(&mut self, code: &str, path: &str, message: impl Into<String>) {
        self.problems.push(Problem::new(code, path, message));
    }

    pub(crate) fn type_name(v: &Value) -> &'static str {
        match v {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "a list",
            Value::Object(_) => "a mapping",
        }
    }

    /// The value as an object, or a wrong-type problem.
    pub(crate) fn object<'a>(&mut self, v: &'a Value, path: &str, allowed: &[&str]) -> Option<&'a Map<String, Value>> {
        match v {
            Value::Object(m) => {
                for key in m.keys() {
                    if !allowed.contains(&key.as_str()) {
                        let hint = allowed
                            .iter()
                            .map(|a| (edit_distance(&key.to_lowercase(), &a.to_lowercase()), *a))
                            .filter(|(d, _)| *d <= 2)
                            .min()
                            .map(|(_, a)| format!(" (did you mean \"{a}\"?)"))
                            .unwrap_or_default();
                        self.push(codes::UNKNOWN_KEY, &pointer_push(path, key), format!("unknown key \"{key}\"{hint}"));
                    }
                }
                Some(m)
            }
            other => {
                self.push(codes::WRONG_TYPE, path, format!("expected a mapping, found {}", Self::type_name(other)));
                None
            }
        }
    }

    pub(crate) fn opt_str(&mut self, m: &Map<String, Value>, path: &str, key: &str) -> Option<String> {
        match m.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(other) => {
                self.push(codes::WRONG_TYPE, &pointer_push(path, key), format!("expected a string, found {}", Self::type_name(other)));
                None
            }
        }
    }

    /// A required, non-empty string.
    pub(crate) fn req_str(&mut self, m: &Map<String, Value>, path: &str, key: &str) -> Option<String> {
        match m.get(key) {
            None | Some(Value::Null) => {
                self.push(codes::MISSING, &pointer_push(path, key), format!("missing required key \"{key}\""));
                None
            }
            Some(Value::String(s)) => {
                if s.trim().is_empty() {
                    self.push(codes::EMPTY, &pointer_push(path, key), format!("\"{key}\" must not be empty"));
                    return None;
                }
                Some(s.clone())
            }
            // The wrong type: as `opt_str` reports it.
            Some(_) => self.opt_str(m, path, key),
        }
    }

    pub(crate) fn opt_bool(&mut self, m: &Map<String, Value>, path: &str, key: &str) -> Option<bool> {
        match m.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::Bool(b)) => Some(*b),
            Some(other) => {
                self.push(codes::WRONG_TYPE, &pointer_push(path, key), format!("expected true or false, found {}", Self::type_name(other)));
                None
            }
        }
    }

    pub(crate) fn opt_u32(&mut self, m: &Map<String, Value>, path: &str, key: &str, max: u32) -> Option<u32> {
        match m.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => match n.as_u64() {
                Some(x) if x <= u64::from(max) => u32::try_from(x).ok(),
                _ => {
                    self.push(codes::OUT_OF_RANGE, &pointer_push(path, key), format!("expected a whole number from 0 to {max}, found {n}"));
                    None
                }
            },
            Some(other) => {
                self.push(codes::WRONG_TYPE, &pointer_push(path, key), format!("expected a whole number, found {}", Self::type_name(other)));
                None
            }
        }
    }

    pub(crate) fn opt_time(&mut self, m: &Map<String, Value>, path: &str, key: &str) -> Option<DateTime<Utc>> {
        let s = self.opt_str(m, path, key)?;
        match DateTime::parse_from_rfc3339(&s) {
            Ok(t) => Some(t.with_timezone(&Utc)),
            Err(_) => {
                self.push(codes::INVALID_TIMESTAMP, &pointer_push(path, key), format!("\"{s}\" is not an RFC 3339 timestamp (like 2026-11-01T09:00:00Z)"));
                None
            }
        }
    }

    pub(crate) fn req_time(&mut self, m: &Map<String, Value>, path: &str, key: &str) -> Option<DateTime<Utc>> {
        if matches!(m.get(key), None | Some(Value::Null)) {
            self.push(codes::MISSING, &pointer_push(path, key), format!("missing required key \"{key}\""));
            return None;
        }
        self.opt_time(m, path, key)
    }

    /// An optional enumeration value, parsed with `parse`. `spellings` is
    /// only called for the error message (it joins every spelling).
    pub(crate) fn opt_enum<T>(&mut self, m: &Map<String, Value>, path: &str, key: &str, parse: fn(&str) -> Option<T>, spellings: fn() -> String) -> Option<T> {
        let s = match m.get(key) {
            Some(Value::String(s)) => s,
            _ => {
                // Absent, null or the wrong type: as `opt_str` reports it.
                let _ = self.opt_str(m, path, key);
                return None;
            }
        };
        let parsed = parse(s);
        if parsed.is_none() {
            self.push(codes::UNKNOWN_VALUE, &pointer_push(path, key), format!("unknown value \"{s}\", expected one of: {}", spellings()));
        }
        parsed
    }

    /// An optional list, each item handed to `item` with its path.
    pub(crate) fn list<'a>(&mut self, m: &'a Map<String, Value>, path: &str, key: &str) -> Vec<(String, &'a Value)> {
        match m.get(key) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(a)) => {
                let base = pointer_push(path, key);
                a.iter().enumerate().map(|(i, v)| (index_pointer(&base, i), v)).collect()
            }
            Some(other) => {
                self.push(codes::WRONG_TYPE, &pointer_push(path, key), format!("expected a list, found {}", Self::type_name(other)));
                Vec::new()
            }
        }
    }

    /// A list of strings. Item pointers are only written for a problem.
    pub(crate) fn str_list(&mut self, m: &Map<String, Value>, path: &str, key: &str) -> Vec<String> {
        let items = match m.get(key) {
            Some(Value::Array(a)) => a,
            // Absent, null or not a list: as `list` reports it.
            _ => {
                let _ = self.list(m, path, key);
                return Vec::new();
            }
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, v) in items.iter().enumerate() {
            match v {
                Value::String(s) => out.push(s.clone()),
                other => self.push(codes::WRONG_TYPE, &index_pointer(&pointer_push(path, key), i), format!("expected a string, found {}", Self::type_name(other))),
            }
        }
        out
    }
}

/// `base/i` without the formatting machinery: a manifest has a pointer
/// like this for each of its hundred-odd list items, and `format!` was a
/// sixth of validating one.
fn index_pointer(base: &str, i: usize) -> String {
    let mut out = Vec::with_capacity(base.len() + 4);
    out.extend_from_slice(base.as_bytes());
    out.push(b'/');
    crate::audit::jcs::write_int(&mut out, i64::try_from(i).unwrap_or(i64::MAX));
    // Only ASCII was added to a `str`, so this never fails.
    String::from_utf8(out).unwrap_or_default()
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

fn walk_manifest(w: &mut Walker, doc: &Value, opts: &ParseOptions) -> Option<Manifest> {
    let top = w.object(doc, "", &["apiVersion", "kind", "metadata", "spec"])?;
    let api_version = w.req_str(top, "", "apiVersion");
    if let Some(v) = &api_version {
        if v != API_VERSION {
            w.push(codes::UNSUPPORTED_VERSION, "/apiVersion", format!("unsupported apiVersion \"{v}\", expected \"{API_VERSION}\""));
        }
    }
    let kind = w.req_str(top, "", "kind");
    if let Some(k) = &kind {
        if k != KIND {
            w.push(codes::UNSUPPORTED_VERSION, "/kind", format!("unsupported kind \"{k}\", expected \"{KIND}\""));
        }
    }
    let metadata = match top.get("metadata") {
        Some(m) => walk_metadata(w, m, opts),
        None => {
            w.push(codes::MISSING, "/metadata", "missing required key \"metadata\"");
            None
        }
    };
    let owner_domain = metadata.as_ref().and_then(|m| m.owner.rsplit_once('@').map(|(_, d)| d.to_ascii_lowercase()));
    let spec = match top.get("spec") {
        Some(s) => walk_spec(w, s, opts, owner_domain.as_deref()),
        None => {
            w.push(codes::MISSING, "/spec", "missing required key \"spec\"");
            None
        }
    };
    Some(Manifest { api_version: api_version?, kind: kind?, metadata: metadata?, spec: spec? })
}

fn walk_metadata(w: &mut Walker, v: &Value, opts: &ParseOptions) -> Option<Metadata> {
    const P: &str = "/metadata";
    let m = w.object(v, P, &["name", "owner", "department", "tenant", "createdAt", "expiresAt", "retiredAt", "labels"])?;
    let name = w.req_str(m, P, "name");
    if let Some(n) = &name {
        if !is_dns_label(n) {
            w.push(codes::INVALID_NAME, "/metadata/name", format!("\"{n}\" is not a DNS label (lowercase letters, digits and '-', at most 63)"));
        }
    }
    let owner = w.req_str(m, P, "owner");
    if let Some(o) = &owner {
        if !is_email(o) {
            w.push(codes::INVALID_EMAIL, "/metadata/owner", format!("owner \"{o}\" is not an e-mail address"));
        }
    }
    let department = w.opt_str(m, P, "department");
    let tenant = w.opt_str(m, P, "tenant");
    let created_at = w.req_time(m, P, "createdAt");
    let expires_at = w.opt_time(m, P, "expiresAt");
    let retired_at = w.opt_time(m, P, "retiredAt");
    if let (Some(c), Some(e)) = (created_at, expires_at) {
        if e <= c {
            w.push(codes::EXPIRY_BEFORE_CREATION, "/metadata/expiresAt", format!("expiresAt {} is not after createdAt {}", e.to_rfc3339(), c.to_rfc3339()));
        }
    }
    // Labels are free-form: any key, string values only.
    let mut labels = BTreeMap::new();
    match m.get("labels") {
        None | Some(Value::Null) => {}
        Some(Value::Object(obj)) => {
            for (k, val) in obj {
                match val {
                    Value::String(s) => {
                        labels.insert(k.clone(), s.clone());
                    }
                    other => w.push(codes::WRONG_TYPE, &pointer_push("/metadata/labels", k), format!("expected a string, found {}", Walker::type_name(other))),
                }
            }
        }
        Some(other) => w.push(codes::WRONG_TYPE, "/metadata/labels", format!("expected a mapping, found {}", Walker::type_name(other))),
    }
    let created_at = created_at?;
    let expires_at = expires_at.unwrap_or(created_at + Duration::days(opts.default_lifetime_days));
    Some(Metadata { name: name?, owner: owner?, department, tenant, created_at, expires_at, retired_at, labels })
}

fn walk_spec(w: &mut Walker, v: &Value, opts: &ParseOptions, owner_domain: Option<&str>) -> Option<Spec> {
    const P: &str = "/spec";
    let m = w.object(
        v,
        P,
        &["template", "purpose", "builtBy", "environment", "auth", "datasets", "connectors", "egress", "env", "secrets", "policies"],
    )?;
    let template = w.opt_str(m, P, "template");
    if let Some(t) = &template {
        let ok = t.split_once('@').is_some_and(|(n, ver)| !n.is_empty() && !ver.is_empty() && ver.chars().next().is_some_and(|c| c.is_ascii_digit()));
        if !ok {
            w.push(codes::INVALID_TEMPLATE, "/spec/template", format!("\"{t}\" is not name@version (like expense-approval@2.1.0)"));
        }
    }
    let purpose = w.opt_str(m, P, "purpose");
    let built_by = w.opt_enum(m, P, "builtBy", BuiltBy::parse, BuiltBy::spellings).unwrap_or(BuiltBy::Human);
    let environment = w.opt_enum(m, P, "environment", Environment::parse, Environment::spellings).unwrap_or(Environment::Production);
    let auth = match m.get("auth") {
        Some(a) => walk_auth(w, a),
        None => Auth { sso: Sso::None, mfa: false, local_accounts: false, roles: Vec::new() },
    };

    let mut datasets = Vec::new();
    let mut seen = BTreeSet::new();
    for (p, d) in w.list(m, P, "datasets") {
        if let Some(ds) = walk_dataset(w, d, &p, opts) {
            if !seen.insert(ds.name.clone()) {
                w.push(codes::DUPLICATE_NAME, &format!("{p}/name"), format!("dataset \"{}\" is defined more than once", ds.name));
            }
            datasets.push(ds);
        }
    }
    // Names as written, so that a dataset with some other mistake does not
    // also make every connector that uses it look wrong.
    let dataset_names: BTreeSet<&str> = m
        .get("datasets")
        .and_then(|d| d.as_array())
        .map(|a| a.iter().filter_map(|d| d.get("name").and_then(|n| n.as_str())).collect())
        .unwrap_or_default();

    let mut connectors = Vec::new();
    let mut seen = BTreeSet::new();
    for (p, c) in w.list(m, P, "connectors") {
        if let Some(con) = walk_connector(w, c, &p, opts, &dataset_names, owner_domain) {
            if !seen.insert(con.name.clone()) {
                w.push(codes::DUPLICATE_NAME, &format!("{p}/name"), format!("connector \"{}\" is defined more than once", con.name));
            }
            connectors.push(con);
        }
    }

    let egress = w.str_list(m, P, "egress");
    let mut env = BTreeMap::new();
    if let Some(e) = m.get("env") {
        if let Value::Object(obj) = e {
            for (k, val) in obj {
                match val {
                    Value::Array(_) | Value::Object(_) => w.push(codes::WRONG_TYPE, &pointer_push("/spec/env", k), format!("expected a string, number or boolean, found {}", Walker::type_name(val))),
                    _ => {
                        env.insert(k.clone(), val.clone());
                    }
                }
            }
        } else if !e.is_null() {
            w.push(codes::WRONG_TYPE, "/spec/env", format!("expected a mapping, found {}", Walker::type_name(e)));
        }
    }
    let mut secrets = Vec::new();
    let mut seen = BTreeSet::new();
    for (p, s) in w.list(m, P, "secrets") {
        let Some(obj) = w.object(s, &p, &["name", "ref", "rotationDays"]) else { continue };
        let name = w.req_str(obj, &p, "name");
        let reference = w.req_str(obj, &p, "ref");
        let rotation_days = w.opt_u32(obj, &p, "rotationDays", 36_500);
        if let (Some(name), Some(reference)) = (name, reference) {
            if !seen.insert(name.clone()) {
                w.push(codes::DUPLICATE_NAME, &format!("{p}/name"), format!("secret \"{name}\" is defined more than once"));
            }
            secrets.push(SecretRef { name, reference, rotation_days });
        }
    }
    let policies = w.str_list(m, P, "policies");
    Some(Spec { template, purpose, built_by, environment, auth, datasets, connectors, egress, env, secrets, policies })
}

fn walk_auth(w: &mut Walker, v: &Value) -> Auth {
    const P: &str = "/spec/auth";
    let Some(m) = w.object(v, P, &["sso", "mfa", "localAccounts", "roles"]) else {
        return Auth { sso: Sso::None, mfa: false, local_accounts: false, roles: Vec::new() };
    };
    Auth {
        sso: w.opt_enum(m, P, "sso", Sso::parse, Sso::spellings).unwrap_or(Sso::None),
        mfa: w.opt_bool(m, P, "mfa").unwrap_or(false),
        local_accounts: w.opt_bool(m, P, "localAccounts").unwrap_or(false),
        roles: w.str_list(m, P, "roles"),
    }
}

fn walk_dataset(w: &mut Walker, v: &Value, p: &str, opts: &ParseOptions) -> Option<Dataset> {
    let m = w.object(v, p, &["name", "classification", "residency", "sovereign", "encryption", "retentionDays", "fields", "categories"])?;
    let name = w.req_str(m, p, "name");
    let classification = if m.contains_key("classification") {
        w.opt_enum(m, p, "classification", Classification::parse, Classification::spellings)
    } else {
        w.push(codes::MISSING, &pointer_push(p, "classification"), "missing required key \"classification\"");
        None
    };
    let residency = w.opt_str(m, p, "residency").and_then(|r| match opts.catalog.residency(&r) {
        Some(res) => Some(res.code().to_string()),
        None => {
            w.push(codes::UNKNOWN_RESIDENCY, &pointer_push(p, "residency"), format!("unknown residency \"{r}\": not a jurisdiction or country of the region catalog"));
            None
        }
    });
    let sovereign = w.opt_bool(m, p, "sovereign").unwrap_or(false);
    let encryption = w.opt_enum(m, p, "encryption", Encryption::parse, Encryption::spellings).unwrap_or(Encryption::Platform);
    let retention_days = w.opt_u32(m, p, "retentionDays", 36_500);
    let mut fields = Vec::new();
    let mut seen = BTreeSet::new();
    for (fp, f) in w.list(m, p, "fields") {
        let Some(fm) = w.object(f, &fp, &["name", "categories", "sample"]) else { continue };
        let fname = w.req_str(fm, &fp, "name");
        let mut categories = Vec::new();
        for (cp, c) in w.list(fm, &fp, "categories") {
            match c.as_str().map(|s| (s, Category::parse(s))) {
                Some((_, Some(cat))) => {
                    if !categories.contains(&cat) {
                        categories.push(cat)
                    }
                }
                Some((s, None)) => w.push(codes::UNKNOWN_VALUE, &cp, format!("unknown category \"{s}\", expected one of: {}", Category::spellings())),
                None => w.push(codes::WRONG_TYPE, &cp, format!("expected a string, found {}", Walker::type_name(c))),
            }
        }
        let sample = match fm.get("sample") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(_)) => w.str_list(fm, &fp, "sample"),
            Some(other) => {
                w.push(codes::WRONG_TYPE, &pointer_push(&fp, "sample"), format!("expected a string or a list of strings, found {}", Walker::type_name(other)));
                Vec::new()
            }
        };
        if let Some(fname) = fname {
            if !seen.insert(fname.clone()) {
                w.push(codes::DUPLICATE_NAME, &format!("{fp}/name"), format!("field \"{fname}\" is defined more than once"));
            }
            fields.push(Field { name: fname, categories, sample });
        }
    }
    // A dataset's categories: those it declares itself plus its fields'.
    let mut categories: Vec<Category> = fields.iter().flat_map(|f| f.categories.iter().copied()).collect();
    for (cp, c) in w.list(m, p, "categories") {
        match c.as_str().map(|s| (s, Category::parse(s))) {
            Some((_, Some(cat))) => categories.push(cat),
            Some((s, None)) => w.push(codes::UNKNOWN_VALUE, &cp, format!("unknown category \"{s}\", expected one of: {}", Category::spellings())),
            None => w.push(codes::WRONG_TYPE, &cp, format!("expected a string, found {}", Walker::type_name(c))),
        }
    }
    categories.sort();
    categories.dedup();
    Some(Dataset { name: name?, classification: classification?, residency, sovereign, encryption, retention_days, fields, categories })
}

fn walk_connector(w: &mut Walker, v: &Value, p: &str, opts: &ParseOptions, datasets: &BTreeSet<&str>, owner_domain: Option<&str>) -> Option<Connector> {
    let m = w.object(
        v,
        p,
        &["name", "type", "endpoint", "region", "access", "datasets", "exportsPii", "external", "secretRef", "rotationDays", "needsRawValues", "config", "headers"],
    )?;
    let name = w.req_str(m, p, "name");
    let kind = if m.contains_key("type") {
        w.opt_enum(m, p, "type", ConnectorType::parse, ConnectorType::spellings)
    } else {
        w.push(codes::MISSING, &pointer_push(p, "type"), "missing required key \"type\"");
        None
    };
    let endpoint = w.opt_str(m, p, "endpoint");
    let region = w.opt_str(m, p, "region");
    if let Some(r) = &region {
        if opts.catalog.region(r).is_none() {
            let hint = opts.catalog.suggest(r).map(|s| format!(" (did you mean \"{s}\"?)")).unwrap_or_default();
            w.push(codes::UNKNOWN_REGION, &pointer_push(p, "region"), format!("unknown region \"{r}\"{hint}"));
        }
    }
    let access = w.opt_enum(m, p, "access", Access::parse, Access::spellings).unwrap_or(Access::Read);
    let mut ds = Vec::new();
    let dpath = pointer_push(p, "datasets");
    for (i, d) in w.str_list(m, p, "datasets").into_iter().enumerate() {
        if !datasets.contains(d.as_str()) {
            w.push(codes::UNKNOWN_DATASET, &format!("{dpath}/{i}"), format!("connector uses dataset \"{d}\", which the manifest does not define"));
        }
        ds.push(d);
    }
    let exports_pii = w.opt_bool(m, p, "exportsPii").unwrap_or(false);
    let external = w.opt_bool(m, p, "external");
    let secret_ref = w.opt_str(m, p, "secretRef");
    let rotation_days = w.opt_u32(m, p, "rotationDays", 36_500);
    let needs_raw_values = w.opt_bool(m, p, "needsRawValues").unwrap_or(false);
    let config = match m.get("config") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(o)) => o.clone(),
        Some(other) => {
            w.push(codes::WRONG_TYPE, &pointer_push(p, "config"), format!("expected a mapping, found {}", Walker::type_name(other)));
            Map::new()
        }
    };
    let mut headers = BTreeMap::new();
    match m.get("headers") {
        None | Some(Value::Null) => {}
        Some(Value::Object(o)) => {
            for (k, val) in o {
                match val {
                    Value::String(s) => {
                        headers.insert(k.clone(), s.clone());
                    }
                    other => w.push(codes::WRONG_TYPE, &pointer_push(&pointer_push(p, "headers"), k), format!("expected a string, found {}", Walker::type_name(other))),
                }
            }
        }
        Some(other) => w.push(codes::WRONG_TYPE, &pointer_push(p, "headers"), format!("expected a mapping, found {}", Walker::type_name(other))),
    }
    let kind = kind?;
    let external = external.unwrap_or_else(|| is_external(kind, endpoint.as_deref(), owner_domain, &opts.internal_suffixes));
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
    if matches!(kind, ConnectorType::Saas | ConnectorType::Webhook | ConnectorType::Email | ConnectorType::Chat | ConnectorType::Llm) {
        return true;
    }
    let Some(ep) = endpoint else { return false };
    let Some(host) = url::Url::parse(ep).ok().and_then(|u| u.host_str().map(|h| h.trim_end_matches('.').to_ascii_lowercase())) else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        return match ip {
            std::net::IpAddr::V4(v4) => !(v4.is_private() || v4.is_loopback() || v4.is_link_local()),
            std::net::IpAddr::V6(v6) => !(v6.is_loopback() || (v6.segments()[0] & 0xfe00) == 0xfc00),
        };
    }
    let under = |domain: &str| host == domain || host.ends_with(&format!(".{domain}"));
    if owner_domain.is_some_and(under) {
        return false;
    }
    if suffixes.iter().any(|s| host.ends_with(s.as_str()) || host.contains(&format!("{}.", s.trim_end_matches('.')))) {
        return false;
    }
    // A single-label name ("hrdb") only resolves inside a network.
    host.contains('.')
}
