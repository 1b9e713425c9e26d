//! Explained decisions: each violation with the rule that produced it.

use super::{input, Context, Decision, Engine, EvalError, Violation};
use crate::bundle::RuleSite;
use crate::model::Manifest;
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
        let input = serde_json::to_value(&input).map_err(|e| EvalError::Failed(e.to_string()))?;
        let native_packages = self.native_packages().into_iter().map(str::to_string).collect();
        Ok(Explanation { decision, violations, waived, input, native_packages })
    }
}
