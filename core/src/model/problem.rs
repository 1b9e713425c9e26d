//! One validation problem: a stable code, a JSON pointer, and a message.

use serde::{Deserialize, Serialize};
use std::fmt;

/// One problem found in a manifest or approval document.
///
/// `path` is an RFC 6901 JSON pointer into the document as written (`""` is the
/// whole document), so a tool can point at the exact key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Problem {
    /// Stable machine-readable code, for example `manifest.unknown_key`.
    pub code: String,
    /// JSON pointer to the offending value.
    pub path: String,
    /// Human-readable explanation, lowercase, naming the value.
    pub message: String,
    /// 1-based line of `path` in the text the document was read from: the
    /// value's own position or, for a key that is missing, its mapping's.
    /// `None` for a document that was not read from text (a Python dict,
    /// a `serde_json::Value`) and for syntax errors, whose message says
    /// where the parser stopped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// 1-based column (in characters) of the same position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
}

impl Problem {
    /// A problem with the given code, path and message.
    pub fn new(code: &str, path: impl Into<String>, message: impl Into<String>) -> Self {
        Problem { code: code.to_string(), path: path.into(), message: message.into(), line: None, column: None }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() { "/" } else { &self.path };
        write!(f, "{path}: {} [{}]", self.message, self.code)
    }
}

/// The stable codes of manifest problems, one constant each so that callers
/// and tests never spell them differently.
pub mod codes {
    /// The document is not valid YAML or JSON.
    pub const SYNTAX: &str = "manifest.syntax";
    /// The document is larger than the configured limit.
    pub const TOO_LARGE: &str = "manifest.too_large";
    /// The document nests deeper, or expands to more nodes, than the limits allow.
    pub const TOO_COMPLEX: &str = "manifest.too_complex";
    /// A key given twice in one mapping.
    pub const DUPLICATE_KEY: &str = "manifest.duplicate_key";
    /// A key that the format does not define (often a typo).
    pub const UNKNOWN_KEY: &str = "manifest.unknown_key";
    /// A value of the wrong JSON type.
    pub const WRONG_TYPE: &str = "manifest.wrong_type";
    /// A required key is absent.
    pub const MISSING: &str = "manifest.missing_field";
    /// A required string is empty.
    pub const EMPTY: &str = "manifest.empty_value";
    /// A value outside the allowed set of an enumeration.
    pub const UNKNOWN_VALUE: &str = "manifest.unknown_value";
    /// Two datasets, connectors or fields share a name.
    pub const DUPLICATE_NAME: &str = "manifest.duplicate_name";
    /// A connector lists a dataset the manifest does not define.
    pub const UNKNOWN_DATASET: &str = "manifest.unknown_dataset";
    /// A region missing from the region catalog.
    pub const UNKNOWN_REGION: &str = "manifest.unknown_region";
    /// A residency that is neither a jurisdiction nor a country of the catalog.
    pub const UNKNOWN_RESIDENCY: &str = "manifest.unknown_residency";
    /// `expiresAt` is not after `createdAt`.
    pub const EXPIRY_BEFORE_CREATION: &str = "manifest.expiry_before_creation";
    /// A name that is not an RFC 1123 DNS label.
    pub const INVALID_NAME: &str = "manifest.invalid_name";
    /// A timestamp that is not RFC 3339.
    pub const INVALID_TIMESTAMP: &str = "manifest.invalid_timestamp";
    /// An owner or approver that is not an e-mail address.
    pub const INVALID_EMAIL: &str = "manifest.invalid_email";
    /// A number outside its allowed range.
    pub const OUT_OF_RANGE: &str = "manifest.out_of_range";
    /// `apiVersion` or `kind` this version of microgov does not read.
    pub const UNSUPPORTED_VERSION: &str = "manifest.unsupported_version";
    /// `spec.template` is not `name@version`.
    pub const INVALID_TEMPLATE: &str = "manifest.invalid_template";
    /// `spec.policies` names a policy pack that no loaded bundle defines.
    pub const UNKNOWN_POLICY_PACK: &str = "manifest.unknown_policy_pack";
    /// An approval being granted would never count for its app (self-approval, a role the
    /// directory does not grant, a scope the app lacks, too long a lifetime).
    pub const APPROVAL_WOULD_NOT_COUNT: &str = "manifest.approval_would_not_count";
}
