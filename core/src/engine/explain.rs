//! Explained decisions: each violation with the rule that produced it.

use super::{input, Context, Decision, Engine, EvalError, Violation};
use crate::bundle::RuleSite;
use crate::model::{ApprovalStatus, Manifest};
use crate::Result;

/// A decision with the source of each violation.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Explanation {
    /// The decision.
    pub decision: Decision,
    /// Each open violation with the rule that produced it.
    pub violations: Vec<ExplainedViolation>,
    /// Each waived violation with the rule that produced it.
    pub waived: Vec<ExplainedViolation>,
    /// Each supplied approval: how it was judged, why, and what changed since it was granted.
    pub approvals: Vec<ExplainedApproval>,
    /// The input document the policies read.
    pub input: serde_json::Value,
    /// The bundled packages whose rules ran natively (the same rules as their `.rego`
    /// files, proven equal by the differential test); every other package ran in Rego.
    pub native_packages: Vec<String>,
}

/// A violation and where it came from.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ExplainedViolation {
    /// The violation.
    pub violation: Violation,
    /// The rule definition (file, line, metadata).
    pub source: Option<RuleSite>,
    /// The exception kind that would waive it.
    pub waivable_by: Option<String>,
}

/// How one approval was judged, and why.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ExplainedApproval {
    /// The approval's id.
    pub id: String,
    /// Its status in the decision.
    pub status: ApprovalStatus,
    /// Why, in words.
    pub reason: String,
    /// For a `stale` approval, what changed in the material view since it was granted
    /// (`connector export added`, `dataset employees changed`); empty when it does not say
    /// what it reviewed part by part.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<String>,
}

/// The reason shown for a status.
fn reason(status: ApprovalStatus, changes: &[String]) -> String {
    match status {
        ApprovalStatus::Valid => "in force".into(),
        ApprovalStatus::WrongApp => "granted for another app".into(),
        ApprovalStatus::NotYetValid => "granted for a later time".into(),
        ApprovalStatus::Expired => "expired".into(),
        ApprovalStatus::Revoked => "revoked".into(),
        ApprovalStatus::SelfApproval => "the approver owns or built the app".into(),
        ApprovalStatus::UnverifiedRole => "the approver directory does not grant a role it claims".into(),
        ApprovalStatus::RoleNotHeld => "the approver does not hold a role it needs".into(),
        ApprovalStatus::ScopeMismatch => "its scope names a dataset or connector the app does not have".into(),
        ApprovalStatus::ByokRequired => "the exception needs the dataset encrypted with the tenant's own key".into(),
        ApprovalStatus::TooLong => "granted for longer than its kind may last".into(),
        ApprovalStatus::BadSignature => "no signature the approver's key verifies".into(),
        ApprovalStatus::Stale if changes.is_empty() => "the app's material view changed since it was granted".into(),
        ApprovalStatus::Stale => format!("changed since it was granted: {}", changes.join(", ")),
    }
}

impl Engine {
    /// Decides on one app and says where each violation came from.
    pub fn explain(&self, app: &Manifest, ctx: &Context) -> Result<Explanation> {
        // The whole input document, also the members no loaded policy reads.
        let (decision, input) = self.evaluate_inner(app, ctx, &input::Needs::all())?;
        let source_of = |v: &Violation, head_hint: &str| -> Option<RuleSite> {
            let pkg = self.inner.packages.iter().find(|p| p.policy == v.policy)?;
            self.inner.index.find(&pkg.path, Some(&v.rule), head_hint).cloned()
        };
        let violations = decision
            .violations
            .iter()
            .map(|v| ExplainedViolation {
                violation: v.clone(),
                source: source_of(v, "violation").or_else(|| source_of(v, "deny")),
                waivable_by: v.exception.clone(),
            })
            .collect();
        let waived = decision
            .waived
            .iter()
            .map(|w| ExplainedViolation {
                violation: w.violation.clone(),
                source: source_of(&w.violation, "violation"),
                waivable_by: w.violation.exception.clone(),
            })
            .collect();
        let now = ctx.now.unwrap_or_else(chrono::Utc::now);
        let judged = input::judge(app, now, &ctx.approvals, &self.inner.settings);
        let approvals = decision
            .approvals
            .iter()
            .zip(&judged)
            .map(|(u, j)| {
                let changes = match (&j.reviewed, u.status) {
                    (input::Reviewed::Changed(c), ApprovalStatus::Stale) => c.clone(),
                    _ => Vec::new(),
                };
                // The engine's own checks say exactly why; a status the decision set, in general.
                let reason = if u.status == j.status { j.reason.clone() } else { reason(u.status, &changes) };
                ExplainedApproval { id: u.id.clone(), status: u.status, reason, changes }
            })
            .collect();
        let input = serde_json::to_value(&input).map_err(|e| EvalError::Failed(e.to_string()))?;
        let native_packages = self.native_packages().into_iter().map(str::to_string).collect();
        Ok(Explanation { decision, violations, waived, approvals, input, native_packages })
    }
}
