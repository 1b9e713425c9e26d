//! The micro-app model: manifests, their vocabularies, regions, approvals
//! and lifecycle, with validation that reports every problem at once.

pub mod doc;
mod enums;
mod error;
mod manifest;
pub(crate) mod parse;
mod problem;
pub mod tree;

pub mod approval;
pub mod lifecycle;
pub mod locate;
pub mod region;

pub use approval::{Approval, ApprovalPolicy, ApprovalStatus, ExceptionRule, Scope};
pub use error::{Document, ManifestError};
pub use enums::{Access, BuiltBy, Category, Classification, ConnectorType, Encryption, Environment, Sso, Tier};
pub use manifest::{Auth, Connector, Dataset, Field, Manifest, Metadata, SecretRef, Spec};
pub use parse::{is_dns_label, parse_document, parse_tree, sniff_format, Format, Limits, ParseOptions};
pub use problem::{codes, pointer_push, Problem};
pub use region::{Catalog, Region, Residency};

type Result<T, E = ManifestError> = std::result::Result<T, E>;

impl Manifest {
    /// Reads and validates a YAML manifest with the bundled defaults.
    pub fn from_yaml(text: &str) -> Result<Manifest> {
        Manifest::parse_with(text, Format::Yaml, &ParseOptions::default())
    }

    /// Reads and validates a JSON manifest with the bundled defaults.
    pub fn from_json(text: &str) -> Result<Manifest> {
        Manifest::parse_with(text, Format::Json, &ParseOptions::default())
    }

    /// Reads YAML or JSON, whichever the text is.
    pub fn from_str_any(text: &str) -> Result<Manifest> {
        Manifest::parse_with(text, sniff_format(text), &ParseOptions::default())
    }

    /// Validates an already-parsed document with the bundled defaults.
    pub fn from_value(doc: &serde_json::Value) -> Result<Manifest> {
        parse::manifest_from_value(doc, &ParseOptions::default()).map_err(ManifestError::manifest)
    }

    /// Reads and validates text with explicit options (catalog, limits, defaults).
    pub fn parse_with(text: &str, format: Format, opts: &ParseOptions) -> Result<Manifest> {
        let tree = parse_tree(text, format, &opts.limits).map_err(ManifestError::manifest)?;
        // A manifest with problems is walked again as a `Value`, whose
        // sorted mappings give its problems in their documented order.
        parse::manifest_from_node(&&tree, opts).or_else(|_| parse::manifest_from_value(&tree.to_value(), opts)).map_err(
            |mut problems| {
                locate::locate_problems(text, &mut problems);
                ManifestError::manifest(problems)
            },
        )
    }
}
