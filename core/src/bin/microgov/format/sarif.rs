//! SARIF 2.1.0 for GitHub code scanning: rule ids `policy.rule`, each result
//! at the manifest line of the offending key, levels and security severities
//! from the violation's severity, waived violations as accepted suppressions.

use super::Options;
use crate::common::{problem_location, Failure};
use crate::report::Report;
use microgov::bundle::RuleSites;
use microgov::model::locate::SourceMap;
use microgov::model::ManifestError;
use microgov::Engine;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::Path;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const APPROVAL_RULE: &str = "microgov.approval_required";

/// SARIF `level` and GitHub's `security-severity` (0.0 to 10.0) of a severity.
fn level_of(severity: &str) -> (&'static str, &'static str) {
    match severity {
        "critical" => ("error", "9.5"),
        "high" => ("error", "8.0"),
        "medium" => ("warning", "5.5"),
        "low" => ("note", "3.0"),
        _ => ("warning", "5.0"),
    }
}

/// Percent-encodes a path for a URI reference, keeping `/`.
fn encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The artifact location of a file: relative to the working directory
/// (the repository root in CI) under `%SRCROOT%`, else a `file:` URI.
fn artifact_location(shown: &str) -> Value {
    let p = Path::new(shown);
    let rel = if p.is_absolute() {
        std::env::current_dir().ok().and_then(|cwd| p.strip_prefix(cwd).ok().map(Path::to_path_buf))
    } else {
        Some(p.to_path_buf())
    };
    match rel {
        Some(rel) => {
            let s = rel.to_string_lossy().replace('\\', "/");
            let s = s.trim_start_matches("./");
            json!({"uri": encode(s), "uriBaseId": "%SRCROOT%"})
        }
        None => {
            json!({"uri": format!("file://{}", encode(&p.to_string_lossy().replace('\\', "/")))})
        }
    }
}

fn fingerprint(parts: &[&str]) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    h.finalize().iter().take(16).map(|b| format!("{b:02x}")).collect()
}

struct Builder<'a> {
    rules: &'a RuleSites,
    descriptors: Vec<Value>,
    index: BTreeMap<String, usize>,
    results: Vec<Value>,
}

impl Builder<'_> {
    /// The index of a rule in `tool.driver.rules`, adding it on first use.
    fn rule(&mut self, id: &str, make: impl FnOnce() -> Value) -> usize {
        if let Some(i) = self.index.get(id) {
            return *i;
        }
        let i = self.descriptors.len();
        self.descriptors.push(make());
        self.index.insert(id.to_string(), i);
        i
    }

    fn policy_rule(&mut self, v: &microgov::engine::Violation) -> (String, usize) {
        let id = format!("{}.{}", v.policy, v.rule);
        let site = self.rules.site(&v.policy, &v.rule).cloned();
        let (level, security) = level_of(v.severity.as_str());
        let i = self.rule(&id, || {
            let meta = site.as_ref().map(|s| s.metadata.clone()).unwrap_or_default();
            let title = meta.title.clone().unwrap_or_else(|| v.rule.replace('_', " "));
            let mut d = json!({
                "id": id,
                "name": pascal(&format!("{}_{}", v.policy, v.rule)),
                "shortDescription": {"text": title},
                "fullDescription": {"text": meta.description.clone().unwrap_or_else(|| title.clone())},
                "defaultConfiguration": {"level": level},
                "properties": {
                    "tags": tags(&["governance", "microgov", &v.policy]),
                    "precision": "very-high",
                    "problem.severity": if level == "note" { "recommendation" } else { level },
                    "security-severity": security,
                },
            });
            if let Some(fix) = meta.remediation.clone().or_else(|| v.remediation.clone()) {
                d["help"] = json!({"text": fix, "markdown": format!("**Remediation:** {fix}")});
            }
            if let Some(s) = &site {
                d["properties"]["source"] = json!(format!("{}:{}", s.file, s.line));
            }
            d
        });
        (id, i)
    }
}

/// Tags without repeats (SARIF requires unique tags).
fn tags(list: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in list {
        if !out.iter().any(|o| o == t) {
            out.push((*t).to_string());
        }
    }
    out
}

fn pascal(s: &str) -> String {
    s.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        })
        .collect()
}

fn region(map: &SourceMap, pointer: &str) -> Value {
    let at = map.locate(pointer);
    json!({"startLine": at.line, "startColumn": at.column})
}

fn location(r: &Report, map: &SourceMap, pointer: &str, app: &str) -> Value {
    json!([{
        "physicalLocation": {"artifactLocation": artifact_location(&r.shown), "region": region(map, pointer)},
        "logicalLocations": [{"name": app, "fullyQualifiedName": format!("{app}{pointer}"), "kind": "object"}],
    }])
}

pub fn document(engine: &Engine, reports: &[Report], opts: &Options) -> Value {
    let rules = RuleSites::of(engine.bundles());
    let mut b = Builder { rules: &rules, descriptors: Vec::new(), index: BTreeMap::new(), results: Vec::new() };
    let mut notifications = Vec::new();
    for r in reports {
        match &r.result {
            Ok(d) => {
                let map = SourceMap::new(&r.text);
                let open = d.violations.iter().map(|v| (v, None));
                let waived = d.waived.iter().map(|w| (&w.violation, Some(&w.approval_id)));
                for (v, waived_by) in open.chain(waived) {
                    let (id, index) = b.policy_rule(v);
                    let pointer = r.pointer_of(v);
                    let mut text = format!("{}: {}", d.app, v.message);
                    if let Some(fix) = &v.remediation {
                        text.push_str(&format!(" Fix: {fix}"));
                    }
                    let mut res = json!({
                        "ruleId": id,
                        "ruleIndex": index,
                        "level": level_of(v.severity.as_str()).0,
                        "message": {"text": text},
                        "locations": location(r, &map, &pointer, &d.app),
                        "partialFingerprints": {"microgov/v1": fingerprint(&[&d.app, &id, &pointer, v.dataset.as_deref().unwrap_or(""), v.connector.as_deref().unwrap_or("")])},
                        "properties": {"app": d.app, "policy": v.policy, "severity": v.severity, "path": pointer, "outcome": d.outcome, "tier": d.tier.as_str()},
                    });
                    if let Some(kind) = &v.exception {
                        res["properties"]["exception"] = json!(kind);
                    }
                    if let Some(approval) = waived_by {
                        res["suppressions"] = json!([{"kind": "external", "status": "accepted", "justification": format!("waived by approval {approval}")}]);
                    }
                    b.results.push(res);
                }
                for w in &d.warnings {
                    let (id, index) = b.policy_rule(w);
                    let pointer = r.pointer_of(w);
                    b.results.push(json!({
                        "ruleId": id, "ruleIndex": index, "level": "warning",
                        "message": {"text": format!("{}: {}", d.app, w.message)},
                        "locations": location(r, &map, &pointer, &d.app),
                        "partialFingerprints": {"microgov/v1": fingerprint(&[&d.app, &id, &pointer, "warn"])},
                    }));
                }
                let level = if opts.fail_on_review { "error" } else { "warning" };
                for a in &d.required_approvals {
                    let index = b.rule(APPROVAL_RULE, || {
                        json!({
                            "id": APPROVAL_RULE,
                            "name": "ApprovalRequired",
                            "shortDescription": {"text": "approval required"},
                            "fullDescription": {"text": "The app's tier or data needs an approval (or exception) that is missing, expired or not valid for it."},
                            "help": {"text": "Record an approval by someone who holds the role and does not own the app, and pass it with --approvals."},
                            "defaultConfiguration": {"level": "warning"},
                            "properties": {"tags": ["governance", "microgov", "approvals"], "precision": "very-high", "security-severity": "5.0"},
                        })
                    });
                    let pointer = r.approval_pointer(a);
                    b.results.push(json!({
                        "ruleId": APPROVAL_RULE, "ruleIndex": index, "level": level,
                        "message": {"text": format!("{} needs approval by {}: {}", d.app, a.role, a.reason)},
                        "locations": location(r, &map, &pointer, &d.app),
                        "partialFingerprints": {"microgov/v1": fingerprint(&[&d.app, APPROVAL_RULE, &a.role, a.dataset.as_deref().unwrap_or(""), a.connector.as_deref().unwrap_or("")])},
                        "properties": {"app": d.app, "role": a.role, "outcome": d.outcome, "tier": d.tier.as_str()},
                    }));
                }
            }
            Err(Failure::Invalid(ManifestError { problems, .. })) => {
                let map = SourceMap::new(&r.text);
                let app = r.name();
                for p in problems {
                    let index = b.rule(&p.code, || {
                        json!({
                            "id": p.code,
                            "name": pascal(&p.code),
                            "shortDescription": {"text": format!("invalid manifest ({})", p.code)},
                            "help": {"text": "Fix the manifest; `microgov validate` lists every problem."},
                            "defaultConfiguration": {"level": "error"},
                            "properties": {"tags": ["governance", "microgov", "validation"], "precision": "very-high"},
                        })
                    });
                    let at = problem_location(&map, p);
                    let pointer = if p.path.is_empty() { "/".to_string() } else { p.path.clone() };
                    b.results.push(json!({
                        "ruleId": p.code, "ruleIndex": index, "level": "error",
                        "message": {"text": format!("{pointer}: {}", p.message)},
                        "locations": [{
                            "physicalLocation": {"artifactLocation": artifact_location(&r.shown), "region": {"startLine": at.line, "startColumn": at.column}},
                            "logicalLocations": [{"name": app, "fullyQualifiedName": format!("{app}{}", p.path), "kind": "object"}],
                        }],
                        "partialFingerprints": {"microgov/v1": fingerprint(&[&r.shown, &p.code, &p.path])},
                    }));
                }
            }
            Err(f) => notifications.push(json!({
                "level": "error",
                "message": {"text": f.describe(&r.shown)},
                "descriptor": {"id": f.code()},
                "locations": [{"physicalLocation": {"artifactLocation": artifact_location(&r.shown)}}],
            })),
        }
    }
    let mut invocation = json!({"executionSuccessful": notifications.is_empty(), "exitCode": opts.exit_code});
    if !notifications.is_empty() {
        invocation["toolExecutionNotifications"] = json!(notifications);
    }
    let mut run = json!({
        "tool": {"driver": {
            "name": "microgov",
            "semanticVersion": env!("CARGO_PKG_VERSION"),
            "version": env!("CARGO_PKG_VERSION"),
            "rules": b.descriptors,
        }},
        "columnKind": "unicodeCodePoints",
        "results": b.results,
        "invocations": [invocation],
        "properties": {"policyRevisions": reports.iter().find_map(|r| r.result.as_ref().ok().map(|d| d.policy_revisions.clone())).unwrap_or_default()},
    });
    if let Ok(cwd) = std::env::current_dir() {
        let mut uri = format!("file://{}", encode(&cwd.to_string_lossy().replace('\\', "/")));
        if !uri.ends_with('/') {
            uri.push('/');
        }
        run["originalUriBaseIds"] = json!({"%SRCROOT%": {"uri": uri}});
    }
    json!({"$schema": SCHEMA, "version": "2.1.0", "runs": [run]})
}

pub fn write(out: &mut dyn Write, engine: &Engine, reports: &[Report], opts: &Options) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &document(engine, reports, opts)).map_err(io::Error::from)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_and_percent_encoded() {
        assert_eq!(artifact_location("./apps/my app.yaml")["uri"], "apps/my%20app.yaml");
        assert_eq!(artifact_location("apps/a.yaml")["uriBaseId"], "%SRCROOT%");
    }

    #[test]
    fn severities_map_to_levels() {
        assert_eq!(level_of("critical"), ("error", "9.5"));
        assert_eq!(level_of("low").0, "note");
        assert_eq!(pascal("residency_cross_border"), "ResidencyCrossBorder");
    }
}
