//! Every collected head (`violation`, `deny`, `warn`, `obligation`, `required_approval`) of a
//! team's own policy, as a partial set (`contains`), as a defined complete rule (`:=`) and as
//! an undefined complete rule, gives the decision OPA gives: an undefined head contributes
//! nothing, a defined one its value. Bundled too: an app with nothing to mask has no obligation.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use microgov::{Context, Decision, Engine, EngineOptions, Outcome};
use std::path::PathBuf;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

fn now() -> chrono::DateTime<chrono::Utc> {
    "2026-11-26T10:00:00Z".parse().unwrap()
}

/// Each head as a partial set: two elements each (one from a rule whose body fails: none).
const PARTIAL: &str = r#"package team.partial

import rego.v1

violation contains {"rule": "v_set", "message": "violation from a set"} if { true }

violation contains msg if { msg := input.nothing.here }

deny contains "deny from a set" if { true }

deny contains msg if { msg := sprintf("%s", [input.nothing]) }

warn contains {"rule": "w_set", "message": "warn from a set"} if { true }

warn contains msg if { msg := input.nothing }

obligation contains {"type": "notify", "connector": "crm", "fields": ["b", "a"]} if { true }

obligation contains o if { o := input.nothing }

required_approval contains {"role": "security", "reason": "partial"} if { true }

required_approval contains r if { r := input.nothing }
"#;

/// Each head as a defined complete rule.
const COMPLETE: &str = r#"package team.complete

import rego.v1

violation := {"rule": "v_one", "message": "one violation"}

deny := "one deny"

warn := {"rule": "w_one", "message": "one warning"}

obligation := "log-access"

required_approval := {"role": "data-governance", "reason": "complete"}
"#;

/// Each head as a complete rule that is undefined for this input, in the ways a rule can be:
/// a missing input member, a builtin over one, an object or a set built from one, a body that fails.
const UNDEFINED: &str = r#"package team.undefined

import rego.v1

violation := input.nothing.here

deny := sprintf("denied: %s", [input.nothing])

warn := {"rule": "w_undefined", "message": input.nothing}

obligation := input.findings.nothing

required_approval := {"role": "security", "reason": "undefined"} if { input.nothing }
"#;

fn team(tag: &str, files: &[(&str, &str)]) -> Engine {
    let dir = std::env::temp_dir().join(format!("microgov-heads-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (name, source) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, source).unwrap();
    }
    Engine::with_options(EngineOptions::default().policy_dir(&dir)).unwrap()
}

/// An app with nothing to mask (no connector receives regulated fields).
fn decide(engine: &Engine) -> Decision {
    let text = std::fs::read_to_string(fixtures().join("apps/readonly-dashboard.yaml")).unwrap();
    let app = engine.parse_manifest(&text).unwrap();
    engine.evaluate(&app, &Context::at(now()).with_decision_id("heads")).unwrap()
}

/// What one team package put in a decision, as `head:rule:message` strings and the like.
fn from(d: &Decision, policy: &str) -> Vec<String> {
    let mut out = Vec::new();
    out.extend(
        d.violations.iter().filter(|v| v.policy == policy).map(|v| format!("violation:{}:{}", v.rule, v.message)),
    );
    out.extend(d.warnings.iter().filter(|v| v.policy == policy).map(|v| format!("warn:{}:{}", v.rule, v.message)));
    let wire = d.to_value();
    for o in wire["obligations"].as_array().unwrap() {
        match o {
            serde_json::Value::String(s) if policy == "team.complete" => out.push(format!("obligation:{s}")),
            serde_json::Value::Object(m) if m.get("policy").and_then(|p| p.as_str()) == Some(policy) => {
                out.push(format!("obligation:{}", serde_json::to_string(o).unwrap()))
            }
            _ => {}
        }
    }
    out.extend(d.required_approvals.iter().map(|r| format!("required:{}:{}", r.role, r.reason)).filter(|r| {
        (policy == "team.partial" && r.ends_with(":partial"))
            || (policy == "team.complete" && r.ends_with(":complete"))
            || (policy == "team.undefined" && r.ends_with(":undefined"))
    }));
    out.sort();
    out
}

fn assert_clean(d: &Decision) {
    let text = serde_json::to_string(&d.to_value()).unwrap();
    assert!(!text.contains("<undefined>"), "{text}");
}

#[test]
fn an_app_with_nothing_to_mask_has_no_obligation() {
    let d = decide(&Engine::new().unwrap());
    assert!(d.obligations.is_empty(), "{:?}", d.obligations);
    assert_clean(&d);
}

#[test]
fn partial_set_heads_contribute_their_defined_elements() {
    let d = decide(&team("partial", &[("team/partial.rego", PARTIAL)]));
    assert_clean(&d);
    assert_eq!(
        from(&d, "team.partial"),
        [
            r#"obligation:{"connector":"crm","fields":["b","a"],"policy":"team.partial","type":"notify"}"#,
            "required:security:partial",
            "violation:deny:deny from a set",
            "violation:v_set:violation from a set",
            "warn:w_set:warn from a set",
        ]
    );
    assert_eq!(d.outcome, Outcome::Deny);
}

#[test]
fn defined_complete_rules_contribute_their_value() {
    let d = decide(&team("complete", &[("team/complete.rego", COMPLETE)]));
    assert_clean(&d);
    assert_eq!(
        from(&d, "team.complete"),
        [
            "obligation:log-access",
            "required:data-governance:complete",
            "violation:deny:one deny",
            "violation:v_one:one violation",
            "warn:w_one:one warning",
        ]
    );
    assert_eq!(d.outcome, Outcome::Deny);
}

#[test]
fn undefined_complete_rules_contribute_nothing() {
    let bundled = decide(&Engine::new().unwrap());
    let d = decide(&team("undefined", &[("team/undefined.rego", UNDEFINED)]));
    assert_clean(&d);
    assert_eq!(from(&d, "team.undefined"), Vec::<String>::new());
    // The decision is the bundled policies' alone: no deny, warning, obligation or approval added.
    assert_eq!(d.outcome, bundled.outcome);
    assert_eq!(d.violations, bundled.violations);
    assert_eq!(d.warnings, bundled.warnings);
    assert_eq!(d.obligations, bundled.obligations);
    assert_eq!(d.required_approvals, bundled.required_approvals);
}

#[test]
fn the_three_forms_together_add_up() {
    let d = decide(&team(
        "all",
        &[("team/partial.rego", PARTIAL), ("team/complete.rego", COMPLETE), ("team/undefined.rego", UNDEFINED)],
    ));
    assert_clean(&d);
    assert_eq!(from(&d, "team.partial").len(), 5);
    assert_eq!(from(&d, "team.complete").len(), 5);
    assert!(from(&d, "team.undefined").is_empty());
}
