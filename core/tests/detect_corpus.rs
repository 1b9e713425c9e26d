//! Checks every row of the detector corpora in `fixtures/detect/`. Each test collects
//! all mismatching rows and reports them at once.

// Helpers of a test harness: a panic is a test failure.
#![allow(clippy::panic)]

use std::collections::BTreeSet;
use std::path::PathBuf;

use microgov::detect::{egress, pii, secrets};
use serde_json::{json, Value};

fn load(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/detect").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn rows<'a>(v: &'a Value, table: &str) -> &'a [Value] {
    v[table].as_array().map(Vec::as_slice).unwrap_or_else(|| panic!("missing table {table}"))
}

fn report(file: &str, failures: Vec<String>, total: usize) {
    assert!(failures.is_empty(), "{file}: {} of {total} rows fail:\n  {}", failures.len(), failures.join("\n  "));
}

/// The longest run of `value` characters a preview reveals.
fn preview_leaks(preview: &str, value: &str) -> bool {
    let shown = preview.trim_end_matches('…');
    shown.chars().count() > 4 || (shown.len() >= 5 && value.contains(shown))
}

#[test]
fn secrets_corpus() {
    let corpus = load("secrets.json");
    let mut failures = Vec::new();
    let pairs = rows(&corpus, "pairs");
    for row in pairs {
        let id = row["id"].as_str().unwrap_or("?");
        let value = &row["value"];
        let findings = match row["key"].as_str() {
            Some(key) => secrets::scan_value(&json!({ key: value })),
            None => secrets::scan_text(value.as_str().unwrap_or_default()),
        };
        let got: BTreeSet<&str> = findings.iter().map(|f| f.rule.as_str()).collect();
        let want: BTreeSet<&str> = row["expect"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        if got != want {
            failures.push(format!("{id}: expected {want:?}, got {got:?}"));
        }
        let text = value.to_string();
        for f in &findings {
            if preview_leaks(&f.preview, &text) {
                failures.push(format!("{id}: preview {:?} reveals too much", f.preview));
            }
        }
    }
    let docs = rows(&corpus, "documents");
    for row in docs {
        let id = row["id"].as_str().unwrap_or("?");
        let findings = secrets::scan_value(&row["document"]);
        let got: BTreeSet<(String, String)> = findings.iter().map(|f| (f.rule.clone(), f.path.clone())).collect();
        let want: BTreeSet<(String, String)> = row["expect"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| (e["rule"].as_str().unwrap_or("").to_string(), e["path"].as_str().unwrap_or("").to_string()))
            .collect();
        if got != want {
            failures.push(format!("document {id}: expected {want:?}, got {got:?}"));
        }
    }
    report("secrets.json", failures, pairs.len() + docs.len());
}

#[test]
fn pii_field_names_corpus() {
    let corpus = load("pii_fields.json");
    let mut failures = Vec::new();
    let cases = rows(&corpus, "cases");
    for row in cases {
        let name = row["name"].as_str().unwrap_or_default();
        let kinds = pii::classify_field_name(name);
        let got: BTreeSet<String> = kinds
            .iter()
            .map(|k| serde_json::to_value(k).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default())
            .collect();
        let want: BTreeSet<String> =
            row["kinds"].as_array().into_iter().flatten().filter_map(Value::as_str).map(String::from).collect();
        let got_cats: BTreeSet<&str> = kinds.iter().flat_map(|k| k.categories()).map(|c| c.as_str()).collect();
        let want_cats: BTreeSet<&str> =
            row["categories"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        if got != want || got_cats != want_cats {
            failures.push(format!("{name:?}: expected {want:?} {want_cats:?}, got {got:?} {got_cats:?}"));
        }
    }
    report("pii_fields.json", failures, cases.len());
}

#[test]
fn pii_values_corpus() {
    let corpus = load("pii_values.json");
    let mut failures = Vec::new();
    let cases = rows(&corpus, "cases");
    for row in cases {
        let value = row["value"].as_str().unwrap_or_default();
        let got = pii::recognize_value(value).map(|k| serde_json::to_value(k).unwrap_or(Value::Null));
        let got = got.unwrap_or(Value::Null);
        if got != row["kind"] {
            failures.push(format!("{value:?}: expected {}, got {got}", row["kind"]));
        }
    }
    report("pii_values.json", failures, cases.len());
}

#[test]
fn egress_corpus() {
    let corpus = load("egress_urls.json");
    let mut failures = Vec::new();
    let cases = rows(&corpus, "cases");
    for row in cases {
        let url = row["url"].as_str().unwrap_or_default();
        let finding = egress::EgressFinding::from_input("/spec/egress/0".into(), url);
        let got = serde_json::to_value(&finding).unwrap_or(Value::Null);
        let Some(expect) = row["expect"].as_object() else {
            failures.push(format!("{url:?}: row has no expect"));
            continue;
        };
        for (field, want) in expect {
            let mut have = got[field.as_str()].clone();
            let mut want = want.clone();
            if field == "issues" {
                let set = |v: &Value| -> Value {
                    let mut s: Vec<String> =
                        v.as_array().into_iter().flatten().filter_map(Value::as_str).map(String::from).collect();
                    s.sort();
                    json!(s)
                };
                have = set(&have);
                want = set(&want);
            }
            if have != want {
                failures.push(format!("{url:?}: {field} expected {want}, got {have}"));
            }
        }
    }
    let matching = rows(&corpus, "matching");
    for row in matching {
        let declared: Vec<egress::NormalizedUrl> = row["declared"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .filter_map(|s| egress::NormalizedUrl::parse(s).ok())
            .collect();
        let url = row["url"].as_str().unwrap_or_default();
        let got = egress::NormalizedUrl::parse(url).ok().and_then(|u| egress::match_declared(&declared, &u));
        let want = row["expect"].as_u64().map(|i| i as usize);
        if got != want {
            failures.push(format!("match {url:?}: expected {want:?}, got {got:?}"));
        }
    }
    let patterns = rows(&corpus, "host_patterns");
    for row in patterns {
        let (p, h) = (row["pattern"].as_str().unwrap_or_default(), row["host"].as_str().unwrap_or_default());
        let got = egress::host_matches(p, h);
        if Some(got) != row["expect"].as_bool() {
            failures.push(format!("host_matches({p:?}, {h:?}): expected {}, got {got}", row["expect"]));
        }
    }
    report("egress_urls.json", failures, cases.len() + matching.len() + patterns.len());
}

#[test]
fn full_manifest_scan_serializes_snake_case() {
    let manifest = json!({"spec": {
        "env": {"API_TOKEN": "fake-literal-token-0001"},
        "datasets": [{"name": "hr", "fields": [{"name": "employeeEmail", "sample": "jane@acme.example"}]}],
        "connectors": [{"name": "db", "endpoint": "postgres://0x7f.1/db"}],
        "egress": ["https://user:pw@api.example.com", "not a url"]
    }});
    let f = serde_json::to_value(microgov::detect::scan(&manifest)).unwrap_or(Value::Null);
    let secrets: BTreeSet<(String, String)> = f["secrets"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| (s["rule"].as_str().unwrap_or("").into(), s["path"].as_str().unwrap_or("").into()))
        .collect();
    let want: BTreeSet<(String, String)> = [
        ("sensitive_key_literal".into(), "/spec/env/API_TOKEN".into()),
        ("url_password".into(), "/spec/egress/0".into()),
    ]
    .into();
    assert_eq!(secrets, want);
    assert_eq!(f["pii"][0]["source"], "name");
    assert_eq!(f["pii"][1]["source"], "sample");
    assert_eq!(f["pii"][1]["path"], "/spec/datasets/0/fields/0/sample");
    assert_eq!(f["egress"][0]["path"], "/spec/egress/0");
    assert_eq!(f["egress"][0]["url"], "https://api.example.com/");
    assert_eq!(f["egress"][1]["issues"], json!(["unparseable"]));
    assert_eq!(f["egress"][2]["path"], "/spec/connectors/0/endpoint");
    assert_eq!(f["egress"][2]["ip_class"], "loopback");
}
