//! `detect::scan_manifest` walks the typed manifest; it must find exactly what
//! `detect::scan` finds in the manifest's JSON form (same findings, same order, same
//! paths), on every valid manifest of the fixtures and on manifests seeded with
//! secrets, personal data and odd URLs in every place a detector looks.

// Helpers of a test crate sit outside #[test] functions; failing loudly is their job.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use chrono::{TimeZone, Utc};
use microgov::detect::{self, egress, pii, secrets};
use microgov::model::{Category, SecretRef};
use microgov::Manifest;
use serde_json::json;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

/// Every fixture file that is a valid manifest, outside `fixtures/invalid`.
fn valid_fixture_manifests() -> Vec<(String, Manifest)> {
    let mut out = Vec::new();
    let mut dirs = vec![fixtures()];
    while let Some(dir) = dirs.pop() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                if p.file_name().is_some_and(|n| n != "invalid") {
                    dirs.push(p);
                }
                continue;
            }
            let ext = p.extension().and_then(|e| e.to_str()).unwrap_or_default();
            if !matches!(ext, "yaml" | "yml" | "json") {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(&p) else {
                continue;
            };
            if let Ok(m) = Manifest::from_str_any(&text) {
                out.push((relative(&p), m));
            }
        }
    }
    out
}

fn relative(p: &Path) -> String {
    p.strip_prefix(fixtures()).unwrap_or(p).display().to_string()
}

fn typical() -> Manifest {
    let text = std::fs::read_to_string(fixtures().join("bench/typical.yaml")).unwrap();
    Manifest::from_yaml(&text).unwrap()
}

fn assert_same(name: &str, m: &Manifest) {
    let value = m.to_value();
    assert_eq!(detect::scan_manifest(m), detect::scan(&value), "{name}: scan_manifest differs from scan(to_value)");
    // Each detector on its own too, so a failure names the detector.
    assert_eq!(secrets::scan_manifest(m), secrets::scan_value(&value), "{name}: secrets");
    assert_eq!(pii::scan_manifest(m), pii::scan_datasets(&value), "{name}: pii");
    assert_eq!(egress::scan_manifest(m), egress::scan(&value), "{name}: egress");
}

#[test]
fn every_valid_fixture() {
    let all = valid_fixture_manifests();
    let names: Vec<&str> = all.iter().map(|(n, _)| n.as_str()).collect();
    // Every seed app (YAML) and the bench manifest are among them.
    let apps = std::fs::read_dir(fixtures().join("apps")).unwrap();
    for p in apps.map(|e| e.unwrap().path()) {
        if p.extension().is_some_and(|e| e == "yaml") {
            let n = relative(&p);
            assert!(names.contains(&n.as_str()), "{n} does not parse");
        }
    }
    assert!(names.contains(&"bench/typical.yaml"), "{names:?}");
    for (name, m) in &all {
        assert_same(name, m);
    }
}

/// The bench manifest with something for every detector in every place it looks,
/// and key context of every kind (sensitive keys, `{name, value}` pairs, numbers).
fn seeded() -> Manifest {
    let mut m = typical();
    let pat = |i: usize| format!("ghp_0123456789abcdefFAKEFAKEFAKEfake{i:04}");
    m.metadata.department = Some(pat(1));
    m.metadata.tenant = Some("sk_live_0123456789abcdefFAKEfake42".into());
    m.metadata.retired_at = Utc.timestamp_opt(1_800_000_000, 123_000_000).single();
    m.metadata.labels = [
        ("password", "hunter2-Pa55"),
        ("name", "DB_PASSWORD"),
        ("value", "s3cr3t-Pa55"),
        ("type", "service_account"),
        (
            "private_key",
            "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7FAKE\n-----END PRIVATE KEY-----\n",
        ),
        ("a/b~c", "token=Zx9QwErTy7UiOp3AsDfGh"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    m.spec.template = Some(pat(2));
    m.spec.purpose = Some("Sync with postgres://app:S3cr3tFakePass@db.acme.example/app".into());
    m.spec.auth.roles.push(pat(3));
    m.spec.policies.push(pat(4));
    m.spec.egress.extend([
        "http://0x7f.1/".to_string(),
        "https://user:pw@api.example.com".to_string(),
        "not a url".to_string(),
        "http://169.254.169.254/latest/meta-data".to_string(),
    ]);
    m.spec.env.extend([
        ("GH_TOKEN".to_string(), json!(pat(5))),
        ("DB_PASSWORD".to_string(), json!(123_456)),
        ("API_KEY".to_string(), json!("literal-api-key-0001")),
        (
            "list".to_string(),
            json!([{"name": "DB_PASSWORD", "value": "s3cr3t-Pa55"}, {"key": "API_TOKEN", "val": "tok-literal-0042x"}]),
        ),
        (
            "creds".to_string(),
            json!({"type": "service_account", "project_id": "p",
                   "private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7FAKE\n-----END PRIVATE KEY-----\n"}),
        ),
        ("tokens".to_string(), json!(["aB3dE5fG7hI9jK1lM3nO5pQ7", null, true, 3.5])),
    ]);
    m.spec.secrets = vec![
        SecretRef { name: "db".into(), reference: "vault://secret/db".into(), rotation_days: Some(30) },
        SecretRef { name: pat(6), reference: "hunter2-Pa55".into(), rotation_days: None },
    ];
    for (i, c) in m.spec.connectors.iter_mut().enumerate() {
        c.rotation_days = Some(90);
        c.secret_ref = Some(if i % 2 == 0 { pat(10 + i) } else { "${DB_PASS}".into() });
        c.region = None;
        c.config.insert("password".into(), json!("p@ss-W0rd-literal"));
        c.config.insert("passcode".into(), json!(987_654));
        c.config.insert("headers".into(), json!({"Authorization": "Bearer abcDEF123ghiJKL456mno"}));
        c.headers.insert("Authorization".into(), "Basic dXNlcjpwYXNzd29yZDEyMw==".into());
        c.headers.insert("X-Trace".into(), "on".into());
        c.datasets.push(pat(30 + i));
        if i == 3 {
            c.endpoint = Some("postgres://0x7f.1/db".into());
        }
        if i == 4 {
            c.endpoint = None;
        }
    }
    for (i, d) in m.spec.datasets.iter_mut().enumerate() {
        d.residency = if i % 3 == 0 { None } else { Some(pat(50 + i)) };
        d.retention_days = if i % 2 == 0 { None } else { Some(1234) };
        for (j, f) in d.fields.iter_mut().enumerate() {
            match (i + j) % 4 {
                0 => f.sample = vec!["jane@acme.example".into(), "joe@acme.example".into()],
                1 => f.sample = vec!["4111 1111 1111 1111".into(), pat(70 + i), "+44 20 7946 0958".into()],
                2 => f.categories.push(Category::Pci),
                _ => f.name = format!("customer_phone_number_{j}"),
            }
        }
    }
    m
}

#[test]
fn seeded_manifest() {
    let m = seeded();
    let f = detect::scan_manifest(&m);
    // The seeds are found, so the comparison covers real findings.
    assert!(f.secrets.len() >= 40, "{}", f.secrets.len());
    assert!(f.secrets.iter().any(|s| s.rule == "gcp_service_account"));
    assert!(f.secrets.iter().any(|s| s.path == "/metadata/labels/value"));
    assert!(f.secrets.iter().any(|s| s.path == "/metadata/labels/a~1b~0c"));
    assert!(f.secrets.iter().any(|s| s.path == "/spec/env/DB_PASSWORD"));
    assert!(f.secrets.iter().any(|s| s.path == "/spec/env/list/1/val"));
    assert!(f.secrets.iter().any(|s| s.path == "/spec/connectors/0/config/passcode"));
    assert!(f.pii.iter().any(|p| p.path.ends_with("/sample/2")));
    assert!(f.egress.iter().any(|e| e.url.is_none()));
    assert_same("seeded", &m);
}

#[test]
fn empty_collections_and_no_options() {
    let mut m = seeded();
    m.metadata.labels.clear();
    m.metadata.department = None;
    m.metadata.tenant = None;
    m.metadata.retired_at = None;
    m.spec.template = None;
    m.spec.purpose = None;
    m.spec.egress.clear();
    m.spec.env.clear();
    m.spec.secrets.clear();
    m.spec.auth.roles.clear();
    for c in &mut m.spec.connectors {
        c.config.clear();
        c.headers.clear();
        c.datasets.clear();
        c.endpoint = None;
        c.secret_ref = None;
        c.rotation_days = None;
    }
    for d in &mut m.spec.datasets {
        d.fields.clear();
        d.categories.clear();
    }
    assert_same("emptied", &m);
    m.spec.datasets.clear();
    m.spec.connectors.clear();
    assert_same("bare", &m);
}
