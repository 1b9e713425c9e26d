//! Runtime egress checks and redaction against `fixtures/runtime/check_egress.json`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use microgov::{Engine, EngineOptions};
use serde_json::Value;
use std::path::PathBuf;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/runtime")
}

#[test]
fn check_egress_gives_the_expected_verdicts() {
    let table: Value =
        serde_json::from_str(&std::fs::read_to_string(dir().join("check_egress.json")).unwrap()).unwrap();
    let text = std::fs::read_to_string(dir().join(table["app"].as_str().unwrap())).unwrap();
    let bundled = Engine::new().unwrap();
    let mut failures = Vec::new();
    for case in table["cases"].as_array().unwrap() {
        let engine = match case.get("data") {
            Some(d) => Engine::with_options(EngineOptions::default().data(d.clone())).unwrap(),
            None => bundled.clone(),
        };
        let app = engine.parse_manifest(&text).unwrap();
        let url = case["url"].as_str().unwrap();
        let v = engine.check_egress(&app, url);
        let want = case["code"].as_str().unwrap();
        if v.code != want || v.allowed != (want == "allowed") {
            failures.push(format!("{url}: expected {want}, got {} ({})", v.code, v.reason));
        }
        // The prepared guard answers the same.
        assert_eq!(engine.egress_guard(&app).check(url), v);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn redact_masks_regulated_fields_unless_raw_values_are_needed() {
    let table: Value =
        serde_json::from_str(&std::fs::read_to_string(dir().join("check_egress.json")).unwrap()).unwrap();
    let engine = Engine::new().unwrap();
    let app = engine.parse_manifest(&std::fs::read_to_string(dir().join("egress-app.yaml")).unwrap()).unwrap();
    for case in table["redact"].as_array().unwrap() {
        let got = engine.redact(&app, case["connector"].as_str().unwrap(), &case["record"]);
        assert_eq!(got, case["expected"], "connector {}", case["connector"]);
    }
}

#[test]
fn mask_obligation_from_rego_matches_native_redaction_fields() {
    let engine = Engine::new().unwrap();
    let app = engine.parse_manifest(&std::fs::read_to_string(dir().join("egress-app.yaml")).unwrap()).unwrap();
    let d = engine.evaluate(&app, &microgov::Context::at("2026-11-26T10:00:00Z".parse().unwrap())).unwrap();
    for c in &app.spec.connectors {
        let from_rego: Vec<String> = d
            .obligations
            .iter()
            .filter(|o| o["type"] == "mask" && o["connector"] == c.name.as_str())
            .flat_map(|o| o["fields"].as_array().cloned().unwrap_or_default())
            .filter_map(|f| f.as_str().map(str::to_string))
            .collect();
        assert_eq!(from_rego, engine.masked_fields(&app, &c.name), "connector {}", c.name);
    }
    // Each obligation names its policy and where the connector is.
    assert!(!d.obligations.is_empty());
    for o in &d.obligations {
        let i = app.spec.connectors.iter().position(|c| o["connector"] == c.name.as_str()).unwrap();
        assert_eq!(
            (o["policy"].as_str(), o["path"].as_str()),
            (Some("pii"), Some(format!("/spec/connectors/{i}").as_str())),
            "{o}"
        );
    }
}
