//! Inline secrets in a manifest: every string value, with its key as context.
//!
//! The pipeline follows gitleaks / trufflehog / detect-secrets:
//!
//! 1. **keyword prefilter** — a 16 KB trigram gate (one table probe per byte, six at a
//!    time) lets through only strings that may hold a keyword (the keywords of
//!    `key=value` rules count only next to a `=` or `:`); on those, one Aho-Corasick
//!    automaton over every rule's keywords (built once) picks the rules whose regex
//!    runs;
//! 2. **provider rules** — linear-time `regex` patterns for the common credential
//!    formats, each with a validator (JWT header decodes to JSON with `alg`, Basic
//!    credentials decode to `user:pass`, URI passwords are not `${VAR}` references, ...);
//! 3. **entropy** — a strict Shannon-entropy test for a lone high-entropy token and for
//!    `key=value` assignments under a sensitive key;
//! 4. **allowlists** — documentation examples (`AKIAIOSFODNN7EXAMPLE`, the jwt.io token),
//!    placeholders (`<your-key>`, `xxxx`, `changeme`), UUIDs, commit hashes, checksums;
//! 5. **structural pass** — a string under a sensitive key (`password`, `apiKey`,
//!    `client_secret`, ...) must be a reference (`vault://`, `${VAR}`, a secrets-manager
//!    ARN, ...); any other literal is a finding.
//!
//! A finding never carries the secret: only the rule, the JSON pointer and a short
//! redacted preview. The finding shape and the rule list are specified in
//! `core/docs/findings.md`.
//!
//! Where each step lives: [`rules`] (the rule table), `prefilter` (gate and keyword
//! automaton), `keys` (sensitive member names), `words` (the word lists), `allow`
//! (allowlists), `validate` (decoding checks), `walk` (the walk that runs them all) and
//! `manifest` (the same walk over a typed manifest).

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::detect::text::Seg;
use crate::Manifest;
use keys::{classify_key, KeyClass};
use prefilter::COMPILED;
use rules::RULES;
use walk::scan_with;
use words::WORD_SETS;

mod allow;
mod keys;
mod manifest;
mod prefilter;
mod rules;
#[cfg(test)]
mod tests;
mod validate;
mod walk;
mod words;

pub use allow::{is_placeholder, is_reference};

/// How bad a leaked credential of this kind is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Test-mode or low-privilege credentials.
    Low,
    /// Generic or context-derived findings, short-lived tokens.
    Medium,
    /// A live credential for one service.
    High,
    /// Cloud root credentials, private keys, live payment keys.
    Critical,
}

/// How sure the detector is that the match is a real credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// Entropy only.
    Low,
    /// Format plus context (key name, `Bearer`, `password=`).
    Medium,
    /// A provider's distinctive format (fixed prefix, checksum-like structure).
    High,
}

/// One inline secret. It never contains the secret itself.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SecretFinding {
    /// Rule id, e.g. `github_pat`; see [`rules`].
    pub rule: String,
    /// RFC 6901 JSON pointer of the string that holds the secret.
    pub path: String,
    /// Redacted preview: at most the first 4 characters of the secret (fewer for short
    /// secrets: a quarter of its length) followed by `…`.
    pub preview: String,
    /// Severity of the rule.
    pub severity: Severity,
    /// Confidence of the rule.
    pub confidence: Confidence,
    /// Human-readable description of the rule.
    pub description: String,
}

/// Public description of one detection rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RuleInfo {
    /// Stable rule id, as in [`SecretFinding::rule`].
    pub id: &'static str,
    /// What the rule finds.
    pub description: &'static str,
    /// Severity of its findings.
    pub severity: Severity,
    /// Confidence of its findings.
    pub confidence: Confidence,
}

/// Every rule the scanner can report, in evaluation order.
pub fn rules() -> impl Iterator<Item = RuleInfo> {
    RULES.iter().map(|r| RuleInfo {
        id: r.id,
        description: r.description,
        severity: r.severity,
        confidence: r.confidence,
    })
}

/// Scans every string of a JSON document (a manifest, a connector config, ...).
/// Object keys give context: a string under a sensitive key must be a reference.
pub fn scan_value(doc: &Value) -> Vec<SecretFinding> {
    scan_with(|w| w.walk(doc, None))
}

/// Scans every string of a validated manifest: the same findings, in the same order,
/// as `scan_value(&manifest.to_value())`, without building the JSON value.
pub fn scan_manifest(manifest: &Manifest) -> Vec<SecretFinding> {
    scan_with(|w| w.manifest(manifest))
}

/// Scans one `key: value` pair as if it were the document `{key: value}`; with no key,
/// scans the bare string (path `""`).
pub fn scan_pair(key: Option<&str>, value: &str) -> Vec<SecretFinding> {
    scan_with(|w| match key {
        Some(k) => {
            w.path.push(Seg::Key(k));
            w.string(value, Some(k), classify_key(k));
        }
        None => w.string(value, None, KeyClass::PLAIN),
    })
}

/// Compiles the rule set now rather than on the first scan (a few milliseconds: the
/// regexes, the keyword automaton, the gate, the word lists).
pub fn warm_up() {
    LazyLock::force(&COMPILED);
    LazyLock::force(&WORD_SETS);
}

/// Scans free text (a header line, a config file body) with no key context.
pub fn scan_text(text: &str) -> Vec<SecretFinding> {
    scan_pair(None, text)
}
