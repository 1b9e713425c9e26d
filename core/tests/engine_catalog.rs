//! Policy packs (`spec.policies`), the connector catalog and the template catalog: what a
//! user relies on beyond the shared fixture table.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use microgov::model::codes;
use microgov::{Context, Engine, EngineOptions, Outcome};
use std::path::PathBuf;

fn now() -> chrono::DateTime<chrono::Utc> {
    "2026-11-26T10:00:00Z".parse().unwrap()
}

/// A production app with card numbers in a confidential dataset, kept 400 days; `extra`
/// goes at the end of `spec`.
fn card_app(extra: &str) -> String {
    format!(
        r#"
apiVersion: microgov.dev/v1
kind: MicroApp
metadata: {{ name: card-desk, owner: ana@acme.example, createdAt: 2026-11-01T09:00:00Z }}
spec:
  template: expense-approval@2.1.0
  environment: production
  auth: {{ sso: oidc, mfa: true }}
  datasets:
    - name: refunds
      classification: confidential
      retentionDays: 400
      fields: [{{ name: card_number, categories: [pci] }}]
{extra}
"#
    )
}

fn rules(d: &microgov::Decision, policy: &str) -> Vec<String> {
    let mut r: Vec<String> = d.violations.iter().filter(|v| v.policy == policy).map(|v| v.rule.clone()).collect();
    r.sort();
    r
}

#[test]
fn naming_pci_safe_changes_the_decision_as_its_header_says() {
    let engine = Engine::new().unwrap();
    let without = engine.evaluate(&engine.parse_manifest(&card_app("")).unwrap(), &Context::at(now())).unwrap();
    assert!(rules(&without, "packs.pci_safe").is_empty(), "a pack runs only for apps naming it");

    let app = engine.parse_manifest(&card_app("  policies: [pci-safe]")).unwrap();
    let with = engine.evaluate(&app, &Context::at(now())).unwrap();
    assert_eq!(rules(&with, "packs.pci_safe"), ["card_data_not_restricted", "card_data_retention"]);
    assert_eq!(with.outcome, Outcome::Deny);
    let retention = with.violations.iter().find(|v| v.rule == "card_data_retention").unwrap();
    assert_eq!(retention.path.as_deref(), Some("/spec/datasets/0"));
    assert!(retention.message.contains("PCI DSS Req. 3.2.1"), "{}", retention.message);
    assert!(retention.remediation.is_some(), "METADATA gives each pack rule its remediation");
    // A prepared app decides alike (the packs' input is built for it too).
    let prepared = engine.evaluate_prepared(&engine.prepare(&app).unwrap(), &Context::at(now())).unwrap();
    assert_eq!(rules(&prepared, "packs.pci_safe"), rules(&with, "packs.pci_safe"));
}

#[test]
fn a_misspelt_pack_is_a_validation_problem_naming_the_known_packs() {
    let err = Engine::new().unwrap().parse_manifest(&card_app("  policies: [gdpr, pci-saef]")).unwrap_err();
    let p = &err.problems()[0];
    assert_eq!((p.code.as_str(), p.path.as_str()), (codes::UNKNOWN_POLICY_PACK, "/spec/policies/1"));
    assert!(p.message.contains("did you mean \"pci-safe\"?"), "{}", p.message);
    assert!(p.message.contains("gdpr, hipaa, pci-safe, sox-controls"), "{}", p.message);
    assert_eq!(p.line, Some(14), "{p:?}");
}

#[test]
fn data_can_require_a_pack_for_a_category() {
    let data = serde_json::json!({"microgov": {"packs_required": {"pci": ["pci-safe"]}}});
    let engine = Engine::with_options(EngineOptions::default().data(data)).unwrap();
    let app = engine.parse_manifest(&card_app("")).unwrap();
    let d = engine.evaluate(&app, &Context::at(now())).unwrap();
    assert_eq!(rules(&d, "packs.pci_safe"), ["card_data_not_restricted", "card_data_retention"]);
    // An app without card data is not in the pack's scope.
    let plain = engine.parse_manifest(&card_app("").replace("categories: [pci]", "categories: []")).unwrap();
    assert!(rules(&engine.evaluate(&plain, &Context::at(now())).unwrap(), "packs.pci_safe").is_empty());
}

#[test]
fn a_team_registers_its_own_pack_under_microgov_packs() {
    let dir = std::env::temp_dir().join(format!("microgov-team-pack-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("acme.rego"),
        r#"# Pack acme-baseline: every app states its purpose.
package microgov.packs.acme_baseline

import rego.v1

# METADATA
# title: Purpose missing
# custom:
#   severity: low
violation contains {"rule": "purpose_missing", "message": "state the purpose", "path": "/spec/purpose"} if {
	not input.app.spec.purpose
}
"#,
    )
    .unwrap();
    let engine = Engine::with_options(EngineOptions::default().policy_dir(&dir)).unwrap();
    // Before the team's pack is loaded its name is unknown; with it, it is valid and runs.
    let err = Engine::new().unwrap().parse_manifest(&card_app("  policies: [acme-baseline]")).unwrap_err();
    assert_eq!(err.problems()[0].code, codes::UNKNOWN_POLICY_PACK);
    let named = engine.parse_manifest(&card_app("  policies: [acme-baseline]")).unwrap();
    let d = engine.evaluate(&named, &Context::at(now())).unwrap();
    assert_eq!(rules(&d, "packs.acme_baseline"), ["purpose_missing"]);
    let unnamed = engine.parse_manifest(&card_app("")).unwrap();
    assert!(rules(&engine.evaluate(&unnamed, &Context::at(now())).unwrap(), "packs.acme_baseline").is_empty());
    std::fs::remove_dir_all(&dir).unwrap();
}

const CONNECTORS: &str = r#"
apiVersion: microgov.dev/v1
kind: MicroApp
metadata: { name: sync, owner: ana@acme.example, createdAt: 2026-11-01T09:00:00Z }
spec:
  template: web-form@1.3.2
  environment: staging
  auth: { sso: oidc, mfa: true }
  connectors:
    - { name: crm, type: salesforse }
    - { name: chat, type: slack }
    - { name: db, type: postgres, endpoint: "https://db.internal.acme.example", access: write, rateLimit: 700 }
"#;

#[test]
fn connector_types_are_open_and_read_from_the_catalog() {
    let engine = Engine::new().unwrap();
    let app = engine.parse_manifest(CONNECTORS).unwrap();
    assert_eq!(app.spec.connectors[0].kind, "salesforse", "an unknown type parses, as written");
    assert!(app.spec.connectors[1].external, "slack is external by its catalog entry");
    assert!(!app.spec.connectors[2].external, "postgres: the endpoint decides");
    let d = engine.evaluate(&app, &Context::at(now())).unwrap();
    let unknown = d.violations.iter().find(|v| v.rule == "unknown_connector_type").unwrap();
    assert_eq!(unknown.path.as_deref(), Some("/spec/connectors/0/type"));
    assert!(unknown.message.contains("did you mean \"salesforce\"?"), "{}", unknown.message);
    let too_high = d.violations.iter().find(|v| v.rule == "rate_limit_too_high").unwrap();
    assert_eq!(too_high.path.as_deref(), Some("/spec/connectors/2/rateLimit"));
    // A deprecated template version warns and does not deny.
    let deprecated: Vec<&str> = d.warnings.iter().filter(|w| w.policy == "catalog").map(|w| w.rule.as_str()).collect();
    assert_eq!(deprecated, ["template_deprecated"], "{:#?}", d.warnings);
}

#[test]
fn the_catalog_is_data_a_platform_replaces() {
    // The platform's own catalog: slack blocked, templates required.
    let data = serde_json::json!({"microgov": {"catalog": {
        "require_template": true,
        "connectors": {"slack": {"class": "blocked", "external": true, "rate_limit_per_minute": null}}
    }}});
    let engine = Engine::with_options(EngineOptions::default().data(data)).unwrap();
    let app = engine.parse_manifest(&CONNECTORS.replace("  template: web-form@1.3.2\n", "")).unwrap();
    let d = engine.evaluate(&app, &Context::at(now())).unwrap();
    assert_eq!(
        rules(&d, "catalog"),
        ["blocked_connector", "rate_limit_too_high", "template_required", "unknown_connector_type"]
    );
}

#[test]
fn the_entry_module_gates_each_pack() {
    let engine = Engine::new().unwrap();
    let entry = engine.entry_module();
    assert!(entry.contains("applies_pci_safe if \"pci-safe\" in input.app.spec.policies"), "{entry}");
    assert!(
        entry.contains("[x | applies_pci_safe; x = data[\"microgov\"][\"packs\"][\"pci_safe\"].violation]"),
        "{entry}"
    );
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../policy-bundles/packs");
    for pack in ["pci_safe", "gdpr", "hipaa", "sox_controls"] {
        let src = std::fs::read_to_string(root.join(format!("{pack}.rego"))).unwrap();
        assert!(src.contains("What it requires"), "{pack}: the header states what the pack requires");
    }
}
