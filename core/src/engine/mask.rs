//! Masked fields: which fields a connector must receive masked, and redaction of records.

use super::Engine;
use crate::model::Manifest;

impl Engine {
    /// The fields a connector must receive masked: the regulated fields of
    /// its datasets, unless it declares `needsRawValues` (the same rule as
    /// the pii policy's `mask` obligation).
    pub fn masked_fields(&self, app: &Manifest, connector: &str) -> Vec<String> {
        let Some(c) = app.connector(connector) else { return Vec::new() };
        if c.needs_raw_values {
            return Vec::new();
        }
        let regulated = &self.inner.settings.regulated;
        let mut out: Vec<String> = c
            .datasets
            .iter()
            .filter_map(|d| app.dataset(d))
            .flat_map(|d| d.fields.iter())
            .filter(|f| f.categories.iter().any(|c| regulated.contains(c.as_str())))
            .map(|f| f.name.clone())
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Applies the mask obligation for `connector` to a JSON record: every
    /// member named like a masked field, at any depth, becomes `"****"`.
    pub fn redact(&self, app: &Manifest, connector: &str, record: &serde_json::Value) -> serde_json::Value {
        let fields = self.masked_fields(app, connector);
        let mut out = record.clone();
        redact_in(&mut out, &fields);
        out
    }
}

fn redact_in(v: &mut serde_json::Value, fields: &[String]) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, child) in m.iter_mut() {
                if fields.iter().any(|f| f == k) && !child.is_null() {
                    *child = serde_json::Value::String("****".into());
                } else {
                    redact_in(child, fields);
                }
            }
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(|x| redact_in(x, fields)),
        _ => {}
    }
}
