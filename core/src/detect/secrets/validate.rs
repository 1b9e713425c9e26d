//! Validators: decoding checks that confirm a pattern match (a JWT header, Basic credentials, a
//! URI password).

use super::allow::{is_benign_word, is_placeholder, is_reference, KNOWN_EXAMPLES};
use base64::Engine as _;
use serde_json::Value;

fn b64_decode_lenient(s: &str, url_safe: bool) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    let s = s.trim_end_matches('=');
    if url_safe {
        URL_SAFE_NO_PAD.decode(s).ok()
    } else {
        STANDARD_NO_PAD.decode(s).ok()
    }
}

pub(super) fn valid_jwt(token: &str) -> bool {
    let mut parts = token.split('.');
    let (Some(header), Some(payload)) = (parts.next(), parts.next()) else {
        return false;
    };
    if KNOWN_EXAMPLES.contains(&payload) {
        return false;
    }
    let Some(bytes) = b64_decode_lenient(header, true) else {
        return false;
    };
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(m)) => m.get("alg").is_some_and(Value::is_string),
        _ => false,
    }
}

pub(super) fn valid_basic(b64: &str) -> bool {
    let Some(bytes) = b64_decode_lenient(b64, false) else {
        return false;
    };
    let Ok(s) = std::str::from_utf8(&bytes) else {
        return false;
    };
    match s.split_once(':') {
        Some((user, pass)) => {
            !user.is_empty()
                && !pass.is_empty()
                && !user.chars().any(char::is_control)
                && !is_placeholder(pass)
                && !is_reference(pass)
        }
        None => false,
    }
}

pub(super) fn valid_uri_password(pass: &str) -> bool {
    !pass.is_empty() && !is_reference(pass) && !is_placeholder(pass) && !pass.contains("${") && !pass.contains("{{")
}

/// Password literal in running text: not an ordinary lowercase word.
pub(super) fn password_like(v: &str) -> bool {
    v.chars().count() >= 6 && v.bytes().any(|c| !c.is_ascii_lowercase()) && !is_benign_word(v)
}
