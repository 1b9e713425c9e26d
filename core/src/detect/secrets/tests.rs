//! Rule coverage, allowlists, the gate and the walker, on synthetic secrets.

use super::keys::classify_key;
use super::prefilter::{has_assignment_separator, trigram_slot, COMPILED};
use super::rules::{Kw, RULES};
use super::walk::{packed_key, preview};
use super::words::{BENIGN_WORDS, KEY_QUALIFIERS, MODIFIERS, PASSWORD_WORDS, PLACEHOLDER_WORDS, SECRET_WORDS};
use super::{scan_text, scan_value, SecretFinding};
use serde_json::json;

fn rules_of(f: &[SecretFinding]) -> Vec<&str> {
    f.iter().map(|x| x.rule.as_str()).collect()
}

#[test]
fn every_pattern_compiles_and_automaton_builds() {
    assert!(RULES.len() <= 128);
    assert!(COMPILED.ac.is_some());
    for (r, re) in RULES.iter().zip(&COMPILED.regexes) {
        assert_eq!(r.pattern.is_empty(), re.is_none(), "rule {} failed to compile", r.id);
        if !r.pattern.is_empty() {
            assert!(!r.keywords.is_empty(), "rule {} has no keyword", r.id);
        }
    }
    let mut ids: Vec<_> = RULES.iter().map(|r| r.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), RULES.len(), "duplicate rule id");
}

#[test]
fn findings_doc_lists_every_rule() {
    let doc = include_str!("../../../docs/findings.md");
    for r in RULES {
        assert!(doc.contains(&format!("| `{}` |", r.id)), "docs/findings.md lacks {}", r.id);
    }
}

#[test]
fn gate_passes_every_keyword() {
    let c = &*COMPILED;
    for r in RULES {
        for kw in r.keywords {
            let (Kw::Cs(k) | Kw::Ci(k)) = kw;
            let mut variants = vec![k.to_string()];
            if matches!(kw, Kw::Ci(_)) {
                variants.push(k.to_ascii_lowercase());
                variants.push(k.to_ascii_uppercase());
            }
            for v in variants {
                let at = if v == "://" { "@" } else { "" };
                let sep = if r.needs_separator { "=" } else { "" };
                let probe = format!("x {v}x{at}{sep}");
                assert!(c.gate.may_match(probe.as_bytes()), "{} keyword {v}", r.id);
            }
        }
    }
    assert!(!c.gate.may_match(b"Approve expense reports under 5k"));
    // `key=value` keywords count only next to an assignment separator.
    assert!(!c.gate.separator_slots.is_empty());
    assert!(!c.gate.may_match(b"vault://secret/apps/expense-approver/conn-0"));
    assert!(!c.gate.may_match(b"${DB_PASSWORD}"));
    assert!(c.gate.may_match(b"db password: hunter2"));
}

/// The gate by its definition, one trigram at a time: a set trigram counts unless
/// only `key=value` keywords set it and the string has no assignment separator;
/// a string with an `@` and a `://` passes too.
fn gate_by_definition(s: &[u8]) -> bool {
    let g = &COMPILED.gate;
    let separator = separator_by_definition(s);
    s.windows(3).any(|w| {
        let slot = trigram_slot(w[0], w[1], w[2]);
        g.bit(slot) != 0 && (!g.separator_slots.contains(&slot) || separator)
    }) || (s.contains(&b'@') && s.windows(3).any(|w| w == b"://"))
}

fn separator_by_definition(s: &[u8]) -> bool {
    s.iter().enumerate().any(|(i, &c)| c == b'=' || (c == b':' && s.get(i + 1) != Some(&b'/')))
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]

    #[test]
    fn gate_scan_agrees_with_its_definition(
        s in "([a-zA-Z0-9_=:/@.~ -]{0,7}(secret|Token|KEY|pass|auth|ghp_|SK|AC|sig=|://|xoxb-|eyJ)?){0,9}"
    ) {
        let b = s.as_bytes();
        proptest::prop_assert_eq!(COMPILED.gate.may_match(b), gate_by_definition(b));
        proptest::prop_assert_eq!(has_assignment_separator(b), separator_by_definition(b));
    }

    #[test]
    fn packed_keys_tell_keys_apart(
        key in "[a-zA-Z0-9_.-]{1,16}",
        at in proptest::prelude::any::<proptest::sample::Index>(),
        byte in proptest::prelude::any::<u8>(),
    ) {
        let mut other = key.clone().into_bytes();
        let i = at.index(other.len());
        proptest::prop_assume!(other[i] != byte);
        other[i] = byte;
        proptest::prop_assert!(packed_key(key.as_bytes()).is_some());
        proptest::prop_assert_ne!(packed_key(key.as_bytes()), packed_key(&other));
    }
}

#[test]
fn word_lists_are_sorted_lowercase() {
    for list in [SECRET_WORDS, PASSWORD_WORDS, KEY_QUALIFIERS, MODIFIERS, PLACEHOLDER_WORDS, BENIGN_WORDS] {
        assert!(list.windows(2).all(|w| w[0] < w[1]), "{list:?}");
        assert!(list.iter().all(|w| *w == w.to_ascii_lowercase() && w.len() <= 32));
    }
}

#[test]
fn key_classes() {
    for k in [
        "password",
        "DB_PASSWORD",
        "apiKey",
        "api_key",
        "x-api-key",
        "client_secret",
        "GH_TOKEN",
        "Authorization",
        "privateKey",
        "AWS_SECRET_ACCESS_KEY",
        "credentials",
        "signingKey",
        "auth",
        "passwd",
        "oauth_token",
        "OAuthClientSecret",
    ] {
        assert!(classify_key(k).sensitive, "{k}");
    }
    for k in [
        "tokenizer",
        "secretRef",
        "passwordMinLength",
        "tokenUrl",
        "sortKey",
        "primaryKey",
        "keyboard",
        "monkey",
        "name",
        "endpoint",
        "secretName",
        "authType",
        "api_key_header",
        "maxTokens",
        "bypass",
        "compass",
        "OAuth",
        "oAuthProvider",
        "OAuth2",
        "author",
    ] {
        assert!(!classify_key(k).sensitive, "{k}");
    }
}

#[test]
fn manifest_paths_and_no_secret_in_output() {
    let secret = "ghp_0123456789abcdefFAKEFAKEFAKEfake0000";
    let doc = json!({
        "spec": {
            "env": {"GH_TOKEN": secret, "LOG_LEVEL": "info", "a/b": "p@ss-W0rd-literal"},
            "connectors": [{"secretRef": "vault://secret/x", "config": {"pool": 4,
                "password": "${DB_PASS}"}}],
        }
    });
    let f = scan_value(&doc);
    assert_eq!(rules_of(&f), ["github_pat"]);
    assert_eq!(f[0].path, "/spec/env/GH_TOKEN");
    assert_eq!(f[0].preview, "ghp_…");
    let doc = json!({"headers": {"a/b~c": {"password": "hunter2!"}}});
    let f = scan_value(&doc);
    assert_eq!(f[0].path, "/headers/a~1b~0c/password");
    assert_eq!(f[0].rule, "sensitive_key_literal");
    assert!(!serde_json::to_string(&f).unwrap_or_default().contains("hunter2"));
}

#[test]
fn kubernetes_name_value_pairs() {
    let doc = json!({"env": [{"name": "DB_PASSWORD", "value": "s3cr3t-Pa55"},
                                  {"name": "LOG", "value": "debug"}]});
    let f = scan_value(&doc);
    assert_eq!(rules_of(&f), ["sensitive_key_literal"]);
    assert_eq!(f[0].path, "/env/0/value");
}

#[test]
fn once_per_path_and_rule() {
    let f = scan_text("ghp_0123456789abcdefFAKEFAKEFAKEfake0000 ghp_0123456789abcdefFAKEFAKEFAKEfake1111");
    assert_eq!(rules_of(&f), ["github_pat"]);
}

#[test]
fn service_account_object() {
    let doc = json!({"creds": {"type": "service_account", "project_id": "p",
            "private_key": "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7FAKE\n-----END PRIVATE KEY-----\n"}});
    let f = scan_value(&doc);
    let r = rules_of(&f);
    assert!(r.contains(&"private_key"), "{r:?}");
    assert!(r.contains(&"gcp_service_account"), "{r:?}");
}

#[test]
fn preview_is_short() {
    assert_eq!(preview("abc"), "…");
    assert_eq!(preview("hunter22"), "hu…");
    assert_eq!(preview("ghp_0123456789"), "ghp…");
    assert_eq!(preview("ghp_0123456789abcdef"), "ghp_…");
}
