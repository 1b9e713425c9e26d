//! Key classification: whether a member name is sensitive (`password`, `apiKey`,
//! `client_secret`, ...) and what that says about its value.

use super::words::{is_any, List};
use crate::detect::text::{self, ends_with_ci, Words};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct KeyClass {
    pub(super) sensitive: bool,
    /// A password-family key: numeric literals count too.
    pub(super) password: bool,
}

impl KeyClass {
    pub(super) const PLAIN: KeyClass = KeyClass { sensitive: false, password: false };
}

/// Stems every sensitive word (and every `…key`) contains, lowercase.
const STEMS: &[&[u8]] = &[b"pass", b"pwd", b"pat", b"secret", b"token", b"key", b"auth", b"cred", b"bearer"];

/// Bitset over byte pairs: the first two bytes of each stem (`| 0x20` folded).
static STEM_BIGRAMS: [u64; 1024] = {
    let mut t = [0u64; 1024];
    let mut i = 0;
    while i < STEMS.len() {
        let idx = ((STEMS[i][0] as usize) << 8) | STEMS[i][1] as usize;
        t[idx >> 6] |= 1 << (idx & 63);
        i += 1;
    }
    t
};

/// Cheap reject: does the key contain any stem a sensitive word starts with? One
/// table probe per byte pair; stems are compared only on a probe hit.
#[inline]
fn has_sensitive_stem(key: &str) -> bool {
    let b = key.as_bytes();
    for (i, w) in b.windows(2).enumerate() {
        let idx = (usize::from(w[0] | 0x20) << 8) | usize::from(w[1] | 0x20);
        if (STEM_BIGRAMS[idx >> 6] >> (idx & 63)) & 1 == 0 {
            continue;
        }
        let rest = b.get(i..).unwrap_or_default();
        if STEMS.iter().any(|stem| rest.get(..stem.len()).is_some_and(|w| w.eq_ignore_ascii_case(stem))) {
            return true;
        }
    }
    false
}

pub(super) fn classify_key(key: &str) -> KeyClass {
    if !has_sensitive_stem(key) {
        return KeyClass::PLAIN;
    }
    let mut sensitive = false;
    let mut password = false;
    let mut prev: Option<&str> = None;
    for w in Words::new(key) {
        if is_any(w, List::Modifier) {
            return KeyClass::PLAIN;
        }
        // `OAuth` splits into `O` + `Auth`: the protocol's name, not a credential.
        let oauth = w.eq_ignore_ascii_case("auth") && prev.is_some_and(|p| p.eq_ignore_ascii_case("o"));
        if !oauth && is_any(w, List::Secret) {
            sensitive = true;
            password |= is_any(w, List::Password);
        } else if w.eq_ignore_ascii_case("key") || w.eq_ignore_ascii_case("keys") {
            if prev.is_some_and(|p| is_any(p, List::KeyQualifier)) {
                sensitive = true;
            }
        } else if ends_with_ci(w, "key") && w.len() > 3 {
            if let Some(q) = w.get(..w.len() - 3) {
                if is_any(q, List::KeyQualifier) {
                    sensitive = true;
                }
            }
        }
        prev = Some(w);
    }
    KeyClass { sensitive, password }
}

fn key_has(key: &str, word: &str) -> bool {
    Words::new(key).any(|w| w.eq_ignore_ascii_case(word))
}

/// A provider rule implied by the key name and the value's shape (AWS secret key under
/// `AWS_SECRET_ACCESS_KEY`, Twilio auth token under `TWILIO_AUTH_TOKEN`, ...).
pub(super) fn refine_by_key(key: &str, v: &str) -> Option<&'static str> {
    let b = v.as_bytes();
    if key_has(key, "aws")
        && (key_has(key, "secret") || key_has(key, "sk"))
        && b.len() == 40
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'/' || *c == b'+')
    {
        return Some("aws_secret_access_key");
    }
    if key_has(key, "discord") && is_discord_bot_token(v) {
        return Some("discord_bot_token");
    }
    if key_has(key, "twilio") && b.len() == 32 && text::is_hex(v) {
        return Some("twilio_auth_token");
    }
    if key_has(key, "heroku") && text::is_uuid(v) {
        return Some("heroku_api_key");
    }
    if key_has(key, "datadog") || key_has(key, "dd") {
        if key_has(key, "api") && b.len() == 32 && text::is_hex(v) {
            return Some("datadog_api_key");
        }
        if (key_has(key, "app") || key_has(key, "application")) && b.len() == 40 && text::is_hex(v) {
            return Some("datadog_app_key");
        }
    }
    None
}

fn is_discord_bot_token(v: &str) -> bool {
    let tok = |s: &str| s.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-');
    let mut parts = v.split('.');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(a), Some(b), Some(c), None) => {
            matches!(a.as_bytes().first(), Some(b'M' | b'N' | b'O'))
                && (24..=26).contains(&a.len())
                && b.len() == 6
                && (27..=38).contains(&c.len())
                && tok(a)
                && tok(b)
                && tok(c)
        }
        _ => false,
    }
}
