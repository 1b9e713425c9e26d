//! Inline secrets in a manifest: every string value, with its key as context.
//!
//! The pipeline follows gitleaks / trufflehog / detect-secrets:
//!
//! 1. **keyword prefilter** — a 16 KB trigram gate (one table probe per byte, six at a
//!    time) lets through only strings that may hold a keyword (the keywords of
//!    `key=value` rules count only next to a `=` or `:`); on those, one Aho-Corasick
//!    automaton over every rule's keywords (built once) picks the rules whose regex
//!    runs;
//! 2. **provider rules** — linear-time `regex` patterns for the common credential
//!    formats, each with a validator (JWT header decodes to JSON with `alg`, Basic
//!    credentials decode to `user:pass`, URI passwords are not `${VAR}` references, ...);
//! 3. **entropy** — a strict Shannon-entropy test for a lone high-entropy token and for
//!    `key=value` assignments under a sensitive key;
//! 4. **allowlists** — documentation examples (`AKIAIOSFODNN7EXAMPLE`, the jwt.io token),
//!    placeholders (`<your-key>`, `xxxx`, `changeme`), UUIDs, commit hashes, checksums;
//! 5. **structural pass** — a string under a sensitive key (`password`, `apiKey`,
//!    `client_secret`, ...) must be a reference (`vault://`, `${VAR}`, a secrets-manager
//!    ARN, ...); any other literal is a finding.
//!
//! A finding never carries the secret: only the rule, the JSON pointer and a short
//! redacted preview. The finding shape and the rule list are specified in
//! `core/docs/findings.md`.

use std::cell::RefCell;
use std::sync::LazyLock;

use aho_corasick::automaton::Automaton;
use aho_corasick::nfa::contiguous::NFA;
use aho_corasick::{Anchored, MatchKind};
use base64::Engine as _;
use regex::Regex;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::text::{self, contains_ci, ends_with_ci, entropy, starts_with_ci, Seg, Words};
use crate::Manifest;

mod manifest;

/// How bad a leaked credential of this kind is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Test-mode or low-privilege credentials.
    Low,
    /// Generic or context-derived findings, short-lived tokens.
    Medium,
    /// A live credential for one service.
    High,
    /// Cloud root credentials, private keys, live payment keys.
    Critical,
}

/// How sure the detector is that the match is a real credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    /// Entropy only.
    Low,
    /// Format plus context (key name, `Bearer`, `password=`).
    Medium,
    /// A provider's distinctive format (fixed prefix, checksum-like structure).
    High,
}

/// One inline secret. It never contains the secret itself.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SecretFinding {
    /// Rule id, e.g. `github_pat`; see [`rules`].
    pub rule: String,
    /// RFC 6901 JSON pointer of the string that holds the secret.
    pub path: String,
    /// Redacted preview: at most the first 4 characters of the secret (fewer for short
    /// secrets: a quarter of its length) followed by `…`.
    pub preview: String,
    /// Severity of the rule.
    pub severity: Severity,
    /// Confidence of the rule.
    pub confidence: Confidence,
    /// Human-readable description of the rule.
    pub description: String,
}

/// Public description of one detection rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RuleInfo {
    /// Stable rule id, as in [`SecretFinding::rule`].
    pub id: &'static str,
    /// What the rule finds.
    pub description: &'static str,
    /// Severity of its findings.
    pub severity: Severity,
    /// Confidence of its findings.
    pub confidence: Confidence,
}

/// Every rule the scanner can report, in evaluation order.
pub fn rules() -> impl Iterator<Item = RuleInfo> {
    RULES.iter().map(|r| RuleInfo {
        id: r.id,
        description: r.description,
        severity: r.severity,
        confidence: r.confidence,
    })
}

/// Scans every string of a JSON document (a manifest, a connector config, ...).
/// Object keys give context: a string under a sensitive key must be a reference.
pub fn scan_value(doc: &Value) -> Vec<SecretFinding> {
    scan_with(|w| w.walk(doc, None))
}

/// Scans every string of a validated manifest: the same findings, in the same order,
/// as `scan_value(&manifest.to_value())`, without building the JSON value.
pub fn scan_manifest(manifest: &Manifest) -> Vec<SecretFinding> {
    scan_with(|w| w.manifest(manifest))
}

/// Scans one `key: value` pair as if it were the document `{key: value}`; with no key,
/// scans the bare string (path `""`).
pub fn scan_pair(key: Option<&str>, value: &str) -> Vec<SecretFinding> {
    scan_with(|w| match key {
        Some(k) => {
            w.path.push(Seg::Key(k));
            w.string(value, Some(k), classify_key(k));
        }
        None => w.string(value, None, KeyClass::PLAIN),
    })
}

/// Compiles the rule set now rather than on the first scan (a few milliseconds: the
/// regexes, the keyword automaton, the gate, the word lists).
pub fn warm_up() {
    LazyLock::force(&COMPILED);
    LazyLock::force(&WORD_SETS);
}

/// Scans free text (a header line, a config file body) with no key context.
pub fn scan_text(text: &str) -> Vec<SecretFinding> {
    scan_pair(None, text)
}

// ---------------------------------------------------------------------------------
// Rule table
// ---------------------------------------------------------------------------------

/// A prefilter keyword; `Ci` keywords are matched in lower, UPPER and as-written case.
#[derive(Clone, Copy)]
enum Kw {
    Cs(&'static str),
    Ci(&'static str),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Check {
    /// Format is enough (after the universal placeholder/example filters).
    Format,
    /// Span entropy at least this many bits per byte (×10, to stay `Eq`).
    MinEntropy(u8),
    /// JWT: header decodes to a JSON object with `alg`; jwt.io examples excluded.
    Jwt,
    /// `Basic <b64>`: decodes to `user:password`.
    Basic,
    /// `scheme://user:password@`: password is not a reference or placeholder.
    UriPassword,
    /// Azure SAS `sig=`: the string also has `sv=` or `se=`.
    Sas,
    /// `key = value` assignment: key must be sensitive; value secret-like.
    Assignment,
    /// `Bearer <token>` literal.
    Bearer,
    /// Structural match (PEM header, service-account JSON): no placeholder filter.
    Structure,
    /// Service-account JSON type marker: the string also has `private_key`.
    ServiceAccount,
}

struct RuleDef {
    id: &'static str,
    description: &'static str,
    severity: Severity,
    confidence: Confidence,
    keywords: &'static [Kw],
    /// Empty: the rule is only reported from key context or code.
    pattern: &'static str,
    /// Capture group holding the secret (0 = whole match).
    group: usize,
    check: Check,
    /// A byte that must occur in the string before the regex runs.
    needs: Option<u8>,
    /// `key=value` rules: the string must hold a `=`, or a `:` that does not start `://`.
    needs_separator: bool,
    /// Generic rules yield to a more specific finding on an overlapping span.
    generic: bool,
}

use Confidence as C;
use Severity as S;

const fn rule(
    id: &'static str,
    description: &'static str,
    severity: Severity,
    confidence: Confidence,
    keywords: &'static [Kw],
    pattern: &'static str,
) -> RuleDef {
    RuleDef {
        id,
        description,
        severity,
        confidence,
        keywords,
        pattern,
        group: 1,
        check: Check::Format,
        needs: None,
        needs_separator: false,
        generic: false,
    }
}

impl RuleDef {
    const fn check(mut self, c: Check) -> Self {
        self.check = c;
        self
    }
    const fn group(mut self, g: usize) -> Self {
        self.group = g;
        self
    }
    const fn needs(mut self, b: u8) -> Self {
        self.needs = Some(b);
        self
    }
    const fn needs_separator(mut self) -> Self {
        self.needs_separator = true;
        self
    }
    const fn generic(mut self) -> Self {
        self.generic = true;
        self
    }
}

// `(?-u:\b)` is an ASCII word boundary: it keeps the lazy DFA usable on any input.
// `(?:[^0-9A-Za-z_-]|$)` ends a token whose alphabet includes `-`.
#[rustfmt::skip]
const RULES: &[RuleDef] = &[
    // --- cloud ---
    rule("aws_access_key_id", "AWS access key id", S::High, C::High,
        &[Kw::Cs("AKIA"), Kw::Cs("ASIA"), Kw::Cs("ABIA"), Kw::Cs("ACCA"), Kw::Cs("A3T")],
        r"(?-u:\b)((?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})(?-u:\b)"),
    rule("aws_secret_access_key", "AWS secret access key next to an AWS key name", S::Critical, C::Medium,
        &[Kw::Ci("aws_secret"), Kw::Cs("awsSecret"), Kw::Ci("aws-secret"), Kw::Ci("aws_sk")],
        r#"(?i)aws[a-z0-9_.-]{0,30}(?:secret|sk)[a-z0-9_.-]{0,30}["']?\s*(?:=|:|=>)\s*["']?([A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)"#)
        .check(Check::MinEntropy(35)),
    rule("gcp_api_key", "Google Cloud API key", S::High, C::High, &[Kw::Cs("AIza")],
        r"(?-u:\b)(AIza[0-9A-Za-z_-]{35})(?:[^0-9A-Za-z_-]|$)"),
    rule("gcp_service_account", "Google Cloud service-account key (JSON with a private key)", S::Critical, C::High,
        &[Kw::Cs("service_account")],
        r#""type"\s*:\s*"service_account""#)
        .group(0).check(Check::ServiceAccount),
    rule("gcp_oauth_client_secret", "Google OAuth client secret", S::High, C::High, &[Kw::Cs("GOCSPX-")],
        r"(?-u:\b)(GOCSPX-[0-9A-Za-z_-]{28})(?:[^0-9A-Za-z_-]|$)"),
    rule("google_oauth_access_token", "Google OAuth access token", S::Medium, C::High, &[Kw::Cs("ya29.")],
        r"(?-u:\b)(ya29\.[0-9A-Za-z_-]{30,})"),
    rule("azure_storage_account_key", "Azure storage account key (AccountKey=)", S::Critical, C::High,
        &[Kw::Ci("AccountKey=")],
        r"(?i)AccountKey=([A-Za-z0-9+/]{86}==)"),
    rule("azure_sas_token", "Azure shared access signature (sig=)", S::High, C::Medium, &[Kw::Ci("sig=")],
        r"(?i)(?:^|[?&;\s])sig=([A-Za-z0-9%+/]{30,}(?:=|%3D){0,2})")
        .check(Check::Sas),
    rule("azure_ad_client_secret", "Azure AD (Entra ID) client secret", S::High, C::High, &[Kw::Cs("Q~")],
        r"(?:^|[^0-9A-Za-z_~.-])([0-9A-Za-z_~.-]{3}[0-9]Q~[0-9A-Za-z_~.-]{31,34})(?:[^0-9A-Za-z_~.-]|$)"),
    rule("digitalocean_token", "DigitalOcean token", S::High, C::High,
        &[Kw::Cs("dop_v1_"), Kw::Cs("doo_v1_"), Kw::Cs("dor_v1_")],
        r"(?-u:\b)(do[opr]_v1_[a-f0-9]{64})(?-u:\b)"),
    rule("heroku_api_key", "Heroku API key", S::High, C::High, &[Kw::Cs("HRKU-")],
        r"(?-u:\b)(HRKU-[0-9A-Za-z_-]{60})(?:[^0-9A-Za-z_-]|$)"),
    rule("databricks_token", "Databricks personal access token", S::High, C::High, &[Kw::Cs("dapi")],
        r"(?-u:\b)(dapi[a-f0-9]{32}(?:-[0-9])?)(?-u:\b)"),
    rule("hashicorp_vault_token", "HashiCorp Vault token", S::High, C::High, &[Kw::Cs("hvs."), Kw::Cs("hvb.")],
        r"(?-u:\b)(hv[sb]\.[0-9A-Za-z_-]{24,})"),
    rule("cloudflare_origin_ca_key", "Cloudflare Origin CA key", S::High, C::High, &[Kw::Cs("v1.0-")],
        r"(?-u:\b)(v1\.0-[a-f0-9]{24}-[a-f0-9]{146})(?-u:\b)"),
    rule("supabase_token", "Supabase personal access token", S::High, C::High, &[Kw::Cs("sbp_")],
        r"(?-u:\b)(sbp_[a-f0-9]{40})(?-u:\b)"),
    rule("pulumi_token", "Pulumi access token", S::High, C::High, &[Kw::Cs("pul-")],
        r"(?-u:\b)(pul-[a-f0-9]{40})(?-u:\b)"),
    rule("doppler_token", "Doppler API token", S::High, C::High, &[Kw::Cs("dp.pt."), Kw::Cs("dp.st."), Kw::Cs("dp.sa.")],
        r"(?-u:\b)(dp\.(?:pt|st|sa|ct|scim|audit)\.[0-9A-Za-z]{40,44})(?-u:\b)"),
    rule("terraform_cloud_token", "Terraform Cloud / Enterprise API token", S::High, C::High,
        &[Kw::Cs(".atlasv1.")],
        r"(?-u:\b)([0-9A-Za-z]{14}\.atlasv1\.[0-9A-Za-z_-]{60,70})"),
    // --- git hosting and CI ---
    rule("github_pat", "GitHub personal access token (classic)", S::High, C::High, &[Kw::Cs("ghp_")],
        r"(?-u:\b)(ghp_[0-9A-Za-z]{36})(?-u:\b)"),
    rule("github_oauth_token", "GitHub OAuth access token", S::High, C::High, &[Kw::Cs("gho_")],
        r"(?-u:\b)(gho_[0-9A-Za-z]{36})(?-u:\b)"),
    rule("github_user_token", "GitHub user-to-server token", S::High, C::High, &[Kw::Cs("ghu_")],
        r"(?-u:\b)(ghu_[0-9A-Za-z]{36})(?-u:\b)"),
    rule("github_app_token", "GitHub App installation (server-to-server) token", S::High, C::High,
        &[Kw::Cs("ghs_")],
        r"(?-u:\b)(ghs_[0-9A-Za-z]{36})(?-u:\b)"),
    rule("github_refresh_token", "GitHub refresh token", S::High, C::High, &[Kw::Cs("ghr_")],
        r"(?-u:\b)(ghr_[0-9A-Za-z]{36})(?-u:\b)"),
    rule("github_fine_grained_pat", "GitHub fine-grained personal access token", S::High, C::High,
        &[Kw::Cs("github_pat_")],
        r"(?-u:\b)(github_pat_[0-9A-Za-z_]{82})(?-u:\b)"),
    rule("gitlab_pat", "GitLab personal / project access token", S::High, C::High, &[Kw::Cs("glpat-")],
        r"(?-u:\b)(glpat-[0-9A-Za-z_.-]{20,})"),
    rule("gitlab_runner_token", "GitLab runner authentication token", S::High, C::High, &[Kw::Cs("glrt-")],
        r"(?-u:\b)(glrt-[0-9A-Za-z_.-]{20,})"),
    rule("bitbucket_app_password", "Bitbucket app password", S::High, C::High, &[Kw::Cs("ATBB")],
        r"(?-u:\b)(ATBB[0-9A-Za-z]{32})(?-u:\b)"),
    rule("atlassian_api_token", "Atlassian (Jira, Confluence) API token", S::High, C::High,
        &[Kw::Cs("ATATT3")],
        r"(?-u:\b)(ATATT3[0-9A-Za-z_=-]{186})"),
    // --- chat ---
    rule("slack_bot_token", "Slack bot token", S::High, C::High, &[Kw::Cs("xoxb-")],
        r"(?-u:\b)(xoxb-[0-9]{10,13}-[0-9]{10,13}[0-9A-Za-z-]*)"),
    rule("slack_user_token", "Slack user token", S::High, C::High, &[Kw::Cs("xoxp-"), Kw::Cs("xoxe-")],
        r"(?-u:\b)(xox[pe](?:-[0-9]{10,13}){3}-[0-9A-Za-z]{28,34})"),
    rule("slack_legacy_token", "Slack legacy / workspace token", S::High, C::High,
        &[Kw::Cs("xoxa-"), Kw::Cs("xoxo-"), Kw::Cs("xoxr-"), Kw::Cs("xoxs-")],
        r"(?-u:\b)(xox[aors]-[0-9A-Za-z-]{10,})"),
    rule("slack_app_token", "Slack app-level token", S::High, C::High, &[Kw::Cs("xapp-")],
        r"(?-u:\b)(xapp-[0-9]-[A-Z0-9]+-[0-9]+-[0-9a-z]+)"),
    rule("slack_config_token", "Slack app configuration access or refresh token", S::High, C::High,
        &[Kw::Cs("xoxe")],
        r"(?-u:\b)(xoxe(?:\.xox[bp])?-[0-9]-[0-9A-Za-z]{140,170})(?-u:\b)"),
    rule("slack_webhook_url", "Slack incoming webhook URL", S::High, C::High, &[Kw::Cs("hooks.slack.com")],
        r"(?i)(hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/_-]{20,})"),
    rule("discord_webhook_url", "Discord webhook URL", S::High, C::High,
        &[Kw::Cs("/api/webhooks/")],
        r"(?i)(discord(?:app)?\.com/api/webhooks/[0-9]{17,20}/[A-Za-z0-9_-]{60,68})"),
    rule("discord_bot_token", "Discord bot token under a Discord key name", S::High, C::Medium, &[], ""),
    rule("telegram_bot_token", "Telegram bot token", S::High, C::High, &[Kw::Cs(":AA")],
        r"(?:^|[^0-9])([0-9]{8,10}:AA[0-9A-Za-z_-]{33})(?:[^0-9A-Za-z_-]|$)"),
    // --- payments ---
    rule("stripe_secret_key", "Stripe live secret key", S::Critical, C::High, &[Kw::Cs("sk_live_")],
        r"(?-u:\b)(sk_live_[0-9A-Za-z]{24,247})(?-u:\b)"),
    rule("stripe_restricted_key", "Stripe live restricted key", S::High, C::High, &[Kw::Cs("rk_live_")],
        r"(?-u:\b)(rk_live_[0-9A-Za-z]{24,247})(?-u:\b)"),
    rule("stripe_test_key", "Stripe test-mode secret key", S::Low, C::High,
        &[Kw::Cs("sk_test_"), Kw::Cs("rk_test_")],
        r"(?-u:\b)([sr]k_test_[0-9A-Za-z]{24,247})(?-u:\b)"),
    rule("stripe_webhook_secret", "Stripe webhook signing secret", S::High, C::High, &[Kw::Cs("whsec_")],
        r"(?-u:\b)(whsec_[0-9A-Za-z]{32,})(?-u:\b)"),
    rule("square_access_token", "Square access token", S::Critical, C::High,
        &[Kw::Cs("EAAA"), Kw::Cs("sq0atp-")],
        r"(?-u:\b)((?:EAAA[0-9A-Za-z_-]{60}|sq0atp-[0-9A-Za-z_-]{22}))(?:[^0-9A-Za-z_-]|$)"),
    rule("square_oauth_secret", "Square OAuth application secret", S::High, C::High, &[Kw::Cs("sq0csp-")],
        r"(?-u:\b)(sq0csp-[0-9A-Za-z_-]{43})(?:[^0-9A-Za-z_-]|$)"),
    rule("paypal_braintree_access_token", "PayPal / Braintree production access token", S::Critical, C::High,
        &[Kw::Cs("access_token$production$")],
        r"(access_token\$production\$[0-9a-z]{16}\$[0-9a-f]{32})"),
    // --- messaging and email ---
    rule("twilio_api_key", "Twilio API key (SK...)", S::High, C::High, &[Kw::Cs("SK")],
        r"(?-u:\b)(SK[0-9a-fA-F]{32})(?-u:\b)")
        .check(Check::MinEntropy(30)),
    rule("twilio_credentials", "Twilio account SID with its auth token", S::High, C::High, &[Kw::Cs("AC")],
        r"(?-u:\b)AC[0-9a-f]{32}:([0-9a-f]{32})(?-u:\b)")
        .needs(b':'),
    rule("twilio_auth_token", "Twilio auth token under a Twilio key name", S::High, C::Medium, &[], ""),
    rule("sendgrid_api_key", "SendGrid API key", S::High, C::High, &[Kw::Cs("SG.")],
        r"(?-u:\b)(SG\.[0-9A-Za-z_-]{22}\.[0-9A-Za-z_-]{43})(?:[^0-9A-Za-z_-]|$)"),
    rule("mailgun_api_key", "Mailgun API key", S::High, C::High, &[Kw::Cs("key-")],
        r"(?-u:\b)(key-[0-9a-z]{32})(?-u:\b)")
        .check(Check::MinEntropy(30)),
    rule("postman_api_key", "Postman API key", S::High, C::High, &[Kw::Cs("PMAK-")],
        r"(?-u:\b)(PMAK-[a-f0-9]{24}-[a-f0-9]{34})(?-u:\b)"),
    rule("mailchimp_api_key", "Mailchimp API key", S::High, C::High, &[Kw::Cs("-us")],
        r"(?-u:\b)([0-9a-f]{32}-us[0-9]{1,2})(?-u:\b)"),
    // --- AI ---
    rule("anthropic_api_key", "Anthropic API key", S::High, C::High, &[Kw::Cs("sk-ant-")],
        r"(?-u:\b)(sk-ant-(?:api|admin|oat|sid)[0-9]{2}-[0-9A-Za-z_-]{32,})"),
    rule("openai_api_key", "OpenAI API key", S::High, C::High, &[Kw::Cs("sk-")],
        r"(?-u:\b)(sk-(?:(?:proj|svcacct|admin)-[0-9A-Za-z_-]{40,}|[0-9A-Za-z]{20}T3BlbkFJ[0-9A-Za-z]{20}|[0-9A-Za-z]{48}))(?:[^0-9A-Za-z_-]|$)"),
    rule("huggingface_token", "Hugging Face access token", S::High, C::High, &[Kw::Cs("hf_")],
        r"(?-u:\b)(hf_[A-Za-z]{34})(?-u:\b)"),
    // --- package registries ---
    rule("npm_token", "npm access token", S::High, C::High, &[Kw::Cs("npm_")],
        r"(?-u:\b)(npm_[0-9A-Za-z]{36})(?-u:\b)"),
    rule("pypi_token", "PyPI upload token", S::High, C::High, &[Kw::Cs("pypi-AgEIcHlwaS5vcmc")],
        r"(?-u:\b)(pypi-AgEIcHlwaS5vcmc[0-9A-Za-z_-]{50,})"),
    rule("dockerhub_pat", "Docker Hub personal access token", S::High, C::High, &[Kw::Cs("dckr_pat_")],
        r"(?-u:\b)(dckr_pat_[0-9A-Za-z_-]{27,})"),
    // --- SaaS ---
    rule("shopify_access_token", "Shopify access token", S::High, C::High,
        &[Kw::Cs("shpat_"), Kw::Cs("shpca_"), Kw::Cs("shppa_")],
        r"(?-u:\b)(shp(?:at|ca|pa)_[0-9a-fA-F]{32})(?-u:\b)"),
    rule("shopify_shared_secret", "Shopify app shared secret", S::High, C::High, &[Kw::Cs("shpss_")],
        r"(?-u:\b)(shpss_[0-9a-fA-F]{32})(?-u:\b)"),
    rule("new_relic_api_key", "New Relic user or ingest key", S::High, C::High, &[Kw::Cs("NRAK-"), Kw::Cs("NRII-")],
        r"(?-u:\b)(NRAK-[A-Z0-9]{27}|NRII-[A-Za-z0-9_-]{32})(?:[^0-9A-Za-z_-]|$)"),
    rule("sentry_user_token", "Sentry user auth token", S::High, C::High, &[Kw::Cs("sntryu_")],
        r"(?-u:\b)(sntryu_[a-f0-9]{64})(?-u:\b)"),
    rule("mapbox_secret_token", "Mapbox secret access token", S::High, C::High, &[Kw::Cs("sk.eyJ")],
        r"(?-u:\b)(sk\.eyJ[0-9A-Za-z_-]{20,}\.[0-9A-Za-z_-]{20,})(?:[^0-9A-Za-z_-]|$)"),
    rule("dropbox_access_token", "Dropbox short-lived access token", S::High, C::High, &[Kw::Cs("sl.")],
        r"(?-u:\b)(sl\.[0-9A-Za-z_=-]{130,})(?:[^0-9A-Za-z_=-]|$)")
        .check(Check::MinEntropy(40)),
    rule("datadog_api_key", "Datadog API key under a Datadog key name", S::High, C::Medium, &[], ""),
    rule("datadog_app_key", "Datadog application key under a Datadog key name", S::High, C::Medium, &[], ""),
    rule("age_secret_key", "age encryption secret key", S::Critical, C::High, &[Kw::Cs("AGE-SECRET-KEY-1")],
        r"(AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58})"),
    // --- keys and tokens by structure ---
    rule("private_key", "PEM private key", S::Critical, C::High, &[Kw::Cs("PRIVATE KEY")],
        r"(-----BEGIN[ A-Z0-9]{0,30}PRIVATE KEY(?: BLOCK)?-----)(?s:.{0,160}?)[A-Za-z0-9+/]{32}")
        .check(Check::Structure),
    rule("jwt", "JSON Web Token", S::Medium, C::High, &[Kw::Cs("eyJ")],
        r"(?-u:\b)(eyJ[0-9A-Za-z_-]{8,}\.[0-9A-Za-z_-]{8,}\.[0-9A-Za-z_-]*)")
        .check(Check::Jwt),
    // --- URIs with passwords ---
    rule("database_uri_password", "Database connection URI with a literal password", S::High, C::Medium,
        &[Kw::Cs("://")],
        r#"(?i)(?-u:\b)(?:jdbc:)?(?:postgres(?:ql)?|mysql(?:x)?|mariadb|mongodb(?:\+srv)?|rediss?|mssql|sqlserver|oracle|cockroachdb|clickhouse|neo4j(?:\+s)?|couchbases?|cassandra|snowflake|db2)://([^\s:/?#@'"]*):([^\s/?#'"]*)@"#)
        .group(2).check(Check::UriPassword).needs(b'@'),
    rule("broker_uri_password", "Message-broker URI with a literal password", S::High, C::Medium,
        &[Kw::Cs("://")],
        r#"(?i)(?-u:\b)(?:amqps?|mqtts?|nats|kafka|stomp\+?ssl|stomp)://([^\s:/?#@'"]*):([^\s/?#'"]*)@"#)
        .group(2).check(Check::UriPassword).needs(b'@'),
    rule("url_password", "URL with a literal password in its userinfo", S::High, C::Medium, &[Kw::Cs("://")],
        r#"(?i)(?-u:\b)[a-z][a-z0-9+.-]{1,30}://([^\s:/?#@'"]*):([^\s/?#'"]*)@"#)
        .group(2).check(Check::UriPassword).needs(b'@').generic(),
    // --- header and assignment literals ---
    rule("authorization_bearer", "Authorization: Bearer literal token", S::High, C::Medium, &[Kw::Ci("bearer")],
        r"(?i)(?-u:\b)bearer\s+([0-9A-Za-z._~+/-]{16,}=*)")
        .check(Check::Bearer).generic(),
    rule("authorization_basic", "Authorization: Basic literal credentials", S::High, C::Medium, &[Kw::Ci("basic")],
        r"(?i)(?-u:\b)basic\s+([A-Za-z0-9+/]{8,}={0,2})(?:[^A-Za-z0-9+/=]|$)")
        .check(Check::Basic).generic(),
    rule("password_assignment", "password=… literal inside a string", S::High, C::Medium, &[], ""),
    rule("generic_secret_assignment", "token/secret/key=… high-entropy literal inside a string", S::Medium, C::Medium,
        &[Kw::Ci("pass"), Kw::Ci("pwd"), Kw::Ci("secret"), Kw::Ci("token"), Kw::Ci("key"), Kw::Ci("auth"),
          Kw::Ci("cred")],
        r#"(?i)([a-z0-9_.-]{0,40}(?:pass|pwd|secret|token|key|auth|cred)[a-z0-9_.-]{0,40})["']?\s*(?::=|=>|=|:)\s*["']?([^\s"'&;,]{4,})"#)
        .group(2).check(Check::Assignment).needs_separator().generic(),
    // --- reported by code, not by a pattern ---
    rule("generic_high_entropy", "High-entropy token (generic secret)", S::Medium, C::Low, &[], ""),
    rule("sensitive_key_literal", "Literal value under a sensitive key (must be a secret reference)", S::High, C::Medium,
        &[], ""),
];

/// Shortest string the content rules look at; shorter ones only get the structural pass.
const MIN_CONTENT_LEN: usize = 10;

struct Compiled {
    /// Keyword automaton; `None` only if it failed to build (a test guards this), and
    /// every rule with a pattern is then a candidate. A contiguous NFA (~30 KB) rather
    /// than a DFA (~250 KB for these keywords): it runs only on strings that pass the
    /// gate, and a table that big would push the manifest out of cache. Driven byte
    /// by byte: on short strings an iterator's set-up costs more than the scan.
    ac: Option<NFA>,
    pattern_rule: Vec<u8>,
    regexes: Vec<Option<Regex>>,
    all_rules: u128,
    /// Trigram gate in front of the automaton (see [`Gate`]).
    gate: Gate,
}

/// log2 of the gate's size in bits (16 KB: stays in L1 next to the walk's data).
const GATE_LOG2: u32 = 17;

/// A Bloom-style trigram filter in front of the keyword automaton. Each keyword puts
/// one of its trigrams (its rarest-looking one) into a bitset; a string none of whose
/// trigrams is set cannot contain a keyword and skips the automaton. Probing is one
/// independent table load per byte, where the automaton's large transition table
/// makes every byte a dependent cache miss. Keywords of two bytes put every
/// continuation in. `://` is not put in (every endpoint has it): the rules it feeds all
/// need an `@`, so a string with an `@` passes instead. Likewise the keywords of
/// `key=value` rules (`secret`, `token`, `pass`, ... common in references and prose)
/// count only in a string with an assignment separator: a hit on a slot that only they
/// set is ignored in a string without one.
struct Gate {
    bits: Box<[u64; GATE_WORDS]>,
    /// Slots set only by keywords of rules that need an assignment separator, sorted.
    separator_slots: Vec<usize>,
}

const GATE_WORDS: usize = 1 << (GATE_LOG2 - 6);

#[inline]
fn trigram_slot(a: u8, b: u8, c: u8) -> usize {
    slot_of(u32::from_le_bytes([a, b, c, 0]))
}

/// Slot of a trigram packed into the low 24 bits, first byte lowest; the top byte is
/// ignored, so the scan passes four bytes of the string as they are. A multiplicative
/// hash: the product of the trigram shifted to the top takes its top bits from all
/// of it.
#[inline]
fn slot_of(x: u32) -> usize {
    (trigram_hash(x) >> (32 - GATE_LOG2)) as usize
}

/// `(x << 8) * φ`, 32 bits: its top `GATE_LOG2` bits are the slot.
#[inline]
fn trigram_hash(x: u32) -> u32 {
    x.wrapping_mul(0x9E37_79B1_u32.wrapping_shl(8))
}

/// How common a byte is in ordinary config text (higher = more common); a gate entry
/// should use a keyword's least common trigram so that the gate stays shut on
/// ordinary strings.
fn byte_commonness(c: u8) -> u32 {
    match c {
        b'e' => 12,
        b' ' => 11,
        b't' => 9,
        b'a' | b'o' | b'/' | b'.' => 8,
        b'i' | b'n' => 7,
        b's' | b'r' | b'h' | b':' | b'-' => 6,
        b'd' | b'l' => 4,
        b'c' | b'u' | b'0'..=b'9' => 3,
        b'm' | b'w' | b'f' | b'g' | b'y' | b'p' | b'_' | b'A'..=b'Z' => 2,
        b'b' | b'v' | b'k' => 1,
        _ => 0,
    }
}

impl Gate {
    /// `keywords`: each keyword, and whether its rule needs an assignment separator.
    fn new<'k>(keywords: impl Iterator<Item = (&'k str, bool)>) -> Gate {
        let (mut plain_slots, mut separator_slots) = (Vec::new(), Vec::new());
        for (p, needs_separator) in keywords {
            let slots = if needs_separator { &mut separator_slots } else { &mut plain_slots };
            let b = p.as_bytes();
            match b.len() {
                0 | 1 => {}
                // Every continuation a token can have (the two-byte keywords start
                // tokens of at least 30 bytes).
                2 => (0..=255u8)
                    .filter(|c| c.is_ascii_alphanumeric() || b"_~.-".contains(c))
                    .for_each(|c| slots.push(trigram_slot(b[0], b[1], c))),
                _ if p == "://" => {}
                _ => {
                    let score = |w: &&[u8]| w.iter().map(|&c| byte_commonness(c)).sum::<u32>();
                    if let Some(w) = b.windows(3).min_by_key(score) {
                        slots.push(trigram_slot(w[0], w[1], w[2]));
                    }
                }
            }
        }
        let mut gate = Gate { bits: Box::new([0u64; GATE_WORDS]), separator_slots: Vec::new() };
        for &slot in plain_slots.iter().chain(&separator_slots) {
            gate.set(slot);
        }
        separator_slots.retain(|s| !plain_slots.contains(s));
        separator_slots.sort_unstable();
        separator_slots.dedup();
        gate.separator_slots = separator_slots;
        gate
    }

    fn set(&mut self, slot: usize) {
        if let Some(word) = self.bits.get_mut(slot >> 6) {
            *word |= 1 << (slot & 63);
        }
    }

    #[inline]
    fn may_match(&self, s: &[u8]) -> bool {
        let mut separator = None;
        let n = s.len();
        if n < 8 {
            let hit = s.windows(3).any(|w| {
                let slot = trigram_slot(w[0], w[1], w[2]);
                self.bit(slot) != 0 && self.counts(slot, s, &mut separator)
            });
            return hit || (s.contains(&b'@') && has_scheme_separator(s));
        }
        // Eight bytes at a time hold six trigrams, probed together; the windows start
        // every six bytes, and the last one ends with the string (overlapping). The
        // same words tell whether the string has an `@`.
        let mut at = 0;
        let mut at_sign = 0;
        loop {
            let start = at.min(n - 8);
            let w = s.get(start..start + 8).and_then(|w| w.try_into().ok()).map_or(0, u64::from_le_bytes);
            at_sign |= zero_byte(w ^ u64::from_ne_bytes([b'@'; 8]));
            let probes = [0, 8, 16, 24, 32, 40].iter().fold(0, |acc, &shift| acc | self.probe((w >> shift) as u32));
            if probes & 1 != 0 && self.window_counts(w, s, &mut separator) {
                return true;
            }
            if start == n - 8 {
                return at_sign != 0 && has_scheme_separator(s);
            }
            at += 6;
        }
    }

    /// The gate word of trigram `x` shifted so that its bit is bit 0 (the bits above
    /// are noise): the scan ORs six of them and tests bit 0 once.
    #[inline]
    fn probe(&self, x: u32) -> u64 {
        let h = trigram_hash(x);
        // `h >> (32 - GATE_LOG2 + 6) < GATE_WORDS`: always in bounds.
        self.bits[(h >> (32 - GATE_LOG2 + 6)) as usize] >> ((h >> (32 - GATE_LOG2)) & 63)
    }

    /// Whether a set trigram of the window `w` counts (see [`Gate::counts`]).
    #[cold]
    #[inline(never)]
    fn window_counts(&self, w: u64, s: &[u8], separator: &mut Option<bool>) -> bool {
        [0, 8, 16, 24, 32, 40].iter().any(|&shift| {
            let slot = slot_of((w >> shift) as u32);
            self.bit(slot) != 0 && self.counts(slot, s, separator)
        })
    }

    /// The bit of `slot` in bit 0.
    #[inline]
    fn bit(&self, slot: usize) -> u64 {
        // `slot < 2^GATE_LOG2`, so the index is always in bounds.
        self.bits[slot >> 6] >> (slot & 63) & 1
    }

    /// Whether a hit on `slot` lets `s` through: `separator` caches whether `s` has an
    /// assignment separator.
    fn counts(&self, slot: usize, s: &[u8], separator: &mut Option<bool>) -> bool {
        // A few dozen entries: comparing them all beats a search's mispredictions.
        let separator_only = self.separator_slots.iter().fold(false, |a, &x| a | (x == slot));
        !separator_only || *separator.get_or_insert_with(|| has_assignment_separator(s))
    }
}

/// Non-zero when a byte of `w` is zero (the classic exact bit trick).
#[inline]
fn zero_byte(w: u64) -> u64 {
    w.wrapping_sub(0x0101_0101_0101_0101) & !w & 0x8080_8080_8080_8080
}

fn has_scheme_separator(s: &[u8]) -> bool {
    s.windows(3).any(|w| w == b"://")
}

static COMPILED: LazyLock<Compiled> = LazyLock::new(|| {
    let mut patterns: Vec<String> = Vec::new();
    let mut pattern_rule = Vec::new();
    let mut all_rules = 0u128;
    for (i, r) in RULES.iter().enumerate() {
        if !r.pattern.is_empty() {
            all_rules |= 1u128 << i;
        }
        for kw in r.keywords {
            let variants: Vec<String> = match kw {
                Kw::Cs(s) => vec![(*s).to_string()],
                Kw::Ci(s) => {
                    let mut v = vec![(*s).to_string(), s.to_ascii_lowercase(), s.to_ascii_uppercase()];
                    let mut cap = s.to_ascii_lowercase();
                    if let Some(f) = cap.get_mut(0..1) {
                        f.make_ascii_uppercase();
                    }
                    v.push(cap);
                    v.sort();
                    v.dedup();
                    v
                }
            };
            for v in variants {
                patterns.push(v);
                pattern_rule.push(i as u8);
            }
        }
    }
    let gate = Gate::new(patterns.iter().zip(&pattern_rule).map(|(p, &r)| {
        let needs_separator = RULES.get(usize::from(r)).is_some_and(|r| r.needs_separator);
        (p.as_str(), needs_separator)
    }));
    let ac = NFA::builder().match_kind(MatchKind::Standard).prefilter(false).build(&patterns).ok();
    let regexes = RULES.iter().map(|r| if r.pattern.is_empty() { None } else { Regex::new(r.pattern).ok() }).collect();
    Compiled { ac, pattern_rule, regexes, all_rules, gate }
});

/// Bitset of the rules whose keywords occur in `hay` (every overlapping occurrence).
#[inline]
fn keyword_rules(nfa: &NFA, pattern_rule: &[u8], hay: &[u8]) -> u128 {
    let Ok(mut sid) = nfa.start_state(Anchored::No) else {
        return u128::MAX;
    };
    let mut cand = 0u128;
    for &b in hay {
        sid = nfa.next_state(Anchored::No, sid, b);
        if nfa.is_special(sid) && nfa.is_match(sid) {
            for i in 0..nfa.match_len(sid) {
                let pid = nfa.match_pattern(sid, i).as_usize();
                if let Some(&r) = pattern_rule.get(pid) {
                    cand |= 1u128 << r;
                }
            }
        }
    }
    cand
}

fn rule_by_id(id: &str) -> Option<&'static RuleDef> {
    RULES.iter().find(|r| r.id == id)
}

// ---------------------------------------------------------------------------------
// Key classification
// ---------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct KeyClass {
    sensitive: bool,
    /// A password-family key: numeric literals count too.
    password: bool,
}

impl KeyClass {
    const PLAIN: KeyClass = KeyClass { sensitive: false, password: false };
}

/// Words that make a key sensitive on their own.
#[rustfmt::skip]
const SECRET_WORDS: &[&str] = &[
    "accesskey", "apikey", "apikeys", "auth", "authorization", "authtoken", "bearer",
    "clientsecret", "cred", "credential", "credentials", "creds", "pass", "passcode", "passphrase",
    "passwd", "password", "passwort", "pat", "privatekey", "pwd", "sastoken", "secret",
    "secretkey", "secrets", "token", "tokens",
];
#[rustfmt::skip]
const PASSWORD_WORDS: &[&str] =
    &[
        "pass", "passcode", "passphrase", "passwd", "password", "passwort", "pwd",
    ];
/// `<qualifier> key` / `<qualifier>key` is sensitive; a bare `key` is not (`sortKey`).
#[rustfmt::skip]
const KEY_QUALIFIERS: &[&str] = &[
    "access", "account", "admin", "aes", "api", "app", "application", "auth", "client", "consumer",
    "crypto", "deploy", "encrypt", "encryption", "gpg", "hmac", "ingest", "jwt", "licence",
    "license", "management", "master", "merchant", "partner", "pgp", "private", "root", "sas",
    "secret", "service", "session", "shared", "sign", "signing", "storage", "subscription",
    "webhook", "write",
];
/// Words that turn a sensitive key into metadata about the secret (`tokenUrl`,
/// `passwordMinLength`, `secretRef`, `apiKeyHeader`).
#[rustfmt::skip]
const MODIFIERS: &[&str] = &[
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

static WORD_SETS: LazyLock<[text::WordMap<()>; 6]> = LazyLock::new(|| {
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
enum List {
    Secret = 0,
    Password = 1,
    KeyQualifier = 2,
    Modifier = 3,
    Placeholder = 4,
    Benign = 5,
}

/// Case-insensitive membership in one of the word lists above.
#[inline]
fn is_any(word: &str, list: List) -> bool {
    WORD_SETS[list as usize].contains(word)
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

fn classify_key(key: &str) -> KeyClass {
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
fn refine_by_key(key: &str, v: &str) -> Option<&'static str> {
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

// ---------------------------------------------------------------------------------
// Allowlists
// ---------------------------------------------------------------------------------

/// Published documentation examples (AWS docs, jwt.io).
#[rustfmt::skip]
const KNOWN_EXAMPLES: &[&str] = &[
    "AKIAIOSFODNN7EXAMPLE",
    "AKIAI44QH8DHBEXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
    // jwt.io default payloads
    "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ",
    "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiYWRtaW4iOnRydWUsImlhdCI6MTUxNjIzOTAyMn0",
    "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
];

fn is_known_example(v: &str) -> bool {
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

/// Whole values that are placeholders, not secrets (sorted, lowercase).
#[rustfmt::skip]
const PLACEHOLDER_WORDS: &[&str] = &[
    "-", "bar", "change-me", "change_me", "changeit", "changeme", "default", "dummy", "empty",
    "example", "fake", "fixme", "foo", "foobar", "hidden", "masked", "n/a", "na", "nil",
    "none", "not-set", "notset", "null", "password", "placeholder", "redacted", "removed",
    "replace-me", "replace_me", "replaceme", "sample", "secret", "tbd", "test", "testing",
    "todo", "token", "undefined", "unset", "your_api_key_here",
];

/// `Bearer ${TOKEN}` → `${TOKEN}`: the credential after an HTTP auth scheme word.
fn strip_auth_scheme(v: &str) -> &str {
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

/// Whole values that name an auth mechanism or a flag (sorted, lowercase).
#[rustfmt::skip]
const BENIGN_WORDS: &[&str] = &[
    "anonymous", "api-key", "api_key", "apikey", "authorization_code", "auto", "aws-sigv4",
    "aws_iam", "basic", "bearer", "cert", "certificate", "client_credentials", "cookie",
    "device_code", "digest", "disabled", "enabled", "false", "header", "hmac", "iam",
    "implicit", "jwt", "kerberos", "ldap", "managed-identity", "managed_identity", "md5",
    "msi", "mtls", "no", "none", "ntlm", "oauth", "oauth2", "off", "oidc", "on", "optional",
    "password", "peer", "plain", "query", "refresh_token", "required", "saml", "scram-sha-256",
    "scram-sha-512", "service_account", "sigv4", "sso", "tls", "true", "trust",
    "workload-identity", "workload_identity", "yes",
];

/// A word that describes a mechanism rather than being a secret (`auth: oidc`).
fn is_benign_word(v: &str) -> bool {
    is_any(v, List::Benign)
}

/// An absolute or relative file path (a mounted secret, a key file), not a secret.
fn is_path_like(v: &str) -> bool {
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
fn is_plain_url(v: &str) -> bool {
    (starts_with_ci(v, "https://") || starts_with_ci(v, "http://"))
        && !v.contains('@')
        && !v.contains('?')
        && !v.contains(char::is_whitespace)
}

/// Hashes and checksums that look random but are not secrets.
fn is_checksum(v: &str) -> bool {
    for prefix in ["sha256:", "sha512:", "sha384:", "sha1:", "md5:", "sha256-", "sha512-", "sha384-"] {
        if starts_with_ci(v, prefix) {
            return true;
        }
    }
    text::is_hex(v) && matches!(v.len(), 32 | 40 | 56 | 64 | 96 | 128)
}

/// A span that matched a provider format but is filler (`ghp_xxxx…`, all zeros).
fn span_is_filler(span: &str) -> bool {
    let b = span.as_bytes();
    contains_ci(span, "xxxx")
        || span.contains("****")
        || b.first().is_some_and(|&f| b.iter().all(|&c| c == f))
        // Short passwords have little entropy by nature; only long spans are judged.
        || (b.len() >= 12 && entropy(b) < 2.0)
}

/// Publishable keys and identifiers that look random but are public by design.
fn is_public_token(v: &str) -> bool {
    ["pk_live_", "pk_test_", "sq0idp-", "npub1"].iter().any(|p| v.starts_with(p))
}

// ---------------------------------------------------------------------------------
// Validators
// ---------------------------------------------------------------------------------

fn b64_decode_lenient(s: &str, url_safe: bool) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    let s = s.trim_end_matches('=');
    if url_safe {
        URL_SAFE_NO_PAD.decode(s).ok()
    } else {
        STANDARD_NO_PAD.decode(s).ok()
    }
}

fn valid_jwt(token: &str) -> bool {
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

fn valid_basic(b64: &str) -> bool {
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

fn valid_uri_password(pass: &str) -> bool {
    !pass.is_empty() && !is_reference(pass) && !is_placeholder(pass) && !pass.contains("${") && !pass.contains("{{")
}

/// Password literal in running text: not an ordinary lowercase word.
fn password_like(v: &str) -> bool {
    v.chars().count() >= 6 && v.bytes().any(|c| !c.is_ascii_lowercase()) && !is_benign_word(v)
}

// ---------------------------------------------------------------------------------
// Walker
// ---------------------------------------------------------------------------------

struct Walker<'v, 'm> {
    path: Vec<Seg<'v>>,
    out: Vec<SecretFinding>,
    memo: &'m mut KeyMemo,
    /// Every leaf visited, with its path and key context: tests compare walks by it.
    #[cfg(test)]
    visits: Vec<String>,
}

thread_local! {
    /// Key classes depend on the key alone, so one memo per thread serves every scan:
    /// a scan starts with the keys of the previous ones already classified. Boxed on
    /// first use: a thread-local this size in static TLS makes a Python extension fail
    /// to load (`cannot allocate memory in static TLS block`), as glibc keeps little
    /// static TLS for libraries opened with dlopen.
    static KEY_MEMO: RefCell<Option<Box<KeyMemo>>> = const { RefCell::new(None) };
}

/// Runs `walk` on a new walker and returns its findings.
fn scan_with<'v>(walk: impl FnOnce(&mut Walker<'v, '_>)) -> Vec<SecretFinding> {
    KEY_MEMO.with(|memo| match memo.try_borrow_mut() {
        Ok(mut memo) => {
            let memo = memo.get_or_insert_with(|| Box::new(KeyMemo::new()));
            let mut w = Walker::new(memo);
            walk(&mut w);
            w.out
        }
        // Not reached (a scan never starts another), but a fresh memo would do.
        Err(_) => {
            let mut memo = KeyMemo::new();
            let mut w = Walker::new(&mut memo);
            walk(&mut w);
            w.out
        }
    })
}

/// A member value of an object the walker visits: a JSON value, or a string of one of
/// the typed manifest's string maps (`labels`, `headers`).
trait Member<'v>: Copy {
    fn as_str(self) -> Option<&'v str>;
    /// Whether the key's class matters: a leaf, or an array that may hold leaves.
    fn has_leaves(self) -> bool;
    fn walk(self, w: &mut Walker<'v, '_>, key: (&'v str, KeyClass));
}

impl<'v> Member<'v> for &'v Value {
    fn as_str(self) -> Option<&'v str> {
        Value::as_str(self)
    }
    fn has_leaves(self) -> bool {
        matches!(self, Value::String(_) | Value::Number(_) | Value::Array(_))
    }
    #[inline]
    fn walk(self, w: &mut Walker<'v, '_>, (k, kc): (&'v str, KeyClass)) {
        // Most members are leaves: checked here, without a call to `walk`.
        match self {
            Value::String(s) => w.string(s, Some(k), kc),
            Value::Number(n) => w.number(n, kc),
            Value::Bool(_) | Value::Null => {}
            Value::Array(_) | Value::Object(_) => w.walk(self, Some((k, kc))),
        }
    }
}

impl<'v> Member<'v> for &'v String {
    fn as_str(self) -> Option<&'v str> {
        Some(self)
    }
    fn has_leaves(self) -> bool {
        true
    }
    #[inline]
    fn walk(self, w: &mut Walker<'v, '_>, (k, kc): (&'v str, KeyClass)) {
        w.string(self, Some(k), kc);
    }
}

/// Key classes already computed (see `KEY_MEMO`). Manifests repeat a small vocabulary of
/// keys (`name`, `type`, `fields`, ... once per dataset and connector), so a small
/// direct-mapped table answers most keys with two word comparisons. Slots keep their
/// own copy of the key (see [`packed_key`]): comparing against another heap string
/// would cost a cache miss.
struct KeyMemo {
    slots: [MemoSlot; MEMO_SLOTS],
}

const MEMO_LOG2: u32 = 8;
const MEMO_SLOTS: usize = 1 << MEMO_LOG2;

#[derive(Clone, Copy)]
struct MemoSlot {
    /// Key length; 0 for an empty slot.
    len: u8,
    words: (u64, u64),
    class: KeyClass,
}

/// A key of 1 to 16 bytes as two words that, with its length, hold every byte: the
/// first and the last 8 bytes (4 bytes under 8, overlapping for lengths in between),
/// or the first, middle and last byte under 4. `None` for longer keys.
#[inline]
fn packed_key(b: &[u8]) -> Option<(u64, u64)> {
    let byte = |at: usize| u64::from(b.get(at).copied().unwrap_or(0));
    let le32 =
        |at: usize| b.get(at..at + 4).and_then(|w| w.try_into().ok()).map_or(0, |w| u64::from(u32::from_le_bytes(w)));
    let le64 = |at: usize| b.get(at..at + 8).and_then(|w| w.try_into().ok()).map_or(0, u64::from_le_bytes);
    let n = b.len();
    match n {
        0 => None,
        1..=3 => Some((byte(0) | byte(n / 2) << 8 | byte(n - 1) << 16, 0)),
        4..=7 => Some((le32(0), le32(n - 4))),
        8..=16 => Some((le64(0), le64(n - 8))),
        _ => None,
    }
}

impl KeyMemo {
    const fn new() -> Self {
        let empty = MemoSlot { len: 0, words: (0, 0), class: KeyClass::PLAIN };
        KeyMemo { slots: [empty; MEMO_SLOTS] }
    }

    #[inline]
    fn class(&mut self, key: &str) -> KeyClass {
        let b = key.as_bytes();
        let Some(words) = packed_key(b) else {
            return classify_key(key);
        };
        let mixed = (words.0 ^ words.1.rotate_left(29) ^ b.len() as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let slot = &mut self.slots[(mixed >> (64 - MEMO_LOG2)) as usize];
        if usize::from(slot.len) == b.len() && slot.words == words {
            return slot.class;
        }
        let class = classify_key(key);
        *slot = MemoSlot { len: b.len() as u8, words, class };
        class
    }
}

/// Byte spans already reported in the current string, so generic rules yield.
struct Spans {
    spans: [(usize, usize); 8],
    len: usize,
}

impl Spans {
    fn new() -> Self {
        Spans { spans: [(0, 0); 8], len: 0 }
    }
    fn push(&mut self, s: (usize, usize)) {
        if self.len < self.spans.len() {
            self.spans[self.len] = s;
            self.len += 1;
        }
    }
    fn overlaps(&self, s: (usize, usize)) -> bool {
        self.spans[..self.len].iter().any(|&(a, b)| s.0 < b && a < s.1)
    }
}

fn preview(secret: &str) -> String {
    let n = (secret.chars().count() / 4).min(4);
    let mut p: String = secret.chars().take(n).collect();
    p.push('…');
    p
}

impl<'v, 'm> Walker<'v, 'm> {
    fn new(memo: &'m mut KeyMemo) -> Self {
        Walker {
            path: Vec::with_capacity(16),
            out: Vec::new(),
            memo,
            #[cfg(test)]
            visits: Vec::new(),
        }
    }

    fn report(&mut self, rule_id: &str, secret: &str) {
        if let Some(r) = rule_by_id(rule_id) {
            self.out.push(SecretFinding {
                rule: r.id.to_string(),
                path: text::pointer(&self.path),
                preview: preview(secret),
                severity: r.severity,
                confidence: r.confidence,
                description: r.description.to_string(),
            });
        }
    }

    fn walk(&mut self, v: &'v Value, key: Option<(&'v str, KeyClass)>) {
        match v {
            Value::String(s) => {
                let (k, kc) = match key {
                    Some((k, kc)) => (Some(k), kc),
                    None => (None, KeyClass::PLAIN),
                };
                self.string(s, k, kc);
            }
            Value::Number(n) => {
                if let Some((_, kc)) = key {
                    self.number(n, kc);
                }
            }
            Value::Array(items) => {
                // One path segment for the items, rewritten per item.
                self.path.push(Seg::Index(0));
                for (i, item) in items.iter().enumerate() {
                    self.set_last(Seg::Index(i));
                    // An array inherits its key: `tokens: [..]`.
                    match (item, key) {
                        (Value::String(s), Some((k, kc))) => self.string(s, Some(k), kc),
                        _ => self.walk(item, key),
                    }
                }
                self.path.pop();
            }
            Value::Object(map) => self.object(map.iter(), |k| map.get(k)),
            Value::Bool(_) | Value::Null => {}
        }
    }

    /// Replaces the last path segment.
    #[inline]
    fn set_last(&mut self, seg: Seg<'v>) {
        if let Some(last) = self.path.last_mut() {
            *last = seg;
        }
    }

    /// A number under a password-family key is a literal password (`pin: 4321`).
    #[inline]
    fn number(&mut self, n: &impl std::fmt::Display, kc: KeyClass) {
        #[cfg(test)]
        self.visits.push(format!("{} {kc:?} {n}", text::pointer(&self.path)));
        if kc.password {
            let digits = n.to_string();
            if digits.len() >= 4 {
                self.report("sensitive_key_literal", &digits);
            }
        }
    }

    /// The members of one object, in order; `get` looks a member up by key. Serves the
    /// JSON document's objects and the typed manifest's free-form maps alike.
    fn object<M: Member<'v>>(
        &mut self,
        members: impl Iterator<Item = (&'v String, M)>,
        get: impl Fn(&str) -> Option<M>,
    ) {
        let mut sa_type = false;
        let mut sa_key = false;
        // One path segment for the members, rewritten per member.
        self.path.push(Seg::Key(""));
        for (k, v) in members {
            let mut ctx_key: &'v str = k;
            match (k.as_str(), v.as_str()) {
                // Kubernetes-style `{name: DB_PASSWORD, value: ...}` lists: the sibling
                // names the value.
                ("value" | "val", Some(_)) => {
                    if let Some(n) = get("name").or_else(|| get("key")).and_then(M::as_str) {
                        ctx_key = n;
                    }
                }
                ("type", Some("service_account")) => sa_type = true,
                ("private_key", Some(s)) => sa_key |= s.contains("PRIVATE KEY"),
                _ => {}
            }
            // The class only matters for leaves and arrays of leaves.
            let kc = if v.has_leaves() { self.memo.class(ctx_key) } else { KeyClass::PLAIN };
            self.set_last(Seg::Key(k));
            v.walk(self, (ctx_key, kc));
        }
        self.path.pop();
        if sa_type && sa_key {
            self.report("gcp_service_account", "{\"type\": \"service_account\"}");
        }
    }

    /// One string with its key context: the per-string check every walk calls.
    #[inline]
    fn string(&mut self, s: &str, key: Option<&str>, kc: KeyClass) {
        #[cfg(test)]
        self.visits.push(format!("{} {key:?} {kc:?} {s:?}", text::pointer(&self.path)));
        // Most strings of a manifest are short words under ordinary keys, which no
        // pass looks at: content rules start at `MIN_CONTENT_LEN` bytes, lone tokens
        // at 20, and only the structural pass (sensitive keys) reads shorter ones.
        if s.len() >= MIN_CONTENT_LEN || kc.sensitive {
            self.string_passes(s, key, kc);
        }
    }

    /// Content rules, then the structural or the lone-token pass.
    #[inline(never)]
    fn string_passes(&mut self, s: &str, key: Option<&str>, kc: KeyClass) {
        let before = self.out.len();
        if s.len() >= MIN_CONTENT_LEN {
            self.content(s);
        }
        if self.out.len() > before {
            return;
        }
        if kc.sensitive {
            self.structural(s, key.unwrap_or(""));
        } else if s.len() >= 20 {
            self.lone_token(s);
        }
    }

    #[inline]
    fn content(&mut self, s: &str) {
        let c = &*COMPILED;
        if c.ac.is_some() && !c.gate.may_match(s.as_bytes()) {
            return;
        }
        self.run_keyword_rules(s);
    }

    /// The rules whose keywords occur in `s`, run in order.
    #[inline(never)]
    fn run_keyword_rules(&mut self, s: &str) {
        let c = &*COMPILED;
        let mut cand = match &c.ac {
            Some(nfa) => keyword_rules(nfa, &c.pattern_rule, s.as_bytes()),
            None => c.all_rules,
        };
        let mut spans = Spans::new();
        let mut reported = 0u128;
        while cand != 0 {
            let i = cand.trailing_zeros() as usize;
            cand &= cand - 1;
            self.run_rule(i, s, &mut spans, &mut reported);
        }
    }

    fn run_rule(&mut self, i: usize, s: &str, spans: &mut Spans, reported: &mut u128) {
        let (Some(r), Some(Some(re))) = (RULES.get(i), COMPILED.regexes.get(i)) else {
            return;
        };
        if let Some(b) = r.needs {
            if !s.as_bytes().contains(&b) {
                return;
            }
        }
        if r.needs_separator && !has_assignment_separator(s.as_bytes()) {
            return;
        }
        for caps in re.captures_iter(s) {
            let Some(m) = caps.get(r.group).or_else(|| caps.get(0)) else {
                continue;
            };
            let span = (m.start(), m.end());
            if r.generic && spans.overlaps(span) {
                continue;
            }
            let secret = m.as_str();
            let Some(id) = self.validate(r, secret, s, &caps) else {
                continue;
            };
            let Some(idx) = RULES.iter().position(|x| x.id == id) else {
                continue;
            };
            if *reported & (1u128 << idx) != 0 {
                return;
            }
            *reported |= 1u128 << idx;
            spans.push(span);
            self.report(id, secret);
            return;
        }
    }

    fn validate(
        &self,
        r: &'static RuleDef,
        secret: &str,
        whole: &str,
        caps: &regex::Captures<'_>,
    ) -> Option<&'static str> {
        if r.check != Check::Structure
            && r.check != Check::ServiceAccount
            && (is_known_example(secret) || span_is_filler(secret))
        {
            return None;
        }
        let ok = match r.check {
            Check::Format | Check::Structure => true,
            Check::MinEntropy(tenths) => entropy(secret.as_bytes()) >= f64::from(tenths) / 10.0,
            Check::Jwt => valid_jwt(secret),
            Check::Basic => valid_basic(secret),
            Check::UriPassword => valid_uri_password(secret),
            Check::Sas => contains_ci(whole, "sv=") || contains_ci(whole, "se="),
            Check::ServiceAccount => whole.contains("private_key"),
            Check::Bearer => {
                !is_placeholder(secret)
                    && !is_reference(secret)
                    && entropy(secret.as_bytes()) >= 3.0
                    && secret.bytes().any(|c| c.is_ascii_digit())
            }
            Check::Assignment => {
                let key = caps.get(1).map_or("", |m| m.as_str());
                return assignment(key, secret);
            }
        };
        ok.then_some(r.id)
    }

    fn structural(&mut self, s: &str, key: &str) {
        let v = strip_auth_scheme(text::trim(s));
        if v.is_empty()
            || is_reference(v)
            || is_placeholder(v)
            || is_known_example(v)
            || span_is_filler(v)
            || is_benign_word(v)
            || is_path_like(v)
            || is_plain_url(v)
        {
            return;
        }
        let id = refine_by_key(key, v).unwrap_or("sensitive_key_literal");
        self.report(id, v);
    }

    /// A lone high-entropy token under an ordinary key.
    fn lone_token(&mut self, s: &str) {
        let t = text::trim(s);
        let b = t.as_bytes();
        if b.len() < 20 || b.len() > 1024 || b[0] == b'/' {
            return;
        }
        let (mut upper, mut lower, mut digit) = (false, false, false);
        for &c in b {
            match c {
                b'A'..=b'Z' => upper = true,
                b'a'..=b'z' => lower = true,
                b'0'..=b'9' => digit = true,
                b'+' | b'/' | b'=' | b'_' | b'-' => {}
                _ => return,
            }
        }
        if !(upper && lower && digit && mixes_like_random(b)) {
            return;
        }
        if text::is_uuid(t) || is_checksum(t) || t.bytes().all(|c| c.is_ascii_hexdigit() || c == b'-') {
            return;
        }
        if is_known_example(t) || is_placeholder(t) || is_public_token(t) {
            return;
        }
        let body = t.trim_end_matches('=');
        let n = body.len() as f64;
        let threshold = (0.85 * n.log2()).min(4.3);
        if entropy(body.as_bytes()) >= threshold {
            self.report("generic_high_entropy", t);
        }
    }
}

/// Random base62 switches between upper case, lower case and digits at ~60% of
/// positions; identifiers (`MyServiceAccountName01`, `eu-west-1a_SubnetGroup01`) at
/// ~30%. Separators reset the run and are not counted.
fn mixes_like_random(b: &[u8]) -> bool {
    let class = |c: u8| match c {
        b'A'..=b'Z' => 1u8,
        b'a'..=b'z' => 2,
        b'0'..=b'9' => 3,
        _ => 0,
    };
    // A long lowercase run is a word (`…IdentifierName2`): rare in random base62.
    let mut run = 0usize;
    for &c in b {
        run = if c.is_ascii_lowercase() { run + 1 } else { 0 };
        if run >= 7 {
            return false;
        }
    }
    let (mut switches, mut pairs) = (0usize, 0usize);
    for w in b.windows(2) {
        let (x, y) = (class(w[0]), class(w[1]));
        if x != 0 && y != 0 {
            pairs += 1;
            if x != y {
                switches += 1;
            }
        }
    }
    pairs > 0 && switches * 10 >= pairs * 4
}

fn has_assignment_separator(b: &[u8]) -> bool {
    let mut from = 0;
    while let Some(i) = next_equals_or_colon(b, from) {
        if b.get(i) == Some(&b'=') || b.get(i + 1) != Some(&b'/') {
            return true;
        }
        from = i + 1;
    }
    false
}

/// The first `=` or `:` at or after `from`, eight bytes at a time.
fn next_equals_or_colon(b: &[u8], mut from: usize) -> Option<usize> {
    while let Some(w) = b.get(from..from + 8).and_then(|w| w.try_into().ok()) {
        let w = u64::from_le_bytes(w);
        let found = zero_byte(w ^ u64::from_ne_bytes([b'='; 8])) | zero_byte(w ^ u64::from_ne_bytes([b':'; 8]));
        if found != 0 {
            // The lowest flag is exact (only flags above a match can be spurious).
            return Some(from + found.trailing_zeros() as usize / 8);
        }
        from += 8;
    }
    let rest = b.get(from..)?;
    rest.iter().position(|&c| c == b'=' || c == b':').map(|i| from + i)
}

fn assignment(key: &str, value: &str) -> Option<&'static str> {
    let key = key.trim_matches(|c| c == '"' || c == '\'');
    let kc = classify_key(key);
    if !kc.sensitive {
        return None;
    }
    let v = value.trim_matches(|c| c == '"' || c == '\'');
    if is_reference(v) || is_placeholder(v) || is_benign_word(v) || is_path_like(v) || is_plain_url(v) {
        return None;
    }
    if let Some(id) = refine_by_key(key, v) {
        return Some(id);
    }
    if kc.password {
        return password_like(v).then_some("password_assignment");
    }
    let strong = v.len() >= 16 && entropy(v.as_bytes()) >= 3.0;
    let mixed = v.len() >= 8 && password_like(v) && v.bytes().any(|c| c.is_ascii_digit());
    (strong || mixed).then_some("generic_secret_assignment")
}

#[cfg(test)]
mod tests {
    use super::*;
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
        let doc = include_str!("../../docs/findings.md");
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
}
