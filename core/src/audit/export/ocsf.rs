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

use super::json::{write_node, write_str_array, Arr, Obj};
use super::{Fields, Severity};
use crate::audit::merkle::{push_hex, Hash};
use crate::canonical::{write_str, Node};

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
pub(crate) fn write_event(out: &mut Vec<u8>, f: &Fields<'_>, hash: &Hash, line: &[u8], raw_data: bool) {
    let mut hex = String::with_capacity(64);
    push_hex(&mut hex, &hash.0);
    let ms = f.micros().div_euclid(1000);
    let (severity_id, severity) = severity_caption(f.severity());
    let mut o = Obj::open(out);
    if f.is_decision() {
        o.int("activity_id", 1);
        o.str("activity_name", "Create");
        o.int("category_uid", 2);
        o.str("category_name", "Findings");
        o.int("class_uid", 2003);
        o.str("class_name", "Compliance Finding");
        o.int("type_uid", 2003 * 100 + 1);
        o.str("type_name", "Compliance Finding: Create");
    } else {
        let (activity_id, activity_name) = entity_activity(f.action);
        o.int("activity_id", activity_id);
        o.str("activity_name", activity_name);
        o.int("category_uid", 3);
        o.str("category_name", "Identity & Access Management");
        o.int("class_uid", 3004);
        o.str("class_name", "Entity Management");
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
    o.str("severity", severity);
    o.raw("message", |out| write_message(out, f));
    if f.is_decision() {
        // The finding's own status (New): the compliance result is in `compliance.status`.
        o.int("status_id", 1);
        o.str("status", "New");
    } else {
        let (status_id, status) = match f.outcome {
            Some("success" | "allow") => (1, "Success"),
            Some("failure" | "deny") => (2, "Failure"),
            Some(other) => (99, other),
            None => (0, "Unknown"),
        };
        o.int("status_id", status_id);
        o.str("status", status);
    }
    o.obj("metadata", |m| {
        m.str("version", OCSF_VERSION);
        m.obj("product", |p| {
            p.str("name", PRODUCT);
            p.str("vendor_name", PRODUCT);
            p.str("version", VERSION);
        });
        m.str("uid", &hex);
        m.int("sequence", f.seq as i64);
        m.str("log_name", f.log_id);
        m.str("log_provider", PRODUCT);
        m.str("event_code", f.action);
        m.str("original_time", f.ts);
        m.opt_str("tenant_uid", f.tenant_id);
        m.opt_str("correlation_uid", f.request_id);
    });
    if let Some(principal) = f.principal_id {
        o.obj("actor", |a| {
            a.obj("user", |u| {
                u.str("uid", principal);
                if let Some(kind) = f.principal_type {
                    let (type_id, caption) = match kind {
                        "user" => (1, "User"),
                        "admin" => (2, "Admin"),
                        "system" => (3, "System"),
                        "service" => (4, "Service"),
                        other => (99, other),
                    };
                    u.int("type_id", type_id);
                    u.str("type", caption);
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
            m.str("hash", &hex);
            m.int("seq", f.seq as i64);
            m.str("log_id", f.log_id);
            m.str("prev", f.prev);
            m.str("action", f.action);
            m.opt_str("outcome", f.outcome);
            m.opt_str("ip_address", f.ip_address);
            m.opt_str("decision_id", f.decision_id);
            if let Some(p) = f.policy {
                m.node("policy", p);
            }
            if let Some(t) = f.dataset_tags {
                m.node("dataset_tags", t);
            }
            if let Some(a) = f.attrs {
                m.node("attrs", a);
            }
        });
    });
    if raw_data {
        // A verified line is UTF-8.
        o.str("raw_data", std::str::from_utf8(line).unwrap_or(""));
    }
    o.close();
}

/// `app expense-approver: deny (2 violations, tier high)` or
/// `approval.grant app expense-approver: success`.
fn write_message(out: &mut Vec<u8>, f: &Fields<'_>) {
    let mut s = String::with_capacity(96);
    if !f.is_decision() {
        s.push_str(f.action);
    }
    let subject =
        f.app_id.map(|a| ("app", a)).or_else(|| f.resource_id.map(|r| (f.resource_type.unwrap_or("resource"), r)));
    if let Some((kind, id)) = subject {
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(kind);
        s.push(' ');
        s.push_str(id);
    }
    if f.is_decision() && s.is_empty() {
        s.push_str("policy decision");
    }
    if let Some(outcome) = f.outcome {
        s.push_str(": ");
        s.push_str(outcome);
    }
    if f.is_decision() {
        let violations = match f.attr("violations") {
            Some(Node::Array(v)) => v.len(),
            _ => 0,
        };
        let tier = match f.attr("tier") {
            Some(Node::Str(t)) => Some(t.as_ref()),
            _ => None,
        };
        if violations > 0 || tier.is_some() {
            s.push_str(" (");
            if violations > 0 {
                s.push_str(&violations.to_string());
                s.push_str(if violations == 1 { " violation" } else { " violations" });
            }
            if let Some(t) = tier {
                if violations > 0 {
                    s.push_str(", ");
                }
                s.push_str("tier ");
                s.push_str(t);
            }
            s.push(')');
        }
    }
    write_str(out, &s);
}

fn str_member<'n>(node: &'n Node<'n>, name: &str) -> Option<&'n str> {
    match node {
        Node::Object(m) => m.iter().find(|(k, _)| k.as_ref() == name).and_then(|(_, v)| match v {
            Node::Str(s) => Some(s.as_ref()),
            _ => None,
        }),
        _ => None,
    }
}

fn items<'n>(node: Option<&'n Node<'n>>) -> &'n [Node<'n>] {
    match node {
        Some(Node::Array(v)) => v,
        _ => &[],
    }
}

/// `finding_info`, `compliance` and `resources` of a Compliance Finding. Written straight into
/// the buffer, without building strings: a busy log is mostly decisions.
fn write_finding(o: &mut Obj<'_>, f: &Fields<'_>, hash_hex: &str, ms: i64) {
    let violations = items(f.attr("violations"));
    let outcome = f.outcome.unwrap_or("");
    o.obj("finding_info", |fi| {
        fi.str("uid", f.decision_id.unwrap_or(hash_hex));
        let app = f.app_id.unwrap_or("");
        let (for_app, sep) =
            (if f.app_id.is_some() { " for app " } else { "" }, if f.outcome.is_some() { ": " } else { "" });
        fi.concat("title", &["Policy decision", for_app, app, sep, outcome]);
        fi.raw("types", |out| write_str_array(out, [f.action]));
        let created = match f.attr("evaluated_at") {
            Some(Node::Str(t)) => crate::audit::record::parse_rfc3339(t).map(|t| t.timestamp_millis()),
            _ => None,
        };
        fi.int("created_time", created.unwrap_or(ms));
        fi.obj("product", |p| {
            p.str("name", PRODUCT);
            p.str("vendor_name", PRODUCT);
            p.str("version", VERSION);
        });
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
        c.str("status", status);
        c.str("control", "microgov policy decision");
        // The policies that decided, with their revisions: `residency@1.0.0`.
        c.raw("standards", |out| {
            let mut a = Arr::open(out);
            if let Some(Node::Object(revs)) = f.attr("policy_revisions") {
                for (id, rev) in revs {
                    match rev {
                        Node::Str(r) => a.concat(&[id, "@", r]),
                        _ => a.concat(&[id]),
                    }
                }
            } else if let Some(p) = f.policy {
                if let (Some(id), Some(rev)) = (str_member(p, "id"), str_member(p, "revision")) {
                    a.concat(&[id, "@", rev]);
                }
            }
            a.close();
        });
        if !violations.is_empty() {
            c.raw("requirements", |out| {
                let mut a = Arr::open(out);
                for v in violations {
                    a.concat(&[str_member(v, "policy").unwrap_or(""), ".", str_member(v, "rule").unwrap_or("")]);
                }
                a.close();
            });
            c.raw("checks", |out| {
                let mut a = Arr::open(out);
                for v in violations {
                    let (policy, rule) = (str_member(v, "policy").unwrap_or(""), str_member(v, "rule").unwrap_or(""));
                    let sev = Severity::of_word(str_member(v, "severity").unwrap_or("medium"));
                    let (sid, scap) = severity_caption(sev);
                    let mut ch = Obj::open(a.next());
                    ch.concat("uid", &[policy, ".", rule]);
                    ch.str("name", rule);
                    ch.int("severity_id", sid);
                    ch.str("severity", scap);
                    ch.int("status_id", 3);
                    ch.str("status", "Fail");
                    ch.raw("standards", |out| write_str_array(out, [policy]));
                    ch.close();
                }
                a.close();
            });
        }
        // What else the decision says, one sentence each.
        let tier = match f.attr("tier") {
            Some(Node::Str(t)) => Some(t.as_ref()),
            _ => None,
        };
        let score = match f.attr("risk_score") {
            Some(Node::Int(n)) => Some(*n),
            _ => None,
        };
        let roles: Vec<&str> = items(f.attr("required_approvals"))
            .iter()
            .filter_map(|r| match r {
                Node::Str(s) => Some(s.as_ref()),
                _ => None,
            })
            .collect();
        let waived = items(f.attr("waived"));
        let paths = violations.iter().any(|v| str_member(v, "path").is_some());
        if tier.is_some() || score.is_some() || !roles.is_empty() || !waived.is_empty() || paths {
            c.raw("status_details", |out| {
                let mut a = Arr::open(out);
                if let Some(t) = tier {
                    a.concat(&["tier ", t]);
                }
                if let Some(n) = score {
                    a.concat(&["risk score ", &n.to_string()]);
                }
                if !roles.is_empty() {
                    // One string: "approvals required: a, b".
                    let mut parts: Vec<&str> = Vec::with_capacity(roles.len() * 2 + 1);
                    parts.push("approvals required: ");
                    for (i, r) in roles.iter().enumerate() {
                        if i > 0 {
                            parts.push(", ");
                        }
                        parts.push(r);
                    }
                    a.concat(&parts);
                }
                for w in waived {
                    a.concat(&[
                        str_member(w, "policy").unwrap_or(""),
                        ".",
                        str_member(w, "rule").unwrap_or(""),
                        " waived by ",
                        str_member(w, "approval_id").unwrap_or(""),
                    ]);
                }
                for v in violations {
                    if let Some(path) = str_member(v, "path") {
                        a.concat(&[
                            str_member(v, "policy").unwrap_or(""),
                            ".",
                            str_member(v, "rule").unwrap_or(""),
                            " at ",
                            path,
                        ]);
                    }
                }
                a.close();
            });
        }
    });
    let uid = f.resource_id.or(f.app_id);
    if let Some(uid) = uid {
        o.raw("resources", |out| {
            out.push(b'[');
            let mut r = Obj::open(out);
            r.str("type", f.resource_type.unwrap_or("app"));
            r.str("uid", uid);
            r.str("name", f.app_id.unwrap_or(uid));
            if let Some(tags) = f.dataset_tags {
                r.raw("labels", |out| write_node(out, tags));
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
        e.str("type", kind);
        match uid {
            Some(uid) => {
                e.str("uid", uid);
                e.str("name", uid);
            }
            // An action on nothing named: the action names the entity (OCSF needs a name or uid).
            None => e.str("name", f.action),
        }
    });
    if let Some(ip) = f.ip_address {
        o.obj("src_endpoint", |s| s.str("ip", ip));
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
