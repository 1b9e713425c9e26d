//! RFC 8785 (JSON Canonicalization Scheme) for the subset of JSON that audit records use: the
//! public face of [`crate::canonical`] (which also writes the engine's input digest), with its
//! failures as [`AuditError`]s.
//!
//! The subset: strings, booleans, `null`, arrays, objects and integers within ±(2^53−1)
//! (`core/docs/audit-format.md` §3).

use serde_json::Value;

use super::AuditError;
use crate::canonical::{self, Fault, ParseError, ValueError};

pub use crate::canonical::{MAX_DEPTH, MAX_SAFE_INTEGER};

impl ParseError {
    /// Turns the failure into the public error, `at` naming where the input came from.
    pub(crate) fn into_audit(self, at: &str) -> AuditError {
        let at = format!("{at} byte {}", self.offset);
        match self.fault {
            Fault::Syntax => AuditError::BadJson { at, reason: self.reason },
            Fault::Value => AuditError::BadValue { at, reason: self.reason },
            Fault::DuplicateKey => AuditError::DuplicateKey { key: self.reason, at },
            Fault::NonCanonical => AuditError::NonCanonical { at, reason: self.reason },
        }
    }
}

impl From<ValueError> for AuditError {
    fn from(e: ValueError) -> Self {
        match e.fault {
            Fault::Value => AuditError::BadValue { at: e.pointer, reason: e.reason },
            _ => AuditError::BadJson { at: e.pointer, reason: e.reason },
        }
    }
}

/// The RFC 8785 canonical form of a JSON value, refusing floats and integers beyond ±(2^53−1).
///
/// ```
/// let v = serde_json::json!({"b": [true, null], "a": "\u{20ac}\n"});
/// assert_eq!(microgov::audit::jcs::canonicalize(&v).unwrap(), "{\"a\":\"\u{20ac}\\n\",\"b\":[true,null]}");
/// assert!(microgov::audit::jcs::canonicalize(&serde_json::json!(1.5)).is_err());
/// ```
pub fn canonicalize(value: &Value) -> Result<String, AuditError> {
    Ok(canonical::canonicalize(value)?)
}

/// Parses JSON text strictly (duplicate keys, lone surrogates, floats and big integers are
/// errors) and returns its canonical form. The input need not be canonical.
pub fn canonicalize_str(text: &str) -> Result<String, AuditError> {
    canonical::canonicalize_str(text).map_err(|e| e.into_audit("input"))
}

/// Checks that `bytes` are exactly the canonical form of a JSON text in the subset; the error
/// says what is wrong and at which byte.
pub fn check_canonical(bytes: &[u8]) -> Result<(), AuditError> {
    canonical::check_canonical(bytes).map_err(|e| e.into_audit("input"))
}

/// Parses JSON text strictly into a `serde_json::Value`, refusing what `serde_json` would
/// silently accept or alter (duplicate keys, lone surrogates) and what lies outside the subset.
pub fn parse_strict(text: &str) -> Result<Value, AuditError> {
    canonical::parse_strict(text).map_err(|e| e.into_audit("input"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn failures_are_audit_errors() {
        let e = canonicalize(&json!({"a": [1, 2.5]})).unwrap_err();
        assert_eq!(e.code(), "audit.bad_value");
        assert!(e.to_string().contains("/a/1"), "{e}");
        assert_eq!(canonicalize(&json!(u64::MAX)).unwrap_err().code(), "audit.bad_value");
        assert_eq!(parse_strict(r#"{"a":1,"a":1}"#).unwrap_err().code(), "audit.duplicate_key");
        assert_eq!(check_canonical(br#"{"a": 1}"#).unwrap_err().code(), "audit.non_canonical");
        assert_eq!(canonicalize_str("[").unwrap_err().code(), "audit.bad_json");
    }
}
