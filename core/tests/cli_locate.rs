//! `model::locate` on every fixture: each key and item of each document is
//! found, and at the place where the text spells it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use microgov::model::locate::{Location, SourceMap};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn documents() -> Vec<(PathBuf, String, Value)> {
    let mut out = Vec::new();
    let mut dirs = vec![root().join("fixtures"), root().join("policy-bundles")];
    while let Some(dir) = dirs.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
                continue;
            }
            let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
            if !matches!(ext, "yaml" | "yml" | "json") {
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap();
            if text.len() > 200_000 {
                continue;
            }
            let parsed: Option<Value> =
                if ext == "json" { serde_json::from_str(&text).ok() } else { serde_yaml_ng::from_str(&text).ok() };
            // Broken fixtures and alias bombs are for the validator, not here.
            if let Some(v) = parsed.filter(|_| !text.contains('*') || ext == "json") {
                out.push((p, text, v));
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn pointers(v: &Value, base: String, out: &mut Vec<(String, Option<String>)>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                let p = format!("{base}/{}", k.replace('~', "~0").replace('/', "~1"));
                out.push((p.clone(), Some(k.clone())));
                pointers(child, p, out);
            }
        }
        Value::Array(a) => {
            for (i, child) in a.iter().enumerate() {
                let p = format!("{base}/{i}");
                out.push((p.clone(), None));
                pointers(child, p, out);
            }
        }
        _ => {}
    }
}

fn text_at(text: &str, at: Location) -> &str {
    let line = text.lines().nth(at.line - 1).unwrap_or("");
    let byte = line.char_indices().nth(at.column - 1).map(|(i, _)| i).unwrap_or(line.len());
    &line[byte..]
}

#[test]
fn every_key_and_item_of_every_fixture_is_found_where_it_is_written() {
    let docs = documents();
    assert!(docs.len() > 30, "fixtures found: {}", docs.len());
    let mut checked = 0;
    for (path, text, value) in docs {
        let map = SourceMap::new(&text);
        let mut ptrs = Vec::new();
        pointers(&value, String::new(), &mut ptrs);
        for (ptr, key) in ptrs {
            let at = map.find(&ptr).unwrap_or_else(|| panic!("{}: {ptr} not found", path.display()));
            let here = text_at(&text, at);
            match key {
                Some(k) => assert!(
                    here.starts_with(&k)
                        || here.starts_with(&format!("\"{k}"))
                        || here.starts_with(&format!("'{k}"))
                        || here.starts_with(&serde_json::to_string(&k).unwrap()),
                    "{}:{at}: {ptr} points at {here:?}",
                    path.display()
                ),
                None => assert!(
                    !here.trim().is_empty() && !here.starts_with('#'),
                    "{}:{at}: {ptr} points at {here:?}",
                    path.display()
                ),
            }
            checked += 1;
        }
    }
    assert!(checked > 1000, "{checked} pointers checked");
}

#[test]
fn a_missing_key_points_at_its_parent() {
    let text = std::fs::read_to_string(root().join("fixtures/invalid/missing-field.yaml")).unwrap();
    let map = SourceMap::new(&text);
    let parent = map.find("/spec/connectors/0").unwrap();
    assert_eq!(map.find("/spec/connectors/0/type"), None);
    assert_eq!(map.locate("/spec/connectors/0/type"), parent);
}
