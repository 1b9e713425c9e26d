//! Runtime egress checks: the hot path, no Rego.
//!
//! The same data and normalization as the egress policy: a URL is allowed
//! only when it matches one of the app's declared `spec.egress` entries
//! (scheme, canonical host and port equal; the entry's path a prefix at a
//! segment boundary) and the platform policy (bundle data
//! `data.microgov.egress`) allows that entry and the URL itself.

use crate::detect::egress::{classify_ip, host_matches, match_declared, IpClass, NormalizedUrl, UrlFacts};
use crate::Manifest;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// The platform's egress rules (bundle data `microgov.egress`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
pub struct EgressPolicy {
    /// Host patterns allowed (`api.example.com`, `*.example.com`); empty: any public host.
    #[serde(default)]
    pub allow: Vec<String>,
    /// Host patterns denied; the deny-list wins over the allow-list.
    #[serde(default)]
    pub deny: Vec<String>,
    /// Allowed schemes.
    #[serde(default)]
    pub allowed_schemes: Vec<String>,
    /// Allowed ports.
    #[serde(default)]
    pub allowed_ports: Vec<u16>,
    /// Internal IPs allowed by exact address.
    #[serde(default)]
    pub ip_exceptions: Vec<String>,
    /// IP classes that are never reachable (loopback, private ...).
    #[serde(default)]
    pub internal_ip_classes: Vec<String>,
    /// URL issues that make a URL suspicious.
    #[serde(default)]
    pub suspicious_issues: Vec<String>,
}

/// The stable code of an egress verdict, the worst reason first. Written in snake case
/// on the wire (`internal_address`), as [`EgressCode::as_str`] gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EgressCode {
    /// The call may go out.
    Allowed,
    /// Not a URL.
    Unparseable,
    /// The name resolved to no address ([`EgressGuard::check_resolved`] with none).
    Unresolved,
    /// A loopback, private, link-local, metadata or other internal address, or a
    /// local name: the URL's own host or an address it resolved to.
    InternalAddress,
    /// Written to make parsers disagree (credentials, backslashes, homographs ...).
    SuspiciousUrl,
    /// A scheme the platform does not allow.
    NonHttps,
    /// A port the platform does not allow.
    PortNotAllowed,
    /// A host on the platform's deny-list.
    DeniedHost,
    /// A host not on the platform's allow-list.
    HostNotAllowed,
    /// A declared scheme, host and port, but a path outside every declared prefix.
    PathNotDeclared,
    /// Not among the app's declared egress.
    NotDeclared,
}

impl EgressCode {
    /// The code as written on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            EgressCode::Allowed => "allowed",
            EgressCode::Unparseable => "unparseable",
            EgressCode::Unresolved => "unresolved",
            EgressCode::InternalAddress => "internal_address",
            EgressCode::SuspiciousUrl => "suspicious_url",
            EgressCode::NonHttps => "non_https",
            EgressCode::PortNotAllowed => "port_not_allowed",
            EgressCode::DeniedHost => "denied_host",
            EgressCode::HostNotAllowed => "host_not_allowed",
            EgressCode::PathNotDeclared => "path_not_declared",
            EgressCode::NotDeclared => "not_declared",
        }
    }

    /// The code of a platform problem (`Problem::code`).
    fn of_problem(code: &str) -> EgressCode {
        match code {
            "internal_address" => EgressCode::InternalAddress,
            "suspicious_url" => EgressCode::SuspiciousUrl,
            "non_https" => EgressCode::NonHttps,
            "port_not_allowed" => EgressCode::PortNotAllowed,
            "denied_host" => EgressCode::DeniedHost,
            _ => EgressCode::HostNotAllowed,
        }
    }
}

impl std::fmt::Display for EgressCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<str> for EgressCode {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for EgressCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// The answer of an egress check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EgressVerdict {
    /// Whether the call may go out.
    pub allowed: bool,
    /// Stable code, the worst reason first.
    pub code: EgressCode,
    /// One line on why.
    pub reason: String,
    /// The declared entry that matched, when allowed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matched: Option<String>,
    /// The address to connect to, when allowed by [`EgressGuard::check_resolved`]: the
    /// first of the checked addresses. Dial it, not the name again (a second lookup
    /// may answer otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<IpAddr>,
}

impl EgressVerdict {
    fn deny(code: EgressCode, reason: String) -> EgressVerdict {
        EgressVerdict { allowed: false, code, reason, matched: None, address: None }
    }
}

/// One reason the platform refuses a URL: a stable code (`internal_address`,
/// `suspicious_url`, `non_https`, `port_not_allowed`, `denied_host`,
/// `host_not_allowed`) and what is at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub code: &'static str,
    /// The issue code, scheme, port, address class or matched pattern.
    pub detail: String,
}

impl EgressPolicy {
    /// Reads the policy from a data document holding `microgov.egress`.
    ///
    /// Each `ip_exceptions` entry must be an IP address in its canonical text
    /// (`10.0.0.5`, `fd00::1`, as RFC 5952 writes IPv6): the Rego rule compares the
    /// URL's canonical address with it as text, and so does the native check.
    pub fn from_data(doc: &serde_json::Value) -> Result<EgressPolicy, serde_json::Error> {
        use serde::de::Error as _;
        let policy: EgressPolicy =
            serde_json::from_value(doc.pointer("/microgov/egress").cloned().unwrap_or_else(|| serde_json::json!({})))?;
        for e in &policy.ip_exceptions {
            match e.parse::<std::net::IpAddr>() {
                Ok(ip) if ip.to_string() == *e => {}
                Ok(ip) => {
                    return Err(serde_json::Error::custom(format!(
                        "ip_exceptions: {e} is not written canonically (write {ip})"
                    )))
                }
                Err(_) => return Err(serde_json::Error::custom(format!("ip_exceptions: {e} is not an IP address"))),
            }
        }
        Ok(policy)
    }

    /// Why the platform refuses this URL, if it does (independent of the app).
    pub fn refuse(&self, url: &NormalizedUrl) -> Option<EgressVerdict> {
        let p = self.problems(&UrlFacts::of_url(url), true).into_iter().next()?;
        let reason = match p.code {
            "suspicious_url" => format!("{url} is suspicious: {}", p.detail),
            "non_https" => format!("scheme {} is not allowed (allowed: {})", p.detail, self.allowed_schemes.join(", ")),
            "port_not_allowed" => format!("port {} is not allowed", p.detail),
            "internal_address" => match p.detail.as_str() {
                "metadata" => format!("{} is a cloud metadata endpoint", url.host()),
                "local name" => format!("{} is a local name", url.host()),
                class => format!("{} is a {class} address", url.host()),
            },
            "denied_host" => format!("{} is denied by the platform ({})", url.host(), p.detail),
            _ => format!("{} is not on the platform allow-list", url.host()),
        };
        Some(EgressVerdict::deny(EgressCode::of_problem(p.code), reason))
    }

    /// The class of `ip` when the platform refuses to connect to it: a metadata address,
    /// or one of `internal_ip_classes`, unless `ip_exceptions` lists it.
    pub fn internal_class(&self, ip: IpAddr) -> Option<IpClass> {
        let c = classify_ip(ip);
        let excepted =
            self.ip_exceptions.iter().any(|e| e.parse::<IpAddr>().is_ok_and(|x| x == ip || x == c.effective));
        let internal = c.class == IpClass::Metadata || self.internal_ip_classes.iter().any(|x| x == c.class.as_str());
        (internal && !excepted).then_some(c.class)
    }

    /// Every reason the platform refuses a URL, worst first: internal or
    /// metadata address, suspicious writing, scheme, port, host. A
    /// declared egress entry (`declared`) is held to every rule; a
    /// connector endpoint may be private (an internal database) but never
    /// loopback, link-local, unspecified or a metadata service, and it
    /// still must not be written to confuse parsers.
    pub(crate) fn problems(&self, u: &UrlFacts<'_>, declared: bool) -> Vec<Problem> {
        let mut out = Vec::new();
        let mut push = |code, detail: String| out.push(Problem { code, detail });
        let excepted = u
            .ip
            .is_some_and(|ip| self.ip_exceptions.iter().any(|e| e.parse::<std::net::IpAddr>().is_ok_and(|x| x == ip)));
        if !declared {
            let class = u.ip_class.filter(|c| {
                matches!(c, IpClass::Loopback | IpClass::LinkLocal | IpClass::Metadata | IpClass::Unspecified)
            });
            if let Some(c) = class.filter(|_| !excepted) {
                push("internal_address", c.as_str().to_string());
            }
            for issue in u.issues.iter().filter(|i| self.suspicious_issues.iter().any(|s| s == i.code())) {
                push("suspicious_url", issue.code().to_string());
            }
            return out;
        }
        // Where the call would land outranks how it is written: a metadata or
        // internal address is the worst reason, whatever the scheme or port.
        let internal_class = u.ip_class.filter(|c| self.internal_ip_classes.iter().any(|x| x == c.as_str()));
        let localhost = u.issues.iter().any(|i| i.code() == "localhost_name");
        if !excepted && (u.metadata || internal_class.is_some() || localhost) {
            let what =
                if u.metadata { "metadata" } else { internal_class.map(IpClass::as_str).unwrap_or("local name") };
            push("internal_address", what.to_string());
        }
        for issue in u.issues.iter().filter(|i| self.suspicious_issues.iter().any(|s| s == i.code())) {
            push("suspicious_url", issue.code().to_string());
        }
        if let Some(scheme) =
            u.scheme.filter(|s| !self.allowed_schemes.is_empty() && !self.allowed_schemes.iter().any(|a| a == s))
        {
            push("non_https", scheme.to_string());
        }
        if let Some(port) = u.port.filter(|p| !self.allowed_ports.is_empty() && !self.allowed_ports.contains(p)) {
            push("port_not_allowed", port.to_string());
        }
        if let Some(host) = u.host {
            if let Some(p) = self.deny.iter().find(|p| host_matches(p, host)) {
                push("denied_host", p.clone());
            } else if !self.allow.is_empty() && !self.allow.iter().any(|p| host_matches(p, host)) {
                push("host_not_allowed", String::new());
            }
        }
        out
    }
}

/// An app's egress entries, parsed and checked once, for fast runtime checks.
#[derive(Debug, Clone)]
pub struct EgressGuard {
    policy: std::sync::Arc<EgressPolicy>,
    declared: Vec<NormalizedUrl>,
    /// For each declared entry: why the platform refuses it, if it does.
    refused: Vec<Option<EgressVerdict>>,
}

impl EgressGuard {
    /// Prepares the guard for one app.
    pub fn new(policy: std::sync::Arc<EgressPolicy>, app: &Manifest) -> EgressGuard {
        let mut declared = Vec::new();
        let mut refused = Vec::new();
        for e in &app.spec.egress {
            if let Ok(n) = NormalizedUrl::parse(e) {
                refused.push(policy.refuse(&n));
                declared.push(n);
            }
        }
        EgressGuard { policy, declared, refused }
    }

    /// Whether the app may call `url` now.
    pub fn check(&self, url: &str) -> EgressVerdict {
        let n = match NormalizedUrl::parse(url) {
            Ok(n) => n,
            Err(issue) => return EgressVerdict::deny(EgressCode::Unparseable, format!("not a URL: {}", issue.code())),
        };
        if let Some(v) = self.policy.refuse(&n) {
            return v;
        }
        match match_declared(&self.declared, &n) {
            None => self.undeclared(&n),
            Some(i) => match self.refused.get(i).cloned().flatten() {
                Some(mut v) => {
                    v.reason = format!("declared entry {} is refused: {}", self.declared[i], v.reason);
                    v
                }
                None => EgressVerdict {
                    allowed: true,
                    code: EgressCode::Allowed,
                    reason: format!("matches declared egress {}", self.declared[i]),
                    matched: Some(self.declared[i].to_string()),
                    address: None,
                },
            },
        }
    }

    /// Whether the app may connect to `url` at the addresses its host resolved to: the
    /// verdict of [`check`](Self::check), then every address classed (IPv4 inside IPv6
    /// unwrapped: mapped, compatible, NAT64, 6to4) and refused as `internal_address`
    /// when its class is internal under the platform's `internal_ip_classes` (a
    /// metadata address always) and it is not among `ip_exceptions`. Refused when any
    /// address is internal, so a name that answers one public and one internal
    /// address (DNS rebinding) does not pass; `unresolved` when there is none. When
    /// allowed, `address` is the first address: connect to it, not to the name.
    ///
    /// ```
    /// # let engine = microgov::Engine::new().unwrap();
    /// # let app = engine.parse_manifest("apiVersion: microgov.dev/v1\nkind: MicroApp\nmetadata:\n  name: t\n  owner: a@acme.example\n  createdAt: 2026-11-01T09:00:00Z\nspec:\n  egress: [https://api.example.com]\n").unwrap();
    /// let guard = engine.egress_guard(&app);
    /// let metadata = "169.254.169.254".parse().unwrap();
    /// let v = guard.check_resolved("https://api.example.com/v1", &[metadata]);
    /// assert_eq!(v.code, "internal_address");
    /// let public = "93.184.215.14".parse().unwrap();
    /// assert_eq!(guard.check_resolved("https://api.example.com/v1", &[public]).address, Some(public));
    /// ```
    pub fn check_resolved(&self, url: &str, addresses: &[IpAddr]) -> EgressVerdict {
        let mut v = self.check(url);
        if !v.allowed {
            return v;
        }
        let host = NormalizedUrl::parse(url).map(|n| n.host().to_string()).unwrap_or_default();
        let a = self.check_addresses(&host, addresses);
        if !a.allowed {
            return a;
        }
        v.address = a.address;
        v
    }

    /// The address half of [`check_resolved`](Self::check_resolved), for a resolver
    /// hook that sees a host name but not the URL (`reqwest`'s `Resolve`, a Node
    /// `lookup`): `internal_address` when any of `addresses` is internal, `unresolved`
    /// when there is none, else allowed with `address` the first one. Check the URL
    /// itself with [`check`](Self::check) before the request.
    pub fn check_addresses(&self, host: &str, addresses: &[IpAddr]) -> EgressVerdict {
        let Some(&first) = addresses.first() else {
            return EgressVerdict::deny(EgressCode::Unresolved, format!("{host} resolved to no address"));
        };
        for &ip in addresses {
            if let Some(class) = self.policy.internal_class(ip) {
                let what = if class == IpClass::Metadata {
                    "a cloud metadata endpoint".to_string()
                } else {
                    format!("a {} address", class.as_str())
                };
                return EgressVerdict::deny(EgressCode::InternalAddress, format!("{host} resolves to {ip}, {what}"));
            }
        }
        EgressVerdict {
            allowed: true,
            code: EgressCode::Allowed,
            reason: format!("{host} resolves to no internal address"),
            matched: None,
            address: Some(first),
        }
    }

    /// Whether the app may follow a redirect from `from` to `to` (absolute, or relative
    /// to `from` as a `Location` header may be): the verdict of
    /// [`check`](Self::check) on the target, its reason naming the hop. Call it for
    /// every hop, then [`check_resolved`](Self::check_resolved) on the address the
    /// target resolves to.
    pub fn check_redirect(&self, from: &str, to: &str) -> EgressVerdict {
        let target = match url::Url::parse(to) {
            Ok(u) => u.to_string(),
            Err(url::ParseError::RelativeUrlWithoutBase) => match url::Url::parse(from).and_then(|b| b.join(to)) {
                Ok(u) => u.to_string(),
                Err(_) => return EgressVerdict::deny(EgressCode::Unparseable, format!("redirect to {to}: not a URL")),
            },
            Err(_) => return EgressVerdict::deny(EgressCode::Unparseable, format!("redirect to {to}: not a URL")),
        };
        let mut v = self.check(&target);
        v.reason = format!("redirect to {target}: {}", v.reason);
        v
    }

    /// The verdict for a URL no declared entry allows: `path_not_declared`
    /// naming the prefixes when an entry has the URL's scheme, host and port
    /// (only the path is outside), `not_declared` otherwise.
    fn undeclared(&self, n: &NormalizedUrl) -> EgressVerdict {
        let host = n.host();
        let prefixes: Vec<&str> = self
            .declared
            .iter()
            .filter(|d| {
                !host.is_empty()
                    && d.port() == n.port()
                    && d.scheme() == n.scheme()
                    && !d.host().is_empty()
                    && host_matches(d.host(), host)
            })
            .map(|d| if d.path().is_empty() { "/" } else { d.path() })
            .collect();
        match prefixes.as_slice() {
            [] => {
                EgressVerdict::deny(EgressCode::NotDeclared, format!("{host} is not among the app's declared egress"))
            }
            [one] => EgressVerdict::deny(
                EgressCode::PathNotDeclared,
                format!("path {} on {host} is outside the declared prefix {one}", n.path()),
            ),
            many => EgressVerdict::deny(
                EgressCode::PathNotDeclared,
                format!("path {} on {host} is outside the declared prefixes {}", n.path(), many.join(", ")),
            ),
        }
    }
}
