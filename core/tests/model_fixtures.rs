//! The shared fixtures (`fixtures/apps`, `fixtures/invalid`) against the model:
//! every seed scenario parses with its expected tier and factors, and every
//! broken manifest yields exactly its expected problems (code and path).
//! The Python and Node suites read the same `expected.json` tables.

// Helpers of a test crate sit outside #[test] functions; failing loudly is their job.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Duration, Utc};
use microgov::model::{codes, Catalog, Format, Limits, ParseOptions, Tier};
use microgov::risk::{assess, cross_border_flows, RiskModel};
use microgov::Manifest;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::PathBuf;

fn fixtures(sub: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures").join(sub)
}

fn read(sub: &str, file: &str) -> String {
    let p = fixtures(sub).join(file);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

fn expected(sub: &str) -> Value {
    serde_json::from_str(&read(sub, "expected.json")).unwrap()
}

fn format_of(file: &str) -> Format {
    if file.ends_with(".json") {
        Format::Json
    } else {
        Format::Yaml
    }
}

fn parse_app(file: &str) -> Manifest {
    let text = read("apps", file);
    Manifest::parse_with(&text, format_of(file), &ParseOptions::default())
        .unwrap_or_else(|e| panic!("{file} must be valid: {e}"))
}

fn time(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn strings(v: &Value) -> BTreeSet<String> {
    v.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect()
}

/// The fixture files of a folder, without `expected.json`.
fn files_in(sub: &str) -> BTreeSet<String> {
    std::fs::read_dir(fixtures(sub))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "expected.json")
        .collect()
}

// ---------------------------------------------------------------- apps

/// Checks one app of `fixtures/apps/expected.json`.
fn check_app(file: &str) {
    let table = expected("apps");
    let exp = &table["apps"][file];
    assert!(exp.is_object(), "{file} has no entry in fixtures/apps/expected.json");
    let app = parse_app(file);
    let catalog = Catalog::bundled();
    let risk = assess(&app, &RiskModel::bundled(), &catalog);

    assert_eq!(
        risk.tier.as_str(),
        exp["tier"].as_str().unwrap(),
        "{file}: tier (score {}, factors {:?})",
        risk.score,
        risk.factors
    );
    let got: BTreeSet<String> = risk.factors.iter().map(|f| f.factor.clone()).collect();
    assert_eq!(got, strings(&exp["factors"]), "{file}: risk factors");
    for f in &risk.factors {
        assert!(f.points > 0, "{file}: factor {} listed without points", f.factor);
        assert!(!f.detail.trim().is_empty(), "{file}: factor {} has no reason", f.factor);
    }

    let external: BTreeSet<String> =
        app.spec.connectors.iter().filter(|c| c.external).map(|c| c.name.clone()).collect();
    assert_eq!(external, strings(&exp["external_connectors"]), "{file}: external connectors");

    let flows: BTreeSet<(String, String)> =
        cross_border_flows(&app, &catalog).into_iter().map(|f| (f.dataset, f.connector)).collect();
    let want: BTreeSet<(String, String)> = exp["cross_border"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["dataset"].as_str().unwrap().to_string(), f["connector"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(flows, want, "{file}: cross-border flows");

    assert_eq!(app.metadata.expires_at, time(exp["expires_at"].as_str().unwrap()), "{file}: expiresAt after defaults");

    if let Some(other) = exp.get("same_as").and_then(Value::as_str) {
        assert_eq!(app, parse_app(other), "{file} and {other} must describe the same manifest");
    }
    if let Some(approvals) = exp.get("approvals_file").and_then(Value::as_str) {
        assert!(fixtures("approvals").join(approvals).is_file(), "{file}: approvals file {approvals} is missing");
    }
}

macro_rules! app_cases {
    ($($test:ident => $file:literal),+ $(,)?) => {
        $(
            #[test]
            fn $test() {
                check_app($file);
            }
        )+
        const APP_CASES: &[&str] = &[$($file),+];
    };
}

app_cases! {
    app_marketing_lead_capture => "marketing-lead-capture.yaml",
    app_expense_approver => "expense-approver.yaml",
    app_finance_reconciliation => "finance-reconciliation.yaml",
    app_ops_vm_control => "ops-vm-control.yaml",
    app_slack_runbook_deploy => "slack-runbook-deploy.yaml",
    app_crm_data_extractor => "crm-data-extractor.yaml",
    app_incident_triage => "incident-triage.yaml",
    app_hr_onboarding => "hr-onboarding.yaml",
    app_hr_onboarding_json => "hr-onboarding.json",
    app_it_access_request => "it-access-request.yaml",
    app_support_case_triage => "support-case-triage.yaml",
    app_readonly_dashboard => "readonly-dashboard.yaml",
    app_readonly_dashboard_agent => "readonly-dashboard-agent.yaml",
    app_card_refund_desk => "card-refund-desk.yaml",
    app_lead_enrichment => "lead-enrichment.yaml",
    app_shadow_crm_sync => "shadow-crm-sync.yaml",
    app_clinic_intake => "clinic-intake.yaml",
    app_metrics_rds_dashboard => "metrics-rds-dashboard.yaml",
    app_ticket_summarizer => "ticket-summarizer.yaml",
}

#[test]
fn every_app_fixture_has_an_expectation_and_a_test() {
    let table = expected("apps");
    assert_eq!(table["now"], "2026-11-26T10:00:00Z");
    let listed: BTreeSet<String> = table["apps"].as_object().unwrap().keys().cloned().collect();
    let tested: BTreeSet<String> = APP_CASES.iter().map(|s| s.to_string()).collect();
    assert_eq!(files_in("apps"), listed, "files in fixtures/apps vs entries of expected.json");
    assert_eq!(listed, tested, "entries of expected.json vs app_cases! in this file");
}

fn tier_of(file: &str) -> Tier {
    assess(&parse_app(file), &RiskModel::bundled(), &Catalog::bundled()).tier
}

#[test]
fn seed_tier_rules_hold() {
    // Internal, read-only, no PII, no external connector: low.
    assert_eq!(tier_of("readonly-dashboard.yaml"), Tier::Low);
    // Writes to internal systems: medium.
    assert_eq!(tier_of("ops-vm-control.yaml"), Tier::Medium);
    assert_eq!(tier_of("incident-triage.yaml"), Tier::Medium);
    // PII read from an internal system: high.
    assert_eq!(tier_of("expense-approver.yaml"), Tier::High);
    // An external integration that receives no personal data (a chat bot posting runbook
    // output): medium; the articles' high is for external integrations that receive it.
    assert_eq!(tier_of("slack-runbook-deploy.yaml"), Tier::Medium);
    assert_eq!(tier_of("shadow-crm-sync.yaml"), Tier::Medium);
    // Personal data sent to an external system: high.
    assert_eq!(tier_of("it-access-request.yaml"), Tier::High);
    // Regulated financial data without PII: high.
    assert_eq!(tier_of("finance-reconciliation.yaml"), Tier::High);
}

#[test]
fn who_built_an_internal_read_only_app_does_not_lift_it_out_of_low() {
    let model = RiskModel::bundled();
    let catalog = Catalog::bundled();
    let agent = parse_app("readonly-dashboard-agent.yaml");
    let risk = assess(&agent, &model, &catalog);
    assert_eq!(risk.tier, Tier::Low);
    let built_by = risk.factors.iter().find(|f| f.factor == "built_by").expect("the builder is a factor");
    assert!(built_by.points > 0 && built_by.detail.contains("agent"), "{built_by:?}");

    let mut app = parse_app("readonly-dashboard.yaml");
    for by in microgov::model::BuiltBy::ALL {
        app.spec.built_by = *by;
        assert_eq!(assess(&app, &model, &catalog).tier, Tier::Low, "built by {by}");
    }
}

#[test]
fn factors_come_highest_first_and_sum_to_the_score() {
    let model = RiskModel::bundled();
    for file in ["ops-vm-control.yaml", "readonly-dashboard-agent.yaml", "incident-triage.yaml"] {
        let risk = assess(&parse_app(file), &model, &Catalog::bundled());
        assert!(risk.factors.windows(2).all(|w| w[0].points >= w[1].points), "{file}: {:?}", risk.factors);
        let sum: u32 = risk.factors.iter().map(|f| f.points).sum();
        assert_eq!(risk.score, sum.min(model.risk.max_score), "{file}");
    }
}

#[test]
fn expiry_defaults_to_creation_plus_ninety_days() {
    let app = parse_app("ops-vm-control.yaml");
    assert_eq!(app.metadata.created_at, time("2026-11-10T16:00:00Z"));
    assert_eq!(app.metadata.expires_at, app.metadata.created_at + Duration::days(90));
    assert_eq!(app.metadata.expires_at, time("2027-02-08T16:00:00Z"));

    // The lifetime is an option; an explicit expiresAt is kept as written.
    let opts = ParseOptions { default_lifetime_days: 30, ..ParseOptions::default() };
    let short = Manifest::parse_with(&read("apps", "ops-vm-control.yaml"), Format::Yaml, &opts).unwrap();
    assert_eq!(short.metadata.expires_at, time("2026-12-10T16:00:00Z"));
    let explicit = Manifest::parse_with(&read("apps", "expense-approver.yaml"), Format::Yaml, &opts).unwrap();
    assert_eq!(explicit.metadata.expires_at, time("2027-01-30T09:00:00Z"));
}

#[test]
fn other_defaults_are_applied_once_and_visible_to_policies() {
    let app = parse_app("ops-vm-control.yaml");
    let ds = &app.spec.datasets[0];
    assert_eq!(ds.encryption, microgov::model::Encryption::Platform);
    let doc = app.to_value();
    // Policies read the manifest after defaults, in its own key style.
    assert_eq!(doc["metadata"]["expiresAt"], "2027-02-08T16:00:00Z");
    assert_eq!(doc["spec"]["datasets"][0]["encryption"], "platform");
    assert_eq!(doc["spec"]["connectors"][0]["external"], false);
}

#[test]
fn json_and_yaml_of_the_same_manifest_are_equal() {
    let yaml_text = read("apps", "hr-onboarding.yaml");
    let json_text = read("apps", "hr-onboarding.json");
    let from_yaml = Manifest::from_yaml(&yaml_text).unwrap();
    let from_json = Manifest::from_json(&json_text).unwrap();
    assert_eq!(from_yaml, from_json);
    // Either text is recognised without being told its format.
    assert_eq!(Manifest::from_str_any(&json_text).unwrap(), from_yaml);
    assert_eq!(Manifest::from_str_any(&yaml_text).unwrap(), from_yaml);
    // A parsed document gives the same manifest too.
    let doc: Value = serde_json::from_str(&json_text).unwrap();
    assert_eq!(Manifest::from_value(&doc).unwrap(), from_yaml);
}

#[test]
fn every_app_reads_the_same_from_text_and_from_a_value() {
    // Text is read into a borrowed tree; a `Value` is walked as it is. The
    // JSON form of every app, and the bench manifest, give one manifest.
    let mut files: Vec<(String, String)> = files_in("apps").into_iter().map(|f| ("apps".to_string(), f)).collect();
    files.push(("bench".to_string(), "typical.yaml".to_string()));
    for (sub, file) in files {
        let text = read(&sub, &file);
        let from_text = Manifest::parse_with(&text, format_of(&file), &ParseOptions::default())
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        let json = serde_json::to_string(&from_text).unwrap();
        let doc: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(Manifest::from_json(&json).unwrap(), from_text, "{file}: through JSON text");
        assert_eq!(Manifest::from_value(&doc).unwrap(), from_text, "{file}: through a Value");
    }
}

// ---------------------------------------------------------------- invalid

fn problems_of(file: &str, opts: &ParseOptions) -> Vec<microgov::model::Problem> {
    let text = read("invalid", file);
    match Manifest::parse_with(&text, format_of(file), opts) {
        Ok(_) => panic!("{file} must be refused"),
        Err(e) => {
            assert_eq!(e.code(), "manifest.invalid", "{file}");
            e.problems().to_vec()
        }
    }
}

/// Checks one file of `fixtures/invalid/expected.json`: exactly the expected
/// (code, path) pairs, order-insensitive, and the message hints it names.
fn check_invalid(file: &str) {
    let table = expected("invalid");
    let exp = table[file].as_array().unwrap_or_else(|| panic!("{file} has no entry in fixtures/invalid/expected.json"));
    let problems = problems_of(file, &ParseOptions::default());

    let mut got: Vec<(String, String)> = problems.iter().map(|p| (p.code.clone(), p.path.clone())).collect();
    let mut want: Vec<(String, String)> = exp
        .iter()
        .map(|e| (e["code"].as_str().unwrap().to_string(), e["path"].as_str().unwrap().to_string()))
        .collect();
    got.sort();
    want.sort();
    assert_eq!(
        got,
        want,
        "{file}: (code, path) of every problem; messages: {:#?}",
        problems.iter().map(|p| p.to_string()).collect::<Vec<_>>()
    );

    for p in &problems {
        assert!(!p.message.trim().is_empty(), "{file}: {} at {} has no message", p.code, p.path);
    }
    for e in exp {
        if let Some(hint) = e.get("message_contains").and_then(Value::as_str) {
            let (code, path) = (e["code"].as_str().unwrap(), e["path"].as_str().unwrap());
            let p = problems.iter().find(|p| p.code == code && p.path == path).unwrap();
            assert!(
                p.message.contains(hint),
                "{file}: message of {code} at {path:?} should contain {hint:?}: {:?}",
                p.message
            );
        }
    }
}

macro_rules! invalid_cases {
    ($($test:ident => $file:literal),+ $(,)?) => {
        $(
            #[test]
            fn $test() {
                check_invalid($file);
            }
        )+
        const INVALID_CASES: &[&str] = &[$($file),+];
    };
}

invalid_cases! {
    invalid_unknown_key_typo => "unknown-key-typo.yaml",
    invalid_unknown_key_toplevel => "unknown-key-toplevel.yaml",
    invalid_wrong_type => "wrong-type.yaml",
    invalid_wrong_type_document => "wrong-type-document.yaml",
    invalid_duplicate_dataset => "duplicate-dataset.yaml",
    invalid_duplicate_connector => "duplicate-connector.yaml",
    invalid_duplicate_key_yaml => "duplicate-key.yaml",
    invalid_duplicate_key_json => "duplicate-key.json",
    invalid_unknown_dataset => "unknown-dataset.yaml",
    invalid_unknown_region => "unknown-region.yaml",
    invalid_expiry_before_creation => "expiry-before-creation.yaml",
    invalid_empty_owner => "empty-owner.yaml",
    invalid_owner_not_an_email => "invalid-email.yaml",
    invalid_name_not_a_dns_label => "invalid-name.yaml",
    invalid_missing_field => "missing-field.yaml",
    invalid_null_required => "null-required.yaml",
    invalid_unknown_enum_value => "unknown-enum.yaml",
    invalid_unknown_classification_reported_once => "unknown-classification.yaml",
    invalid_unknown_residency => "unknown-residency.yaml",
    invalid_timestamp => "invalid-timestamp.yaml",
    invalid_out_of_range => "out-of-range.yaml",
    invalid_unsupported_version => "unsupported-version.yaml",
    invalid_template => "invalid-template.yaml",
    invalid_unknown_policy_pack => "unknown-policy-pack.yaml",
    invalid_syntax_yaml => "syntax-error.yaml",
    invalid_syntax_json => "syntax-error.json",
    invalid_billion_laughs => "billion-laughs.yaml",
    invalid_too_deep_yaml => "too-deep.yaml",
    invalid_too_deep_json => "too-deep.json",
    invalid_ten_mistakes => "ten-mistakes.yaml",
}

#[test]
fn every_invalid_fixture_has_an_expectation_and_a_test() {
    let table = expected("invalid");
    let listed: BTreeSet<String> = table.as_object().unwrap().keys().cloned().collect();
    let tested: BTreeSet<String> = INVALID_CASES.iter().map(|s| s.to_string()).collect();
    assert_eq!(files_in("invalid"), listed, "files in fixtures/invalid vs entries of expected.json");
    assert_eq!(listed, tested, "entries of expected.json vs invalid_cases! in this file");
}

#[test]
fn every_validation_code_is_exercised_by_a_fixture() {
    let table = expected("invalid");
    let used: BTreeSet<&str> = table
        .as_object()
        .unwrap()
        .values()
        .flat_map(|v| v.as_array().unwrap())
        .map(|p| p["code"].as_str().unwrap())
        .collect();
    // TOO_LARGE needs a lowered limit, so it is covered by `size_limit_...` below.
    for code in [
        codes::SYNTAX,
        codes::TOO_COMPLEX,
        codes::UNKNOWN_KEY,
        codes::WRONG_TYPE,
        codes::MISSING,
        codes::EMPTY,
        codes::UNKNOWN_VALUE,
        codes::DUPLICATE_NAME,
        codes::UNKNOWN_DATASET,
        codes::UNKNOWN_REGION,
        codes::UNKNOWN_RESIDENCY,
        codes::EXPIRY_BEFORE_CREATION,
        codes::INVALID_NAME,
        codes::INVALID_TIMESTAMP,
        codes::INVALID_EMAIL,
        codes::OUT_OF_RANGE,
        codes::UNSUPPORTED_VERSION,
        codes::INVALID_TEMPLATE,
        codes::UNKNOWN_POLICY_PACK,
    ] {
        assert!(used.contains(code), "no fixture in fixtures/invalid exercises {code}");
    }
}

#[test]
fn ten_mistakes_give_ten_problems_each_with_its_own_path() {
    let problems = problems_of("ten-mistakes.yaml", &ParseOptions::default());
    assert_eq!(problems.len(), 10, "{problems:#?}");
    let paths: BTreeSet<&str> = problems.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(paths.len(), 10, "each mistake at its own path: {paths:?}");
    assert!(paths.iter().all(|p| p.starts_with('/')), "every path points into the document: {paths:?}");
    // The error's text lists every problem, so a CLI can print it as is.
    let err = Manifest::from_yaml(&read("invalid", "ten-mistakes.yaml")).unwrap_err();
    let text = err.to_string();
    for p in &problems {
        assert!(text.contains(&p.path), "{text}");
    }
}

#[test]
fn billion_laughs_is_refused_without_expanding() {
    let text = read("invalid", "billion-laughs.yaml");
    assert!(text.len() <= 2048, "the file is small ({} bytes)", text.len());
    // It returns (no hang, no memory blow-up) with one clear problem.
    let err = Manifest::from_yaml(&text).unwrap_err();
    let problems = err.problems();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].code, codes::TOO_COMPLEX);
    assert_eq!(problems[0].path, "");
    // Also when the format is sniffed.
    assert_eq!(Manifest::from_str_any(&text).unwrap_err().problems()[0].code, codes::TOO_COMPLEX);
}

#[test]
fn size_limit_refuses_large_documents() {
    let text = read("apps", "expense-approver.yaml");
    let opts = ParseOptions { limits: Limits { max_bytes: 512, ..Limits::default() }, ..ParseOptions::default() };
    assert!(text.len() > 512);
    let err = Manifest::parse_with(&text, Format::Yaml, &opts).unwrap_err();
    let problems = err.problems();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!((problems[0].code.as_str(), problems[0].path.as_str()), (codes::TOO_LARGE, ""));
    assert!(problems[0].message.contains("512"), "names the limit: {}", problems[0].message);

    let json = read("apps", "hr-onboarding.json");
    let err = Manifest::parse_with(&json, Format::Json, &opts).unwrap_err();
    assert_eq!(err.problems()[0].code, codes::TOO_LARGE);

    // At the limit exactly, the document is read.
    let exact =
        ParseOptions { limits: Limits { max_bytes: text.len(), ..Limits::default() }, ..ParseOptions::default() };
    assert!(Manifest::parse_with(&text, Format::Yaml, &exact).is_ok());
}

#[test]
fn depth_and_node_limits_are_configurable() {
    let text = read("apps", "hr-onboarding.yaml");
    let shallow = ParseOptions { limits: Limits { max_depth: 3, ..Limits::default() }, ..ParseOptions::default() };
    let err = Manifest::parse_with(&text, Format::Yaml, &shallow).unwrap_err();
    assert_eq!((err.problems()[0].code.as_str(), err.problems()[0].path.as_str()), (codes::TOO_COMPLEX, ""));

    let few = ParseOptions { limits: Limits { max_nodes: 20, ..Limits::default() }, ..ParseOptions::default() };
    let err = Manifest::parse_with(&text, Format::Yaml, &few).unwrap_err();
    assert_eq!(err.problems()[0].code, codes::TOO_COMPLEX);

    assert!(Manifest::parse_with(&text, Format::Yaml, &ParseOptions::default()).is_ok());
}

/// The lines of `text` marked `# mistake N`.
fn marked_lines(text: &str) -> BTreeSet<usize> {
    text.lines().enumerate().filter(|(_, l)| l.contains("# mistake")).map(|(i, _)| i + 1).collect()
}

#[test]
fn problems_found_in_text_carry_the_line_of_their_mistake() {
    let text = read("invalid", "ten-mistakes.yaml");
    let marked = marked_lines(&text);
    assert_eq!(marked.len(), 10);
    let problems = Manifest::from_yaml(&text).unwrap_err().problems().to_vec();
    let lines: BTreeSet<usize> =
        problems.iter().map(|p| p.line.unwrap_or_else(|| panic!("{p:?} has no line"))).collect();
    assert_eq!(lines, marked, "{problems:#?}");
    assert!(problems.iter().all(|p| p.column.is_some_and(|c| c >= 1)));
    // The same document, not read from text, has no lines to give.
    let doc: Value = serde_yaml_ng::from_str(&text).unwrap();
    let from_value = microgov::Engine::new().unwrap().manifest_from_value(&doc).unwrap_err().problems().to_vec();
    assert!(from_value.iter().all(|p| p.line.is_none() && p.column.is_none()));
    let codes_paths =
        |ps: &[microgov::model::Problem]| ps.iter().map(|p| (p.code.clone(), p.path.clone())).collect::<Vec<_>>();
    assert_eq!(codes_paths(&from_value), codes_paths(&problems));
}

#[test]
fn a_syntax_error_carries_the_line_the_parser_stopped_at() {
    let problems = Manifest::from_yaml(&read("invalid", "syntax-error.yaml")).unwrap_err().problems().to_vec();
    assert_eq!(problems.len(), 1);
    let line = problems[0].line.expect("a line");
    assert!(problems[0].message.contains(&format!("line {line} ")), "{:?}", problems[0]);
}
