//! Scope × violation: which violations an exception waives, by meaning
//! (`fixtures/approvals/scopes.json`); and who approved when: separation of duties and
//! the expiry notice (`fixtures/approvals/decisions.json`). The Python and Node suites
//! read both tables; here each case is decided on every evaluation path (native, Rego in
//! the VM, the interpreter).

// Helpers of a test crate sit outside #[test] functions; failing loudly is their job.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Utc};
use microgov::model::approval::approvals_from_value;
use microgov::{Context, Engine, EngineOptions, Manifest};
use serde_json::Value;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn table() -> Value {
    serde_json::from_str(&std::fs::read_to_string(root().join("fixtures/approvals/scopes.json")).unwrap()).unwrap()
}

fn engines(data: &Value) -> Vec<(&'static str, Engine)> {
    let opts = |rego_only, interpreter| EngineOptions {
        data: Some(data.clone()),
        rego_only,
        interpreter,
        ..Default::default()
    };
    vec![
        ("native", Engine::with_options(opts(false, false)).unwrap()),
        ("rego_only", Engine::with_options(opts(true, false)).unwrap()),
        ("interpreter", Engine::with_options(opts(true, true)).unwrap()),
    ]
}

#[test]
fn each_scope_waives_exactly_the_violations_the_table_names() {
    let t = table();
    let text = std::fs::read_to_string(root().join("fixtures/apps").join(t["app"].as_str().unwrap())).unwrap();
    let app = Manifest::from_str_any(&text).unwrap();
    let now: DateTime<Utc> = t["now"].as_str().unwrap().parse().unwrap();
    let cases = t["cases"].as_array().unwrap();
    assert!(cases.len() >= 10, "the table holds the cases");
    for (path, engine) in engines(&t["data"]) {
        for case in cases {
            let name = case["name"].as_str().unwrap();
            let mut approval = t["approval"].clone();
            approval["id"] = name.into();
            approval["scope"] = case["scope"].clone();
            let approvals = approvals_from_value(&Value::Array(vec![approval])).unwrap();
            let d = engine.evaluate(&app, &Context::at(now).with_approvals(approvals)).unwrap();
            let mut waived: Vec<String> = d
                .waived
                .iter()
                .filter(|w| w.approval_id == name)
                .map(|w| {
                    format!("{}.{}@{}", w.violation.policy, w.violation.rule, w.violation.path.as_deref().unwrap_or(""))
                })
                .collect();
            waived.sort();
            let want: Vec<String> = serde_json::from_value(case["waives"].clone()).unwrap();
            assert_eq!(waived, want, "{path}: {name}");
            let status = d.approvals.iter().find(|a| a.id == name).map(|a| a.status.as_str());
            assert_eq!(status, case["status"].as_str(), "{path}: {name}");
        }
    }
}

#[test]
fn a_connector_violation_names_the_datasets_the_connector_carries() {
    let t = table();
    let text = std::fs::read_to_string(root().join("fixtures/apps").join(t["app"].as_str().unwrap())).unwrap();
    let app = Manifest::from_str_any(&text).unwrap();
    let now: DateTime<Utc> = t["now"].as_str().unwrap().parse().unwrap();
    for (path, engine) in engines(&t["data"]) {
        let d = engine.evaluate(&app, &Context::at(now)).unwrap();
        let export = d.violations.iter().find(|v| v.rule == "pii_export_unapproved").unwrap();
        assert_eq!(
            (export.connector.as_deref(), &export.datasets[..]),
            (Some("payroll"), &["employees".to_string()][..]),
            "{path}"
        );
        let transfer = d.violations.iter().find(|v| v.rule == "cross_border_transfer").unwrap();
        assert_eq!(transfer.datasets, ["employees"], "{path}: a flow's violation names its dataset");
    }
}

#[test]
fn who_approved_and_until_when_decides_as_the_table_says() {
    let dir = root().join("fixtures/approvals");
    let t: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("decisions.json")).unwrap()).unwrap();
    let data: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join(t["data"].as_str().unwrap())).unwrap()).unwrap();
    let text = std::fs::read_to_string(root().join("fixtures/apps").join(t["app"].as_str().unwrap())).unwrap();
    let app = Manifest::from_str_any(&text).unwrap();
    let now: DateTime<Utc> = t["now"].as_str().unwrap().parse().unwrap();
    let cases = t["cases"].as_array().unwrap();
    assert!(cases.len() >= 6, "the table holds the cases");
    for (path, engine) in engines(&data) {
        for case in cases {
            let name = case["name"].as_str().unwrap();
            let approvals = approvals_from_value(&case["approvals"]).unwrap();
            let d = engine.evaluate(&app, &Context::at(now).with_approvals(approvals)).unwrap();
            let required = serde_json::to_value(&d.required_approvals).unwrap();
            assert_eq!(required, case["required_approvals"], "{path}: {name}");
            let expiring: Vec<&str> =
                d.warnings.iter().filter(|w| w.rule == "approval_expiring").map(|w| w.message.as_str()).collect();
            let want: Vec<&str> = case["expiring"].as_array().unwrap().iter().map(|m| m.as_str().unwrap()).collect();
            assert_eq!(expiring, want, "{path}: {name}");
        }
    }
}
