//! Personal data inside free text and field names by meaning, against the labelled
//! corpora `fixtures/detect/pii_text.json` and `fixtures/detect/pii_fields.json`:
//! precision and recall per kind are printed (`--nocapture`) and must each be ≥ 95%.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use microgov::detect::pii;
use serde_json::{json, Value};

fn load(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/detect").join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn kind_name(k: pii::PiiKind) -> String {
    serde_json::to_value(k).unwrap().as_str().unwrap().to_string()
}

/// True and false positives and false negatives per kind.
#[derive(Default)]
struct Tally(BTreeMap<String, [usize; 3]>);

impl Tally {
    fn add(&mut self, want: &BTreeSet<(String, String)>, got: &BTreeSet<(String, String)>) {
        for w in want {
            self.0.entry(w.0.clone()).or_default()[if got.contains(w) { 0 } else { 2 }] += 1;
        }
        for g in got.difference(want) {
            self.0.entry(g.0.clone()).or_default()[1] += 1;
        }
    }

    /// Prints the table and returns the kinds under the threshold.
    fn check(&self, what: &str, min: f64) -> Vec<String> {
        println!("{what}: kind, precision, recall (true positives, false positives, false negatives)");
        let mut low = Vec::new();
        for (kind, [tp, fp, fn_]) in &self.0 {
            let p = if tp + fp == 0 { 1.0 } else { *tp as f64 / (tp + fp) as f64 };
            let r = if tp + fn_ == 0 { 1.0 } else { *tp as f64 / (tp + fn_) as f64 };
            println!("  {kind:<20} {:>6.1}% {:>6.1}%  ({tp}, {fp}, {fn_})", p * 100.0, r * 100.0);
            if p < min || r < min {
                low.push(format!("{kind}: precision {:.1}%, recall {:.1}%", p * 100.0, r * 100.0));
            }
        }
        low
    }
}

#[test]
fn free_text_precision_and_recall_per_kind() {
    let corpus = load("pii_text.json");
    let cases = corpus["cases"].as_array().unwrap();
    assert!(cases.len() >= 150, "the corpus has {} samples", cases.len());
    let mut tally = Tally::default();
    let mut misses = Vec::new();
    for row in cases {
        let text = row["text"].as_str().unwrap();
        let field = row["field"].as_str().unwrap_or("");
        let got: BTreeSet<(String, String)> = pii::find_entities_in_field(field, text)
            .into_iter()
            .map(|e| (kind_name(e.kind), text[e.start..e.end].to_string()))
            .collect();
        let want: BTreeSet<(String, String)> = row["entities"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e[0].as_str().unwrap().to_string(), e[1].as_str().unwrap().to_string()))
            .collect();
        if got != want {
            misses.push(format!("{text:?}: expected {want:?}, got {got:?}"));
        }
        tally.add(&want, &got);
    }
    println!("{} samples, {} differ from their labels:\n  {}", cases.len(), misses.len(), misses.join("\n  "));
    let low = tally.check("free text", 0.95);
    assert!(low.is_empty(), "under 95%: {low:?}\n{}", misses.join("\n"));
    // Every label holds, so a changed expectation fails here even above the thresholds.
    assert!(misses.is_empty(), "{} rows differ:\n{}", misses.len(), misses.join("\n"));
}

#[test]
fn field_names_precision_and_recall_per_kind() {
    let corpus = load("pii_fields.json");
    let cases = corpus["cases"].as_array().unwrap();
    assert!(cases.len() >= 150, "the corpus has {} names", cases.len());
    let mut tally = Tally::default();
    for row in cases {
        let name = row["name"].as_str().unwrap();
        let got: BTreeSet<(String, String)> =
            pii::classify_field_name(name).into_iter().map(|k| (kind_name(k), name.to_string())).collect();
        let want: BTreeSet<(String, String)> = row["kinds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| (k.as_str().unwrap().to_string(), name.to_string()))
            .collect();
        tally.add(&want, &got);
    }
    let low = tally.check("field names", 0.95);
    assert!(low.is_empty(), "under 95%: {low:?}");
}

/// The samples of issue 20, inside a manifest: each is a finding of its field.
#[test]
fn samples_in_free_text_are_findings_of_their_field() {
    let samples = [
        ("notes", "Card on file: 4111 1111 1111 1111", "payment_card"),
        ("notes", "contact: jane.doe@example.com", "email"),
        ("notes", "IBAN: DE89 3704 0044 0532 0130 00", "iban"),
        ("notes", "Tel: +44 20 7946 0958", "phone"),
        ("log_line", "client_ip=203.0.113.7", "ip_address"),
        ("notes", "NHS number 943 476 5919", "nhs_number"),
        ("geburtsdatum", "12.03.1985", "date_of_birth"),
    ];
    let fields: Vec<Value> = samples.iter().map(|(f, s, _)| json!({"name": f, "sample": [s]})).collect();
    let m = json!({"spec": {"datasets": [{"name": "crm", "fields": fields}]}});
    let found = microgov::detect::pii::scan_datasets(&m);
    for (i, (_, sample, kind)) in samples.iter().enumerate() {
        let path = format!("/spec/datasets/0/fields/{i}/sample/0");
        assert!(
            found.iter().any(|f| f.path == path && kind_name(f.kind) == *kind && f.source == pii::PiiSource::Sample),
            "{sample:?}: no {kind} finding at {path} in {found:?}"
        );
    }
    // `email_template_id` is an identifier of a template, not an e-mail address.
    let m = json!({"spec": {"datasets": [{"name": "crm", "fields": [{"name": "email_template_id"}]}]}});
    assert!(microgov::detect::pii::scan_datasets(&m).is_empty());
}
