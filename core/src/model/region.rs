//! The region catalog: cloud regions mapped to country and jurisdiction.
//!
//! The catalog is data, kept once in `policy-bundles/residency/data.json`
//! (`data.microgov.residency`), read here and by the residency policy alike.

use super::suggest::{edit_distance, nearest};
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, LazyLock};

/// The bundled residency data, embedded at compile time.
pub(crate) const RESIDENCY_DATA: &str = include_str!("../../../policy-bundles/residency/data.json");

/// One cloud region.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
pub struct Region {
    /// `aws`, `azure` or `gcp`.
    pub provider: String,
    /// ISO 3166-1 alpha-2 country code.
    pub country: String,
    /// Jurisdiction code, for example `EU`, `UK`, `US`.
    pub jurisdiction: String,
    /// The provider's display name.
    pub name: String,
    /// A sovereign-cloud region (AWS European Sovereign Cloud, GovCloud ...).
    #[serde(default)]
    pub sovereign: bool,
}

/// Cloud regions and jurisdictions, looked up by `provider:region` id.
#[derive(Debug, Clone, Deserialize)]
#[serde(from = "CatalogData")]
pub struct Catalog {
    regions: BTreeMap<String, Region>,
    jurisdictions: BTreeMap<String, String>,
    aliases: BTreeMap<String, String>,
    /// The countries that have regions (residency lookups run per dataset per decision).
    countries: BTreeSet<String>,
}

/// The catalog as the data document holds it.
#[derive(Deserialize)]
struct CatalogData {
    regions: BTreeMap<String, Region>,
    jurisdictions: BTreeMap<String, String>,
    #[serde(default)]
    aliases: BTreeMap<String, String>,
}

impl From<CatalogData> for Catalog {
    fn from(d: CatalogData) -> Catalog {
        let countries = d.regions.values().map(|r| r.country.clone()).collect();
        Catalog { regions: d.regions, jurisdictions: d.jurisdictions, aliases: d.aliases, countries }
    }
}

static BUNDLED: LazyLock<Arc<Catalog>> = LazyLock::new(|| {
    // The bundled file is checked by a unit test; an empty catalog is the
    // safe fallback (every region then reports as unknown).
    Arc::new(Catalog::from_data_json(RESIDENCY_DATA).unwrap_or_else(|_| Catalog::empty()))
});

impl Catalog {
    /// The catalog bundled with this version of microgov.
    pub fn bundled() -> Arc<Catalog> {
        BUNDLED.clone()
    }

    /// A catalog without regions.
    pub fn empty() -> Catalog {
        Catalog {
            regions: BTreeMap::new(),
            jurisdictions: BTreeMap::new(),
            aliases: BTreeMap::new(),
            countries: BTreeSet::new(),
        }
    }

    /// Reads the catalog from a residency bundle's `data.json`
    /// (the object at `microgov.residency`).
    pub fn from_data_json(text: &str) -> Result<Catalog, serde_json::Error> {
        let doc: serde_json::Value = serde_json::from_str(text)?;
        Catalog::from_data(&doc)
    }

    /// Reads the catalog from a data document (the object that holds `microgov.residency`).
    pub fn from_data(doc: &serde_json::Value) -> Result<Catalog, serde_json::Error> {
        let node = doc.pointer("/microgov/residency").cloned().unwrap_or(serde_json::Value::Null);
        serde_json::from_value(node)
    }

    /// The region with id `provider:region`, for example `aws:eu-west-1`.
    pub fn region(&self, id: &str) -> Option<&Region> {
        self.regions.get(id)
    }

    /// Every region, by id.
    pub fn regions(&self) -> impl Iterator<Item = (&str, &Region)> {
        self.regions.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The canonical jurisdiction code for a residency value: a jurisdiction
    /// (`EU`), an alias (`EEA`) or a country that has regions (`DE`).
    pub fn residency(&self, value: &str) -> Option<Residency> {
        let (code, jurisdiction) = self.lookup(value)?;
        Some(if jurisdiction { Residency::Jurisdiction(code.to_owned()) } else { Residency::Country(code.to_owned()) })
    }

    /// The canonical code of a residency value (what [`Catalog::residency`]
    /// holds), borrowed from the catalog.
    pub fn residency_code(&self, value: &str) -> Option<&str> {
        self.lookup(value).map(|(code, _)| code)
    }

    /// A residency value's code, and whether it is a jurisdiction (or else
    /// a country).
    fn lookup(&self, value: &str) -> Option<(&str, bool)> {
        let known = |code: &str| {
            let jurisdiction = self.jurisdictions.get_key_value(code).map(|(k, _)| (k.as_str(), true));
            jurisdiction.or_else(|| self.countries.get(code).map(|c| (c.as_str(), false)))
        };
        // Usually already a canonical code (`EU`): no uppercase copy then.
        if !value.bytes().any(|b| b.is_ascii_lowercase()) {
            return match self.aliases.get(value) {
                Some(code) => known(code),
                None => known(value),
            };
        }
        let upper = value.to_ascii_uppercase();
        match self.aliases.get(&upper) {
            Some(code) => known(code),
            None => known(&upper),
        }
    }

    /// Whether `region` lies inside `residency`.
    pub fn region_within(&self, region: &Region, residency: &Residency) -> bool {
        match residency {
            Residency::Jurisdiction(j) => &region.jurisdiction == j,
            Residency::Country(c) => &region.country == c,
        }
    }

    /// The closest known region ids to `id`, for "did you mean" hints.
    pub fn suggest(&self, id: &str) -> Option<&str> {
        let (provider, name) = id.split_once(':').unwrap_or(("", id));
        let candidates =
            self.regions.keys().map(String::as_str).filter(|k| provider.is_empty() || k.starts_with(provider));
        nearest(candidates, 3, |k| edit_distance(name, k.split_once(':').map(|(_, n)| n).unwrap_or(k)))
    }
}

/// Where a dataset's data must stay.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(tag = "kind", content = "code", rename_all = "snake_case")]
pub enum Residency {
    /// A jurisdiction of the catalog (`EU`, `UK`, `US` ...).
    Jurisdiction(String),
    /// One country (`DE`).
    Country(String),
}

impl Residency {
    /// The code as written in the catalog.
    pub fn code(&self) -> &str {
        match self {
            Residency::Jurisdiction(c) | Residency::Country(c) => c,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_catalog_parses_and_places_regions() {
        let c = Catalog::from_data_json(RESIDENCY_DATA).unwrap();
        assert_eq!(c.region("aws:eu-west-1").unwrap().jurisdiction, "EU");
        assert_eq!(c.region("aws:eu-west-2").unwrap().jurisdiction, "UK");
        assert_eq!(c.region("aws:eu-central-2").unwrap().jurisdiction, "CH");
        assert_eq!(c.region("azure:westeurope").unwrap().country, "NL");
        assert_eq!(c.region("gcp:europe-west1").unwrap().jurisdiction, "EU");
        assert_eq!(c.region("azure:norwayeast").unwrap().jurisdiction, "EU", "EEA counts as EU");
        assert!(c.region("aws:eusc-de-east-1").unwrap().sovereign);
        assert_eq!(c.region("aws:cn-north-1").unwrap().jurisdiction, "CN");
    }

    #[test]
    fn residency_accepts_jurisdiction_alias_and_country() {
        let c = Catalog::bundled();
        assert_eq!(c.residency("eu"), Some(Residency::Jurisdiction("EU".into())));
        assert_eq!(c.residency("EEA"), Some(Residency::Jurisdiction("EU".into())));
        assert_eq!(c.residency("DE"), Some(Residency::Country("DE".into())));
        assert_eq!(c.residency("Atlantis"), None);
        assert_eq!(
            [c.residency_code("eu"), c.residency_code("EEA"), c.residency_code("de"), c.residency_code("Atlantis")],
            [Some("EU"), Some("EU"), Some("DE"), None]
        );
    }

    #[test]
    fn suggests_a_close_region() {
        assert_eq!(Catalog::bundled().suggest("aws:eu-wst-1"), Some("aws:eu-west-1"));
    }
}
