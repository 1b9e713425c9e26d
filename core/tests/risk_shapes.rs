//! The risk model against the seed articles' tier definitions: every app shape of
//! `fixtures/risk/shapes.json` gets its tier and factors (the Python and Node suites read
//! the same table), and each factor says why it applied.

// Helpers of a test crate sit outside #[test] functions; failing loudly is their job.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use microgov::risk::RiskAssessment;
use microgov::{Engine, Manifest};
use serde_json::Value;
use std::collections::BTreeSet;

fn table() -> Value {
    serde_json::from_str(include_str!("../../fixtures/risk/shapes.json")).unwrap()
}

fn assess(engine: &Engine, app: &Manifest) -> RiskAssessment {
    microgov::risk::assess(app, &engine.settings().risk, &engine.settings().catalog)
}

/// A shape's manifest: the base with the shape's spec members replacing the base's.
fn manifest(t: &Value, shape: &Value) -> Value {
    let mut m = t["base"].clone();
    for (k, v) in shape["spec"].as_object().unwrap() {
        m["spec"][k] = v.clone();
    }
    m
}

#[test]
fn every_shape_gets_the_tier_the_articles_define() {
    let t = table();
    let engine = Engine::new().unwrap();
    let shapes = t["shapes"].as_array().unwrap();
    assert!(shapes.len() >= 20, "at least 20 shapes");
    let mut failures = Vec::new();
    let mut tiers = BTreeSet::new();
    for shape in shapes {
        let name = shape["name"].as_str().unwrap();
        let app = engine.manifest_from_value(&manifest(&t, shape)).unwrap_or_else(|e| panic!("{name}: {e}"));
        let risk = assess(&engine, &app);
        let factors: BTreeSet<&str> = risk.factors.iter().map(|f| f.factor.as_str()).collect();
        let want: BTreeSet<&str> = shape["factors"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect();
        if risk.tier.as_str() != shape["tier"] || factors != want {
            failures.push(format!(
                "{name}: got {} (score {}) {factors:?}, want {} {want:?}",
                risk.tier, risk.score, shape["tier"]
            ));
        }
        for f in &risk.factors {
            assert!(!f.detail.is_empty() && f.points > 0, "{name}: {f:?}");
        }
        tiers.insert(risk.tier.as_str());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(tiers.len(), 3, "the shapes span every tier");
}

#[test]
fn an_external_connector_says_why_and_what_would_make_it_internal() {
    let t = table();
    let engine = Engine::new().unwrap();
    let by_name = |n: &str| t["shapes"].as_array().unwrap().iter().find(|s| s["name"] == n).unwrap().clone();
    let app = engine.manifest_from_value(&manifest(&t, &by_name("a read-only call to a partner API"))).unwrap();
    let risk = assess(&engine, &app);
    let ext = risk.factors.iter().find(|f| f.factor == "external_connector").unwrap();
    assert_eq!(
        ext.detail,
        "external connector(s): partner reaches api.partner.example, which is not under the owner's domain, an internal suffix or a cloud endpoint of its region"
    );
    assert!(
        ext.remedy.contains("internal_domain_suffixes") && ext.remedy.contains("external: false"),
        "{}",
        ext.remedy
    );
    // The platform adds the partner's domain to its internal suffixes: the connector is internal.
    let data =
        serde_json::json!({"microgov": {"governance": {"internal_domain_suffixes": [".internal", "partner.example"]}}});
    let own = Engine::with_options(microgov::EngineOptions::default().data(data)).unwrap();
    let app = own.manifest_from_value(&manifest(&t, &by_name("a read-only call to a partner API"))).unwrap();
    assert!(!assess(&own, &app).factors.iter().any(|f| f.factor == "external_connector"));
    // A catalog type is external by its entry, and the remedy says what to change.
    let bot = engine.manifest_from_value(&manifest(&t, &by_name("a Slack to Jira bot in staging"))).unwrap();
    let ext = assess(&engine, &bot).factors.into_iter().find(|f| f.factor == "external_connector").unwrap();
    assert!(ext.detail.contains("slack is of a type the connector catalog lists as external"), "{}", ext.detail);
    // Without the tenant's AWS accounts, its RDS replica is external again.
    let data = serde_json::json!({"microgov": {"governance": {"cloud_accounts": []}}});
    let no_cloud = Engine::with_options(microgov::EngineOptions::default().data(data)).unwrap();
    let rds = manifest(&t, &by_name("dashboard on the company's own RDS replica"));
    let app = no_cloud.manifest_from_value(&rds).unwrap();
    assert_eq!(assess(&no_cloud, &app).tier.as_str(), "medium");
}
