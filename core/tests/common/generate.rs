//! A seeded generator of valid manifests and approvals, for the differential test
//! (`core/tests/differential.rs`) and `cargo run --example generate_manifests`.
//!
//! The same seed and index give the same case on every machine: a small
//! SplitMix64 generator, no dependency. The vocabularies come from the model
//! (`Category::ALL`, `Access::ALL`, ...), connector types from the bundled connector catalog
//! (with a typo, a blocked and a non-business one), and the catalogs from the bundle
//! data the engine loaded (regions and jurisdictions, egress deny-list, secret
//! stores, thresholds, exception kinds), so a change of either reaches the cases.
//! Each case is aimed at the edges the bundled rules draw: residencies against
//! regions in and out of them, sovereign regions, retention and rotation around
//! their maxima, expiry around now, egress URLs in every IPv4 and IPv6 spelling
//! and SSRF trick, secret references in approved and unapproved stores, inline
//! secrets in real formats, and approvals that are valid, expired, revoked,
//! self-granted or scoped to exceptions that match a violation or not.
//!
//! One file: the generator is one idea, a list of choices per manifest member.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use microgov::model::{Access, BuiltBy, Category, Classification, Encryption, Environment, Sso};
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;

/// The evaluation time of every generated case: expiries and approvals are placed around it.
pub const NOW: &str = "2026-11-26T10:00:00Z";

/// In a generated approval, a digest that stands for "bound to the manifest as generated":
/// [`bind`] replaces it with the manifest's material view once the manifest is parsed (the
/// generator writes documents, not parsed manifests). Any other digest is stale.
pub const BIND_DIGEST: &str = "sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";

/// A digest no app has: the approval is stale.
pub const STALE_DIGEST: &str = "sha256:0000000000000000000000000000000000000000000000000000000000000000";

/// Binds each approval marked [`BIND_DIGEST`] to `app` (its material view as it is now);
/// one in four keeps only the digest, without the parts.
pub fn bind(approvals: &mut [microgov::model::Approval], app: &microgov::Manifest) {
    for (i, a) in approvals.iter_mut().enumerate() {
        if a.digest.as_deref() == Some(BIND_DIGEST) {
            a.bind_to(app);
            if i % 4 == 3 {
                a.reviewed.clear();
            }
        }
    }
}

/// The evaluation time as a date.
pub fn now() -> DateTime<Utc> {
    NOW.parse().unwrap()
}

/// SplitMix64: tiny, fast, and the same everywhere.
pub struct Rng(u64);

impl Rng {
    /// A generator for case `index` of run `seed`.
    pub fn for_case(seed: u64, index: u64) -> Rng {
        let mut r = Rng(seed ^ 0x6a09_e667_f3bc_c908);
        let s = r.next_u64() ^ index.wrapping_mul(0x9e37_79b9_7f4a_7c15);
        Rng(s)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next_u64() % (hi - lo + 1) as u64) as i64
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }

    /// Some elements of a slice, in their order.
    pub fn subset<T: Clone>(&mut self, xs: &[T], percent: u64) -> Vec<T> {
        xs.iter().filter(|_| self.chance(percent)).cloned().collect()
    }
}

/// One generated case: a manifest document and the approvals supplied with it.
#[derive(Debug, Clone)]
pub struct Case {
    /// The run's seed.
    pub seed: u64,
    /// The case's position in the run.
    pub index: u64,
    /// The manifest, as a JSON document (camelCase, as written by a user).
    pub manifest: Value,
    /// The approvals, as a JSON list in the approvals file format.
    pub approvals: Value,
}

/// A region of the catalog.
#[derive(Debug, Clone)]
struct Region {
    id: String,
    country: String,
    jurisdiction: String,
    sovereign: bool,
}

/// What the generator reads from the engine's data document.
#[derive(Debug, Clone)]
pub struct Generator {
    regions: Vec<Region>,
    /// Jurisdiction codes, aliases and countries with regions.
    residencies: Vec<String>,
    /// Alias → jurisdiction (`EEA` → `EU`).
    aliases: Map<String, Value>,
    deny: Vec<String>,
    stores: Vec<String>,
    max_retention: i64,
    max_rotation: i64,
    default_days: i64,
    max_days: i64,
    expiring_days: i64,
    internal_suffixes: Vec<String>,
    exceptions: Vec<String>,
    /// Exception kind → the roles its rule names (`governance.exceptions`).
    exception_roles: Map<String, Value>,
    /// Roles the tiers require (`governance.required_approvals`).
    required_roles: Vec<String>,
    roles: Vec<String>,
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

fn number(data: &Value, pointer: &str, default: i64) -> i64 {
    data.pointer(pointer).and_then(Value::as_i64).unwrap_or(default)
}

impl Generator {
    /// Reads the catalogs and thresholds from a data document holding `microgov.*`
    /// (`Engine::data()`).
    pub fn from_data(data: &Value) -> Generator {
        let mut regions = Vec::new();
        if let Some(r) = data.pointer("/microgov/residency/regions").and_then(Value::as_object) {
            for (id, v) in r {
                regions.push(Region {
                    id: id.clone(),
                    country: v["country"].as_str().unwrap_or_default().to_string(),
                    jurisdiction: v["jurisdiction"].as_str().unwrap_or_default().to_string(),
                    sovereign: v["sovereign"].as_bool().unwrap_or(false),
                });
            }
        }
        let mut residencies: BTreeSet<String> = BTreeSet::new();
        for key in ["/microgov/residency/jurisdictions", "/microgov/residency/aliases"] {
            if let Some(o) = data.pointer(key).and_then(Value::as_object) {
                residencies.extend(o.keys().cloned());
            }
        }
        residencies.extend(regions.iter().map(|r| r.country.clone()));
        let mut exceptions: BTreeSet<String> = data
            .pointer("/microgov/governance/exceptions")
            .and_then(Value::as_object)
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default();
        for p in ["/microgov/residency/transfer_exception", "/microgov/pii/export_exception"] {
            if let Some(s) = data.pointer(p).and_then(Value::as_str) {
                exceptions.insert(s.to_string());
            }
        }
        // The egress allow-list's exception, which no data names, and one nobody knows.
        exceptions.insert("egress.host".into());
        exceptions.insert("team.unknown".into());
        let mut roles: BTreeSet<String> = BTreeSet::new();
        if let Some(o) = data.pointer("/microgov/governance/required_approvals").and_then(Value::as_object) {
            for v in o.values() {
                roles.extend(strings(Some(v)));
            }
        }
        let required_roles: Vec<String> = roles.iter().cloned().collect();
        let exception_roles: Map<String, Value> = data
            .pointer("/microgov/governance/exceptions")
            .and_then(Value::as_object)
            .map(|o| o.iter().map(|(k, v)| (k.clone(), v.get("roles").cloned().unwrap_or(json!([])))).collect())
            .unwrap_or_default();
        if let Some(o) = data.pointer("/microgov/governance/exceptions").and_then(Value::as_object) {
            for v in o.values() {
                roles.extend(strings(v.get("roles")));
            }
        }
        roles.insert("auditor".into());
        Generator {
            regions,
            residencies: residencies.into_iter().collect(),
            aliases: data
                .pointer("/microgov/residency/aliases")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default(),
            deny: strings(data.pointer("/microgov/egress/deny")),
            stores: strings(data.pointer("/microgov/secrets/approved_stores")),
            max_retention: number(data, "/microgov/pii/max_retention_days", 730),
            max_rotation: number(data, "/microgov/secrets/max_rotation_days", 90),
            default_days: number(data, "/microgov/governance/lifecycle/default_days", 90),
            max_days: number(data, "/microgov/governance/lifecycle/max_days", 365),
            expiring_days: number(data, "/microgov/governance/lifecycle/expiring_within_days", 14),
            internal_suffixes: strings(data.pointer("/microgov/governance/internal_domain_suffixes")),
            exceptions: exceptions.into_iter().collect(),
            exception_roles,
            required_roles,
            roles: roles.into_iter().collect(),
        }
    }

    /// Case `index` of run `seed`.
    pub fn case(&self, seed: u64, index: u64) -> Case {
        let mut r = Rng::for_case(seed, index);
        // Two cases in five are tidy: each risky choice goes wrong rarely, so that
        // approvals decide (allow, review, waived) instead of a certain deny.
        let tidy = r.chance(40);
        let mut g = Build { gen: self, r: &mut r, now: now(), tidy };
        let (manifest, facts) = g.manifest(seed, index);
        let approvals = g.approvals(&facts);
        Case { seed, index, manifest, approvals }
    }
}

/// What the approvals are aimed at: the app's names and its flows.
struct Facts {
    name: String,
    owner: String,
    datasets: Vec<String>,
    connectors: Vec<String>,
    /// (dataset, connector) pairs that flow.
    flows: Vec<(String, String)>,
}

struct Build<'a> {
    gen: &'a Generator,
    r: &'a mut Rng,
    now: DateTime<Utc>,
    tidy: bool,
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Sets `key` when `v` is some; `null` now and then, which a manifest reads as absent.
fn put(o: &mut Map<String, Value>, key: &str, v: Option<Value>) {
    if let Some(v) = v {
        o.insert(key.to_string(), v);
    }
}

/// Connector types: the twelve generic words, catalog entries of every group, and a typo.
const CONNECTOR_TYPES: &[&str] = &[
    "database",
    "api",
    "saas",
    "storage",
    "queue",
    "webhook",
    "email",
    "chat",
    "spreadsheet",
    "llm",
    "cloud",
    "other",
    "postgres",
    "salesforce",
    "slack",
    "s3",
    "openai",
    "dropbox",
    "ftp",
    "salesforse",
];

const OWNERS: [&str; 4] =
    ["jane.doe@acme.example", "lena.schmidt@acme.example", "ops@corp.example", "a.b@sub.acme.example"];
const APPROVERS: [&str; 4] = ["sec.lead@acme.example", "dpo@acme.example", "ciso@corp.example", "auditor@acme.example"];

/// Field names that look like personal data (by name), and some that do not.
const FIELD_NAMES: [&str; 36] = [
    "email",
    "employee_email",
    "phoneNumber",
    "mobile",
    "ssn",
    "date_of_birth",
    "birthDate",
    "passport_number",
    "national_id",
    "tax_id",
    "iban",
    "payee_iban",
    "bank_account_number",
    "card_number",
    "cvv",
    "home_address",
    "postcode",
    "ip_address",
    "gps_lat",
    "diagnosis",
    "blood_type",
    "fingerprint",
    "religion",
    "salary",
    "password",
    "api_key",
    "first_name",
    "full_name",
    "amount",
    "order_total",
    "ticket_id",
    "summary",
    "priority",
    "cost_center",
    "region_code",
    "status",
];

/// Sample values: personal data in the recognizers' formats, and lookalikes that are not.
const SAMPLES: [&str; 30] = [
    "jane.doe@example.com",
    "UPPER@ACME.EXAMPLE",
    "not-an-email",
    "+44 20 7946 0958",
    "(555) 123-4567",
    "+49 (30) 1234-5678",
    "12345678",
    "4111 1111 1111 1111",
    "5555555555554444",
    "4111111111111112",
    "DE89370400440532013000",
    "GB82 WEST 1234 5698 7654 32",
    "GB82WEST12345698765433",
    "123-45-6789",
    "000-12-3456",
    "203.0.113.7",
    "2001:db8::7",
    "1984-03-12",
    "2026-11-01",
    "1234.56",
    "Musterstraße 12, 10115 Berlin",
    "O+",
    "open",
    "v1.2.3",
    "AB123456C",
    "52.5200, 13.4050",
    "ok",
    "",
    "FR1420041010050500013M02606",
    "378282246310005",
];

/// Inline secrets in real formats (all fake), with a key that suits each.
const SECRETS: [(&str, &str); 14] = [
    ("AWS_ACCESS_KEY_ID", "AKIAFAKE2345QRSTWXYZ"),
    ("AWS_SECRET_ACCESS_KEY", "FAKEfake0123456789/ABCDEFGHIJKLmnopqrst+"),
    ("GH_TOKEN", "ghp_0123456789abcdefFAKEFAKEFAKEfake0000"),
    ("SLACK_BOT_TOKEN", "xoxb-1234567890-1234567890123-FAKEVuC7NMuid8hUInK0Xlgb"),
    ("STRIPE_SECRET_KEY", "sk_live_FAKEkGO9OkjKvyKKERIwtQNT"),
    ("STRIPE_SECRET_KEY", "sk_test_FAKEwyges5RTvWMRM0fOujM3"),
    ("DATABASE_URL", "postgres://app:S3cr3tFakePass@db.acme.example:5432/app"),
    (
        "sessionCookie",
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJmYWtlLXVzZXItMDAwMSIsIm5hbWUiOiJGYWtlIFBlcnNvbiIsImlhdCI6MTcwMDAwMDAwMH0.FAKEkfAe0U-hyhIwyrZg25PhAoeIphnot5h6d0wWy6m",
    ),
    (
        "tlsKey",
        "-----BEGIN RSA PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCFAKELmAlnY02k35UdnhFKF7j8rSZI0Z4jXt3pZpMHdjePqWl6DFtKkpCpkpT0JlY\n-----END RSA PRIVATE KEY-----\n",
    ),
    ("GOOGLE_MAPS_KEY", "AIzaFAKEemNy9TLICzlHcujWNhbDhiYVnlvLrxf"),
    ("OPENAI_API_KEY", "sk-FAKERZ1msyv1OOul6x8MT3BlbkFJFAKELlCfJis29IXQl9Ro"),
    ("alertsWebhook", "https://hooks.slack.com/services/TFAKE0000/BFAKE0000/FAKEb2QkGPkGGf3mRa5uHYbx"),
    ("password", "hunter2-Fake-Passw0rd!"),
    ("Authorization", "Bearer FAKEabcdefghijklmnopqrstuvwxyz0123456789"),
];

/// Values that look like secrets to a careless eye but are not.
const NOT_SECRETS: [&str; 8] =
    ["info", "a,b,c", "eu", "true", "vault://secret/app/db", "${DB_PASSWORD}", "changeme", "30"];

/// IPv4 addresses of every class the egress detector names.
const IPV4: [[u8; 4]; 16] = [
    [127, 0, 0, 1],
    [10, 1, 2, 3],
    [172, 16, 0, 1],
    [192, 168, 0, 1],
    [100, 64, 0, 1],
    [169, 254, 169, 254],
    [169, 254, 170, 2],
    [100, 100, 100, 200],
    [169, 254, 1, 1],
    [0, 0, 0, 0],
    [224, 0, 0, 1],
    [192, 0, 2, 10],
    [255, 255, 255, 255],
    [8, 8, 8, 8],
    [1, 1, 1, 1],
    [203, 0, 113, 9],
];

/// IPv6 literals, bracketed: loopback, unspecified, mapped and embedded IPv4, metadata, ULA, ...
const IPV6: [&str; 18] = [
    "[::1]",
    "[0:0:0:0:0:0:0:1]",
    "[::]",
    "[::ffff:127.0.0.1]",
    "[::ffff:7f00:1]",
    "[::ffff:169.254.169.254]",
    "[::ffff:a9fe:a9fe]",
    "[64:ff9b::a9fe:a9fe]",
    "[2002:7f00:1::]",
    "[::127.0.0.1]",
    "[fd00:ec2::254]",
    "[FD00:EC2::254]",
    "[fe80::1]",
    "[fd12:3456::1]",
    "[ff02::1]",
    "[2001:db8::1]",
    "[2606:4700:4700::1111]",
    "[::ffff:10.0.0.1]",
];

/// Host names: public, the owner's, internal, metadata, localhost, IDN, wildcard-DNS aliases.
const NAMES: [&str; 30] = [
    "api.partner.example",
    "api.stripe.com",
    "hooks.slack.com",
    "services1.myworkday.com",
    "svc.internal.acme.example",
    "db.acme.example",
    "ACME.example",
    "acme.example.evil.com",
    "db.corp",
    "printer.local",
    "intranet",
    "kafka.svc.cluster.local",
    "metadata.google.internal",
    "metadata.goog",
    "instance-data",
    "localhost",
    "LOCALHOST",
    "app.localhost",
    "localhost.",
    "127.0.0.1.nip.io",
    "169.254.169.254.nip.io",
    "app-10-0-0-1.sslip.io",
    "a9fea9fe.nip.io",
    "admin.localtest.me",
    "bücher.example",
    "xn--80ak6aa92e.com",
    "pаypal.com",
    "*.example.com",
    "api.example.com.",
    "exa\u{00ad}mple.com",
];

/// URLs that do not parse, or barely.
const BROKEN_URLS: [&str; 12] = [
    "",
    "not a url",
    "https://",
    "http://[::1",
    "https://example.com:99999/",
    "http://1.2.3.4.5/",
    "://example.com",
    "http://0x100000000/",
    "http://[::ffff:1.2.3]/",
    "javascript:alert(1)",
    "file:///etc/passwd",
    "https://exa%00mple.com/",
];

impl Build<'_> {
    /// Whether a risky choice may go wrong here: always in an untidy case, rarely in a tidy one.
    fn slip(&mut self) -> bool {
        !self.tidy || self.r.chance(2)
    }

    /// An inline secret, or (mostly, in a tidy case) a harmless value.
    fn secret_or(&mut self, harmless: &'static str) -> (&'static str, &'static str) {
        if self.slip() && self.r.chance(60) {
            *self.r.pick(&SECRETS)
        } else {
            ("note", harmless)
        }
    }

    fn manifest(&mut self, seed: u64, index: u64) -> (Value, Facts) {
        let name = format!("gen-{:x}-{index}", seed & 0xffff_ffff);
        let owner = self.r.pick(&OWNERS).to_string();
        let mut meta = Map::new();
        meta.insert("name".into(), json!(name));
        meta.insert("owner".into(), json!(owner));
        if self.r.chance(50) {
            meta.insert("department".into(), json!(self.r.pick(&["operations", "people", "finance", "sales"])));
        }
        if self.r.chance(50) {
            meta.insert("tenant".into(), json!(self.r.pick(&["acme", "acme-eu", "corp"])));
        }
        self.lifecycle(&mut meta);
        if self.r.chance(20) {
            let mut labels = Map::new();
            labels.insert("dpia".into(), json!("DPIA-2026-031"));
            if self.r.chance(30) {
                let (k, v) = self.secret_or("reviewed");
                labels.insert(k.to_ascii_lowercase(), json!(v));
            }
            meta.insert("labels".into(), Value::Object(labels));
        }

        let mut spec = Map::new();
        if self.r.chance(30) {
            spec.insert(
                "template".into(),
                json!(format!("tpl-{}@{}.{}.0", self.r.below(9), self.r.below(4), self.r.below(9))),
            );
        }
        if self.r.chance(40) {
            let purpose = if self.r.chance(10) {
                format!("uses {}", self.secret_or("nothing secret").1)
            } else {
                "Generated manifest for the differential test".to_string()
            };
            spec.insert("purpose".into(), json!(purpose));
        }
        if self.r.chance(70) {
            let b = self.r.pick(BuiltBy::ALL).as_str();
            spec.insert("builtBy".into(), json!(b));
        }
        if self.r.chance(70) {
            spec.insert("environment".into(), json!(self.r.pick(Environment::ALL).as_str()));
        }
        if self.tidy && !self.slip() {
            spec.insert(
                "auth".into(),
                json!({"sso": self.r.pick(&["oidc", "saml"]), "mfa": true, "localAccounts": false}),
            );
        } else if self.r.chance(85) {
            let mut auth = Map::new();
            if self.r.chance(85) {
                auth.insert("sso".into(), json!(self.r.pick(Sso::ALL).as_str()));
            }
            if self.r.chance(85) {
                auth.insert("mfa".into(), json!(self.r.chance(60)));
            }
            if self.r.chance(70) {
                auth.insert("localAccounts".into(), json!(self.r.chance(30)));
            }
            if self.r.chance(40) {
                auth.insert("roles".into(), json!(self.r.subset(&["viewer", "operator", "admin"], 60)));
            }
            spec.insert("auth".into(), Value::Object(auth));
        }

        let datasets = self.datasets();
        let dataset_names: Vec<String> = datasets.iter().map(|d| d["name"].as_str().unwrap().to_string()).collect();
        let residencies: Vec<Option<String>> =
            datasets.iter().map(|d| d["residency"].as_str().map(str::to_string)).collect();
        let (connectors, flows) = self.connectors(&dataset_names, &residencies, &owner);
        let connector_names: Vec<String> = connectors.iter().map(|c| c["name"].as_str().unwrap().to_string()).collect();
        if !datasets.is_empty() || self.r.chance(50) {
            spec.insert("datasets".into(), Value::Array(datasets));
        }
        if !connectors.is_empty() || self.r.chance(50) {
            spec.insert("connectors".into(), Value::Array(connectors));
        }
        let egress: Vec<Value> = (0..self.r.below(6)).map(|_| json!(self.url())).collect();
        if !egress.is_empty() || self.r.chance(30) {
            spec.insert("egress".into(), Value::Array(egress));
        }
        if self.r.chance(60) {
            spec.insert("env".into(), self.env());
        }
        if self.r.chance(40) {
            let mut secrets = Vec::new();
            for k in 0..self.r.range(0, 3) {
                let mut s = Map::new();
                s.insert("name".into(), json!(format!("secret-{k}")));
                s.insert("ref".into(), json!(self.secret_ref()));
                put(&mut s, "rotationDays", self.rotation());
                secrets.push(Value::Object(s));
            }
            spec.insert("secrets".into(), Value::Array(secrets));
        }
        if self.r.chance(15) {
            spec.insert("policies".into(), json!(self.r.subset(&["gdpr", "pci-safe", "hipaa", "sox-controls"], 50)));
        }
        let doc = json!({"apiVersion": "microgov.dev/v1", "kind": "MicroApp", "metadata": meta, "spec": spec});
        (doc, Facts { name, owner, datasets: dataset_names, connectors: connector_names, flows })
    }

    /// createdAt, expiresAt and retiredAt around now: active, expiring, expired (also at
    /// exactly now), retired (or to be retired), a lifetime over the maximum, or the default.
    fn lifecycle(&mut self, meta: &mut Map<String, Value>) {
        let now = self.now;
        let hours = |h: i64| Duration::hours(h);
        let case = if self.slip() { self.r.below(8) } else { 7 };
        let (created, expires) = match case {
            // The default lifetime, ending a few days either side of now.
            0 => (now - Duration::days(self.gen.default_days) + hours(self.r.range(-24 * 5, 24 * 5)), None),
            1 => {
                let e = now + hours(self.r.range(1, 24 * self.gen.expiring_days));
                (e - Duration::days(self.r.range(1, 120)), Some(e))
            }
            2 => {
                let e = now - hours(self.r.range(0, 24 * 100));
                (e - Duration::days(self.r.range(1, 120)), Some(e))
            }
            3 => {
                // Lifetime at, just over or far over the maximum.
                let days = self.gen.max_days + *self.r.pick(&[0, 1, 2, 400]);
                let c = now - Duration::days(self.r.range(0, 30));
                (c, Some(c + Duration::days(days)))
            }
            4 => {
                // The edges of the expiring window.
                let e = now + Duration::days(self.gen.expiring_days) + Duration::seconds(*self.r.pick(&[-1, 0, 1]));
                (now - Duration::days(10), Some(e))
            }
            5 => (now - Duration::days(30), Some(now)),
            _ => {
                let e = now + Duration::days(self.r.range(self.gen.expiring_days + 1, 300));
                (now - hours(self.r.range(1, 24 * 60)), Some(e))
            }
        };
        let spell = |t: DateTime<Utc>, r: &mut Rng| match r.below(6) {
            0 => t.with_timezone(&chrono::FixedOffset::east_opt(3600).unwrap()).to_rfc3339(),
            1 => t.to_rfc3339_opts(SecondsFormat::Millis, true),
            _ => time(t),
        };
        meta.insert("createdAt".into(), json!(spell(created, self.r)));
        if let Some(e) = expires {
            meta.insert("expiresAt".into(), json!(spell(e, self.r)));
        } else if self.r.chance(20) {
            meta.insert("expiresAt".into(), Value::Null);
        }
        if self.r.chance(12) && self.slip() {
            // Retired in the past, at exactly now, or not yet.
            let at = now + Duration::hours(*self.r.pick(&[-500, -1, 0, 5]));
            let at = if at <= created { created + Duration::hours(1) } else { at };
            meta.insert("retiredAt".into(), json!(time(at)));
        }
    }

    fn datasets(&mut self) -> Vec<Value> {
        let n = self.r.below(5);
        let mut out = Vec::new();
        for j in 0..n {
            let mut d = Map::new();
            d.insert("name".into(), json!(format!("ds{j}")));
            d.insert("classification".into(), json!(self.r.pick(Classification::ALL).as_str()));
            if self.r.chance(70) {
                let res = self.r.pick(&self.gen.residencies).clone();
                let res = if self.r.chance(15) { res.to_ascii_lowercase() } else { res };
                d.insert("residency".into(), json!(res));
            }
            if self.r.chance(50) {
                let sovereign = self.r.chance(40) && self.slip();
                d.insert("sovereign".into(), json!(sovereign));
            }
            if self.r.chance(60) {
                d.insert("encryption".into(), json!(self.r.pick(Encryption::ALL).as_str()));
            }
            let max = self.gen.max_retention;
            let case = if self.slip() { self.r.below(6) } else { 5 };
            match case {
                0 => {}
                1 => {
                    d.insert("retentionDays".into(), json!(self.r.range(max + 1, 36_500)));
                }
                2 => {
                    d.insert("retentionDays".into(), json!(*self.r.pick(&[max - 1, max, max + 1, 0])));
                }
                _ => {
                    d.insert("retentionDays".into(), json!(self.r.range(1, max)));
                }
            }
            let mut fields = Vec::new();
            let mut names = BTreeSet::new();
            for _ in 0..self.r.below(6) {
                // In a tidy case, mostly the last names: not personal data.
                let name = if self.slip() { *self.r.pick(&FIELD_NAMES) } else { *self.r.pick(&FIELD_NAMES[28..]) };
                if !names.insert(name) {
                    continue;
                }
                let mut f = Map::new();
                f.insert("name".into(), json!(name));
                if self.r.chance(50) {
                    let cats: Vec<&str> = self.r.subset(Category::ALL, 20).iter().map(|c| c.as_str()).collect();
                    f.insert("categories".into(), json!(cats));
                }
                let case = if self.slip() { self.r.below(5) } else { 4 };
                match case {
                    0 => {
                        f.insert("sample".into(), json!(self.r.pick(&SAMPLES)));
                    }
                    1 => {
                        let s: Vec<&str> = (0..self.r.range(1, 3)).map(|_| *self.r.pick(&SAMPLES)).collect();
                        f.insert("sample".into(), json!(s));
                    }
                    _ => {}
                }
                fields.push(Value::Object(f));
            }
            if !fields.is_empty() || self.r.chance(50) {
                d.insert("fields".into(), Value::Array(fields));
            }
            if self.r.chance(20) {
                let cats: Vec<&str> = self.r.subset(Category::ALL, 25).iter().map(|c| c.as_str()).collect();
                d.insert("categories".into(), json!(cats));
            }
            out.push(Value::Object(d));
        }
        out
    }

    /// A region of the catalog: often one inside `residency`, sometimes a sovereign one.
    fn region(&mut self, residency: Option<&str>) -> String {
        let within: Vec<&Region> = match residency {
            Some(res) => {
                let res = res.to_ascii_uppercase();
                let res = self.gen.aliases.get(&res).and_then(Value::as_str).map_or(res.clone(), str::to_string);
                self.gen.regions.iter().filter(|g| g.jurisdiction == res || g.country == res).collect()
            }
            None => Vec::new(),
        };
        if !within.is_empty() && (self.r.chance(55) || !self.slip()) {
            return self.r.pick(&within).id.clone();
        }
        if self.r.chance(15) {
            let sovereign: Vec<&Region> = self.gen.regions.iter().filter(|g| g.sovereign).collect();
            if !sovereign.is_empty() {
                return self.r.pick(&sovereign).id.clone();
            }
        }
        self.r.pick(&self.gen.regions).id.clone()
    }

    fn connectors(
        &mut self,
        datasets: &[String],
        residencies: &[Option<String>],
        owner: &str,
    ) -> (Vec<Value>, Vec<(String, String)>) {
        let n = self.r.below(6);
        let mut out = Vec::new();
        let mut flows = Vec::new();
        let owner_domain = owner.rsplit_once('@').map(|(_, d)| d).unwrap_or("acme.example").to_string();
        for k in 0..n {
            let mut c = Map::new();
            let name = format!("c{k}");
            c.insert("name".into(), json!(name));
            c.insert("type".into(), json!(self.r.pick(CONNECTOR_TYPES)));
            let mut picked: Vec<usize> = (0..datasets.len()).filter(|_| self.r.chance(45)).collect();
            if let Some(&first) = picked.first() {
                if !self.slip() {
                    // Tidy: the datasets of one connector share a residency.
                    picked.retain(|&j| residencies[j] == residencies[first]);
                }
            }
            if self.r.chance(75) {
                let case = if self.slip() { self.r.below(4) } else { self.r.below(2) };
                let endpoint = match case {
                    0 => format!("https://svc{k}.internal.{owner_domain}/api"),
                    1 => format!("https://db{k}{}", self.r.pick(&self.gen.internal_suffixes)),
                    _ => self.url(),
                };
                c.insert("endpoint".into(), json!(endpoint));
            }
            if self.r.chance(80) || !self.slip() {
                let res = picked.first().and_then(|&j| residencies[j].as_deref());
                c.insert("region".into(), json!(self.region(res)));
            }
            if self.r.chance(70) {
                c.insert("access".into(), json!(self.r.pick(Access::ALL).as_str()));
            }
            if !picked.is_empty() || self.r.chance(50) {
                let names: Vec<&str> = picked.iter().map(|&j| datasets[j].as_str()).collect();
                c.insert("datasets".into(), json!(names));
            }
            for &j in &picked {
                flows.push((datasets[j].clone(), name.clone()));
            }
            for key in ["exportsPii", "needsRawValues", "external"] {
                if self.r.chance(40) {
                    let on = self.r.chance(50) && (key != "exportsPii" || self.slip());
                    c.insert(key.into(), json!(on));
                }
            }
            if self.r.chance(70) {
                c.insert("secretRef".into(), json!(self.secret_ref()));
            }
            put(&mut c, "rotationDays", self.rotation());
            if self.r.chance(40) {
                let mut config = Map::new();
                config.insert("pool".into(), json!(self.r.range(1, 16)));
                config.insert("label".into(), json!(format!("conn {k}")));
                if self.r.chance(25) {
                    let (key, v) = self.secret_or("plain");
                    config.insert(key.into(), json!(v));
                }
                if self.r.chance(15) {
                    let v = self.secret_or("plain").1;
                    config.insert("nested".into(), json!({"list": [1, true, null, {"token": v}]}));
                }
                c.insert("config".into(), Value::Object(config));
            }
            if self.r.chance(25) {
                let (k, v) = self.secret_or("trace-on");
                let k = if k == "note" { "X-Trace" } else { k };
                c.insert("headers".into(), json!({k: v, "Accept": "application/json"}));
            }
            out.push(Value::Object(c));
        }
        (out, flows)
    }

    fn secret_ref(&mut self) -> String {
        let path = format!("secret/app/{}", self.r.below(100));
        let case = if self.slip() { self.r.below(6) } else { 2 };
        match case {
            0 => self
                .r
                .pick(&[
                    "env:DB_PASSWORD",
                    "k8s://ns/secret",
                    "s3://bucket/creds.json",
                    "file:/etc/app.key",
                    "VAULT://secret/x",
                    "vault:/secret/x",
                ])
                .to_string(),
            1 => "plain-text-password".to_string(),
            _ => {
                let store = self.r.pick(&self.gen.stores).clone();
                if store.ends_with('(') {
                    format!("{store}SecretUri=https://kv.vault.azure.net/secrets/{path})")
                } else if store.ends_with(':') {
                    format!("{store}eu-west-1:123456789012:secret:{}", self.r.below(100))
                } else {
                    format!("{store}{path}")
                }
            }
        }
    }

    fn rotation(&mut self) -> Option<Value> {
        let max = self.gen.max_rotation;
        let case = if self.slip() { self.r.below(5) } else { 4 };
        match case {
            0 | 1 => None,
            2 => Some(json!(*self.r.pick(&[max - 1, max, max + 1, 0]))),
            3 => Some(json!(self.r.range(max + 1, 3650))),
            _ => Some(json!(self.r.range(1, max))),
        }
    }

    fn env(&mut self) -> Value {
        let mut env = Map::new();
        env.insert("LOG_LEVEL".into(), json!(self.r.pick(&["info", "warn", "debug"])));
        for _ in 0..self.r.below(4) {
            match self.r.below(5) {
                0 | 1 => {
                    let (k, v) = self.secret_or("info");
                    env.insert(k.into(), json!(v));
                }
                2 => {
                    env.insert(format!("FLAG_{}", self.r.below(10)), json!(self.r.chance(50)));
                }
                3 => {
                    env.insert(format!("LIMIT_{}", self.r.below(10)), json!(self.r.range(-5, 100_000)));
                }
                _ => {
                    env.insert(format!("SETTING_{}", self.r.below(10)), json!(self.r.pick(&NOT_SECRETS)));
                }
            }
        }
        Value::Object(env)
    }

    /// An IPv4 address in one of its spellings: dotted, one number in decimal, hex or octal,
    /// dotted hex or octal, short forms, a trailing dot, percent-encoded or full-width digits.
    fn ipv4(&mut self) -> String {
        let [a, b, c, d] = *self.r.pick(&IPV4);
        let n = u32::from_be_bytes([a, b, c, d]);
        match self.r.below(10) {
            0..=2 => format!("{a}.{b}.{c}.{d}"),
            3 => n.to_string(),
            4 => format!("0x{n:x}"),
            5 => format!("0{n:o}"),
            6 => format!("0x{a:x}.{b}.{c}.0{d:o}"),
            7 => format!("{a}.{}", u32::from_be_bytes([0, b, c, d])),
            8 => format!("{a}.{b}.{c}.{d}."),
            _ => {
                let dotted = format!("{a}.{b}.{c}.{d}");
                if self.r.chance(50) {
                    // The first number percent-encoded, digit by digit.
                    let (first, rest) = dotted.split_once('.').unwrap();
                    format!("{}.{rest}", first.bytes().map(|b| format!("%{b:02X}")).collect::<String>())
                } else {
                    dotted
                        .chars()
                        .map(|ch| ch.to_digit(10).map_or(ch, |n| char::from_u32(0xff10 + n).unwrap()))
                        .collect()
                }
            }
        }
    }

    fn host(&mut self) -> String {
        match self.r.below(10) {
            0 | 1 => self.ipv4(),
            2 | 3 => self.r.pick(&IPV6).to_string(),
            4 => {
                // A deny-listed host: below a `*.` pattern, the exact name, or a near miss.
                let p = self.r.pick(&self.gen.deny).clone();
                match (p.strip_prefix("*."), self.r.below(3)) {
                    (Some(base), 0) => base.to_string(),
                    (Some(base), 1) => format!("x{base}"),
                    (Some(base), _) => format!("abc.{base}"),
                    (None, 0) => format!("evil{p}"),
                    (None, _) => p,
                }
            }
            _ => self.r.pick(&NAMES).to_string(),
        }
    }

    /// An egress URL: scheme, host, port, path, query, with the SSRF tricks
    /// (userinfo, ambiguous authority, backslashes, control characters) now and then.
    fn url(&mut self) -> String {
        if !self.slip() {
            let host =
                *self.r.pick(&["api.partner.example", "api.stripe.com", "services1.myworkday.com", "hooks.slack.com"]);
            let path = *self.r.pick(&["", "/", "/v1", "/v1/charges?limit=3"]);
            return format!("https://{host}{path}");
        }
        if self.r.chance(6) {
            return self.r.pick(&BROKEN_URLS).to_string();
        }
        let scheme =
            *self.r.pick(&["https", "https", "https", "http", "wss", "ws", "ftp", "gopher", "postgres", "HTTPS"]);
        let host = self.host();
        let port = match self.r.below(8) {
            0 => ":443",
            1 => ":8443",
            2 => ":80",
            3 => *self.r.pick(&[":8080", ":22", ":6379", ":65535", ":0"]),
            _ => "",
        };
        let path = *self.r.pick(&[
            "",
            "/",
            "/v1",
            "/v1/charges?limit=3",
            "/latest/meta-data/",
            "/v1/%2e%2e/admin",
            "/v1/..%2fadmin",
            "/a#frag",
        ]);
        match self.r.below(14) {
            0 => format!("{scheme}://user:pass@{host}{port}{path}"),
            1 => format!("{scheme}://good.com@{host}{port}{path}"),
            2 => format!("{scheme}://{host}{port}#@good.com"),
            3 => format!("{scheme}://{host}{port}\\@good.com/"),
            4 => format!("{scheme}:\\\\{host}{port}\\path"),
            5 => format!(" {scheme}://{host}{port}{path} "),
            6 => format!("{scheme}://exa\tmple.com{path}"),
            7 => format!("{scheme}:/{host}{port}{path}"),
            _ => format!("{scheme}://{host}{port}{path}"),
        }
    }

    /// Approvals: for the whole app or scoped to an exception, a dataset or a connector
    /// (often one a violation names), valid or not for every reason the model knows.
    /// An approval in force, by someone other than the owner: of the whole app in roles
    /// the tiers require, or an exception in the roles its rule names, scoped to a flow.
    fn aimed_approval(&mut self, f: &Facts, n: usize) -> Value {
        let now = self.now;
        let mut a = json!({
            "id": format!("apr-{n}"),
            "app": f.name,
            "approver": self.r.pick(&APPROVERS),
            "grantedAt": time(now - Duration::days(self.r.range(0, 30))),
            "expiresAt": time(now + Duration::days(self.r.range(1, 90))),
        });
        // Mostly bound to the app as generated, sometimes to what it was before (stale).
        match self.r.below(10) {
            0..=5 => a["digest"] = json!(BIND_DIGEST),
            6 => a["digest"] = json!(STALE_DIGEST),
            _ => {}
        }
        if self.r.chance(50) || f.connectors.is_empty() {
            let mut roles = self.r.subset(&self.gen.required_roles, 60);
            if roles.is_empty() {
                roles.push(self.r.pick(&self.gen.required_roles).clone());
            }
            a["roles"] = json!(roles);
        } else {
            // Mostly the kinds the bundled rules name, so that some violations are waived.
            let kind = match self.r.below(10) {
                0..=3 => "residency.transfer".to_string(),
                4..=6 => "pii.export".to_string(),
                _ => self.r.pick(&self.gen.exceptions).clone(),
            };
            let roles = self.gen.exception_roles.get(&kind).cloned().unwrap_or(json!([]));
            a["roles"] = if roles.as_array().is_some_and(|r| !r.is_empty()) { roles } else { json!(["security"]) };
            let mut scope = json!({"exception": kind});
            if !f.flows.is_empty() && self.r.chance(70) {
                let (d, c) = self.r.pick(&f.flows).clone();
                scope["connector"] = json!(c);
                // A pii.export violation names no dataset: a scope naming one does not match it.
                if self.r.chance(if kind == "pii.export" { 10 } else { 50 }) {
                    scope["dataset"] = json!(d);
                }
            } else {
                scope["connector"] = json!(self.r.pick(&f.connectors));
            }
            a["scope"] = scope;
        }
        a
    }

    fn approvals(&mut self, f: &Facts) -> Value {
        let now = self.now;
        let mut out = Vec::new();
        let n = if self.tidy { self.r.range(1, 4) as usize } else { self.r.below(5) };
        for n in 0..n {
            if self.r.chance(if self.tidy { 80 } else { 25 }) {
                out.push(self.aimed_approval(f, n));
                continue;
            }
            let mut a = Map::new();
            a.insert("id".into(), json!(format!("apr-{n}")));
            let app = if self.r.chance(5) { "other-app".to_string() } else { f.name.clone() };
            a.insert("app".into(), json!(app));
            let approver = match self.r.below(8) {
                0 => f.owner.clone(),
                1 => f.owner.to_ascii_uppercase(),
                _ => self.r.pick(&APPROVERS).to_string(),
            };
            a.insert("approver".into(), json!(approver));
            let mut roles = self.r.subset(&self.gen.roles, 35);
            if roles.is_empty() {
                roles.push(self.r.pick(&self.gen.roles).clone());
            }
            a.insert("roles".into(), json!(roles));
            match self.r.below(4) {
                0 => {}
                1 | 2 => {
                    let mut s = Map::new();
                    s.insert("exception".into(), json!(self.r.pick(&self.gen.exceptions)));
                    if !f.flows.is_empty() && self.r.chance(60) {
                        let (d, c) = self.r.pick(&f.flows).clone();
                        if self.r.chance(70) {
                            s.insert("dataset".into(), json!(d));
                        }
                        if self.r.chance(70) {
                            s.insert("connector".into(), json!(c));
                        }
                    } else if !f.connectors.is_empty() && self.r.chance(50) {
                        s.insert("connector".into(), json!(self.r.pick(&f.connectors)));
                    } else if self.r.chance(30) {
                        s.insert("dataset".into(), json!("no-such-dataset"));
                    }
                    a.insert("scope".into(), Value::Object(s));
                }
                _ => {
                    let mut s = Map::new();
                    if !f.datasets.is_empty() && self.r.chance(50) {
                        s.insert("dataset".into(), json!(self.r.pick(&f.datasets)));
                    }
                    if !f.connectors.is_empty() && self.r.chance(50) {
                        s.insert("connector".into(), json!(self.r.pick(&f.connectors)));
                    }
                    a.insert("scope".into(), Value::Object(s));
                }
            }
            let (granted, expires) = match self.r.below(6) {
                0 => (now - Duration::days(100), now - Duration::days(self.r.range(0, 10))),
                1 => (now + Duration::hours(self.r.range(1, 48)), now + Duration::days(30)),
                2 => (now, now + Duration::days(1)),
                _ => (now - Duration::days(self.r.range(0, 30)), now + Duration::days(self.r.range(1, 90))),
            };
            a.insert("grantedAt".into(), json!(time(granted)));
            a.insert("expiresAt".into(), json!(time(expires)));
            if self.r.chance(40) {
                a.insert("justification".into(), json!("reviewed in SEC-1234"));
            }
            if self.r.chance(12) {
                let at = now + Duration::hours(*self.r.pick(&[-24, 0, 24]));
                a.insert("revokedAt".into(), json!(time(at)));
            }
            match self.r.below(4) {
                0 => {
                    a.insert("digest".into(), json!(BIND_DIGEST));
                }
                1 => {
                    a.insert("digest".into(), json!(STALE_DIGEST));
                }
                _ => {}
            }
            out.push(Value::Object(a));
        }
        Value::Array(out)
    }
}
