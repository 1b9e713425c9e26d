//! The rule table: every provider rule with its keywords, pattern and validator
//! (`core/docs/findings.md` lists them). A data table: one idea however long.

use super::{Confidence, Severity};

/// A prefilter keyword; `Ci` keywords are matched in lower, UPPER and as-written case.
#[derive(Clone, Copy)]
pub(super) enum Kw {
    Cs(&'static str),
    Ci(&'static str),
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Check {
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

pub(super) struct RuleDef {
    pub(super) id: &'static str,
    pub(super) description: &'static str,
    pub(super) severity: Severity,
    pub(super) confidence: Confidence,
    pub(super) keywords: &'static [Kw],
    /// Empty: the rule is only reported from key context or code.
    pub(super) pattern: &'static str,
    /// Capture group holding the secret (0 = whole match).
    pub(super) group: usize,
    pub(super) check: Check,
    /// A byte that must occur in the string before the regex runs.
    pub(super) needs: Option<u8>,
    /// `key=value` rules: the string must hold a `=`, or a `:` that does not start `://`.
    pub(super) needs_separator: bool,
    /// Generic rules yield to a more specific finding on an overlapping span.
    pub(super) generic: bool,
}

use Confidence as C;
use Severity as S;

pub(super) const fn rule(
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
    pub(super) const fn check(mut self, c: Check) -> Self {
        self.check = c;
        self
    }
    pub(super) const fn group(mut self, g: usize) -> Self {
        self.group = g;
        self
    }
    pub(super) const fn needs(mut self, b: u8) -> Self {
        self.needs = Some(b);
        self
    }
    pub(super) const fn needs_separator(mut self) -> Self {
        self.needs_separator = true;
        self
    }
    pub(super) const fn generic(mut self) -> Self {
        self.generic = true;
        self
    }
}

// `(?-u:\b)` is an ASCII word boundary: it keeps the lazy DFA usable on any input.
// `(?:[^0-9A-Za-z_-]|$)` ends a token whose alphabet includes `-`.
#[rustfmt::skip]
pub(super) const RULES: &[RuleDef] = &[
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
pub(super) const MIN_CONTENT_LEN: usize = 10;

pub(super) fn rule_by_id(id: &str) -> Option<&'static RuleDef> {
    RULES.iter().find(|r| r.id == id)
}
