//! The manifest scan: every egress entry and connector endpoint, normalized, as findings.

use super::normalize::scan_raw;
use super::{EgressIssue, HostKind, IpClass, NormalizedUrl};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::net::IpAddr;

/// One egress URL of the manifest, normalized, for the policy input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EgressFinding {
    /// JSON pointer of the URL in the manifest (`/spec/egress/0`,
    /// `/spec/connectors/2/endpoint`).
    pub path: String,
    /// A declared `spec.egress` entry (held to every egress rule), not a connector endpoint.
    pub declared: bool,
    /// The URL serialized without credentials; `null` when unparseable.
    pub url: Option<String>,
    /// Lowercase scheme.
    pub scheme: Option<String>,
    /// Canonical host (see [`NormalizedUrl::host`]).
    pub host: Option<String>,
    /// Effective port.
    pub port: Option<u16>,
    /// URL path (named `url_path` so it does not clash with the pointer).
    pub url_path: Option<String>,
    /// Effective IP of an IP-literal host (IPv4 unwrapped from IPv6).
    pub ip: Option<String>,
    /// Class of `ip`, or of the address a wildcard-DNS name stands for
    /// (`10.0.0.1.nip.io`, `localtest.me`); `null` for other DNS names.
    pub ip_class: Option<IpClass>,
    /// DNS name, IPv4 or IPv6.
    pub host_kind: Option<HostKind>,
    /// A cloud metadata endpoint.
    pub metadata: bool,
    /// Everything odd about the URL.
    pub issues: Vec<EgressIssue>,
}

impl EgressFinding {
    /// The finding for `input` found at `path`.
    pub fn from_input(path: String, input: &str) -> EgressFinding {
        let declared = path.starts_with("/spec/egress/");
        match NormalizedUrl::parse(input) {
            Ok(n) => EgressFinding {
                path,
                declared,
                url: Some(n.as_str().to_string()),
                scheme: Some(n.scheme().to_string()),
                host: Some(n.host().to_string()),
                port: n.port,
                url_path: Some(n.path().to_string()),
                ip: n.ip.map(|a| a.to_string()),
                ip_class: n.ip_class,
                host_kind: n.host_kind,
                metadata: n.metadata,
                issues: n.issues,
            },
            Err(issue) => {
                let mut issues = Vec::new();
                scan_raw(input, &mut issues);
                issues.push(issue);
                issues.sort_unstable();
                issues.dedup();
                EgressFinding {
                    path,
                    declared,
                    url: None,
                    scheme: None,
                    host: None,
                    port: None,
                    url_path: None,
                    ip: None,
                    ip_class: None,
                    host_kind: None,
                    metadata: false,
                    issues,
                }
            }
        }
    }
}

/// The parts of a URL the platform's egress rules look at, from a parsed
/// URL or from its finding.
#[derive(Debug, Clone, Copy)]
pub struct UrlFacts<'a> {
    /// Lowercase scheme; `None` when the URL did not parse.
    pub scheme: Option<&'a str>,
    /// Canonical host; `None` when absent.
    pub host: Option<&'a str>,
    /// Effective port.
    pub port: Option<u16>,
    /// Effective IP of an IP-literal host.
    pub ip: Option<IpAddr>,
    /// Class of `ip`.
    pub ip_class: Option<IpClass>,
    /// A cloud metadata endpoint.
    pub metadata: bool,
    /// Everything odd about the URL.
    pub issues: &'a [EgressIssue],
}

impl<'a> UrlFacts<'a> {
    /// The facts of a parsed URL.
    pub fn of_url(u: &'a NormalizedUrl) -> UrlFacts<'a> {
        UrlFacts {
            scheme: Some(u.scheme()),
            host: Some(u.host()).filter(|h| !h.is_empty()),
            port: u.port(),
            ip: u.ip(),
            ip_class: u.ip_class(),
            metadata: u.is_metadata(),
            issues: u.issues(),
        }
    }

    /// The facts of a detector finding.
    pub fn of_finding(f: &'a EgressFinding) -> UrlFacts<'a> {
        UrlFacts {
            scheme: f.scheme.as_deref(),
            host: f.host.as_deref().filter(|h| !h.is_empty()),
            port: f.port,
            ip: f.ip.as_deref().and_then(|ip| ip.parse().ok()),
            ip_class: f.ip_class,
            metadata: f.metadata,
            issues: &f.issues,
        }
    }
}

/// Every URL in `/spec/egress/*` (strings, or objects with a `url`) and every
/// `/spec/connectors/*/endpoint`.
pub fn scan(manifest: &Value) -> Vec<EgressFinding> {
    let mut out = Vec::new();
    if let Some(items) = manifest.pointer("/spec/egress").and_then(Value::as_array) {
        for (i, item) in items.iter().enumerate() {
            match item {
                Value::String(s) => out.push(EgressFinding::from_input(format!("/spec/egress/{i}"), s)),
                Value::Object(m) => {
                    if let Some(s) = m.get("url").and_then(Value::as_str) {
                        out.push(EgressFinding::from_input(format!("/spec/egress/{i}/url"), s));
                    }
                }
                _ => {}
            }
        }
    }
    if let Some(items) = manifest.pointer("/spec/connectors").and_then(Value::as_array) {
        for (i, c) in items.iter().enumerate() {
            if let Some(s) = c.get("endpoint").and_then(Value::as_str) {
                out.push(EgressFinding::from_input(format!("/spec/connectors/{i}/endpoint"), s));
            }
        }
    }
    out
}

/// [`scan`] of a validated manifest, without building its JSON value: the same
/// findings as `scan(&manifest.to_value())`.
pub fn scan_manifest(manifest: &crate::Manifest) -> Vec<EgressFinding> {
    let spec = &manifest.spec;
    let egress = spec.egress.iter().enumerate().map(|(i, s)| EgressFinding::from_input(format!("/spec/egress/{i}"), s));
    let endpoints = spec.connectors.iter().enumerate().filter_map(|(i, c)| {
        let s = c.endpoint.as_deref()?;
        Some(EgressFinding::from_input(format!("/spec/connectors/{i}/endpoint"), s))
    });
    egress.chain(endpoints).collect()
}
