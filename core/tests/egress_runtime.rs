//! Runtime egress checks and redaction against `fixtures/runtime/check_egress.json`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use microgov::{Engine, EngineOptions};
use serde_json::Value;
use std::path::PathBuf;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/runtime")
}

#[test]
fn check_egress_gives_the_expected_verdicts() {
    let table: Value =
        serde_json::from_str(&std::fs::read_to_string(dir().join("check_egress.json")).unwrap()).unwrap();
    let text = std::fs::read_to_string(dir().join(table["app"].as_str().unwrap())).unwrap();
    let bundled = Engine::new().unwrap();
    let mut failures = Vec::new();
    for case in table["cases"].as_array().unwrap() {
        let engine = match case.get("data") {
            Some(d) => Engine::with_options(EngineOptions::default().data(d.clone())).unwrap(),
            None => bundled.clone(),
        };
        let app = engine.parse_manifest(&text).unwrap();
        let url = case["url"].as_str().unwrap();
        let v = engine.check_egress(&app, url);
        let want = case["code"].as_str().unwrap();
        if v.code != want || v.allowed != (want == "allowed") {
            failures.push(format!("{url}: expected {want}, got {} ({})", v.code, v.reason));
        }
        // The prepared guard answers the same.
        assert_eq!(engine.egress_guard(&app).check(url), v);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn redact_masks_regulated_fields_unless_raw_values_are_needed() {
    let table: Value =
        serde_json::from_str(&std::fs::read_to_string(dir().join("check_egress.json")).unwrap()).unwrap();
    let engine = Engine::new().unwrap();
    let app = engine.parse_manifest(&std::fs::read_to_string(dir().join("egress-app.yaml")).unwrap()).unwrap();
    for case in table["redact"].as_array().unwrap() {
        let got = engine.redact(&app, case["connector"].as_str().unwrap(), &case["record"]);
        assert_eq!(got, case["expected"], "connector {}", case["connector"]);
    }
}

#[test]
fn mask_obligation_from_rego_matches_native_redaction_fields() {
    let engine = Engine::new().unwrap();
    let app = engine.parse_manifest(&std::fs::read_to_string(dir().join("egress-app.yaml")).unwrap()).unwrap();
    let d = engine.evaluate(&app, &microgov::Context::at("2026-11-26T10:00:00Z".parse().unwrap())).unwrap();
    for c in &app.spec.connectors {
        let from_rego: Vec<String> = d
            .obligations
            .iter()
            .filter(|o| o["type"] == "mask" && o["connector"] == c.name.as_str())
            .flat_map(|o| o["fields"].as_array().cloned().unwrap_or_default())
            .filter_map(|f| f.as_str().map(str::to_string))
            .collect();
        assert_eq!(from_rego, engine.masked_fields(&app, &c.name), "connector {}", c.name);
    }
    // Each obligation names its policy and where the connector is.
    assert!(!d.obligations.is_empty());
    for o in &d.obligations {
        let i = app.spec.connectors.iter().position(|c| o["connector"] == c.name.as_str()).unwrap();
        assert_eq!(
            (o["policy"].as_str(), o["path"].as_str()),
            (Some("pii"), Some(format!("/spec/connectors/{i}").as_str())),
            "{o}"
        );
    }
}

/// URLs × declared egress → the verdict's code: the worst reason comes first
/// (metadata / internal address before scheme, port, host, path), and a path
/// outside a declared prefix has its own code naming the prefix.
#[test]
fn verdict_code_is_the_worst_reason() {
    let engine = Engine::new().unwrap();
    let table: &[(&[&str], &str, &str)] = &[
        // Metadata and internal addresses outrank the scheme and the port.
        (&["https://api.example.com"], "http://169.254.169.254/latest/meta-data/", "internal_address"),
        (&["https://api.example.com"], "http://169.254.169.254:8080/", "internal_address"),
        (&["https://api.example.com"], "http://127.0.0.1/", "internal_address"),
        (&["https://api.example.com"], "http://10.0.0.5:8080/", "internal_address"),
        (&["https://api.example.com"], "http://localhost/", "internal_address"),
        (&["https://api.example.com"], "https://user@169.254.169.254/", "internal_address"),
        // ... and a declared metadata entry does not make it allowed.
        (&["http://169.254.169.254"], "http://169.254.169.254/latest/", "internal_address"),
        // Scheme before port, port before host.
        (&["https://api.example.com"], "http://api.example.com:8080/", "non_https"),
        (&["https://api.example.com"], "https://api.example.com:8443/", "port_not_allowed"),
        (&["https://api.example.com"], "https://x.ngrok.io:8443/", "port_not_allowed"),
        (&["https://api.example.com"], "https://x.ngrok.io/", "denied_host"),
        (&["https://api.example.com"], "https://user@api.example.com/", "suspicious_url"),
        // The host is declared, the path is what fails.
        (&["https://globex.zendesk.com/api"], "https://GLOBEX.zendesk.com/api/../admin", "path_not_declared"),
        (&["https://globex.zendesk.com/api"], "https://globex.zendesk.com/apix", "path_not_declared"),
        (
            &["https://globex.zendesk.com/api", "https://globex.zendesk.com/v2"],
            "https://globex.zendesk.com/",
            "path_not_declared",
        ),
        (&["https://*.zendesk.com/api"], "https://globex.zendesk.com/admin", "path_not_declared"),
        (&["https://globex.zendesk.com/api"], "https://globex.zendesk.com/api/tickets", "allowed"),
        (&["https://globex.zendesk.com/api"], "https://GLOBEX.zendesk.com/api/./tickets", "allowed"),
        // Another host, or another scheme on a declared host, is not declared at all.
        (&["https://globex.zendesk.com/api"], "https://initech.zendesk.com/api", "not_declared"),
        (&["https://globex.zendesk.com/api"], "wss://globex.zendesk.com/api", "not_declared"),
        (&[], "https://api.example.com/", "not_declared"),
    ];
    let mut failures = Vec::new();
    for (declared, url, want) in table {
        let egress: String = declared.iter().map(|e| format!("\n    - {e}")).collect();
        let egress = if declared.is_empty() { " []".to_string() } else { egress };
        let text = format!(
            "apiVersion: microgov.dev/v1\nkind: MicroApp\nmetadata:\n  name: t\n  owner: a@acme.example\n  createdAt: 2026-11-01T09:00:00Z\nspec:\n  egress:{egress}\n"
        );
        let app = engine.parse_manifest(&text).unwrap();
        let v = engine.check_egress(&app, url);
        if v.code != *want || v.allowed != (*want == "allowed") {
            failures.push(format!("{declared:?} {url}: expected {want}, got {} ({})", v.code, v.reason));
        }
        assert_eq!(engine.egress_guard(&app).check(url), v);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn path_verdict_names_the_declared_prefix() {
    let engine = Engine::new().unwrap();
    let text = "apiVersion: microgov.dev/v1\nkind: MicroApp\nmetadata:\n  name: t\n  owner: a@acme.example\n  createdAt: 2026-11-01T09:00:00Z\nspec:\n  egress:\n    - https://globex.zendesk.com/api\n";
    let app = engine.parse_manifest(text).unwrap();
    let v = engine.check_egress(&app, "https://GLOBEX.zendesk.com/api/../admin");
    assert_eq!(v.code, "path_not_declared");
    assert_eq!(v.reason, "path /admin on globex.zendesk.com is outside the declared prefix /api");
    let v = engine.check_egress(&app, "http://169.254.169.254/latest/meta-data/");
    assert_eq!(
        (v.code.as_str(), v.reason.as_str()),
        ("internal_address", "169.254.169.254 is a cloud metadata endpoint")
    );
}

fn resolved_table() -> (Value, String) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/detect/egress_resolved.json");
    let table: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let app = path.parent().unwrap().join(table["app"].as_str().unwrap());
    (table, std::fs::read_to_string(app).unwrap())
}

fn engine_for(case: &Value, bundled: &Engine) -> Engine {
    match case.get("data") {
        Some(d) => Engine::with_options(EngineOptions::default().data(d.clone())).unwrap(),
        None => bundled.clone(),
    }
}

/// `check_resolved` against `fixtures/detect/egress_resolved.json`: every internal class
/// a resolver may answer (IPv4 inside IPv6 too) is refused, unless the data allows it.
#[test]
fn check_resolved_refuses_internal_answers() {
    let (table, text) = resolved_table();
    let bundled = Engine::new().unwrap();
    let mut failures = Vec::new();
    for case in table["resolved"].as_array().unwrap() {
        let engine = engine_for(case, &bundled);
        let guard = engine.egress_guard(&engine.parse_manifest(&text).unwrap());
        let url = case["url"].as_str().unwrap();
        let addrs: Vec<std::net::IpAddr> =
            case["addresses"].as_array().unwrap().iter().map(|a| a.as_str().unwrap().parse().unwrap()).collect();
        let v = guard.check_resolved(url, &addrs);
        // A resolver hook sees the host only: the address half answers alike.
        if guard.check(url).allowed {
            let host = url::Url::parse(url).unwrap().host_str().unwrap().to_string();
            let a = guard.check_addresses(&host, &addrs);
            assert_eq!((a.allowed, a.code, a.address), (v.allowed, v.code, v.address), "{url} {addrs:?}");
        }
        let want = case["code"].as_str().unwrap();
        let address = v.address.map(|a| a.to_string());
        if v.code != want || v.allowed != (want == "allowed") || address.as_deref() != case["address"].as_str() {
            failures.push(format!("{url} {addrs:?}: expected {want}, got {} {address:?} ({})", v.code, v.reason));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn check_redirect_checks_every_hop() {
    let (table, text) = resolved_table();
    let engine = Engine::new().unwrap();
    let guard = engine.egress_guard(&engine.parse_manifest(&text).unwrap());
    let mut failures = Vec::new();
    for case in table["redirects"].as_array().unwrap() {
        let (from, to) = (case["from"].as_str().unwrap(), case["to"].as_str().unwrap());
        let v = guard.check_redirect(from, to);
        let want = case["code"].as_str().unwrap();
        if v.code != want || v.allowed != (want == "allowed") {
            failures.push(format!("{from} -> {to}: expected {want}, got {} ({})", v.code, v.reason));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A client that resolves with a hostile resolver and follows redirects, checking the
/// address it would dial at every hop: the metadata answer is refused, with its reason.
#[test]
fn hostile_resolver_is_refused_at_connect_time() {
    let (_, text) = resolved_table();
    let engine = Engine::new().unwrap();
    let guard = engine.egress_guard(&engine.parse_manifest(&text).unwrap());
    let resolve = |host: &str| -> Vec<std::net::IpAddr> {
        match host {
            "api.stripe.com" => vec!["93.184.215.14".parse().unwrap()],
            // A declared name whose DNS now answers the metadata service.
            "hooks.example.com" => vec!["169.254.169.254".parse().unwrap()],
            _ => vec![],
        }
    };
    let dial = |url: &str| {
        let host = url::Url::parse(url).unwrap().host_str().unwrap().to_string();
        guard.check_resolved(url, &resolve(&host))
    };
    let v = dial("https://api.stripe.com/v1/charges");
    assert!(v.allowed && v.address == Some("93.184.215.14".parse().unwrap()), "{v:?}");
    // The URL alone passes; the address it resolves to does not.
    assert!(guard.check("https://hooks.example.com/v1/events").allowed);
    let v = dial("https://hooks.example.com/v1/events");
    assert_eq!(v.code, microgov::EgressCode::InternalAddress);
    assert_eq!(v.reason, "hooks.example.com resolves to 169.254.169.254, a cloud metadata endpoint");
    // A redirect from an allowed host to the same place is refused at the hop.
    let hop = guard.check_redirect("https://api.stripe.com/v1/charges", "https://hooks.example.com/v1/events");
    assert!(hop.allowed);
    assert!(!dial("https://hooks.example.com/v1/events").allowed);
    // The wire form of the code is the snake-case string.
    let wire = serde_json::to_value(&v).unwrap();
    assert_eq!(wire["code"], "internal_address");
    assert!(wire.get("address").is_none());
}
