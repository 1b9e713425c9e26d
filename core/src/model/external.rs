//! Whether a connector reaches outside the organisation, and why: from facts the owner
//! can see and set (`core/docs/risk.md`). In order: the manifest's own `external`; the
//! connector catalog's entry for its type (SaaS, webhooks, e-mail, chat and AI APIs are
//! external there); then its endpoint: internal without one, under the owner's e-mail
//! domain, under an internal suffix (`data.microgov.governance.internal_domain_suffixes`),
//! a private address, a single-label name, or a cloud provider's endpoint in the region
//! the connector declares on a provider where the tenant has its own accounts
//! (`cloud_endpoints`, `cloud_accounts`); any other host is external.

use super::syntax::plain_host;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

/// Why a connector is judged external or internal.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ExternalBy {
    /// The manifest sets `external`.
    Declared,
    /// The connector catalog's entry for its type says so.
    Catalog,
    /// No endpoint: nothing leaves the platform.
    #[default]
    NoEndpoint,
    /// The endpoint's host is under the owner's e-mail domain.
    OwnerDomain(String),
    /// The endpoint's host is under an internal suffix.
    InternalSuffix(String),
    /// The endpoint is a cloud provider's endpoint in the connector's region, on a provider
    /// where the tenant has its own accounts.
    CloudAccount {
        /// The provider (`aws`, `azure`, `gcp`).
        provider: String,
        /// The pattern it matched, with the region filled in.
        pattern: String,
    },
    /// A private, loopback or link-local address.
    PrivateAddress,
    /// A public address.
    PublicAddress,
    /// A single-label name, which only resolves inside a network.
    SingleLabel,
    /// Any other host: outside the organisation.
    OtherHost(String),
    /// The endpoint cannot be read as a URL: judged internal (validation reports it).
    Unreadable,
}

/// A note kept beside a value that is not part of it: any two notes are equal, so a
/// manifest read back from its JSON form (where every `external` is written out) equals
/// the one it was written from.
#[derive(Debug, Clone, Default)]
pub struct Noted<T>(pub T);

impl<T> PartialEq for Noted<T> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl<T> std::ops::Deref for Noted<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// Cloud providers' endpoint patterns, and where the tenant has its own accounts
/// (`data.microgov.governance.cloud_endpoints` and `.cloud_accounts`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CloudEndpoints {
    /// Provider → host suffixes of its managed services; `{region}` stands for the region
    /// part of the connector's region id (`eu-central-1` of `aws:eu-central-1`).
    #[serde(default)]
    pub cloud_endpoints: BTreeMap<String, Vec<String>>,
    /// Providers where the tenant runs its own accounts: only their endpoints count as internal.
    #[serde(default)]
    pub cloud_accounts: Vec<String>,
}

impl CloudEndpoints {
    /// The bundled patterns (`policy-bundles/governance/data.json`).
    pub fn bundled() -> Arc<CloudEndpoints> {
        static BUNDLED: OnceLock<Arc<CloudEndpoints>> = OnceLock::new();
        BUNDLED
            .get_or_init(|| {
                let doc: serde_json::Value =
                    serde_json::from_str(include_str!("../../../policy-bundles/governance/data.json"))
                        .unwrap_or(serde_json::Value::Null);
                let g = doc.pointer("/microgov/governance").cloned().unwrap_or(serde_json::Value::Null);
                Arc::new(serde_json::from_value(g).unwrap_or_default())
            })
            .clone()
    }

    /// The pattern `host` matches for a connector in `region` (`aws:eu-central-1`), with the
    /// region filled in; `None` when none does or the provider is not one of the tenant's.
    fn matching(&self, host: &str, region: Option<&str>) -> Option<(String, String)> {
        let (provider, name) = region?.split_once(':')?;
        if !self.cloud_accounts.iter().any(|p| p == provider) {
            return None;
        }
        self.cloud_endpoints.get(provider)?.iter().find_map(|pattern| {
            let suffix = pattern.replace("{region}", name).to_ascii_lowercase();
            let suffix = suffix.trim_start_matches('.');
            let under = host.strip_suffix(suffix).is_some_and(|rest| rest.ends_with('.'));
            under.then(|| (provider.to_string(), suffix.to_string()))
        })
    }
}

impl ExternalBy {
    /// Why, in words: `<connector> <reason>`.
    pub fn reason(&self, external: bool) -> String {
        match self {
            ExternalBy::Declared => format!("is declared external: {external}"),
            ExternalBy::Catalog => {
                format!("is of a type the connector catalog lists as {}", if external { "external" } else { "internal" })
            }
            ExternalBy::NoEndpoint => "has no endpoint".into(),
            ExternalBy::OwnerDomain(d) => format!("is under the owner's domain {d}"),
            ExternalBy::InternalSuffix(s) => format!("is under the internal suffix {s}"),
            ExternalBy::CloudAccount { provider, pattern } => {
                format!("is a {provider} endpoint ({pattern}) in its own region, on the tenant's {provider} accounts")
            }
            ExternalBy::PrivateAddress => "is a private address".into(),
            ExternalBy::PublicAddress => "is a public address".into(),
            ExternalBy::SingleLabel => "is a single-label name".into(),
            ExternalBy::OtherHost(h) => format!(
                "reaches {h}, which is not under the owner's domain, an internal suffix or a cloud endpoint of its region"
            ),
            ExternalBy::Unreadable => "has an endpoint that is not a URL".into(),
        }
    }

    /// What would make an external connector count as internal (empty for an internal one).
    pub fn remedy(&self, external: bool) -> String {
        if !external {
            return String::new();
        }
        match self {
            ExternalBy::Declared => "if the system is the organisation's own, declare external: false".into(),
            ExternalBy::Catalog => "use a connector type the catalog lists as internal, or declare external: false if this one is yours".into(),
            ExternalBy::OtherHost(_) | ExternalBy::PublicAddress => "if the system is the organisation's own, add its domain to data.microgov.governance.internal_domain_suffixes or declare external: false".into(),
            _ => String::new(),
        }
    }
}

/// Judges a connector without `external` of its own and without a catalog entry: its
/// endpoint, the owner's e-mail domain, the internal suffixes, and the cloud endpoints of
/// its region.
pub(crate) fn judge_endpoint(
    endpoint: Option<&str>,
    region: Option<&str>,
    owner_domain: Option<&str>,
    suffixes: &[String],
    cloud: &CloudEndpoints,
) -> (bool, ExternalBy) {
    let Some(ep) = endpoint else { return (false, ExternalBy::NoEndpoint) };
    // A plain host is a name: its last label starts with a letter.
    let host = match plain_host(ep) {
        Some(h) => h,
        None => {
            let Some(h) = url::Url::parse(ep)
                .ok()
                .and_then(|u| u.host_str().map(|h| h.trim_end_matches('.').to_ascii_lowercase()))
            else {
                return (false, ExternalBy::Unreadable);
            };
            if let Ok(ip) = h.trim_start_matches('[').trim_end_matches(']').parse::<std::net::IpAddr>() {
                let private = match ip {
                    std::net::IpAddr::V4(v4) => v4.is_private() || v4.is_loopback() || v4.is_link_local(),
                    std::net::IpAddr::V6(v6) => v6.is_loopback() || (v6.segments()[0] & 0xfe00) == 0xfc00,
                };
                return if private { (false, ExternalBy::PrivateAddress) } else { (true, ExternalBy::PublicAddress) };
            }
            h
        }
    };
    let under = |domain: &str| host.strip_suffix(domain).is_some_and(|rest| rest.is_empty() || rest.ends_with('.'));
    if let Some(d) = owner_domain.filter(|d| under(d)) {
        return (false, ExternalBy::OwnerDomain(d.to_string()));
    }
    // A suffix at the end, or followed by a dot (`svc.internal.example`).
    let inside = |s: &str| {
        let s = s.trim_end_matches('.');
        // Each dot, and whether the suffix ends there: cheaper than a
        // substring search, which builds a searcher per suffix and host.
        host.match_indices('.').any(|(dot, _)| host[..dot].ends_with(s))
    };
    if let Some(s) = suffixes.iter().find(|s| host.ends_with(s.as_str()) || inside(s)) {
        return (false, ExternalBy::InternalSuffix(s.clone()));
    }
    if let Some((provider, pattern)) = cloud.matching(&host, region) {
        return (false, ExternalBy::CloudAccount { provider, pattern });
    }
    // A single-label name ("hrdb") only resolves inside a network.
    if !host.contains('.') {
        return (false, ExternalBy::SingleLabel);
    }
    (true, ExternalBy::OtherHost(host))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ParseOptions;

    fn judge(ep: &str, region: Option<&str>) -> (bool, ExternalBy) {
        let suffixes = ParseOptions::default().internal_suffixes;
        judge_endpoint(Some(ep), region, Some("acme.example"), &suffixes, &CloudEndpoints::bundled())
    }

    #[test]
    fn an_endpoint_is_external_unless_its_host_says_otherwise() {
        for internal in [
            "https://svc0.internal.acme.example/x",
            "https://ACME.example",
            "https://hrdb:8080",
            "https://db.corp/",
            "https://svc.internal.other.example",
            "https://10.1.2.3:5432",
            "http://127.0.0.1:8080",
            "http://[::1]/",
            "http://[fd00::1]/",
            "http://0x7f.1/",
            "https://svc.acme.example./",
        ] {
            assert!(!judge(internal, None).0, "{internal}");
        }
        for outside in [
            "https://api.partner.example",
            "https://my.internalx.example",
            "https://8.8.8.8/",
            "http://[2001:db8::1]/",
            "https://notacme.example",
            "https://acme.example.evil.com",
        ] {
            assert!(judge(outside, None).0, "{outside}");
        }
        let suffixes = ParseOptions::default().internal_suffixes;
        let none = judge_endpoint(None, None, Some("acme.example"), &suffixes, &CloudEndpoints::bundled());
        assert_eq!(none, (false, ExternalBy::NoEndpoint));
        // Third-party kinds are external by their catalog entry, whatever the endpoint.
        assert_eq!(ParseOptions::default().connectors.external("saas"), Some(true));
    }

    #[test]
    fn a_cloud_endpoint_is_internal_only_in_the_region_the_connector_declares() {
        let rds = "postgres://reports.c9x2.eu-central-1.rds.amazonaws.com:5432/metrics";
        let https = "https://reports.c9x2.eu-central-1.rds.amazonaws.com";
        for ep in [rds, https] {
            let (external, by) = judge(ep, Some("aws:eu-central-1"));
            assert!(!external, "{ep}: {by:?}");
            assert!(matches!(&by, ExternalBy::CloudAccount { provider, .. } if provider == "aws"), "{by:?}");
        }
        // Another region than the one declared, another provider, or no region: external.
        assert!(judge(https, Some("aws:us-east-1")).0);
        assert!(judge(https, Some("azure:westeurope")).0);
        assert!(judge(https, None).0);
        // A look-alike host is no cloud endpoint.
        assert!(judge("https://eu-central-1.rds.amazonaws.com.evil.example", Some("aws:eu-central-1")).0);
        assert!(judge("https://xeu-central-1.rds.amazonaws.com", Some("aws:eu-central-1")).0);
        // Without the provider among the tenant's accounts, its endpoints are external.
        let mut cloud = (*CloudEndpoints::bundled()).clone();
        cloud.cloud_accounts.retain(|p| p != "aws");
        let suffixes = ParseOptions::default().internal_suffixes;
        assert!(judge_endpoint(Some(https), Some("aws:eu-central-1"), Some("acme.example"), &suffixes, &cloud).0);
    }

    #[test]
    fn each_judgement_says_why_and_what_would_change_it() {
        let (external, by) = judge("https://api.partner.example/v1", None);
        assert!(external);
        assert_eq!(
            by.reason(external),
            "reaches api.partner.example, which is not under the owner's domain, an internal suffix or a cloud endpoint of its region"
        );
        assert!(by.remedy(external).contains("internal_domain_suffixes"));
        let (external, by) = judge("https://db.corp", None);
        assert_eq!(by.reason(external), "is under the internal suffix .corp");
        assert_eq!(by.remedy(external), "");
    }
}
