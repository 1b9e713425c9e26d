//! Policy unit tests: `test_` rules in `*_test.rego` files, as `opa test` runs them.
//!
//! Tests use `with input as ...`, which regorus's compiled VM does not
//! support yet, so they run in the interpreter.

use super::{add_file, merge_data, package_of, to_regorus, Bundle, BundleError};
use serde::Serialize;
use std::time::Instant;

/// The result of one test rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestResult {
    /// `data.<package>.<rule>`.
    pub name: String,
    /// The file that defines it.
    pub file: String,
    /// 1-based line of the rule.
    pub line: usize,
    /// `pass`, `fail` or `error`.
    pub status: String,
    /// The error, for `error`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Time taken, in microseconds.
    pub micros: u64,
}

/// Runs every `test_` rule of the given bundles, with all their policies and data loaded.
pub fn run_tests(bundles: &[Bundle]) -> Result<Vec<TestResult>, BundleError> {
    let mut engine = regorus::Engine::new();
    engine.set_strict_builtin_errors(false);
    let mut data = serde_json::Value::Object(Default::default());
    for b in bundles {
        for f in &b.files {
            add_file(&mut engine, &f.path, &f.source)?;
        }
        merge_data(&mut data, b.data.clone());
    }
    engine.add_data(to_regorus(&data)).map_err(|e| BundleError::BadData {
        file: "data".into(),
        line: None,
        message: e.to_string(),
    })?;
    let mut results = Vec::new();
    for b in bundles {
        for f in b.files.iter().filter(|f| f.is_test || f.path.ends_with("_test.rego")) {
            let Some(pkg) = package_of(&f.source) else { continue };
            for (i, line) in f.source.lines().enumerate() {
                let Some(rest) = line.strip_prefix("test_") else { continue };
                let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                let rule = format!("data.{pkg}.test_{name}");
                if results.iter().any(|r: &TestResult| r.name == rule) {
                    continue;
                }
                let start = Instant::now();
                let (status, message) = match engine.eval_rule(rule.clone()) {
                    Ok(regorus::Value::Bool(true)) => ("pass", None),
                    Ok(_) => ("fail", None),
                    Err(e) => ("error", Some(super::diagnostic::render_regorus(&e.to_string()))),
                };
                results.push(TestResult {
                    name: rule,
                    file: f.path.clone(),
                    line: i + 1,
                    status: status.to_string(),
                    message,
                    micros: u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX),
                });
            }
        }
    }
    Ok(results)
}
