//! Personal data in dataset fields: by field name and by sample values.
//!
//! Field names are split into words (on `_`, `-`, `.`, spaces, camelCase humps and
//! letter/digit changes) and matched by whole words and word sequences, so
//! `employeeEmail`, `EMAIL_ADDRESS` and `e-mail` hit while `timezone`, `statement_id`,
//! `zipper`, `shipment` and `recipe` do not. A name whose last word describes an
//! attribute of the data rather than the data (`email_verified`, `card_type`,
//! `phone_opt_in`, `card_token`) is not a hit.
//!
//! Sample values (`/spec/datasets/i/fields/j/sample`, a string or a list of strings) go
//! through validated recognizers: email, phone (E.164 and national forms), payment card
//! (Luhn and issuer prefix), IBAN (per-country length and mod-97), US SSN (invalid areas
//! and groups), UK NHS number (mod 11), IPv4 and IPv6.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::text::{word_set, WordMap, Words};

/// Data-protection category of a finding, as used in a field's `categories`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PiiCategory {
    /// Personal data (GDPR personal data, CCPA personal information).
    Pii,
    /// Protected health information.
    Phi,
    /// Payment-card data (PCI DSS cardholder data).
    Pci,
    /// Authentication secrets.
    Credentials,
}

impl PiiCategory {
    /// The tag as written in a manifest (`pii`, `phi`, `pci`, `credentials`).
    pub fn as_str(self) -> &'static str {
        match self {
            PiiCategory::Pii => "pii",
            PiiCategory::Phi => "phi",
            PiiCategory::Pci => "pci",
            PiiCategory::Credentials => "credentials",
        }
    }
}

/// What kind of personal data a field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PiiKind {
    /// Email address.
    Email,
    /// Telephone number.
    Phone,
    /// US social security number.
    Ssn,
    /// Date of birth.
    DateOfBirth,
    /// Passport number.
    Passport,
    /// National identity number (NIN, Aadhaar, ...).
    NationalId,
    /// Tax identification number.
    TaxId,
    /// Driver's license number.
    DriversLicense,
    /// International bank account number.
    Iban,
    /// Other bank account data (account and routing numbers, sort code).
    BankAccount,
    /// Payment card number (PAN) or cardholder data.
    PaymentCard,
    /// Card verification code (CVV, CVC).
    CardSecurityCode,
    /// Card expiry date.
    CardExpiry,
    /// Postal address, street, postcode.
    Address,
    /// A person's name.
    PersonName,
    /// IP address.
    IpAddress,
    /// Geolocation (latitude, longitude, GPS).
    Geolocation,
    /// Salary, income.
    Compensation,
    /// Gender, ethnicity, religion, nationality and similar special categories.
    Demographic,
    /// Device identifiers (MAC address, IMEI, advertising id).
    DeviceId,
    /// UK NHS number.
    NhsNumber,
    /// Medical or health data.
    Health,
    /// Biometric data.
    Biometric,
    /// Passwords, PINs, tokens, keys.
    Credential,
}

impl PiiKind {
    /// The categories this kind belongs to.
    pub fn categories(self) -> &'static [PiiCategory] {
        use PiiKind as K;
        match self {
            K::PaymentCard | K::CardSecurityCode | K::CardExpiry => &[PiiCategory::Pci],
            K::NhsNumber | K::Health | K::Biometric => &[PiiCategory::Phi],
            K::Credential => &[PiiCategory::Credentials],
            _ => &[PiiCategory::Pii],
        }
    }
}

/// Where the evidence came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PiiSource {
    /// The field's name.
    Name,
    /// A sample value of the field.
    Sample,
}

/// A dataset field that holds (or looks like it holds) personal data.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PiiFinding {
    /// JSON pointer: the field (`/spec/datasets/0/fields/2`) for a name hit, the sample
    /// (`…/fields/2/sample` or `…/sample/1`) for a sample hit.
    pub path: String,
    /// The dataset's `name`.
    pub dataset: String,
    /// The field's `name`.
    pub field: String,
    /// Categories the kind belongs to.
    pub categories: Vec<PiiCategory>,
    /// What was recognized.
    pub kind: PiiKind,
    /// Name or sample evidence.
    pub source: PiiSource,
    /// Whether the field's declared `categories` already include every category above.
    pub tagged: bool,
}

// ---------------------------------------------------------------------------------
// Field names
// ---------------------------------------------------------------------------------

struct Phrase {
    words: &'static [&'static str],
    kind: PiiKind,
    /// Only when the phrase is the whole name (`mail`, `tel`, `card`).
    whole: bool,
}

const fn p(words: &'static [&'static str], kind: PiiKind) -> Phrase {
    Phrase { words, kind, whole: false }
}
const fn w(words: &'static [&'static str], kind: PiiKind) -> Phrase {
    Phrase { words, kind, whole: true }
}

use PiiKind as K;

#[rustfmt::skip]
const PHRASES: &[Phrase] = &[
    // email
    p(&["email"], K::Email), p(&["emails"], K::Email), p(&["e", "mail"], K::Email),
    p(&["emailaddress"], K::Email), p(&["email", "address"], K::Email),
    p(&["e", "mail", "address"], K::Email), p(&["mail", "address"], K::Email), w(&["mail"], K::Email),
    // phone
    p(&["phone"], K::Phone), p(&["phones"], K::Phone), p(&["telephone"], K::Phone),
    p(&["phonenumber"], K::Phone), p(&["phone", "number"], K::Phone), w(&["tel"], K::Phone),
    w(&["mobile"], K::Phone), p(&["mobile", "number"], K::Phone), p(&["mobile", "phone"], K::Phone),
    p(&["mobile", "no"], K::Phone), p(&["cellphone"], K::Phone), p(&["cell", "phone"], K::Phone),
    w(&["cell"], K::Phone), p(&["msisdn"], K::Phone), p(&["fax"], K::Phone),
    // government identifiers
    p(&["ssn"], K::Ssn), p(&["social", "security"], K::Ssn), p(&["social", "security", "number"], K::Ssn),
    p(&["socialsecuritynumber"], K::Ssn),
    p(&["dob"], K::DateOfBirth), p(&["date", "of", "birth"], K::DateOfBirth),
    p(&["dateofbirth"], K::DateOfBirth), p(&["birth", "date"], K::DateOfBirth),
    p(&["birthdate"], K::DateOfBirth), p(&["birthday"], K::DateOfBirth), p(&["birth", "day"], K::DateOfBirth),
    p(&["passport"], K::Passport), p(&["passport", "number"], K::Passport),
    p(&["national", "id"], K::NationalId), p(&["nationalid"], K::NationalId),
    p(&["national", "identifier"], K::NationalId), p(&["national", "insurance"], K::NationalId),
    p(&["national", "insurance", "number"], K::NationalId), p(&["nin"], K::NationalId),
    p(&["nino"], K::NationalId), p(&["aadhaar"], K::NationalId), p(&["aadhar"], K::NationalId),
    p(&["pesel"], K::NationalId), p(&["cpf"], K::NationalId), p(&["curp"], K::NationalId),
    p(&["personnummer"], K::NationalId), p(&["identity", "card"], K::NationalId),
    p(&["identity", "number"], K::NationalId),
    p(&["tax", "id"], K::TaxId), p(&["taxid"], K::TaxId), p(&["tin"], K::TaxId), p(&["itin"], K::TaxId),
    p(&["tax", "number"], K::TaxId), p(&["tax", "identification", "number"], K::TaxId),
    p(&["driver", "license"], K::DriversLicense), p(&["drivers", "license"], K::DriversLicense),
    p(&["driver", "licence"], K::DriversLicense), p(&["drivers", "licence"], K::DriversLicense),
    p(&["driving", "license"], K::DriversLicense), p(&["driving", "licence"], K::DriversLicense),
    p(&["driverslicense"], K::DriversLicense),
    // banking
    p(&["iban"], K::Iban),
    p(&["bank", "account"], K::BankAccount), p(&["bank", "account", "number"], K::BankAccount),
    p(&["account", "number"], K::BankAccount), p(&["routing", "number"], K::BankAccount),
    p(&["sort", "code"], K::BankAccount),
    // payment cards
    w(&["card"], K::PaymentCard), p(&["card", "number"], K::PaymentCard), p(&["cardnumber"], K::PaymentCard),
    p(&["card", "num"], K::PaymentCard), p(&["card", "no"], K::PaymentCard), p(&["card", "pan"], K::PaymentCard),
    p(&["credit", "card"], K::PaymentCard), p(&["creditcard"], K::PaymentCard),
    p(&["credit", "card", "number"], K::PaymentCard), p(&["debit", "card"], K::PaymentCard),
    p(&["pan"], K::PaymentCard), p(&["primary", "account", "number"], K::PaymentCard),
    p(&["cc", "number"], K::PaymentCard), p(&["cc", "num"], K::PaymentCard), p(&["ccnum"], K::PaymentCard),
    p(&["cardholder"], K::PaymentCard), p(&["card", "holder"], K::PaymentCard),
    p(&["cardholder", "name"], K::PaymentCard), p(&["card", "holder", "name"], K::PaymentCard),
    p(&["cvv"], K::CardSecurityCode), p(&["cvc"], K::CardSecurityCode), p(&["csc"], K::CardSecurityCode),
    p(&["cvv", "2"], K::CardSecurityCode), p(&["cvc", "2"], K::CardSecurityCode),
    p(&["card", "verification"], K::CardSecurityCode), p(&["security", "code"], K::CardSecurityCode),
    p(&["card", "security", "code"], K::CardSecurityCode),
    p(&["card", "expiry"], K::CardExpiry), p(&["card", "expiration"], K::CardExpiry),
    p(&["card", "exp"], K::CardExpiry), p(&["card", "expiry", "date"], K::CardExpiry),
    p(&["card", "expiration", "date"], K::CardExpiry),
    // addresses
    p(&["address"], K::Address), p(&["addresses"], K::Address), p(&["street"], K::Address),
    p(&["street", "address"], K::Address), p(&["postcode"], K::Address), p(&["post", "code"], K::Address),
    p(&["postal", "code"], K::Address), p(&["postalcode"], K::Address), p(&["zip"], K::Address),
    p(&["zipcode"], K::Address), p(&["zip", "code"], K::Address), p(&["house", "number"], K::Address),
    // names
    p(&["first", "name"], K::PersonName), p(&["firstname"], K::PersonName),
    p(&["last", "name"], K::PersonName), p(&["lastname"], K::PersonName),
    p(&["full", "name"], K::PersonName), p(&["fullname"], K::PersonName),
    p(&["surname"], K::PersonName), p(&["given", "name"], K::PersonName), p(&["givenname"], K::PersonName),
    p(&["family", "name"], K::PersonName), p(&["familyname"], K::PersonName),
    p(&["middle", "name"], K::PersonName), p(&["maiden", "name"], K::PersonName),
    p(&["forename"], K::PersonName), p(&["person", "name"], K::PersonName),
    p(&["customer", "name"], K::PersonName), p(&["employee", "name"], K::PersonName),
    p(&["contact", "name"], K::PersonName), p(&["patient", "name"], K::PersonName),
    p(&["account", "holder"], K::PersonName), p(&["account", "holder", "name"], K::PersonName),
    p(&["holder", "name"], K::PersonName), p(&["member", "name"], K::PersonName),
    p(&["applicant", "name"], K::PersonName), p(&["recipient", "name"], K::PersonName),
    p(&["sender", "name"], K::PersonName), p(&["legal", "name"], K::PersonName),
    // network and device
    p(&["ip"], K::IpAddress), p(&["ip", "address"], K::IpAddress), p(&["ipaddress"], K::IpAddress),
    p(&["ip", "addr"], K::IpAddress), p(&["ipv", "4"], K::IpAddress), p(&["ipv", "6"], K::IpAddress),
    p(&["ipv"], K::IpAddress), p(&["remote", "addr"], K::IpAddress), p(&["remote", "address"], K::IpAddress),
    p(&["mac", "address"], K::DeviceId), p(&["imei"], K::DeviceId), p(&["device", "id"], K::DeviceId),
    p(&["deviceid"], K::DeviceId), p(&["advertising", "id"], K::DeviceId), p(&["idfa"], K::DeviceId),
    // location
    p(&["geolocation"], K::Geolocation), p(&["geo", "location"], K::Geolocation),
    p(&["latitude"], K::Geolocation), p(&["longitude"], K::Geolocation), p(&["lat"], K::Geolocation),
    p(&["lon"], K::Geolocation), p(&["lng"], K::Geolocation), p(&["gps"], K::Geolocation),
    p(&["geo", "coordinates"], K::Geolocation), p(&["geohash"], K::Geolocation),
    // money
    p(&["salary"], K::Compensation), p(&["salaries"], K::Compensation), p(&["income"], K::Compensation),
    p(&["wage"], K::Compensation), p(&["wages"], K::Compensation), p(&["compensation"], K::Compensation),
    // special categories
    p(&["gender"], K::Demographic), w(&["sex"], K::Demographic), p(&["ethnicity"], K::Demographic),
    p(&["religion"], K::Demographic), p(&["nationality"], K::Demographic),
    p(&["sexual", "orientation"], K::Demographic), p(&["marital", "status"], K::Demographic),
    p(&["citizenship"], K::Demographic), p(&["political", "affiliation"], K::Demographic),
    // health
    p(&["medical"], K::Health), p(&["diagnosis"], K::Health), p(&["diagnoses"], K::Health),
    p(&["prescription"], K::Health), p(&["prescriptions"], K::Health), p(&["medication"], K::Health),
    p(&["medications"], K::Health), p(&["allergy"], K::Health), p(&["allergies"], K::Health),
    p(&["patient"], K::Health), p(&["mrn"], K::Health), p(&["health", "record"], K::Health),
    p(&["health", "records"], K::Health), p(&["health", "data"], K::Health),
    p(&["health", "condition"], K::Health), p(&["health", "insurance"], K::Health),
    p(&["mental", "health"], K::Health), p(&["icd"], K::Health), p(&["icd", "10"], K::Health),
    p(&["blood", "type"], K::Health), p(&["blood", "group"], K::Health), p(&["disability"], K::Health),
    p(&["disabilities"], K::Health), p(&["symptom"], K::Health), p(&["symptoms"], K::Health),
    p(&["treatment"], K::Health), p(&["vaccination"], K::Health), p(&["lab", "result"], K::Health),
    p(&["lab", "results"], K::Health), p(&["genetic"], K::Health), p(&["dna"], K::Health),
    p(&["pregnancy"], K::Health),
    p(&["nhs"], K::NhsNumber), p(&["nhs", "number"], K::NhsNumber), p(&["nhs", "no"], K::NhsNumber),
    p(&["biometric"], K::Biometric), p(&["biometrics"], K::Biometric), p(&["faceprint"], K::Biometric),
    p(&["voiceprint"], K::Biometric), p(&["iris", "scan"], K::Biometric), p(&["retina", "scan"], K::Biometric),
    // credentials
    p(&["password"], K::Credential), p(&["passwd"], K::Credential), p(&["pwd"], K::Credential),
    p(&["passphrase"], K::Credential), p(&["pin"], K::Credential), p(&["pin", "code"], K::Credential),
    p(&["security", "answer"], K::Credential), p(&["secret"], K::Credential),
    p(&["api", "key"], K::Credential), p(&["apikey"], K::Credential), p(&["access", "token"], K::Credential),
    p(&["refresh", "token"], K::Credential), p(&["auth", "token"], K::Credential),
    p(&["session", "token"], K::Credential), w(&["token"], K::Credential), p(&["otp"], K::Credential),
    p(&["totp", "secret"], K::Credential), p(&["private", "key"], K::Credential),
    p(&["credential"], K::Credential), p(&["credentials"], K::Credential),
];

/// A last word that describes an attribute of the data, not the data itself (sorted).
#[rustfmt::skip]
const ATTRIBUTES: &[&str] = &[
    "allowed", "at", "bounce", "bounced", "brand", "changed", "confirmed", "consent", "consented",
    "count", "disabled", "domain", "enabled", "exists", "file", "flag", "format", "in", "kind",
    "label", "last4", "length", "masked", "network", "opt", "optin", "optout", "out", "policy",
    "preference", "preferences", "present", "provider", "required", "sent", "settings", "status",
    "template", "token", "tokenized", "truncated", "type", "types", "updated", "valid",
    "validated", "validation", "verification", "verified", "visibility", "visible",
];

/// Phrase indices grouped by first word: `first word → (start, len)` into
/// `PHRASE_ORDER`, which lists phrase indices sorted by first word.
static PHRASE_ORDER: LazyLock<Vec<usize>> = LazyLock::new(|| {
    let mut order: Vec<usize> = (0..PHRASES.len()).collect();
    order.sort_by_key(|&i| PHRASES[i].words.first().copied().unwrap_or_default());
    order
});
static PHRASE_INDEX: LazyLock<WordMap<(usize, usize)>> = LazyLock::new(|| {
    let order = &*PHRASE_ORDER;
    let mut groups: Vec<(&'static str, (usize, usize))> = Vec::new();
    for (pos, &i) in order.iter().enumerate() {
        let first = PHRASES[i].words.first().copied().unwrap_or_default();
        match groups.last_mut() {
            Some((w, (_, len))) if *w == first => *len += 1,
            _ => groups.push((first, (pos, 1))),
        }
    }
    WordMap::new(groups)
});
static ATTRIBUTE_SET: LazyLock<WordMap<()>> = LazyLock::new(|| word_set(ATTRIBUTES));

/// Builds the name dictionaries now rather than on the first scan.
pub fn warm_up() {
    LazyLock::force(&PHRASE_INDEX);
    LazyLock::force(&ATTRIBUTE_SET);
}

/// Kinds suggested by a field name, each once, in order of appearance.
pub fn classify_field_name(name: &str) -> Vec<PiiKind> {
    let mut words: [&str; 16] = [""; 16];
    let mut n = 0;
    for w in Words::new(name).take(16) {
        words[n] = w;
        n += 1;
    }
    let words = &words[..n];
    let index = &*PHRASE_INDEX;
    let order = &*PHRASE_ORDER;
    let mut kinds: Vec<PiiKind> = Vec::new();
    let mut last_consumed = false;
    let mut i = 0;
    while i < n {
        let mut best: Option<&Phrase> = None;
        if let Some((start, len)) = index.get(words[i]) {
            for &pi in order.get(start..start + len).unwrap_or_default() {
                let Some(ph) = PHRASES.get(pi) else { continue };
                let len = ph.words.len();
                if i + len > n || (ph.whole && len != n) || best.is_some_and(|b| b.words.len() >= len) {
                    continue;
                }
                if ph.words[1..].iter().zip(&words[i + 1..i + len]).all(|(a, b)| a.eq_ignore_ascii_case(b)) {
                    best = Some(ph);
                }
            }
        }
        match best {
            Some(ph) => {
                if !kinds.contains(&ph.kind) {
                    kinds.push(ph.kind);
                }
                i += ph.words.len();
                last_consumed = i == n;
            }
            None => i += 1,
        }
    }
    if let Some(last) = words.last() {
        if !last_consumed && ATTRIBUTE_SET.contains(last) {
            kinds.clear();
        }
    }
    kinds
}

// ---------------------------------------------------------------------------------
// Value recognizers
// ---------------------------------------------------------------------------------

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
    let Some(&(_, len)) = IBAN_LENGTHS.iter().find(|(cc, _)| cc.as_bytes() == &s[..2]) else {
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

// ---------------------------------------------------------------------------------
// Manifest scan
// ---------------------------------------------------------------------------------

/// Every PII hit in `/spec/datasets/*/fields/*`: one finding per (field, kind, source).
pub fn scan_datasets(manifest: &Value) -> Vec<PiiFinding> {
    let mut out = Vec::new();
    let Some(datasets) = manifest.pointer("/spec/datasets").and_then(Value::as_array) else {
        return out;
    };
    for (di, ds) in datasets.iter().enumerate() {
        let dataset = ds.get("name").and_then(Value::as_str).unwrap_or_default();
        let Some(fields) = ds.get("fields").and_then(Value::as_array) else {
            continue;
        };
        for (fi, field) in fields.iter().enumerate() {
            let (name, declared, sample) = match field {
                Value::String(s) => (s.as_str(), None, None),
                Value::Object(m) => (
                    m.get("name").and_then(Value::as_str).unwrap_or_default(),
                    m.get("categories").and_then(Value::as_array),
                    m.get("sample"),
                ),
                _ => continue,
            };
            let declared = declared.into_iter().flatten().filter_map(Value::as_str);
            // A sample is one string (`…/sample`) or a list (`…/sample/i`).
            let (one, list): (Option<&str>, &[Value]) = match sample {
                Some(Value::String(s)) => (Some(s), &[]),
                Some(Value::Array(items)) => (None, items),
                _ => (None, &[]),
            };
            let samples = one
                .map(|s| (None, s))
                .into_iter()
                .chain(list.iter().enumerate().filter_map(|(si, item)| item.as_str().map(|s| (Some(si), s))));
            let at = FieldAt { di, fi, dataset, name };
            scan_field(&mut out, &at, declared, samples);
        }
    }
    out
}

/// [`scan_datasets`] of a validated manifest, without building its JSON value: the
/// same findings as `scan_datasets(&manifest.to_value())`.
pub fn scan_manifest(manifest: &crate::Manifest) -> Vec<PiiFinding> {
    let mut out = Vec::new();
    for (di, ds) in manifest.spec.datasets.iter().enumerate() {
        for (fi, field) in ds.fields.iter().enumerate() {
            let at = FieldAt { di, fi, dataset: &ds.name, name: &field.name };
            let declared = field.categories.iter().map(|c| c.as_str());
            let samples = field.sample.iter().enumerate().map(|(si, s)| (Some(si), s.as_str()));
            scan_field(&mut out, &at, declared, samples);
        }
    }
    out
}

/// A field's place (`/spec/datasets/{di}/fields/{fi}`) and names (its own and its
/// dataset's).
struct FieldAt<'a> {
    di: usize,
    fi: usize,
    dataset: &'a str,
    name: &'a str,
}

/// The findings of one field: its name, then its samples (`(index in the sample list,
/// value)`; no index for a lone sample string), given its declared category tags.
fn scan_field<'a>(
    out: &mut Vec<PiiFinding>,
    at: &FieldAt<'_>,
    declared: impl Iterator<Item = &'a str> + Clone,
    samples: impl Iterator<Item = (Option<usize>, &'a str)>,
) {
    let field_path = || format!("/spec/datasets/{}/fields/{}", at.di, at.fi);
    let is_tagged =
        |kind: PiiKind| kind.categories().iter().all(|c| declared.clone().any(|t| t.eq_ignore_ascii_case(c.as_str())));
    let mut push = |path: String, kind: PiiKind, source: PiiSource| {
        out.push(PiiFinding {
            path,
            dataset: at.dataset.to_string(),
            field: at.name.to_string(),
            categories: kind.categories().to_vec(),
            kind,
            source,
            tagged: is_tagged(kind),
        });
    };
    for kind in classify_field_name(at.name) {
        push(field_path(), kind, PiiSource::Name);
    }
    let mut seen: Vec<PiiKind> = Vec::new();
    for (si, sample) in samples {
        let Some(kind) = recognize_value(sample) else {
            continue;
        };
        if seen.contains(&kind) {
            continue;
        }
        seen.push(kind);
        let path = match si {
            Some(si) => format!("{}/sample/{si}", field_path()),
            None => format!("{}/sample", field_path()),
        };
        push(path, kind, PiiSource::Sample);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lists_sorted() {
        assert!(ATTRIBUTES.windows(2).all(|w| w[0] < w[1]));
        for ph in PHRASES {
            assert!(ph.words.iter().all(|w| *w == w.to_ascii_lowercase() && w.len() <= 32));
        }
    }

    #[test]
    fn names() {
        assert_eq!(classify_field_name("employee_email"), [PiiKind::Email]);
        assert_eq!(classify_field_name("employeeEmail"), [PiiKind::Email]);
        assert_eq!(classify_field_name("DateOfBirth"), [PiiKind::DateOfBirth]);
        assert_eq!(classify_field_name("client_ip_address"), [PiiKind::IpAddress]);
        assert_eq!(classify_field_name("billing_address_email"), [PiiKind::Address, PiiKind::Email]);
        for n in [
            "timezone",
            "statement_id",
            "zipper",
            "shipment",
            "description",
            "ipsum",
            "recipe",
            "email_verified",
            "card_type",
            "amount",
        ] {
            assert!(classify_field_name(n).is_empty(), "{n}");
        }
    }

    #[test]
    fn values() {
        assert_eq!(recognize_value("jane.doe@acme.example"), Some(PiiKind::Email));
        assert_eq!(recognize_value("4111 1111 1111 1111"), Some(PiiKind::PaymentCard));
        assert_eq!(recognize_value("4111 1111 1111 1112"), None);
        assert_eq!(recognize_value("GB82 WEST 1234 5698 7654 32"), Some(PiiKind::Iban));
        assert_eq!(recognize_value("GB82 WEST 1234 5698 7654 33"), None);
        assert_eq!(recognize_value("123-45-6789"), Some(PiiKind::Ssn));
        assert_eq!(recognize_value("666-45-6789"), None);
        assert_eq!(recognize_value("943 476 5919"), Some(PiiKind::NhsNumber));
        assert_eq!(recognize_value("+44 20 7946 0958"), Some(PiiKind::Phone));
        assert_eq!(recognize_value("(555) 123-4567"), Some(PiiKind::Phone));
        assert_eq!(recognize_value("2026-11-01"), None);
        assert_eq!(recognize_value("1234.56"), None);
        assert_eq!(recognize_value("10.0.0.1"), Some(PiiKind::IpAddress));
    }

    #[test]
    fn scan_marks_tagged() {
        let m = json!({"spec": {"datasets": [{"name": "expenses", "fields": [
            {"name": "employee_email", "categories": ["pii"]},
            {"name": "amount"},
            {"name": "notes", "sample": ["ok", "call +1 555", "jane@acme.example"]},
            {"name": "card_number", "categories": ["pii"]}
        ]}]}});
        let f = scan_datasets(&m);
        assert_eq!(f.len(), 3, "{f:?}");
        assert!(f[0].tagged && f[0].kind == PiiKind::Email && f[0].path == "/spec/datasets/0/fields/0");
        assert_eq!(f[1].path, "/spec/datasets/0/fields/2/sample/2");
        assert_eq!(f[1].source, PiiSource::Sample);
        assert!(!f[1].tagged);
        assert_eq!(f[2].kind, PiiKind::PaymentCard);
        assert!(!f[2].tagged);
        let j = serde_json::to_value(&f[2]).unwrap_or_default();
        assert_eq!(j["categories"], json!(["pci"]));
        assert_eq!(j["kind"], "payment_card");
        assert_eq!(j["source"], "name");
    }
}
