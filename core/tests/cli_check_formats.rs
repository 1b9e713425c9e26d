//! `microgov check` report formats: SARIF validated against the SARIF 2.1.0
//! JSON schema, JUnit parsed as XML, GitHub annotations, JSON.
//!
//! Needs the binary: `cargo test --features cli` (CI: `--all-features`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use quick_xml::events::Event;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const NOW: &str = "2026-11-26T10:00:00Z";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").canonicalize().unwrap()
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_microgov")).args(args).current_dir(root()).output().unwrap()
}

/// Every app, one of them with approvals that waive a violation, and one invalid manifest.
fn check(format: &str) -> Output {
    run(&[
        "check",
        "fixtures/apps",
        "fixtures/invalid/ten-mistakes.yaml",
        "--data",
        "fixtures/approvals/directory.json",
        "--approvals",
        "fixtures/approvals/hr-onboarding.yaml",
        "--now",
        NOW,
        "--format",
        format,
    ])
}

fn sarif() -> Value {
    let o = check("sarif");
    assert_eq!(o.status.code(), Some(2), "an invalid manifest makes exit 2");
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn sarif_validates_against_the_sarif_2_1_0_schema() {
    let mut schema: Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("fixtures/cli/sarif-schema-2.1.0.json")).unwrap())
            .unwrap();
    // The official schema's `language` patterns have a lone `]`, a literal
    // in ECMA-262 (Annex B) that the validator's regex check refuses;
    // escaping it keeps the meaning.
    fn escape_lone_bracket(v: &mut Value, fixed: &mut usize) {
        match v {
            Value::Object(m) => {
                for (k, child) in m.iter_mut() {
                    if k == "pattern" && child == "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$" {
                        *child = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}\\]?$".into();
                        *fixed += 1;
                    } else {
                        escape_lone_bracket(child, fixed);
                    }
                }
            }
            Value::Array(a) => a.iter_mut().for_each(|x| escape_lone_bracket(x, fixed)),
            _ => {}
        }
    }
    let mut fixed = 0;
    escape_lone_bracket(&mut schema, &mut fixed);
    assert!(fixed >= 1);
    let validator = jsonschema::draft7::new(&schema).unwrap();
    let doc = sarif();
    let errors: Vec<String> = validator.iter_errors(&doc).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // The validator does catch what GitHub would reject.
    let mut broken = doc.clone();
    broken["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!validator.is_valid(&broken));
    broken = doc.clone();
    broken["version"] = "2.0.0".into();
    assert!(!validator.is_valid(&broken));
}

#[test]
fn sarif_has_what_github_code_scanning_needs() {
    let doc = sarif();
    assert_eq!(doc["version"], "2.1.0");
    assert!(doc["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let run = &doc["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "microgov");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids.iter().collect::<BTreeSet<_>>().len(), ids.len(), "rule ids are unique");
    assert!(ids.contains(&"residency.cross_border_transfer"), "{ids:?}");
    assert!(ids.contains(&"manifest.unknown_region"), "{ids:?}");
    let results = run["results"].as_array().unwrap();
    assert!(results.len() > 20);
    for r in results {
        let id = r["ruleId"].as_str().unwrap();
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], id, "ruleIndex points at the rule");
        assert!(id.contains('.'), "policy.rule: {id}");
        assert!(matches!(r["level"].as_str().unwrap(), "error" | "warning" | "note"));
        assert!(!r["message"]["text"].as_str().unwrap().is_empty());
        assert!(r["partialFingerprints"]["microgov/v1"].is_string());
        let loc = &r["locations"][0]["physicalLocation"];
        let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
        assert_eq!(loc["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        let text = std::fs::read_to_string(root().join(uri))
            .unwrap_or_else(|_| panic!("uri {uri} is relative to the repository root"));
        let line = loc["region"]["startLine"].as_u64().unwrap() as usize;
        let column = loc["region"]["startColumn"].as_u64().unwrap() as usize;
        assert!(line >= 1 && line <= text.lines().count(), "{uri}:{line}");
        // The region starts at the offending key: the last token of the pointer.
        if let Some(path) = r["properties"]["path"].as_str() {
            let key = path.rsplit('/').next().unwrap();
            if key.parse::<usize>().is_err() {
                let at: String = text.lines().nth(line - 1).unwrap().chars().skip(column - 1).collect();
                assert!(
                    at.starts_with(key) || at.starts_with(&format!("\"{key}\"")),
                    "{id} {uri}:{line}:{column} {path} -> {at:?}"
                );
            }
        }
        if let Some(sev) = r["properties"]["severity"].as_str() {
            let want = match sev {
                "critical" | "high" => "error",
                "medium" => "warning",
                _ => "note",
            };
            assert_eq!(r["level"], want, "{id}");
            let rule = &rules[index];
            let s: f64 = rule["properties"]["security-severity"].as_str().unwrap().parse().unwrap();
            assert!((0.0..=10.0).contains(&s));
        }
    }
    // The exception waived the transfer of hr-onboarding.yaml: an accepted suppression.
    let waived: Vec<&Value> = results.iter().filter(|r| r["suppressions"].is_array()).collect();
    assert!(
        waived.iter().any(|r| r["ruleId"] == "residency.cross_border_transfer"
            && r["suppressions"][0]["justification"].as_str().unwrap().contains("exc-3")),
        "{waived:#?}"
    );
    // The invalid manifest's ten problems are results at their lines.
    let invalid: Vec<&Value> = results
        .iter()
        .filter(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "fixtures/invalid/ten-mistakes.yaml"
        })
        .collect();
    assert_eq!(invalid.len(), 10);
    assert_eq!(run["invocations"][0]["exitCode"], 2);
}

#[test]
fn junit_parses_as_xml_with_one_case_per_app_and_policy() {
    let o = check("junit");
    assert_eq!(o.status.code(), Some(2));
    let xml = String::from_utf8(o.stdout).unwrap();
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut stack: Vec<String> = Vec::new();
    let mut suites: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut totals: BTreeMap<String, usize> = BTreeMap::new();
    let mut counted = BTreeMap::<&str, usize>::new();
    let mut current = String::new();
    loop {
        let ev =
            reader.read_event().unwrap_or_else(|e| panic!("not well-formed XML at {}: {e}", reader.buffer_position()));
        let (start, empty) = match &ev {
            Event::Start(s) => (Some(s.clone()), false),
            Event::Empty(s) => (Some(s.clone()), true),
            Event::End(_) => {
                stack.pop();
                (None, false)
            }
            Event::Eof => break,
            _ => (None, false),
        };
        let Some(s) = start else { continue };
        let name = String::from_utf8(s.name().as_ref().to_vec()).unwrap();
        let attr = |k: &str| {
            s.attributes()
                .flatten()
                .find(|a| a.key.as_ref() == k.as_bytes())
                .map(|a| a.normalized_value(quick_xml::XmlVersion::Explicit1_0).unwrap().into_owned())
        };
        match name.as_str() {
            "testsuites" => {
                assert!(stack.is_empty());
                for k in ["tests", "failures", "errors", "skipped"] {
                    totals.insert(k.to_string(), attr(k).unwrap().parse().unwrap());
                }
            }
            "testsuite" => {
                assert_eq!(stack.last().map(String::as_str), Some("testsuites"));
                current = attr("name").unwrap();
                suites.entry(current.clone()).or_default();
            }
            "testcase" => {
                assert_eq!(stack.last().map(String::as_str), Some("testsuite"));
                assert_eq!(attr("classname").as_deref(), Some(current.as_str()));
                suites.get_mut(&current).unwrap().push(attr("name").unwrap());
                *counted.entry("tests").or_default() += 1;
            }
            "failure" | "error" | "skipped" => {
                assert_eq!(stack.last().map(String::as_str), Some("testcase"));
                assert!(attr("message").is_some());
                let k = match name.as_str() {
                    "failure" => "failures",
                    "error" => "errors",
                    _ => "skipped",
                };
                *counted.entry(k).or_default() += 1;
            }
            "system-out" => {}
            other => panic!("unexpected element {other}"),
        }
        if !empty {
            stack.push(name);
        }
    }
    for k in ["tests", "failures", "errors", "skipped"] {
        assert_eq!(totals[k], counted.get(k).copied().unwrap_or(0), "{k}");
    }
    let policies = ["egress", "governance", "pii", "residency", "secrets", "approvals"];
    let hr = &suites["hr-onboarding"];
    for p in policies {
        assert!(hr.contains(&p.to_string()), "{hr:?}");
    }
    assert_eq!(suites["ten-mistakes"], vec!["validate".to_string()]);
    assert!(suites.contains_key("readonly-dashboard"));
    assert!(
        xml.contains("<failure message=\"dataset employees (residency EU) flows through connector payroll")
            || xml.contains("residency.cross_border_transfer")
    );
}

#[test]
fn github_annotations_point_at_files_and_lines() {
    let o = check("github");
    assert_eq!(o.status.code(), Some(2));
    let out = String::from_utf8(o.stdout).unwrap();
    let annotations: Vec<&str> = out.lines().filter(|l| l.starts_with("::")).collect();
    assert!(annotations.len() > 20);
    for a in &annotations {
        assert!(
            a.starts_with("::error file=") || a.starts_with("::warning file=") || a.starts_with("::notice file="),
            "{a}"
        );
        assert!(a.contains(",line=") && a.contains(",col=") && a.contains(",title="), "{a}");
        assert!(!a.contains('\n'));
    }
    assert!(out.contains("::error file=fixtures/apps/crm-data-extractor.yaml,line=42,col=7,title=residency.cross_border_transfer::crm-data-extractor denied:"), "{out}");
    assert!(
        out.contains(
            "::notice file=fixtures/apps/hr-onboarding.yaml,line=53,col=7,title=residency.cross_border_transfer::"
        ),
        "waived ones are notices:\n{out}"
    );
    assert!(
        out.contains("::error file=fixtures/invalid/ten-mistakes.yaml,line=27,col=7,title=manifest.unknown_region::"),
        "{out}"
    );
    assert!(
        out.contains(
            "::warning file=fixtures/apps/ops-vm-control.yaml,line=6,col=3,title=microgov.approval_required::"
        ),
        "{out}"
    );
    assert!(out.lines().last().unwrap().starts_with("20 app(s) checked"), "{out}");
}

#[test]
fn json_lists_every_file_with_its_outcome() {
    let o = check("json");
    assert_eq!(o.status.code(), Some(2));
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    let results = doc["results"].as_array().unwrap();
    assert_eq!(results.len(), 20);
    let invalid = results.iter().find(|r| r["outcome"] == "invalid").unwrap();
    assert_eq!(invalid["file"], "fixtures/invalid/ten-mistakes.yaml");
    assert_eq!(invalid["error"]["problems"].as_array().unwrap().len(), 10);
    assert!(invalid["error"]["problems"].as_array().unwrap().iter().all(|p| p["line"].as_u64().unwrap() > 1));
    assert_eq!(doc["summary"]["invalid"], 1);
    assert_eq!(doc["exit_code"], 2);
}
