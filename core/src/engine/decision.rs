//! The decision: what microgov answers for one app at one time.

use crate::model::Tier;
use crate::risk::Factor;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Whether the app may run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Nothing left to do.
    Allow,
    /// No open violation, but required approvals are missing.
    Review,
    /// An open violation.
    Deny,
}

impl Outcome {
    /// `allow`, `review` or `deny`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Allow => "allow",
            Outcome::Review => "review",
            Outcome::Deny => "deny",
        }
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Score and factors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Risk {
    /// 0 to 100.
    pub score: u32,
    /// What makes up the score.
    pub factors: Vec<Factor>,
}

/// A rule a policy says the app breaks.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Violation {
    /// The policy: bundled ones by short name (`residency`), others by package.
    pub policy: String,
    /// Rule id (`cross_border_transfer`), or the rule head for string results.
    pub rule: String,
    /// `low`, `medium`, `high` or `critical`.
    #[cfg_attr(feature = "schema", schemars(with = "String", extend("enum" = ["low", "medium", "high", "critical"])))]
    pub severity: String,
    /// What is wrong, naming the thing.
    pub message: String,
    /// JSON pointer into the manifest, when the policy names one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// What to do about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediation: Option<String>,
    /// The exception kind that can waive it (`residency.transfer`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exception: Option<String>,
    /// The dataset it concerns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset: Option<String>,
    /// The connector it concerns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connector: Option<String>,
}

/// A violation an exception waived.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Waived {
    /// The violation.
    pub violation: Violation,
    /// The approval that waived it.
    pub approval_id: String,
}

/// An approval the app still needs.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RequiredApproval {
    /// The role that must approve.
    pub role: String,
    /// Why.
    pub reason: String,
    /// Only for this dataset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset: Option<String>,
    /// Only for this connector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connector: Option<String>,
}

/// How one supplied approval was judged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ApprovalUse {
    /// The approval's id.
    pub id: String,
    /// `valid`, `expired`, `self_approval` ...
    #[cfg_attr(feature = "schema", schemars(with = "crate::model::ApprovalStatus"))]
    pub status: String,
}

/// The answer for one app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Decision {
    /// UUID v7 (or the id given in the context).
    pub decision_id: String,
    /// The app's `metadata.name`.
    pub app: String,
    /// allow, review or deny.
    pub outcome: Outcome,
    /// Risk tier.
    pub tier: Tier,
    /// Score and factors.
    pub risk: Risk,
    /// Open violations.
    pub violations: Vec<Violation>,
    /// Violations an exception waived.
    pub waived: Vec<Waived>,
    /// Warnings: never deny.
    pub warnings: Vec<Violation>,
    /// Approvals still missing.
    pub required_approvals: Vec<RequiredApproval>,
    /// Conditions the platform must apply (mask fields ...).
    pub obligations: Vec<serde_json::Value>,
    /// How each supplied approval was judged.
    pub approvals: Vec<ApprovalUse>,
    /// Revision of each policy bundle that took part.
    pub policy_revisions: BTreeMap<String, String>,
    /// `sha256:` of the canonical input document.
    pub input_digest: String,
    /// Evaluation time, RFC 3339 UTC.
    pub evaluated_at: String,
}

impl Decision {
    /// The decision as JSON (snake_case keys).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The decision as a JSON value.
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}
