//! The audit event of an approval granted or revoked: one call, so every host records the
//! same fields (`core/docs/approvals.md`, audit records).

use super::Event;
use crate::audit::AuditError;
use crate::model::Approval;
use serde_json::{json, Map, Value};

impl Event {
    /// The event that records `approval`: `approval.revoke` when it carries `revokedAt`
    /// (stamped then), else `exception.grant` for an exception (a scope with `exception`)
    /// or `approval.grant` (stamped at `grantedAt`). The approver is the principal (a
    /// `user`), the approval the resource; `attrs` hold its roles, scope, digest, expiry and
    /// justification. For a revocation by someone else, merge their `principal_id` over it
    /// ([`Event::merged`]).
    pub fn from_approval(approval: &Approval) -> Result<Event, AuditError> {
        let exception = approval.scope.as_ref().and_then(|s| s.exception.as_deref());
        let (action, ts) = match (approval.revoked_at, exception) {
            (Some(at), _) => ("approval.revoke", at),
            (None, Some(_)) => ("exception.grant", approval.granted_at),
            (None, None) => ("approval.grant", approval.granted_at),
        };
        let mut attrs = Map::new();
        attrs.insert("roles".into(), json!(approval.roles));
        if let Some(scope) = &approval.scope {
            let scope = serde_json::to_value(scope).map_err(|e| AuditError::bad_event("attrs", e.to_string()))?;
            attrs.insert("scope".into(), scope);
        }
        if let Some(d) = &approval.digest {
            attrs.insert("digest".into(), json!(d));
        }
        attrs.insert("granted_at".into(), json!(rfc3339(approval.granted_at)));
        attrs.insert("expires_at".into(), json!(rfc3339(approval.expires_at)));
        if let Some(j) = &approval.justification {
            attrs.insert("justification".into(), Value::String(j.clone()));
        }
        // The key name of its signature line (`— <name> <base64>`), not the signature.
        if let Some(name) = approval.signature.as_deref().and_then(|s| s.strip_prefix("\u{2014} ")?.split(' ').next()) {
            attrs.insert("signed_by".into(), Value::String(name.to_string()));
        }
        let mut e = Event::new(action)
            .app(approval.app.clone())
            .principal(approval.approver.clone(), "user")
            .resource("approval", approval.id.clone())
            .outcome("success")
            .at(ts);
        e.attrs = attrs;
        e.validate()?;
        Ok(e)
    }
}

fn rfc3339(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::approval::approvals_from_str;

    fn approvals() -> Vec<Approval> {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fixtures/approvals/hr-onboarding-bound.yaml"
        ))
        .unwrap();
        approvals_from_str(&text).unwrap()
    }

    #[test]
    fn a_grant_an_exception_and_a_revocation_each_make_their_record() {
        let all = approvals();
        let grant = Event::from_approval(&all[0]).unwrap();
        assert_eq!(grant.action, "approval.grant");
        assert_eq!(grant.principal_id.as_deref(), Some("sec.lead@acme.example"));
        assert_eq!((grant.resource_type.as_deref(), grant.resource_id.as_deref()), (Some("approval"), Some("apr-sec")));
        assert_eq!(grant.ts, Some(all[0].granted_at));
        assert_eq!(grant.attrs["expires_at"], "2027-02-20T00:00:00Z");
        assert_eq!(grant.attrs["digest"].as_str(), all[0].digest.as_deref());
        assert_eq!(grant.attrs["roles"], json!(["security"]));
        let exception = Event::from_approval(&all[2]).unwrap();
        assert_eq!(exception.action, "exception.grant");
        assert_eq!(exception.attrs["scope"]["exception"], "residency.transfer");
        let mut revoked = all[2].clone();
        revoked.revoked_at = Some("2026-12-01T00:00:00Z".parse().unwrap());
        let revoke = Event::from_approval(&revoked).unwrap();
        assert_eq!(revoke.action, "approval.revoke");
        assert_eq!(revoke.ts, revoked.revoked_at);
        let by = revoke.merged(&json!({"principal_id": "ciso@acme.example"})).unwrap();
        assert_eq!(by.principal_id.as_deref(), Some("ciso@acme.example"));
        assert!(grant.attrs.get("signed_by").is_none(), "an unsigned approval names no key");
    }

    #[test]
    fn a_signed_approval_records_the_key_it_was_signed_with() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../fixtures/approvals/hr-onboarding-signed.yaml"
        ))
        .unwrap();
        let signed = approvals_from_str(&text).unwrap().remove(0);
        let e = Event::from_approval(&signed).unwrap();
        assert_eq!(e.attrs["signed_by"], "ciso@acme.example");
    }
}
