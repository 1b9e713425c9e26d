//! The material view of an app: what an approver reviews (`core/docs/approvals.md`).
//!
//! A change to any of it can change what the app does with data, so an approval bound to
//! its digest stops counting (`stale`) once it differs; a change outside it (purpose,
//! labels, owner, dates, fields' samples) leaves the approval in force. The view is an
//! object of *parts*, each one item of the app, so a stale approval can say which items
//! changed since it was granted.

use super::Scope;
use crate::model::Manifest;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};

/// The material view of an app, or the part of it an approval's scope covers: part name
/// (`datasets/<name>`, `connectors/<name>`, `egress`, `auth`, `environment`, `secrets`)
/// → its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MaterialView {
    parts: BTreeMap<String, Value>,
}

/// A list sorted, each item once (the view does not depend on the order items are written in).
fn sorted<T: AsRef<str>>(items: &[T]) -> Vec<&str> {
    items.iter().map(AsRef::as_ref).collect::<BTreeSet<_>>().into_iter().collect()
}

impl MaterialView {
    /// The whole app's material view.
    pub fn of(app: &Manifest) -> MaterialView {
        let mut parts = BTreeMap::new();
        for d in &app.spec.datasets {
            let names: Vec<&str> = d.categories.iter().map(|c| c.as_str()).collect();
            let categories = sorted(&names);
            parts.insert(
                format!("datasets/{}", d.name),
                json!({
                    "classification": d.classification.as_str(),
                    "residency": d.residency,
                    "categories": categories,
                }),
            );
        }
        for c in &app.spec.connectors {
            parts.insert(
                format!("connectors/{}", c.name),
                json!({
                    "type": c.kind.as_str(),
                    "region": c.region,
                    "access": c.access.as_str(),
                    "datasets": sorted(&c.datasets),
                    "exportsPii": c.exports_pii,
                    "secretRef": c.secret_ref,
                }),
            );
        }
        parts.insert("egress".into(), json!(sorted(&app.spec.egress)));
        let auth = &app.spec.auth;
        parts.insert(
            "auth".into(),
            json!({
                "sso": auth.sso.as_str(),
                "mfa": auth.mfa,
                "localAccounts": auth.local_accounts,
                "roles": sorted(&auth.roles),
            }),
        );
        parts.insert("environment".into(), json!(app.spec.environment.as_str()));
        let secrets: BTreeMap<&str, &str> =
            app.spec.secrets.iter().map(|s| (s.name.as_str(), s.reference.as_str())).collect();
        parts.insert("secrets".into(), json!(secrets));
        MaterialView { parts }
    }

    /// The view an approval with `scope` binds to: the whole view for an approval of the
    /// whole app (or a scope that names neither a dataset nor a connector); else the
    /// datasets and connectors its scope reaches: the dataset it names with every
    /// connector that carries it, the connector it names with every dataset it carries.
    pub fn scoped(app: &Manifest, scope: Option<&Scope>) -> MaterialView {
        let whole = MaterialView::of(app);
        let Some(s) = scope.filter(|s| s.dataset.is_some() || s.connector.is_some()) else { return whole };
        let mut keep = BTreeSet::new();
        if let Some(d) = &s.dataset {
            keep.insert(format!("datasets/{d}"));
            for c in app.spec.connectors.iter().filter(|c| c.datasets.contains(d)) {
                keep.insert(format!("connectors/{}", c.name));
            }
        }
        if let Some(name) = &s.connector {
            keep.insert(format!("connectors/{name}"));
            for d in app.connector(name).map(|c| c.datasets.as_slice()).unwrap_or_default() {
                keep.insert(format!("datasets/{d}"));
            }
        }
        MaterialView { parts: whole.parts.into_iter().filter(|(k, _)| keep.contains(k)).collect() }
    }

    /// The view as JSON: part name → value.
    pub fn to_value(&self) -> Value {
        Value::Object(self.parts.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
    }

    /// `sha256:<64 hex>` of the view's canonical JSON (RFC 8785).
    pub fn digest(&self) -> String {
        sha256(&self.to_value())
    }

    /// Each part's `sha256:<64 hex>`, for [`changes`] to name what changed.
    pub fn part_digests(&self) -> BTreeMap<String, String> {
        self.parts.iter().map(|(k, v)| (k.clone(), sha256(v))).collect()
    }
}

fn sha256(v: &Value) -> String {
    // The view holds strings, booleans and objects only: always in the canonical subset.
    let text = crate::canonical::canonicalize(v).unwrap_or_default();
    let hash = Sha256::digest(text.as_bytes());
    let mut out = String::with_capacity(71);
    out.push_str("sha256:");
    for b in hash {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// What changed from the parts an approver reviewed (part → digest) to the current ones,
/// readable and sorted: `connector export added`, `dataset employees changed`,
/// `egress changed`, `connector old removed`.
pub fn changes(reviewed: &BTreeMap<String, String>, current: &BTreeMap<String, String>) -> Vec<String> {
    let name = |part: &str| match part.split_once('/') {
        Some(("datasets", n)) => format!("dataset {n}"),
        Some(("connectors", n)) => format!("connector {n}"),
        _ => part.to_string(),
    };
    let mut out = Vec::new();
    for (part, digest) in current {
        match reviewed.get(part) {
            None => out.push(format!("{} added", name(part))),
            Some(d) if d != digest => out.push(format!("{} changed", name(part))),
            Some(_) => {}
        }
    }
    for part in reviewed.keys().filter(|p| !current.contains_key(*p)) {
        out.push(format!("{} removed", name(part)));
    }
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app() -> Manifest {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/apps/hr-onboarding.yaml"))
            .unwrap();
        Manifest::from_yaml(&text).unwrap()
    }

    #[test]
    fn the_view_ignores_order_and_what_is_not_material() {
        let a = app();
        let mut b = a.clone();
        b.spec.purpose = Some("another purpose".into());
        b.metadata.labels.insert("team".into(), "people".into());
        b.spec.egress.reverse();
        assert_eq!(MaterialView::of(&a).digest(), MaterialView::of(&b).digest());
        b.spec.connectors[0].region = Some("aws:us-east-1".into());
        assert_ne!(MaterialView::of(&a).digest(), MaterialView::of(&b).digest());
    }

    #[test]
    fn a_scope_binds_to_what_it_reaches_and_changes_name_the_parts() {
        let a = app();
        let scope = Scope { exception: Some("pii.export".into()), dataset: None, connector: Some("payroll".into()) };
        let view = MaterialView::scoped(&a, Some(&scope));
        assert_eq!(
            view.part_digests().keys().cloned().collect::<Vec<_>>(),
            ["connectors/payroll", "datasets/employees"]
        );
        let mut b = a.clone();
        b.spec.connectors[2].region = Some("aws:us-east-1".into()); // it-tickets: outside the scope
        assert_eq!(MaterialView::scoped(&b, Some(&scope)).digest(), view.digest());
        b.spec.datasets[0].classification = crate::model::Classification::Public;
        let now = MaterialView::scoped(&b, Some(&scope)).part_digests();
        assert_eq!(changes(&view.part_digests(), &now), ["dataset employees changed"]);
        let whole = MaterialView::of(&a).part_digests();
        let mut c = a.clone();
        c.spec.connectors.pop();
        c.spec.egress.push("https://new.example".into());
        let diff = changes(&whole, &MaterialView::of(&c).part_digests());
        assert_eq!(diff, ["connector it-tickets removed", "egress changed"]);
    }
}
