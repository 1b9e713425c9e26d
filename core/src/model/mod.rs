//! The micro-app model: manifests, their vocabularies, regions, approvals
//! and lifecycle, with validation that reports every problem at once.
//!
//! Reading a manifest is two steps: `read` turns YAML or JSON text into a
//! `tree::Tree` under limits, then `validate` walks any `doc::Node` (that
//! tree, a `serde_json::Value`, a binding's objects) with the `walk` helpers
//! and builds the [`Manifest`] or every [`Problem`]; `locate` gives each
//! problem its line and column. Below them: `at` (where a value sits),
//! `suggest` ("did you mean"), `syntax` (e-mail, DNS label, URL host) and
//! [`crate::pointer`]. A module imports only from those below it.

mod at;
mod catalog;
// `doc::{Node, MapNode, Kind}`: the Python binding walks dicts through them (`bindings-python/src/doc.rs`).
#[doc(hidden)]
pub mod doc;
mod enums;
mod error;
mod external;
mod manifest;
mod problem;
mod read;
mod suggest;
mod syntax;
pub(crate) mod tree;
mod validate;
mod walk;

pub mod approval;
pub mod lifecycle;
// `locate::SourceMap`: the CLI's report formats turn pointers into lines with it (and `tests/cli_locate.rs`).
#[doc(hidden)]
pub mod locate;
pub mod region;

pub use approval::{Approval, ApprovalPolicy, ApprovalStatus, Directory, ExceptionRule, RoleHolders, Scope};
pub use catalog::{bundled_packs, pack_name, ConnectorCatalog, PACK_PREFIX};
pub use enums::{Access, BuiltBy, Category, Classification, Encryption, Environment, Sso, Tier};
pub use error::{Document, ManifestError};
pub use external::{CloudEndpoints, ExternalBy, Noted};
pub use manifest::{
    Agent, Auth, Connector, Dataset, Elevation, Field, Manifest, Metadata, Observability, Scan, SecretRef, Spec,
    SupplyChain, Support,
};
pub use problem::{codes, Problem};
pub(crate) use read::parse_tree;
pub use read::{looks_like_manifest, parse_document, parsed_looks_like_manifest, sniff_format, Format, Limits};
pub use region::{Catalog, Region, Residency};
pub use syntax::is_dns_label;
pub use validate::ParseOptions;
pub(crate) use validate::{manifest_from_node, manifest_from_value};

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
        manifest_from_value(doc, &ParseOptions::default()).map_err(ManifestError::manifest)
    }

    /// Reads and validates text with explicit options (catalog, limits, defaults).
    pub fn parse_with(text: &str, format: Format, opts: &ParseOptions) -> Result<Manifest> {
        let tree = parse_tree(text, format, &opts.limits).map_err(ManifestError::manifest)?;
        // A manifest with problems is walked again as a `Value`, whose
        // sorted mappings give its problems in their documented order.
        manifest_from_node(&&tree, opts).or_else(|_| manifest_from_value(&tree.to_value(), opts)).map_err(
            |mut problems| {
                locate::locate_problems(text, &mut problems);
                ManifestError::manifest(problems)
            },
        )
    }
}
