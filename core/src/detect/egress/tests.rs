//! Normalization tricks, IP classes, homographs and matching, case by case.

use super::homograph::{looks_homograph, punycode_decode};
use super::matching::{host_matches, match_declared};
use super::normalize::alias_ip;
use super::{EgressIssue, IpClass, NormalizedUrl};

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
