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

/// How serious a violation is: `custom.severity` in a rule's METADATA, or the violation
/// object's own `severity`; on the wire the lowercase word.
///
/// The bundled policies use the four levels. A team policy that writes another word
/// (`info`, `blocker`) keeps it, lowercased, as [`Severity::Other`], as microgov always
/// accepted it: refusing it would turn every decision of that policy into an error.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Severity {
    /// Worth a look.
    Low,
    /// The default of `violation` and `deny` results.
    Medium,
    /// A rule most platforms enforce.
    High,
    /// Stop everything.
    Critical,
    /// A word outside the four levels, lowercased, from a team policy.
    #[serde(untagged)]
    Other(String),
}

/// In the wire schema: one of the four levels, or (from a team policy) its own lowercase word.
#[cfg(feature = "schema")]
impl schemars::JsonSchema for Severity {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Severity".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "anyOf": [
                { "type": "string", "enum": ["low", "medium", "high", "critical"] },
                { "type": "string", "pattern": "^[^A-Z]*$", "description": "a team policy's own word, lowercased" }
            ]
        })
    }
}

impl Severity {
    /// The severity a policy wrote, in any case: one of the four levels, else [`Severity::Other`].
    pub fn parse(word: &str) -> Severity {
        match word.to_ascii_lowercase().as_str() {
            "low" => Severity::Low,
            "medium" => Severity::Medium,
            "high" => Severity::High,
            "critical" => Severity::Critical,
            other => Severity::Other(other.to_string()),
        }
    }

    /// The word on the wire: `low`, `medium`, `high`, `critical` or the policy's own.
    pub fn as_str(&self) -> &str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
            Severity::Other(s) => s,
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Compared, ordered and hashed by the word, so `Other("high")` is `High`.
impl PartialEq for Severity {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Severity {}

impl std::hash::Hash for Severity {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl PartialEq<str> for Severity {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Severity {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// Ordered by the word, as when severity was a string: violations sort by policy, rule,
/// then severity, and that order is part of every decision (and its audit record).
impl PartialOrd for Severity {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Severity {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

/// A rule a policy says the app breaks.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Violation {
    /// The policy: bundled ones by short name (`residency`), others by package.
    pub policy: String,
    /// Rule id (`cross_border_transfer`), or the rule head for string results.
    pub rule: String,
    /// `low`, `medium`, `high` or `critical` (or a team policy's own word).
    pub severity: Severity,
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
    /// Every dataset it concerns, sorted, each once: its `dataset`, and the datasets a
    /// policy lists in the item's `datasets` (a connector-level violation lists the
    /// datasets the connector carries). An exception scoped to a dataset waives it when
    /// the dataset is among these (`core/docs/decision.md`, waivers). Absent when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub datasets: Vec<String>,
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
    /// How it was judged (`valid`, `expired`, `self_approval` ... on the wire).
    pub status: crate::model::ApprovalStatus,
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

impl crate::audit::AuditLog {
    /// Appends the `policy.evaluate` record of a decision ([`Event::from_decision`](crate::audit::Event::from_decision): its id,
    /// app, outcome, tier, input digest and policy revisions), with the members of `extra`
    /// (an event object, possibly partial: `principal_id`, `tenant_id`, `request_id`; `attrs`
    /// merged key by key)
    /// over it. An `extra` that is not a valid event object gives `audit.bad_event` naming
    /// the field, and nothing is appended.
    ///
    /// ```no_run
    /// # use microgov::{audit::{AuditLog, AuditOptions}, Context, Engine};
    /// let engine = Engine::new()?;
    /// let app = engine.parse_manifest(&std::fs::read_to_string("fixtures/apps/readonly-dashboard.yaml")?)?;
    /// let decision = engine.evaluate(&app, &Context::default())?;
    /// let log = AuditLog::open("audit.jsonl", AuditOptions::new())?;
    /// let receipt = log.append_decision(&decision, Some(&serde_json::json!({"principal_id": "ci@example.com"})))?;
    /// # let _ = receipt;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn append_decision(
        &self,
        decision: &Decision,
        extra: Option<&serde_json::Value>,
    ) -> Result<crate::audit::Receipt, crate::audit::AuditError> {
        self.append(&crate::audit::Event::from_decision(decision, extra)?)
    }
}

impl crate::audit::Event {
    /// A decision's `policy.evaluate` event ([`Event::from_decision_json`]) with the caller's
    /// own members over it ([`Event::merged`]): the one way every binding and the command
    /// line record a decision. (Here, beside the decision, so that the audit log does not
    /// depend on the engine.)
    ///
    /// [`Event::from_decision_json`]: crate::audit::Event::from_decision_json
    /// [`Event::merged`]: crate::audit::Event::merged
    pub fn from_decision(
        decision: &Decision,
        extra: Option<&serde_json::Value>,
    ) -> Result<crate::audit::Event, crate::audit::AuditError> {
        let base = crate::audit::Event::from_decision_json(&decision.to_value())?;
        match extra {
            Some(extra) => base.merged(extra),
            None => Ok(base),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_reads_and_writes_the_same_words() {
        for word in ["low", "medium", "high", "critical"] {
            let s = Severity::parse(word);
            assert!(!matches!(s, Severity::Other(_)), "{word}");
            assert_eq!(serde_json::to_value(&s).unwrap(), word);
            assert_eq!(serde_json::from_value::<Severity>(word.into()).unwrap(), s);
        }
        assert_eq!(Severity::parse("HIGH"), Severity::High);
        let own = Severity::parse("Blocker");
        assert_eq!(own, Severity::Other("blocker".into()));
        assert_eq!(serde_json::to_value(&own).unwrap(), "blocker");
        assert_eq!(serde_json::from_value::<Severity>("blocker".into()).unwrap(), own);
        assert!(Severity::Critical < Severity::High, "ordered by the word, as before");
    }
}
