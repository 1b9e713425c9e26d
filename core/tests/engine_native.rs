//! Which bundled packages run natively, and that editing, extending or replacing one
//! puts its Rego back in charge (`core/src/engine/native/`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use microgov::{Context, Decision, Engine, EngineOptions};

const ALL_NATIVE: [&str; 4] = ["microgov.residency", "microgov.pii", "microgov.secrets", "microgov.egress"];

const APP: &str = r#"
apiVersion: microgov.dev/v1
kind: MicroApp
metadata: { name: flows-app, owner: ana@acme.example, createdAt: 2026-11-01T09:00:00Z }
spec:
  auth: { sso: oidc, mfa: true }
  datasets:
    - { name: people, classification: confidential, residency: EU, retentionDays: 30, fields: [{ name: email, categories: [pii] }] }
  connectors:
    - { name: dublin, type: database, region: aws:eu-west-1, datasets: [people] }
    - { name: virginia, type: database, region: aws:us-east-1, datasets: [people] }
"#;

fn decide(engine: &Engine) -> Decision {
    let app = engine.parse_manifest(APP).unwrap();
    engine.evaluate(&app, &Context::at("2026-11-26T10:00:00Z".parse().unwrap()).with_decision_id("n")).unwrap()
}

fn rules(d: &Decision, policy: &str) -> Vec<String> {
    let mut r: Vec<String> = d.violations.iter().filter(|v| v.policy == policy).map(|v| v.rule.clone()).collect();
    r.sort();
    r
}

fn write(dir: &std::path::Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
}

#[test]
fn the_bundled_packages_run_natively_unless_told_otherwise() {
    let engine = Engine::new().unwrap();
    let mut got = engine.native_packages();
    got.sort_unstable();
    let mut want = ALL_NATIVE.to_vec();
    want.push("microgov.decision");
    want.sort_unstable();
    assert_eq!(got, want);
    assert!(engine.is_compiled());

    let rego = Engine::with_options(EngineOptions { rego_only: true, ..EngineOptions::default() }).unwrap();
    assert!(rego.native_packages().is_empty());
    assert!(rego.is_compiled());

    let interpreted = Engine::with_options(EngineOptions { interpreter: true, ..EngineOptions::default() }).unwrap();
    assert!(interpreted.native_packages().is_empty());
    assert!(!interpreted.is_compiled());
}

#[test]
fn a_file_added_to_a_bundled_package_is_refused_naming_both_files() {
    // It used to merge silently into the bundled package (issue 22): now only a bundle that
    // replaces the bundled one (a `.manifest` claiming its root) may define that package.
    let dir = common::root().join("fixtures/policies/claims-pii");
    let err = Engine::with_options(EngineOptions::default().policy_dir(&dir)).unwrap_err();
    assert_eq!(err.code(), "policy.bundled_package");
    let msg = err.to_string();
    assert!(msg.contains(&format!("{}:4: package microgov.pii", dir.join("pii_extra.rego").display())), "{msg}");
    assert!(msg.contains("policy-bundles/pii/pii.rego"), "{msg}");
    assert!(msg.contains("microgov/pii"), "{msg}");
    let d = microgov::ffi::ErrorDetails::of(&err);
    assert_eq!(d.file.as_deref(), Some(dir.join("pii_extra.rego").to_str().unwrap()));
    assert_eq!(d.line, Some(4));

    // A package under a bundled root's child (`microgov.residency.extra`) is refused too.
    let nested = common::temp_dir("native-nested");
    write(&nested, &[("extra.rego", "package microgov.residency.extra\n\nimport rego.v1\n\nx := 1\n")]);
    let err = Engine::with_options(EngineOptions::default().policy_dir(&nested)).unwrap_err();
    assert_eq!(err.code(), "policy.bundled_package");
    assert!(err.to_string().contains("policy-bundles/residency/"), "{err}");

    // Beside the bundled roots (`microgov.packs.<name>`, `microgov.pii_extras`) is the team's own.
    let beside = common::temp_dir("native-beside");
    write(&beside, &[("mine.rego", "package microgov.pii_extras\n\nimport rego.v1\n\nx := 1\n")]);
    assert!(Engine::with_options(EngineOptions::default().policy_dir(&beside)).is_ok());
}

#[test]
fn a_team_bundle_that_extends_a_bundled_package_by_replacing_it_turns_its_native_path_off() {
    let dir = common::temp_dir("native-extend");
    let pii = common::root().join("policy-bundles/pii");
    for f in std::fs::read_dir(&pii).unwrap() {
        let p = f.unwrap().path();
        let name = p.file_name().unwrap().to_str().unwrap().to_string();
        if !name.ends_with("_test.rego") {
            std::fs::copy(&p, dir.join(&name)).unwrap();
        }
    }
    write(
        &dir,
        &[(
            "extra.rego",
            "package microgov.pii\n\nimport rego.v1\n\nwarn contains \"team rule\" if input.findings.regulated\n",
        )],
    );
    let engine = Engine::with_options(EngineOptions::default().policy_dir(&dir)).unwrap();
    assert!(!engine.native_packages().contains(&"microgov.pii"), "{:?}", engine.native_packages());
    assert!(engine.native_packages().contains(&"microgov.residency"));
    let d = decide(&engine);
    assert!(d.warnings.iter().any(|w| w.message == "team rule"), "{:?}", d.warnings);
}

#[test]
fn a_team_bundle_that_claims_the_residency_root_replaces_the_bundled_rules() {
    let bundled = decide(&Engine::new().unwrap());
    assert_eq!(rules(&bundled, "residency"), ["cross_border_transfer"]);

    let dir = common::temp_dir("native-replace");
    write(
        &dir,
        &[
            (".manifest", r#"{"revision": "team-1", "roots": ["microgov/residency"]}"#),
            (
                "residency.rego",
                r#"package microgov.residency

import rego.v1

# METADATA
# title: Data leaves Germany
# custom:
#   severity: high
violation contains v if {
	some f in input.findings.flows
	f.known_region
	f.country != "DE"
	v := {
		"rule": "outside_germany",
		"message": sprintf("dataset %s leaves Germany through %s", [f.dataset, f.connector]),
		"path": sprintf("/spec/connectors/%d/region", [f.connector_index]),
		"dataset": f.dataset,
		"connector": f.connector,
	}
}
"#,
            ),
        ],
    );
    let engine = Engine::with_options(EngineOptions::default().policy_dir(&dir)).unwrap();
    assert!(!engine.native_packages().contains(&"microgov.residency"));
    let d = decide(&engine);
    // Ireland is inside the EU but not Germany: the team's rule, not the bundled one, decides.
    assert_eq!(rules(&d, "residency"), ["outside_germany", "outside_germany"]);
    let v = d.violations.iter().find(|v| v.connector.as_deref() == Some("dublin")).unwrap();
    assert_eq!(v.message, "dataset people leaves Germany through dublin");
    assert_eq!(v.severity, "high");
    assert_eq!(d.policy_revisions.get(&dir.file_name().unwrap().to_string_lossy().to_string()).unwrap(), "team-1");
    assert!(!d.policy_revisions.contains_key("residency"), "{:?}", d.policy_revisions);
}

#[test]
fn the_bundled_files_loaded_from_disk_still_run_natively() {
    let root = common::root().join("policy-bundles");
    let mut opts = EngineOptions { without_bundled: true, ..EngineOptions::default() };
    for b in ["egress", "governance", "pii", "residency", "secrets"] {
        opts = opts.policy_dir(root.join(b));
    }
    let engine = Engine::with_options(opts).unwrap();
    assert_eq!(engine.native_packages().len(), 4, "{:?}", engine.native_packages());
    // The bundled engine also runs the packages of the other bundles (identity, delivery ...):
    // compare what these five decide.
    let of_these = |d: microgov::Decision| -> Vec<microgov::Violation> {
        let five = ["egress", "governance", "pii", "residency", "secrets"];
        d.violations.into_iter().filter(|v| five.contains(&v.policy.as_str())).collect()
    };
    assert_eq!(decide(&engine).violations, of_these(decide(&Engine::new().unwrap())));
}
