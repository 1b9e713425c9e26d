//! `microgov.secrets` natively (`policy-bundles/secrets/secrets.rego`).

use super::{violation, Facts, Heads};
use serde_json::Value;

pub(super) fn heads(x: &Facts<'_>) -> Heads {
    let s = &x.settings.checks;
    let mut out = Heads::default();
    for f in &x.detected.secrets {
        if s.allowed_findings.iter().any(|a| a.path == f.path && a.rule == f.rule) {
            continue;
        }
        let message = format!("{} at {} ({})", f.description, f.path, f.preview);
        out.violation.push(violation("inline_secret", message, f.path.clone(), &[("severity", Value::from("high"))]));
    }
    let approved = |r: &str| s.approved_stores.as_ref().is_none_or(|stores| stores.iter().any(|p| r.starts_with(p)));
    // Each holder of a credential: who it is, its reference, its rotation, where it sits.
    let connectors = x.app.spec.connectors.iter().enumerate().map(|(i, c)| {
        let owner = format!("connector {}", c.name);
        (owner, Some(c), c.secret_ref.as_deref(), c.rotation_days, format!("/spec/connectors/{i}"), "secretRef")
    });
    let secrets = x.app.spec.secrets.iter().enumerate().map(|(i, sec)| {
        let owner = format!("secret {}", sec.name);
        (owner, None, Some(sec.reference.as_str()), sec.rotation_days, format!("/spec/secrets/{i}"), "ref")
    });
    for (owner, connector, reference, rotation, at, ref_key) in connectors.chain(secrets) {
        // A connector's violations name the datasets it carries; a secret entry's name none.
        let extra: Vec<(&str, Value)> = match connector {
            Some(c) => vec![("connector", Value::from(c.name.as_str())), ("datasets", Value::from(c.datasets.clone()))],
            None => vec![("connector", Value::Null)],
        };
        if let Some(r) = reference.filter(|r| !approved(r)) {
            let message = format!("{owner} references its secret in an unapproved store: {r}");
            out.violation.push(violation("unapproved_secret_store", message, format!("{at}/{ref_key}"), &extra));
        }
        if let (Some(days), Some(max)) = (rotation, s.max_rotation_days) {
            if u64::from(days) > max {
                let message = format!("{owner} rotates its credential every {days} days, more than {max}");
                out.violation.push(violation("rotation_too_long", message, format!("{at}/rotationDays"), &extra));
            }
        }
    }
    out
}
