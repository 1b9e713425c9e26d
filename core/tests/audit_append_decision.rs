//! `AuditLog::append_decision`: a decision's `policy.evaluate` record, with the host's
//! fields over it, in one call; a bad extra appends nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use microgov::audit::{AuditLog, AuditOptions, Event};
use microgov::{Context, Engine};
use serde_json::{json, Value};

fn lines(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn a_decision_is_recorded_with_the_hosts_fields() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let engine = Engine::new().unwrap();
    let text = std::fs::read_to_string(root.join("fixtures/apps/expense-approver.yaml")).unwrap();
    let app = engine.parse_manifest(&text).unwrap();
    let d = engine.evaluate(&app, &Context::at("2026-11-26T10:00:00Z".parse().unwrap())).unwrap();

    let dir = std::env::temp_dir().join(format!("microgov-append-decision-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("audit.jsonl");
    let log = AuditLog::open(&path, AuditOptions::new()).unwrap();
    let extra = json!({"principal_id": "ci@acme.example", "attrs": {"pipeline": "deploy-42"}});
    let receipt = log.append_decision(&d, Some(&extra)).unwrap();
    assert_eq!(receipt.seq, 0);
    // The same as building the event by hand, as hosts had to.
    let by_hand = log.append(&Event::from_decision(&d, Some(&extra)).unwrap()).unwrap();
    assert_eq!(by_hand.seq, 1);

    let bad = log.append_decision(&d, Some(&json!(["not", "an", "object"]))).unwrap_err();
    assert_eq!(bad.code(), "audit.bad_event", "{bad}");
    log.close().unwrap();

    let records = lines(&path);
    assert_eq!(records.len(), 2, "the refused append wrote nothing");
    let r = &records[0];
    let event = if r.get("event").is_some() { &r["event"] } else { r };
    assert_eq!(event["action"], "policy.evaluate");
    assert_eq!(event["app_id"], d.app.as_str());
    assert_eq!(event["outcome"], d.outcome.as_str());
    assert_eq!(event["principal_id"], "ci@acme.example");
    assert_eq!(event["attrs"]["pipeline"], "deploy-42");
    assert_eq!(event["attrs"]["tier"], d.tier.as_str(), "the decision's own attrs stay beside the host's");
    let strip = |v: &Value| {
        let mut v = v.clone();
        for k in ["seq", "prev", "ts"] {
            v.as_object_mut().unwrap().remove(k);
        }
        v
    };
    assert_eq!(strip(&records[0]), strip(&records[1]));
    std::fs::remove_dir_all(dir).unwrap();
}
