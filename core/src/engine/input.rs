//! Enrich: the input document policies read (`core/docs/input.md`).
//!
//! Everything a policy needs to join or look up is prepared here, natively:
//! defaults, the risk score, region → jurisdiction lookups, each dataset →
//! connector flow with both ends, lifecycle, the detectors' findings and the
//! approvals with their validity. Policies then only compare.

use super::Settings;
use crate::model::{lifecycle, ApprovalStatus, Approval, Manifest};
use crate::risk::RiskAssessment;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Map, Value};

/// An approval with the verdict on its validity.
pub(crate) struct JudgedApproval<'a> {
    pub approval: &'a Approval,
    pub status: ApprovalStatus,
}

pub(crate) fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// Builds the input document `{app, findings, context}`.
pub(crate) fn build(
    app: &Manifest,
    app_value: Value,
    risk: &RiskAssessment,
    settings: &Settings,
    now: DateTime<Utc>,
    approvals: &[JudgedApproval<'_>],
    extra: &Value,
) -> Value {
    let catalog = &settings.catalog;
    let mut connectors = Map::new();
    for (i, c) in app.spec.connectors.iter().enumerate() {
        let region = c.region.as_deref().and_then(|r| catalog.region(r));
        let host = c.endpoint.as_deref().and_then(|e| url::Url::parse(e).ok()).and_then(|u| u.host_str().map(|h| h.trim_end_matches('.').to_ascii_lowercase()));
        connectors.insert(
            c.name.clone(),
            json!({
                "index": i,
                "region": c.region,
                "known_region": region.is_some(),
                "provider": region.map(|r| r.provider.as_str()),
                "country": region.map(|r| r.country.as_str()),
                "jurisdiction": region.map(|r| r.jurisdiction.as_str()),
                "sovereign": region.is_some_and(|r| r.sovereign),
                "external": c.external,
                "host": host,
                "pii_datasets": c.datasets.iter().filter(|d| app.dataset(d).is_some_and(|d| d.categories.iter().any(|c| settings.regulated.contains(c.as_str())))).collect::<Vec<_>>(),
            }),
        );
    }
    let mut datasets = Map::new();
    let mut flows = Vec::new();
    for (i, d) in app.spec.datasets.iter().enumerate() {
        let residency = d.residency.as_deref().and_then(|r| catalog.residency(r));
        let users: Vec<&str> = app.spec.connectors.iter().filter(|c| c.datasets.contains(&d.name)).map(|c| c.name.as_str()).collect();
        let pii_fields: Vec<&str> = d.fields.iter().filter(|f| f.categories.iter().any(|c| settings.regulated.contains(c.as_str()))).map(|f| f.name.as_str()).collect();
        datasets.insert(
            d.name.clone(),
            json!({
                "index": i,
                "categories": d.categories,
                "regulated": !pii_fields.is_empty(),
                "regulated_fields": pii_fields,
                "residency": residency.as_ref().map(|r| r.code()),
                "residency_kind": residency.as_ref().map(|r| match r { crate::model::Residency::Jurisdiction(_) => "jurisdiction", crate::model::Residency::Country(_) => "country" }),
                "connectors": users,
            }),
        );
        for c in app.spec.connectors.iter().filter(|c| c.datasets.contains(&d.name)) {
            let region = c.region.as_deref().and_then(|r| catalog.region(r));
            let ci = app.spec.connectors.iter().position(|x| x.name == c.name).unwrap_or(0);
            flows.push(json!({
                "dataset": d.name,
                "dataset_index": i,
                "connector": c.name,
                "connector_index": ci,
                "access": c.access,
                "residency": residency.as_ref().map(|r| r.code()),
                "residency_kind": residency.as_ref().map(|r| match r { crate::model::Residency::Jurisdiction(_) => "jurisdiction", crate::model::Residency::Country(_) => "country" }),
                "sovereign_required": d.sovereign,
                "encryption": d.encryption,
                "region": c.region,
                "known_region": region.is_some(),
                "country": region.map(|r| r.country.as_str()),
                "jurisdiction": region.map(|r| r.jurisdiction.as_str()),
                "sovereign_region": region.is_some_and(|r| r.sovereign),
            }));
        }
    }
    let state = lifecycle::state(app, now, settings.expiring_within_days);
    let lifetime_days = (app.metadata.expires_at - app.metadata.created_at).num_days();
    let lifecycle_v = json!({
        "state": state.as_str(),
        "days_left": (app.metadata.expires_at - now).num_days(),
        "lifetime_days": lifetime_days,
    });
    let approvals_v: Vec<Value> = approvals
        .iter()
        .map(|j| {
            json!({
                "id": j.approval.id,
                "approver": j.approval.approver,
                "roles": j.approval.roles,
                "scope": j.approval.scope,
                "granted_at": rfc3339(j.approval.granted_at),
                "expires_at": rfc3339(j.approval.expires_at),
                "status": j.status.as_str(),
                "valid": j.status == ApprovalStatus::Valid,
            })
        })
        .collect();
    let detected = crate::detect::scan(&app_value);
    let mut findings = Map::new();
    findings.insert("risk".into(), json!({"score": risk.score, "tier": risk.tier, "factors": risk.factors}));
    findings.insert("lifecycle".into(), lifecycle_v);
    findings.insert("connectors".into(), Value::Object(connectors));
    findings.insert("datasets".into(), Value::Object(datasets));
    findings.insert("flows".into(), Value::Array(flows));
    findings.insert("secrets".into(), serde_json::to_value(&detected.secrets).unwrap_or_default());
    findings.insert("pii".into(), serde_json::to_value(&detected.pii).unwrap_or_default());
    findings.insert("egress".into(), serde_json::to_value(&detected.egress).unwrap_or_default());
    json!({
        "app": app_value,
        "findings": findings,
        "context": {
            "now": rfc3339(now),
            "tenant": app.metadata.tenant,
            "approvals": approvals_v,
            "extra": extra,
        }
    })
}
