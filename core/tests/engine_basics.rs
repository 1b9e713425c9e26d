//! The engine on real Rego: compile once, decide, explain, run policy tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Utc};
use microgov::bundle::rego_test::run_tests;
use microgov::{bundle::Bundle, model::approval::approvals_from_str, Context, Engine, Manifest, Outcome};

const HR: &str = r#"
apiVersion: microgov.dev/v1
kind: MicroApp
metadata:
  name: hr-onboarding
  owner: jane.doe@acme.example
  tenant: acme
  createdAt: 2026-11-01T09:00:00Z
spec:
  builtBy: ai-assistant
  environment: production
  auth: { sso: oidc, mfa: true, localAccounts: false }
  datasets:
    - name: employees
      classification: confidential
      residency: EU
      encryption: byok
      retentionDays: 365
      fields:
        - { name: email, categories: [pii] }
  connectors:
    - name: hris
      type: database
      endpoint: https://hris.internal.acme.example
      region: aws:eu-west-1
      access: write
      datasets: [employees]
      secretRef: vault://secret/hr/hris
    - name: payroll
      type: api
      endpoint: https://payroll.internal.acme.example
      region: aws:us-east-1
      access: write
      datasets: [employees]
      secretRef: vault://secret/hr/payroll
  supplyChain:
    sbom: oci://registry.acme.example/apps/hr-onboarding:sbom
    signature: oci://registry.acme.example/apps/hr-onboarding:sig
    slsaLevel: 3
    scan: { at: 2026-11-20T00:00:00Z, critical: 0, high: 0 }
  observability: { auditEvents: true, logShipping: splunk://acme/apps, traces: true }
  agent: { model: azure-openai/gpt-4o, tools: [http-post], humanInTheLoop: true }
  support: { contact: people-apps@acme.example, sla: business-hours }
"#;

fn now() -> DateTime<Utc> {
    "2026-11-26T10:00:00Z".parse().unwrap()
}

#[test]
fn cross_border_flow_denies_until_an_exception_waives_it() {
    // The exception is by dpo@acme.example, whom the fixtures' approver directory grants data-governance.
    let directory = include_str!("../../fixtures/approvals/directory.json");
    let engine =
        Engine::with_options(microgov::EngineOptions::default().data(serde_json::from_str(directory).unwrap()))
            .unwrap();
    let app = Manifest::from_yaml(HR).unwrap();
    let d = engine.evaluate(&app, &Context::at(now()).with_decision_id("d-1")).unwrap();
    assert_eq!(d.outcome, Outcome::Deny, "{d:#?}");
    let v = d.violations.iter().find(|v| v.rule == "cross_border_transfer").expect("transfer violation");
    assert_eq!(v.policy, "residency");
    assert_eq!(v.path.as_deref(), Some("/spec/connectors/1/region"));
    assert_eq!(v.severity, "high");
    assert!(v.remediation.is_some(), "metadata fills the remediation");

    let approvals = approvals_from_str(
        r#"
- id: exc-3
  app: hr-onboarding
  approver: dpo@acme.example
  roles: [data-governance]
  scope: { exception: residency.transfer, dataset: employees, connector: payroll }
  grantedAt: 2026-11-20T00:00:00Z
  expiresAt: 2027-02-20T00:00:00Z
- id: apr-17
  app: hr-onboarding
  approver: sec.lead@acme.example
  roles: [security]
  grantedAt: 2026-11-20T00:00:00Z
  expiresAt: 2027-02-20T00:00:00Z
"#,
    )
    .unwrap();
    let d2 = engine.evaluate(&app, &Context::at(now()).with_decision_id("d-2").with_approvals(approvals)).unwrap();
    assert!(d2.violations.is_empty(), "{:#?}", d2.violations);
    assert_eq!(d2.waived.len(), 1);
    assert_eq!(d2.waived[0].approval_id, "exc-3");
    // Tier high requires security and data-governance; the exception does not count as an app approval.
    assert_eq!(d2.outcome, Outcome::Review);
    assert_eq!(d2.required_approvals.iter().map(|r| r.role.as_str()).collect::<Vec<_>>(), vec!["data-governance"]);
}

#[test]
fn decisions_are_deterministic_with_fixed_time_and_id() {
    let engine = Engine::new().unwrap();
    let app = Manifest::from_yaml(HR).unwrap();
    let ctx = Context::at(now()).with_decision_id("fixed");
    let a = engine.evaluate(&app, &ctx).unwrap();
    let b = engine.evaluate(&app, &ctx).unwrap();
    assert_eq!(a.to_json(), b.to_json());
    assert!(a.input_digest.starts_with("sha256:"));
    assert_eq!(a.evaluated_at, "2026-11-26T10:00:00Z");
}

#[test]
fn engine_runs_compiled() {
    let engine = Engine::new().unwrap();
    assert!(engine.is_compiled(), "bundled policies run in the RVM");
}

#[test]
fn bundled_policy_unit_tests_pass() {
    let results = run_tests(&Bundle::bundled().unwrap()).unwrap();
    assert!(results.len() >= 10);
    let failed: Vec<_> = results.iter().filter(|r| r.status != "pass").collect();
    assert!(failed.is_empty(), "{failed:#?}");
}

#[test]
fn a_decision_becomes_an_audit_record_in_one_call() {
    use microgov::audit::{verify, AuditLog, AuditOptions, VerifyStatus};
    let engine = Engine::new().unwrap();
    let app = Manifest::from_yaml(HR).unwrap();
    let d = engine.evaluate(&app, &Context::at(now()).with_decision_id("0193-test")).unwrap();
    let dir = std::env::temp_dir().join(format!("microgov-decision-audit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("audit.jsonl");
    let _ = std::fs::remove_file(&path);
    let log = AuditLog::open(&path, AuditOptions::new().log_id("acme.example/audit")).unwrap();
    let receipt = log
        .append(
            &microgov::audit::Event::from_decision(&d, None)
                .unwrap()
                .tenant("acme")
                .principal("ci@acme.example", "service"),
        )
        .unwrap();
    log.close().unwrap();
    assert_eq!(receipt.seq, 0);
    let line = std::fs::read_to_string(&path).unwrap();
    let rec: serde_json::Value = serde_json::from_str(line.lines().next().unwrap()).unwrap();
    assert_eq!(rec["action"], "policy.evaluate");
    assert_eq!(rec["decision_id"], "0193-test");
    assert_eq!(rec["outcome"], "deny");
    assert_eq!(rec["attrs"]["input_digest"], d.input_digest.as_str());
    assert_eq!(verify(path.as_path(), None, None).unwrap().status, VerifyStatus::Intact);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_manifest_round_trips_through_its_json_form() {
    let app = Manifest::from_yaml(HR).unwrap();
    let again = Manifest::from_value(&app.to_value()).unwrap();
    assert_eq!(again, app);
}

#[test]
fn an_engine_without_the_bundled_policies_still_scores_and_decides() {
    let opts = microgov::EngineOptions { without_bundled: true, ..Default::default() };
    let engine = Engine::with_options(opts).unwrap();
    let app = Manifest::from_yaml(HR).unwrap();
    let d = engine.evaluate(&app, &Context::at(now())).unwrap();
    assert!(d.violations.is_empty(), "no policies, no violations");
    assert_eq!(d.tier, microgov::model::Tier::High, "the built-in risk model still applies");
    assert_eq!(d.outcome, Outcome::Allow, "no policy requires an approval");
}

#[test]
fn the_engine_scores_every_fixture_as_risk_assess_does() {
    // The engine scores with the egress hosts its detector already parsed.
    let engine = Engine::new().unwrap();
    let ctx = Context::at(now()).with_decision_id("x");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/apps");
    let mut n = 0;
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "yaml") {
            let app = engine.parse_manifest(&std::fs::read_to_string(&p).unwrap()).unwrap();
            let alone = microgov::risk::assess(&app, &engine.settings().risk, &engine.settings().catalog);
            let d = engine.evaluate(&app, &ctx).unwrap();
            assert_eq!((d.risk.score, d.tier), (alone.score, alone.tier), "{}", p.display());
            assert_eq!(
                serde_json::to_value(&d.risk.factors).unwrap(),
                serde_json::to_value(&alone.factors).unwrap(),
                "{}",
                p.display()
            );
            n += usize::from(alone.factors.iter().any(|f| f.factor == "egress_hosts"));
        }
    }
    assert!(n >= 3, "fixtures with egress hosts: {n}");
}
