//! Every seed scenario gives the decision in `fixtures/apps/expected.json`
//! (the same table the Python and Node suites check).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use microgov::model::approval::approvals_from_str;
use microgov::{Context, Engine};
use serde_json::Value;
use std::path::PathBuf;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

/// The one comparator of the shared table (the Python and Node suites write the same function):
/// a decision as canonical sorted strings, `policy.rule@path` for a violation,
/// `policy.rule@path by approval_id` for a waived one, the role of each missing approval,
/// `type:connector:field,field` (fields sorted) for an obligation object, a string obligation as it is.
fn canonical(d: &Value) -> Value {
    let key = |v: &Value| {
        format!(
            "{}.{}@{}",
            v["policy"].as_str().unwrap_or(""),
            v["rule"].as_str().unwrap_or(""),
            v["path"].as_str().unwrap_or("")
        )
    };
    let sorted = |v: &Value, f: &dyn Fn(&Value) -> String| -> Value {
        let mut out: Vec<String> = v.as_array().map(|a| a.iter().map(f).collect()).unwrap_or_default();
        out.sort();
        out.into()
    };
    let obligation = |o: &Value| match o {
        Value::String(s) => s.clone(),
        _ => {
            let mut fields: Vec<&str> =
                o["fields"].as_array().map(|a| a.iter().filter_map(Value::as_str).collect()).unwrap_or_default();
            fields.sort_unstable();
            format!(
                "{}:{}:{}",
                o["type"].as_str().unwrap_or(""),
                o["connector"].as_str().unwrap_or(""),
                fields.join(",")
            )
        }
    };
    serde_json::json!({
        "outcome": d["outcome"],
        "tier": d["tier"],
        "factors": sorted(&d["risk"]["factors"], &|f| f["factor"].as_str().unwrap_or("").to_string()),
        "violations": sorted(&d["violations"], &key),
        "waived": sorted(&d["waived"], &|w| format!("{} by {}", key(&w["violation"]), w["approval_id"].as_str().unwrap_or(""))),
        "required_approvals": sorted(&d["required_approvals"], &|r| r["role"].as_str().unwrap_or("").to_string()),
        "obligations": sorted(&d["obligations"], &obligation),
    })
}

/// What `fixtures/apps/expected.json` says [`canonical`] gives for one app: its `tier` and
/// `factors` and the `decision` (of the app it is the `same_as`, if any), the lists sorted.
fn wanted(apps: &Value, exp: &Value) -> Option<Value> {
    let source = exp.get("same_as").and_then(Value::as_str).map(|s| &apps[s]).unwrap_or(exp);
    let mut want = source.get("decision")?.clone();
    want["tier"] = exp["tier"].clone();
    want["factors"] = exp["factors"].clone();
    for list in want.as_object_mut()?.values_mut() {
        if let Some(items) = list.as_array_mut() {
            items.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
        }
    }
    Some(want)
}

#[test]
fn every_seed_scenario_gets_its_expected_decision() {
    let table: Value =
        serde_json::from_str(&std::fs::read_to_string(fixtures().join("apps/expected.json")).unwrap()).unwrap();
    let now = table["now"].as_str().unwrap().parse().unwrap();
    let data = std::fs::read_to_string(fixtures().join(table["data"].as_str().unwrap())).unwrap();
    let engine =
        Engine::with_options(microgov::EngineOptions::default().data(serde_json::from_str(&data).unwrap())).unwrap();
    let apps = &table["apps"];
    let mut checked = 0;
    let mut failures = Vec::new();
    for (file, exp) in apps.as_object().unwrap() {
        let Some(want) = wanted(apps, exp) else { continue };
        let text = std::fs::read_to_string(fixtures().join("apps").join(file)).unwrap();
        let app = engine.parse_manifest(&text).unwrap();
        let approvals = match exp.get("approvals_file").and_then(Value::as_str) {
            Some(f) => {
                approvals_from_str(&std::fs::read_to_string(fixtures().join("approvals").join(f)).unwrap()).unwrap()
            }
            None => Vec::new(),
        };
        let d = engine.evaluate(&app, &Context::at(now).with_decision_id("fixture").with_approvals(approvals)).unwrap();
        let value = d.to_value();
        let text = serde_json::to_string(&value).unwrap();
        assert!(!text.contains("<undefined>"), "{file}: the decision holds an undefined value: {text}");
        let got = canonical(&value);
        if std::env::var_os("MICROGOV_DUMP").is_some() {
            eprintln!("DUMP {file} {got}");
        }
        if got != want {
            failures.push(format!("{file}: expected {want}, got {got}"));
        }
        checked += 1;
    }
    assert!(checked >= 12, "only {checked} apps have decision expectations");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn violations_point_into_the_manifest_and_carry_remediation() {
    let engine = Engine::new().unwrap();
    let text = std::fs::read_to_string(fixtures().join("apps/crm-data-extractor.yaml")).unwrap();
    let app = engine.parse_manifest(&text).unwrap();
    let doc = app.to_value();
    let d = engine.evaluate(&app, &Context::at("2026-11-26T10:00:00Z".parse().unwrap())).unwrap();
    assert!(!d.violations.is_empty());
    for v in &d.violations {
        let path = v.path.as_deref().unwrap();
        assert!(
            doc.pointer(path).is_some() || doc.pointer(path.rsplit_once('/').unwrap().0).is_some(),
            "{path} is not in the manifest"
        );
        assert!(v.remediation.is_some(), "{} has no remediation", v.rule);
        assert!(["low", "medium", "high", "critical"].contains(&v.severity.as_str()));
    }
}

#[test]
fn a_prepared_app_decides_exactly_like_a_fresh_one() {
    let engine = Engine::new().unwrap();
    let other = Engine::new().unwrap();
    let ctx = Context::at("2026-11-26T10:00:00Z".parse().unwrap()).with_decision_id("same");
    for entry in std::fs::read_dir(fixtures().join("apps")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("yaml") {
            continue;
        }
        let app = engine.parse_manifest(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let fresh = engine.evaluate(&app, &ctx).unwrap();
        let prepared = engine.prepare(&app).unwrap();
        assert_eq!(engine.evaluate_prepared(&prepared, &ctx).unwrap(), fresh, "{}", path.display());
        // A second time (the prepared parts are shared, not consumed) and on another engine.
        assert_eq!(engine.evaluate_prepared(&prepared, &ctx).unwrap().input_digest, fresh.input_digest);
        assert_eq!(other.evaluate_prepared(&prepared, &ctx).unwrap(), fresh);
    }
}

#[test]
fn evaluate_many_answers_in_order_like_one_by_one() {
    let engine = Engine::new().unwrap();
    let ctx = Context::at("2026-11-26T10:00:00Z".parse().unwrap()).with_decision_id("many");
    let mut apps = Vec::new();
    for entry in std::fs::read_dir(fixtures().join("apps")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) == Some("yaml") {
            apps.push(engine.parse_manifest(&std::fs::read_to_string(&path).unwrap()).unwrap());
        }
    }
    let many: Vec<_> = apps.iter().cycle().take(apps.len() * 5).cloned().collect();
    let got = engine.evaluate_many(&many, &ctx);
    assert_eq!(got.len(), many.len());
    for (app, d) in many.iter().zip(got) {
        assert_eq!(d.unwrap(), engine.evaluate(app, &ctx).unwrap());
    }
}
