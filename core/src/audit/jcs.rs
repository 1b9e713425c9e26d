//! Failures of [`crate::canonical`] (RFC 8785 for the subset of JSON that audit records use,
//! `core/docs/audit-format.md` §3) as [`AuditError`]s.

use super::AuditError;
use crate::canonical::{Fault, ParseError, ValueError};

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

#[cfg(test)]
mod tests {
    use super::AuditError;
    use crate::canonical;
    use serde_json::json;

    #[test]
    fn failures_are_audit_errors() {
        let e = AuditError::from(canonical::canonicalize(&json!({"a": [1, 2.5]})).unwrap_err());
        assert_eq!(e.code(), "audit.bad_value");
        assert!(e.to_string().contains("/a/1"), "{e}");
        assert_eq!(AuditError::from(canonical::canonicalize(&json!(u64::MAX)).unwrap_err()).code(), "audit.bad_value");
        let code = |e: canonical::ParseError| e.into_audit("input").code();
        assert_eq!(code(canonical::parse_strict(r#"{"a":1,"a":1}"#).unwrap_err()), "audit.duplicate_key");
        assert_eq!(code(canonical::check_canonical(br#"{"a": 1}"#).unwrap_err()), "audit.non_canonical");
        assert_eq!(code(canonical::canonicalize_str("[").unwrap_err()), "audit.bad_json");
    }
}
