//! Where a finding's rule is defined: the `.rego` file and line of the rule that produced
//! a violation or warning, with its `# METADATA`, for reports that link a finding to its
//! policy source (SARIF rule descriptors, JUnit test cases, `explain`).

use super::{Bundle, RuleSite, SourceIndex};

/// The rule definitions of a set of bundles (test files left out), looked up by the names
/// decisions use.
#[derive(Debug, Clone, Default)]
pub struct RuleSites {
    index: SourceIndex,
}

impl RuleSites {
    /// Indexes the policy files of `bundles` (`Engine::bundles` for an engine's policies).
    pub fn of<'a>(bundles: impl IntoIterator<Item = &'a Bundle>) -> RuleSites {
        RuleSites { index: SourceIndex::build(bundles.into_iter().flat_map(|b| b.files.iter()).filter(|f| !f.is_test)) }
    }

    /// The definition of a finding's rule: `policy` and `rule` as a violation names them
    /// (bundled policies by their short name, `residency` for package `microgov.residency`),
    /// the rule head that yields it being `violation`, `deny` or `warn`.
    pub fn site(&self, policy: &str, rule: &str) -> Option<&RuleSite> {
        let bundled = format!("microgov.{policy}");
        for pkg in [bundled.as_str(), policy] {
            for head in ["violation", "deny", "warn"] {
                if let Some(s) = self.index.find(pkg, Some(rule), head) {
                    return Some(s);
                }
            }
        }
        None
    }

    /// Every policy that can produce violations, by the name decisions use, sorted.
    pub fn policies(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .index
            .sites()
            .iter()
            .filter(|s| matches!(s.head.as_str(), "violation" | "deny"))
            .map(|s| s.package.strip_prefix("microgov.").unwrap_or(&s.package).to_string())
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bundle::PolicyFile;

    fn bundle(files: Vec<PolicyFile>) -> Bundle {
        Bundle { name: "storage".into(), revision: "1".into(), roots: Vec::new(), files, data: serde_json::json!({}) }
    }

    #[test]
    fn a_violation_finds_its_rule_by_short_policy_name_and_tests_are_left_out() {
        let src = "package microgov.storage\nimport rego.v1\n\n# METADATA\n# title: No public buckets\nviolation contains v if {\n  v := {\"rule\": \"public_bucket\", \"message\": \"m\"}\n}\n\nwarn contains v if {\n  v := {\"rule\": \"old_bucket\"}\n}\n";
        let test =
            "package microgov.storage_test\nimport rego.v1\n\ntest_x if { true }\nviolation contains 1 if { true }\n";
        let sites = RuleSites::of([&bundle(vec![
            PolicyFile { path: "storage.rego".into(), source: src.into(), is_test: false },
            PolicyFile { path: "storage_test.rego".into(), source: test.into(), is_test: true },
        ])]);
        let site = sites.site("storage", "public_bucket").unwrap();
        assert_eq!((site.file.as_str(), site.line), ("storage.rego", 6));
        assert_eq!(site.metadata.title.as_deref(), Some("No public buckets"));
        assert_eq!(sites.site("storage", "old_bucket").map(|s| s.line), Some(10));
        assert_eq!(sites.policies(), vec!["storage".to_string()]);
        assert!(sites.site("other", "public_bucket").is_none());
    }
}
