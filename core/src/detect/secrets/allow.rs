//! Allowlists: references, placeholders, documentation examples, checksums and other values
//! that are not secrets.

use super::words::{is_any, List};
use crate::detect::text::{self, contains_ci, entropy, starts_with_ci};

/// Published documentation examples (AWS docs, jwt.io).
#[rustfmt::skip]
pub(super) const KNOWN_EXAMPLES: &[&str] = &[
    "AKIAIOSFODNN7EXAMPLE",
    "AKIAI44QH8DHBEXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
    // jwt.io default payloads
    "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ",
    "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiYWRtaW4iOnRydWUsImlhdCI6MTUxNjIzOTAyMn0",
    "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
];

pub(super) fn is_known_example(v: &str) -> bool {
    // AWS documentation marks every sample credential with `EXAMPLE`.
    v.contains("EXAMPLE") || KNOWN_EXAMPLES.iter().any(|e| v.contains(e))
}

/// A reference to a secret kept elsewhere: a store URI, an environment or CI variable,
/// a Key Vault reference, a secrets-manager ARN, a mounted secret file.
pub fn is_reference(v: &str) -> bool {
    let v = text::trim(v);
    #[rustfmt::skip]
    const SCHEMES: &[&str] = &[
        "vault://", "aws-sm://", "awssm://", "azure-kv://", "azurekv://", "gcp-sm://", "gcpsm://",
        "k8s://", "kubernetes://", "op://", "env://", "doppler://", "infisical://", "bws://",
        "akv://", "ssm://", "secretsmanager://", "ref+", "file:///run/secrets/", "vault:", "env:",
        "ENC[",
    ];
    if SCHEMES.iter().any(|s| starts_with_ci(v, s)) {
        return true;
    }
    if (v.starts_with("${") || v.starts_with("$(") || v.starts_with("{{") || v.starts_with("%("))
        && (v.ends_with('}') || v.ends_with(')') || v.ends_with(")s"))
    {
        return true;
    }
    // $VAR / %VAR%
    if let Some(name) = v.strip_prefix('$') {
        if !name.is_empty() && name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_') {
            return true;
        }
    }
    if v.len() > 2 && v.starts_with('%') && v.ends_with('%') {
        return true;
    }
    if starts_with_ci(v, "@Microsoft.KeyVault(") {
        return true;
    }
    if starts_with_ci(v, "arn:aws") && (v.contains(":secretsmanager:") || v.contains(":ssm:")) {
        return true;
    }
    if starts_with_ci(v, "https://") && contains_ci(v, ".vault.azure.net/secrets/") {
        return true;
    }
    if v.starts_with("projects/") && v.contains("/secrets/") {
        return true;
    }
    v.starts_with("/run/secrets/") || v.starts_with("/var/run/secrets/")
}

/// `Bearer ${TOKEN}` → `${TOKEN}`: the credential after an HTTP auth scheme word.
pub(super) fn strip_auth_scheme(v: &str) -> &str {
    for scheme in ["bearer ", "basic ", "token ", "apikey ", "digest "] {
        if starts_with_ci(v, scheme) {
            return v.get(scheme.len()..).unwrap_or_default().trim_start();
        }
    }
    v
}

/// A placeholder or obviously-not-a-secret filler value.
pub fn is_placeholder(v: &str) -> bool {
    let v = text::trim(v).trim_matches(|c| c == '"' || c == '\'');
    if v.is_empty() {
        return true;
    }
    if is_any(v, List::Placeholder) {
        return true;
    }
    let b = v.as_bytes();
    if let Some(&first) = b.first() {
        if b.iter().all(|&c| c == first) {
            return true;
        }
    }
    if b.iter().all(|&c| matches!(c, b'x' | b'X' | b'*' | b'.' | b'_' | b'-' | b'#' | b'0')) {
        return true;
    }
    if v.contains('…') || v.contains('•') {
        return true;
    }
    if (v.starts_with('<') && v.ends_with('>'))
        || (v.starts_with('[') && v.ends_with(']'))
        || (v.starts_with('{') && v.ends_with('}') && !v.contains(':'))
    {
        return true;
    }
    if contains_ci(v, "xxxx") || v.contains("****") || contains_ci(v, "example") {
        return true;
    }
    let your = starts_with_ci(v, "your")
        || starts_with_ci(v, "my_")
        || starts_with_ci(v, "my-")
        || starts_with_ci(v, "insert")
        || starts_with_ci(v, "enter")
        || starts_with_ci(v, "replace")
        || starts_with_ci(v, "put");
    your && (contains_ci(v, "key")
        || contains_ci(v, "token")
        || contains_ci(v, "secret")
        || contains_ci(v, "pass")
        || contains_ci(v, "here"))
}

/// A word that describes a mechanism rather than being a secret (`auth: oidc`).
pub(super) fn is_benign_word(v: &str) -> bool {
    is_any(v, List::Benign)
}

/// An absolute or relative file path (a mounted secret, a key file), not a secret.
pub(super) fn is_path_like(v: &str) -> bool {
    let rest = if let Some(r) = v.strip_prefix("~/") {
        r
    } else if let Some(r) = v.strip_prefix("./") {
        r
    } else if let Some(r) = v.strip_prefix("../") {
        r
    } else if let Some(r) = v.strip_prefix('/') {
        r
    } else {
        return false;
    };
    let mut segments = 0usize;
    for seg in rest.split('/') {
        if seg.is_empty() || !seg.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-')) {
            return false;
        }
        segments += 1;
    }
    let has_ext = rest.rsplit('/').next().is_some_and(|last| {
        last.rsplit_once('.').is_some_and(|(stem, ext)| !stem.is_empty() && (1..=5).contains(&ext.len()))
    });
    segments >= 2 || has_ext
}

/// A plain URL with no userinfo and no query: an endpoint, not a credential.
pub(super) fn is_plain_url(v: &str) -> bool {
    (starts_with_ci(v, "https://") || starts_with_ci(v, "http://"))
        && !v.contains('@')
        && !v.contains('?')
        && !v.contains(char::is_whitespace)
}

/// Hashes and checksums that look random but are not secrets.
pub(super) fn is_checksum(v: &str) -> bool {
    for prefix in ["sha256:", "sha512:", "sha384:", "sha1:", "md5:", "sha256-", "sha512-", "sha384-"] {
        if starts_with_ci(v, prefix) {
            return true;
        }
    }
    text::is_hex(v) && matches!(v.len(), 32 | 40 | 56 | 64 | 96 | 128)
}

/// A span that matched a provider format but is filler (`ghp_xxxx…`, all zeros).
pub(super) fn span_is_filler(span: &str) -> bool {
    let b = span.as_bytes();
    contains_ci(span, "xxxx")
        || span.contains("****")
        || b.first().is_some_and(|&f| b.iter().all(|&c| c == f))
        // Short passwords have little entropy by nature; only long spans are judged.
        || (b.len() >= 12 && entropy(b) < 2.0)
}

/// Publishable keys and identifiers that look random but are public by design.
pub(super) fn is_public_token(v: &str) -> bool {
    ["pk_live_", "pk_test_", "sq0idp-", "npub1"].iter().any(|p| v.starts_with(p))
}
