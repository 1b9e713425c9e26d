//! `microgov.pii` natively (`policy-bundles/pii/pii.rego`).

use super::{violation, Facts, Heads};
use crate::model::Sso;
use serde_json::Value;

pub(super) fn heads(x: &Facts<'_>) -> Heads {
    let s = &x.settings.checks;
    let app = x.app;
    let mut out = Heads::default();
    if let Some(exception) = s.export_exception.as_deref() {
        for (i, c) in app.spec.connectors.iter().enumerate().filter(|(_, c)| c.exports_pii) {
            let message = format!("connector {} exports personal data without a pii.export approval", c.name);
            let extra = [
                ("connector", Value::from(c.name.as_str())),
                ("datasets", Value::from(c.datasets.clone())),
                ("exception", Value::from(exception)),
            ];
            out.violation.push(violation(
                "pii_export_unapproved",
                message,
                format!("/spec/connectors/{i}/exportsPii"),
                &extra,
            ));
        }
    }
    for (i, d) in app.spec.datasets.iter().enumerate().filter(|(_, d)| x.regulated(&d.categories)) {
        let extra = [("dataset", Value::from(d.name.as_str()))];
        match (d.retention_days, s.max_retention_days) {
            (None, _) => out.violation.push(violation(
                "retention_missing",
                format!("dataset {} holds personal data but sets no retentionDays", d.name),
                format!("/spec/datasets/{i}"),
                &extra,
            )),
            (Some(days), Some(max)) if u64::from(days) > max => out.violation.push(violation(
                "retention_too_long",
                format!("dataset {} keeps personal data {days} days, more than {max}", d.name),
                format!("/spec/datasets/{i}/retentionDays"),
                &extra,
            )),
            _ => {}
        }
    }
    for f in x.detected.pii.iter().filter(|f| !f.tagged) {
        let categories: Vec<&str> = f.categories.iter().map(|c| c.as_str()).collect();
        let message = format!(
            "field {} of dataset {} looks like {} ({}) but is not tagged {}",
            f.field,
            f.dataset,
            wire(&f.kind),
            wire(&f.source),
            categories.join(", ")
        );
        out.violation.push(violation(
            "untagged_pii_field",
            message,
            f.path.clone(),
            &[("dataset", Value::from(f.dataset.as_str()))],
        ));
    }
    if app.spec.datasets.iter().any(|d| x.regulated(&d.categories)) {
        let auth = &app.spec.auth;
        if s.require_sso && auth.sso == Sso::None {
            out.violation.push(violation(
                "sso_required",
                "app holds personal data but has no single sign-on".into(),
                "/spec/auth/sso",
                &[],
            ));
        }
        if s.require_mfa && !auth.mfa {
            out.violation.push(violation(
                "mfa_required",
                "app holds personal data but does not enforce multi-factor authentication".into(),
                "/spec/auth/mfa",
                &[],
            ));
        }
        if s.forbid_local_accounts && auth.local_accounts {
            out.violation.push(violation(
                "local_accounts_forbidden",
                "app holds personal data and allows local accounts".into(),
                "/spec/auth/localAccounts",
                &[],
            ));
        }
    }
    // Connectors that receive regulated fields but do not need raw values get them masked.
    for (i, c) in app.spec.connectors.iter().enumerate().filter(|(_, c)| !c.needs_raw_values) {
        let mut fields: Vec<&str> = c
            .datasets
            .iter()
            .filter_map(|d| app.dataset(d))
            .flat_map(|d| d.fields.iter().filter(|f| x.regulated(&f.categories)).map(|f| f.name.as_str()))
            .collect();
        if !fields.is_empty() {
            fields.sort_unstable();
            let mut o = serde_json::Map::new();
            o.insert("type".into(), Value::from("mask"));
            o.insert("connector".into(), Value::from(c.name.as_str()));
            o.insert("fields".into(), Value::from(fields));
            o.insert("path".into(), Value::from(format!("/spec/connectors/{i}")));
            out.obligation.push(Value::Object(o));
        }
    }
    out
}

/// The wire spelling of a detector enum (`email`, `name`).
fn wire<T: serde::Serialize>(t: &T) -> String {
    match serde_json::to_value(t) {
        Ok(Value::String(s)) => s,
        _ => String::new(),
    }
}
