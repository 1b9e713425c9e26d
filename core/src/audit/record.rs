//! Audit records: the event a caller fills, the record the log writes, and the one canonical
//! byte form both are hashed in.
//!
//! A record line is written by hand in member-name order rather than through a generic JSON
//! serializer: every top-level name is ASCII, so their canonical order is fixed, and writing
//! straight into the output buffer keeps the in-memory chain well above 300,000 records/s.

use std::net::IpAddr;

use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::merkle::{decode_hex32_strict, leaf_hash, truncate, Hash};
use super::AuditError;
use crate::canonical::{self, Node};

/// The record format version this crate writes and reads.
pub const RECORD_VERSION: i64 = 1;

/// Longest record line accepted, in bytes without the line feed (1 MiB). Bounds the memory a
/// verifier needs for one line of an untrusted file.
pub const MAX_LINE: usize = 1 << 20;

/// Longest value of the free-text string fields (`tenant_id`, `resource_id`, ...), in bytes.
pub const MAX_FIELD: usize = 1024;

/// The policy a record refers to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolicyRef {
    /// Policy or bundle id.
    pub id: String,
    /// Its revision (bundle `.manifest` revision, semver, git sha...).
    pub revision: String,
}

/// What a caller records: everything in a record except what the log assigns (`v`, `log_id`,
/// `seq`, `prev`, and `ts` unless set here).
///
/// ```
/// use microgov::audit::Event;
/// let e = Event::new("approval.grant")
///     .tenant("acme")
///     .app("expense-approver")
///     .principal("sec.lead@acme.example", "user")
///     .outcome("success")
///     .attr("role", "security");
/// assert!(e.validate().is_ok());
/// assert!(Event::new("Approval Grant").validate().is_err());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    /// Dotted lowercase verb: `policy.evaluate`, `approval.grant`, `data.export`, ...
    pub action: String,
    /// Overrides the time the log would stamp (truncated to microseconds); for deterministic
    /// output and for importing events that happened earlier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ts: Option<DateTime<Utc>>,
    /// Tenant (organisation) the event belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    /// The micro app concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_id: Option<String>,
    /// Who acted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal_id: Option<String>,
    /// What kind of actor: `user`, `service`, `agent`, ... (lowercase word).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal_type: Option<String>,
    /// Kind of the object acted on (`app`, `dataset`, `connector`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    /// Id of the object acted on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<String>,
    /// Client address (IPv4 or IPv6 text form).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
    /// Result: `allow`, `deny`, `review`, `success`, `failure`, ... (lowercase word).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// Correlation id of the request that caused the event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Id of the policy decision behind the event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_id: Option<String>,
    /// Policy id and revision that applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<PolicyRef>,
    /// Tags of the datasets touched (classification, residency, ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dataset_tags: Vec<String>,
    /// Anything else, as JSON restricted to the canonical-safe subset (no floats, integers
    /// within ±(2^53−1)).
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub attrs: Map<String, Value>,
}

/// One line of the log, as read back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Format version, 1.
    pub v: i64,
    /// The log this record belongs to (also the checkpoint origin).
    pub log_id: String,
    /// Position in the log, from 0, without gaps.
    pub seq: u64,
    /// When it was recorded: RFC 3339 UTC with microseconds, `2026-11-26T10:00:00.123456Z`.
    pub ts: String,
    /// See [`Event::action`].
    pub action: String,
    /// See [`Event::tenant_id`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    /// See [`Event::app_id`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_id: Option<String>,
    /// See [`Event::principal_id`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal_id: Option<String>,
    /// See [`Event::principal_type`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal_type: Option<String>,
    /// See [`Event::resource_type`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    /// See [`Event::resource_id`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<String>,
    /// See [`Event::ip_address`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_address: Option<String>,
    /// See [`Event::outcome`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// See [`Event::request_id`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// See [`Event::decision_id`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision_id: Option<String>,
    /// See [`Event::policy`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<PolicyRef>,
    /// See [`Event::dataset_tags`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dataset_tags: Vec<String>,
    /// See [`Event::attrs`].
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub attrs: Map<String, Value>,
    /// Hash of the previous record (zeros for seq 0).
    pub prev: Hash,
}

/// The caller-supplied part of a record, borrowed from an [`Event`] or a [`Record`].
pub(crate) struct Fields<'a> {
    action: &'a str,
    tenant_id: Option<&'a str>,
    app_id: Option<&'a str>,
    principal_id: Option<&'a str>,
    principal_type: Option<&'a str>,
    resource_type: Option<&'a str>,
    resource_id: Option<&'a str>,
    ip_address: Option<&'a str>,
    outcome: Option<&'a str>,
    request_id: Option<&'a str>,
    decision_id: Option<&'a str>,
    policy: Option<&'a PolicyRef>,
    dataset_tags: &'a [String],
    attrs: &'a Map<String, Value>,
}

/// What the log assigns to a record.
pub(crate) struct Stamp<'a> {
    pub log_id: &'a str,
    pub seq: u64,
    pub ts: &'a str,
    pub prev: &'a Hash,
}

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

    /// A decision's `policy.evaluate` event ([`Event::from_decision_json`]) with the caller's
    /// own members over it ([`Event::merged`]): the one way every binding and the command
    /// line record a decision.
    pub fn from_decision(decision: &crate::engine::Decision, extra: Option<&Value>) -> Result<Event, AuditError> {
        let base = Event::from_decision_json(&decision.to_value())?;
        match extra {
            Some(extra) => base.merged(extra),
            None => Ok(base),
        }
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

fn key(out: &mut Vec<u8>, first: &mut bool, name: &str) {
    if !*first {
        out.push(b',');
    }
    *first = false;
    out.push(b'"');
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\":");
}

fn opt(out: &mut Vec<u8>, first: &mut bool, name: &str, value: Option<&str>) {
    if let Some(v) = value {
        key(out, first, name);
        canonical::write_str(out, v);
    }
}

/// Appends the canonical line of a record (no line feed) to `out`. Members are written in
/// their canonical order; absent optional members, empty `dataset_tags` and empty `attrs` are
/// omitted. On error `out` is left as it was.
pub(crate) fn write_record(out: &mut Vec<u8>, f: &Fields<'_>, s: &Stamp<'_>) -> Result<(), AuditError> {
    let start = out.len();
    let result = write_members(out, f, s);
    if result.is_err() {
        out.truncate(start);
    } else if out.len() - start > MAX_LINE {
        out.truncate(start);
        return Err(AuditError::bad_event("/", format!("record longer than {MAX_LINE} bytes")));
    }
    result
}

fn write_members(out: &mut Vec<u8>, f: &Fields<'_>, s: &Stamp<'_>) -> Result<(), AuditError> {
    let first = &mut true;
    out.push(b'{');
    key(out, first, "action");
    canonical::write_str(out, f.action);
    opt(out, first, "app_id", f.app_id);
    if !f.attrs.is_empty() {
        key(out, first, "attrs");
        let mut path = String::from("/attrs");
        canonical::write_map(out, f.attrs, &mut path, 1)
            .map_err(|e| AuditError::BadEvent { field: e.pointer, reason: e.reason })?;
    }
    if !f.dataset_tags.is_empty() {
        key(out, first, "dataset_tags");
        out.push(b'[');
        for (i, t) in f.dataset_tags.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            canonical::write_str(out, t);
        }
        out.push(b']');
    }
    opt(out, first, "decision_id", f.decision_id);
    opt(out, first, "ip_address", f.ip_address);
    key(out, first, "log_id");
    canonical::write_str(out, s.log_id);
    opt(out, first, "outcome", f.outcome);
    if let Some(p) = f.policy {
        key(out, first, "policy");
        out.extend_from_slice(b"{\"id\":");
        canonical::write_str(out, &p.id);
        out.extend_from_slice(b",\"revision\":");
        canonical::write_str(out, &p.revision);
        out.push(b'}');
    }
    key(out, first, "prev");
    out.push(b'"');
    let mut hex = String::with_capacity(64);
    super::merkle::push_hex(&mut hex, &s.prev.0);
    out.extend_from_slice(hex.as_bytes());
    out.push(b'"');
    opt(out, first, "principal_id", f.principal_id);
    opt(out, first, "principal_type", f.principal_type);
    opt(out, first, "request_id", f.request_id);
    opt(out, first, "resource_id", f.resource_id);
    opt(out, first, "resource_type", f.resource_type);
    key(out, first, "seq");
    canonical::write_int(out, s.seq as i64);
    opt(out, first, "tenant_id", f.tenant_id);
    key(out, first, "ts");
    canonical::write_str(out, s.ts);
    key(out, first, "v");
    canonical::write_int(out, RECORD_VERSION);
    out.push(b'}');
    Ok(())
}

/// What the verifier needs from a record line.
pub(crate) struct RecordView<'n> {
    pub log_id: &'n str,
    pub seq: u64,
    pub prev: [u8; 32],
}

const OPTIONAL_STRINGS: [&str; 10] = [
    "tenant_id",
    "app_id",
    "principal_id",
    "principal_type",
    "resource_type",
    "resource_id",
    "ip_address",
    "outcome",
    "request_id",
    "decision_id",
];

/// Checks a parsed line against the record schema (the "verifier checks" of the spec) and
/// returns the members the chain needs. The error is the reason, for `bad_record`.
pub(crate) fn check_record<'n>(node: &'n Node<'_>) -> Result<RecordView<'n>, String> {
    let Node::Object(members) = node else {
        return Err("record is not a json object".into());
    };
    let (mut v, mut log_id, mut seq, mut ts, mut action, mut prev) = (false, None, None, false, false, None);
    for (k, val) in members {
        let name: &str = k;
        match (name, val) {
            ("v", Node::Int(RECORD_VERSION)) => v = true,
            ("v", _) => return Err("member \"v\" must be 1".into()),
            ("log_id", Node::Str(s)) => {
                check_log_id(s)?;
                log_id = Some(s.as_ref());
            }
            ("seq", Node::Int(n)) if *n >= 0 => seq = Some(*n as u64),
            ("ts", Node::Str(s)) if parse_ts_fields(s).is_some() => ts = true,
            ("ts", _) => return Err("member \"ts\" is not YYYY-MM-DDTHH:MM:SS.ffffffZ".into()),
            ("action", Node::Str(s)) => {
                check_action(s)?;
                action = true;
            }
            ("prev", Node::Str(s)) => match decode_hex32_strict(s.as_bytes(), true) {
                Some(h) => prev = Some(h),
                None => return Err("member \"prev\" is not 64 lowercase hex digits".into()),
            },
            ("policy", Node::Object(m))
                if m.len() == 2
                    && matches!(&m[0], (k, Node::Str(_)) if k == "id")
                    && matches!(&m[1], (k, Node::Str(_)) if k == "revision") => {}
            ("policy", _) => return Err("member \"policy\" must be {\"id\": string, \"revision\": string}".into()),
            ("dataset_tags", Node::Array(items)) if items.iter().all(|i| matches!(i, Node::Str(_))) => {}
            ("dataset_tags", _) => return Err("member \"dataset_tags\" must be an array of strings".into()),
            ("attrs", Node::Object(_)) => {}
            ("attrs", _) => return Err("member \"attrs\" must be an object".into()),
            (n, Node::Str(_)) if OPTIONAL_STRINGS.contains(&n) => {}
            (n, _) if OPTIONAL_STRINGS.contains(&n) => return Err(format!("member {n:?} must be a string")),
            ("seq", _) => return Err("member \"seq\" must be a non-negative integer".into()),
            ("log_id", _) => return Err("member \"log_id\" must be a string".into()),
            ("action", _) => return Err("member \"action\" must be a string".into()),
            ("prev", _) => return Err("member \"prev\" must be a string".into()),
            (n, _) => return Err(format!("unknown member {:?}", truncate(n, 60))),
        }
    }
    let missing = |m: &str| Err(format!("missing member {m:?}"));
    if !action {
        return missing("action");
    }
    let Some(log_id) = log_id else {
        return missing("log_id");
    };
    let Some(prev) = prev else {
        return missing("prev");
    };
    let Some(seq) = seq else {
        return missing("seq");
    };
    if !ts {
        return missing("ts");
    }
    if !v {
        return missing("v");
    }
    Ok(RecordView { log_id, seq, prev })
}

/// `log_id`: 1 to 255 bytes of visible ASCII, so that it can be a checkpoint origin line.
pub(crate) fn check_log_id(s: &str) -> Result<(), String> {
    if s.is_empty() || s.len() > 255 || !s.bytes().all(|b| (0x21..=0x7E).contains(&b)) {
        return Err(format!("log id must be 1 to 255 visible ascii characters: {:?}", truncate(s, 60)));
    }
    Ok(())
}

/// Dotted lowercase: `^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$`, at most 128 bytes.
pub(crate) fn check_action(s: &str) -> Result<(), String> {
    let ok = s.len() <= 128
        && s.contains('.')
        && s.split('.').all(|seg| {
            let b = seg.as_bytes();
            !b.is_empty()
                && b[0].is_ascii_lowercase()
                && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_')
        });
    if ok {
        Ok(())
    } else {
        Err(format!("must be dotted lowercase like \"policy.evaluate\": {:?}", truncate(s, 60)))
    }
}

/// A lowercase word `^[a-z][a-z0-9_]*$` of at most 64 bytes.
fn check_word(s: &str) -> Result<(), String> {
    let b = s.as_bytes();
    let ok = !b.is_empty()
        && b.len() <= 64
        && b[0].is_ascii_lowercase()
        && b.iter().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_');
    if ok {
        Ok(())
    } else {
        Err(format!("must be a lowercase word like \"user\": {:?}", truncate(s, 60)))
    }
}

fn check_text(s: &str, max: usize) -> Result<(), String> {
    if s.len() > max {
        return Err(format!("longer than {max} bytes"));
    }
    // Unicode category Cc: C0 (bytes < 0x20), DEL, and C1 (U+0080..U+009F = C2 80..C2 9F).
    let b = s.as_bytes();
    let control = b
        .iter()
        .enumerate()
        .any(|(i, &c)| c < 0x20 || c == 0x7F || (c == 0xC2 && matches!(b.get(i + 1), Some(0x80..=0x9F))));
    if control {
        return Err("contains a control character".into());
    }
    Ok(())
}

/// Formats a record time: `YYYY-MM-DDTHH:MM:SS.ffffffZ`, truncated to microseconds. A leap
/// second (chrono's nanosecond ≥ 10^9) is clamped to :59.999999 so the form stays valid.
pub(crate) fn format_ts(t: &DateTime<Utc>) -> Result<String, AuditError> {
    let t = t.naive_utc();
    let year = t.year();
    if !(0..=9999).contains(&year) {
        return Err(AuditError::bad_event("ts", "year outside 0000..9999"));
    }
    let micros = (t.nanosecond() / 1000).min(999_999);
    let mut b = *b"0000-00-00T00:00:00.000000Z";
    let mut put = |at: usize, width: usize, mut v: u32| {
        for i in (0..width).rev() {
            b[at + i] = b'0' + (v % 10) as u8;
            v /= 10;
        }
    };
    put(0, 4, year as u32);
    put(5, 2, t.month());
    put(8, 2, t.day());
    put(11, 2, t.hour());
    put(14, 2, t.minute());
    put(17, 2, t.second());
    put(20, 6, micros);
    // Only ASCII digits and separators were written.
    String::from_utf8(b.to_vec()).map_err(|e| AuditError::bad_event("ts", e.to_string()))
}

/// Checks the record time form exactly (`YYYY-MM-DDTHH:MM:SS.ffffffZ`, a real proleptic
/// Gregorian date, hour 00..23, minute and second 00..59) and returns its fields. Written out
/// by hand because the verifier calls it for every line.
pub(crate) fn parse_ts_fields(s: &str) -> Option<[u32; 7]> {
    let b = s.as_bytes();
    if b.len() != 27 {
        return None;
    }
    for (i, &c) in b.iter().enumerate() {
        let ok = match i {
            4 | 7 => c == b'-',
            10 => c == b'T',
            13 | 16 => c == b':',
            19 => c == b'.',
            26 => c == b'Z',
            _ => c.is_ascii_digit(),
        };
        if !ok {
            return None;
        }
    }
    let num = |r: std::ops::Range<usize>| b[r].iter().fold(0u32, |acc, c| acc * 10 + u32::from(c - b'0'));
    let (y, mo, d) = (num(0..4), num(5..7), num(8..10));
    let (h, mi, sec, us) = (num(11..13), num(14..16), num(17..19), num(20..26));
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days = match mo {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if d == 0 || d > days || h > 23 || mi > 59 || sec > 59 {
        return None;
    }
    Some([y, mo, d, h, mi, sec, us])
}

/// Parses the record time form into a time (see [`parse_ts_fields`]).
#[cfg(test)]
pub(crate) fn parse_ts(s: &str) -> Option<DateTime<Utc>> {
    use chrono::{NaiveDate, TimeZone};
    let [y, mo, d, h, mi, sec, us] = parse_ts_fields(s)?;
    let time = NaiveDate::from_ymd_opt(y as i32, mo, d)?.and_hms_micro_opt(h, mi, sec, us)?;
    Some(Utc.from_utc_datetime(&time))
}

/// Any RFC 3339 time, converted to UTC and truncated to microseconds.
pub(crate) fn parse_rfc3339(s: &str) -> Option<DateTime<Utc>> {
    let t = DateTime::parse_from_rfc3339(s).ok()?.with_timezone(&Utc);
    let micros = t.timestamp_subsec_micros();
    t.with_nanosecond(micros * 1000)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    fn ts() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 26, 10, 0, 0).unwrap() + chrono::Duration::microseconds(123_456)
    }

    fn line(e: &Event, seq: u64) -> String {
        let ts = format_ts(&e.ts.unwrap_or_else(ts)).unwrap();
        let mut out = Vec::new();
        let stamp = Stamp { log_id: "acme.example/audit", seq, ts: &ts, prev: &Hash::ZERO };
        write_record(&mut out, &e.fields(), &stamp).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn full_event() -> Event {
        Event::new("policy.override")
            .tenant("acme")
            .app("expense-approver")
            .principal("jane@acme.example", "user")
            .resource("app", "expense-approver")
            .ip("10.0.0.7")
            .outcome("success")
            .request("req-1")
            .decision("0193")
            .policy("residency", "1.0.0")
            .tag("pii")
            .tag("confidential")
            .attr("reason", "quarter close \u{2014} \"urgent\"\n")
            .attr("count", 3)
            .attr("nested", json!({"\u{20ac}": [true, null], "a": {}}))
            .at(ts())
    }

    #[test]
    fn written_lines_are_canonical_and_parse_back() {
        for e in [Event::new("app.register").at(ts()), full_event()] {
            let l = line(&e, 7);
            canonical::check_canonical(l.as_bytes()).unwrap();
            let r = Record::from_line(&l).unwrap();
            assert_eq!(r.seq, 7);
            assert_eq!(r.ts, "2026-11-26T10:00:00.123456Z");
            assert_eq!(r.to_line().unwrap(), l);
            assert_eq!(r.to_event(), e);
            // Re-canonicalizing through serde gives the same bytes.
            let v: Value = serde_json::from_str(&l).unwrap();
            assert_eq!(canonical::canonicalize(&v).unwrap(), l);
        }
        assert_eq!(
            line(&Event::new("app.register").at(ts()), 0),
            "{\"action\":\"app.register\",\"log_id\":\"acme.example/audit\",\"prev\":\"0000000000000000000000000000000000000000000000000000000000000000\",\"seq\":0,\"ts\":\"2026-11-26T10:00:00.123456Z\",\"v\":1}"
        );
    }

    #[test]
    fn bad_events_are_refused_with_the_field() {
        let cases = [
            (Event::new("Policy.Evaluate"), "action"),
            (Event::new("evaluate"), "action"),
            (Event::new("a..b"), "action"),
            (Event::new("a.b").ip("10.0.0.300"), "ip_address"),
            (Event::new("a.b").principal("x", "Human Being"), "principal_type"),
            (Event::new("a.b").tenant("a\u{0}b"), "tenant_id"),
            (Event::new("a.b").outcome(""), "outcome"),
        ];
        for (e, field) in cases {
            match e.validate() {
                Err(AuditError::BadEvent { field: f, .. }) => assert_eq!(f, field),
                other => panic!("{field}: {other:?}"),
            }
        }
        let mut out = Vec::new();
        let e = Event::new("a.b").attr("x", json!([1, 0.5]));
        let stamp = Stamp { log_id: "l", seq: 0, ts: "2026-11-26T10:00:00.000000Z", prev: &Hash::ZERO };
        let err = write_record(&mut out, &e.fields(), &stamp).unwrap_err();
        assert_eq!(err.code(), "audit.bad_event");
        assert!(err.to_string().contains("/attrs/x/1"), "{err}");
        assert!(out.is_empty());
    }

    #[test]
    fn schema_is_checked_on_read() {
        let good = line(&Event::new("app.register").at(ts()), 0);
        let bad = [
            good.replace("\"v\":1", "\"v\":2"),
            good.replace(",\"v\":1", ""),
            good.replace("\"action\":\"app.register\"", "\"action\":\"App\""),
            good.replace(".123456Z", ".123Z"),
            good.replace("2026-11-26", "2026-02-30"),
            good.replace("\"prev\":\"00", "\"prev\":\"0A"),
            good.replace("{\"action\"", "{\"a\":1,\"action\""),
            good.replace("\"seq\":0", "\"seq\":-1"),
        ];
        for b in bad {
            let e = Record::from_line(&b).unwrap_err();
            assert_eq!(e.code(), "audit.bad_record", "{b}: {e}");
        }
    }

    #[test]
    fn timestamps() {
        assert_eq!(format_ts(&ts()).unwrap(), "2026-11-26T10:00:00.123456Z");
        assert_eq!(parse_ts("2026-11-26T10:00:00.123456Z"), Some(ts()));
        assert_eq!(parse_ts("2024-02-29T23:59:59.999999Z").map(|t| t.day()), Some(29));
        assert!(parse_ts("2026-11-26T10:00:60.000000Z").is_none());
        assert!(parse_ts("2026-11-26 10:00:00.000000Z").is_none());
        assert_eq!(parse_rfc3339("2026-11-26T11:00:00.1234567+01:00"), Some(ts()));
    }

    #[test]
    fn events_from_json() {
        let e = Event::from_json(&json!({
            "action": "data.export", "tenant_id": "acme", "ts": "2026-11-26T10:00:00.123456Z",
            "dataset_tags": ["pii"], "attrs": {"rows": 10}, "outcome": null
        }))
        .unwrap();
        assert_eq!(e.ts, Some(ts()));
        assert_eq!(e.outcome, None);
        assert_eq!(Event::from_json(&json!({"action": "a.b", "seq": 1})).unwrap_err().code(), "audit.bad_event");
        assert_eq!(Event::from_json(&json!({"action": "a.b", "colour": 1})).unwrap_err().code(), "audit.bad_event");
    }

    #[test]
    fn decision_becomes_event() {
        let d = json!({
            "decision_id": "0193a", "app": "expense-approver", "outcome": "deny", "tier": "high",
            "risk": {"score": 70, "factors": [{"factor": "pii_data", "points": 40, "detail": "x"}]},
            "violations": [{"policy": "residency", "rule": "cross_border_transfer", "severity": "high",
                            "message": "m", "path": "/spec/connectors/0", "remediation": "r"}],
            "waived": [{"violation": {"policy": "secrets", "rule": "inline", "message": "m"}, "approval_id": "apr-17"}],
            "required_approvals": [{"role": "security", "reason": "tier high"}],
            "obligations": [],
            "policy_revisions": {"residency": "1.0.0"},
            "input_digest": "sha256:ab", "evaluated_at": "2026-11-26T10:00:00Z"
        });
        let e = Event::from_decision_json(&d).unwrap();
        assert_eq!(e.action, "policy.evaluate");
        assert_eq!(e.app_id.as_deref(), Some("expense-approver"));
        assert_eq!(e.policy, Some(PolicyRef { id: "residency".into(), revision: "1.0.0".into() }));
        assert_eq!(e.attrs["risk_score"], json!(70));
        assert_eq!(
            e.attrs["violations"],
            json!([{"policy": "residency", "rule": "cross_border_transfer", "severity": "high", "path": "/spec/connectors/0"}])
        );
        assert_eq!(e.attrs["waived"], json!([{"approval_id": "apr-17", "policy": "secrets", "rule": "inline"}]));
        assert_eq!(e.attrs["required_approvals"], json!(["security"]));
        let l = line(&e.clone().tenant("acme").at(ts()), 0);
        assert!(Record::from_line(&l).is_ok());
        let err = Event::from_decision_json(&json!({"app": "x", "outcome": "allow"})).unwrap_err();
        assert!(matches!(err, AuditError::BadEvent { ref field, .. } if field == "decision_id"), "{err}");
    }
}
