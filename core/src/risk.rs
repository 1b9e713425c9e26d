//! Risk scoring and tiering.
//!
//! A score is the sum of named factors, each with its points and a one-line
//! reason, so a reviewer sees why an app landed in its tier. Weights and tier
//! thresholds are bundle data (`data.microgov.governance.risk` and `.tiers`),
//! overridable by the host like any other data.

use crate::model::{Access, Catalog, Category, Classification, Manifest, Sso, Tier};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The bundled governance data, embedded at compile time.
pub(crate) const GOVERNANCE_DATA: &str = include_str!("../../policy-bundles/governance/data.json");

/// Points per factor (bundle data).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskWeights {
    /// Points for the highest classification.
    pub classification: BTreeMap<String, u32>,
    /// Points per data category present.
    pub categories: BTreeMap<String, u32>,
    /// Any connector that writes.
    pub write_access: u32,
    /// Any connector outside the organisation.
    pub external_connector: u32,
    /// Any dataset flowing to a region outside its residency.
    pub cross_border: u32,
    /// Points per environment.
    pub environment: BTreeMap<String, u32>,
    /// Points per builder kind.
    pub built_by: BTreeMap<String, u32>,
    /// Points per distinct egress host.
    pub egress_host: u32,
    /// Cap on the egress points.
    pub egress_max: u32,
    /// No single sign-on.
    pub no_sso: u32,
    /// No multi-factor authentication.
    pub no_mfa: u32,
    /// Local accounts beside SSO.
    pub local_accounts: u32,
    /// The score is clamped to this.
    pub max_score: u32,
}

/// Lowest score of each tier above `low` (bundle data).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierThresholds {
    /// Scores from here are medium.
    pub medium: u32,
    /// Scores from here are high.
    pub high: u32,
}

/// Weights and thresholds together.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskModel {
    /// Points per factor.
    pub risk: RiskWeights,
    /// Tier thresholds.
    pub tiers: TierThresholds,
}

impl RiskModel {
    /// The bundled model.
    pub fn bundled() -> RiskModel {
        let doc: serde_json::Value = serde_json::from_str(GOVERNANCE_DATA).unwrap_or_default();
        RiskModel::from_data(&doc).unwrap_or_else(|_| RiskModel::fallback())
    }

    /// Reads the model from a data document holding `microgov.governance`.
    pub fn from_data(doc: &serde_json::Value) -> Result<RiskModel, serde_json::Error> {
        let g = doc.pointer("/microgov/governance").cloned().unwrap_or_default();
        serde_json::from_value(g)
    }

    // Used only if the embedded data were unreadable, which a unit test rules
    // out; it scores every app high so that nothing slips through.
    fn fallback() -> RiskModel {
        RiskModel {
            risk: RiskWeights {
                classification: BTreeMap::new(),
                categories: BTreeMap::new(),
                write_access: 0,
                external_connector: 0,
                cross_border: 0,
                environment: BTreeMap::new(),
                built_by: BTreeMap::new(),
                egress_host: 0,
                egress_max: 0,
                no_sso: 0,
                no_mfa: 0,
                local_accounts: 0,
                max_score: 100,
            },
            tiers: TierThresholds { medium: 0, high: 0 },
        }
    }

    /// The tier of a score.
    pub fn tier_of(&self, score: u32) -> Tier {
        if score >= self.tiers.high {
            Tier::High
        } else if score >= self.tiers.medium {
            Tier::Medium
        } else {
            Tier::Low
        }
    }
}

/// One contribution to the score.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Factor {
    /// Stable factor name (`pii_data`, `write_access` ...).
    pub factor: String,
    /// Points it adds.
    pub points: u32,
    /// One line on why.
    pub detail: String,
    /// What would remove or lower it (absent when nothing the owner sets would).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub remedy: String,
}

/// A score, its factors and its tier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskAssessment {
    /// Sum of the factors' points, clamped to the model's maximum.
    pub score: u32,
    /// The tier the score falls in.
    pub tier: Tier,
    /// The factors with points, highest first.
    pub factors: Vec<Factor>,
}

/// One dataset → connector flow whose region lies outside the dataset's residency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CrossBorderFlow {
    /// The dataset.
    pub dataset: String,
    /// The connector.
    pub connector: String,
    /// The dataset's residency code.
    pub residency: String,
    /// The connector's region id.
    pub region: String,
    /// The region's jurisdiction.
    pub jurisdiction: String,
}

/// The flows that leave their dataset's residency.
pub fn cross_border_flows(app: &Manifest, catalog: &Catalog) -> Vec<CrossBorderFlow> {
    // Each dataset's residency once (the first dataset of a name, as `Manifest::dataset`).
    let residency: Vec<(&crate::model::Dataset, Option<crate::model::Residency>)> =
        app.spec.datasets.iter().map(|d| (d, d.residency.as_deref().and_then(|r| catalog.residency(r)))).collect();
    let mut out = Vec::new();
    for c in &app.spec.connectors {
        let Some(region) = c.region.as_deref().and_then(|r| catalog.region(r).map(|reg| (r, reg))) else { continue };
        for dname in &c.datasets {
            let Some((d, Some(res))) = residency.iter().find(|(d, _)| d.name == *dname) else { continue };
            if !catalog.region_within(region.1, res) {
                out.push(CrossBorderFlow {
                    dataset: d.name.clone(),
                    connector: c.name.clone(),
                    residency: res.code().to_string(),
                    region: region.0.to_string(),
                    jurisdiction: region.1.jurisdiction.clone(),
                });
            }
        }
    }
    out
}

/// Scores an app.
pub fn assess(app: &Manifest, model: &RiskModel, catalog: &Catalog) -> RiskAssessment {
    let hosts: Vec<String> = app
        .spec
        .egress
        .iter()
        .filter_map(|e| url::Url::parse(e).ok().and_then(|u| u.host_str().map(|h| h.trim_end_matches('.').to_string())))
        .collect();
    assess_with_hosts(app, model, catalog, hosts.iter().map(String::as_str))
}

/// [`assess`] with the hosts of `spec.egress` already parsed (the engine
/// has them from the egress detector; parsing a URL costs more than
/// scoring).
pub(crate) fn assess_with_hosts<'h>(
    app: &Manifest,
    model: &RiskModel,
    catalog: &Catalog,
    egress_hosts: impl IntoIterator<Item = &'h str>,
) -> RiskAssessment {
    let w = &model.risk;
    let mut factors = Vec::new();
    let mut add = |factor: &str, points: u32, detail: String, remedy: String| {
        if points > 0 {
            factors.push(Factor { factor: factor.to_string(), points, detail, remedy });
        }
    };

    let highest = app.highest_classification();
    if highest > Classification::Public {
        let holder =
            app.spec.datasets.iter().find(|d| d.classification == highest).map(|d| d.name.as_str()).unwrap_or("");
        add(
            "classification",
            w.classification.get(highest.as_str()).copied().unwrap_or(0),
            format!("highest classification is {highest} (dataset \"{holder}\")"),
            format!("only less sensitive data lowers it: dataset \"{holder}\" holds {highest} data"),
        );
    }

    let mut present: BTreeMap<Category, BTreeSet<&str>> = BTreeMap::new();
    for d in &app.spec.datasets {
        for c in &d.categories {
            present.entry(*c).or_default().insert(d.name.as_str());
        }
    }
    for (cat, datasets) in &present {
        let names: Vec<&str> = datasets.iter().copied().collect();
        add(
            &format!("{cat}_data"),
            w.categories.get(cat.as_str()).copied().unwrap_or(0),
            format!("{} data in dataset(s) {}", cat.as_str().to_uppercase(), names.join(", ")),
            format!(
                "leave the {} fields out of dataset(s) {}, if the app does without them",
                cat.as_str(),
                names.join(", ")
            ),
        );
    }

    let writers: Vec<&str> =
        app.spec.connectors.iter().filter(|c| c.access == Access::Write).map(|c| c.name.as_str()).collect();
    if !writers.is_empty() {
        add(
            "write_access",
            w.write_access,
            format!("writes through connector(s) {}", writers.join(", ")),
            format!("make connector(s) {} read-only (access: read), if the app only reads", writers.join(", ")),
        );
    }

    let external: Vec<&crate::model::Connector> = app.spec.connectors.iter().filter(|c| c.external).collect();
    if !external.is_empty() {
        let why: Vec<String> = external.iter().map(|c| format!("{} {}", c.name, c.external_by.reason(true))).collect();
        let mut remedies: Vec<String> =
            external.iter().map(|c| c.external_by.remedy(true)).filter(|r| !r.is_empty()).collect();
        remedies.dedup();
        add(
            "external_connector",
            w.external_connector,
            format!("external connector(s): {}", why.join("; ")),
            remedies.join("; "),
        );
    }

    let flows = cross_border_flows(app, catalog);
    if let Some(f) = flows.first() {
        let more = if flows.len() > 1 { format!(" and {} more", flows.len() - 1) } else { String::new() };
        add(
            "cross_border",
            w.cross_border,
            format!("dataset \"{}\" ({}) flows to {} ({}){more}", f.dataset, f.residency, f.region, f.jurisdiction),
            format!("keep the connectors of dataset \"{}\" in regions within {}", f.dataset, f.residency),
        );
    }

    let env = app.spec.environment;
    let points = w.environment.get(env.as_str()).copied().unwrap_or(0);
    add("environment", points, format!("runs in {env}"), String::new());

    let by = app.spec.built_by;
    add("built_by", w.built_by.get(by.as_str()).copied().unwrap_or(0), format!("built by {by}"), String::new());

    let hosts: BTreeSet<&str> = egress_hosts.into_iter().collect();
    if !hosts.is_empty() {
        let points = (w.egress_host.saturating_mul(u32::try_from(hosts.len()).unwrap_or(u32::MAX))).min(w.egress_max);
        let detail = format!("{} egress host(s)", hosts.len());
        add("egress_hosts", points, detail, "declare only the hosts the app calls".to_string());
    }

    if app.spec.auth.sso == Sso::None {
        let remedy = "sign users in through the identity provider (auth.sso: oidc or saml)".to_string();
        add("no_sso", w.no_sso, "no single sign-on".to_string(), remedy);
    }
    if !app.spec.auth.mfa {
        let remedy = "enforce multi-factor authentication (auth.mfa: true)".to_string();
        add("no_mfa", w.no_mfa, "multi-factor authentication not enforced".to_string(), remedy);
    }
    if app.spec.auth.local_accounts {
        let remedy = "turn local accounts off (auth.localAccounts: false)".to_string();
        add("local_accounts", w.local_accounts, "local accounts outside single sign-on".to_string(), remedy);
    }

    factors.sort_by(|a, b| b.points.cmp(&a.points).then_with(|| a.factor.cmp(&b.factor)));
    let total: u32 = factors.iter().map(|f| f.points).sum();
    let score = total.min(w.max_score);
    RiskAssessment { score, tier: model.tier_of(score), factors }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_model_reads_from_bundle_data() {
        let doc: serde_json::Value = serde_json::from_str(GOVERNANCE_DATA).unwrap();
        let m = RiskModel::from_data(&doc).unwrap();
        assert!(m.tiers.medium < m.tiers.high);
        assert_eq!(m.tier_of(0), Tier::Low);
        assert_eq!(m.tier_of(m.tiers.high), Tier::High);
    }
}
