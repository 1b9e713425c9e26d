//! The decision in Rego (`policy-bundles/decision/`): the bundled package gives the decision the
//! engine assembles natively, a team's own version of it changes decisions, and a version of the
//! wrong shape is a typed error naming the field.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use microgov::model::approval::approvals_from_str;
use microgov::{Context, Decision, Engine, EngineOptions, Severity};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

fn bundled_decision() -> String {
    std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../policy-bundles/decision/decision.rego"))
        .unwrap()
}

/// A fresh folder holding `decision.rego` and a `.manifest` that claims the bundled decision's
/// root: the folder replaces the bundled decision bundle.
fn team_decision(tag: &str, source: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("microgov-decision-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("decision.rego"), source).unwrap();
    std::fs::write(dir.join(".manifest"), r#"{"revision": "team-1", "roots": ["microgov/decision"]}"#).unwrap();
    dir
}

fn engine_with(dir: &Path) -> Engine {
    Engine::with_options(EngineOptions::default().policy_dir(dir)).unwrap()
}

/// Every fixture app with its approvals (as `fixtures/apps/expected.json` names them).
fn fixture_apps(engine: &Engine) -> Vec<(String, microgov::model::Manifest, Context)> {
    let table: Value =
        serde_json::from_str(&std::fs::read_to_string(fixtures().join("apps/expected.json")).unwrap()).unwrap();
    let now = table["now"].as_str().unwrap().parse().unwrap();
    let mut out = Vec::new();
    for (file, exp) in table["apps"].as_object().unwrap() {
        let text = std::fs::read_to_string(fixtures().join("apps").join(file)).unwrap();
        let approvals = match exp.get("approvals_file").and_then(Value::as_str) {
            Some(f) => {
                approvals_from_str(&std::fs::read_to_string(fixtures().join("approvals").join(f)).unwrap()).unwrap()
            }
            None => Vec::new(),
        };
        let ctx = Context::at(now).with_decision_id("fixture").with_approvals(approvals);
        out.push((file.clone(), engine.parse_manifest(&text).unwrap(), ctx));
    }
    assert!(out.len() >= 12, "{} fixture apps", out.len());
    out
}

/// The decision without `policy_revisions`, which names the bundle the decision package came from.
fn without_revisions(d: &Decision) -> Value {
    let mut v = d.to_value();
    v.as_object_mut().unwrap().remove("policy_revisions");
    v
}

#[test]
fn the_bundled_decision_package_in_regorus_gives_the_native_decision_on_every_fixture() {
    let native = Engine::new().unwrap();
    assert!(!native.decides_in_rego(), "the bundled decision package is assembled natively");
    assert!(native.native_packages().contains(&"microgov.decision"));
    // One comment more: no longer the bundled file, so the engine runs it.
    let edited = format!("{}\n# the same decision, run in Rego\n", bundled_decision());
    let rego = engine_with(&team_decision("same", &edited));
    assert!(rego.decides_in_rego());
    assert!(rego.is_compiled(), "the decision package runs in the compiled VM");
    assert!(rego.native_packages().is_empty(), "the Rego decision reads every package from the VM");
    // A file added to the package (a helper the result does not use) in a bundle that replaces
    // the bundled one runs it in Rego too (without the `.manifest` it is refused: engine_native.rs).
    let extended_dir = team_decision("extended", &bundled_decision());
    std::fs::write(extended_dir.join("note.rego"), "package microgov.decision\n\nnote := \"ours\"\n").unwrap();
    let extended = engine_with(&extended_dir);
    assert!(extended.decides_in_rego());
    // And every rule in Rego runs the bundled decision package in Rego, in the VM and in the
    // interpreter.
    let vm = Engine::with_options(EngineOptions { rego_only: true, ..EngineOptions::default() }).unwrap();
    let interpreted = Engine::with_options(EngineOptions { interpreter: true, ..EngineOptions::default() }).unwrap();
    assert!(vm.decides_in_rego() && vm.is_compiled() && vm.native_packages().is_empty());
    assert!(interpreted.decides_in_rego() && !interpreted.is_compiled());
    let mut outcomes = std::collections::BTreeSet::new();
    let mut waived = 0;
    for (file, app, ctx) in fixture_apps(&native) {
        let want = native.evaluate(&app, &ctx).unwrap();
        let got = rego.evaluate(&app, &ctx).unwrap();
        assert_eq!(without_revisions(&got), without_revisions(&want), "{file}");
        let extended_got = extended.evaluate(&app, &ctx).unwrap();
        assert_eq!(without_revisions(&extended_got), without_revisions(&want), "{file}: bundled and extended");
        assert_eq!(vm.evaluate(&app, &ctx).unwrap(), want, "{file}: rego_only");
        assert_eq!(interpreted.evaluate(&app, &ctx).unwrap(), want, "{file}: interpreter");
        assert_eq!(got.policy_revisions.get("decision"), None);
        assert!(got.policy_revisions.values().any(|r| r == "team-1"), "{:?}", got.policy_revisions);
        outcomes.insert(want.outcome.as_str());
        waived += want.waived.len();
    }
    assert_eq!(outcomes.len(), 3, "the fixtures cover deny, review and allow: {outcomes:?}");
    assert!(waived > 0, "and waivers");
}

#[test]
fn a_team_decision_that_makes_medium_violations_warnings_changes_decisions() {
    let bundled = bundled_decision();
    let open = "violations := [shown(v) | some v in every_violation; waiver_of(valid_approvals, v) == null]";
    let warn = "warnings := [shown(v) | some v in sorted_unique(array.concat(";
    let warn_end = "\tapproval_warnings,\n))]\n";
    for line in [open, warn, warn_end] {
        assert!(bundled.contains(line), "the bundled package changed: update this test ({line})");
    }
    let team = bundled
        .replace(open, &format!("{}; v.severity != \"medium\"]", open.trim_end_matches(']')))
        .replace(warn, "warnings := [shown(v) | some v in sorted_unique(array.concat(demoted, array.concat(")
        .replace(
            warn_end,
            "\tapproval_warnings,\n)))]\n\n\
             # Medium violations only warn here.\n\
             demoted := [v | some v in every_violation; waiver_of(valid_approvals, v) == null; v.severity == \"medium\"]\n",
        );
    let native = Engine::new().unwrap();
    let lenient = engine_with(&team_decision("lenient", &team));
    assert!(lenient.decides_in_rego());
    // An app whose one violation is medium: its lifetime is longer than a year.
    let long_lived = native
        .parse_manifest(
            "apiVersion: microgov.dev/v1\nkind: MicroApp\nmetadata: { name: long-lived, owner: ana@acme.example, \
             createdAt: 2026-11-01T09:00:00Z, expiresAt: 2028-11-01T09:00:00Z }\nspec:\n  environment: staging\n  \
             auth: { sso: oidc, mfa: true }\n  datasets: [{ name: tickets, classification: internal }]\n",
        )
        .unwrap();
    let ctx = Context::at("2026-11-26T10:00:00Z".parse().unwrap());
    let (strict, got) = (native.evaluate(&long_lived, &ctx).unwrap(), lenient.evaluate(&long_lived, &ctx).unwrap());
    assert_eq!(strict.outcome.as_str(), "deny", "{strict:#?}");
    assert!(strict.violations.iter().all(|v| v.severity == Severity::Medium), "{:#?}", strict.violations);
    assert!(got.violations.is_empty() && got.outcome.as_str() != "deny", "{got:#?}");
    assert_eq!(got.warnings.iter().map(|w| &w.rule).collect::<Vec<_>>(), ["lifetime_too_long"]);
    for (file, app, ctx) in fixture_apps(&native) {
        let strict = native.evaluate(&app, &ctx).unwrap();
        let got = lenient.evaluate(&app, &ctx).unwrap();
        let (medium, high): (Vec<_>, Vec<_>) =
            strict.violations.iter().cloned().partition(|v| v.severity == Severity::Medium);
        let mut warnings = strict.warnings.clone();
        warnings.extend(medium.iter().cloned());
        warnings.sort();
        assert_eq!(got.violations, high, "{file}");
        assert_eq!(got.warnings, warnings, "{file}");
        assert_eq!(got.required_approvals, strict.required_approvals, "{file}");
        assert_eq!(got.waived, strict.waived, "{file}");
        let outcome = if !high.is_empty() {
            "deny"
        } else if !strict.required_approvals.is_empty() {
            "review"
        } else {
            "allow"
        };
        assert_eq!(got.outcome.as_str(), outcome, "{file}");
    }
}

#[test]
fn a_decision_package_of_the_wrong_shape_is_a_bad_result_naming_the_field() {
    let native = Engine::new().unwrap();
    let (_, app, ctx) = fixture_apps(&native).into_iter().next().unwrap();
    let lists = r#""waived": [], "warnings": [], "required_approvals": [], "obligations": []"#;
    for (tag, result, field) in [
        ("outcome", format!(r#"{{"outcome": "maybe", "violations": [], {lists}}}"#), "result.outcome"),
        (
            "item",
            format!(
                r#"{{"outcome": "deny", "violations": [{{"policy": "p", "rule": "r", "severity": "high"}}], {lists}}}"#
            ),
            "result.violations[0]",
        ),
        ("missing", r#"{"outcome": "allow"}"#.to_string(), "result.violations"),
        ("scalar", "3".to_string(), "result"),
    ] {
        let source = format!("package microgov.decision\n\nimport rego.v1\n\nresult := {result}\n");
        let engine = engine_with(&team_decision(tag, &source));
        let err = engine.evaluate(&app, &ctx).unwrap_err();
        assert_eq!(err.code(), "policy.bad_result", "{tag}: {err}");
        assert!(
            err.to_string().contains(&format!("microgov.decision produced an unreadable {field}:")),
            "{tag}: {err}"
        );
    }
    let undefined = "package microgov.decision\n\nimport rego.v1\n\nresult := input.nothing.here\n";
    let err = engine_with(&team_decision("undefined", undefined)).evaluate(&app, &ctx).unwrap_err();
    assert_eq!(err.code(), "policy.bad_result");
    assert!(err.to_string().contains("unreadable result: undefined"), "{err}");
}

#[test]
fn a_copy_of_the_bundled_package_is_still_the_bundled_one() {
    let copy = team_decision("copy", &bundled_decision());
    let engine = engine_with(&copy);
    assert!(!engine.decides_in_rego(), "byte for byte the bundled file: assembled natively");
    assert!(engine.bundles().iter().all(|b| b.name != "decision"), "the folder took the bundled bundle's place");
    let alone = Engine::with_options(EngineOptions { without_bundled: true, ..EngineOptions::default() }).unwrap();
    assert!(!alone.decides_in_rego(), "no decision package: assembled natively");
}

#[test]
fn the_entry_module_gathers_every_package_and_names_its_metadata() {
    let engine = Engine::new().unwrap();
    let entry = engine.entry_module();
    assert!(entry.contains("package microgov_entry"), "{entry}");
    assert!(entry.contains("\"violation\": [x | x = data[\"microgov\"][\"residency\"].violation]"), "{entry}");
    assert!(entry.contains("\"policy\": \"residency\""), "{entry}");
    assert!(entry.contains("\"exception\": \"residency.transfer\""), "{entry}");
    assert!(!entry.contains("microgov.decision\""), "the decision package is no policy: {entry}");
    assert!(!entry.contains("decision :="), "the bundled decision is assembled natively");
}
