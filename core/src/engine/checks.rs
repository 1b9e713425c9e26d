//! Native checks: `input.findings.checks` (`core/docs/input.md`).
//!
//! The bundled policies' per-item tests — does this flow leave its
//! residency, does this connector's secret live in an approved store, is
//! this egress host on the deny-list — run here, once per app, with the
//! parameters read from the bundles' data (`data.microgov.<policy>`). Each
//! check lists only the items that fail it, so the Rego rules iterate over
//! the few things they act on instead of every dataset, field, flow and
//! URL of the app (a loop iteration costs a few hundred nanoseconds in the
//! VM, a native comparison a few). The rules keep what a policy decides:
//! which check is a violation, its message, severity, remediation and
//! exception.

use super::egress::EgressPolicy;
use super::flow::FlowDoc;
use crate::detect::{egress::UrlFacts, EgressFinding, Findings, PiiFinding};
use crate::Manifest;
use serde::Serialize;
use std::collections::BTreeMap;

/// The checks' parameters, read once from the engine's data.
#[derive(Debug, Clone, Default)]
pub struct CheckSettings {
    /// `data.microgov.residency.adequacy`: residency → jurisdictions it may also flow to.
    pub adequacy: BTreeMap<String, Vec<String>>,
    /// `data.microgov.pii.max_retention_days`.
    pub max_retention_days: Option<u64>,
    /// `data.microgov.secrets.approved_stores`: reference prefixes; `None` when the data has none.
    pub approved_stores: Option<Vec<String>>,
    /// `data.microgov.secrets.max_rotation_days`.
    pub max_rotation_days: Option<u64>,
}

impl CheckSettings {
    /// Reads the parameters from a data document holding `microgov.*`.
    pub fn from_data(data: &serde_json::Value) -> Result<CheckSettings, (&'static str, serde_json::Error)> {
        let get = |p: &str| data.pointer(p).cloned();
        let adequacy = match get("/microgov/residency/adequacy") {
            Some(v) => serde_json::from_value(v).map_err(|e| ("residency.adequacy", e))?,
            None => BTreeMap::new(),
        };
        let approved_stores = match get("/microgov/secrets/approved_stores") {
            Some(v) => Some(serde_json::from_value(v).map_err(|e| ("secrets.approved_stores", e))?),
            None => None,
        };
        let number = |p: &str, what: &'static str| -> Result<Option<u64>, (&'static str, serde_json::Error)> {
            get(p).map(|v| serde_json::from_value(v).map_err(|e| (what, e))).transpose()
        };
        Ok(CheckSettings {
            adequacy,
            max_retention_days: number("/microgov/pii/max_retention_days", "pii.max_retention_days")?,
            approved_stores,
            max_rotation_days: number("/microgov/secrets/max_rotation_days", "secrets.max_rotation_days")?,
        })
    }
}

/// `input.findings.checks`: one list per check, holding the items that
/// fail it; a check nothing fails is absent.
#[derive(Serialize, Default)]
pub(crate) struct Checks<'a>(BTreeMap<&'static str, Vec<Item<'a>>>);

/// One failing item; its shape depends on the check's policy.
#[derive(Serialize)]
#[serde(untagged)]
pub(crate) enum Item<'a> {
    Residency(ResidencyCheck<'a>),
    Pii(PiiCheck<'a>),
    Secrets(SecretsCheck<'a>),
    Egress(EgressCheck<'a>),
}

impl<'a> Checks<'a> {
    fn add(&mut self, check: &'static str, item: Item<'a>) {
        self.0.entry(check).or_default().push(item);
    }
}

/// A dataset → connector flow that breaks a residency rule.
#[derive(Serialize)]
pub(crate) struct ResidencyCheck<'a> {
    pub path: String,
    pub dataset: &'a str,
    pub connector: &'a str,
    pub residency: Option<String>,
    pub region: Option<&'a str>,
    pub country: Option<&'a str>,
    pub jurisdiction: Option<&'a str>,
}

/// Personal data handled against the rules, or fields to mask.
#[derive(Serialize)]
pub(crate) struct PiiCheck<'a> {
    /// `mask` for the `mask` items, which are the pii policy's obligations as they are.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<&'static str>,
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dataset: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connector: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days: Option<u32>,
    /// The detector's finding, for `untagged_pii_field`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finding: Option<&'a PiiFinding>,
    /// The regulated fields a connector receives, for `mask`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<&'a str>,
}

/// A secret reference outside the approved stores, or rotated too rarely.
#[derive(Serialize)]
pub(crate) struct SecretsCheck<'a> {
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connector: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days: Option<u32>,
}

/// An egress URL or connector endpoint the platform refuses.
#[derive(Serialize)]
pub(crate) struct EgressCheck<'a> {
    pub path: &'a str,
    pub url: Option<&'a str>,
    pub host: Option<&'a str>,
    /// What is at fault: the issue code, scheme, port, address class or matched pattern.
    pub detail: String,
}

/// Runs every check.
pub(crate) fn run<'a>(
    app: &'a Manifest,
    flows: &[FlowDoc<'a>],
    detected: &'a Findings,
    regulated: &dyn Fn(&[crate::model::Category]) -> bool,
    s: &CheckSettings,
    egress: &EgressPolicy,
) -> Checks<'a> {
    let mut out = Checks::default();
    residency(&mut out, flows, s);
    pii(&mut out, app, detected, regulated, s);
    secrets(&mut out, app, s);
    egress_checks(&mut out, &detected.egress, egress);
    out
}

fn residency<'a>(out: &mut Checks<'a>, flows: &[FlowDoc<'a>], s: &CheckSettings) {
    let item = |path: String, f: &FlowDoc<'a>| {
        Item::Residency(ResidencyCheck {
            path,
            dataset: f.dataset,
            connector: f.connector,
            residency: f.residency.clone(),
            region: f.region,
            country: f.country,
            jurisdiction: f.jurisdiction,
        })
    };
    for f in flows {
        let region_path = || format!("/spec/connectors/{}/region", f.connector_index);
        if let Some(residency) = &f.residency {
            if !f.known_region {
                out.add("region_undeclared", item(format!("/spec/connectors/{}", f.connector_index), f));
            } else if !within(f, residency, s) {
                out.add("cross_border_transfer", item(region_path(), f));
            }
        }
        if f.sovereign_required && f.known_region && !f.sovereign_region {
            out.add("sovereign_region_required", item(region_path(), f));
        }
    }
}

/// A flow stays inside its residency, or goes where an adequacy entry allows.
fn within(f: &FlowDoc<'_>, residency: &str, s: &CheckSettings) -> bool {
    let inside = match f.residency_kind {
        Some("jurisdiction") => f.jurisdiction == Some(residency),
        Some("country") => f.country == Some(residency),
        _ => false,
    };
    inside || f.jurisdiction.is_some_and(|j| s.adequacy.get(residency).is_some_and(|a| a.iter().any(|x| x == j)))
}

fn pii<'a>(
    out: &mut Checks<'a>,
    app: &'a Manifest,
    detected: &'a Findings,
    regulated: &dyn Fn(&[crate::model::Category]) -> bool,
    s: &CheckSettings,
) {
    let base = |path: String| PiiCheck {
        kind: None,
        path,
        dataset: None,
        connector: None,
        days: None,
        finding: None,
        fields: Vec::new(),
    };
    for (i, c) in app.spec.connectors.iter().enumerate() {
        if c.exports_pii {
            out.add(
                "pii_export_unapproved",
                Item::Pii(PiiCheck { connector: Some(&c.name), ..base(format!("/spec/connectors/{i}/exportsPii")) }),
            );
        }
    }
    for (i, d) in app.spec.datasets.iter().enumerate().filter(|(_, d)| regulated(&d.categories)) {
        match d.retention_days {
            None => out.add(
                "retention_missing",
                Item::Pii(PiiCheck { dataset: Some(&d.name), ..base(format!("/spec/datasets/{i}")) }),
            ),
            Some(days) if s.max_retention_days.is_some_and(|max| u64::from(days) > max) => out.add(
                "retention_too_long",
                Item::Pii(PiiCheck {
                    dataset: Some(&d.name),
                    days: Some(days),
                    ..base(format!("/spec/datasets/{i}/retentionDays"))
                }),
            ),
            Some(_) => {}
        }
    }
    for f in detected.pii.iter().filter(|f| !f.tagged) {
        out.add(
            "untagged_pii_field",
            Item::Pii(PiiCheck { dataset: Some(&f.dataset), finding: Some(f), ..base(f.path.clone()) }),
        );
    }
    // Connectors that receive regulated fields but do not need raw values get them masked.
    for (i, c) in app.spec.connectors.iter().enumerate().filter(|(_, c)| !c.needs_raw_values) {
        let mut fields: Vec<&str> = c
            .datasets
            .iter()
            .filter_map(|d| app.dataset(d))
            .flat_map(|d| d.fields.iter().filter(|f| regulated(&f.categories)).map(|f| f.name.as_str()))
            .collect();
        if !fields.is_empty() {
            fields.sort_unstable();
            out.add(
                "mask",
                Item::Pii(PiiCheck {
                    kind: Some("mask"),
                    connector: Some(&c.name),
                    fields,
                    ..base(format!("/spec/connectors/{i}"))
                }),
            );
        }
    }
}

fn secrets<'a>(out: &mut Checks<'a>, app: &'a Manifest, s: &CheckSettings) {
    let base = |path: String| SecretsCheck { path, connector: None, secret: None, reference: None, days: None };
    let approved =
        |r: &str| s.approved_stores.as_ref().is_none_or(|stores| stores.iter().any(|p| r.starts_with(p.as_str())));
    let too_long = |days: Option<u32>| days.filter(|d| s.max_rotation_days.is_some_and(|max| u64::from(*d) > max));
    for (i, c) in app.spec.connectors.iter().enumerate() {
        if let Some(r) = c.secret_ref.as_deref().filter(|r| !approved(r)) {
            out.add(
                "unapproved_secret_store",
                Item::Secrets(SecretsCheck {
                    connector: Some(&c.name),
                    reference: Some(r),
                    ..base(format!("/spec/connectors/{i}/secretRef"))
                }),
            );
        }
        if let Some(days) = too_long(c.rotation_days) {
            out.add(
                "rotation_too_long",
                Item::Secrets(SecretsCheck {
                    connector: Some(&c.name),
                    days: Some(days),
                    ..base(format!("/spec/connectors/{i}/rotationDays"))
                }),
            );
        }
    }
    for (i, sec) in app.spec.secrets.iter().enumerate() {
        if !approved(&sec.reference) {
            out.add(
                "unapproved_secret_store",
                Item::Secrets(SecretsCheck {
                    secret: Some(&sec.name),
                    reference: Some(&sec.reference),
                    ..base(format!("/spec/secrets/{i}/ref"))
                }),
            );
        }
        if let Some(days) = too_long(sec.rotation_days) {
            out.add(
                "rotation_too_long",
                Item::Secrets(SecretsCheck {
                    secret: Some(&sec.name),
                    days: Some(days),
                    ..base(format!("/spec/secrets/{i}/rotationDays"))
                }),
            );
        }
    }
}

fn egress_checks<'a>(out: &mut Checks<'a>, findings: &'a [EgressFinding], policy: &EgressPolicy) {
    for f in findings {
        let declared = f.path.starts_with("/spec/egress/");
        for p in policy.problems(&UrlFacts::of_finding(f), declared) {
            out.add(
                p.code,
                Item::Egress(EgressCheck {
                    path: &f.path,
                    url: f.url.as_deref(),
                    host: f.host.as_deref(),
                    detail: p.detail,
                }),
            );
        }
    }
}
