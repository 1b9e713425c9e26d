//! `microgov.egress` natively (`policy-bundles/egress/egress.rego`): the same test as the
//! runtime [`crate::EgressGuard`], through [`crate::EgressPolicy`]'s problem list.

use super::{violation, Facts, Heads};
use crate::detect::egress::UrlFacts;
use serde_json::Value;

pub(super) fn heads(x: &Facts<'_>) -> Heads {
    let policy = &x.settings.egress;
    let mut out = Heads::default();
    for f in &x.detected.egress {
        let what = f.url.as_deref().unwrap_or(&f.path);
        let host = f.host.as_deref().unwrap_or_default();
        for p in policy.problems(&UrlFacts::of_finding(f), f.declared) {
            let d = &p.detail;
            let message = match p.code {
                "internal_address" => format!("egress {what} resolves to an internal address ({d})"),
                "suspicious_url" => format!("URL at {} is suspicious: {d}", f.path),
                "non_https" => {
                    format!("egress {what} uses {d}; only {} are allowed", policy.allowed_schemes.join(", "))
                }
                "port_not_allowed" => format!("egress {what} uses port {d}"),
                "denied_host" => format!("egress host {host} is denied by the platform ({d})"),
                _ => format!("egress host {host} is not on the platform allow-list"),
            };
            // The allow-list is the one egress rule a scoped exception may waive.
            let waiver = [("exception", Value::from("egress.host"))];
            let extra: &[(&str, Value)] = if p.code == "host_not_allowed" { &waiver } else { &[] };
            let v = violation(p.code, message, f.path.clone(), extra);
            out.violation.push(v);
        }
    }
    out
}
