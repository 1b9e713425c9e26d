//! What validation reads of the connector catalog and the policy packs: which connector
//! types the catalog lists (and whether each reaches outside the organisation), and which
//! packs `spec.policies` may name. The catalog's other columns (class, scopes, rate
//! limits) and the templates are read by the `microgov.catalog` Rego package only.

use super::suggest::{edit_distance, nearest};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, LazyLock};

/// The bundled catalog data, embedded at compile time.
pub(crate) const CATALOG_DATA: &str = include_str!("../../../policy-bundles/catalog/data.json");

/// The bundled packs' `.manifest`: its roots name the packs.
const PACKS_MANIFEST: &str = include_str!("../../../policy-bundles/packs/.manifest");

/// The package under which a policy pack lives: `microgov.packs.<name>`.
pub const PACK_PREFIX: &str = "microgov.packs.";

/// The connector types of the connector catalog (`data.microgov.catalog.connectors`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectorCatalog {
    /// Type → whether it is external (`None`: the endpoint decides).
    types: BTreeMap<String, Option<bool>>,
}

static BUNDLED_CONNECTORS: LazyLock<Arc<ConnectorCatalog>> = LazyLock::new(|| {
    // The bundled file is checked by a unit test; an empty catalog is the safe fallback.
    let doc: Value = serde_json::from_str(CATALOG_DATA).unwrap_or(Value::Null);
    Arc::new(ConnectorCatalog::from_data(&doc).unwrap_or_default())
});

static BUNDLED_PACKS: LazyLock<Arc<BTreeSet<String>>> = LazyLock::new(|| {
    let doc: Value = serde_json::from_str(PACKS_MANIFEST).unwrap_or(Value::Null);
    let roots = doc.get("roots").and_then(Value::as_array).cloned().unwrap_or_default();
    Arc::new(roots.iter().filter_map(Value::as_str).filter_map(|r| pack_name(&r.replace('/', "."))).collect())
});

impl ConnectorCatalog {
    /// The catalog of the bundled data.
    pub fn bundled() -> Arc<ConnectorCatalog> {
        BUNDLED_CONNECTORS.clone()
    }

    /// Reads the catalog from a data document (the object that holds
    /// `microgov.catalog.connectors`); without one, the catalog is empty.
    pub fn from_data(doc: &Value) -> Result<ConnectorCatalog, serde_json::Error> {
        use serde::de::Error;
        let Some(node) = doc.pointer("/microgov/catalog/connectors") else { return Ok(ConnectorCatalog::default()) };
        let entries = node.as_object().ok_or_else(|| serde_json::Error::custom("connectors must be an object"))?;
        let mut types = BTreeMap::new();
        for (name, entry) in entries {
            let external = match entry.get("external") {
                None | Some(Value::Null) => None,
                Some(Value::Bool(b)) => Some(*b),
                Some(_) => {
                    return Err(serde_json::Error::custom(format!("connector {name}: external must be a boolean")))
                }
            };
            types.insert(name.clone(), external);
        }
        Ok(ConnectorCatalog { types })
    }

    /// Whether the catalog lists the type.
    pub fn contains(&self, kind: &str) -> bool {
        self.types.contains_key(kind)
    }

    /// Whether the catalog says the type is external (`None`: not listed, or the endpoint decides).
    pub fn external(&self, kind: &str) -> Option<bool> {
        self.types.get(kind).copied().flatten()
    }

    /// The listed type nearest to an unknown one, for "did you mean".
    pub fn suggest(&self, kind: &str) -> Option<&str> {
        let lower = kind.to_ascii_lowercase();
        if self.types.contains_key(&lower) {
            return self.types.get_key_value(&lower).map(|(k, _)| k.as_str());
        }
        let max = (lower.chars().count() / 3).max(2);
        nearest(self.types.keys().map(String::as_str), max, |k| edit_distance(&lower, k))
    }

    /// Every listed type, in byte order.
    pub fn types(&self) -> impl Iterator<Item = &str> {
        self.types.keys().map(String::as_str)
    }
}

/// The name a pack goes by in `spec.policies`: the last segment of its package
/// `microgov.packs.<segment>`, with `_` written `-` (`pci_safe` → `pci-safe`).
pub fn pack_name(package: &str) -> Option<String> {
    let seg = package.strip_prefix(PACK_PREFIX)?;
    let ok = !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    ok.then(|| seg.replace('_', "-"))
}

/// The bundled packs' names (`pci-safe`, `gdpr`, ...).
pub fn bundled_packs() -> Arc<BTreeSet<String>> {
    BUNDLED_PACKS.clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_catalog_lists_the_old_words_and_the_common_systems() {
        let doc: Value = serde_json::from_str(CATALOG_DATA).unwrap();
        let c = ConnectorCatalog::from_data(&doc).unwrap();
        for old in [
            "database",
            "api",
            "saas",
            "storage",
            "queue",
            "webhook",
            "email",
            "chat",
            "spreadsheet",
            "llm",
            "cloud",
            "other",
        ] {
            assert!(c.contains(old), "{old}");
        }
        assert!(c.types().count() >= 42, "twelve generic words and at least 30 systems");
        assert_eq!(c.external("salesforce"), Some(true));
        assert_eq!(c.external("postgres"), None);
        assert_eq!(c.suggest("salesforse"), Some("salesforce"));
        assert_eq!(c.suggest("Postgres"), Some("postgres"));
        assert_eq!(c.suggest("zzzzzzzz"), None);
    }

    #[test]
    fn packs_are_named_after_their_package() {
        assert_eq!(pack_name("microgov.packs.pci_safe").as_deref(), Some("pci-safe"));
        assert_eq!(pack_name("microgov.packs.Bad"), None);
        assert_eq!(pack_name("microgov.pii"), None);
        let bundled: Vec<String> = bundled_packs().iter().cloned().collect();
        assert_eq!(bundled, ["gdpr", "hipaa", "pci-safe", "sox-controls"]);
    }
}
