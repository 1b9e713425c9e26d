//! Where each rule lives and what its `# METADATA` block says.
//!
//! regorus does not implement `rego.metadata.*`, and bundled policies must
//! run unchanged under OPA, so metadata is read from the source text: a
//! `# METADATA` comment block (YAML) belongs to the rule head that follows it.
//! A violation object's `rule` id is traced back to the rule head whose body
//! contains that id as a string literal.

use super::{package_of, PolicyFile};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The `# METADATA` annotations microgov reads.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RuleMetadata {
    /// Short title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Longer description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `custom.severity`: low, medium, high or critical.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
    /// `custom.remediation`: what to do about it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remediation: Option<String>,
    /// `custom.exception`: the exception kind that can waive it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exception: Option<String>,
}

#[derive(Deserialize, Default)]
struct RawMetadata {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    custom: BTreeMap<String, serde_json::Value>,
}

/// A rule definition in a file.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RuleSite {
    /// The package (`microgov.residency`).
    pub package: String,
    /// The rule head's name (`violation`, `deny`, `warn` ...).
    pub head: String,
    /// File it is in.
    pub file: String,
    /// 1-based line of the head.
    pub line: usize,
    /// Its `# METADATA`, if any.
    pub metadata: RuleMetadata,
}

/// Rule sites of all loaded policies, searchable by package and rule id.
#[derive(Debug, Clone, Default)]
pub struct SourceIndex {
    sites: Vec<RuleSite>,
    /// (package, rule id literal) → index into `sites`.
    by_id: BTreeMap<(String, String), usize>,
    /// (package, head) → first index into `sites`.
    by_head: BTreeMap<(String, String), usize>,
}

fn head_name(line: &str) -> Option<&str> {
    // A rule head starts at column 0 with an identifier that is not a keyword.
    let first = line.chars().next()?;
    if !(first.is_ascii_alphabetic() || first == '_') {
        return None;
    }
    let ident: &str = line.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).next()?;
    match ident {
        "package" | "import" | "default" | "some" | "every" | "not" | "with" | "else" => {
            if ident == "default" {
                line.strip_prefix("default ")
                    .and_then(|r| r.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).next())
            } else {
                None
            }
        }
        _ => Some(ident),
    }
}

impl SourceIndex {
    /// Indexes the given files.
    pub fn build<'a>(files: impl IntoIterator<Item = &'a PolicyFile>) -> SourceIndex {
        let mut idx = SourceIndex::default();
        let id_re = regex::Regex::new(r#""rule"\s*:\s*"([A-Za-z0-9_.\-]+)""#).ok();
        for f in files {
            let Some(pkg) = package_of(&f.source) else { continue };
            let mut pending_meta: Option<String> = None;
            let mut in_meta = false;
            let mut current: Option<usize> = None;
            for (i, line) in f.source.lines().enumerate() {
                let trimmed = line.trim_start();
                if trimmed.starts_with("# METADATA") {
                    in_meta = true;
                    pending_meta = Some(String::new());
                    continue;
                }
                if in_meta {
                    if let Some(rest) = trimmed.strip_prefix('#') {
                        if let Some(buf) = pending_meta.as_mut() {
                            buf.push_str(rest.strip_prefix(' ').unwrap_or(rest));
                            buf.push('\n');
                        }
                        continue;
                    }
                    in_meta = false;
                }
                if let Some(head) = head_name(line) {
                    let metadata = pending_meta.take().map(|m| parse_metadata(&m)).unwrap_or_default();
                    idx.sites.push(RuleSite {
                        package: pkg.clone(),
                        head: head.to_string(),
                        file: f.path.clone(),
                        line: i + 1,
                        metadata,
                    });
                    let n = idx.sites.len() - 1;
                    idx.by_head.entry((pkg.clone(), head.to_string())).or_insert(n);
                    current = Some(n);
                }
                if let (Some(re), Some(cur)) = (&id_re, current) {
                    for cap in re.captures_iter(line) {
                        if let Some(m) = cap.get(1) {
                            idx.by_id.entry((pkg.clone(), m.as_str().to_string())).or_insert(cur);
                        }
                    }
                }
            }
        }
        idx
    }

    /// The site whose body names `rule_id`, else the first definition of `head`.
    pub fn find(&self, package: &str, rule_id: Option<&str>, head: &str) -> Option<&RuleSite> {
        rule_id
            .and_then(|id| self.by_id.get(&(package.to_string(), id.to_string())))
            .or_else(|| self.by_head.get(&(package.to_string(), head.to_string())))
            .and_then(|i| self.sites.get(*i))
    }

    /// What [`SourceIndex::find`] can give for `package`, as the decision package reads it: the
    /// METADATA of the rule whose body names each rule id, and of the first rule of each head.
    pub(crate) fn defaults_of(&self, package: &str) -> (BTreeMap<&str, &RuleMetadata>, BTreeMap<&str, &RuleMetadata>) {
        (self.metadata_by_key(&self.by_id, package), self.metadata_by_key(&self.by_head, package))
    }

    fn metadata_by_key<'s>(
        &'s self,
        map: &'s BTreeMap<(String, String), usize>,
        package: &str,
    ) -> BTreeMap<&'s str, &'s RuleMetadata> {
        map.iter()
            .filter(|((p, _), _)| p == package)
            .filter_map(|((_, key), i)| Some((key.as_str(), &self.sites.get(*i)?.metadata)))
            .collect()
    }

    /// Every indexed rule definition.
    pub fn sites(&self) -> &[RuleSite] {
        &self.sites
    }
}

fn parse_metadata(yaml: &str) -> RuleMetadata {
    let raw: RawMetadata = serde_yaml_ng::from_str(yaml).unwrap_or_default();
    let custom = |k: &str| raw.custom.get(k).and_then(|v| v.as_str()).map(str::to_string);
    RuleMetadata {
        title: raw.title.clone(),
        description: raw.description.clone(),
        severity: custom("severity"),
        remediation: custom("remediation"),
        exception: custom("exception"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_block_belongs_to_the_next_head_and_ids_to_their_rule() {
        let src = "package x.y\nimport rego.v1\n\n# METADATA\n# title: No public buckets\n# custom:\n#   severity: high\n#   remediation: make it private\nviolation contains v if {\n  v := {\"rule\": \"public_bucket\", \"message\": \"m\"}\n}\n\ndeny contains \"plain\" if { true }\n";
        let f = PolicyFile { path: "p.rego".into(), source: src.into(), is_test: false };
        let idx = SourceIndex::build([&f]);
        let site = idx.find("x.y", Some("public_bucket"), "violation").unwrap();
        assert_eq!(site.line, 9);
        assert_eq!(site.metadata.severity.as_deref(), Some("high"));
        assert_eq!(site.metadata.remediation.as_deref(), Some("make it private"));
        let deny = idx.find("x.y", None, "deny").unwrap();
        assert_eq!(deny.line, 13);
        assert_eq!(deny.metadata, RuleMetadata::default());
    }
}
