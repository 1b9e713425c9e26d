//! Canonical JSON: the one writer (and strict reader) of canonical JSON in microgov.
//!
//! Two users, one set of primitives: the audit log writes and checks RFC 8785 (JCS) for the
//! subset of JSON its records use ([`write_value`], [`parse`]), and the engine's input digest
//! writes the manifest and context compactly with sorted keys ([`write_sorted`], the
//! [`write_str`] and [`write_int`] it shares with the audit form; `core/docs/decision.md`).
//! It sits below both `audit` and `engine`, and imports neither.
//!
//! The audit subset keeps canonical forms trivially portable: strings, booleans, `null`,
//! arrays, objects and integers within ±(2^53−1). Floats are refused because their JCS form
//! depends on ECMAScript number formatting, which few languages reproduce exactly; larger
//! integers are refused because JavaScript cannot represent them.
//!
//! `serde_json::Value` cannot be used to *check* a line: it silently keeps the last of two
//! duplicate keys and cannot represent a lone surrogate escape. So lines are read with the
//! strict parser in [`parse`], which reports those cases, and also tells whether the bytes
//! already are their own canonical form (no whitespace, members sorted by UTF-16 code units,
//! shortest escapes, shortest integers). Checking canonicity while parsing avoids
//! re-serializing every line, which matters for the verifier's throughput.

mod parse;
mod write;

pub(crate) use parse::{node_to_value, parse, Node};
#[cfg(test)]
pub(crate) use write::write_node;
pub(crate) use write::write_value;
pub(crate) use write::{cmp_utf16, next_special, write_int, write_map, write_sorted, write_sorted_map, write_str};

use serde_json::Value;

/// Largest integer magnitude allowed in audit JSON (2^53 − 1, JavaScript's safe integer).
pub const MAX_SAFE_INTEGER: i64 = 9_007_199_254_740_991;

/// Deepest nesting of arrays and objects accepted (the record object itself is level 1).
/// Bounds recursion on untrusted input.
pub const MAX_DEPTH: usize = 64;

/// The class of a parse failure, in the order of precedence they are reported in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Fault {
    /// Not UTF-8, not JSON, or nested too deep.
    Syntax,
    /// Valid JSON outside the subset: float, big integer, lone surrogate.
    Value,
    /// An object repeats a member name.
    DuplicateKey,
    /// Valid and in the subset, but not the canonical byte form.
    NonCanonical,
}

/// A parse failure with the byte offset where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParseError {
    pub fault: Fault,
    pub offset: usize,
    pub reason: String,
}

/// A value with no canonical form in the subset (`fault` [`Fault::Value`]) or nested deeper
/// than [`MAX_DEPTH`] ([`Fault::Syntax`]); `pointer` is its RFC 6901 pointer (`/` for the
/// whole value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ValueError {
    pub fault: Fault,
    pub pointer: String,
    pub reason: String,
}

/// The RFC 8785 canonical form of a JSON value, refusing what lies outside the subset
/// (also what approvals' material views and signatures are computed over).
pub(crate) fn canonicalize(value: &Value) -> Result<String, ValueError> {
    let mut out = Vec::new();
    write_value(&mut out, value, &mut String::new(), 0)?;
    // write_value only ever writes valid UTF-8 (input strings plus ASCII).
    String::from_utf8(out).map_err(|e| ValueError { fault: Fault::Syntax, pointer: "/".into(), reason: e.to_string() })
}

/// Parses JSON text strictly (duplicate keys, lone surrogates, floats and big integers are
/// errors) and returns its canonical form. The input need not be canonical.
#[cfg(test)] // the crate itself only writes canonical JSON and checks lines with `parse`
pub(crate) fn canonicalize_str(text: &str) -> Result<String, ParseError> {
    let node = parse(text.as_bytes(), false)?;
    let mut out = Vec::with_capacity(text.len());
    write_node(&mut out, &node);
    String::from_utf8(out).map_err(|e| ParseError { fault: Fault::Syntax, offset: 0, reason: e.to_string() })
}

/// Checks that `bytes` are exactly the canonical form of a JSON text in the subset.
#[cfg(test)] // the crate itself only writes canonical JSON and checks lines with `parse`
pub(crate) fn check_canonical(bytes: &[u8]) -> Result<(), ParseError> {
    parse(bytes, true).map(|_| ())
}

/// Parses JSON text strictly into a `serde_json::Value`, refusing what `serde_json` would
/// silently accept or alter (duplicate keys, lone surrogates) and what lies outside the subset.
#[cfg(test)] // the crate itself only writes canonical JSON and checks lines with `parse`
pub(crate) fn parse_strict(text: &str) -> Result<Value, ParseError> {
    Ok(node_to_value(&parse(text.as_bytes(), false)?))
}

#[cfg(test)]
mod tests;
