//! The bundled rules' parameters, read once from the engine's data for the native paths.

use serde::Deserialize;
use std::collections::BTreeMap;

/// The parameters the native implementations of the bundled rules read from bundle data
/// (`data.microgov.<policy>`), the same keys their Rego reads. A key of the wrong type is
/// a load error, so the native path never reads data differently from the Rego.
#[derive(Debug, Clone, Default)]
pub struct CheckSettings {
    /// `data.microgov.residency.adequacy`: residency → jurisdictions it may also flow to.
    pub adequacy: BTreeMap<String, Vec<String>>,
    /// `data.microgov.residency.transfer_exception`: the exception kind that waives a transfer.
    pub transfer_exception: Option<String>,
    /// `data.microgov.pii.export_exception`.
    pub export_exception: Option<String>,
    /// `data.microgov.pii.max_retention_days`.
    pub max_retention_days: Option<u64>,
    /// `data.microgov.pii.require_sso`.
    pub require_sso: bool,
    /// `data.microgov.pii.require_mfa`.
    pub require_mfa: bool,
    /// `data.microgov.pii.forbid_local_accounts`.
    pub forbid_local_accounts: bool,
    /// `data.microgov.secrets.approved_stores`: reference prefixes; `None` when the data has none.
    pub approved_stores: Option<Vec<String>>,
    /// `data.microgov.secrets.max_rotation_days`.
    pub max_rotation_days: Option<u64>,
    /// `data.microgov.secrets.allowed_findings`: inline-secret findings the platform allowed.
    pub allowed_findings: Vec<AllowedFinding>,
}

/// An inline-secret finding the platform team allowed explicitly.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AllowedFinding {
    /// The finding's JSON pointer.
    pub path: String,
    /// The finding's rule id.
    pub rule: String,
}

#[derive(Deserialize, Default)]
struct Residency {
    #[serde(default)]
    adequacy: BTreeMap<String, Vec<String>>,
    transfer_exception: Option<String>,
}

#[derive(Deserialize, Default)]
struct Pii {
    export_exception: Option<String>,
    max_retention_days: Option<u64>,
    #[serde(default)]
    require_sso: bool,
    #[serde(default)]
    require_mfa: bool,
    #[serde(default)]
    forbid_local_accounts: bool,
}

#[derive(Deserialize, Default)]
struct Secrets {
    approved_stores: Option<Vec<String>>,
    max_rotation_days: Option<u64>,
    #[serde(default)]
    allowed_findings: Vec<AllowedFinding>,
}

impl CheckSettings {
    /// Reads the parameters from a data document holding `microgov.*`; the error names the
    /// policy whose data has the wrong shape.
    pub fn from_data(data: &serde_json::Value) -> Result<CheckSettings, (&'static str, serde_json::Error)> {
        fn read<T: for<'de> Deserialize<'de> + Default>(
            data: &serde_json::Value,
            policy: &'static str,
        ) -> Result<T, (&'static str, serde_json::Error)> {
            match data.pointer(&format!("/microgov/{policy}")) {
                Some(v) => T::deserialize(v).map_err(|e| (policy, e)),
                None => Ok(T::default()),
            }
        }
        let r: Residency = read(data, "residency")?;
        let p: Pii = read(data, "pii")?;
        let s: Secrets = read(data, "secrets")?;
        Ok(CheckSettings {
            adequacy: r.adequacy,
            transfer_exception: r.transfer_exception,
            export_exception: p.export_exception,
            max_retention_days: p.max_retention_days,
            require_sso: p.require_sso,
            require_mfa: p.require_mfa,
            forbid_local_accounts: p.forbid_local_accounts,
            approved_stores: s.approved_stores,
            max_rotation_days: s.max_rotation_days,
            allowed_findings: s.allowed_findings,
        })
    }
}
