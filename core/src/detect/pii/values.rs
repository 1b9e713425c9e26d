//! Value recognizers: validated checks for emails, phones, payment cards, IBANs, US SSNs, NHS
//! numbers and IP addresses.

use super::PiiKind;
use std::net::{Ipv4Addr, Ipv6Addr};

/// The kind of personal data a single value is, if a validated recognizer accepts it.
/// Order matters for ambiguous digit strings: a 3-3-4 number that passes the NHS
/// mod-11 check is an NHS number, otherwise it may be a North American phone number.
pub fn recognize_value(value: &str) -> Option<PiiKind> {
    let v = value.trim();
    if v.is_empty() || v.len() > 320 {
        return None;
    }
    if is_email(v) {
        Some(PiiKind::Email)
    } else if is_ip(v) {
        Some(PiiKind::IpAddress)
    } else if is_iban(v) {
        Some(PiiKind::Iban)
    } else if is_payment_card(v) {
        Some(PiiKind::PaymentCard)
    } else if is_us_ssn(v) {
        Some(PiiKind::Ssn)
    } else if is_nhs_number(v) {
        Some(PiiKind::NhsNumber)
    } else if is_phone(v) {
        Some(PiiKind::Phone)
    } else {
        None
    }
}

/// RFC 5322-lite address: dot-atom local part (≤ 64), a domain of ≥ 2 labels with an
/// alphabetic (or IDN) top-level label.
pub fn is_email(v: &str) -> bool {
    let Some((local, domain)) = v.rsplit_once('@') else {
        return false;
    };
    if local.is_empty() || local.len() > 64 || domain.len() > 253 || v.len() > 254 {
        return false;
    }
    const LOCAL_SPECIAL: &[u8] = b".!#$%&'*+/=?^_`{|}~-";
    if local.starts_with('.')
        || local.ends_with('.')
        || local.contains("..")
        || !local.bytes().all(|c| c.is_ascii_alphanumeric() || LOCAL_SPECIAL.contains(&c) || c >= 0x80)
    {
        return false;
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return false;
    }
    for l in &labels {
        if l.is_empty()
            || l.len() > 63
            || l.starts_with('-')
            || l.ends_with('-')
            || !l.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c >= 0x80)
        {
            return false;
        }
    }
    labels.last().is_some_and(|tld| {
        tld.starts_with("xn--") || (tld.chars().count() >= 2 && tld.chars().all(|c| c.is_alphabetic()))
    })
}

/// IPv4 dotted quad or IPv6, as the standard library parses them.
pub fn is_ip(v: &str) -> bool {
    v.parse::<Ipv4Addr>().is_ok() || v.parse::<Ipv6Addr>().is_ok()
}

/// Digits of a number written with single spaces or dashes between groups, or `None`
/// if anything else appears.
fn grouped_digits(v: &str, max: usize) -> Option<(Vec<u8>, Vec<usize>)> {
    let mut digits = Vec::with_capacity(max);
    let mut groups = Vec::new();
    let mut run = 0usize;
    let mut prev_sep = true;
    for c in v.bytes() {
        match c {
            b'0'..=b'9' => {
                digits.push(c - b'0');
                run += 1;
                prev_sep = false;
            }
            b' ' | b'-' if !prev_sep => {
                groups.push(run);
                run = 0;
                prev_sep = true;
            }
            _ => return None,
        }
        if digits.len() > max {
            return None;
        }
    }
    if prev_sep {
        return None;
    }
    groups.push(run);
    Some((digits, groups))
}

fn luhn(digits: &[u8]) -> bool {
    let mut sum = 0u32;
    for (i, &d) in digits.iter().rev().enumerate() {
        let mut d = u32::from(d);
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum.is_multiple_of(10)
}

fn prefix_num(digits: &[u8], n: usize) -> u32 {
    digits.iter().take(n).fold(0u32, |acc, &d| acc * 10 + u32::from(d))
}

/// Known issuer (IIN) ranges with their card lengths.
fn known_issuer(d: &[u8]) -> bool {
    let len = d.len();
    let p1 = prefix_num(d, 1);
    let p2 = prefix_num(d, 2);
    let p3 = prefix_num(d, 3);
    let p4 = prefix_num(d, 4);
    let p6 = prefix_num(d, 6);
    (p1 == 4 && matches!(len, 13 | 16 | 19))                                   // Visa
        || (((51..=55).contains(&p2) || (2221..=2720).contains(&p4)) && len == 16) // Mastercard
        || ((p2 == 34 || p2 == 37) && len == 15)                                  // Amex
        || ((p4 == 6011 || (644..=649).contains(&p3) || p2 == 65
            || (622_126..=622_925).contains(&p6)) && (16..=19).contains(&len))     // Discover
        || ((3528..=3589).contains(&p4) && (16..=19).contains(&len))              // JCB
        || (((300..=305).contains(&p3) || p2 == 36 || p2 == 38 || p2 == 39)
            && (14..=19).contains(&len))                                          // Diners
        || (p2 == 62 && (16..=19).contains(&len))                                 // UnionPay
        || ((2200..=2204).contains(&p4) && (16..=19).contains(&len))              // Mir
        || ((p2 == 50 || (56..=69).contains(&p2)) && (12..=19).contains(&len)) // Maestro
        || (p1 == 1 && len == 15) // UATP
}

/// Payment card number: 13–19 digits (spaces or dashes between groups), Luhn-valid,
/// from a known issuer range.
pub fn is_payment_card(v: &str) -> bool {
    let Some((d, _)) = grouped_digits(v, 19) else {
        return false;
    };
    (13..=19).contains(&d.len()) && luhn(&d) && known_issuer(&d) && d.iter().any(|&x| x != d[0])
}

/// IBAN lengths by country (SWIFT IBAN registry).
#[rustfmt::skip]
const IBAN_LENGTHS: &[(&str, usize)] = &[
    ("AD", 24), ("AE", 23), ("AL", 28), ("AT", 20), ("AZ", 28), ("BA", 20), ("BE", 16), ("BG", 22),
    ("BH", 22), ("BI", 27), ("BR", 29), ("BY", 28), ("CH", 21), ("CR", 22), ("CY", 28), ("CZ", 24),
    ("DE", 22), ("DJ", 27), ("DK", 18), ("DO", 28), ("EE", 20), ("EG", 29), ("ES", 24), ("FI", 18),
    ("FK", 18), ("FO", 18), ("FR", 27), ("GB", 22), ("GE", 22), ("GI", 23), ("GL", 18), ("GR", 27),
    ("GT", 28), ("HR", 21), ("HU", 28), ("IE", 22), ("IL", 23), ("IQ", 23), ("IS", 26), ("IT", 27),
    ("JO", 30), ("KW", 30), ("KZ", 20), ("LB", 28), ("LC", 32), ("LI", 21), ("LT", 20), ("LU", 20),
    ("LV", 21), ("LY", 25), ("MC", 27), ("MD", 24), ("ME", 22), ("MK", 19), ("MN", 20), ("MR", 27),
    ("MT", 31), ("MU", 30), ("NI", 28), ("NL", 18), ("NO", 15), ("OM", 23), ("PK", 24), ("PL", 28),
    ("PS", 29), ("PT", 25), ("QA", 29), ("RO", 24), ("RS", 22), ("RU", 33), ("SA", 24), ("SC", 31),
    ("SD", 18), ("SE", 24), ("SI", 19), ("SK", 24), ("SM", 27), ("SO", 23), ("ST", 25), ("SV", 28),
    ("TL", 23), ("TN", 24), ("TR", 26), ("UA", 29), ("VA", 22), ("VG", 24), ("XK", 20), ("YE", 30),
];

/// The IBAN length of a country code (two capitals), if the registry has it.
pub(super) fn iban_length(cc: &[u8]) -> Option<usize> {
    IBAN_LENGTHS.iter().find(|(c, _)| c.as_bytes() == cc).map(|&(_, len)| len)
}

/// IBAN: known country, that country's length, mod-97 check (ISO 13616). Spaces allowed.
pub fn is_iban(v: &str) -> bool {
    let mut buf = [0u8; 34];
    let mut n = 0usize;
    for c in v.bytes() {
        if c == b' ' {
            continue;
        }
        if n == buf.len() || !c.is_ascii_alphanumeric() {
            return false;
        }
        buf[n] = c.to_ascii_uppercase();
        n += 1;
    }
    let s = &buf[..n];
    if n < 15
        || !s[0].is_ascii_uppercase()
        || !s[1].is_ascii_uppercase()
        || !s[2].is_ascii_digit()
        || !s[3].is_ascii_digit()
    {
        return false;
    }
    let Some(len) = iban_length(&s[..2]) else {
        return false;
    };
    if n != len {
        return false;
    }
    let mut rem = 0u32;
    for &c in s[4..].iter().chain(&s[..4]) {
        if c.is_ascii_digit() {
            rem = (rem * 10 + u32::from(c - b'0')) % 97;
        } else {
            let x = u32::from(c - b'A') + 10;
            rem = (rem * 100 + x) % 97;
        }
    }
    rem == 1
}

/// US SSN written `AAA-GG-SSSS` (or with spaces): area not 000, 666 or 900–999, group
/// not 00, serial not 0000, and not one of the publicized invalid numbers.
pub fn is_us_ssn(v: &str) -> bool {
    let b = v.as_bytes();
    if b.len() != 11 {
        return false;
    }
    let sep = b[3];
    if !(sep == b'-' || sep == b' ') || b[6] != sep {
        return false;
    }
    let digits_ok = b.iter().enumerate().all(|(i, c)| i == 3 || i == 6 || c.is_ascii_digit());
    if !digits_ok {
        return false;
    }
    let num = |r: std::ops::Range<usize>| b[r].iter().fold(0u32, |acc, &c| acc * 10 + u32::from(c - b'0'));
    let (area, group, serial) = (num(0..3), num(4..6), num(7..11));
    if area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0 {
        return false;
    }
    // Woolworth wallet card and the 1940s advertising SSN.
    !((area == 78 && group == 5 && serial == 1120) || (area == 219 && group == 9 && serial == 9999))
}

/// UK NHS number: 10 digits (optionally 3-3-4 with spaces or dashes), mod-11 check digit.
pub fn is_nhs_number(v: &str) -> bool {
    let Some((d, groups)) = grouped_digits(v, 10) else {
        return false;
    };
    if d.len() != 10 || !(groups.len() == 1 || groups == [3, 3, 4]) {
        return false;
    }
    if d.iter().all(|&x| x == d[0]) {
        return false;
    }
    let sum: u32 = d[..9].iter().enumerate().map(|(i, &x)| u32::from(x) * (10 - i as u32)).sum();
    let check = match 11 - (sum % 11) {
        11 => 0,
        10 => return false,
        c => c,
    };
    u32::from(d[9]) == check
}

/// Phone number: E.164-style `+` and 8–15 digits (spaces, dashes, dots, parentheses
/// allowed), a North American `(555) 123-4567` / `555-123-4567` form, or a national
/// form with a trunk `0` (`020 7946 0958`, `01 23 45 67 89`). Plain digit runs, dates
/// and amounts are not phone numbers.
pub fn is_phone(v: &str) -> bool {
    let b = v.as_bytes();
    if let Some(rest) = v.strip_prefix('+') {
        let mut digits = 0usize;
        let mut prev_sep = false;
        let mut first = true;
        for c in rest.bytes() {
            match c {
                b'0'..=b'9' => {
                    if first && c == b'0' {
                        return false;
                    }
                    first = false;
                    digits += 1;
                    prev_sep = false;
                }
                b' ' | b'-' | b'.' | b'(' | b')' => {
                    if first && c != b'(' && c != b' ' {
                        return false;
                    }
                    if prev_sep && c != b'(' && c != b')' {
                        return false;
                    }
                    prev_sep = c != b')';
                }
                _ => return false,
            }
        }
        return (8..=15).contains(&digits) && !prev_sep;
    }
    if is_nanp(b) {
        return true;
    }
    // National form with trunk prefix 0.
    if b.first() != Some(&b'0') {
        return false;
    }
    let mut sep: Option<u8> = None;
    for &c in b {
        if c == b' ' || c == b'-' {
            if sep.is_some_and(|s| s != c) {
                return false;
            }
            sep = Some(c);
        }
    }
    let Some(_) = sep else {
        return false;
    };
    let Some((d, groups)) = grouped_digits(v, 13) else {
        return false;
    };
    (10..=12).contains(&d.len()) && groups.len() >= 2 && groups.iter().all(|&g| (2..=8).contains(&g))
}

/// `(NPA) NXX-XXXX`, `NPA-NXX-XXXX`, `NPA.NXX.XXXX`, `NPA NXX XXXX`, with an optional
/// leading `1 ` / `1-`; the area code starts with 2–9.
fn is_nanp(b: &[u8]) -> bool {
    let b = if b.len() > 2 && b[0] == b'1' && (b[1] == b' ' || b[1] == b'-') { &b[2..] } else { b };
    let d = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    let area_ok = |i: usize| b.get(i).is_some_and(|c| (b'2'..=b'9').contains(c));
    let rest = |start: usize, sep_ok: &dyn Fn(u8) -> bool| {
        b.len() == start + 8
            && (start..start + 3).all(d)
            && b.get(start + 3).is_some_and(|&c| sep_ok(c))
            && (start + 4..start + 8).all(d)
    };
    if b.first() == Some(&b'(') {
        // (555) 123-4567 or (555)123-4567
        if !(area_ok(1) && d(2) && d(3) && b.get(4) == Some(&b')')) {
            return false;
        }
        let start = if b.get(5) == Some(&b' ') { 6 } else { 5 };
        return rest(start, &|c| c == b'-' || c == b' ' || c == b'.');
    }
    if !(area_ok(0) && d(1) && d(2)) {
        return false;
    }
    let Some(&sep) = b.get(3) else {
        return false;
    };
    matches!(sep, b'-' | b'.' | b' ') && rest(4, &|c| c == sep)
}
