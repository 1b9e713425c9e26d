//! The `MicroApp` manifest: what an app is, after validation and defaults.

use super::enums::{Access, BuiltBy, Category, Classification, Encryption, Environment, Sso};
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// A validated `MicroApp` manifest with defaults applied.
///
/// Build one with [`Manifest::from_yaml`], [`Manifest::from_json`] or
/// [`Manifest::from_value`]; each reports every problem at once.
/// Serializes back to the manifest format (camelCase keys): that form,
/// defaults included, is what policies see as `input.app`.
///
/// The fields of these structs are declared in the byte order of their
/// JSON names, so their serialized form has sorted keys: the canonical JSON
/// the input digest hashes (`engine/digest.rs` writes it by hand in the
/// same order; tests compare the two with serde_json's sorted form).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    /// Always `microgov.dev/v1`.
    pub api_version: String,
    /// Always `MicroApp`.
    pub kind: String,
    /// Identity, ownership and lifecycle dates.
    pub metadata: Metadata,
    /// What the app does and touches.
    pub spec: Spec,
}

/// Identity, ownership and lifecycle of an app.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Metadata {
    /// Who built the app (e-mail address), when it is not the owner: they may not approve it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub builder: Option<String>,
    /// When the app was registered.
    pub created_at: DateTime<Utc>,
    /// Owning department.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// When the app expires; defaults to `createdAt` + the bundle's default lifetime.
    pub expires_at: DateTime<Utc>,
    /// Free-form labels.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// DNS-label id, unique per tenant.
    pub name: String,
    /// The accountable person (e-mail address).
    pub owner: String,
    /// When the app was retired, if it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retired_at: Option<DateTime<Utc>>,
    /// Tenant id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
}

/// What the app does and what it touches.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Spec {
    /// The agent or assistant that built it, and what it may do (its provenance).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent: Option<Agent>,
    /// How users sign in.
    pub auth: Auth,
    /// Who built it.
    pub built_by: BuiltBy,
    /// The systems it connects to.
    pub connectors: Vec<Connector>,
    /// The data the app holds or reads.
    pub datasets: Vec<Dataset>,
    /// Outbound URLs it calls (scheme, host, optional port and path prefix).
    pub egress: Vec<String>,
    /// Environment variables (scanned for inline secrets).
    pub env: BTreeMap<String, serde_json::Value>,
    /// Where it runs.
    pub environment: Environment,
    /// What it records and where its logs go.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observability: Option<Observability>,
    /// Extra policy packs to apply.
    pub policies: Vec<String>,
    /// One line on what the app is for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purpose: Option<String>,
    /// Secret references the app uses.
    pub secrets: Vec<SecretRef>,
    /// How it was built and checked: SBOM, signature, SLSA level, the last dependency scan.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supply_chain: Option<SupplyChain>,
    /// Who supports it and at what service level.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub support: Option<Support>,
    /// `name@version` of the platform template it was built from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
}

/// The agent or AI assistant that built an app (`spec.agent`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Agent {
    /// A person approves the agent's actions.
    pub human_in_the_loop: bool,
    /// MCP servers it connects to (URLs).
    pub mcp_servers: Vec<String>,
    /// `provider/model` (`azure-openai/gpt-4o`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Data categories its prompts carry.
    pub prompt_categories: Vec<Category>,
    /// Tools it may call.
    pub tools: Vec<String>,
}

/// How the app was built and checked (`spec.supplyChain`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SupplyChain {
    /// Where its SBOM is (an OCI reference, a URL).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sbom: Option<String>,
    /// The last dependency scan.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scan: Option<Scan>,
    /// Where its signature is (a cosign or Sigstore bundle reference).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    /// SLSA build level, 0 to 4.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slsa_level: Option<u32>,
}

/// Who supports an app (`spec.support`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Support {
    /// A person, team alias or channel.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    /// The service level (one of `data.microgov.operations.sla_levels`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sla: Option<String>,
}

/// A dependency scan and what it left open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Scan {
    /// When it ran.
    pub at: DateTime<Utc>,
    /// Open critical findings.
    pub critical: u32,
    /// Open high findings.
    pub high: u32,
}

/// What the app records and where its logs go (`spec.observability`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Observability {
    /// It writes audit events (who did what) to the platform's audit log.
    pub audit_events: bool,
    /// Where its logs are shipped (a SIEM or log platform reference).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_shipping: Option<String>,
    /// It emits traces.
    pub traces: bool,
}

/// Sign-in settings.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Auth {
    /// The role a new user gets (absent: the identity data's `default_role`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_role: Option<String>,
    /// Just-in-time elevation to privileged roles.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub elevation: Option<Elevation>,
    /// Accounts local to the app (outside SSO).
    pub local_accounts: bool,
    /// Multi-factor authentication enforced.
    pub mfa: bool,
    /// Role → the role template it is cut from (`viewer`, `editor`, `admin`); a role named
    /// like a template is that template.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub role_templates: BTreeMap<String, String>,
    /// Application roles.
    pub roles: Vec<String>,
    /// Users and groups are provisioned (and removed) from the identity provider with SCIM.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub scim: bool,
    /// Single sign-on protocol, `none` if absent.
    pub sso: Sso,
}

/// How users get a privileged role: granted for a while on request, not held.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Elevation {
    /// Privileged roles are granted just in time, on an approved request, and taken back.
    pub just_in_time: bool,
    /// Longest an elevation lasts, in minutes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_minutes: Option<u32>,
}

/// A dataset the app holds or reads.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Dataset {
    /// Union of the fields' categories (derived, for policies).
    pub categories: Vec<Category>,
    /// Sensitivity.
    pub classification: Classification,
    /// Who holds the keys.
    pub encryption: Encryption,
    /// The dataset's fields.
    pub fields: Vec<Field>,
    /// Unique within the app.
    pub name: String,
    /// Where the data must stay: a jurisdiction (`EU`) or country (`DE`), canonical code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub residency: Option<String>,
    /// How long records are kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retention_days: Option<u32>,
    /// Data that may only live in sovereign-cloud regions.
    pub sovereign: bool,
}

/// A field of a dataset.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Field {
    /// Data categories declared for the field.
    pub categories: Vec<Category>,
    /// Field name.
    pub name: String,
    /// Optional sample values, checked by the PII recognizers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sample: Vec<String>,
}

/// A connection to another system.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Connector {
    /// Read or write.
    pub access: Access,
    /// Free-form settings (scanned for inline secrets).
    pub config: serde_json::Map<String, serde_json::Value>,
    /// Datasets that flow through this connector.
    pub datasets: Vec<String>,
    /// URL of the system.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// Whether raw personal data leaves through it.
    pub exports_pii: bool,
    /// Whether the system is outside the organisation (derived when not set).
    pub external: bool,
    /// Why `external` is what it is: a note, not part of the manifest's value or wire form.
    #[serde(skip)]
    pub external_by: super::external::Noted<super::external::ExternalBy>,
    /// Free-form headers (scanned for inline secrets).
    pub headers: BTreeMap<String, String>,
    /// Unique within the app.
    pub name: String,
    /// Whether the connector needs raw (unmasked) values.
    pub needs_raw_values: bool,
    /// Most requests a minute the app may send through it (`None`: the catalog's default).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<u32>,
    /// `provider:region` where the system runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Days between credential rotations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotation_days: Option<u32>,
    /// Permissions the connector asks of the system (OAuth scopes, IAM actions), checked
    /// against its connector catalog entry.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    /// Reference to the credential in a secret store.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_ref: Option<String>,
    /// Kind of system: an entry of the connector catalog (`salesforce`, `postgres`, or one
    /// of the generic words `database`, `api`, `saas` ...). Any spelling parses; one the
    /// catalog does not list is a violation of `catalog.unknown_connector_type`.
    #[serde(rename = "type")]
    pub kind: String,
}

/// A reference to a secret kept in a secret store.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretRef {
    /// Name the app uses.
    pub name: String,
    /// Where the secret lives (`vault://...`, `aws-sm://...`).
    #[serde(rename = "ref")]
    pub reference: String,
    /// Days between rotations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotation_days: Option<u32>,
}

impl Manifest {
    /// The highest classification among the datasets (`public` without datasets).
    pub fn highest_classification(&self) -> Classification {
        self.spec.datasets.iter().map(|d| d.classification).max().unwrap_or(Classification::Public)
    }

    /// The dataset with the given name.
    pub fn dataset(&self, name: &str) -> Option<&Dataset> {
        self.spec.datasets.iter().find(|d| d.name == name)
    }

    /// The connector with the given name.
    pub fn connector(&self, name: &str) -> Option<&Connector> {
        self.spec.connectors.iter().find(|c| c.name == name)
    }

    /// Whether any dataset holds the category.
    pub fn has_category(&self, category: Category) -> bool {
        self.spec.datasets.iter().any(|d| d.categories.contains(&category))
    }

    /// The manifest as a JSON value in its own key style, defaults included.
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}
