//! Reading what the policies returned and assembling the decision.

use super::decision::{ApprovalUse, Decision, Outcome, RequiredApproval, Risk, Severity, Violation, Waived};
use super::input::{nanos_until, rfc3339, JudgedApproval, Reviewed};
use super::native::NativeResults;
use super::{EvalError, PackageInfo};
use crate::bundle::SourceIndex;
use crate::model::{Approval, ApprovalStatus, Manifest};
use crate::risk::RiskAssessment;
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

/// What all policies said, before waivers and approvals are applied.
pub(crate) struct Gathered {
    pub violations: Vec<Violation>,
    pub warnings: Vec<Violation>,
    pub obligations: Vec<Value>,
    pub required: Vec<RequiredApproval>,
}

/// The items of a rule's value: a set or array gives its elements; an
/// object gives its keys when every value is `true` (Rego v1's `p[x] if`),
/// else its values. An item that is or holds `Undefined` is left out: in
/// OPA a value built from something undefined is itself undefined and adds
/// nothing, while regorus's compiled VM can hand one back (the engine's entry
/// policy avoids the case it knows of; this is the second line).
fn items(v: &regorus::Value) -> Result<Vec<Value>, EvalError> {
    use regorus::Value as R;
    const SINGLE: [&str; 5] = ["message", "msg", "rule", "role", "type"];
    let elements: Vec<&R> = match v {
        R::Array(a) => a.iter().collect(),
        R::Set(s) => s.iter().collect(),
        R::Object(o) if !o.is_empty() && o.values().all(|x| x == &R::Bool(true)) => {
            return Ok(o
                .keys()
                .filter(|k| !has_undefined(k))
                .map(|k| match k {
                    R::String(s) => Value::String(s.to_string()),
                    other => Value::String(serde_json::to_string(other).unwrap_or_default()),
                })
                .collect());
        }
        R::Object(o) if SINGLE.iter().any(|k| o.contains_key(&R::from(*k))) => vec![v],
        R::Object(o) => o.values().collect(),
        R::Null | R::Undefined => Vec::new(),
        other => vec![other],
    };
    let mut out = Vec::with_capacity(elements.len());
    for e in elements.into_iter().filter(|e| !has_undefined(e)) {
        out.push(serde_json::to_value(e).map_err(|e| EvalError::Failed(format!("unreadable result: {e}")))?);
    }
    Ok(out)
}

/// Whether a value is or holds `Undefined` anywhere.
fn has_undefined(v: &regorus::Value) -> bool {
    use regorus::Value as R;
    match v {
        R::Undefined => true,
        R::Array(a) => a.iter().any(has_undefined),
        R::Set(s) => s.iter().any(has_undefined),
        R::Object(o) => o.iter().any(|(k, v)| has_undefined(k) || has_undefined(v)),
        _ => false,
    }
}

fn string_field(o: &serde_json::Map<String, Value>, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|k| match o.get(*k) {
        Some(Value::String(s)) if !s.is_empty() => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    })
}

/// Every dataset an item concerns: its `dataset` and the strings of its `datasets` list
/// (non-empty ones), sorted, each once.
fn datasets_of(o: Option<&serde_json::Map<String, Value>>, dataset: Option<String>) -> Vec<String> {
    let listed = o.and_then(|o| o.get("datasets")).and_then(Value::as_array).into_iter().flatten();
    let mut out: Vec<String> =
        listed.filter_map(|d| d.as_str().filter(|d| !d.is_empty()).map(str::to_string)).chain(dataset).collect();
    out.sort_unstable();
    out.dedup();
    out
}

fn to_violation(pkg: &PackageInfo, head: &str, item: &Value, index: &SourceIndex) -> Result<Violation, EvalError> {
    let default_severity = if head == "warn" { Severity::Low } else { Severity::Medium };
    let (rule, message, o) = match item {
        Value::String(s) => (head.to_string(), s.clone(), None),
        Value::Object(o) => {
            let message =
                string_field(o, &["message", "msg", "reason", "title"]).ok_or_else(|| EvalError::BadResult {
                    policy: pkg.path.clone(),
                    rule: head.to_string(),
                    message: format!("object without a message: {}", serde_json::to_string(item).unwrap_or_default()),
                })?;
            (string_field(o, &["rule", "id"]).unwrap_or_else(|| head.to_string()), message, Some(o))
        }
        other => {
            return Err(EvalError::BadResult {
                policy: pkg.path.clone(),
                rule: head.to_string(),
                message: format!(
                    "expected a string or an object, found {}",
                    serde_json::to_string(other).unwrap_or_default()
                ),
            })
        }
    };
    let meta = index.find(&pkg.path, Some(&rule), head).map(|s| s.metadata.clone()).unwrap_or_default();
    let field = |k: &str| o.and_then(|o| string_field(o, &[k]));
    Ok(Violation {
        policy: pkg.policy.clone(),
        severity: field("severity").or(meta.severity).map_or(default_severity, |s| Severity::parse(&s)),
        path: field("path"),
        remediation: field("remediation").or(meta.remediation),
        exception: field("exception").or(meta.exception),
        datasets: datasets_of(o, field("dataset")),
        dataset: field("dataset"),
        connector: field("connector"),
        rule,
        message,
    })
}

/// The items of one package's head: from the native results when the package ran
/// natively, else from the entry point's result (`{package: {head: [value]}}`).
fn head_items(
    result: &regorus::Value,
    native: &NativeResults,
    pkg: &PackageInfo,
    head: &str,
) -> Result<Vec<Value>, EvalError> {
    if let Some(heads) = native.get(pkg.path.as_str()) {
        return Ok(match head {
            "violation" => heads.violation.clone(),
            "obligation" => heads.obligation.clone(),
            _ => Vec::new(),
        });
    }
    let Ok(wrapped) = result[pkg.path.as_str()][head].as_array() else { return Ok(Vec::new()) };
    wrapped.first().map_or(Ok(Vec::new()), items)
}

/// Reads what every package yielded.
pub(crate) fn gather(
    result: &regorus::Value,
    native: &NativeResults,
    packages: &[PackageInfo],
    index: &SourceIndex,
) -> Result<Gathered, EvalError> {
    let mut g =
        Gathered { violations: Vec::new(), warnings: Vec::new(), obligations: Vec::new(), required: Vec::new() };
    for pkg in packages {
        for head in &pkg.heads {
            for item in head_items(result, native, pkg, head)? {
                match *head {
                    "violation" | "deny" => g.violations.push(to_violation(pkg, head, &item, index)?),
                    "warn" => g.warnings.push(to_violation(pkg, head, &item, index)?),
                    "obligation" => {
                        let mut o = item;
                        if let Value::Object(m) = &mut o {
                            m.entry("policy").or_insert_with(|| Value::String(pkg.policy.clone()));
                        }
                        g.obligations.push(o);
                    }
                    "required_approval" => {
                        let o = item.as_object().ok_or_else(|| EvalError::BadResult {
                            policy: pkg.path.clone(),
                            rule: "required_approval".into(),
                            message: "expected an object with role and reason".into(),
                        })?;
                        let role = string_field(o, &["role"]).ok_or_else(|| EvalError::BadResult {
                            policy: pkg.path.clone(),
                            rule: "required_approval".into(),
                            message: "object without a role".into(),
                        })?;
                        g.required.push(RequiredApproval {
                            role,
                            reason: string_field(o, &["reason"])
                                .unwrap_or_else(|| format!("required by {}", pkg.policy)),
                            dataset: string_field(o, &["dataset"]),
                            connector: string_field(o, &["connector"]),
                        });
                    }
                    _ => {}
                }
            }
        }
    }
    Ok(g)
}

/// The part of a decision that policies decide: what [`assemble`] or a team's
/// `microgov.decision` package computes.
pub(crate) struct Settled {
    pub outcome: Outcome,
    pub violations: Vec<Violation>,
    pub waived: Vec<Waived>,
    pub warnings: Vec<Violation>,
    pub required: Vec<RequiredApproval>,
    pub obligations: Vec<Value>,
    /// How each approval was judged; `None` when a team's decision package does not say
    /// (the engine's checks then stand).
    pub approvals: Option<Vec<ApprovalUse>>,
}

/// An approval's status as the bundled decision judges it (`approval_status` in
/// `policy-bundles/decision/decision.rego`): the engine's checks first, then whether what
/// was reviewed is still the app's.
pub(crate) fn approval_status(j: &JudgedApproval<'_>) -> ApprovalStatus {
    if j.status != ApprovalStatus::Valid {
        j.status
    } else if matches!(j.reviewed, Reviewed::Changed(_)) {
        ApprovalStatus::Stale
    } else {
        ApprovalStatus::Valid
    }
}

/// The warning for an approval in use that carries no digest (`unbound_warning` in Rego).
fn unbound_warning(id: &str) -> Violation {
    Violation {
        policy: "decision".into(),
        rule: "approval_without_digest".into(),
        severity: Severity::Low,
        message: format!(
            "approval {id} carries no digest of what was reviewed: it counts, but a change to the app will not make it stale"
        ),
        path: None,
        remediation: Some(UNBOUND_REMEDIATION.into()),
        exception: None,
        dataset: None,
        connector: None,
        datasets: Vec::new(),
    }
}

/// The warning for an approval in force that expires within the window (`expiring_warning`
/// in Rego).
fn expiring_warning(a: &Approval, now: DateTime<Utc>) -> Violation {
    Violation {
        policy: "decision".into(),
        rule: "approval_expiring".into(),
        severity: Severity::Low,
        message: format!(
            "approval {} expires in {} days, on {}",
            a.id,
            (a.expires_at - now).num_days(),
            rfc3339(a.expires_at)
        ),
        path: None,
        remediation: Some(EXPIRING_REMEDIATION.into()),
        exception: None,
        dataset: None,
        connector: None,
        datasets: Vec::new(),
    }
}

const EXPIRING_REMEDIATION: &str = "Ask its approver to grant it again (microgov approve) before it expires.";

const UNBOUND_REMEDIATION: &str = "Grant it again with microgov approve, which binds it to the app's material view.";

/// Applies waivers and approvals and decides the outcome (what the bundled
/// `microgov.decision` package computes in Rego: `policy-bundles/decision/decision.rego`).
pub(crate) fn assemble(
    judged: &[JudgedApproval<'_>],
    mut g: Gathered,
    now: DateTime<Utc>,
    expiring_within_days: i64,
) -> Settled {
    let statuses: Vec<ApprovalStatus> = judged.iter().map(approval_status).collect();
    let valid: Vec<_> =
        judged.iter().zip(&statuses).filter(|(_, s)| **s == ApprovalStatus::Valid).map(|(j, _)| j.approval).collect();
    for (j, _) in judged.iter().zip(&statuses).filter(|(_, s)| **s == ApprovalStatus::Valid) {
        if j.reviewed == Reviewed::Absent {
            g.warnings.push(unbound_warning(&j.approval.id));
        }
    }
    let window = ((expiring_within_days.saturating_mul(24)).saturating_mul(3600)).saturating_mul(1_000_000_000);
    for a in &valid {
        if nanos_until(a.expires_at, now) <= window {
            g.warnings.push(expiring_warning(a, now));
        }
    }
    let approvals =
        judged.iter().zip(statuses).map(|(j, status)| ApprovalUse { id: j.approval.id.clone(), status }).collect();
    g.violations.sort();
    g.violations.dedup();
    g.warnings.sort();
    g.warnings.dedup();
    // A set in Rego, a list natively: one order (by canonical text) and no repeats either way.
    g.obligations.sort_by_cached_key(|o| serde_json::to_string(o).unwrap_or_default());
    g.obligations.dedup();
    let mut open = Vec::new();
    let mut waived = Vec::new();
    for v in g.violations {
        let by = v
            .exception
            .as_deref()
            .and_then(|e| valid.iter().find(|a| a.waives(e, &v.datasets, v.connector.as_deref())));
        match by {
            Some(a) => waived.push(Waived { violation: v, approval_id: a.id.clone() }),
            None => open.push(v),
        }
    }
    // One requirement per role and target; the first reason given wins. A role of the whole
    // app given only by the one person who gives an earlier one stays missing
    // (`shared_with` in Rego: separation of duties).
    let approvers_of = |r: &RequiredApproval| -> BTreeSet<String> {
        valid
            .iter()
            .filter(|a| a.grants_role(&r.role, r.dataset.as_deref(), r.connector.as_deref()))
            .map(|a| a.approver.trim().to_lowercase())
            .collect()
    };
    let app_wide = |r: &RequiredApproval| r.dataset.is_none() && r.connector.is_none();
    let people: Vec<BTreeSet<String>> = g.required.iter().map(approvers_of).collect();
    let mut seen = BTreeSet::new();
    let mut required = Vec::new();
    for (i, mut r) in g.required.clone().into_iter().enumerate() {
        if !seen.insert((r.role.clone(), r.dataset.clone(), r.connector.clone())) {
            continue;
        }
        let mine = &people[i];
        let shared = (app_wide(&r) && mine.len() == 1)
            .then(|| {
                g.required[..i]
                    .iter()
                    .zip(&people)
                    .find(|(earlier, theirs)| app_wide(earlier) && earlier.role != r.role && *theirs == mine)
            })
            .flatten();
        if let (Some((earlier, _)), Some(person)) = (shared, mine.first()) {
            r.reason = format!(
                "{}; {person} already approves as {}: another person must approve as {}",
                r.reason, earlier.role, r.role
            );
            required.push(r);
        } else if mine.is_empty() {
            required.push(r);
        }
    }
    let outcome = if !open.is_empty() {
        Outcome::Deny
    } else if !required.is_empty() {
        Outcome::Review
    } else {
        Outcome::Allow
    };
    Settled {
        outcome,
        violations: open,
        waived,
        warnings: g.warnings,
        required,
        obligations: g.obligations,
        approvals: Some(approvals),
    }
}

/// The decision: what the policies settled, with what the engine knows around it.
#[allow(clippy::too_many_arguments)]
pub(crate) fn finish(
    app: &Manifest,
    judged: &[JudgedApproval<'_>],
    risk: RiskAssessment,
    settled: Settled,
    revisions: &BTreeMap<String, String>,
    decision_id: String,
    input_digest: String,
    now: DateTime<Utc>,
) -> Decision {
    Decision {
        decision_id,
        app: app.metadata.name.clone(),
        outcome: settled.outcome,
        tier: risk.tier,
        risk: Risk { score: risk.score, factors: risk.factors },
        violations: settled.violations,
        waived: settled.waived,
        warnings: settled.warnings,
        required_approvals: settled.required,
        obligations: settled.obligations,
        approvals: settled.approvals.unwrap_or_else(|| {
            judged.iter().map(|j| ApprovalUse { id: j.approval.id.clone(), status: j.status }).collect()
        }),
        policy_revisions: revisions.clone(),
        input_digest,
        evaluated_at: rfc3339(now),
    }
}

/// Reads what a team's decision package returned: the entry's `decision`, `[result]` (`[]`
/// when `result` is undefined), with `result` shaped as `assemble`'s answer
/// (`{outcome, violations, waived, warnings, required_approvals, obligations}`, the
/// decision's own field names and shapes). A field of another shape is a
/// [`EvalError::BadResult`] that names it.
pub(crate) fn read_decision(value: &regorus::Value) -> Result<Settled, EvalError> {
    let bad = |field: &str, message: String| EvalError::BadResult {
        policy: super::DECISION_PACKAGE.to_string(),
        rule: field.to_string(),
        message,
    };
    let result = match value.as_array().map(|a| a.as_slice()) {
        Ok([result]) => result,
        _ => return Err(bad("result", "undefined: the package defines no result".into())),
    };
    if has_undefined(result) {
        return Err(bad("result", "holds an undefined value".into()));
    }
    let result = serde_json::to_value(result).map_err(|e| bad("result", format!("unreadable: {e}")))?;
    let Value::Object(mut o) = result else {
        return Err(bad("result", format!("expected an object, found {}", kind_of(&result))));
    };
    fn field<T: serde::de::DeserializeOwned>(
        o: &mut serde_json::Map<String, Value>,
        name: &str,
        bad: &dyn Fn(&str, String) -> EvalError,
    ) -> Result<T, EvalError> {
        let field = format!("result.{name}");
        let v = o.remove(name).ok_or_else(|| bad(&field, "missing".into()))?;
        if let Value::Array(items) = &v {
            // Name the item, not just the list, for a team to find what its package got wrong.
            for (i, item) in items.iter().enumerate() {
                if let Err(e) = serde_json::from_value::<T>(Value::Array(vec![item.clone()])) {
                    return Err(bad(&format!("{field}[{i}]"), e.to_string()));
                }
            }
        }
        serde_json::from_value(v).map_err(|e| bad(&field, e.to_string()))
    }
    let outcome: Outcome = field(&mut o, "outcome", &bad)?;
    let mut violations: Vec<Violation> = field(&mut o, "violations", &bad)?;
    let mut waived: Vec<Waived> = field(&mut o, "waived", &bad)?;
    let mut warnings: Vec<Violation> = field(&mut o, "warnings", &bad)?;
    let required: Vec<RequiredApproval> = field(&mut o, "required_approvals", &bad)?;
    let obligations: Vec<Value> = field(&mut o, "obligations", &bad)?;
    // A team's package written before approvals were judged in Rego may leave them out.
    let approvals: Option<Vec<ApprovalUse>> =
        if o.contains_key("approvals") { Some(field(&mut o, "approvals", &bad)?) } else { None };
    // As the engine reads a policy's severity: in any case, written lowercase.
    let lowercase = |v: &mut Violation| v.severity = Severity::parse(v.severity.as_str());
    violations
        .iter_mut()
        .chain(warnings.iter_mut())
        .chain(waived.iter_mut().map(|w| &mut w.violation))
        .for_each(lowercase);
    Ok(Settled { outcome, violations, waived, warnings, required, obligations, approvals })
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use regorus::Value as R;

    fn set(items: Vec<R>) -> R {
        R::from(items.into_iter().collect::<BTreeSet<R>>())
    }

    fn obj(entries: Vec<(&str, R)>) -> R {
        R::from(entries.into_iter().map(|(k, v)| (R::from(k), v)).collect::<BTreeMap<R, R>>())
    }

    /// The second line behind the entry policy: whatever the VM hands back, a value that is or
    /// holds `Undefined` adds nothing, and the defined items beside it still count.
    #[test]
    fn undefined_values_add_nothing() {
        let pkg = PackageInfo {
            path: "team.x".into(),
            policy: "team.x".into(),
            heads: vec!["violation", "deny", "warn", "obligation", "required_approval"],
        };
        let result = obj(vec![(
            "team.x",
            obj(vec![
                ("violation", R::from(vec![R::Undefined])),
                ("deny", R::from(vec![set(vec![R::Undefined, R::from("kept")])])),
                ("warn", R::from(vec![obj(vec![("message", R::Undefined)])])),
                (
                    "obligation",
                    R::from(vec![R::from(vec![obj(vec![("type", R::from("mask")), ("connector", R::Undefined)])])]),
                ),
                ("required_approval", R::from(vec![R::Undefined])),
            ]),
        )]);
        let g = gather(&result, &NativeResults::new(), &[pkg], &SourceIndex::default()).unwrap();
        assert_eq!(g.violations.iter().map(|v| v.message.as_str()).collect::<Vec<_>>(), ["kept"]);
        assert!(g.warnings.is_empty());
        assert!(g.obligations.is_empty());
        assert!(g.required.is_empty());
    }
}
