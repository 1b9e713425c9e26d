//! Parsing and canonicalizing one URL: the WHATWG parse, the raw-text tricks it hides, the
//! canonical host, and the DNS-name issues.

use super::homograph::{looks_homograph, punycode_decode};
use super::ip::classify_ip;
use super::{EgressIssue, HostKind, IpClass, NormalizedUrl};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use url::{Host, Url};

impl fmt::Display for NormalizedUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.url.as_str())
    }
}

impl NormalizedUrl {
    /// Parses and canonicalizes `input`. Fails only when no WHATWG parser would accept
    /// it ([`EgressIssue::Unparseable`]); every other oddity is on [`Self::issues`].
    pub fn parse(input: &str) -> Result<NormalizedUrl, EgressIssue> {
        let mut issues: Vec<EgressIssue> = Vec::new();
        scan_raw(input, &mut issues);
        let mut url = Url::parse(input).map_err(|e| match e {
            url::ParseError::EmptyHost => EgressIssue::EmptyHost,
            _ => EgressIssue::Unparseable,
        })?;
        if !url.username().is_empty() || url.password().is_some() {
            issues.push(EgressIssue::CredentialsInUrl);
            // Both fail only for URLs without a host, which carry no credentials.
            let _ = url.set_password(None);
            let _ = url.set_username("");
        }
        let scheme = url.scheme();
        if scheme != "https" && scheme != "wss" {
            issues.push(EgressIssue::NonHttps);
        }
        if scheme != "https" && scheme != "http" && DANGEROUS_SCHEMES.contains(&scheme) {
            issues.push(EgressIssue::DangerousScheme);
        }
        let port = url.port().or_else(|| default_port(scheme));
        // The host as written matters only for these rarer checks.
        let odd_bytes = !input.is_ascii() || input.as_bytes().contains(&b'%');
        if odd_bytes {
            let raw = raw_host(input);
            if raw.contains('%') {
                issues.push(EgressIssue::PercentEncodedHost);
            }
            if !raw.is_ascii() {
                issues.push(EgressIssue::NonAsciiHost);
            }
        }

        let (host_kind, addr, mut canon) = canonical_host(&url);
        let mut ip = None;
        let mut ip_class = None;
        let mut metadata = false;
        match (host_kind, addr) {
            (Some(kind), Some(a)) => {
                issues.push(EgressIssue::IpLiteral);
                if kind == HostKind::Ipv4 {
                    let canonical = canon.as_deref().or(url.host_str()).unwrap_or_default();
                    let written = raw_host(input).trim_start_matches('[').trim_end_matches(']');
                    if written != canonical {
                        issues.push(EgressIssue::NonCanonicalIp);
                    }
                }
                let c = classify_ip(a);
                if c.embedded {
                    issues.push(EgressIssue::EmbeddedIpv4);
                }
                ip = Some(c.effective);
                ip_class = Some(c.class);
                metadata = c.class == IpClass::Metadata;
            }
            (Some(_), None) => {
                let host = canon.as_deref().or(url.host_str()).unwrap_or_default();
                if let Some(stripped) = host.strip_suffix('.') {
                    if !stripped.is_empty() {
                        issues.push(EgressIssue::TrailingDot);
                        canon = Some(stripped.to_string());
                    }
                }
                let host = canon.as_deref().or(url.host_str()).unwrap_or_default();
                dns_issues(host, &mut issues);
                metadata = matches!(host.as_bytes().first(), Some(b'm' | b'i')) && METADATA_NAMES.contains(&host);
                // A wildcard-DNS name is classed as the address it stands for:
                // `169.254.169.254.nip.io` is the metadata service by another name.
                if let Some(a) = issues.contains(&EgressIssue::DnsIpAlias).then(|| alias_ip(host)).flatten() {
                    let c = classify_ip(a);
                    ip_class = Some(c.class);
                    metadata |= c.class == IpClass::Metadata;
                }
            }
            (None, _) => issues.push(EgressIssue::EmptyHost),
        }
        if let Some(c) = &canon {
            // Keep the serialization in step with the canonical host (trailing dot,
            // hosts of non-special schemes); then the URL itself holds it.
            if url.set_host(Some(c)).is_ok() && url.host_str() == Some(c.as_str()) {
                canon = None;
            }
        }

        let path = url.path();
        if path.contains('%')
            && (path.contains("%2f") || path.contains("%2F") || path.contains("%5c") || path.contains("%5C"))
        {
            issues.push(EgressIssue::EncodedPathSeparator);
        }
        let backslash = issues.contains(&EgressIssue::Backslash);
        if url.fragment().is_some_and(|f| f.contains('@'))
            || url.query().is_some_and(|q| q.starts_with('@'))
            || (backslash && path.contains('@'))
        {
            issues.push(EgressIssue::AmbiguousAuthority);
        }
        issues.sort_unstable();
        issues.dedup();
        Ok(NormalizedUrl {
            url,
            host: canon.map(String::into_boxed_str),
            host_kind,
            port,
            ip,
            ip_class,
            metadata,
            issues,
        })
    }

    /// The URL serialized without credentials.
    pub fn as_str(&self) -> &str {
        self.url.as_str()
    }
    /// Lowercase scheme (`https`).
    pub fn scheme(&self) -> &str {
        self.url.scheme()
    }
    /// Canonical host: lowercase, IDNA, no trailing dot; IPv4 as a dotted quad, IPv6 in
    /// brackets (`[::1]`). Empty when the URL has no host.
    pub fn host(&self) -> &str {
        match &self.host {
            Some(h) => h,
            None => self.url.host_str().unwrap_or_default(),
        }
    }
    /// DNS name or IP literal; `None` without a host.
    pub fn host_kind(&self) -> Option<HostKind> {
        self.host_kind
    }
    /// Effective port: explicit, or the scheme's default (`None` when unknown).
    pub fn port(&self) -> Option<u16> {
        self.port
    }
    /// Path after WHATWG normalization (dot segments resolved, percent-encoded).
    pub fn path(&self) -> &str {
        self.url.path()
    }
    /// The effective IP of an IP-literal host (IPv4 unwrapped from IPv6).
    pub fn ip(&self) -> Option<IpAddr> {
        self.ip
    }
    /// Class of [`Self::ip`]; `None` for DNS names.
    pub fn ip_class(&self) -> Option<IpClass> {
        self.ip_class
    }
    /// A cloud metadata endpoint, by IP or by well-known name.
    pub fn is_metadata(&self) -> bool {
        self.metadata
    }
    /// Everything odd about the URL, sorted, without duplicates.
    pub fn issues(&self) -> &[EgressIssue] {
        &self.issues
    }
    /// Whether `issue` is among [`Self::issues`].
    pub fn has_issue(&self, issue: EgressIssue) -> bool {
        self.issues.contains(&issue)
    }
}

#[rustfmt::skip]
const DANGEROUS_SCHEMES: &[&str] = &[
    "file", "gopher", "dict", "tftp", "jar", "netdoc", "javascript", "data", "vbscript", "phar",
    "php", "expect", "blob", "view-source", "ldap", "ldaps",
];

/// Default ports beyond the WHATWG special schemes, for connector endpoints.
fn default_port(scheme: &str) -> Option<u16> {
    Some(match scheme {
        "http" | "ws" => 80,
        "https" | "wss" => 443,
        "ftp" => 21,
        "postgres" | "postgresql" => 5432,
        "mysql" | "mariadb" => 3306,
        "mongodb" => 27017,
        "redis" | "rediss" => 6379,
        "amqp" => 5672,
        "amqps" => 5671,
        "mssql" | "sqlserver" => 1433,
        "ldap" => 389,
        "ldaps" => 636,
        "smtp" => 25,
        "smtps" => 465,
        "ssh" | "sftp" => 22,
        "nats" => 4222,
        "mqtt" => 1883,
        "mqtts" => 8883,
        "kafka" => 9092,
        "grpc" => 80,
        "grpcs" => 443,
        "cassandra" => 9042,
        "clickhouse" => 9000,
        "neo4j" | "bolt" => 7687,
        "oracle" => 1521,
        "gopher" => 70,
        "dict" => 2628,
        "tftp" => 69,
        _ => return None,
    })
}

/// Raw-input checks: characters WHATWG drops silently, and backslashes.
pub(super) fn scan_raw(input: &str, issues: &mut Vec<EgressIssue>) {
    let b = input.as_bytes();
    if b.first().is_some_and(|&c| c <= b' ') || b.last().is_some_and(|&c| c <= b' ') {
        issues.push(EgressIssue::Whitespace);
    }
    if b.iter().any(|&c| c < 0x20 || c == 0x7f || c == b'\\') {
        if b.iter().any(|&c| c < 0x20 || c == 0x7f) {
            issues.push(EgressIssue::ControlCharacters);
        }
        if b.contains(&b'\\') {
            issues.push(EgressIssue::Backslash);
        }
    }
    if !input.is_ascii()
        && input.chars().any(|c| {
            matches!(c, '\u{80}'..='\u{9f}' | '\u{ad}' | '\u{34f}' | '\u{180e}' | '\u{200b}'..='\u{200f}'
                | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
        })
        && !issues.contains(&EgressIssue::ControlCharacters)
    {
        issues.push(EgressIssue::ControlCharacters);
    }
}

/// The host as written: after the scheme and any slashes or backslashes, before the
/// path, query or fragment, after the last `@`, without the port.
fn raw_host(input: &str) -> &str {
    let s = input.trim_matches(|c: char| c <= ' ');
    let Some(colon) = s.find(':') else {
        return "";
    };
    let after = s.get(colon + 1..).unwrap_or_default();
    let after = after.trim_start_matches(['/', '\\']);
    let end = after.find(['/', '\\', '?', '#']).unwrap_or(after.len());
    let authority = after.get(..end).unwrap_or_default();
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if hostport.starts_with('[') {
        return hostport.find(']').and_then(|i| hostport.get(..=i)).unwrap_or(hostport);
    }
    hostport.rsplit_once(':').map_or(hostport, |(h, _)| h)
}

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Kind and address of the host, and the canonical host string when it differs from
/// the URL's own host (hosts of non-special schemes).
fn canonical_host(url: &Url) -> (Option<HostKind>, Option<IpAddr>, Option<String>) {
    match url.host() {
        None | Some(Host::Domain("")) => (None, None, None),
        Some(Host::Ipv4(a)) => (Some(HostKind::Ipv4), Some(IpAddr::V4(a)), None),
        Some(Host::Ipv6(a)) => (Some(HostKind::Ipv6), Some(IpAddr::V6(a)), None),
        Some(Host::Domain(_)) if is_special(url.scheme()) => (Some(HostKind::Dns), None, None),
        // Opaque host of a non-special scheme: give it the special-scheme host parser
        // (IDNA, lowercase, every IPv4 form) so `postgres://0x7f.1` is 127.0.0.1 too.
        Some(Host::Domain(d)) => match percent_decode(d).as_deref().map(Host::parse) {
            Some(Ok(Host::Ipv4(a))) => (Some(HostKind::Ipv4), Some(IpAddr::V4(a)), Some(a.to_string())),
            Some(Ok(Host::Ipv6(a))) => (Some(HostKind::Ipv6), Some(IpAddr::V6(a)), Some(ipv6_host(a))),
            Some(Ok(Host::Domain(c))) => (Some(HostKind::Dns), None, Some(c)),
            _ => (Some(HostKind::Dns), None, Some(d.to_ascii_lowercase())),
        },
    }
}

/// WHATWG serialization: bracketed, always hexadecimal (`[::ffff:7f00:1]`, where the
/// standard library would print `::ffff:127.0.0.1`).
fn ipv6_host(a: Ipv6Addr) -> String {
    Host::<String>::Ipv6(a).to_string()
}

fn is_special(scheme: &str) -> bool {
    matches!(scheme, "http" | "https" | "ws" | "wss" | "ftp" | "file")
}

#[rustfmt::skip]
const METADATA_NAMES: &[&str] = &[
    "metadata.google.internal", "metadata.goog", "metadata", "instance-data",
    "instance-data.ec2.internal", "metadata.tencentyun.com", "metadata.platformequinix.com",
    "metadata.packet.net",
];

/// Last labels that only resolve inside a private network.
#[rustfmt::skip]
const INTERNAL_TLDS: &[&str] = &[
    "local", "internal", "localdomain", "lan", "intranet", "corp", "private", "home", "svc",
];

/// Wildcard DNS services that answer with the IP written in the name.
#[rustfmt::skip]
const DNS_IP_ALIASES: &[&str] = &[
    "nip.io", "sslip.io", "xip.io", "traefik.me", "localtest.me", "lvh.me", "vcap.me",
    "lacolhost.com", "localh.st", "fbi.com",
];

/// The services of [`DNS_IP_ALIASES`] that answer 127.0.0.1 for every name.
const LOOPBACK_ALIASES: &[&str] = &["localtest.me", "lvh.me", "vcap.me", "lacolhost.com", "localh.st"];

/// The address a wildcard-DNS name stands for: loopback for the services that
/// always answer it, else the address written in the name as these services
/// read it: the last four labels (`app.10.0.0.1.nip.io`), the last four
/// dash-separated parts of the first label (`app-10-0-0-1.sslip.io`), eight
/// hex digits (`app-0a000001.nip.io`), or an IPv6 address with dashes for
/// colons (`--1.sslip.io`, `2a01-4f8--2.sslip.io`).
pub(super) fn alias_ip(host: &str) -> Option<IpAddr> {
    let service =
        DNS_IP_ALIASES.iter().find(|d| host == **d || host.strip_suffix(**d).is_some_and(|r| r.ends_with('.')))?;
    if LOOPBACK_ALIASES.contains(service) {
        return Some(IpAddr::V4(Ipv4Addr::LOCALHOST));
    }
    let name = host.strip_suffix(service)?.strip_suffix('.')?;
    let quad = |p: &[&str]| format!("{}.{}.{}.{}", p[3], p[2], p[1], p[0]).parse::<Ipv4Addr>().ok().map(IpAddr::V4);
    let labels: Vec<&str> = name.rsplit('.').take(4).collect();
    if let Some(a) = labels.get(..4).and_then(quad) {
        return Some(a);
    }
    let last = labels.first()?;
    let parts: Vec<&str> = last.rsplit('-').take(4).collect();
    if let Some(a) = parts.get(..4).and_then(quad) {
        return Some(a);
    }
    let hex = parts.first()?;
    if hex.len() == 8 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return u32::from_str_radix(hex, 16).ok().map(|n| IpAddr::V4(Ipv4Addr::from(n)));
    }
    last.replace('-', ":").parse::<Ipv6Addr>().ok().map(IpAddr::V6)
}

/// Issues of a canonical (lowercase) DNS name.
fn dns_issues(host: &str, issues: &mut Vec<EgressIssue>) {
    let (rest, last) = host.rsplit_once('.').unwrap_or(("", host));
    if last == "localhost" || host == "localhost.localdomain" {
        issues.push(EgressIssue::LocalhostName);
    } else if rest.is_empty() || INTERNAL_TLDS.contains(&last) || host.ends_with(".home.arpa") {
        issues.push(EgressIssue::InternalName);
    }
    if matches!(last, "io" | "me" | "com" | "st")
        && DNS_IP_ALIASES
            .iter()
            .any(|d| host == *d || (host.ends_with(d) && host.as_bytes().get(host.len() - d.len() - 1) == Some(&b'.')))
    {
        issues.push(EgressIssue::DnsIpAlias);
    }
    let b = host.as_bytes();
    if b.contains(&b'*') {
        issues.push(EgressIssue::WildcardHost);
    }
    let idn = b.starts_with(b"xn--") || b.windows(5).any(|w| w == b".xn--");
    if idn {
        for label in host.split('.') {
            let Some(puny) = label.strip_prefix("xn--") else {
                continue;
            };
            issues.push(EgressIssue::Idn);
            match punycode_decode(puny) {
                Some(chars) if !looks_homograph(&chars) => {}
                // A label that does not decode is suspicious by itself.
                _ => issues.push(EgressIssue::IdnHomograph),
            }
        }
    }
}
