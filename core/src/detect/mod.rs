//! Native detectors, run in the `enrich` step before Rego: inline secrets, personal
//! data in dataset fields, and normalized egress URLs.
//!
//! Their findings go into the policy input document under `findings`, so bundled and
//! user policies read them like any other input (`core/docs/input.md`, "The pipeline"). The
//! detectors read the manifest as JSON with its own (camelCase) key names, so they run
//! on any manifest document, valid or not, and never panic on odd input.
//!
//! ```
//! let manifest = serde_json::json!({
//!     "spec": {
//!         "env": { "GH_TOKEN": "ghp_0123456789abcdefFAKEFAKEFAKEfake0000" },
//!         "datasets": [{ "name": "hr", "fields": [{ "name": "employeeEmail" }] }],
//!         "egress": ["http://0x7f.1/"]
//!     }
//! });
//! let f = microgov::detect::scan(&manifest);
//! assert_eq!(f.secrets[0].rule, "github_pat");
//! assert_eq!(f.secrets[0].preview, "ghp_…");
//! assert!(!f.pii[0].tagged);
//! assert_eq!(f.egress[0].host.as_deref(), Some("127.0.0.1"));
//! ```

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub mod egress;
pub mod pii;
pub mod secrets;
mod text;

pub use egress::{EgressFinding, EgressIssue, NormalizedUrl};
pub use pii::PiiFinding;
pub use secrets::SecretFinding;

/// Everything the detectors found in one manifest: the `findings` member of the policy
/// input document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Findings {
    /// Inline secrets ([`secrets::scan_value`]).
    pub secrets: Vec<SecretFinding>,
    /// Personal data in dataset fields ([`pii::scan_datasets`]).
    pub pii: Vec<PiiFinding>,
    /// Egress URLs and connector endpoints ([`egress::scan`]).
    pub egress: Vec<EgressFinding>,
}

/// Runs every detector over a validated manifest. The findings are those of
/// `scan(&manifest.to_value())` (its JSON form, defaults included, so paths are the
/// manifest's own JSON pointers), found by walking the typed manifest directly.
pub fn scan_manifest(manifest: &crate::Manifest) -> Findings {
    Findings {
        secrets: secrets::scan_manifest(manifest),
        pii: pii::scan_manifest(manifest),
        egress: egress::scan_manifest(manifest),
    }
}

/// Runs every detector over a manifest document.
pub fn scan(manifest: &Value) -> Findings {
    Findings {
        secrets: secrets::scan_value(manifest),
        pii: pii::scan_datasets(manifest),
        egress: egress::scan(manifest),
    }
}

/// Builds the detectors' tables (regexes, automata, dictionaries) now, so the first
/// scan is not the slow one; call it where an engine is built. Scanning works without.
pub fn warm_up() {
    secrets::warm_up();
    pii::warm_up();
}
