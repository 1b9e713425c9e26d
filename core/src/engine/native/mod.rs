//! Native fast paths: bundled rules run in Rust while their package is the bundled one.
//!
//! Every bundled rule is written in Rego over facts (`policy-bundles/*/*.rego`), and
//! that file is what a platform team reads, changes and runs under OPA. Evaluating
//! a rule over every flow, field and URL of an app costs a few hundred nanoseconds per
//! item in regorus's VM, so for the four packages whose rules loop over an app's
//! items (`residency`, `pii`, `secrets`, `egress`) the engine runs a Rust
//! implementation of the same rules instead, and only while that cannot differ:
//!
//! - the package's loaded files are byte-for-byte the bundled ones, and no other
//!   file adds rules to the package (a team that edits, overrides or extends a
//!   bundled package gets its Rego evaluated);
//! - the engine was not built with [`crate::EngineOptions::rego_only`];
//! - the data the rules read has the shape the native code reads (checked when the
//!   engine is built: [`CheckSettings`], [`super::EgressPolicy`]; a shape neither
//!   can read is a load error, not a silent difference).
//!
//! Each implementation yields the same objects the package's Rego yields — same
//! keys, values and messages — and `core/tests/differential.rs` proves it on
//! generated manifests against the Rego under the VM, the interpreter and OPA.
//! The results depend on the manifest and the data alone, so a prepared app
//! computes them once. `Engine::native_packages` and `explain` say which ran.

mod egress;
mod pii;
mod residency;
mod secrets;
mod settings;

pub use settings::{AllowedFinding, CheckSettings};

use super::flow::FlowDoc;
use super::Settings;
use crate::bundle::{package_source, Bundle, PackageSource};
use crate::detect::Findings;
use crate::model::{Category, Manifest};
use serde_json::Value;
use std::collections::BTreeMap;

/// A bundled package with a native implementation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum NativePackage {
    Residency,
    Pii,
    Secrets,
    Egress,
}

impl NativePackage {
    const ALL: [NativePackage; 4] =
        [NativePackage::Residency, NativePackage::Pii, NativePackage::Secrets, NativePackage::Egress];

    /// The package path (`microgov.residency`).
    pub fn path(self) -> &'static str {
        match self {
            NativePackage::Residency => "microgov.residency",
            NativePackage::Pii => "microgov.pii",
            NativePackage::Secrets => "microgov.secrets",
            NativePackage::Egress => "microgov.egress",
        }
    }

    /// The package's heads, as its Rego would yield them.
    fn heads(self, x: &Facts<'_>) -> Heads {
        match self {
            NativePackage::Residency => residency::heads(x),
            NativePackage::Pii => pii::heads(x),
            NativePackage::Secrets => secrets::heads(x),
            NativePackage::Egress => egress::heads(x),
        }
    }
}

/// The packages of `bundles` that run natively: those whose loaded files are exactly
/// the bundled ones (by content), none when `rego_only`.
pub(crate) fn eligible(bundles: &[Bundle], rego_only: bool) -> Vec<NativePackage> {
    if rego_only {
        return Vec::new();
    }
    let files = || bundles.iter().flat_map(|b| b.files.iter());
    NativePackage::ALL.into_iter().filter(|p| package_source(p.path(), files()) == PackageSource::Bundled).collect()
}

/// What the native rules read: the manifest, its flows, the detectors' findings and
/// the engine's settings (the bundles' data).
pub(crate) struct Facts<'a> {
    pub app: &'a Manifest,
    pub flows: &'a [FlowDoc<'a>],
    pub detected: &'a Findings,
    pub settings: &'a Settings,
}

impl Facts<'_> {
    /// Whether a category list holds regulated personal data
    /// (`data.microgov.governance.regulated_categories`).
    pub fn regulated(&self, cats: &[Category]) -> bool {
        cats.iter().any(|c| self.settings.regulated.contains(c.as_str()))
    }
}

/// The items of a package's collected heads.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct Heads {
    pub violation: Vec<Value>,
    pub obligation: Vec<Value>,
}

/// What the natively-run packages yield for one app, by package path.
pub(crate) type NativeResults = BTreeMap<&'static str, Heads>;

/// Runs the native packages on one app.
pub(crate) fn run(packages: &[NativePackage], x: &Facts<'_>) -> NativeResults {
    packages.iter().map(|p| (p.path(), p.heads(x))).collect()
}

/// A violation object `{rule, message, path, ...extra}` as the bundled Rego builds it.
fn violation(rule: &str, message: String, path: impl Into<String>, extra: &[(&str, Value)]) -> Value {
    let mut o = serde_json::Map::new();
    o.insert("rule".into(), Value::String(rule.into()));
    o.insert("message".into(), Value::String(message));
    o.insert("path".into(), Value::String(path.into()));
    for (k, v) in extra {
        o.insert((*k).to_string(), v.clone());
    }
    Value::Object(o)
}
