//! Granting an approval: bound to what the approver sees now, and signed when a key is
//! given (`microgov approve`, and the bindings' `approve`; `core/docs/approvals.md`).

use super::Engine;
use crate::audit::{sign_approval, SigningKey};
use crate::model::approval::approvals_from_value;
use crate::model::{codes, Approval, ApprovalStatus, Manifest, ManifestError, Problem, Scope};
use crate::Result;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};

/// What an approver grants: the roles, the scope and the validity of a new approval.
#[derive(Debug, Clone)]
pub struct Grant {
    /// Who approves (e-mail address).
    pub approver: String,
    /// The roles they act in.
    pub roles: Vec<String>,
    /// End of validity.
    pub expires_at: DateTime<Utc>,
    /// Start of validity (the evaluation time the grant is checked at).
    pub granted_at: DateTime<Utc>,
    /// What it covers; `None` approves the whole app.
    pub scope: Option<Scope>,
    /// Why it is granted.
    pub justification: Option<String>,
    /// Its id; `<app>-<12 hex digits of its hash>` when `None`.
    pub id: Option<String>,
}

/// The member of an approvals file item a refusal points at.
fn member_of(status: ApprovalStatus) -> &'static str {
    match status {
        ApprovalStatus::SelfApproval => "/0/approver",
        ApprovalStatus::UnverifiedRole | ApprovalStatus::RoleNotHeld => "/0/roles",
        ApprovalStatus::ScopeMismatch | ApprovalStatus::ByokRequired => "/0/scope",
        ApprovalStatus::TooLong => "/0/expiresAt",
        _ => "/0",
    }
}

impl Engine {
    /// Grants an approval of `app`: checks it as a decision at `granted_at` would, refuses
    /// one that could never count (`manifest.approval_would_not_count`, pointing at the
    /// member to change: self-approval, a role the directory does not grant, a scope the app
    /// lacks, a lifetime longer than its kind's), binds it to the app's material view as it
    /// is now ([`Approval::bind_to`]), gives it an id, and signs it with `key` (last, so the
    /// signature covers all of it). Invalid values (an approver that is no e-mail address,
    /// no role, an expiry not after the grant) are `manifest.invalid` problems as in an
    /// approvals file.
    pub fn grant(&self, app: &Manifest, grant: &Grant, key: Option<&SigningKey>) -> Result<Approval> {
        let time = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::AutoSi, true);
        let mut doc = json!({
            "id": grant.id.clone().unwrap_or_else(|| "pending".into()),
            "app": app.metadata.name,
            "approver": grant.approver,
            "roles": grant.roles,
            "grantedAt": time(grant.granted_at),
            "expiresAt": time(grant.expires_at),
        });
        if let Some(scope) = &grant.scope {
            doc["scope"] = serde_json::to_value(scope).unwrap_or(Value::Null);
        }
        if let Some(j) = &grant.justification {
            doc["justification"] = json!(j);
        }
        let mut approval = approvals_from_value(&Value::Array(vec![doc]))
            .map_err(ManifestError::approvals)?
            .pop()
            .ok_or_else(|| ManifestError::approvals(vec![Problem::new(codes::MISSING, "/0", "no approval")]))?;
        let (status, reason) = approval.check(app, grant.granted_at, &self.inner.settings.approvals);
        if matches!(
            status,
            ApprovalStatus::SelfApproval
                | ApprovalStatus::UnverifiedRole
                | ApprovalStatus::RoleNotHeld
                | ApprovalStatus::ScopeMismatch
                | ApprovalStatus::TooLong
        ) {
            let message = format!("this approval would be {status} ({reason}): not granted");
            return Err(ManifestError::approvals(vec![Problem::new(
                codes::APPROVAL_WOULD_NOT_COUNT,
                member_of(status),
                message,
            )])
            .into());
        }
        approval.bind_to(app);
        if grant.id.is_none() {
            // From everything it says, so two approvals of one app get two ids.
            use sha2::{Digest, Sha256};
            let text = approval.signed_text().unwrap_or_default();
            let hex: String = Sha256::digest(text.as_bytes()).iter().take(6).map(|b| format!("{b:02x}")).collect();
            approval.id = format!("{}-{hex}", app.metadata.name);
        }
        if let Some(key) = key {
            sign_approval(&mut approval, key)?;
        }
        Ok(approval)
    }
}
