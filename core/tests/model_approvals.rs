//! Approvals and exceptions: the validity rules (in force at `now`, approver
//! holds the role, is not the owner, scope matches, BYOK where an exception
//! needs it) and what a valid approval grants or waives. Reads
//! `fixtures/approvals/expected.json`, as the Python and Node suites do.

// Helpers of a test crate sit outside #[test] functions; failing loudly is their job.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Duration, Utc};
use microgov::model::approval::approvals_from_str;
use microgov::model::{codes, Approval, ApprovalPolicy, ApprovalStatus, Encryption, Scope};
use microgov::{Engine, EngineOptions, Manifest};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn read(rel: &str) -> String {
    let p = root().join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

fn expected() -> Value {
    serde_json::from_str(&read("fixtures/approvals/expected.json")).unwrap()
}

fn now() -> DateTime<Utc> {
    time(expected()["now"].as_str().unwrap())
}

fn time(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// The bundled approval rules: the `microgov.governance` object of the governance bundle.
fn bundled_policy() -> ApprovalPolicy {
    let data: Value = serde_json::from_str(&read("policy-bundles/governance/data.json")).unwrap();
    serde_json::from_value(data["microgov"]["governance"].clone()).unwrap()
}

/// The data overlay with the approver directory the table names (`directory.json`).
fn directory_data() -> Value {
    let file = expected()["directory"].as_str().unwrap().to_string();
    serde_json::from_str(&read(&format!("fixtures/approvals/{file}"))).unwrap()
}

/// The bundled rules with that directory.
fn directory_policy() -> ApprovalPolicy {
    let mut policy = bundled_policy();
    policy.directory = serde_json::from_value(directory_data()["microgov"]["governance"]["directory"].clone()).unwrap();
    policy
}

/// The three engines of the table: with the directory, bundled, trusting claimed roles.
fn engines() -> [(&'static str, Engine); 3] {
    let with = |opts: EngineOptions| Engine::with_options(opts).unwrap();
    [
        ("status", with(EngineOptions::default().data(directory_data()))),
        ("status_bundled", with(EngineOptions::default())),
        ("status_trusted", with(EngineOptions { trust_claimed_roles: true, ..EngineOptions::default() })),
    ]
}

fn app(file: &str) -> Manifest {
    Manifest::from_str_any(&read(&format!("fixtures/apps/{file}"))).unwrap()
}

fn approvals(file: &str) -> Vec<Approval> {
    approvals_from_str(&read(&format!("fixtures/approvals/{file}"))).unwrap_or_else(|p| panic!("{file}: {p:#?}"))
}

fn by_id(file: &str, id: &str) -> Approval {
    approvals(file).into_iter().find(|a| a.id == id).unwrap_or_else(|| panic!("{file} has no approval {id}"))
}

/// A security approval of the whole hr-onboarding app, in force at `now`.
fn security_approval() -> Approval {
    by_id("hr-onboarding.yaml", "apr-17")
}

/// The residency.transfer exception of `core/docs/manifest.md` (employees → payroll).
fn transfer_exception() -> Approval {
    by_id("hr-onboarding.yaml", "exc-3")
}

// ------------------------------------------------------------ fixture table

fn check_statuses(file: &str) {
    let table = expected();
    let entry = &table["files"][file];
    let app = app(entry["app"].as_str().unwrap());
    let list = approvals(file);
    let ids: BTreeSet<&str> = list.iter().map(|a| a.id.as_str()).collect();
    for (key, engine) in engines() {
        let want = entry[key].as_object().unwrap();
        assert_eq!(ids, want.keys().map(String::as_str).collect(), "{file}: every approval has an expected {key}");
        for (id, got) in engine.approval_statuses(&app, &list, now()) {
            assert_eq!(got.as_str(), want[&id].as_str().unwrap(), "{file}: {id} ({key})");
        }
    }
}

fn check_problems(file: &str) {
    let table = expected();
    let want: BTreeSet<(String, String)> = table["files"][file]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["code"].as_str().unwrap().to_string(), p["path"].as_str().unwrap().to_string()))
        .collect();
    let problems = match approvals_from_str(&read(&format!("fixtures/approvals/{file}"))) {
        Ok(list) => panic!("{file} must be refused, read {} approvals", list.len()),
        Err(p) => p,
    };
    let got: BTreeSet<(String, String)> = problems.iter().map(|p| (p.code.clone(), p.path.clone())).collect();
    assert_eq!(got, want, "{file}: {problems:#?}");
    assert_eq!(problems.len(), want.len(), "{file}: each problem once: {problems:#?}");
}

#[test]
fn valid_hr_onboarding_approvals_are_in_force() {
    check_statuses("hr-onboarding.yaml");
}

#[test]
fn invalid_hr_onboarding_approvals_have_their_expected_status() {
    check_statuses("hr-onboarding-invalid.yaml");
}

#[test]
fn signed_approvals_count_only_with_a_signature_the_directory_key_verifies() {
    check_statuses("hr-onboarding-signed.yaml");
}

#[test]
fn bound_and_sandbox_approvals_have_their_expected_status() {
    check_statuses("hr-onboarding-bound.yaml");
    check_statuses("it-access-request.yaml");
}

#[test]
fn malformed_approvals_report_every_problem_with_its_path() {
    check_problems("malformed.yaml");
}

#[test]
fn an_approver_must_be_an_email_address() {
    check_problems("approver-not-email.yaml");
}

#[test]
fn every_approval_fixture_has_an_expectation() {
    let files: BTreeSet<String> = std::fs::read_dir(root().join("fixtures/approvals"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    let listed: BTreeSet<String> = expected()["files"].as_object().unwrap().keys().cloned().collect();
    assert_eq!(files, listed);
}

#[test]
fn approvals_read_the_same_from_json() {
    let yaml = approvals("hr-onboarding.yaml");
    let json = serde_json::to_string(&serde_json::json!([
        {"id": "apr-17", "app": "hr-onboarding", "approver": "sec.lead@acme.example", "roles": ["security"],
         "grantedAt": "2026-11-20T00:00:00Z", "expiresAt": "2027-02-20T00:00:00Z", "justification": "reviewed in SEC-1234"}
    ]))
    .unwrap();
    assert_eq!(approvals_from_str(&json).unwrap(), vec![yaml[0].clone()]);
}

#[test]
fn an_approvals_document_must_be_a_list() {
    let problems = approvals_from_str("id: apr-1\napp: hr-onboarding\n").unwrap_err();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!((problems[0].code.as_str(), problems[0].path.as_str()), (codes::WRONG_TYPE, ""));
}

// ------------------------------------------------------------ validity rules

#[test]
fn an_approval_counts_only_until_it_expires() {
    let app = app("hr-onboarding.yaml");
    let policy = directory_policy();
    let mut a = security_approval();
    a.expires_at = now() + Duration::seconds(1);
    assert_eq!(a.status(&app, now(), &policy), ApprovalStatus::Valid);
    // Expiry is exclusive: at the instant of expiry it no longer counts.
    a.expires_at = now();
    assert_eq!(a.status(&app, now(), &policy), ApprovalStatus::Expired);
    a.expires_at = now() - Duration::days(30);
    assert_eq!(a.status(&app, now(), &policy), ApprovalStatus::Expired);
}

#[test]
fn an_approval_counts_only_from_its_grant_and_until_revoked() {
    let app = app("hr-onboarding.yaml");
    let policy = directory_policy();
    let mut a = security_approval();
    a.granted_at = now() + Duration::hours(1);
    assert_eq!(a.status(&app, now(), &policy), ApprovalStatus::NotYetValid);
    a.granted_at = now();
    assert_eq!(a.status(&app, now(), &policy), ApprovalStatus::Valid);

    a.revoked_at = Some(now());
    assert_eq!(a.status(&app, now(), &policy), ApprovalStatus::Revoked);
    a.revoked_at = Some(now() + Duration::days(1));
    assert_eq!(
        a.status(&app, now(), &policy),
        ApprovalStatus::Valid,
        "a revocation scheduled later does not count yet"
    );
}

#[test]
fn an_approval_for_another_app_does_not_count() {
    let policy = bundled_policy();
    let a = security_approval();
    assert_eq!(a.status(&app("expense-approver.yaml"), now(), &policy), ApprovalStatus::WrongApp);
}

#[test]
fn the_owner_cannot_approve_their_own_app() {
    let app = app("hr-onboarding.yaml");
    let mut a = security_approval();
    a.approver = app.metadata.owner.clone();
    assert_eq!(a.status(&app, now(), &bundled_policy()), ApprovalStatus::SelfApproval);
    // Not by changing the case or adding blanks either.
    a.approver = format!(" {} ", app.metadata.owner.to_uppercase());
    assert_eq!(a.status(&app, now(), &bundled_policy()), ApprovalStatus::SelfApproval);
    // Not even when the directory says the owner holds the role.
    let mut policy = directory_policy();
    policy.approvers.insert(app.metadata.owner.clone(), vec!["security".into()]);
    a.approver = app.metadata.owner.clone();
    assert_eq!(a.status(&app, now(), &policy), ApprovalStatus::SelfApproval);
}

#[test]
fn the_directory_must_grant_every_role_claimed() {
    let app = app("hr-onboarding.yaml");
    let policy = directory_policy();
    let mut a = security_approval();
    assert_eq!(a.status(&app, now(), &policy), ApprovalStatus::Valid);
    // sec.lead holds security only.
    a.roles = vec!["security".into(), "data-governance".into()];
    assert_eq!(a.status(&app, now(), &policy), ApprovalStatus::UnverifiedRole);
    // Someone missing from the directory holds no role.
    a.roles = vec!["security".into()];
    a.approver = "someone.else@acme.example".into();
    assert_eq!(a.status(&app, now(), &policy), ApprovalStatus::UnverifiedRole);
    // A member of a group that holds the role holds it.
    a.approver = "ciso@acme.example".into();
    assert_eq!(a.status(&app, now(), &policy), ApprovalStatus::Valid);
    // The directory's e-mail addresses match regardless of case.
    a.approver = "Sec.Lead@ACME.example".into();
    assert_eq!(a.status(&app, now(), &policy), ApprovalStatus::Valid);
    // The per-person `approvers` map grants roles too.
    a.approver = "someone.else@acme.example".into();
    let mut by_person = directory_policy();
    by_person.approvers.insert("someone.else@acme.example".into(), vec!["security".into()]);
    assert_eq!(a.status(&app, now(), &by_person), ApprovalStatus::Valid);
    // Without a directory (the bundled default) no claimed role counts outside sandbox...
    assert_eq!(a.status(&app, now(), &bundled_policy()), ApprovalStatus::UnverifiedRole);
    // ... unless the engine is told to trust them (demos, tests) ...
    let mut trusting = bundled_policy();
    trusting.trust_claimed_roles = true;
    assert_eq!(a.status(&app, now(), &trusting), ApprovalStatus::Valid);
    // ... or the app is a sandbox app.
    let sandbox = self::app("it-access-request.yaml");
    a.app = sandbox.metadata.name.clone();
    assert_eq!(a.status(&sandbox, now(), &bundled_policy()), ApprovalStatus::Valid);
}

#[test]
fn the_builder_cannot_approve_the_app_they_built() {
    let text = read("fixtures/apps/hr-onboarding.yaml").replace(
        "  owner: lena.schmidt@acme.example\n",
        "  owner: lena.schmidt@acme.example\n  builder: omar.haddad@acme.example\n",
    );
    let app = Manifest::from_str_any(&text).unwrap();
    assert_eq!(app.metadata.builder.as_deref(), Some("omar.haddad@acme.example"));
    let mut a = security_approval();
    a.approver = "Omar.Haddad@acme.example".into();
    assert_eq!(
        a.check(&app, now(), &directory_policy()),
        (ApprovalStatus::SelfApproval, "the approver built the app".into())
    );
}

#[test]
fn each_kind_lives_no_longer_than_its_maximum() {
    let app = app("hr-onboarding.yaml");
    let policy = directory_policy();
    assert_eq!(policy.approval_max_days, Some(365));
    let mut a = security_approval();
    a.expires_at = a.granted_at + Duration::days(365);
    assert_eq!(a.status(&app, now(), &policy), ApprovalStatus::Valid);
    a.expires_at += Duration::seconds(1);
    let (status, reason) = a.check(&app, now(), &policy);
    assert_eq!(
        (status, reason.as_str()),
        (ApprovalStatus::TooLong, "granted for 366 days; an approval may last at most 365")
    );
    // An exception kind has its own maximum.
    let mut e = transfer_exception();
    let max = policy.exceptions["residency.transfer"].max_days.unwrap();
    e.expires_at = e.granted_at + Duration::days(max + 1);
    assert_eq!(e.status(&app, now(), &policy), ApprovalStatus::TooLong);
    // Without maxima in the data, any lifetime counts.
    let mut open = policy.clone();
    open.approval_max_days = None;
    open.exceptions.values_mut().for_each(|r| r.max_days = None);
    assert_eq!(e.status(&app, now(), &open), ApprovalStatus::Valid);
    assert_eq!(a.status(&app, now(), &open), ApprovalStatus::Valid);
}

#[test]
fn an_exception_needs_the_role_its_kind_requires() {
    let app = app("hr-onboarding.yaml");
    let policy = directory_policy();
    assert_eq!(policy.exceptions["residency.transfer"].roles, vec!["data-governance".to_string()]);
    let mut e = transfer_exception();
    assert_eq!(e.status(&app, now(), &policy), ApprovalStatus::Valid);
    // sec.lead holds security, which a transfer exception does not take.
    e.approver = "sec.lead@acme.example".into();
    e.roles = vec!["security".into()];
    assert_eq!(e.status(&app, now(), &policy), ApprovalStatus::RoleNotHeld);
    // secrets.inline exceptions are for security, not data governance.
    let mut s = transfer_exception();
    s.scope =
        Some(Scope { exception: Some("secrets.inline".into()), dataset: None, connector: Some("payroll".into()) });
    assert_eq!(s.status(&app, now(), &policy), ApprovalStatus::RoleNotHeld);
    s.approver = "sec.lead@acme.example".into();
    s.roles = vec!["security".into()];
    assert_eq!(
        s.status(&app, now(), &policy),
        ApprovalStatus::TooLong,
        "an inline secret is excused for 30 days at most"
    );
    s.expires_at = s.granted_at + Duration::days(30);
    assert_eq!(s.status(&app, now(), &policy), ApprovalStatus::Valid);
}

#[test]
fn a_scope_must_name_a_dataset_or_connector_of_the_app() {
    let app = app("hr-onboarding.yaml");
    let policy = directory_policy();
    let mut e = transfer_exception();
    e.scope = Some(Scope {
        exception: Some("residency.transfer".into()),
        dataset: Some("employees".into()),
        connector: Some("bamboohr".into()),
    });
    assert_eq!(e.status(&app, now(), &policy), ApprovalStatus::ScopeMismatch);
    e.scope = Some(Scope {
        exception: Some("residency.transfer".into()),
        dataset: Some("contractors".into()),
        connector: None,
    });
    assert_eq!(e.status(&app, now(), &policy), ApprovalStatus::ScopeMismatch);
    // A plain approval of one connector is checked the same way.
    let mut a = security_approval();
    a.scope = Some(Scope { exception: None, dataset: None, connector: Some("crm".into()) });
    assert_eq!(a.status(&app, now(), &policy), ApprovalStatus::ScopeMismatch);
    a.scope = Some(Scope { exception: None, dataset: None, connector: Some("payroll".into()) });
    assert_eq!(a.status(&app, now(), &policy), ApprovalStatus::Valid);
}

#[test]
fn a_residency_transfer_needs_byok_on_the_datasets_it_covers() {
    let policy = directory_policy();
    assert!(policy.exceptions["residency.transfer"].requires_byok);
    let mut app = app("hr-onboarding.yaml");
    let e = transfer_exception();
    assert_eq!(e.status(&app, now(), &policy), ApprovalStatus::Valid, "employees is encrypted with the tenant's key");

    // Scoped by connector only: every dataset that flows through it must use BYOK.
    let mut by_connector = e.clone();
    by_connector.scope =
        Some(Scope { exception: Some("residency.transfer".into()), dataset: None, connector: Some("payroll".into()) });
    assert_eq!(by_connector.status(&app, now(), &policy), ApprovalStatus::Valid);
    let mut via_tickets = e.clone();
    via_tickets.scope = Some(Scope {
        exception: Some("residency.transfer".into()),
        dataset: None,
        connector: Some("it-tickets".into()),
    });
    assert_eq!(
        via_tickets.status(&app, now(), &policy),
        ApprovalStatus::ByokRequired,
        "onboarding-tasks uses platform keys"
    );

    // Once the dataset falls back to platform keys the exception no longer counts.
    app.spec.datasets.iter_mut().filter(|d| d.name == "employees").for_each(|d| d.encryption = Encryption::Platform);
    assert_eq!(e.status(&app, now(), &policy), ApprovalStatus::ByokRequired);
    assert_eq!(by_connector.status(&app, now(), &policy), ApprovalStatus::ByokRequired);

    // Exceptions that do not require BYOK are unaffected.
    let mut export = e.clone();
    export.scope = Some(Scope {
        exception: Some("pii.export".into()),
        dataset: Some("employees".into()),
        connector: Some("payroll".into()),
    });
    assert_eq!(export.status(&app, now(), &policy), ApprovalStatus::Valid);
}

#[test]
fn each_tier_requires_its_approvals() {
    let policy = bundled_policy();
    let roles = |tier: &str| policy.required_approvals.get(tier).cloned().unwrap_or_default();
    assert!(roles("low").is_empty());
    assert_eq!(roles("medium"), vec!["security".to_string()]);
    assert_eq!(roles("high"), vec!["security".to_string(), "data-governance".to_string()]);
}

#[test]
fn the_valid_fixture_approvals_cover_what_a_high_tier_app_needs() {
    let app = app("hr-onboarding.yaml");
    let policy = directory_policy();
    let valid: Vec<Approval> = approvals("hr-onboarding.yaml")
        .into_iter()
        .filter(|a| a.status(&app, now(), &policy) == ApprovalStatus::Valid)
        .collect();
    for role in &policy.required_approvals["high"] {
        assert!(valid.iter().any(|a| a.grants_role(role, None, None)), "nothing grants {role}");
    }
    assert!(valid.iter().any(|a| a.waives("residency.transfer", &["employees".to_string()], Some("payroll"))));
}

// ------------------------------------------------------------ grants and waivers

#[test]
fn a_whole_app_approval_grants_its_roles_everywhere_in_the_app() {
    let a = security_approval();
    assert!(a.grants_role("security", None, None));
    assert!(a.grants_role("security", None, Some("payroll")));
    assert!(a.grants_role("security", Some("employees"), None));
    assert!(!a.grants_role("data-governance", None, None), "only the roles it names");
}

#[test]
fn a_scoped_approval_grants_its_role_only_for_its_scope() {
    let mut a = security_approval();
    a.scope = Some(Scope { exception: None, dataset: None, connector: Some("payroll".into()) });
    assert!(a.grants_role("security", None, Some("payroll")));
    assert!(a.grants_role("security", Some("employees"), Some("payroll")));
    assert!(!a.grants_role("security", None, Some("hris")), "another connector");
    assert!(!a.grants_role("security", None, None), "not the whole app");

    a.scope = Some(Scope { exception: None, dataset: Some("employees".into()), connector: None });
    assert!(a.grants_role("security", Some("employees"), None));
    assert!(!a.grants_role("security", Some("onboarding-tasks"), None));
    assert!(!a.grants_role("security", None, None));
}

#[test]
fn an_exception_waives_but_never_grants_a_role() {
    let e = transfer_exception();
    assert!(!e.grants_role("data-governance", None, None));
    assert!(!e.grants_role("data-governance", Some("employees"), Some("payroll")));
}

#[test]
fn an_exception_waives_only_its_kind_on_its_dataset_and_connector() {
    let e = transfer_exception();
    assert!(e.waives("residency.transfer", &["employees".to_string()], Some("payroll")));
    assert!(!e.waives("residency.transfer", &["employees".to_string()], Some("hris")), "another connector");
    assert!(!e.waives("residency.transfer", &["onboarding-tasks".to_string()], Some("payroll")), "another dataset");
    assert!(!e.waives("pii.export", &["employees".to_string()], Some("payroll")), "another kind");
    // A whole-app approval waives nothing.
    assert!(!security_approval().waives("residency.transfer", &["employees".to_string()], Some("payroll")));

    // Scoped by connector only: any dataset through that connector.
    let mut by_connector = e.clone();
    by_connector.scope =
        Some(Scope { exception: Some("residency.transfer".into()), dataset: None, connector: Some("payroll".into()) });
    assert!(by_connector.waives("residency.transfer", &["employees".to_string()], Some("payroll")));
    assert!(!by_connector.waives("residency.transfer", &["employees".to_string()], Some("hris")));
}

#[test]
fn approval_status_names_are_stable_snake_case() {
    let names: BTreeMap<&str, ApprovalStatus> = [
        ("valid", ApprovalStatus::Valid),
        ("wrong_app", ApprovalStatus::WrongApp),
        ("not_yet_valid", ApprovalStatus::NotYetValid),
        ("expired", ApprovalStatus::Expired),
        ("revoked", ApprovalStatus::Revoked),
        ("self_approval", ApprovalStatus::SelfApproval),
        ("role_not_held", ApprovalStatus::RoleNotHeld),
        ("scope_mismatch", ApprovalStatus::ScopeMismatch),
        ("byok_required", ApprovalStatus::ByokRequired),
    ]
    .into_iter()
    .collect();
    for (name, status) in names {
        assert_eq!(status.as_str(), name);
        assert_eq!(serde_json::to_value(status).unwrap(), name, "serialized like as_str");
    }
}
