//! OCSF events (Open Cybersecurity Schema Framework, schema 1.8.0).
//!
//! A policy decision (`policy.evaluate`) is a **Compliance Finding** (class 2003, category
//! Findings 2): OCSF's class for "results of evaluations performed against resources, to check
//! compliance with" a set of rules, which is what a decision is — an app evaluated against
//! the policy bundles, with a pass / warning / fail status, the rules it broke as checks and
//! the app as the resource. API Activity (6003) would describe the call that asked for the
//! decision rather than its result, and needs a source endpoint the record does not have.
//! Every other record (approvals, exceptions, app registration, exports ...) is an action on
//! a governed object at a management console: an **Entity Management** event (class 3004,
//! category Identity & Access Management 3), the object as its `entity`.
//!
//! Both carry the record's hash (`metadata.uid`), seq (`metadata.sequence`) and log id
//! (`metadata.log_name`), and again under `unmapped.microgov` with `prev`, so that the SIEM
//! copy can be checked against the chain. The mapping is specified in
//! `core/docs/audit-export.md`.

use super::json::{write_esc_array, write_text, Arr, Obj};
use super::raw::{as_str, members, str_member};
use super::{DecisionAttrs, Fields, Severity};
use crate::audit::merkle::{push_hex, Hash};

/// The OCSF schema version the events follow (`metadata.version`).
pub const OCSF_VERSION: &str = "1.8.0";

const PRODUCT: &str = "microgov";
const VERSION: &str = env!("CARGO_PKG_VERSION");

fn severity_caption(s: Severity) -> (i64, &'static str) {
    match s {
        Severity::Informational => (1, "Informational"),
        Severity::Low => (2, "Low"),
        Severity::Medium => (3, "Medium"),
        Severity::High => (4, "High"),
        Severity::Critical => (5, "Critical"),
    }
}

/// Writes one record as one OCSF event (without a line feed).
pub(crate) fn write_event(out: &mut Vec<u8>, f: &Fields<'_>, hash: &Hash, line: &str, raw_data: bool) {
    let mut hex = String::with_capacity(64);
    push_hex(&mut hex, &hash.0);
    let ms = f.micros().div_euclid(1000);
    let (severity_id, severity) = severity_caption(f.severity());
    let mut o = Obj::open(out);
    if f.is_decision() {
        o.int("activity_id", 1);
        o.esc("activity_name", "Create");
        o.int("category_uid", 2);
        o.esc("category_name", "Findings");
        o.int("class_uid", 2003);
        o.esc("class_name", "Compliance Finding");
        o.int("type_uid", 2003 * 100 + 1);
        o.esc("type_name", "Compliance Finding: Create");
    } else {
        let (activity_id, activity_name) = entity_activity(f.action);
        o.int("activity_id", activity_id);
        o.esc("activity_name", activity_name);
        o.int("category_uid", 3);
        o.esc("category_name", "Identity & Access Management");
        o.int("class_uid", 3004);
        o.esc("class_name", "Entity Management");
        o.int("type_uid", 3004 * 100 + activity_id);
        o.raw("type_name", |out| {
            out.extend_from_slice(b"\"Entity Management: ");
            out.extend_from_slice(activity_name.as_bytes());
            out.push(b'"');
        });
    }
    o.int("time", ms);
    o.int("timezone_offset", 0);
    o.int("severity_id", severity_id);
    o.esc("severity", severity);
    o.raw("message", |out| write_message(out, f));
    if f.is_decision() {
        // The finding's own status (New): the compliance result is in `compliance.status`.
        o.int("status_id", 1);
        o.esc("status", "New");
    } else {
        let (status_id, status) = match f.outcome {
            Some("success" | "allow") => (1, "Success"),
            Some("failure" | "deny") => (2, "Failure"),
            Some(other) => (99, other),
            None => (0, "Unknown"),
        };
        o.int("status_id", status_id);
        o.esc("status", status);
    }
    o.obj("metadata", |m| {
        m.esc("version", OCSF_VERSION);
        m.obj("product", |p| {
            p.esc("name", PRODUCT);
            p.esc("vendor_name", PRODUCT);
            p.esc("version", VERSION);
        });
        m.esc("uid", &hex);
        m.int("sequence", f.seq as i64);
        m.esc("log_name", f.log_id);
        m.esc("log_provider", PRODUCT);
        m.esc("event_code", f.action);
        m.esc("original_time", f.ts);
        m.opt_esc("tenant_uid", f.tenant_id);
        m.opt_esc("correlation_uid", f.request_id);
    });
    if let Some(principal) = f.principal_id {
        o.obj("actor", |a| {
            a.obj("user", |u| {
                u.esc("uid", principal);
                if let Some(kind) = f.principal_type {
                    let (type_id, caption) = match kind {
                        "user" => (1, "User"),
                        "admin" => (2, "Admin"),
                        "system" => (3, "System"),
                        "service" => (4, "Service"),
                        other => (99, other),
                    };
                    u.int("type_id", type_id);
                    u.esc("type", caption);
                }
            });
        });
    }
    if f.is_decision() {
        write_finding(&mut o, f, &hex, ms);
    } else {
        write_entity(&mut o, f);
    }
    o.obj("unmapped", |u| {
        u.obj("microgov", |m| {
            m.esc("hash", &hex);
            m.int("seq", f.seq as i64);
            m.esc("log_id", f.log_id);
            m.esc("prev", f.prev);
            m.esc("action", f.action);
            m.opt_esc("outcome", f.outcome);
            m.opt_esc("ip_address", f.ip_address);
            m.opt_esc("decision_id", f.decision_id);
            if let Some(p) = f.policy {
                m.json("policy", p);
            }
            if let Some(t) = f.dataset_tags {
                m.json("dataset_tags", t);
            }
            match (&f.decision, f.attrs) {
                // Only what `compliance` and `finding_info` do not carry already.
                (Some(d), _) if !d.rest.is_empty() => m.obj("attrs", |o| {
                    for (k, v) in &d.rest {
                        o.json_key(k, v);
                    }
                }),
                (None, Some(a)) => m.json("attrs", a),
                _ => {}
            }
        });
    });
    if raw_data {
        o.raw("raw_data", |out| write_text(out, line));
    }
    o.close();
}

/// `app expense-approver: deny (2 violations, tier high)` or
/// `approval.grant app expense-approver: success`.
fn write_message(out: &mut Vec<u8>, f: &Fields<'_>) {
    let subject =
        f.app_id.map(|a| ("app", a)).or_else(|| f.resource_id.map(|r| (f.resource_type.unwrap_or("resource"), r)));
    let mut s: Vec<&str> = Vec::with_capacity(12);
    if !f.is_decision() {
        s.push(f.action);
    }
    if let Some((kind, id)) = subject {
        if !s.is_empty() {
            s.push(" ");
        }
        s.extend([kind, " ", id]);
    }
    if f.is_decision() && s.is_empty() {
        s.push("policy decision");
    }
    if let Some(outcome) = f.outcome {
        s.extend([": ", outcome]);
    }
    let count;
    if let Some(d) = &f.decision {
        let violations = d.violations.len();
        let tier = d.tier;
        if violations > 0 || tier.is_some() {
            s.push(" (");
            if violations > 0 {
                count = violations.to_string();
                s.extend([count.as_str(), if violations == 1 { " violation" } else { " violations" }]);
            }
            if let Some(t) = tier {
                if violations > 0 {
                    s.push(", ");
                }
                s.extend(["tier ", t]);
            }
            s.push(")");
        }
    }
    super::json::write_concat(out, &s);
}

/// `finding_info`, `compliance` and `resources` of a Compliance Finding. Written straight into
/// the buffer from slices of the line: a busy log is mostly decisions.
fn write_finding(o: &mut Obj<'_>, f: &Fields<'_>, hash_hex: &str, ms: i64) {
    let empty = DecisionAttrs::default();
    let d = f.decision.as_ref().unwrap_or(&empty);
    let outcome = f.outcome.unwrap_or("");
    o.obj("finding_info", |fi| {
        fi.esc("uid", f.decision_id.unwrap_or(hash_hex));
        let app = f.app_id.unwrap_or("");
        let for_app = if f.app_id.is_some() { " for app " } else { "" };
        let sep = if f.outcome.is_some() { ": " } else { "" };
        fi.concat("title", &["Policy decision", for_app, app, sep, outcome]);
        fi.raw("types", |out| write_esc_array(out, [f.action]));
        let created = d.evaluated_at.and_then(crate::audit::record::parse_rfc3339).map(|t| t.timestamp_millis());
        fi.int("created_time", created.unwrap_or(ms));
    });
    o.obj("compliance", |c| {
        let (status_id, status) = match f.outcome {
            Some("allow") => (1, "Pass"),
            Some("review") => (2, "Warning"),
            Some("deny") => (3, "Fail"),
            Some(other) => (99, other),
            None => (0, "Unknown"),
        };
        c.int("status_id", status_id);
        c.esc("status", status);
        c.esc("control", "microgov policy decision");
        // The policies that decided, with their revisions: `residency@1.0.0`.
        c.raw("standards", |out| {
            let mut a = Arr::open(out);
            if let Some(revs) = d.policy_revisions {
                for (id, rev) in members(revs) {
                    match as_str(rev) {
                        Some(r) => a.concat(&[id, "@", r]),
                        None => a.concat(&[id]),
                    }
                }
            } else if let Some(p) = f.policy {
                if let (Some(id), Some(rev)) = (str_member(p, "id"), str_member(p, "revision")) {
                    a.concat(&[id, "@", rev]);
                }
            }
            a.close();
        });
        if !d.violations.is_empty() {
            c.raw("requirements", |out| {
                let mut a = Arr::open(out);
                for v in &d.violations {
                    a.concat(&[v.policy, ".", v.rule]);
                }
                a.close();
            });
            c.raw("checks", |out| {
                let mut a = Arr::open(out);
                for v in &d.violations {
                    let (sid, scap) = severity_caption(Severity::of_word(v.severity.unwrap_or("medium")));
                    let mut ch = Obj::open(a.next());
                    ch.concat("uid", &[v.policy, ".", v.rule]);
                    ch.esc("name", v.rule);
                    ch.int("severity_id", sid);
                    ch.esc("severity", scap);
                    ch.int("status_id", 3);
                    ch.esc("status", "Fail");
                    ch.raw("standards", |out| write_esc_array(out, [v.policy]));
                    ch.close();
                }
                a.close();
            });
        }
        // What else the decision says, one sentence each.
        let paths = d.violations.iter().any(|v| v.path.is_some());
        if d.tier.is_some()
            || d.risk_score.is_some()
            || !d.required_approvals.is_empty()
            || !d.waived.is_empty()
            || paths
        {
            c.raw("status_details", |out| {
                let mut a = Arr::open(out);
                if let Some(t) = d.tier {
                    a.concat(&["tier ", t]);
                }
                if let Some(n) = d.risk_score {
                    a.concat(&["risk score ", n]);
                }
                if !d.required_approvals.is_empty() {
                    // One string: "approvals required: a, b".
                    let out = a.next();
                    out.extend_from_slice(b"\"approvals required: ");
                    for (i, role) in d.required_approvals.iter().enumerate() {
                        if i > 0 {
                            out.extend_from_slice(b", ");
                        }
                        out.extend_from_slice(role.as_bytes());
                    }
                    out.push(b'"');
                }
                for w in &d.waived {
                    a.concat(&[w.policy, ".", w.rule, " waived by ", w.approval_id]);
                }
                for v in &d.violations {
                    if let Some(path) = v.path {
                        a.concat(&[v.policy, ".", v.rule, " at ", path]);
                    }
                }
                a.close();
            });
        }
    });
    if let Some(uid) = f.resource_id.or(f.app_id) {
        o.raw("resources", |out| {
            out.push(b'[');
            let mut r = Obj::open(out);
            r.esc("type", f.resource_type.unwrap_or("app"));
            r.esc("uid", uid);
            r.esc("name", f.app_id.unwrap_or(uid));
            if let Some(tags) = f.dataset_tags {
                r.json("labels", tags);
            }
            r.close();
            out.push(b']');
        });
    }
}

/// `entity` and `src_endpoint` of an Entity Management event.
fn write_entity(o: &mut Obj<'_>, f: &Fields<'_>) {
    o.obj("entity", |e| {
        let (kind, uid) = match (f.resource_type, f.resource_id, f.app_id, f.tenant_id) {
            (kind, Some(id), _, _) => (kind.unwrap_or("resource"), Some(id)),
            (_, None, Some(app), _) => ("app", Some(app)),
            (_, None, None, Some(tenant)) => ("tenant", Some(tenant)),
            _ => ("event", None),
        };
        e.esc("type", kind);
        match uid {
            Some(uid) => {
                e.esc("uid", uid);
                e.esc("name", uid);
            }
            // An action on nothing named: the action names the entity (OCSF needs a name or uid).
            None => e.esc("name", f.action),
        }
    });
    if let Some(ip) = f.ip_address {
        o.obj("src_endpoint", |s| s.esc("ip", ip));
    }
}

/// The Entity Management activity of an action, from its last word.
fn entity_activity(action: &str) -> (i64, &'static str) {
    let verb = action.rsplit('.').next().unwrap_or(action);
    match verb {
        "create" | "register" | "grant" | "add" | "issue" => (1, "Create"),
        "read" | "export" | "view" | "get" | "list" => (2, "Read"),
        "update" | "override" | "change" | "set" | "renew" | "modify" => (3, "Update"),
        "delete" | "revoke" | "retire" | "remove" | "expire" => (4, "Delete"),
        "move" | "rename" => (5, "Move"),
        "enroll" => (6, "Enroll"),
        "unenroll" => (7, "Unenroll"),
        "enable" => (8, "Enable"),
        "disable" => (9, "Disable"),
        "activate" => (10, "Activate"),
        "deactivate" => (11, "Deactivate"),
        "suspend" => (12, "Suspend"),
        "resume" => (13, "Resume"),
        _ => (99, "Other"),
    }
}
