//! Enrich: the input document policies read (`core/docs/input.md`).
//!
//! Everything a policy needs to join or look up is prepared here, natively:
//! defaults, the risk score, region → jurisdiction lookups, each dataset →
//! connector flow with both ends, lifecycle, the detectors' findings and the
//! approvals with their validity. Policies then only compare.
//!
//! The document is a tree of borrowed, typed structs serialized straight
//! into the regorus value the VM reads; JSON is produced only on request.

use super::checks::{self, Checks};
use super::Settings;
use crate::detect::Findings as Detected;
use crate::model::{lifecycle, Access, ApprovalStatus, Approval, Category, Encryption, Manifest, Residency, Scope};
use crate::risk::RiskAssessment;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// An approval with the verdict on its validity.
pub(crate) struct JudgedApproval<'a> {
    pub approval: &'a Approval,
    pub status: ApprovalStatus,
}

pub(crate) fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// The part of `input.findings` that depends on the manifest alone (and the
/// engine's data), so a prepared app computes it once.
#[derive(Serialize)]
pub(crate) struct StaticFindings<'a> {
    pub risk: &'a RiskAssessment,
    pub connectors: BTreeMap<&'a str, ConnectorDoc<'a>>,
    pub datasets: BTreeMap<&'a str, DatasetDoc<'a>>,
    pub flows: Vec<FlowDoc<'a>>,
    /// Whether any dataset holds regulated personal data.
    pub regulated: bool,
    pub checks: Checks<'a>,
    #[serde(flatten)]
    pub detected: &'a Detected,
}

#[derive(Serialize)]
pub(crate) struct LifecycleDoc {
    pub state: &'static str,
    pub days_left: i64,
    pub lifetime_days: i64,
}

#[derive(Serialize)]
pub(crate) struct ConnectorDoc<'a> {
    pub index: usize,
    pub region: Option<&'a str>,
    pub known_region: bool,
    pub provider: Option<&'a str>,
    pub country: Option<&'a str>,
    pub jurisdiction: Option<&'a str>,
    pub sovereign: bool,
    pub external: bool,
    pub host: Option<String>,
    pub regulated_datasets: Vec<&'a str>,
}

#[derive(Serialize)]
pub(crate) struct DatasetDoc<'a> {
    pub index: usize,
    pub categories: &'a [Category],
    pub regulated: bool,
    pub regulated_fields: Vec<&'a str>,
    pub residency: Option<String>,
    pub residency_kind: Option<&'static str>,
    pub connectors: Vec<&'a str>,
}

#[derive(Serialize, Clone)]
pub(crate) struct FlowDoc<'a> {
    pub dataset: &'a str,
    pub dataset_index: usize,
    pub connector: &'a str,
    pub connector_index: usize,
    pub access: Access,
    pub residency: Option<String>,
    pub residency_kind: Option<&'static str>,
    pub sovereign_required: bool,
    pub encryption: Encryption,
    pub region: Option<&'a str>,
    pub known_region: bool,
    pub country: Option<&'a str>,
    pub jurisdiction: Option<&'a str>,
    pub sovereign_region: bool,
}

#[derive(Serialize)]
pub(crate) struct ContextDoc<'a> {
    pub now: String,
    pub tenant: Option<&'a str>,
    pub approvals: Vec<ApprovalDoc<'a>>,
    pub extra: &'a serde_json::Value,
}

#[derive(Serialize)]
pub(crate) struct ApprovalDoc<'a> {
    pub id: &'a str,
    pub approver: &'a str,
    pub roles: &'a [String],
    pub scope: &'a Option<Scope>,
    pub granted_at: String,
    pub expires_at: String,
    pub status: &'static str,
    pub valid: bool,
}

fn residency_parts(r: Option<Residency>) -> (Option<String>, Option<&'static str>) {
    match r {
        Some(Residency::Jurisdiction(c)) => (Some(c), Some("jurisdiction")),
        Some(Residency::Country(c)) => (Some(c), Some("country")),
        None => (None, None),
    }
}

/// Builds the manifest-only findings.
pub(crate) fn build_static<'a>(app: &'a Manifest, risk: &'a RiskAssessment, settings: &'a Settings, detected: &'a Detected) -> StaticFindings<'a> {
    let catalog = &*settings.catalog;
    let regulated = |cats: &[Category]| cats.iter().any(|c| settings.regulated.contains(c.as_str()));
    let mut connectors = BTreeMap::new();
    for (i, c) in app.spec.connectors.iter().enumerate() {
        let region = c.region.as_deref().and_then(|r| catalog.region(r));
        let host = c.endpoint.as_deref().and_then(|e| url::Url::parse(e).ok()).and_then(|u| u.host_str().map(|h| h.trim_end_matches('.').to_ascii_lowercase()));
        connectors.insert(
            c.name.as_str(),
            ConnectorDoc {
                index: i,
                region: c.region.as_deref(),
                known_region: region.is_some(),
                provider: region.map(|r| r.provider.as_str()),
                country: region.map(|r| r.country.as_str()),
                jurisdiction: region.map(|r| r.jurisdiction.as_str()),
                sovereign: region.is_some_and(|r| r.sovereign),
                external: c.external,
                host,
                regulated_datasets: c.datasets.iter().filter(|d| app.dataset(d).is_some_and(|d| regulated(&d.categories))).map(String::as_str).collect(),
            },
        );
    }
    let mut datasets = BTreeMap::new();
    let mut flows = Vec::new();
    for (i, d) in app.spec.datasets.iter().enumerate() {
        let (residency, residency_kind) = residency_parts(d.residency.as_deref().and_then(|r| catalog.residency(r)));
        datasets.insert(
            d.name.as_str(),
            DatasetDoc {
                index: i,
                categories: &d.categories,
                regulated: regulated(&d.categories),
                regulated_fields: d.fields.iter().filter(|f| regulated(&f.categories)).map(|f| f.name.as_str()).collect(),
                residency: residency.clone(),
                residency_kind,
                connectors: app.spec.connectors.iter().filter(|c| c.datasets.contains(&d.name)).map(|c| c.name.as_str()).collect(),
            },
        );
        for (ci, c) in app.spec.connectors.iter().enumerate().filter(|(_, c)| c.datasets.contains(&d.name)) {
            let region = c.region.as_deref().and_then(|r| catalog.region(r));
            flows.push(FlowDoc {
                dataset: &d.name,
                dataset_index: i,
                connector: &c.name,
                connector_index: ci,
                access: c.access,
                residency: residency.clone(),
                residency_kind,
                sovereign_required: d.sovereign,
                encryption: d.encryption,
                region: c.region.as_deref(),
                known_region: region.is_some(),
                country: region.map(|r| r.country.as_str()),
                jurisdiction: region.map(|r| r.jurisdiction.as_str()),
                sovereign_region: region.is_some_and(|r| r.sovereign),
            });
        }
    }
    let checks = checks::run(app, &flows, detected, &regulated, &settings.checks, &settings.egress);
    let regulated = datasets.values().any(|d| d.regulated);
    StaticFindings { risk, connectors, datasets, flows, regulated, checks, detected }
}

/// `input.findings.lifecycle` at `now`.
pub(crate) fn lifecycle_doc(app: &Manifest, settings: &Settings, now: DateTime<Utc>) -> LifecycleDoc {
    LifecycleDoc {
        state: lifecycle::state(app, now, settings.expiring_within_days).as_str(),
        days_left: (app.metadata.expires_at - now).num_days(),
        lifetime_days: (app.metadata.expires_at - app.metadata.created_at).num_days(),
    }
}

/// `input.context`.
pub(crate) fn context_doc<'a>(app: &'a Manifest, now: DateTime<Utc>, approvals: &'a [JudgedApproval<'a>], extra: &'a serde_json::Value) -> ContextDoc<'a> {
    ContextDoc {
        now: rfc3339(now),
        tenant: app.metadata.tenant.as_deref(),
        approvals: approvals
            .iter()
            .map(|j| ApprovalDoc {
                id: &j.approval.id,
                approver: &j.approval.approver,
                roles: &j.approval.roles,
                scope: &j.approval.scope,
                granted_at: rfc3339(j.approval.granted_at),
                expires_at: rfc3339(j.approval.expires_at),
                status: j.status.as_str(),
                valid: j.status == ApprovalStatus::Valid,
            })
            .collect(),
        extra,
    }
}
