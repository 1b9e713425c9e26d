//! `microgov.residency` natively (`policy-bundles/residency/residency.rego`).

use super::{violation, Facts, Heads};
use crate::engine::flow::FlowDoc;
use serde_json::Value;

pub(super) fn heads(x: &Facts<'_>) -> Heads {
    let mut out = Heads::default();
    for f in x.flows {
        let ends = [("dataset", Value::from(f.dataset)), ("connector", Value::from(f.connector))];
        let region_path = || format!("/spec/connectors/{}/region", f.connector_index);
        let region = f.region.unwrap_or_default();
        if let Some(residency) = &f.residency {
            if !f.known_region {
                let message = format!(
                    "connector {} carries dataset {} (residency {residency}) but declares no region",
                    f.connector, f.dataset
                );
                let path = format!("/spec/connectors/{}", f.connector_index);
                out.violation.push(violation("region_undeclared", message, path, &ends));
            } else if let Some(exception) = x.settings.checks.transfer_exception.as_deref().filter(|_| {
                // Without an exception kind in the data the Rego object is undefined: no violation.
                !within(f, residency, x)
            }) {
                let message = format!(
                    "dataset {} (residency {residency}) flows through connector {} to {region} in {} ({})",
                    f.dataset,
                    f.connector,
                    f.country.unwrap_or_default(),
                    f.jurisdiction.unwrap_or_default()
                );
                let [d, c] = ends.clone();
                let extra = [d, c, ("exception", Value::from(exception))];
                out.violation.push(violation("cross_border_transfer", message, region_path(), &extra));
            }
        }
        if f.sovereign_required && f.known_region && !f.sovereign_region {
            let message = format!(
                "dataset {} must stay in a sovereign cloud, but connector {} runs in {region}",
                f.dataset, f.connector
            );
            out.violation.push(violation("sovereign_region_required", message, region_path(), &ends));
        }
    }
    out
}

/// A flow stays inside its residency (the same jurisdiction, or the same country for a
/// country residency), or goes where an adequacy entry allows.
fn within(f: &FlowDoc<'_>, residency: &str, x: &Facts<'_>) -> bool {
    let inside = match f.residency_kind {
        Some("jurisdiction") => f.jurisdiction == Some(residency),
        Some("country") => f.country == Some(residency),
        _ => false,
    };
    let adequate = |j: &str| x.settings.checks.adequacy.get(residency).is_some_and(|a| a.iter().any(|x| x == j));
    inside || f.jurisdiction.is_some_and(adequate)
}
