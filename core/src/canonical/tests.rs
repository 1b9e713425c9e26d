//! RFC 8785 vectors, strictness and round-trip properties of the canonical form.

use super::*;
use proptest::prelude::*;
use serde_json::json;
use std::cmp::Ordering;

fn canon(text: &str) -> String {
    canonicalize_str(text).unwrap()
}

fn fault(text: &str) -> Fault {
    parse(text.as_bytes(), true).unwrap_err().fault
}

/// RFC 8785 §3.2.3: the sorting example, written out from the RFC.
#[test]
fn rfc8785_sorting_vector() {
    let input = r#"{
  "\u20ac": "Euro Sign",
  "\r": "Carriage Return",
  "\ufb33": "Hebrew Letter Dalet With Dagesh",
  "1": "One",
  "\ud83d\ude00": "Emoji: Grinning Face",
  "\u0080": "Control",
  "\u00f6": "Latin Small Letter O With Diaeresis"
}"#;
    let expected = "{\"\\r\":\"Carriage Return\",\"1\":\"One\",\"\u{80}\":\"Control\",\
                        \"\u{f6}\":\"Latin Small Letter O With Diaeresis\",\"\u{20ac}\":\"Euro Sign\",\
                        \"\u{1f600}\":\"Emoji: Grinning Face\",\
                        \"\u{fb33}\":\"Hebrew Letter Dalet With Dagesh\"}";
    assert_eq!(canon(input), expected);
    // The expected output is itself canonical.
    assert!(check_canonical(expected.as_bytes()).is_ok());
}

/// RFC 8785 §3.2.2.2: string escaping, from the RFC's example (numbers left out: the
/// subset has no floats).
#[test]
fn rfc8785_string_vector() {
    let input = r#"{"string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/", "literals": [null, true, false]}"#;
    let expected = "{\"literals\":[null,true,false],\"string\":\"\u{20ac}$\\u000f\\nA'B\\\"\\\\\\\\\\\"/\"}";
    assert_eq!(canon(input), expected);
}

/// The RFC's appendix B table, restricted to the integers of the subset.
#[test]
fn integer_forms() {
    assert_eq!(canon("0"), "0");
    assert_eq!(canon("-0"), "0");
    assert_eq!(canon("9007199254740991"), "9007199254740991");
    assert_eq!(canon("-9007199254740991"), "-9007199254740991");
    assert_eq!(canon("[1, -1, 295]"), "[1,-1,295]");
    assert_eq!(fault("9007199254740992"), Fault::Value);
    assert_eq!(fault("-9007199254740992"), Fault::Value);
    assert_eq!(fault("123456789012345678901234567890"), Fault::Value);
    assert_eq!(fault("1.0"), Fault::Value);
    assert_eq!(fault("1e3"), Fault::Value);
    assert_eq!(fault("-0"), Fault::NonCanonical);
    assert_eq!(fault("01"), Fault::Syntax);
    assert_eq!(fault("1."), Fault::Syntax);
}

#[test]
fn utf16_order_differs_from_code_point_order() {
    // U+1F600 is a surrogate pair (0xD83D ...) and sorts before U+FB33 in UTF-16.
    assert_eq!(cmp_utf16("\u{1f600}", "\u{fb33}"), Ordering::Less);
    assert_eq!(cmp_utf16("a", "ab"), Ordering::Less);
    assert_eq!(cmp_utf16("\r", "1"), Ordering::Less);
    assert_eq!(cmp_utf16("é", "ê"), Ordering::Less);
}

#[test]
fn strictness() {
    assert_eq!(fault(r#"{"a":1,"a":2}"#), Fault::DuplicateKey);
    assert_eq!(fault(r#"{"b":1,"a":2,"b":3}"#), Fault::DuplicateKey);
    assert_eq!(fault(r#"["\ud800"]"#), Fault::Value);
    assert_eq!(fault(r#"["\udc00\ud800"]"#), Fault::Value);
    assert_eq!(fault(r#"["\ud83d\ude00"]"#), Fault::NonCanonical);
    assert_eq!(fault(r#"["\u001F"]"#), Fault::NonCanonical);
    assert!(check_canonical(br#"["\u001f"]"#).is_ok());
    assert_eq!(fault(r#"["\/"]"#), Fault::NonCanonical);
    assert_eq!(fault(r#"["\u0041"]"#), Fault::NonCanonical);
    assert_eq!(fault("[\"\\u000a\"]"), Fault::NonCanonical);
    assert_eq!(fault(r#"{"b":1,"a":2}"#), Fault::NonCanonical);
    assert_eq!(fault(r#"{"a": 1}"#), Fault::NonCanonical);
    assert_eq!(fault(r#"{"a":1,}"#), Fault::Syntax);
    assert_eq!(fault("\u{feff}{}"), Fault::Syntax);
    assert_eq!(fault("[\"a\u{1}\"]"), Fault::Syntax);
    assert_eq!(fault("[NaN]"), Fault::Syntax);
    assert_eq!(parse(b"[\"\xff\"]", true).unwrap_err().fault, Fault::Syntax);
    assert!(check_canonical("[\"\u{7f}\u{2028}\"]".as_bytes()).is_ok());
    let deep = "[".repeat(65) + &"]".repeat(65);
    assert_eq!(fault(&deep), Fault::Syntax);
    let ok = "[".repeat(64) + &"]".repeat(64);
    assert!(check_canonical(ok.as_bytes()).is_ok());
}

#[test]
fn fault_precedence_is_positional_independent() {
    // A float after a duplicate key still reports the value fault first.
    assert_eq!(fault(r#"{"a":1,"a":[1.5]}"#), Fault::Value);
    // Whitespace before a duplicate still reports the duplicate.
    assert_eq!(fault(r#"{ "a":1,"a":2}"#), Fault::DuplicateKey);
    // A syntax error after everything else wins.
    assert_eq!(fault(r#"{"a":1,"a":1.5,"#), Fault::Syntax);
}

#[test]
fn serde_values() {
    let v = json!({"z": {"y": [1, "\u{1f}"]}, "a": null});
    assert_eq!(canonicalize(&v).unwrap(), r#"{"a":null,"z":{"y":[1,"\u001f"]}}"#);
    let e = canonicalize(&json!({"a": [1, 2.5]})).unwrap_err();
    assert_eq!((e.fault, e.pointer.as_str()), (Fault::Value, "/a/1"));
    assert_eq!(canonicalize(&json!({"a~/b": 1.5})).unwrap_err().pointer, "/a~0~1b");
    assert_eq!(canonicalize(&json!(u64::MAX)).unwrap_err().fault, Fault::Value);
    assert_eq!(parse_strict(r#"{"a":1,"a":1}"#).unwrap_err().fault, Fault::DuplicateKey);
}

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-MAX_SAFE_INTEGER..=MAX_SAFE_INTEGER).prop_map(Value::from),
        any::<String>().prop_map(Value::String),
        "[\\x00-\\x20\"\\\\\u{7f}-\u{a0}\u{e000}-\u{ffff}\u{10000}-\u{10ffff}]{0,6}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-z\u{e000}\u{10000}\u{1f600}\r\u{80}]{0,3}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn canonical_round_trip(v in arb_json()) {
        let c = canonicalize(&v).unwrap();
        prop_assert!(check_canonical(c.as_bytes()).is_ok(), "{}", c);
        prop_assert_eq!(&canonicalize_str(&c).unwrap(), &c);
        prop_assert_eq!(parse_strict(&c).unwrap(), v.clone());
        // serde_json's own (non-canonical) output canonicalizes to the same bytes.
        let pretty = serde_json::to_string_pretty(&v).unwrap();
        prop_assert_eq!(canonicalize_str(&pretty).unwrap(), c);
    }

    /// The in-parse canonicity check agrees with "re-serialize and compare bytes".
    #[test]
    fn canonical_check_matches_reserialization(s in "[\\[\\]{}\",:a-c0-9\\\\u \\-]{0,24}") {
        if let Ok(node) = parse(s.as_bytes(), false) {
            let mut out = Vec::new();
            write_node(&mut out, &node);
            prop_assert_eq!(parse(s.as_bytes(), true).is_ok(), out == s.as_bytes());
        }
    }

    /// The digest form is serde_json's compact output, byte for byte (floats, big integers and
    /// escapes included): input digests did not change when it replaced `serde_json::to_writer`.
    #[test]
    fn sorted_form_is_serde_jsons(v in arb_json_with_floats()) {
        let mut out = Vec::new();
        write_sorted(&mut out, &v);
        prop_assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string(&v).unwrap());
    }
}

fn arb_json_with_floats() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        arb_json(),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f).map(Value::Number)),
        any::<u64>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z\u{e000}\u{10000}]{0,3}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

#[test]
fn sorted_form_sorts_members_by_utf8_bytes() {
    // Inserted out of order; serde_json's map keeps them sorted (no `preserve_order`).
    let mut m = serde_json::Map::new();
    for k in ["\u{e000}", "b", "\u{1f600}", "a"] {
        m.insert(k.to_string(), json!(1.5));
    }
    let mut out = Vec::new();
    write_sorted(&mut out, &Value::Object(m));
    assert_eq!(String::from_utf8(out).unwrap(), "{\"a\":1.5,\"b\":1.5,\"\u{e000}\":1.5,\"\u{1f600}\":1.5}");
}
