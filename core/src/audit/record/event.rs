//! Building an event: the setters, the JSON and decision forms, and the checks an event must
//! pass before the log stamps it.

use super::schema::{check_action, check_text, check_word};
use super::time::parse_rfc3339;
use super::{Event, Fields, PolicyRef, MAX_FIELD};
use crate::audit::merkle::truncate;
use crate::audit::AuditError;
use chrono::{DateTime, Datelike, Utc};
use serde_json::{Map, Value};
use std::net::IpAddr;

impl Event {
    /// An event with this action and nothing else.
    pub fn new(action: impl Into<String>) -> Self {
        Event { action: action.into(), ..Event::default() }
    }

    /// Sets the tenant.
    pub fn tenant(mut self, id: impl Into<String>) -> Self {
        self.tenant_id = Some(id.into());
        self
    }

    /// Sets the app.
    pub fn app(mut self, id: impl Into<String>) -> Self {
        self.app_id = Some(id.into());
        self
    }

    /// Sets who acted and what kind of actor it is (`user`, `service`, `agent`).
    pub fn principal(mut self, id: impl Into<String>, kind: impl Into<String>) -> Self {
        self.principal_id = Some(id.into());
        self.principal_type = Some(kind.into());
        self
    }

    /// Sets what was acted on.
    pub fn resource(mut self, kind: impl Into<String>, id: impl Into<String>) -> Self {
        self.resource_type = Some(kind.into());
        self.resource_id = Some(id.into());
        self
    }

    /// Sets the client address.
    pub fn ip(mut self, addr: impl Into<String>) -> Self {
        self.ip_address = Some(addr.into());
        self
    }

    /// Sets the outcome.
    pub fn outcome(mut self, outcome: impl Into<String>) -> Self {
        self.outcome = Some(outcome.into());
        self
    }

    /// Sets the request correlation id.
    pub fn request(mut self, id: impl Into<String>) -> Self {
        self.request_id = Some(id.into());
        self
    }

    /// Sets the decision id.
    pub fn decision(mut self, id: impl Into<String>) -> Self {
        self.decision_id = Some(id.into());
        self
    }

    /// Sets the policy and its revision.
    pub fn policy(mut self, id: impl Into<String>, revision: impl Into<String>) -> Self {
        self.policy = Some(PolicyRef { id: id.into(), revision: revision.into() });
        self
    }

    /// Adds a dataset tag.
    pub fn tag(mut self, tag: impl Into<String>) -> Self {
        self.dataset_tags.push(tag.into());
        self
    }

    /// Sets one free attribute.
    pub fn attr(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.attrs.insert(key.into(), value.into());
        self
    }

    /// Fixes the record time instead of letting the log stamp it.
    pub fn at(mut self, ts: DateTime<Utc>) -> Self {
        self.ts = Some(ts);
        self
    }

    /// Builds an event from a JSON object with the record's member names (without `v`,
    /// `log_id`, `seq` and `prev`, which the log assigns); `ts` may be any RFC 3339 time.
    /// This is what the bindings hand over.
    pub fn from_json(value: &Value) -> Result<Event, AuditError> {
        let Value::Object(map) = value else {
            return Err(AuditError::bad_event("/", "an event must be a json object"));
        };
        for key in ["v", "log_id", "seq", "prev"] {
            if map.contains_key(key) {
                return Err(AuditError::bad_event(key, "assigned by the log, not by the caller"));
            }
        }
        let mut map = map.clone();
        let ts =
            match map.remove("ts") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(parse_rfc3339(&s).ok_or_else(|| {
                    AuditError::bad_event("ts", format!("not an RFC 3339 time: {:?}", truncate(&s, 60)))
                })?),
                Some(_) => return Err(AuditError::bad_event("ts", "must be a string")),
            };
        // Absent and null mean the same for the optional members.
        map.retain(|_, v| !v.is_null());
        let mut event: Event = serde_json::from_value(Value::Object(map))
            .map_err(|e| AuditError::BadEvent { field: "/".into(), reason: e.to_string() })?;
        event.ts = ts;
        event.validate()?;
        Ok(event)
    }

    /// Turns a policy decision (the engine's JSON output, snake_case keys) into a
    /// `policy.evaluate` event: `decision_id`, `app` → `app_id` and `resource`, `outcome`;
    /// tier, risk score, input digest, evaluation time, policy revisions, violated rules,
    /// waivers and missing approval roles go into `attrs`. Violation messages and remediation
    /// text are left out: rules are identified by policy and rule id, and messages may quote
    /// manifest values. The caller adds tenant and principal.
    pub fn from_decision_json(decision: &Value) -> Result<Event, AuditError> {
        let Value::Object(d) = decision else {
            return Err(AuditError::bad_event("/", "a decision must be a json object"));
        };
        let req_str = |key: &str| -> Result<String, AuditError> {
            match d.get(key) {
                Some(Value::String(s)) => Ok(s.clone()),
                _ => Err(AuditError::bad_event(key, "decision field missing or not a string")),
            }
        };
        let app = req_str("app")?;
        let mut e = Event::new("policy.evaluate")
            .decision(req_str("decision_id")?)
            .outcome(req_str("outcome")?)
            .resource("app", app.clone())
            .app(app);
        if let Some(Value::String(t)) = d.get("tenant") {
            e.tenant_id = Some(t.clone());
        }
        let mut attrs = Map::new();
        for key in ["tier", "input_digest", "evaluated_at"] {
            if let Some(v) = d.get(key) {
                attrs.insert(key.to_string(), v.clone());
            }
        }
        if let Some(score) = d.get("risk").and_then(|r| r.get("score")) {
            attrs.insert("risk_score".into(), score.clone());
        }
        if let Some(Value::Object(revs)) = d.get("policy_revisions") {
            if revs.len() == 1 {
                if let Some((id, Value::String(rev))) = revs.iter().next() {
                    e.policy = Some(PolicyRef { id: id.clone(), revision: rev.clone() });
                }
            }
            attrs.insert("policy_revisions".into(), Value::Object(revs.clone()));
        }
        let pick = |v: &Value, keys: &[&str]| -> Value {
            let mut out = Map::new();
            for k in keys {
                if let Some(x) = v.get(*k) {
                    out.insert((*k).to_string(), x.clone());
                }
            }
            Value::Object(out)
        };
        if let Some(Value::Array(vs)) = d.get("violations") {
            let list = vs.iter().map(|v| pick(v, &["policy", "rule", "severity", "path"])).collect();
            attrs.insert("violations".into(), Value::Array(list));
        }
        if let Some(Value::Array(ws)) = d.get("waived") {
            let list = ws
                .iter()
                .map(|w| {
                    let mut o = Map::new();
                    if let Some(id) = w.get("approval_id") {
                        o.insert("approval_id".into(), id.clone());
                    }
                    if let Some(v) = w.get("violation") {
                        if let Value::Object(pv) = pick(v, &["policy", "rule"]) {
                            o.extend(pv);
                        }
                    }
                    Value::Object(o)
                })
                .collect();
            attrs.insert("waived".into(), Value::Array(list));
        }
        if let Some(Value::Array(rs)) = d.get("required_approvals") {
            let list = rs.iter().filter_map(|r| r.get("role").cloned()).collect();
            attrs.insert("required_approvals".into(), Value::Array(list));
        }
        e.attrs = attrs;
        e.validate()?;
        Ok(e)
    }

    /// This event with the members of `extra` (an event object, possibly partial) over it:
    /// `attrs` are merged key by key, every other member given replaces this event's. The
    /// result is validated as any event is.
    pub fn merged(&self, extra: &Value) -> Result<Event, AuditError> {
        let Value::Object(extra) = extra else {
            return Err(AuditError::bad_event("/", "an event must be a json object"));
        };
        let mut merged = serde_json::to_value(self)
            .map_err(|e| AuditError::BadEvent { field: "/".into(), reason: e.to_string() })?;
        if let Value::Object(m) = &mut merged {
            for (k, v) in extra {
                match (k.as_str(), m.get_mut("attrs"), v) {
                    ("attrs", Some(Value::Object(a)), Value::Object(more)) => {
                        a.extend(more.iter().map(|(k, v)| (k.clone(), v.clone())))
                    }
                    (_, _, v) => {
                        m.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        Event::from_json(&merged)
    }

    /// Checks every field against the record rules (see `core/docs/audit-format.md`), so that
    /// a bad event is refused before it takes a seq.
    pub fn validate(&self) -> Result<(), AuditError> {
        check_action(&self.action).map_err(|r| AuditError::bad_event("action", r))?;
        let texts = [
            ("tenant_id", &self.tenant_id),
            ("app_id", &self.app_id),
            ("principal_id", &self.principal_id),
            ("resource_type", &self.resource_type),
            ("resource_id", &self.resource_id),
            ("request_id", &self.request_id),
            ("decision_id", &self.decision_id),
        ];
        for (name, value) in texts {
            if let Some(v) = value {
                check_text(v, MAX_FIELD).map_err(|r| AuditError::bad_event(name, r))?;
            }
        }
        for (name, value) in [("principal_type", &self.principal_type), ("outcome", &self.outcome)] {
            if let Some(v) = value {
                check_word(v).map_err(|r| AuditError::bad_event(name, r))?;
            }
        }
        if let Some(ip) = &self.ip_address {
            if ip.parse::<IpAddr>().is_err() {
                return Err(AuditError::bad_event("ip_address", format!("not an ip address: {:?}", truncate(ip, 60))));
            }
        }
        if let Some(p) = &self.policy {
            check_text(&p.id, MAX_FIELD).map_err(|r| AuditError::bad_event("policy.id", r))?;
            check_text(&p.revision, MAX_FIELD).map_err(|r| AuditError::bad_event("policy.revision", r))?;
        }
        for tag in &self.dataset_tags {
            check_text(tag, MAX_FIELD).map_err(|r| AuditError::bad_event("dataset_tags", r))?;
        }
        if let Some(ts) = &self.ts {
            if !(0..=9999).contains(&ts.year()) {
                return Err(AuditError::bad_event("ts", "year outside 0000..9999"));
            }
        }
        // attrs are checked while they are written (one pass).
        Ok(())
    }

    pub(crate) fn fields(&self) -> Fields<'_> {
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
