//! The manifest scan: every dataset field, by name and by sample values, as findings.

use super::context::kinds_of_name;
use super::entities::{all_entities, MIN_SCORE};
use super::names::classify_field_name;
use super::values::recognize_value;
use super::{PiiFinding, PiiKind, PiiSource};
use serde_json::Value;

/// Every PII hit in `/spec/datasets/*/fields/*`: one finding per (field, kind, source).
pub fn scan_datasets(manifest: &Value) -> Vec<PiiFinding> {
    let mut out = Vec::new();
    let Some(datasets) = manifest.pointer("/spec/datasets").and_then(Value::as_array) else {
        return out;
    };
    for (di, ds) in datasets.iter().enumerate() {
        let dataset = ds.get("name").and_then(Value::as_str).unwrap_or_default();
        let Some(fields) = ds.get("fields").and_then(Value::as_array) else {
            continue;
        };
        for (fi, field) in fields.iter().enumerate() {
            let (name, declared, sample) = match field {
                Value::String(s) => (s.as_str(), None, None),
                Value::Object(m) => (
                    m.get("name").and_then(Value::as_str).unwrap_or_default(),
                    m.get("categories").and_then(Value::as_array),
                    m.get("sample"),
                ),
                _ => continue,
            };
            let declared = declared.into_iter().flatten().filter_map(Value::as_str);
            // A sample is one string (`…/sample`) or a list (`…/sample/i`).
            let (one, list): (Option<&str>, &[Value]) = match sample {
                Some(Value::String(s)) => (Some(s), &[]),
                Some(Value::Array(items)) => (None, items),
                _ => (None, &[]),
            };
            let samples = one
                .map(|s| (None, s))
                .into_iter()
                .chain(list.iter().enumerate().filter_map(|(si, item)| item.as_str().map(|s| (Some(si), s))));
            let at = FieldAt { di, fi, dataset, name };
            scan_field(&mut out, &at, declared, samples);
        }
    }
    out
}

/// [`scan_datasets`] of a validated manifest, without building its JSON value: the
/// same findings as `scan_datasets(&manifest.to_value())`.
pub fn scan_manifest(manifest: &crate::Manifest) -> Vec<PiiFinding> {
    let mut out = Vec::new();
    for (di, ds) in manifest.spec.datasets.iter().enumerate() {
        for (fi, field) in ds.fields.iter().enumerate() {
            let at = FieldAt { di, fi, dataset: &ds.name, name: &field.name };
            let declared = field.categories.iter().map(|c| c.as_str());
            let samples = field.sample.iter().enumerate().map(|(si, s)| (Some(si), s.as_str()));
            scan_field(&mut out, &at, declared, samples);
        }
    }
    out
}

/// A field's place (`/spec/datasets/{di}/fields/{fi}`) and names (its own and its
/// dataset's).
struct FieldAt<'a> {
    di: usize,
    fi: usize,
    dataset: &'a str,
    name: &'a str,
}

/// The findings of one field: its name, then its samples (`(index in the sample list,
/// value)`; no index for a lone sample string), given its declared category tags.
fn scan_field<'a>(
    out: &mut Vec<PiiFinding>,
    at: &FieldAt<'_>,
    declared: impl Iterator<Item = &'a str> + Clone,
    samples: impl Iterator<Item = (Option<usize>, &'a str)>,
) {
    let field_path = || format!("/spec/datasets/{}/fields/{}", at.di, at.fi);
    let is_tagged =
        |kind: PiiKind| kind.categories().iter().all(|c| declared.clone().any(|t| t.eq_ignore_ascii_case(c.as_str())));
    let mut push = |path: String, kind: PiiKind, source: PiiSource| {
        out.push(PiiFinding {
            path,
            dataset: at.dataset.to_string(),
            field: at.name.to_string(),
            categories: kind.categories().to_vec(),
            kind,
            source,
            tagged: is_tagged(kind),
        });
    };
    for kind in classify_field_name(at.name) {
        push(field_path(), kind, PiiSource::Name);
    }
    let mut seen: Vec<PiiKind> = Vec::new();
    let mut context = None;
    for (si, sample) in samples {
        // The whole value first (`4111 1111 1111 1111`), then entities inside the text
        // (`Card on file: 4111 …`), the field's name as their context.
        let whole = recognize_value(sample);
        let inside = match whole {
            Some(_) => Vec::new(),
            None => {
                let context = *context.get_or_insert_with(|| kinds_of_name(at.name));
                all_entities(context, sample).into_iter().filter(|e| e.score >= MIN_SCORE).map(|e| e.kind).collect()
            }
        };
        for kind in whole.into_iter().chain(inside) {
            if seen.contains(&kind) {
                continue;
            }
            seen.push(kind);
            let path = match si {
                Some(si) => format!("{}/sample/{si}", field_path()),
                None => format!("{}/sample", field_path()),
            };
            push(path, kind, PiiSource::Sample);
        }
    }
}
