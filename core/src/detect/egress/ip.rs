//! IP classification: loopback, private, link-local, metadata and the rest, with IPv4 unwrapped
//! from IPv6 first.

use super::IpClass;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

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
