//! Property tests: the detectors take untrusted text and must never panic, and what
//! they report must be consistent with itself.

use microgov::detect::{egress, pii, secrets};
use proptest::prelude::*;
use serde_json::json;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn egress_never_panics_and_is_idempotent(
        input in prop_oneof![
            "\\PC{0,60}",
            "(https?|wss?|ftp|file|gopher|postgres|redis|mongodb\\+srv|javascript):[/\\\\]{0,3}[a-zA-Z0-9%@:.\\[\\]\\\\/#?~*-]{0,50}",
            "https?://(\\[[0-9a-fA-F:.]{0,30}\\]|[0-9xX.]{1,20})(:[0-9]{1,6})?/[a-z0-9%./]{0,10}",
            "https?://[a-z0-9.-]{0,10}[\\u{80}-\\u{2FFF}]{1,6}[a-z0-9.-]{0,10}/",
        ]
    ) {
        let finding = egress::EgressFinding::from_input("/p".into(), &input);
        if let Ok(n) = egress::NormalizedUrl::parse(&input) {
            // The canonical form parses to the same host, port and scheme.
            let again = egress::NormalizedUrl::parse(n.as_str());
            prop_assert!(again.is_ok(), "{} -> {}", input, n.as_str());
            // (A host with several trailing dots loses one per normalization.)
            if let Ok(again) = again.as_ref().map_err(|_| ()).and_then(|a| if n.host().ends_with('.') { Err(()) } else { Ok(a) }) {
                prop_assert_eq!(again.host(), n.host());
                prop_assert_eq!(again.port(), n.port());
                prop_assert_eq!(again.scheme(), n.scheme());
                prop_assert_eq!(egress::match_declared(std::slice::from_ref(&n), again).is_some(), !n.host().is_empty());
            }
            prop_assert_eq!(finding.host.as_deref(), Some(n.host()));
            prop_assert!(!n.as_str().contains('@') || n.as_str().contains("#") || n.as_str().contains("?") || n.path().contains('@'));
        } else {
            prop_assert!(finding.url.is_none());
        }
    }

    #[test]
    fn secrets_never_panic_and_never_leak(key in "\\PC{0,20}", value in "\\PC{0,80}") {
        let findings = secrets::scan_value(&json!({ key.clone(): value.clone() }));
        for f in &findings {
            let shown = f.preview.trim_end_matches('…');
            prop_assert!(shown.chars().count() <= 4);
        }
        let _ = secrets::scan_text(&value);
    }

    #[test]
    fn secrets_on_token_like_values(value in "[A-Za-z0-9_./+=:@$-]{10,80}") {
        let _ = secrets::scan_text(&value);
        let _ = secrets::scan_pair(Some("apiKey"), &value);
    }

    #[test]
    fn pii_never_panics(name in "\\PC{0,40}", value in "\\PC{0,40}", digits in "[0-9 +()-]{0,25}") {
        let _ = pii::classify_field_name(&name);
        let _ = pii::recognize_value(&value);
        let _ = pii::recognize_value(&digits);
        let m = json!({"spec": {"datasets": [{"name": "d", "fields": [{"name": name, "sample": [value, digits]}]}]}});
        let _ = pii::scan_datasets(&m);
    }

    #[test]
    fn card_numbers_need_luhn(mut digits in proptest::collection::vec(0u8..10, 14)) {
        // Prefix 4 (Visa) and 16 digits; exactly one check digit makes it valid.
        digits.insert(0, 4);
        let valid: Vec<String> = (0..10u8)
            .map(|c| digits.iter().chain(std::iter::once(&c)).map(|d| char::from(b'0' + d)).collect())
            .filter(|s: &String| pii::is_payment_card(s))
            .collect();
        prop_assert_eq!(valid.len(), 1);
    }
}
