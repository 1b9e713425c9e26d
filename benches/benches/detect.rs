//! Detector benchmarks: secrets scan of a 64 KB config (throughput) and of a typical
//! manifest, each detector and the whole `detect::scan` on that manifest, the whole
//! `detect::scan_manifest` on the typed bench manifest (`fixtures/bench/typical.yaml`,
//! as `Engine::prepare` runs it), and the egress normalize + match hot path that
//! `Engine::check_egress` builds on.
//!
//! Run: `cargo bench -p microgov-benches --bench detect`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use microgov::detect::{self, egress, pii, secrets};
use microgov::Manifest;
use serde_json::{json, Value};

/// A typical manifest: 10 connectors, 20 datasets with 60 fields, 10 egress hosts,
/// a dozen env vars; no secrets (the common case the scan must be fast on).
fn typical_manifest() -> Value {
    let connectors: Vec<Value> = (0..10)
        .map(|i| {
            json!({
                "name": format!("conn-{i}"),
                "type": if i % 2 == 0 { "database" } else { "http" },
                "endpoint": format!("https://svc{i}.internal.acme.example/api/v2"),
                "region": "aws:eu-west-1",
                "access": if i % 3 == 0 { "write" } else { "read" },
                "datasets": [format!("dataset-{}", i * 2), format!("dataset-{}", i * 2 + 1)],
                "exportsPii": i % 4 == 0,
                "secretRef": format!("vault://secret/apps/expense-approver/conn-{i}"),
                "config": {
                    "pool": 4, "timeoutMs": 3000, "retries": 3, "sslmode": "require",
                    "database": format!("app_{i}"), "user": "svc_expense",
                    "password": "${DB_PASSWORD}",
                    "headers": {"Accept": "application/json", "X-Tenant": "acme"},
                    "description": "Reads approved expense reports for the monthly export",
                },
            })
        })
        .collect();
    let field_names = [
        "employee_email",
        "amount",
        "currency",
        "submitted_at",
        "approver_id",
        "status",
        "cost_center",
        "description",
        "receipt_url",
        "merchant_name",
        "category",
        "project_code",
    ];
    let datasets: Vec<Value> = (0..20)
        .map(|i| {
            let fields: Vec<Value> = (0..3)
                .map(|j| {
                    let name = field_names[(i * 3 + j) % field_names.len()];
                    if name.contains("email") {
                        json!({"name": name, "categories": ["pii"]})
                    } else {
                        json!({"name": name})
                    }
                })
                .collect();
            json!({
                "name": format!("dataset-{i}"), "classification": "confidential", "residency": "EU",
                "encryption": "byok", "retentionDays": 365, "fields": fields,
            })
        })
        .collect();
    let egress: Vec<Value> = (0..10).map(|i| json!(format!("https://api{i}.partner-{i}.example.com/v1"))).collect();
    let env: serde_json::Map<String, Value> = (0..12)
        .map(|i| (format!("FEATURE_FLAG_{i}"), json!(if i % 2 == 0 { "enabled" } else { "disabled" })))
        .chain([("LOG_LEVEL".to_string(), json!("info")), ("API_TOKEN".to_string(), json!("${{ secrets.API_TOKEN }}"))])
        .collect();
    json!({
        "apiVersion": "microgov.dev/v1", "kind": "MicroApp",
        "metadata": {
            "name": "expense-approver", "owner": "jane.doe@acme.example", "department": "finance",
            "tenant": "acme", "createdAt": "2026-11-01T09:00:00Z", "expiresAt": "2027-01-30T09:00:00Z",
        },
        "spec": {
            "template": "expense-approval@2.1.0", "purpose": "Approve expense reports under 5k",
            "builtBy": "ai-assistant", "environment": "production",
            "auth": {"sso": "oidc", "mfa": true, "localAccounts": false, "roles": ["viewer", "approver"]},
            "datasets": datasets, "connectors": connectors, "egress": egress, "env": env,
            "policies": ["pci-safe"],
        },
    })
}

/// A ~64 KB free-form config: nested sections of ordinary settings, URLs, prose,
/// references, ids and hashes, plus two real-format fake secrets.
fn big_config() -> Value {
    let mut sections = serde_json::Map::new();
    let mut i = 0;
    while serde_json::to_string(&sections).map(|s| s.len()).unwrap_or(0) < 64 * 1024 {
        sections.insert(
            format!("service_{i}"),
            json!({
                "enabled": true, "replicas": 3, "port": 8080 + i,
                "url": format!("https://service-{i}.acme.example/v1/items?page=1"),
                "healthCheck": {"path": "/healthz", "intervalSeconds": 10},
                "image": format!("registry.acme.example/team/service-{i}:1.{i}.0"),
                "notes": "Handles the nightly batch; contact the platform team before changing limits.",
                "requestId": "123e4567-e89b-12d3-a456-426614174000",
                "commit": "9fceb02d0ae598e95dc970b74767f19372d61af8",
                "tokenSecretRef": format!("vault://secret/svc-{i}/token"),
                "labels": {"team": "platform", "tier": "backend", "region": "eu-west-1"},
                "limits": {"cpu": "500m", "memory": "512Mi"},
            }),
        );
        i += 1;
    }
    sections.insert("legacy".into(), json!({"GH_TOKEN": "ghp_0123456789abcdefFAKEFAKEFAKEfake0000"}));
    sections.insert("billing".into(), json!({"dsn": "postgres://app:S3cr3tFakePass@db.acme.example/app"}));
    Value::Object(sections)
}

/// About 64 KB of free text (log lines, CSV rows, prose, JSON snippets) with personal
/// data in one line of eight.
fn big_text() -> String {
    let lines = [
        "2026-11-03 10:22:01 INFO request served in 12ms path=/v1/items?page=2 status=200",
        "Handles the nightly batch; contact the platform team before changing limits.",
        "42,widget,blue,19.99,EUR,in stock,warehouse 7,shelf 12",
        "{\"order\": 48213, \"sku\": \"AB-1234\", \"qty\": 3, \"note\": \"leave at the door\"}",
        "commit 9fceb02d0ae598e95dc970b74767f19372d61af8 merged by the release bot",
        "Approved expense report for the monthly export, amount 1234.56",
        "requestId 123e4567-e89b-12d3-a456-426614174000 retried 3 times",
        "contact: jane.doe@example.com, Tel: +44 20 7946 0958, card 4111 1111 1111 1111",
    ];
    let mut text = String::new();
    let mut i = 0;
    while text.len() < 64 * 1024 - 200 {
        text.push_str(lines[i % lines.len()]);
        text.push('\n');
        i += 1;
    }
    text
}

fn bench_free_text(c: &mut Criterion) {
    let text = big_text();
    assert!(pii::find_entities(&text).len() > 100);
    let mut g = c.benchmark_group("pii");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.bench_function("find_entities_64k_text", |b| b.iter(|| pii::find_entities(black_box(&text))));
    g.finish();
}

fn bench_secrets(c: &mut Criterion) {
    let config = big_config();
    let bytes = serde_json::to_string(&config).map(|s| s.len()).unwrap_or(0) as u64;
    assert_eq!(secrets::scan_value(&config).len(), 2);
    let mut g = c.benchmark_group("secrets");
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function("scan_64k_config", |b| b.iter(|| secrets::scan_value(black_box(&config))));
    g.finish();

    let manifest = typical_manifest();
    let bytes = serde_json::to_string(&manifest).map(|s| s.len()).unwrap_or(0) as u64;
    assert!(secrets::scan_value(&manifest).is_empty());
    let mut g = c.benchmark_group("manifest");
    g.throughput(Throughput::Bytes(bytes));
    g.bench_function("secrets_scan_typical", |b| b.iter(|| secrets::scan_value(black_box(&manifest))));
    g.bench_function("pii_scan_typical", |b| b.iter(|| pii::scan_datasets(black_box(&manifest))));
    g.bench_function("egress_scan_typical", |b| b.iter(|| egress::scan(black_box(&manifest))));
    g.bench_function("detect_scan_typical", |b| b.iter(|| detect::scan(black_box(&manifest))));
    g.finish();
}

/// The typed bench manifest, `fixtures/bench/typical.yaml` (10 connectors, 20
/// datasets, 60 fields, 10 egress URLs), as the engine holds it.
fn typical_yaml() -> Manifest {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/bench/typical.yaml");
    let text = std::fs::read_to_string(path).expect("fixtures/bench/typical.yaml");
    Manifest::from_yaml(&text).expect("typical.yaml is a valid manifest")
}

fn bench_scan_manifest(c: &mut Criterion) {
    let manifest = typical_yaml();
    assert_eq!(detect::scan_manifest(&manifest), detect::scan(&manifest.to_value()));
    let mut g = c.benchmark_group("manifest_typed");
    g.bench_function("scan_manifest_typical", |b| b.iter(|| detect::scan_manifest(black_box(&manifest))));
    g.bench_function("secrets_scan_manifest_typical", |b| b.iter(|| secrets::scan_manifest(black_box(&manifest))));
    g.bench_function("pii_scan_manifest_typical", |b| b.iter(|| pii::scan_manifest(black_box(&manifest))));
    g.bench_function("egress_scan_manifest_typical", |b| b.iter(|| egress::scan_manifest(black_box(&manifest))));
    // What `scan_manifest` used to do: serialize, then walk the JSON value.
    g.bench_function("to_value_then_scan_typical", |b| b.iter(|| detect::scan(&black_box(&manifest).to_value())));
    g.finish();
}

fn bench_egress(c: &mut Criterion) {
    let declared: Vec<egress::NormalizedUrl> = (0..10)
        .filter_map(|i| egress::NormalizedUrl::parse(&format!("https://api{i}.partner-{i}.example.com/v1")).ok())
        .collect();
    let url = "https://api7.partner-7.example.com/v1/orders/42?expand=items";
    let mut g = c.benchmark_group("egress");
    g.bench_function("normalize_and_match", |b| {
        b.iter(|| egress::NormalizedUrl::parse(black_box(url)).ok().and_then(|u| egress::match_declared(&declared, &u)))
    });
    g.bench_function("normalize_and_match_denied_ip", |b| {
        b.iter(|| {
            egress::NormalizedUrl::parse(black_box("http://0x7f.1:8080/admin"))
                .ok()
                .and_then(|u| egress::match_declared(&declared, &u))
        })
    });
    g.bench_function("host_matches_wildcard", |b| {
        b.iter(|| egress::host_matches(black_box("*.partner-7.example.com"), black_box("api7.partner-7.example.com")))
    });
    g.finish();
}

fn bench_check_resolved(c: &mut Criterion) {
    let engine = microgov::Engine::new().expect("the bundled engine");
    let app = engine
        .parse_manifest(
            &std::fs::read_to_string(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/bench/typical.yaml"),
            )
            .expect("typical.yaml"),
        )
        .expect("typical.yaml is valid");
    let guard = engine.egress_guard(&app);
    let url = app.spec.egress.first().cloned().unwrap_or_default();
    let one: Vec<std::net::IpAddr> = vec!["93.184.215.14".parse().expect("an address")];
    let eight: Vec<std::net::IpAddr> =
        (1..=8).map(|i| format!("93.184.215.{i}").parse().expect("an address")).collect();
    assert!(guard.check_resolved(&url, &one).allowed, "{url}");
    let mut g = c.benchmark_group("egress_resolved");
    g.bench_function("check", |b| b.iter(|| guard.check(black_box(&url))));
    g.bench_function("check_resolved_1_address", |b| b.iter(|| guard.check_resolved(black_box(&url), &one)));
    g.bench_function("check_resolved_8_addresses", |b| b.iter(|| guard.check_resolved(black_box(&url), &eight)));
    g.finish();
}

criterion_group!(benches, bench_secrets, bench_scan_manifest, bench_egress, bench_free_text, bench_check_resolved);
criterion_main!(benches);
