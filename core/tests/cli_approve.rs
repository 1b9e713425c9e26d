//! `microgov approve`: an approval bound to the manifest as it is now counts until a
//! material edit (a write connector, a new egress host, a region, a classification) and
//! after a non-material one (purpose, labels); `explain` names what changed.
//!
//! Needs the binary: `cargo test --features cli` (CI: `--all-features`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use std::path::Path;

const NOW: &str = "2026-11-26T10:00:00Z";

/// The DPO's pii.export exception on connector payroll.
const EXPORT_EXCEPTION: &[&str] = &[
    "--role",
    "data-governance",
    "--approver",
    "dpo@acme.example",
    "--id",
    "exc-export",
    "--scope-exception",
    "pii.export",
    "--scope-connector",
    "payroll",
];

fn approve(app: &Path, extra: &[&str]) -> String {
    let app = app.to_str().unwrap();
    let mut args = vec![
        "approve",
        app,
        "--data",
        "fixtures/approvals/directory.json",
        "--granted",
        "2026-11-20T00:00:00Z",
        "--expires",
        "2027-02-20T00:00:00Z",
    ];
    args.extend_from_slice(extra);
    let o = run(&args);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    stdout(&o)
}

/// The statuses and each stale approval's changes, by `microgov explain --format json`.
fn judged(app: &Path, approvals: &Path) -> Vec<(String, String, Vec<String>)> {
    let o = run(&[
        "explain",
        app.to_str().unwrap(),
        "--data",
        "fixtures/approvals/directory.json",
        "--approvals",
        approvals.to_str().unwrap(),
        "--now",
        NOW,
        "--format",
        "json",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let x = json_out(&o);
    x["approvals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let changes = a["changes"].as_array().map(|c| c.iter().map(|s| s.as_str().unwrap().to_string()).collect());
            (
                a["id"].as_str().unwrap().to_string(),
                a["status"].as_str().unwrap().to_string(),
                changes.unwrap_or_default(),
            )
        })
        .collect()
}

#[test]
fn an_approval_made_with_approve_stops_counting_after_a_material_edit_only() {
    let dir = temp_dir("cli-approve");
    let original = std::fs::read_to_string(root().join("fixtures/apps/hr-onboarding.yaml")).unwrap();
    let app = dir.join("app.yaml");
    std::fs::write(&app, &original).unwrap();
    let mut file = approve(&app, &["--role", "security", "--approver", "sec.lead@acme.example", "--id", "apr-sec"]);
    file += &approve(&app, &[EXPORT_EXCEPTION, &["--scope-dataset", "employees"]].concat());
    let approvals = dir.join("approvals.yaml");
    std::fs::write(&approvals, &file).unwrap();
    let valid = |id: &str| (id.to_string(), "valid".to_string(), Vec::<String>::new());
    assert_eq!(judged(&app, &approvals), [valid("apr-sec"), valid("exc-export")]);
    // The dataset+connector-scoped export exception waives the export on payroll.
    let o = run(&[
        "check",
        app.to_str().unwrap(),
        "--data",
        "fixtures/approvals/directory.json",
        "--approvals",
        approvals.to_str().unwrap(),
        "--now",
        NOW,
        "--format",
        "json",
    ]);
    assert!(stdout(&o).contains("exc-export"), "{}", stdout(&o));

    let edits: [(&str, String, &[&str], bool); 5] = [
        ("purpose", original.replacen("purpose:", "purpose: Reworded.", 1), &[], false),
        ("labels", original.replacen("  labels:\n", "  labels:\n    team: people\n", 1), &[], false),
        (
            "region",
            original.replace("region: aws:us-east-1", "region: aws:us-west-2"),
            &["connector payroll changed"],
            true,
        ),
        (
            "classification",
            original.replacen("classification: restricted", "classification: confidential", 1),
            &["dataset employees changed"],
            true,
        ),
        (
            "egress host",
            original.replacen("  egress:\n", "  egress:\n    - https://new-host.example/api\n", 1),
            &["egress changed"],
            false,
        ),
    ];
    for (what, text, changes, scoped_too) in edits {
        assert_ne!(text, original, "{what}: the edit applies to the fixture");
        std::fs::write(&app, &text).unwrap();
        let got = judged(&app, &approvals);
        if changes.is_empty() {
            assert_eq!(got, [valid("apr-sec"), valid("exc-export")], "{what}");
            continue;
        }
        let changes: Vec<String> = changes.iter().map(|s| s.to_string()).collect();
        assert_eq!(got[0], ("apr-sec".into(), "stale".into(), changes.clone()), "{what}");
        let want = if scoped_too { ("exc-export".into(), "stale".into(), changes) } else { valid("exc-export") };
        assert_eq!(got[1], want, "{what}");
    }
}

#[test]
fn approve_refuses_an_approval_that_could_not_count() {
    let app = root().join("fixtures/apps/hr-onboarding.yaml");
    let app = app.to_str().unwrap();
    let base = [
        "approve",
        app,
        "--data",
        "fixtures/approvals/directory.json",
        "--granted",
        "2026-11-20T00:00:00Z",
        "--role",
        "security",
    ];
    let refused = |extra: &[&str], code_path: &str, status: &str| {
        let expires: &[&str] = if extra.contains(&"--expires") { &[] } else { &["--expires", "2027-02-20T00:00:00Z"] };
        let o = run(&[&base[..], expires, extra].concat());
        assert_eq!(code(&o), 2, "{extra:?}");
        let err = stderr(&o);
        assert!(err.contains(code_path) && err.contains(status), "{extra:?}: {err}");
    };
    let would_not = "manifest.approval_would_not_count at /0/";
    refused(&["--approver", "lena.schmidt@acme.example"], &format!("{would_not}approver"), "self_approval");
    refused(
        &["--approver", "sec.lead@acme.example", "--scope-connector", "billing"],
        &format!("{would_not}scope"),
        "scope_mismatch",
    );
    // The directory grants it-support, not security, to the help desk.
    refused(&["--approver", "it.helpdesk@acme.example"], &format!("{would_not}roles"), "unverified_role");
    // A security approval may last 365 days; this one 366.
    let long = ["--approver", "sec.lead@acme.example", "--expires", "2027-11-21T00:00:00Z"];
    refused(&long, &format!("{would_not}expiresAt"), "too_long");
    refused(&["--approver", "not-an-address"], "manifest.invalid_email at /0/approver", "not an e-mail address");
}

#[test]
fn a_signed_approval_counts_and_an_unsigned_one_of_a_key_holder_does_not() {
    let dir = temp_dir("approve-signed");
    let approvals = dir.join("approvals.yaml");
    let app = root().join("fixtures/apps/hr-onboarding.yaml");
    let ciso = ["--role", "security", "--approver", "ciso@acme.example", "--justification", "SEC-1300"];
    let signed =
        approve(&app, &[&ciso[..], &["--id", "apr-signed", "--key", "fixtures/approvals/keys/ciso.key"]].concat());
    assert!(signed.contains("\n  signature: \"\u{2014} ciso@acme.example "), "{signed}");
    let unsigned = approve(&app, &[&ciso[..], &["--id", "apr-unsigned"]].concat());
    assert!(!unsigned.contains("signature"), "{unsigned}");
    std::fs::write(&approvals, format!("{signed}{unsigned}")).unwrap();
    let got = judged(&app, &approvals);
    assert_eq!(got[0], ("apr-signed".into(), "valid".into(), vec![]));
    assert_eq!(got[1], ("apr-unsigned".into(), "bad_signature".into(), vec![]));
    // A signature by another key of the same name is a forgery.
    let forged = approve(
        &app,
        &[&ciso[..], &["--id", "apr-forged", "--key", "fixtures/approvals/keys/ciso-other.key"]].concat(),
    );
    std::fs::write(&approvals, forged).unwrap();
    assert_eq!(judged(&app, &approvals)[0].1, "bad_signature");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn audit_append_records_each_approval_as_its_grant_or_revocation() {
    let dir = temp_dir("approve-audit");
    let app = root().join("fixtures/apps/hr-onboarding.yaml");
    let ciso = ["--role", "security", "--approver", "ciso@acme.example", "--id", "apr-sec"];
    let signed = approve(&app, &[&ciso[..], &["--key", "fixtures/approvals/keys/ciso.key"]].concat());
    let exception = approve(&app, EXPORT_EXCEPTION);
    let approvals = dir.join("approvals.yaml");
    std::fs::write(&approvals, format!("{signed}{exception}")).unwrap();
    let log = dir.join("audit.jsonl");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_microgov"))
        .args([
            "audit",
            "append",
            log.to_str().unwrap(),
            "--approvals",
            "--tenant",
            "acme",
            "--log-id",
            "acme.example/audit",
        ])
        .stdin(std::fs::File::open(&approvals).unwrap())
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let records: Vec<serde_json::Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|r: &serde_json::Value| r["action"] != "log.header")
        .collect();
    let got: Vec<(&str, &str, &str)> = records
        .iter()
        .map(|r| {
            (r["action"].as_str().unwrap(), r["resource_id"].as_str().unwrap(), r["principal_id"].as_str().unwrap())
        })
        .collect();
    assert_eq!(
        got,
        [("approval.grant", "apr-sec", "ciso@acme.example"), ("exception.grant", "exc-export", "dpo@acme.example")]
    );
    assert_eq!(records[0]["attrs"]["signed_by"], "ciso@acme.example");
    assert!(records[0]["attrs"]["digest"].as_str().unwrap().starts_with("sha256:"));
    assert_eq!(records[1]["attrs"]["scope"]["exception"], "pii.export");
    assert_eq!(code(&run(&["audit", "verify", log.to_str().unwrap()])), 0);
    // A file that is no approvals list is refused with its problems, and nothing is appended.
    let before = std::fs::read_to_string(&log).unwrap();
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_microgov"))
        .args(["audit", "append", log.to_str().unwrap(), "--approvals"])
        .stdin(std::fs::File::open(root().join("fixtures/approvals/malformed.yaml")).unwrap())
        .current_dir(root())
        .output()
        .unwrap();
    assert_eq!(code(&bad), 2);
    assert!(stderr(&bad).contains("invalid approvals"), "{}", stderr(&bad));
    assert_eq!(std::fs::read_to_string(&log).unwrap(), before);
    let _ = std::fs::remove_dir_all(&dir);
}
