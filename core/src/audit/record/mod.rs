//! Audit records: the event a caller fills, the record the log writes, and the one canonical
//! byte form both are hashed in.
//!
//! A record line is written by hand in member-name order rather than through a generic JSON
//! serializer: every top-level name is ASCII, so their canonical order is fixed, and writing
//! straight into the output buffer keeps the in-memory chain well above 300,000 records/s.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::merkle::Hash;

mod approval;
mod event;
mod read;
mod schema;
#[cfg(test)]
mod tests;
mod time;
mod write;

pub(crate) use schema::{check_action, check_log_id, check_record};
pub(crate) use time::{format_ts, parse_rfc3339, parse_ts_fields};
pub(crate) use write::write_record;

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
