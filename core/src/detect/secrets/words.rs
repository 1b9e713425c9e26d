//! The word lists the key classifier and the allowlists look words up in (sorted, lowercase),
//! compiled once into case-insensitive sets.

use crate::detect::text;
use std::sync::LazyLock;

/// Words that make a key sensitive on their own.
#[rustfmt::skip]
pub(super) const SECRET_WORDS: &[&str] = &[
    "accesskey", "apikey", "apikeys", "auth", "authorization", "authtoken", "bearer",
    "clientsecret", "cred", "credential", "credentials", "creds", "pass", "passcode", "passphrase",
    "passwd", "password", "passwort", "pat", "privatekey", "pwd", "sastoken", "secret",
    "secretkey", "secrets", "token", "tokens",
];
#[rustfmt::skip]
pub(super) const PASSWORD_WORDS: &[&str] =
    &[
        "pass", "passcode", "passphrase", "passwd", "password", "passwort", "pwd",
    ];
/// `<qualifier> key` / `<qualifier>key` is sensitive; a bare `key` is not (`sortKey`).
#[rustfmt::skip]
pub(super) const KEY_QUALIFIERS: &[&str] = &[
    "access", "account", "admin", "aes", "api", "app", "application", "auth", "client", "consumer",
    "crypto", "deploy", "encrypt", "encryption", "gpg", "hmac", "ingest", "jwt", "licence",
    "license", "management", "master", "merchant", "partner", "pgp", "private", "root", "sas",
    "secret", "service", "session", "shared", "sign", "signing", "storage", "subscription",
    "webhook", "write",
];
/// Words that turn a sensitive key into metadata about the secret (`tokenUrl`,
/// `passwordMinLength`, `secretRef`, `apiKeyHeader`).
#[rustfmt::skip]
pub(super) const MODIFIERS: &[&str] = &[
    "age", "alg", "algorithm", "arn", "at", "audience", "bits", "budget", "changed", "config",
    "count", "counter", "created", "date", "days", "desc", "description", "dir", "duration",
    "enable", "enabled", "encoding", "endpoint", "env", "estimate", "estimator", "exchange",
    "expiration", "expire", "expires", "expiry", "field", "file", "filename", "format",
    "generator", "header", "help", "hint", "hours", "id", "ids", "interval", "introspection",
    "issuer", "kind", "label", "last", "len", "length", "less", "lifetime", "limit", "limits",
    "location", "log", "logging", "lookup", "manager", "max", "maximum", "method", "min",
    "minimum", "mode", "name", "names", "param", "parameter", "path", "pattern", "period",
    "placeholder", "policies", "policy", "prefix", "prompt", "provider", "ref", "reference",
    "refresh", "refs", "regex", "require", "required", "reset", "retries", "retry", "revocation",
    "rotate", "rotation", "rule", "rules", "scheme", "scope", "scopes", "seconds", "settings",
    "size", "source", "store", "strength", "suffix", "template", "through", "time", "timeout",
    "title", "ttl", "type", "types", "updated", "uri", "url", "urls", "usage", "usages", "used",
    "validation", "validator", "var", "variable", "vault", "version",
];

/// Whole values that are placeholders, not secrets (sorted, lowercase).
#[rustfmt::skip]
pub(super) const PLACEHOLDER_WORDS: &[&str] = &[
    "-", "bar", "change-me", "change_me", "changeit", "changeme", "default", "dummy", "empty",
    "example", "fake", "fixme", "foo", "foobar", "hidden", "masked", "n/a", "na", "nil",
    "none", "not-set", "notset", "null", "password", "placeholder", "redacted", "removed",
    "replace-me", "replace_me", "replaceme", "sample", "secret", "tbd", "test", "testing",
    "todo", "token", "undefined", "unset", "your_api_key_here",
];

/// Whole values that name an auth mechanism or a flag (sorted, lowercase).
#[rustfmt::skip]
pub(super) const BENIGN_WORDS: &[&str] = &[
    "anonymous", "api-key", "api_key", "apikey", "authorization_code", "auto", "aws-sigv4",
    "aws_iam", "basic", "bearer", "cert", "certificate", "client_credentials", "cookie",
    "device_code", "digest", "disabled", "enabled", "false", "header", "hmac", "iam",
    "implicit", "jwt", "kerberos", "ldap", "managed-identity", "managed_identity", "md5",
    "msi", "mtls", "no", "none", "ntlm", "oauth", "oauth2", "off", "oidc", "on", "optional",
    "password", "peer", "plain", "query", "refresh_token", "required", "saml", "scram-sha-256",
    "scram-sha-512", "service_account", "sigv4", "sso", "tls", "true", "trust",
    "workload-identity", "workload_identity", "yes",
];

pub(super) static WORD_SETS: LazyLock<[text::WordMap<()>; 6]> = LazyLock::new(|| {
    [
        text::word_set(SECRET_WORDS),
        text::word_set(PASSWORD_WORDS),
        text::word_set(KEY_QUALIFIERS),
        text::word_set(MODIFIERS),
        text::word_set(PLACEHOLDER_WORDS),
        text::word_set(BENIGN_WORDS),
    ]
});

/// The word lists, by index into `WORD_SETS`.
#[derive(Clone, Copy)]
pub(super) enum List {
    Secret = 0,
    Password = 1,
    KeyQualifier = 2,
    Modifier = 3,
    Placeholder = 4,
    Benign = 5,
}

/// Case-insensitive membership in one of the word lists above.
#[inline]
pub(super) fn is_any(word: &str, list: List) -> bool {
    WORD_SETS[list as usize].contains(word)
}
