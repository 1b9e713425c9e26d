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

use std::net::IpAddr;

use serde::{Deserialize, Serialize};
use url::Url;

mod homograph;
mod ip;
mod matching;
mod normalize;
mod scan;
#[cfg(test)]
mod tests;

pub use ip::{classify_ip, IpClassification};
pub use matching::{host_matches, match_declared, path_prefix_matches};
pub use scan::{scan, scan_manifest, EgressFinding, UrlFacts};

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
