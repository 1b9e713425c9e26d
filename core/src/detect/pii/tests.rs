//! Field names and sample values that are, and are not, personal data.

use super::names::{classify_field_name, ATTRIBUTES, PHRASES};
use super::scan::scan_datasets;
use super::values::recognize_value;
use super::{PiiKind, PiiSource};
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
