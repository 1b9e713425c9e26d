//! The fuzz targets' bodies (`fuzz/src/lib.rs`) on stable: every seed drawn from
//! `fixtures/` (and each seed cut short and with a byte flipped), then proptest's random
//! bytes, through each body. A new panic in a parser that faces untrusted input fails
//! `cargo test` without a nightly toolchain. With `MICROGOV_FUZZ_SEEDS_OUT=dir` the seeds
//! are also written to `dir/<target>/` (what `fuzz/run.sh` gives `cargo fuzz`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../fuzz/src/lib.rs"]
mod bodies;

use proptest::prelude::*;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

fn files(dir: &str, ext: &[&str]) -> Vec<Vec<u8>> {
    let mut out: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(fixtures().join(dir))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().and_then(|x| x.to_str()).is_some_and(|x| ext.contains(&x)))
        .map(|p| (p.clone(), std::fs::read(&p).unwrap()))
        .collect();
    out.sort();
    out.into_iter().map(|(_, b)| b).collect()
}

fn json(path: &str) -> Value {
    serde_json::from_slice(&std::fs::read(fixtures().join(path)).unwrap()).unwrap()
}

/// The seeds of one target, from the fixtures.
fn seeds(target: &str) -> Vec<Vec<u8>> {
    match target {
        "manifest" => [files("apps", &["yaml", "json"]), files("invalid", &["yaml", "json"])].concat(),
        "approvals" => files("approvals", &["yaml", "json"]),
        "audit_lines" => files("audit", &["jsonl"]),
        "egress_url" => {
            let mut out = Vec::new();
            let urls = json("detect/egress_urls.json");
            for row in urls["cases"].as_array().unwrap() {
                out.push(format!("{}\n/next\n\x00\x7f\x00\x00\x01", row["url"].as_str().unwrap()).into_bytes());
            }
            let resolved = json("detect/egress_resolved.json");
            for row in resolved["redirects"].as_array().unwrap() {
                out.push(format!("{}\n{}\n", row["from"].as_str().unwrap(), row["to"].as_str().unwrap()).into_bytes());
            }
            out
        }
        "canonical_json" => {
            // The events of the good logs' records: what a caller appends.
            let mut out = Vec::new();
            for name in ["good.jsonl", "good_rotated.jsonl"] {
                let Ok(text) = std::fs::read_to_string(fixtures().join("audit").join(name)) else { continue };
                for line in text.lines() {
                    let Ok(Value::Object(mut m)) = serde_json::from_str::<Value>(line) else { continue };
                    for k in ["v", "log_id", "seq", "prev"] {
                        m.remove(k);
                    }
                    out.push(serde_json::to_vec(&Value::Object(m)).unwrap());
                }
            }
            out.push(
                br#"{"type":"x","attrs":{"\u00e9":"\ud83d\ude00","a":[1,-9007199254740991,{"b":null}]}}"#.to_vec(),
            );
            out
        }
        "pii_text" => {
            let text = json("detect/pii_text.json");
            text["cases"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| format!("{}\n{}", r["field"].as_str().unwrap_or(""), r["text"].as_str().unwrap()).into_bytes())
                .collect()
        }
        _ => panic!("no target {target}"),
    }
}

/// A fuzz target's body.
type Body = fn(&[u8]);

const TARGETS: &[(&str, Body)] = &[
    ("manifest", bodies::manifest),
    ("approvals", bodies::approvals),
    ("audit_lines", bodies::audit_lines),
    ("egress_url", bodies::egress_url),
    ("canonical_json", bodies::canonical_json),
    ("pii_text", bodies::pii_text),
];

fn write_seeds(dir: &Path, target: &str, seeds: &[Vec<u8>]) {
    let dir = dir.join(target);
    std::fs::create_dir_all(&dir).unwrap();
    for (i, s) in seeds.iter().enumerate() {
        std::fs::write(dir.join(format!("seed-{i:04}")), s).unwrap();
    }
}

#[test]
fn every_body_survives_its_seeds_and_their_mutations() {
    let out = std::env::var_os("MICROGOV_FUZZ_SEEDS_OUT").map(PathBuf::from);
    for (target, body) in TARGETS {
        let seeds = seeds(target);
        assert!(!seeds.is_empty(), "{target} has no seeds");
        if *target == "canonical_json" {
            let events = seeds
                .iter()
                .filter(|s| serde_json::from_slice(s).is_ok_and(|v| microgov::audit::Event::from_json(&v).is_ok()))
                .count();
            assert!(events > 3, "only {events} canonical_json seeds are events: the round trip is not reached");
        }
        if let Some(dir) = &out {
            write_seeds(dir, target, &seeds);
        }
        for s in &seeds {
            body(s);
            // Cut short (a torn line, a truncated document) and with one byte flipped.
            body(&s[..s.len() / 2]);
            let mut flipped = s.clone();
            if let Some(b) = flipped.get_mut(s.len() / 3) {
                *b ^= 0x20;
            }
            body(&flipped);
        }
    }
}

/// Regressions: inputs the fuzzers found, kept so they stay fixed.
#[test]
fn fuzz_findings_stay_fixed() {
    for dir in
        std::fs::read_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions")).into_iter().flatten()
    {
        let Ok(dir) = dir else { continue };
        let target = dir.file_name().to_string_lossy().into_owned();
        let (_, body) =
            TARGETS.iter().find(|(t, _)| *t == target).expect("a regression folder is named after a target");
        for f in std::fs::read_dir(dir.path()).unwrap() {
            body(&std::fs::read(f.unwrap().path()).unwrap());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn bodies_survive_random_bytes(data in proptest::collection::vec(any::<u8>(), 0..512), which in 0usize..6) {
        (TARGETS[which].1)(&data);
    }

    #[test]
    fn bodies_survive_random_text(text in "[ -~\n\u{e9}\u{130}\u{ff10}-\u{ff19}@:/.+-]{0,200}", which in 0usize..6) {
        (TARGETS[which].1)(text.as_bytes());
    }
}
