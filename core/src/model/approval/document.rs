//! An approval as its file holds it (camelCase keys, RFC 3339 times), and the text its
//! signature covers (`core/docs/approvals.md`, signed approvals).

use super::Approval;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Map, Value};

fn time(t: DateTime<Utc>) -> Value {
    Value::String(t.to_rfc3339_opts(SecondsFormat::AutoSi, true))
}

impl Approval {
    /// The approval as an approvals file item: the file's key names, times in RFC 3339 UTC
    /// (`Z`, fractions only when there are any), absent members left out. Reading it back
    /// with [`super::approvals_from_value`] gives this approval again.
    pub fn to_document(&self) -> Value {
        let mut m = Map::new();
        m.insert("id".into(), json!(self.id));
        m.insert("app".into(), json!(self.app));
        m.insert("approver".into(), json!(self.approver));
        m.insert("roles".into(), json!(self.roles));
        if let Some(scope) = &self.scope {
            let mut s = Map::new();
            for (key, v) in
                [("exception", &scope.exception), ("dataset", &scope.dataset), ("connector", &scope.connector)]
            {
                if let Some(v) = v {
                    s.insert(key.into(), json!(v));
                }
            }
            m.insert("scope".into(), Value::Object(s));
        }
        m.insert("grantedAt".into(), time(self.granted_at));
        m.insert("expiresAt".into(), time(self.expires_at));
        if let Some(j) = &self.justification {
            m.insert("justification".into(), json!(j));
        }
        if let Some(r) = self.revoked_at {
            m.insert("revokedAt".into(), time(r));
        }
        if let Some(d) = &self.digest {
            m.insert("digest".into(), json!(d));
        }
        if !self.reviewed.is_empty() {
            m.insert("reviewed".into(), json!(self.reviewed));
        }
        if let Some(s) = &self.signature {
            m.insert("signature".into(), json!(s));
        }
        Value::Object(m)
    }

    /// The text an approval's signature covers: the RFC 8785 canonical JSON of
    /// [`Approval::to_document`] without `signature`, and a line feed. It is the text of a
    /// C2SP signed note, so `signature` is that note's signature line and any signed-note
    /// verifier (Go's `golang.org/x/mod/sumdb/note`) checks it against the approver's key.
    /// `None` when a member is outside the canonical subset (never for a parsed approval).
    pub fn signed_text(&self) -> Option<String> {
        let mut doc = self.to_document();
        if let Value::Object(m) = &mut doc {
            m.remove("signature");
        }
        let mut text = crate::canonical::canonicalize(&doc).ok()?;
        text.push('\n');
        Some(text)
    }
}
