//! Reading a record back from its line, and turning it into its line, hash or event again.

use super::schema::check_record;
use super::time::parse_rfc3339;
use super::write::write_record;
use super::{Event, Fields, PolicyRef, Record, Stamp, RECORD_VERSION};
use crate::audit::merkle::{decode_hex32_strict, leaf_hash, Hash};
use crate::audit::AuditError;
use crate::canonical::{self, Node};
use serde_json::{Map, Value};

impl Record {
    /// Parses one line (without its line feed) strictly: canonical JSON in the subset that
    /// follows the record schema, as the verifier requires.
    pub fn from_line(line: &str) -> Result<Record, AuditError> {
        let node = canonical::parse(line.as_bytes(), true).map_err(|e| e.into_audit("line"))?;
        check_record(&node).map_err(|reason| AuditError::BadRecord { at: "line".into(), reason })?;
        let Node::Object(members) = &node else {
            return Err(AuditError::BadRecord { at: "line".into(), reason: "not an object".into() });
        };
        let mut r = Record {
            v: RECORD_VERSION,
            log_id: String::new(),
            seq: 0,
            ts: String::new(),
            action: String::new(),
            tenant_id: None,
            app_id: None,
            principal_id: None,
            principal_type: None,
            resource_type: None,
            resource_id: None,
            ip_address: None,
            outcome: None,
            request_id: None,
            decision_id: None,
            policy: None,
            dataset_tags: Vec::new(),
            attrs: Map::new(),
            prev: Hash::ZERO,
        };
        for (k, v) in members {
            let s = || match v {
                Node::Str(s) => s.to_string(),
                _ => String::new(),
            };
            match (k.as_ref(), v) {
                ("log_id", _) => r.log_id = s(),
                ("seq", Node::Int(n)) => r.seq = *n as u64,
                ("ts", _) => r.ts = s(),
                ("action", _) => r.action = s(),
                ("tenant_id", _) => r.tenant_id = Some(s()),
                ("app_id", _) => r.app_id = Some(s()),
                ("principal_id", _) => r.principal_id = Some(s()),
                ("principal_type", _) => r.principal_type = Some(s()),
                ("resource_type", _) => r.resource_type = Some(s()),
                ("resource_id", _) => r.resource_id = Some(s()),
                ("ip_address", _) => r.ip_address = Some(s()),
                ("outcome", _) => r.outcome = Some(s()),
                ("request_id", _) => r.request_id = Some(s()),
                ("decision_id", _) => r.decision_id = Some(s()),
                ("prev", Node::Str(p)) => r.prev = Hash(decode_hex32_strict(p.as_bytes(), true).unwrap_or_default()),
                ("policy", policy) => {
                    if let Value::Object(m) = canonical::node_to_value(policy) {
                        let get = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or("").to_string();
                        r.policy = Some(PolicyRef { id: get("id"), revision: get("revision") });
                    }
                }
                ("dataset_tags", Node::Array(items)) => {
                    r.dataset_tags = items
                        .iter()
                        .map(|i| match i {
                            Node::Str(s) => s.to_string(),
                            _ => String::new(),
                        })
                        .collect()
                }
                ("attrs", attrs) => {
                    if let Value::Object(m) = canonical::node_to_value(attrs) {
                        r.attrs = m;
                    }
                }
                _ => {}
            }
        }
        Ok(r)
    }

    /// The canonical line of this record (without the line feed).
    pub fn to_line(&self) -> Result<String, AuditError> {
        let mut out = Vec::new();
        let stamp = Stamp { log_id: &self.log_id, seq: self.seq, ts: &self.ts, prev: &self.prev };
        write_record(&mut out, &self.fields(), &stamp)?;
        String::from_utf8(out).map_err(|e| AuditError::BadRecord { at: "record".into(), reason: e.to_string() })
    }

    /// The record hash, `SHA-256(0x00 || line)`.
    pub fn hash(&self) -> Result<Hash, AuditError> {
        Ok(leaf_hash(self.to_line()?.as_bytes()))
    }

    /// The caller-supplied part of the record, with `ts` fixed to the record's time.
    pub fn to_event(&self) -> Event {
        Event {
            action: self.action.clone(),
            ts: parse_rfc3339(&self.ts),
            tenant_id: self.tenant_id.clone(),
            app_id: self.app_id.clone(),
            principal_id: self.principal_id.clone(),
            principal_type: self.principal_type.clone(),
            resource_type: self.resource_type.clone(),
            resource_id: self.resource_id.clone(),
            ip_address: self.ip_address.clone(),
            outcome: self.outcome.clone(),
            request_id: self.request_id.clone(),
            decision_id: self.decision_id.clone(),
            policy: self.policy.clone(),
            dataset_tags: self.dataset_tags.clone(),
            attrs: self.attrs.clone(),
        }
    }

    fn fields(&self) -> Fields<'_> {
        Fields {
            action: &self.action,
            tenant_id: self.tenant_id.as_deref(),
            app_id: self.app_id.as_deref(),
            principal_id: self.principal_id.as_deref(),
            principal_type: self.principal_type.as_deref(),
            resource_type: self.resource_type.as_deref(),
            resource_id: self.resource_id.as_deref(),
            ip_address: self.ip_address.as_deref(),
            outcome: self.outcome.as_deref(),
            request_id: self.request_id.as_deref(),
            decision_id: self.decision_id.as_deref(),
            policy: self.policy.as_ref(),
            dataset_tags: &self.dataset_tags,
            attrs: &self.attrs,
        }
    }
}
