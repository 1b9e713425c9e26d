//! The bundled rules that look at each flow, field, secret reference and URL,
//! through the real engine: each finds what it should, reads its limits from
//! the data, and becomes the documented violation.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use microgov::{Context, Decision, Engine, EngineOptions};
use serde_json::json;

fn ctx() -> Context {
    Context::at("2026-11-26T10:00:00Z".parse().unwrap()).with_decision_id("t")
}

/// A well-governed app; tests append datasets, connectors, secrets and egress.
fn manifest(datasets: &str, connectors: &str, extra: &str) -> String {
    format!(
        r#"
apiVersion: microgov.dev/v1
kind: MicroApp
metadata: {{ name: checks-app, owner: ana@acme.example, createdAt: 2026-11-01T09:00:00Z }}
spec:
  auth: {{ sso: oidc, mfa: true }}
  datasets:
{datasets}
  connectors:
{connectors}
{extra}
"#
    )
}

fn run(engine: &Engine, text: &str) -> Decision {
    let app = engine.parse_manifest(text).unwrap();
    engine.evaluate(&app, &ctx()).unwrap()
}

/// `(rule, path)` of every open violation of one policy, sorted.
fn items(d: &Decision, policy: &str) -> Vec<(String, String)> {
    let mut r: Vec<_> = d
        .violations
        .iter()
        .filter(|v| v.policy == policy)
        .map(|v| (v.rule.clone(), v.path.clone().unwrap_or_default()))
        .collect();
    r.sort();
    r
}

fn rules(d: &Decision, policy: &str) -> Vec<(String, Option<String>)> {
    let mut r: Vec<_> =
        d.violations.iter().filter(|v| v.policy == policy).map(|v| (v.rule.clone(), v.path.clone())).collect();
    r.sort();
    r
}

const EU_PEOPLE: &str = "    - { name: people, classification: confidential, residency: EU, retentionDays: 30, fields: [{ name: email, categories: [pii] }] }";

#[test]
fn residency_checks_resolve_each_flow() {
    let engine = Engine::new().unwrap();
    let connectors = "    - { name: here, type: database, region: aws:eu-west-1, datasets: [people] }\n    - { name: london, type: database, region: aws:eu-west-2, datasets: [people] }\n    - { name: nowhere, type: database, datasets: [people] }";
    let d = run(&engine, &manifest(EU_PEOPLE, connectors, ""));
    assert_eq!(
        items(&d, "residency"),
        vec![
            ("cross_border_transfer".into(), "/spec/connectors/1/region".into()),
            ("region_undeclared".into(), "/spec/connectors/2".into())
        ]
    );
    let v = d.violations.iter().find(|v| v.rule == "cross_border_transfer").unwrap();
    assert_eq!((v.dataset.as_deref(), v.connector.as_deref()), (Some("people"), Some("london")));
    assert_eq!(v.exception.as_deref(), Some("residency.transfer"));
    assert_eq!(v.message, "dataset people (residency EU) flows through connector london to aws:eu-west-2 in GB (UK)");

    // An adequacy entry in the data lets EU data go to the UK.
    let adequate = Engine::with_options(
        EngineOptions::default().data(json!({"microgov": {"residency": {"adequacy": {"EU": ["UK"]}}}})),
    )
    .unwrap();
    let d = run(&adequate, &manifest(EU_PEOPLE, connectors, ""));
    assert_eq!(items(&d, "residency"), vec![("region_undeclared".into(), "/spec/connectors/2".into())]);
}

#[test]
fn country_residency_and_sovereign_data() {
    let engine = Engine::new().unwrap();
    let datasets = "    - { name: de, classification: internal, residency: DE, fields: [{ name: total }] }\n    - { name: sov, classification: internal, residency: EU, sovereign: true, fields: [{ name: total }] }";
    let connectors = "    - { name: nl, type: database, region: azure:westeurope, datasets: [de, sov] }\n    - { name: frankfurt, type: database, region: aws:eu-central-1, datasets: [de] }";
    let d = run(&engine, &manifest(datasets, connectors, ""));
    assert_eq!(
        items(&d, "residency"),
        vec![
            ("cross_border_transfer".into(), "/spec/connectors/0/region".into()),
            ("sovereign_region_required".into(), "/spec/connectors/0/region".into())
        ]
    );
    assert_eq!(rules(&d, "residency").len(), 2);
}

#[test]
fn pii_checks_cover_exports_retention_untagged_fields_and_masking() {
    let engine = Engine::new().unwrap();
    let datasets = "    - { name: people, classification: confidential, fields: [{ name: email, categories: [pii] }, { name: phone_number }] }\n    - { name: long, classification: confidential, retentionDays: 4000, fields: [{ name: ssn, categories: [pii] }] }\n    - { name: plain, classification: internal, fields: [{ name: total }] }";
    let connectors = "    - { name: crm, type: database, region: aws:eu-west-1, datasets: [people, long], exportsPii: true }\n    - { name: raw, type: database, region: aws:eu-west-1, datasets: [people], needsRawValues: true }\n    - { name: stats, type: database, region: aws:eu-west-1, datasets: [plain] }";
    let d = run(&engine, &manifest(datasets, connectors, ""));
    let got = items(&d, "pii");
    assert_eq!(
        got,
        vec![
            ("pii_export_unapproved".into(), "/spec/connectors/0/exportsPii".into()),
            ("retention_missing".into(), "/spec/datasets/0".into()),
            ("retention_too_long".into(), "/spec/datasets/1/retentionDays".into()),
            ("untagged_pii_field".into(), "/spec/datasets/0/fields/1".into()),
        ]
    );
    // Masking: the regulated fields the connector receives, sorted; not for a connector that needs raw values.
    assert_eq!(d.obligations.len(), 1, "{:?}", d.obligations);
    assert_eq!(d.obligations[0]["connector"], "crm");
    assert_eq!(d.obligations[0]["fields"], json!(["email", "ssn"]));
    let v = d.violations.iter().find(|v| v.rule == "retention_too_long").unwrap();
    assert_eq!(v.message, "dataset long keeps personal data 4000 days, more than 730");

    // The limit comes from the data.
    let lax =
        Engine::with_options(EngineOptions::default().data(json!({"microgov": {"pii": {"max_retention_days": 5000}}})))
            .unwrap();
    let d = run(&lax, &manifest(datasets, connectors, ""));
    assert!(!items(&d, "pii").iter().any(|(c, _)| c == "retention_too_long"));
}

#[test]
fn secrets_checks_cover_stores_and_rotation() {
    let engine = Engine::new().unwrap();
    let connectors = "    - { name: db, type: database, region: aws:eu-west-1, datasets: [people], secretRef: 'https://paste.example/x', rotationDays: 365 }\n    - { name: ok, type: database, region: aws:eu-west-1, datasets: [people], secretRef: 'vault://kv/ok', rotationDays: 30 }";
    let extra = "  secrets:\n    - { name: api, ref: 'file:///etc/key', rotationDays: 120 }\n    - { name: fine, ref: 'aws-sm://prod/key' }";
    let d = run(&engine, &manifest(EU_PEOPLE, connectors, extra));
    assert_eq!(
        items(&d, "secrets"),
        vec![
            ("rotation_too_long".into(), "/spec/connectors/0/rotationDays".into()),
            ("rotation_too_long".into(), "/spec/secrets/0/rotationDays".into()),
            ("unapproved_secret_store".into(), "/spec/connectors/0/secretRef".into()),
            ("unapproved_secret_store".into(), "/spec/secrets/0/ref".into()),
        ]
    );
    let msgs: Vec<&str> = d.violations.iter().filter(|v| v.policy == "secrets").map(|v| v.message.as_str()).collect();
    assert!(
        msgs.contains(&"connector db references its secret in an unapproved store: https://paste.example/x"),
        "{msgs:?}"
    );
    assert!(msgs.contains(&"secret api rotates its credential every 120 days, more than 90"), "{msgs:?}");
    let store = d.violations.iter().find(|v| v.path.as_deref() == Some("/spec/connectors/0/secretRef")).unwrap();
    assert_eq!(store.connector.as_deref(), Some("db"));
}

#[test]
fn egress_checks_give_every_reason_per_url() {
    let engine = Engine::new().unwrap();
    let connectors = "    - { name: db, type: database, endpoint: 'https://10.1.2.3:5432', region: aws:eu-west-1, datasets: [people] }\n    - { name: local, type: api, endpoint: 'http://127.0.0.1:8080', datasets: [people], region: aws:eu-west-1 }";
    let extra = "  egress:\n    - https://api.stripe.com\n    - http://abc.ngrok.io:8080/hook\n    - http://169.254.169.254/latest/meta-data\n    - https://user:pw@example.com/";
    let d = run(&engine, &manifest(EU_PEOPLE, connectors, extra));
    let got = items(&d, "egress");
    assert_eq!(
        got,
        vec![
            ("denied_host".into(), "/spec/egress/1".into()),
            ("internal_address".into(), "/spec/connectors/1/endpoint".into()),
            ("internal_address".into(), "/spec/egress/2".into()),
            ("non_https".into(), "/spec/egress/1".into()),
            ("non_https".into(), "/spec/egress/2".into()),
            ("port_not_allowed".into(), "/spec/egress/1".into()),
            ("port_not_allowed".into(), "/spec/egress/2".into()),
            ("suspicious_url".into(), "/spec/egress/3".into()),
        ]
    );
    let denied = d.violations.iter().find(|v| v.rule == "denied_host").unwrap();
    assert_eq!(denied.message, "egress host abc.ngrok.io is denied by the platform (*.ngrok.io)");
    let meta = d
        .violations
        .iter()
        .find(|v| v.path.as_deref() == Some("/spec/egress/2") && v.rule == "internal_address")
        .unwrap();
    assert_eq!(meta.severity, "critical");
    assert!(meta.message.contains("(metadata)"), "{}", meta.message);

    // An allow-list and an exact-IP exception from the data.
    let data = json!({"microgov": {"egress": {"allow": ["*.stripe.com"], "ip_exceptions": ["127.0.0.1"]}}});
    let strict = Engine::with_options(EngineOptions::default().data(data)).unwrap();
    let d = run(&strict, &manifest(EU_PEOPLE, connectors, extra));
    let got = items(&d, "egress");
    assert!(!got.contains(&("internal_address".into(), "/spec/connectors/1/endpoint".into())), "{got:?}");
    assert!(got.contains(&("host_not_allowed".into(), "/spec/egress/3".into())), "{got:?}");
    assert!(!got.contains(&("host_not_allowed".into(), "/spec/egress/0".into())), "{got:?}");
    // A denied host is reported as denied, not also as off the allow-list.
    assert!(!got.contains(&("host_not_allowed".into(), "/spec/egress/1".into())), "{got:?}");
}

#[test]
fn input_digest_covers_app_and_context_and_host_data_is_a_revision() {
    use sha2::{Digest, Sha256};
    let engine = Engine::new().unwrap();
    let app = engine
        .parse_manifest(&manifest(
            EU_PEOPLE,
            "    - { name: here, type: database, region: aws:eu-west-1, datasets: [people] }",
            "",
        ))
        .unwrap();
    let input = engine.input_document(&app, &ctx()).unwrap();
    let d = engine.evaluate(&app, &ctx()).unwrap();
    // serde_json's maps are sorted and compact output is the canonical form.
    let canonical = serde_json::to_vec(&json!({"app": input["app"], "context": input["context"]})).unwrap();
    let hex: String = Sha256::digest(&canonical).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(d.input_digest, format!("sha256:{hex}"));
    assert!(!d.policy_revisions.contains_key("data"));

    let with_data =
        Engine::with_options(EngineOptions::default().data(json!({"microgov": {"pii": {"max_retention_days": 10}}})))
            .unwrap();
    let d2 = with_data.evaluate(&app, &ctx()).unwrap();
    assert!(d2.policy_revisions["data"].starts_with("sha256:"), "{:?}", d2.policy_revisions);
    assert_eq!(d2.input_digest, d.input_digest, "same question, different engine: named by the revisions");
}

#[test]
fn a_team_policy_reading_any_finding_gets_it() {
    let dir = std::env::temp_dir().join(format!("microgov-needs-{}", std::process::id()));
    for (name, rego) in [
        ("flows", "package team.flows\nimport rego.v1\nviolation contains f.connector if { some f in input.findings.flows; f.jurisdiction == \"UK\" }\n"),
        ("whole", "package team.whole\nimport rego.v1\nf := input.findings\nviolation contains name if { some name, d in f.datasets; d.regulated }\n"),
        ("spec", "package team.spec\nimport rego.v1\nviolation contains c.name if { some c in input.app.spec.connectors; c.region == \"aws:eu-west-2\" }\n"),
        ("app", "package team.app\nimport rego.v1\na := input.app\nviolation contains d.name if { some d in a.spec.datasets; count(d.fields) > 0 }\n"),
    ] {
        let d = dir.join(name);
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("p.rego"), rego).unwrap();
    }
    let connectors = "    - { name: london, type: database, region: aws:eu-west-2, datasets: [people] }";
    let bundled_only = run(&Engine::new().unwrap(), &manifest(EU_PEOPLE, connectors, ""));
    for (name, policy, expected) in [
        ("flows", "team.flows", "london"),
        ("whole", "team.whole", "people"),
        ("spec", "team.spec", "london"),
        ("app", "team.app", "people"),
    ] {
        let engine = Engine::with_options(EngineOptions::default().policy_dir(dir.join(name))).unwrap();
        let d = run(&engine, &manifest(EU_PEOPLE, connectors, ""));
        let team: Vec<&str> = d.violations.iter().filter(|v| v.policy == policy).map(|v| v.message.as_str()).collect();
        assert_eq!(team, vec![expected], "{name}: {:#?}", d.violations);
        // The digest hashes the whole manifest, whatever the policies read.
        assert_eq!(d.input_digest, bundled_only.input_digest, "{name}");
    }
    // The bundled policies alone do not read the flows; the input document still shows them.
    let engine = Engine::new().unwrap();
    run(&engine, &manifest(EU_PEOPLE, connectors, ""));
    let app = engine.parse_manifest(&manifest(EU_PEOPLE, connectors, "")).unwrap();
    let input = engine.input_document(&app, &ctx()).unwrap();
    assert_eq!(input["findings"]["flows"][0]["connector"], "london");
    let explained = engine.explain(&app, &ctx()).unwrap();
    assert_eq!(explained.input["findings"]["flows"], input["findings"]["flows"]);
    assert_eq!(explained.input["findings"]["connectors"]["london"]["jurisdiction"], "UK");
    // Nor `input.app.spec.connectors`, which the document shows too.
    assert_eq!(input["app"]["spec"]["connectors"][0]["name"], "london");
    assert_eq!(input["app"], serde_json::to_value(&app).unwrap());
    let _ = std::fs::remove_dir_all(&dir);
}
