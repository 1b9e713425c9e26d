//! One wire schema: the JSON Schema of every output type, generated from the Rust types
//! (`schemars`, feature `schema`) and committed in `core/docs/schema/`. This test fails when
//! the committed files differ from what the types generate, so they cannot drift; run it with
//! `MICROGOV_WRITE_SCHEMA=1` to write them. It also validates real outputs against them (the
//! Python and Node suites validate what they receive against the same files).

// Helpers of a test crate sit outside #[test] functions; failing loudly is their job.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use microgov::audit::{verify, Chain, Event, Receipt, VerifyReport};
use microgov::engine::Explanation;
use microgov::model::approval::approvals_from_str;
use microgov::model::{ApprovalStatus, Problem};
use microgov::{Context, Decision, Engine, Manifest};
use schemars::generate::SchemaSettings;
use schemars::JsonSchema;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn schema_dir() -> PathBuf {
    repo().join("core/docs/schema")
}

/// The output shapes on the wire (what `Serialize` writes), draft 2020-12.
fn schema_of<T: JsonSchema>() -> Value {
    let generator = SchemaSettings::draft2020_12().for_serialize().into_generator();
    serde_json::to_value(generator.into_root_schema_for::<T>()).unwrap()
}

/// Each committed file and the type it is generated from.
fn generated() -> Vec<(&'static str, Value)> {
    vec![
        ("decision.json", schema_of::<Decision>()),
        ("violation.json", schema_of::<microgov::engine::Violation>()),
        ("problem.json", schema_of::<Problem>()),
        ("explanation.json", schema_of::<Explanation>()),
        ("verify-report.json", schema_of::<VerifyReport>()),
        ("receipt.json", schema_of::<Receipt>()),
    ]
}

#[test]
fn committed_schemas_are_what_the_types_generate() {
    let write = std::env::var_os("MICROGOV_WRITE_SCHEMA").is_some();
    let mut stale = Vec::new();
    for (file, schema) in generated() {
        let path = schema_dir().join(file);
        let text = serde_json::to_string_pretty(&schema).unwrap() + "\n";
        if write {
            std::fs::create_dir_all(schema_dir()).unwrap();
            std::fs::write(&path, &text).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            stale.push(file);
        }
    }
    assert!(
        stale.is_empty(),
        "core/docs/schema/{{{}}} differ from the Rust types: run MICROGOV_WRITE_SCHEMA=1 cargo test -p microgov \
         --features schema --test wire_schema, and update the Python TypedDicts and Node declarations to match",
        stale.join(",")
    );
}

/// The strings a string enum allows: `enum`, or `oneOf` of `const`s (variants with doc comments).
fn strings_of(schema: &Value) -> Vec<&str> {
    match schema.get("enum") {
        Some(e) => e.as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect(),
        None => schema["oneOf"].as_array().unwrap().iter().map(|s| s["const"].as_str().unwrap()).collect(),
    }
}

#[test]
fn enums_keep_their_wire_strings() {
    let decision = schema_of::<Decision>();
    let defs = &decision["$defs"];
    assert_eq!(strings_of(&defs["Outcome"]), ["allow", "review", "deny"]);
    assert_eq!(strings_of(&defs["Tier"]), ["low", "medium", "high"]);
    assert_eq!(strings_of(&defs["Severity"]["anyOf"][0]), ["low", "medium", "high", "critical"]);
    let status = strings_of(&defs["ApprovalStatus"]);
    for s in [
        ApprovalStatus::Valid,
        ApprovalStatus::SelfApproval,
        ApprovalStatus::UnverifiedRole,
        ApprovalStatus::ByokRequired,
        ApprovalStatus::TooLong,
        ApprovalStatus::BadSignature,
        ApprovalStatus::Stale,
    ] {
        assert!(status.contains(&s.as_str()), "{status:?}");
    }
    assert_eq!(status.len(), 13, "{status:?}");
}

// ------------------------------------------------------------- outputs validate

fn validator(file: &str) -> jsonschema::Validator {
    let text = std::fs::read_to_string(schema_dir().join(file)).unwrap();
    jsonschema::draft202012::new(&serde_json::from_str(&text).unwrap()).unwrap()
}

fn assert_valid(v: &jsonschema::Validator, doc: &Value, what: &str) {
    let errors: Vec<String> = v.iter_errors(doc).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{what}: {errors:#?}");
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo().join(path)).unwrap()
}

#[test]
fn every_fixture_decision_and_explanation_validates() {
    let table: Value = serde_json::from_str(&read("fixtures/apps/expected.json")).unwrap();
    let now = table["now"].as_str().unwrap().parse().unwrap();
    let (decision, explanation) = (validator("decision.json"), validator("explanation.json"));
    let data = serde_json::from_str(&read(&format!("fixtures/{}", table["data"].as_str().unwrap()))).unwrap();
    let engine = Engine::with_options(microgov::EngineOptions::default().data(data)).unwrap();
    for (file, exp) in table["apps"].as_object().unwrap() {
        let app = engine.parse_manifest(&read(&format!("fixtures/apps/{file}"))).unwrap();
        let approvals = match exp["approvals_file"].as_str() {
            Some(f) => approvals_from_str(&read(&format!("fixtures/approvals/{f}"))).unwrap(),
            None => Vec::new(),
        };
        let ctx = Context::at(now).with_approvals(approvals);
        assert_valid(&decision, &engine.evaluate(&app, &ctx).unwrap().to_value(), file);
        assert_valid(&explanation, &serde_json::to_value(engine.explain(&app, &ctx).unwrap()).unwrap(), file);
    }
    // The validator does catch a shape the types do not allow.
    let mut broken = engine
        .evaluate(&engine.parse_manifest(&read("fixtures/apps/hr-onboarding.yaml")).unwrap(), &Context::at(now))
        .unwrap()
        .to_value();
    broken["outcome"] = "maybe".into();
    assert!(!decision.is_valid(&broken));
}

#[test]
fn every_problem_of_the_invalid_fixtures_validates() {
    let v = validator("problem.json");
    let table: Value = serde_json::from_str(&read("fixtures/invalid/expected.json")).unwrap();
    let mut seen = 0;
    for file in table.as_object().unwrap().keys().filter(|k| *k != "about") {
        let Err(e) = Manifest::from_str_any(&read(&format!("fixtures/invalid/{file}"))) else {
            panic!("{file} must be invalid")
        };
        for p in &e.problems {
            assert_valid(&v, &serde_json::to_value(p).unwrap(), file);
            seen += 1;
        }
    }
    assert!(seen > 0);
}

#[test]
fn verify_reports_and_receipts_validate() {
    let v = validator("verify-report.json");
    let mut statuses = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(repo().join("fixtures/audit")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("jsonl") {
            continue;
        }
        let report = verify(path.as_path(), None, None).unwrap();
        let doc = serde_json::to_value(&report).unwrap();
        assert_valid(&v, &doc, &path.display().to_string());
        statuses.insert(doc["status"].as_str().unwrap().to_string());
    }
    let good = repo().join("fixtures/audit/good.jsonl");
    let checkpoint = std::fs::read_to_string(repo().join("fixtures/audit/good-8.checkpoint")).unwrap();
    let doc = serde_json::to_value(verify(good.as_path(), Some(&checkpoint), None).unwrap()).unwrap();
    assert_valid(&v, &doc, "good.jsonl with good-8.checkpoint");
    statuses.insert(doc["status"].as_str().unwrap().to_string());
    assert!(statuses.contains("intact") && statuses.contains("tampered"), "{statuses:?}");

    let mut chain = Chain::new("example.com/audit").unwrap();
    let (receipt, _) = chain.append(&Event::new("app.register").app("x")).unwrap();
    assert_valid(&validator("receipt.json"), &serde_json::to_value(receipt).unwrap(), "receipt");
}

#[test]
fn the_schema_folder_holds_only_generated_files() {
    let mut on_disk: Vec<String> = std::fs::read_dir(schema_dir())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    on_disk.sort();
    let mut want: Vec<String> = generated().into_iter().map(|(f, _)| f.to_string()).collect();
    want.sort();
    assert_eq!(on_disk, want, "{}", Path::new("core/docs/schema").display());
}
