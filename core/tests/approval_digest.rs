//! Approvals bound to what was reviewed: a material edit makes an approval `stale`, a
//! non-material one leaves it in force, `explain` names what changed, and an approval
//! without a digest counts with a warning. On every evaluation path.

// Helpers of a test crate sit outside #[test] functions; failing loudly is their job.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Utc};
use microgov::model::{Access, Approval, ApprovalStatus, Classification, Connector, Scope};
use microgov::{Context, Engine, EngineOptions, Manifest};
use std::path::PathBuf;

fn app() -> Manifest {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/apps/hr-onboarding.yaml");
    Manifest::from_str_any(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn now() -> DateTime<Utc> {
    "2026-11-26T10:00:00Z".parse().unwrap()
}

fn engines() -> Vec<(&'static str, Engine)> {
    let opts = |rego_only, interpreter| EngineOptions {
        rego_only,
        interpreter,
        data: Some(directory()),
        ..Default::default()
    };
    vec![
        ("native", Engine::with_options(opts(false, false)).unwrap()),
        ("rego_only", Engine::with_options(opts(true, false)).unwrap()),
        ("interpreter", Engine::with_options(opts(true, true)).unwrap()),
    ]
}

fn approval(id: &str, roles: &[&str], scope: Option<Scope>) -> Approval {
    Approval {
        id: id.into(),
        app: "hr-onboarding".into(),
        approver: "sec.lead@acme.example".into(),
        roles: roles.iter().map(|r| r.to_string()).collect(),
        scope,
        granted_at: "2026-11-01T00:00:00Z".parse().unwrap(),
        expires_at: "2027-01-31T00:00:00Z".parse().unwrap(),
        justification: None,
        revoked_at: None,
        digest: None,
        reviewed: Default::default(),
        signature: None,
    }
}

/// A security approval of the whole app and a transfer exception on payroll, both bound to `app`.
fn bound(app: &Manifest) -> Vec<Approval> {
    let mut whole = approval("apr-sec", &["security"], None);
    whole.bind_to(app);
    let scope = Scope {
        exception: Some("residency.transfer".into()),
        dataset: Some("employees".into()),
        connector: Some("payroll".into()),
    };
    let mut exc = approval("exc-transfer", &["data-governance"], Some(scope));
    exc.approver = "dpo@acme.example".into();
    exc.bind_to(app);
    vec![whole, exc]
}

fn statuses(engine: &Engine, app: &Manifest, approvals: &[Approval]) -> Vec<(String, ApprovalStatus)> {
    let d = engine.evaluate(app, &Context::at(now()).with_approvals(approvals.to_vec())).unwrap();
    let from_decision: Vec<_> = d.approvals.iter().map(|u| (u.id.clone(), u.status)).collect();
    assert_eq!(from_decision, engine.approval_statuses(app, approvals, now()), "approval_statuses agrees");
    from_decision
}

fn valid_both() -> Vec<(String, ApprovalStatus)> {
    vec![("apr-sec".into(), ApprovalStatus::Valid), ("exc-transfer".into(), ApprovalStatus::Valid)]
}

#[test]
fn a_bound_approval_counts_while_the_app_is_what_was_reviewed() {
    let a = app();
    let approvals = bound(&a);
    for (path, engine) in engines() {
        assert_eq!(statuses(&engine, &a, &approvals), valid_both(), "{path}");
        let d = engine.evaluate(&a, &Context::at(now()).with_approvals(approvals.clone())).unwrap();
        assert!(d.waived.iter().any(|w| w.approval_id == "exc-transfer"), "{path}");
        assert!(!d.warnings.iter().any(|w| w.rule == "approval_without_digest"), "{path}");
    }
}

#[test]
fn non_material_edits_leave_it_in_force() {
    let a = app();
    let approvals = bound(&a);
    let mut b = a.clone();
    b.spec.purpose = Some("a new purpose text".into());
    b.metadata.labels.insert("cost-center".into(), "cc-42".into());
    b.spec.datasets[0].retention_days = Some(30);
    for (path, engine) in engines() {
        assert_eq!(statuses(&engine, &b, &approvals), valid_both(), "{path}");
    }
}

#[test]
fn material_edits_make_it_stale_and_explain_names_what_changed() {
    let a = app();
    let approvals = bound(&a);
    let mut write = a.clone();
    write.spec.connectors.push(Connector {
        name: "exporter".into(),
        access: Access::Write,
        datasets: vec!["onboarding-tasks".into()],
        ..a.spec.connectors[2].clone()
    });
    let mut egress = a.clone();
    egress.spec.egress.push("https://new-host.example/api".into());
    let mut region = a.clone();
    region.spec.connectors[1].region = Some("aws:eu-west-1".into()); // payroll
    let mut class = a.clone();
    class.spec.datasets[0].classification = Classification::Internal; // employees
    let mut kind = a.clone();
    kind.spec.connectors[2].kind = "webhook".to_string(); // it-tickets: outside the exception's scope
    let cases: [(&str, &Manifest, &[&str], &[&str]); 5] = [
        ("write connector", &write, &["connector exporter added"], &[]),
        ("egress host", &egress, &["egress changed"], &[]),
        ("region", &region, &["connector payroll changed"], &["connector payroll changed"]),
        ("classification", &class, &["dataset employees changed"], &["dataset employees changed"]),
        ("connector type", &kind, &["connector it-tickets changed"], &[]),
    ];
    for (path, engine) in engines() {
        for (what, app, whole, scoped) in cases {
            let got = statuses(&engine, app, &approvals);
            let want =
                |changes: &[&str]| if changes.is_empty() { ApprovalStatus::Valid } else { ApprovalStatus::Stale };
            assert_eq!(
                got,
                vec![("apr-sec".into(), want(whole)), ("exc-transfer".into(), want(scoped))],
                "{path}: {what}"
            );
            let x = engine.explain(app, &Context::at(now()).with_approvals(approvals.clone())).unwrap();
            assert_eq!(x.approvals[0].changes, whole, "{path}: {what}");
            assert_eq!(x.approvals[1].changes, scoped, "{path}: {what}");
            assert!(x.approvals[0].reason.contains(whole[0]), "{path}: {what}: {}", x.approvals[0].reason);
            assert!(
                !x.decision.waived.iter().any(|w| w.approval_id == "exc-transfer") || scoped.is_empty(),
                "{path}: {what}"
            );
        }
    }
}

#[test]
fn an_approval_without_a_digest_counts_and_the_decision_warns() {
    let a = app();
    let mut approvals = bound(&a);
    approvals[0].digest = None;
    approvals[0].reviewed.clear();
    for (path, engine) in engines() {
        assert_eq!(statuses(&engine, &a, &approvals), valid_both(), "{path}");
        let d = engine.evaluate(&a, &Context::at(now()).with_approvals(approvals.clone())).unwrap();
        let warned: Vec<_> = d.warnings.iter().filter(|w| w.rule == "approval_without_digest").collect();
        assert_eq!(warned.len(), 1, "{path}");
        assert!(warned[0].message.contains("apr-sec"), "{path}: {}", warned[0].message);
    }
}

#[test]
fn a_digest_without_parts_is_stale_without_naming_changes() {
    let a = app();
    let mut approvals = bound(&a);
    approvals[0].reviewed.clear();
    let mut b = a.clone();
    b.spec.egress.push("https://x.example".into());
    let x = Engine::with_options(EngineOptions::default().data(directory()))
        .unwrap()
        .explain(&b, &Context::at(now()).with_approvals(approvals))
        .unwrap();
    assert_eq!(x.approvals[0].status, ApprovalStatus::Stale);
    assert!(x.approvals[0].changes.is_empty());
    assert_eq!(x.approvals[0].reason, "the app's material view changed since it was granted");
}

/// `fixtures/approvals/stale.json`, as the Python and Node suites read it.
#[test]
fn the_stale_table_holds_on_every_path() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let t: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("fixtures/approvals/stale.json")).unwrap()).unwrap();
    let text = std::fs::read_to_string(root.join("fixtures/apps").join(t["app"].as_str().unwrap())).unwrap();
    let approvals_text =
        std::fs::read_to_string(root.join("fixtures/approvals").join(t["approvals_file"].as_str().unwrap())).unwrap();
    let approvals = microgov::model::approval::approvals_from_str(&approvals_text).unwrap();
    let now: DateTime<Utc> = t["now"].as_str().unwrap().parse().unwrap();
    let edits = t["edits"].as_array().unwrap();
    for (path, engine) in engines() {
        for e in edits {
            let name = e["name"].as_str().unwrap();
            let (from, to) = (e["replace"][0].as_str().unwrap(), e["replace"][1].as_str().unwrap());
            assert!(text.contains(from), "{name}: the edit applies");
            let app = engine.parse_manifest(&text.replacen(from, to, 1)).unwrap();
            let x = engine.explain(&app, &Context::at(now).with_approvals(approvals.clone())).unwrap();
            let got: serde_json::Map<String, serde_json::Value> =
                x.decision.approvals.iter().map(|u| (u.id.clone(), u.status.as_str().into())).collect();
            assert_eq!(serde_json::Value::Object(got), e["status"], "{path}: {name}");
            let changes: serde_json::Map<String, serde_json::Value> = x
                .approvals
                .iter()
                .filter(|a| !a.changes.is_empty())
                .map(|a| (a.id.clone(), serde_json::json!(a.changes)))
                .collect();
            assert_eq!(serde_json::Value::Object(changes), e["changes"], "{path}: {name}");
        }
    }
}

/// The fixtures' approver directory (a data overlay): the approvers of the tables hold their roles.
fn directory() -> serde_json::Value {
    serde_json::from_str(include_str!("../../fixtures/approvals/directory.json")).unwrap()
}
