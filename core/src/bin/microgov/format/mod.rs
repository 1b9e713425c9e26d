//! Report formats of `microgov check`.

pub mod github;
pub mod json;
pub mod junit;
pub mod sarif;
pub mod text;

use microgov::bundle::{RuleSite, SourceIndex};
use microgov::Engine;

/// Choices that change how results read.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Missing approvals fail the gate (and are reported as errors).
    pub fail_on_review: bool,
    /// The exit code the run ends with.
    pub exit_code: u8,
}

/// The rule definitions of the engine's policies (tests left out), to
/// describe rules by their `# METADATA`.
pub struct Rules {
    index: SourceIndex,
}

impl Rules {
    pub fn of(engine: &Engine) -> Rules {
        Rules { index: SourceIndex::build(engine.bundles().iter().flat_map(|b| b.files.iter()).filter(|f| !f.is_test)) }
    }

    /// The definition of a violation's rule: bundled policies go by their
    /// short name (`residency` for package `microgov.residency`).
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

    /// Every policy that can produce violations, by the name decisions use.
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
