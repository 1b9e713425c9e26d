//! Egress URLs: parsed once as browsers do (WHATWG, via the `url` crate), then
//! canonicalized and classified so that policy sees the host a client would connect to.
//!
//! * Canonical host: lowercase, IDNA (`bücher.example` → `xn--bcher-kva.example`), one
//!   trailing dot dropped. Hosts of non-special schemes (`postgres://`) get the same
//!   host parsing as `https://`.
//! * IP literals in every IPv4 form WHATWG accepts (`2130706433`, `0177.0.0.1`,
//!   `0x7f.1`, `127.1`, `%31%32%37.0.0.1`, fullwidth digits) come out as dotted quads;
//!   IPv4 inside IPv6 (mapped, compatible, NAT64, 6to4) is unwrapped before the
//!   address is classified.
//! * Tricks that make one reader see another host (`https://good@evil`, `#@good`,
//!   backslashes, tabs and newlines that WHATWG silently drops, invisible characters)
//!   become issues on the result: never a panic.
//!
//! [`NormalizedUrl`], [`host_matches`] and [`match_declared`] are the building blocks of
//! the runtime egress check.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};
use serde_json::Value;
use url::{Host, Url};

use super::text::ends_with_ci;

/// What kind of host a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HostKind {
    /// A DNS name.
    Dns,
    /// An IPv4 literal (in any of its textual forms).
    Ipv4,
    /// An IPv6 literal.
    Ipv6,
}

/// Address class of an IP literal (after unwrapping IPv4 embedded in IPv6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IpClass {
    /// 127.0.0.0/8, ::1.
    Loopback,
    /// RFC 1918 (10/8, 172.16/12, 192.168/16) and deprecated IPv6 site-local.
    Private,
    /// 169.254/16, fe80::/10.
    LinkLocal,
    /// Carrier-grade NAT, 100.64/10.
    Cgnat,
    /// IPv6 unique-local, fc00::/7.
    UniqueLocal,
    /// A cloud instance-metadata endpoint (169.254.169.254, fd00:ec2::254, ...).
    Metadata,
    /// 224/4, ff00::/8.
    Multicast,
    /// 0.0.0.0/8, `::`.
    Unspecified,
    /// Documentation, benchmarking, reserved and other special-purpose ranges.
    Reserved,
    /// Globally routable.
    Public,
}

impl IpClass {
    /// The class as written in findings and data (`link_local`).
    pub fn as_str(self) -> &'static str {
        match self {
            IpClass::Loopback => "loopback",
            IpClass::Private => "private",
            IpClass::LinkLocal => "link_local",
            IpClass::Cgnat => "cgnat",
            IpClass::UniqueLocal => "unique_local",
            IpClass::Metadata => "metadata",
            IpClass::Multicast => "multicast",
            IpClass::Unspecified => "unspecified",
            IpClass::Reserved => "reserved",
            IpClass::Public => "public",
        }
    }
}

/// Something odd about an egress URL. `parse` returns one as its error when the URL
/// cannot be parsed at all; the others are collected on [`NormalizedUrl::issues`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum EgressIssue {
    /// Not a URL a WHATWG parser accepts.
    #[error("url cannot be parsed")]
    Unparseable,
    /// The URL has no host.
    #[error("url has no host")]
    EmptyHost,
    /// ASCII control characters (tab, newline, ...) or invisible Unicode formatting
    /// characters, which parsers drop or map silently.
    #[error("url contains control or invisible characters")]
    ControlCharacters,
    /// Leading or trailing whitespace.
    #[error("url has leading or trailing whitespace")]
    Whitespace,
    /// A backslash, which WHATWG reads as `/` in special URLs but other parsers do not.
    #[error("url contains a backslash")]
    Backslash,
    /// A user name or password in the URL.
    #[error("url carries credentials")]
    CredentialsInUrl,
    /// An `@` after the host (`https://evil#@good`) that a naive reader takes for userinfo.
    #[error("url has an @ outside its userinfo")]
    AmbiguousAuthority,
    /// Scheme other than `https` / `wss`.
    #[error("url does not use https")]
    NonHttps,
    /// A scheme known from SSRF payloads (`file`, `gopher`, `dict`, `javascript`, ...).
    #[error("url uses a dangerous scheme")]
    DangerousScheme,
    /// The host is an IP literal.
    #[error("host is an ip literal")]
    IpLiteral,
    /// An IPv4 literal written in a non-canonical form (decimal, octal, hex, short, or
    /// with a trailing dot).
    #[error("ipv4 literal is not in dotted-decimal form")]
    NonCanonicalIp,
    /// IPv4 embedded in IPv6 (mapped, compatible, NAT64, 6to4); classified unwrapped.
    #[error("ipv6 literal embeds an ipv4 address")]
    EmbeddedIpv4,
    /// Percent-encoding inside the host.
    #[error("host is percent-encoded")]
    PercentEncodedHost,
    /// Non-ASCII characters in the host as written (IDNA-mapped to the canonical host).
    #[error("host contains non-ascii characters")]
    NonAsciiHost,
    /// An internationalized (punycode `xn--`) label.
    #[error("host has an internationalized label")]
    Idn,
    /// An internationalized label that mixes scripts or imitates Latin letters.
    #[error("host has a label that imitates another script")]
    IdnHomograph,
    /// The host ended with a dot (dropped in the canonical host).
    #[error("host has a trailing dot")]
    TrailingDot,
    /// `localhost`, `*.localhost`, `localhost.localdomain`.
    #[error("host is a localhost name")]
    LocalhostName,
    /// A single-label name or an internal-only suffix (`.local`, `.internal`, `.lan`, ...).
    #[error("host is an internal name")]
    InternalName,
    /// A wildcard DNS service that resolves names to embedded IPs (`127.0.0.1.nip.io`).
    #[error("host uses a wildcard dns service that maps names to ip addresses")]
    DnsIpAlias,
    /// A `*` in the host (a pattern, not a host).
    #[error("host contains a wildcard")]
    WildcardHost,
    /// `%2F` or `%5C` in the path: servers that decode them see other segments.
    #[error("path contains an encoded separator")]
    EncodedPathSeparator,
}

impl EgressIssue {
    /// Stable code, the same string as the JSON form (`credentials_in_url`).
    pub fn code(self) -> &'static str {
        use EgressIssue as I;
        match self {
            I::Unparseable => "unparseable",
            I::EmptyHost => "empty_host",
            I::ControlCharacters => "control_characters",
            I::Whitespace => "whitespace",
            I::Backslash => "backslash",
            I::CredentialsInUrl => "credentials_in_url",
            I::AmbiguousAuthority => "ambiguous_authority",
            I::NonHttps => "non_https",
            I::DangerousScheme => "dangerous_scheme",
            I::IpLiteral => "ip_literal",
            I::NonCanonicalIp => "non_canonical_ip",
            I::EmbeddedIpv4 => "embedded_ipv4",
            I::PercentEncodedHost => "percent_encoded_host",
            I::NonAsciiHost => "non_ascii_host",
            I::Idn => "idn",
            I::IdnHomograph => "idn_homograph",
            I::TrailingDot => "trailing_dot",
            I::LocalhostName => "localhost_name",
            I::InternalName => "internal_name",
            I::DnsIpAlias => "dns_ip_alias",
            I::WildcardHost => "wildcard_host",
            I::EncodedPathSeparator => "encoded_path_separator",
        }
    }
}

/// A parsed, canonicalized egress URL with its classification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NormalizedUrl {
    url: Url,
    /// The canonical host when the URL's own serialization cannot hold it; usually
    /// `None`, and the host is read from `url` (no allocation).
    host: Option<Box<str>>,
    host_kind: Option<HostKind>,
    port: Option<u16>,
    ip: Option<IpAddr>,
    ip_class: Option<IpClass>,
    metadata: bool,
    issues: Vec<EgressIssue>,
}

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
fn scan_raw(input: &str, issues: &mut Vec<EgressIssue>) {
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
fn alias_ip(host: &str) -> Option<IpAddr> {
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

// ---------------------------------------------------------------------------------
// IDN homographs
// ---------------------------------------------------------------------------------

/// RFC 3492 decoding of one label (without `xn--`).
fn punycode_decode(input: &str) -> Option<Vec<char>> {
    const BASE: u32 = 36;
    const TMIN: u32 = 1;
    const TMAX: u32 = 26;
    const SKEW: u32 = 38;
    const DAMP: u32 = 700;
    fn adapt(mut delta: u32, points: u32, first: bool) -> u32 {
        delta /= if first { DAMP } else { 2 };
        delta += delta / points;
        let mut k = 0;
        while delta > ((BASE - TMIN) * TMAX) / 2 {
            delta /= BASE - TMIN;
            k += BASE;
        }
        k + (BASE - TMIN + 1) * delta / (delta + SKEW)
    }
    let (basic, ext) = match input.rfind('-') {
        Some(i) => (input.get(..i)?, input.get(i + 1..)?),
        None => ("", input),
    };
    if !basic.is_ascii() {
        return None;
    }
    let mut out: Vec<char> = basic.chars().collect();
    let (mut n, mut i, mut bias) = (128u32, 0u32, 72u32);
    let mut it = ext.bytes().peekable();
    while it.peek().is_some() {
        let old_i = i;
        let mut w = 1u32;
        let mut k = BASE;
        loop {
            let c = it.next()?;
            let digit = match c {
                b'a'..=b'z' => u32::from(c - b'a'),
                b'A'..=b'Z' => u32::from(c - b'A'),
                b'0'..=b'9' => u32::from(c - b'0') + 26,
                _ => return None,
            };
            i = i.checked_add(digit.checked_mul(w)?)?;
            let t = if k <= bias {
                TMIN
            } else if k >= bias + TMAX {
                TMAX
            } else {
                k - bias
            };
            if digit < t {
                break;
            }
            w = w.checked_mul(BASE - t)?;
            k += BASE;
        }
        let len = u32::try_from(out.len()).ok()? + 1;
        bias = adapt(i - old_i, len, old_i == 0);
        n = n.checked_add(i / len)?;
        i %= len;
        out.insert(usize::try_from(i).ok()?, char::from_u32(n)?);
        i += 1;
    }
    Some(out)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Script {
    Latin,
    Cyrillic,
    Greek,
    Armenian,
    Common,
    Other,
}

fn script(c: char) -> Script {
    match c {
        '0'..='9' | '-' => Script::Common,
        'a'..='z' | 'A'..='Z' | '\u{c0}'..='\u{24f}' | '\u{1e00}'..='\u{1eff}' => Script::Latin,
        '\u{400}'..='\u{52f}' => Script::Cyrillic,
        '\u{370}'..='\u{3ff}' | '\u{1f00}'..='\u{1fff}' => Script::Greek,
        '\u{530}'..='\u{58f}' => Script::Armenian,
        _ => Script::Other,
    }
}

/// Cyrillic and Greek letters that render like Latin ones.
const LATIN_LOOKALIKES: &[char] = &[
    'а', 'е', 'о', 'р', 'с', 'у', 'х', 'і', 'ј', 'ѕ', 'ԁ', 'ԛ', 'ԝ', 'һ', 'ӏ', 'к', 'ѵ', 'ɡ', 'ο', 'ν', 'α', 'ι', 'κ',
    'υ', 'ρ', 'τ', 'ε',
];

/// Mixed Latin/Cyrillic/Greek/Armenian in one label, or a label written entirely in
/// Latin lookalikes from another script (`аррӏе`).
fn looks_homograph(label: &[char]) -> bool {
    let mut seen: Vec<Script> = Vec::new();
    for &c in label {
        let s = script(c);
        if matches!(s, Script::Latin | Script::Cyrillic | Script::Greek | Script::Armenian) && !seen.contains(&s) {
            seen.push(s);
        }
    }
    if seen.len() > 1 {
        return true;
    }
    let letters: Vec<char> = label.iter().copied().filter(|c| script(*c) != Script::Common).collect();
    matches!(seen.first(), Some(Script::Cyrillic | Script::Greek))
        && !letters.is_empty()
        && letters.iter().all(|c| LATIN_LOOKALIKES.contains(c))
}

// ---------------------------------------------------------------------------------
// IP classification
// ---------------------------------------------------------------------------------

/// Class of an address, after unwrapping IPv4 embedded in IPv6.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpClassification {
    /// The address that was classified (the embedded IPv4, when there is one).
    pub effective: IpAddr,
    /// Its class.
    pub class: IpClass,
    /// Whether an IPv4 address was unwrapped from IPv6.
    pub embedded: bool,
}

const METADATA_V4: &[[u8; 4]] = &[
    [169, 254, 169, 254], // AWS, Azure, GCP, OCI, DigitalOcean, OpenStack
    [169, 254, 170, 2],   // AWS ECS task metadata
    [169, 254, 170, 23],  // AWS EKS pod identity
    [100, 100, 100, 200], // Alibaba Cloud
    [192, 0, 0, 192],     // Oracle Cloud (legacy)
];
const METADATA_V6: &[Ipv6Addr] =
    &[Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254), Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x23)];

/// Classifies an address; IPv4-mapped (`::ffff:a.b.c.d`), IPv4-compatible (`::a.b.c.d`),
/// NAT64 (`64:ff9b::/96`, `64:ff9b:1::/48`) and 6to4 (`2002::/16`) are unwrapped first.
pub fn classify_ip(ip: IpAddr) -> IpClassification {
    match ip {
        IpAddr::V4(a) => IpClassification { effective: ip, class: classify_v4(a), embedded: false },
        IpAddr::V6(a) => match embedded_v4(a) {
            Some(v4) => IpClassification { effective: IpAddr::V4(v4), class: classify_v4(v4), embedded: true },
            None => IpClassification { effective: ip, class: classify_v6(a), embedded: false },
        },
    }
}

fn embedded_v4(a: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = a.segments();
    let low = |hi: u16, lo: u16| Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo));
    if s[..5] == [0; 5] && s[5] == 0xffff {
        return Some(low(s[6], s[7])); // mapped
    }
    if s[..6] == [0; 6] && !(s[6] == 0 && s[7] <= 1) {
        return Some(low(s[6], s[7])); // compatible (deprecated)
    }
    if s[0] == 0x64 && s[1] == 0xff9b && (s[2..6] == [0; 4] || s[2] == 1) {
        return Some(low(s[6], s[7])); // NAT64, well-known and local-use prefixes
    }
    if s[0] == 0x2002 {
        return Some(low(s[1], s[2])); // 6to4
    }
    None
}

fn classify_v4(a: Ipv4Addr) -> IpClass {
    let o = a.octets();
    if METADATA_V4.contains(&o) {
        return IpClass::Metadata;
    }
    match o {
        [0, ..] => IpClass::Unspecified,
        [10, ..] => IpClass::Private,
        [100, b, ..] if (64..=127).contains(&b) => IpClass::Cgnat,
        [127, ..] => IpClass::Loopback,
        [169, 254, ..] => IpClass::LinkLocal,
        [172, b, ..] if (16..=31).contains(&b) => IpClass::Private,
        [192, 168, ..] => IpClass::Private,
        [192, 0, 0, _] | [192, 0, 2, _] | [192, 88, 99, _] | [198, 51, 100, _] | [203, 0, 113, _] => IpClass::Reserved,
        [198, b, ..] if b == 18 || b == 19 => IpClass::Reserved,
        [a, ..] if (224..=239).contains(&a) => IpClass::Multicast,
        [a, ..] if a >= 240 => IpClass::Reserved,
        _ => IpClass::Public,
    }
}

fn classify_v6(a: Ipv6Addr) -> IpClass {
    if METADATA_V6.contains(&a) {
        return IpClass::Metadata;
    }
    let s = a.segments();
    if a.is_unspecified() {
        IpClass::Unspecified
    } else if a.is_loopback() {
        IpClass::Loopback
    } else if s[0] & 0xfe00 == 0xfc00 {
        IpClass::UniqueLocal
    } else if s[0] & 0xffc0 == 0xfe80 {
        IpClass::LinkLocal
    } else if s[0] & 0xffc0 == 0xfec0 {
        IpClass::Private
    } else if s[0] & 0xff00 == 0xff00 {
        IpClass::Multicast
    } else if (s[0] == 0x2001 && (s[1] < 0x0200 || s[1] == 0x0db8)) // IETF assignments, Teredo, docs
        || (s[0] == 0x3fff && s[1] < 0x1000) // documentation (RFC 9637)
        || (s[0] == 0x0100 && s[1..4] == [0; 3]) // discard-only
        || s[0] & 0xe000 != 0x2000
    {
        IpClass::Reserved
    } else {
        IpClass::Public
    }
}

// ---------------------------------------------------------------------------------
// Matching
// ---------------------------------------------------------------------------------

/// Host pattern match: exact (ASCII case-insensitive, one trailing dot ignored), or
/// `*.domain`, which matches any name below `domain` at a dot boundary:
/// `*.example.com` matches `a.example.com` and `a.b.example.com`, not `example.com`
/// nor `badexample.com`.
pub fn host_matches(pattern: &str, host: &str) -> bool {
    let p = pattern.strip_suffix('.').filter(|p| !p.is_empty()).unwrap_or(pattern);
    let h = host.strip_suffix('.').filter(|h| !h.is_empty()).unwrap_or(host);
    match p.strip_prefix("*.") {
        Some(domain) => {
            h.len() > domain.len() + 1
                && ends_with_ci(h, domain)
                && h.as_bytes().get(h.len() - domain.len() - 1) == Some(&b'.')
        }
        None => !p.is_empty() && p.eq_ignore_ascii_case(h),
    }
}

/// Whether `prefix` is a path prefix of `path` at a segment boundary: `/v1` covers
/// `/v1` and `/v1/x`, not `/v10`; an empty or `/` prefix covers everything.
pub fn path_prefix_matches(prefix: &str, path: &str) -> bool {
    if prefix.is_empty() || prefix == "/" {
        return true;
    }
    path.starts_with(prefix)
        && (prefix.ends_with('/') || path.len() == prefix.len() || path.as_bytes().get(prefix.len()) == Some(&b'/'))
}

/// Index of the first declared entry that allows `url`: same scheme, same effective
/// port, host equal (or matched by a declared `*.domain`), and the entry's path a
/// prefix of the URL's path at a segment boundary. Query and fragment are ignored.
/// URLs without a host never match. Callers decide separately what the URL's
/// [`NormalizedUrl::issues`] mean (credentials, encoded separators, ...).
pub fn match_declared(declared: &[NormalizedUrl], url: &NormalizedUrl) -> Option<usize> {
    let host = url.host();
    if host.is_empty() {
        return None;
    }
    let (scheme, path) = (url.scheme(), url.path());
    declared.iter().position(|d| {
        let d_host = d.host();
        d.port == url.port
            && !d_host.is_empty()
            && host_matches(d_host, host)
            && d.scheme() == scheme
            && path_prefix_matches(d.path(), path)
    })
}

// ---------------------------------------------------------------------------------
// Manifest scan
// ---------------------------------------------------------------------------------

/// One egress URL of the manifest, normalized, for the policy input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EgressFinding {
    /// JSON pointer of the URL in the manifest (`/spec/egress/0`,
    /// `/spec/connectors/2/endpoint`).
    pub path: String,
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
        match NormalizedUrl::parse(input) {
            Ok(n) => EgressFinding {
                path,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn n(s: &str) -> NormalizedUrl {
        match NormalizedUrl::parse(s) {
            Ok(n) => n,
            Err(e) => panic!("{s}: {e}"),
        }
    }

    #[test]
    fn ipv4_forms() {
        for s in [
            "http://2130706433/",
            "http://0177.0.0.1/",
            "http://0x7f.1/",
            "http://127.1/",
            "http://%31%32%37.0.0.1/",
            "http://１２７.０.０.１/",
            "postgres://0x7f.1/db",
        ] {
            let u = n(s);
            assert_eq!(u.host(), "127.0.0.1", "{s}");
            assert_eq!(u.ip_class(), Some(IpClass::Loopback), "{s}");
        }
    }

    #[test]
    fn wildcard_dns_names_are_classed_as_the_address_they_stand_for() {
        for (host, want) in [
            ("169.254.169.254.nip.io", Some("169.254.169.254")),
            ("customer1.app.10.0.0.1.nip.io", Some("10.0.0.1")),
            ("10-0-0-1.sslip.io", Some("10.0.0.1")),
            ("www-127-0-0-1.sslip.io", Some("127.0.0.1")),
            ("7f000001.nip.io", Some("127.0.0.1")),
            ("app-a9fea9fe.nip.io", Some("169.254.169.254")),
            ("--1.sslip.io", Some("::1")),
            ("8.8.8.8.nip.io", Some("8.8.8.8")),
            ("192.168.1.10.traefik.me", Some("192.168.1.10")),
            ("localtest.me", Some("127.0.0.1")),
            ("anything.lvh.me", Some("127.0.0.1")),
            ("nip.io", None),
            ("1.2.3.nip.io", None),
            ("app.nip.io", None),
            ("notnip.io", None),
            ("example.com", None),
        ] {
            assert_eq!(alias_ip(host).map(|a| a.to_string()), want.map(String::from), "{host}");
        }
        let class = |u: &str| n(u).ip_class();
        assert_eq!(class("https://169.254.169.254.nip.io/latest"), Some(IpClass::Metadata));
        assert!(n("https://169.254.169.254.nip.io/latest").is_metadata());
        assert_eq!(class("https://10-0-0-1.sslip.io/"), Some(IpClass::Private));
        assert_eq!(class("https://sub.localtest.me/"), Some(IpClass::Loopback));
        assert_eq!(class("https://8.8.8.8.nip.io/"), Some(IpClass::Public));
        // Still a name, not an IP literal.
        assert_eq!(n("https://10.0.0.1.nip.io/").ip(), None);
        assert_eq!(class("https://api.example.com/"), None);
    }

    #[test]
    fn embedded() {
        for (s, ip) in [
            ("http://[::ffff:127.0.0.1]/", "127.0.0.1"),
            ("http://[::ffff:7f00:1]/", "127.0.0.1"),
            ("http://[64:ff9b::a9fe:a9fe]/", "169.254.169.254"),
            ("http://[2002:a9fe:a9fe::]/", "169.254.169.254"),
        ] {
            let u = n(s);
            assert_eq!(u.ip().map(|a| a.to_string()).as_deref(), Some(ip), "{s}");
            assert!(u.has_issue(EgressIssue::EmbeddedIpv4));
        }
    }

    #[test]
    fn punycode() {
        let d: String = punycode_decode("bcher-kva").unwrap_or_default().into_iter().collect();
        assert_eq!(d, "bücher");
        let d: String = punycode_decode("80ak6aa92e").unwrap_or_default().into_iter().collect();
        assert_eq!(d, "аррӏе");
        assert!(looks_homograph(&d.chars().collect::<Vec<_>>()));
        assert!(!looks_homograph(&"bücher".chars().collect::<Vec<_>>()));
    }

    #[test]
    fn matching() {
        assert!(host_matches("*.example.com", "a.example.com"));
        assert!(host_matches("*.example.com", "a.b.example.com"));
        assert!(!host_matches("*.example.com", "example.com"));
        assert!(!host_matches("*.example.com", "badexample.com"));
        assert!(host_matches("api.stripe.com", "API.stripe.com."));
        let declared = [n("https://api.stripe.com/v1"), n("https://hooks.example.com")];
        assert_eq!(match_declared(&declared, &n("https://api.stripe.com/v1/charges?x=1")), Some(0));
        assert_eq!(match_declared(&declared, &n("https://api.stripe.com:443/v1")), Some(0));
        assert_eq!(match_declared(&declared, &n("https://api.stripe.com/v10")), None);
        assert_eq!(match_declared(&declared, &n("https://api.stripe.com/v1/../admin")), None);
        assert_eq!(match_declared(&declared, &n("http://api.stripe.com/v1")), None);
        assert_eq!(match_declared(&declared, &n("https://api.stripe.com:8443/v1")), None);
        assert_eq!(match_declared(&declared, &n("https://hooks.example.com./anything")), Some(1));
        assert_eq!(match_declared(&declared, &n("https://evil.com#@hooks.example.com")), None);
    }
}
