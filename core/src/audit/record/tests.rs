//! Records written, read back, refused and converted, with their exact lines.

use super::time::{format_ts, parse_rfc3339, parse_ts};
use super::write::write_record;

use super::{Event, PolicyRef, Record, Stamp};
use crate::audit::merkle::Hash;
use crate::audit::AuditError;
use crate::canonical;
use chrono::{DateTime, Datelike, TimeZone, Utc};
use serde_json::json;
use serde_json::Value;

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
