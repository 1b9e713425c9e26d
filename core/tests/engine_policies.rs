//! The team's own policies: folders, tarballs, the seed articles' Rego,
//! broken bundles and runaway policies.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use microgov::engine::Severity;
use microgov::{Context, Engine, EngineOptions, Error, Outcome};
use std::io::Write;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

const APP: &str = r#"
apiVersion: microgov.dev/v1
kind: MicroApp
metadata: { name: deploy-helper, owner: ops.lead@acme.example, createdAt: 2026-11-01T09:00:00Z }
spec:
  environment: staging
  auth: { sso: oidc, mfa: true }
  datasets: [{ name: tickets, classification: internal }]
  connectors:
    - { name: crm, type: api, endpoint: https://crm.internal.acme.example, datasets: [tickets], exportsPii: true }
  egress: [https://unsafe.example.org]
"#;

fn now() -> chrono::DateTime<chrono::Utc> {
    "2026-11-26T10:00:00Z".parse().unwrap()
}

#[test]
fn seed_article_policies_change_decisions() {
    let engine = Engine::with_options(EngineOptions::default().policy_dir(fixtures().join("policies/team"))).unwrap();
    let app = engine.parse_manifest(APP).unwrap();

    let d = engine.evaluate(&app, &Context::at(now())).unwrap();
    let team: Vec<_> = d.violations.iter().filter(|v| v.policy == "platform.policy").collect();
    assert_eq!(team.len(), 1, "{:#?}", d.violations);
    assert_eq!(team[0].rule, "violation");
    assert_eq!(team[0].message, "Connector crm exports PII but not approved");
    assert!(!d.violations.iter().any(|v| v.policy == "microapp.network"), "no deploy request, no deny");

    let mut deploy = Context::at(now());
    deploy.extra = serde_json::json!({"request": {"method": "deploy"}});
    let d = engine.evaluate(&app, &deploy).unwrap();
    let net: Vec<_> = d.violations.iter().filter(|v| v.policy == "microapp.network").collect();
    assert_eq!(net.len(), 1);
    assert_eq!(net[0].message, "deployment denied: host unsafe.example.org is blacklisted");
    assert_eq!(d.outcome, Outcome::Deny);

    // The team's test file runs like `opa test`.
    let results = microgov::bundle::rego_test::run_tests(&[microgov::bundle::Bundle::from_dir(
        &fixtures().join("policies/team"),
    )
    .unwrap()])
    .unwrap();
    assert_eq!(results.iter().filter(|r| r.status == "pass").count(), 2, "{results:#?}");
}

#[test]
fn a_pii_export_exception_satisfies_both_bundled_and_team_rules() {
    let directory = std::fs::read_to_string(fixtures().join("approvals/directory.json")).unwrap();
    let opts = EngineOptions::default().policy_dir(fixtures().join("policies/team"));
    let engine = Engine::with_options(opts.data(serde_json::from_str(&directory).unwrap())).unwrap();
    let app = engine.parse_manifest(APP).unwrap();
    let approvals = microgov::model::approval::approvals_from_str(
        "- {id: exc-1, app: deploy-helper, approver: dpo@acme.example, roles: [data-governance], scope: {exception: pii.export, connector: crm}, grantedAt: 2026-11-20T00:00:00Z, expiresAt: 2027-01-01T00:00:00Z}",
    )
    .unwrap();
    let d = engine.evaluate(&app, &Context::at(now()).with_approvals(approvals)).unwrap();
    assert!(
        !d.violations.iter().any(|v| v.rule == "pii_export_unapproved" || v.policy == "platform.policy"),
        "{:#?}",
        d.violations
    );
    assert!(d.waived.iter().any(|w| w.violation.rule == "pii_export_unapproved" && w.approval_id == "exc-1"));
}

fn tarball(dir: &Path, name: &str, files: &[(&str, &str)]) -> PathBuf {
    let path = dir.join(name);
    let f = std::fs::File::create(&path).unwrap();
    let gz = flate2::write::GzEncoder::new(f, flate2::Compression::default());
    let mut tb = tar::Builder::new(gz);
    for (p, body) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(body.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        tb.append_data(&mut h, p, body.as_bytes()).unwrap();
    }
    tb.into_inner().unwrap().finish().unwrap().flush().unwrap();
    path
}

fn tempdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("microgov-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn an_opa_bundle_tarball_loads_with_its_revision_and_data() {
    let dir = tempdir("tar-ok");
    let t = tarball(
        &dir,
        "team.tar.gz",
        &[
            (".manifest", r#"{"revision": "2026.11.3", "roots": ["team/limits"]}"#),
            ("data.json", r#"{"team": {"limits": {"max_connectors": 1}}}"#),
            (
                "team/limits/limits.rego",
                "package team.limits\nimport rego.v1\n\n# METADATA\n# title: Too many connectors\n# custom:\n#   severity: low\n#   remediation: Split the app.\nviolation contains v if {\n\tcount(input.app.spec.connectors) > data.team.limits.max_connectors\n\tv := {\"rule\": \"too_many_connectors\", \"message\": \"too many connectors\", \"path\": \"/spec/connectors\"}\n}\n",
            ),
        ],
    );
    let engine = Engine::with_options(EngineOptions::default().bundle(&t)).unwrap();
    let app = engine.parse_manifest(&APP.replace("egress: [https://unsafe.example.org]", "egress: []").replace(
        "connectors:\n",
        "connectors:\n    - { name: crm2, type: api, endpoint: https://crm2.internal.acme.example, datasets: [tickets] }\n",
    )).unwrap();
    let d = engine.evaluate(&app, &Context::at(now())).unwrap();
    let v = d.violations.iter().find(|v| v.rule == "too_many_connectors").expect("team rule fires");
    assert_eq!(v.policy, "team.limits");
    assert_eq!(v.severity, "low", "severity from METADATA");
    assert_eq!(v.remediation.as_deref(), Some("Split the app."));
    assert_eq!(d.policy_revisions.get("team").map(String::as_str), Some("2026.11.3"));
    let ex = engine.explain(&app, &Context::at(now())).unwrap();
    let src = ex
        .violations
        .iter()
        .find(|e| e.violation.rule == "too_many_connectors")
        .and_then(|e| e.source.clone())
        .unwrap();
    assert!(src.file.ends_with("team/limits/limits.rego"), "{}", src.file);
    assert_eq!(src.line, 9, "the rule head after the METADATA block");
}

#[test]
fn broken_bundles_give_typed_errors_naming_file_and_line() {
    let dir = tempdir("tar-bad");
    let bad = tarball(
        &dir,
        "bad.tar.gz",
        &[("team/x.rego", "package team.x\nimport rego.v1\n\nviolation contains v if {\n\tv := \n}\n")],
    );
    let err = Engine::with_options(EngineOptions::default().bundle(&bad)).unwrap_err();
    assert_eq!(err.code(), "policy.parse", "{err}");
    let Error::Policy(p) = &err else { panic!("{err:?}") };
    assert!(p.file().unwrap().ends_with("bad.tar.gz/team/x.rego"), "{:?}", p.file());
    assert!(p.line().unwrap() >= 4, "{:?}", p.line());

    let missing = Engine::with_options(EngineOptions::default().bundle(dir.join("nope.tar.gz"))).unwrap_err();
    assert_eq!(missing.code(), "policy.io");
    assert!(missing.to_string().contains("nope.tar.gz"));

    // Two team bundles claiming the same root (a bundle claiming a bundled root replaces
    // that bundled bundle instead: tests/engine_native.rs).
    let overlap = |name: &str| {
        tarball(
            &dir,
            name,
            &[
                (".manifest", r#"{"revision": "1", "roots": ["team/shared"]}"#),
                ("r.rego", "package team.shared\nimport rego.v1\nx := 1\n"),
            ],
        )
    };
    let (a, b) = (overlap("overlap-a.tar.gz"), overlap("overlap-b.tar.gz"));
    let err = Engine::with_options(EngineOptions::default().bundle(&a).bundle(&b)).unwrap_err();
    assert_eq!(err.code(), "policy.root_overlap", "{err}");
    assert!(err.to_string().contains("overlap-a") && err.to_string().contains("overlap-b"), "{err}");

    let outside = tarball(
        &dir,
        "outside.tar.gz",
        &[
            (".manifest", r#"{"revision": "1", "roots": ["team/a"]}"#),
            ("r.rego", "package team.b\nimport rego.v1\nx := 1\n"),
        ],
    );
    let err = Engine::with_options(EngineOptions::default().bundle(&outside)).unwrap_err();
    assert_eq!(err.code(), "policy.outside_root", "{err}");
    let Error::Policy(p) = &err else { panic!() };
    assert_eq!(p.line(), Some(1));

    let not_gzip = dir.join("plain.tar.gz");
    std::fs::write(&not_gzip, b"this is not a tarball").unwrap();
    assert_eq!(
        Engine::with_options(EngineOptions::default().bundle(&not_gzip)).unwrap_err().code(),
        "policy.bad_bundle"
    );
}

#[test]
fn a_runaway_policy_is_stopped_by_the_limits() {
    let engine =
        Engine::with_options(EngineOptions::default().policy_dir(fixtures().join("policies/runaway"))).unwrap();
    let app = engine.parse_manifest(APP).unwrap();
    let started = std::time::Instant::now();
    let err = engine.evaluate(&app, &Context::at(now())).unwrap_err();
    assert_eq!(err.code(), "policy.limit", "{err}");
    // The same engine stays usable for other evaluations (the failed VM is discarded).
    let mut calm = Context::at(now());
    calm.extra = serde_json::json!({"calm": true});
    let d = engine.evaluate(&app, &calm).unwrap();
    assert!(!d.violations.iter().any(|v| v.policy == "team.runaway"), "{:#?}", d.violations);
    // And it stops the runaway policy again.
    assert_eq!(engine.evaluate(&app, &Context::at(now())).unwrap_err().code(), "policy.limit");
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
}

#[test]
fn a_team_policy_keeps_its_own_severity_words() {
    let dir = tempdir("tar-severity");
    let t = tarball(
        &dir,
        "sev.tar.gz",
        &[(
            "team/sev/sev.rego",
            "package team.sev\nimport rego.v1\n\nviolation contains {\"rule\": \"loud\", \"message\": \"m\", \"severity\": \"HIGH\"} if { true }\n\nviolation contains {\"rule\": \"own\", \"message\": \"m\", \"severity\": \"Blocker\"} if { true }\n",
        )],
    );
    let engine = Engine::with_options(EngineOptions::default().bundle(&t)).unwrap();
    let d = engine.evaluate(&engine.parse_manifest(APP).unwrap(), &Context::at(now())).unwrap();
    let sev = |rule: &str| d.violations.iter().find(|v| v.rule == rule).map(|v| v.severity.clone()).unwrap();
    assert_eq!(sev("loud"), Severity::High, "the four levels in any case");
    assert_eq!(sev("own"), Severity::Other("blocker".into()), "other words kept, lowercased, as before");
    let wire = d.to_value();
    let own = wire["violations"].as_array().unwrap().iter().find(|v| v["rule"] == "own").unwrap();
    assert_eq!(own["severity"], "blocker");
}

#[test]
fn host_data_that_is_not_an_object_names_no_line() {
    let err = Engine::with_options(EngineOptions::default().data(serde_json::json!([1]))).unwrap_err();
    assert_eq!(err.code(), "policy.bad_data");
    assert_eq!(err.to_string(), "data: invalid data document: host data must be a JSON object");
    let Error::Policy(p) = &err else { panic!("{err:?}") };
    assert_eq!((p.file(), p.line()), (Some("data"), None));
}

#[test]
fn a_team_policy_can_use_json_patch_as_in_opa() {
    // fixtures/policies/jsonpatch: the app with the change in `context.extra.change` applied.
    let engine =
        Engine::with_options(EngineOptions::default().policy_dir(fixtures().join("policies/jsonpatch"))).unwrap();
    assert!(engine.is_compiled(), "json.patch runs in the compiled VM");
    let app = engine.parse_manifest(APP).unwrap();
    let with_change = |change: serde_json::Value| {
        let ctx = Context { extra: serde_json::json!({ "change": change }), ..Context::at(now()) };
        let d = engine.evaluate(&app, &ctx).unwrap();
        d.violations.iter().filter(|v| v.policy == "acme.patch").map(|v| v.rule.clone()).collect::<Vec<_>>()
    };
    let live = serde_json::json!([{"op": "replace", "path": "/spec/environment", "value": "production"}]);
    assert_eq!(with_change(live), ["change_goes_live"]);
    let owner = serde_json::json!([{"op": "add", "path": "/spec/purpose", "value": "deploys"}]);
    assert!(with_change(owner).is_empty());
    // A patch that does not apply leaves `patched` undefined: no violation, no error.
    let broken = serde_json::json!([{"op": "remove", "path": "/spec/nothing"}]);
    assert!(with_change(broken).is_empty());
}
