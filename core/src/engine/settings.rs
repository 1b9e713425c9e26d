//! Facts from bundle data that native code reads (the same data Rego reads).

use super::{CheckSettings, EgressPolicy};
use crate::audit::VerifierKey;
use crate::bundle::BundleError;
use crate::model::{ApprovalPolicy, Catalog, ConnectorCatalog, Limits, ParseOptions};
use crate::risk::RiskModel;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Facts from bundle data that native code reads (the same data Rego reads).
#[derive(Debug, Clone)]
pub struct Settings {
    /// Regions and jurisdictions.
    pub catalog: Arc<Catalog>,
    /// Risk weights and tier thresholds.
    pub risk: RiskModel,
    /// Approval rules.
    pub approvals: ApprovalPolicy,
    /// The directory's keys, parsed: approver (trimmed, ASCII lowercase) → verifier keys.
    pub approver_keys: BTreeMap<String, Vec<VerifierKey>>,
    /// Days before expiry an app counts as expiring.
    pub expiring_within_days: i64,
    /// Longest lifetime a renewal may give, in days.
    pub max_lifetime_days: i64,
    /// Categories that count as regulated personal data.
    pub regulated: BTreeSet<String>,
    /// Manifest parsing options derived from the data.
    pub parse: ParseOptions,
    /// The platform's egress rules.
    pub egress: Arc<EgressPolicy>,
    /// The bundled rules' parameters the native fast paths read.
    pub checks: CheckSettings,
}

impl Settings {
    pub(super) fn from_data(data: &serde_json::Value, limits: Limits) -> Result<Settings, BundleError> {
        let bad = |what: &str, e: serde_json::Error| BundleError::BadData {
            file: format!("data.microgov.{what}"),
            line: None,
            message: e.to_string(),
        };
        // Without the bundled residency or governance data (an engine built
        // `without_bundled` and no data of its own), the built-in catalog
        // and risk model still apply, so native facts stay meaningful.
        let catalog = match data.pointer("/microgov/residency") {
            Some(_) => Arc::new(Catalog::from_data(data).map_err(|e| bad("residency", e))?),
            None => Catalog::bundled(),
        };
        let risk = match data.pointer("/microgov/governance") {
            Some(_) => RiskModel::from_data(data).map_err(|e| bad("governance", e))?,
            None => RiskModel::bundled(),
        };
        let g = data.pointer("/microgov/governance").cloned().unwrap_or_else(|| serde_json::json!({}));
        let approvals: ApprovalPolicy = serde_json::from_value(g.clone()).map_err(|e| bad("governance", e))?;
        let mut approver_keys = BTreeMap::new();
        for (who, keys) in &approvals.directory.keys {
            let parsed = keys.iter().map(|k| VerifierKey::parse(k)).collect::<Result<Vec<_>, _>>().map_err(|e| {
                BundleError::BadData {
                    file: "data.microgov.governance.directory.keys".into(),
                    line: None,
                    message: format!("key of {who}: {e}"),
                }
            })?;
            approver_keys.entry(who.trim().to_ascii_lowercase()).or_insert_with(Vec::new).extend(parsed);
        }
        let num = |p: &str, d: i64| g.pointer(p).and_then(|v| v.as_i64()).unwrap_or(d);
        let regulated = g
            .get("regulated_categories")
            .and_then(|v| v.as_array())
            .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
            .unwrap_or_default();
        let mut parse = ParseOptions {
            catalog: catalog.clone(),
            limits,
            default_lifetime_days: num("/lifecycle/default_days", 90),
            ..ParseOptions::default()
        };
        if data.pointer("/microgov/catalog/connectors").is_some() {
            parse.connectors = Arc::new(ConnectorCatalog::from_data(data).map_err(|e| bad("catalog", e))?);
        }
        if g.get("cloud_endpoints").is_some() || g.get("cloud_accounts").is_some() {
            parse.cloud = Arc::new(serde_json::from_value(g.clone()).map_err(|e| bad("governance", e))?);
        }
        if let Some(s) = g.get("internal_domain_suffixes").and_then(|v| v.as_array()) {
            parse.internal_suffixes = s.iter().filter_map(|x| x.as_str().map(str::to_string)).collect();
        }
        let egress = Arc::new(EgressPolicy::from_data(data).map_err(|e| bad("egress", e))?);
        let checks = CheckSettings::from_data(data).map_err(|(what, e)| bad(what, e))?;
        Ok(Settings {
            egress,
            checks,
            catalog,
            risk,
            approvals,
            approver_keys,
            expiring_within_days: num("/lifecycle/expiring_within_days", 14),
            max_lifetime_days: num("/lifecycle/max_days", 365),
            regulated,
            parse,
        })
    }
}
