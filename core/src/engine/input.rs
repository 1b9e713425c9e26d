//! Enrich: the input document policies read (`core/docs/input.md`).
//!
//! Everything a policy needs to join or look up is prepared here, natively:
//! defaults, the risk score, region → jurisdiction lookups, each dataset →
//! connector flow with both ends, lifecycle, the detectors' findings and the
//! approvals with their validity. Policies then only compare.
//!
//! The document is a tree of borrowed, typed structs serialized straight
//! into the regorus value the VM reads; JSON is produced only on request.

use super::flow::FlowDoc;
use super::Settings;
use crate::detect::Findings as Detected;
use crate::model::{lifecycle, Access, Approval, ApprovalStatus, Category, Classification, Manifest, Residency, Scope};
use crate::risk::RiskAssessment;
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use std::collections::BTreeMap;

/// An approval with the engine's checks and the facts the decision judges it by.
pub(crate) struct JudgedApproval<'a> {
    pub approval: &'a Approval,
    /// The engine's checks ([`Approval::check`], then the signature).
    pub status: ApprovalStatus,
    /// Why, in words.
    pub reason: String,
    /// Whether what was reviewed is still the app's.
    pub reviewed: Reviewed,
}

/// An approval's digest against the app's material view now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reviewed {
    /// It carries no digest.
    Absent,
    /// Equal.
    Current,
    /// Different; what changed, when it says what it reviewed part by part.
    Changed(Vec<String>),
}

impl Reviewed {
    pub fn as_str(&self) -> &'static str {
        match self {
            Reviewed::Absent => "absent",
            Reviewed::Current => "current",
            Reviewed::Changed(_) => "changed",
        }
    }
}

/// Judges each approval for `app` at `now`: the engine's checks and the facts.
pub(crate) fn judge<'a>(
    app: &Manifest,
    now: DateTime<Utc>,
    approvals: &'a [Approval],
    settings: &Settings,
) -> Vec<JudgedApproval<'a>> {
    approvals
        .iter()
        .map(|a| {
            let (mut status, mut reason) = a.check(app, now, &settings.approvals);
            if status == ApprovalStatus::Valid {
                let keys = settings.approver_keys.get(&a.approver.trim().to_ascii_lowercase());
                if let Some(Err(why)) = keys.map(|k| crate::audit::verify_approval(a, k)) {
                    status = ApprovalStatus::BadSignature;
                    reason = why;
                }
            }
            let reviewed = match &a.digest {
                None => Reviewed::Absent,
                // Another app's view is not compared: the approval is `wrong_app` anyway.
                Some(_) if status == ApprovalStatus::WrongApp => Reviewed::Current,
                Some(d) => {
                    let view = a.material_view(app);
                    if view.digest() == *d {
                        Reviewed::Current
                    } else {
                        let now = view.part_digests();
                        let changes = if a.reviewed.is_empty() {
                            Vec::new()
                        } else {
                            crate::model::approval::changes(&a.reviewed, &now)
                        };
                        Reviewed::Changed(changes)
                    }
                }
            };
            JudgedApproval { approval: a, status, reason, reviewed }
        })
        .collect()
}

pub(crate) fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// The part of `input.findings` that depends on the manifest alone (and the
/// engine's data), so a prepared app computes it once. The members marked
/// optional are left out when no loaded policy reads them ([`Needs`]).
#[derive(Serialize)]
pub(crate) struct StaticFindings<'a> {
    pub risk: &'a RiskAssessment,
    /// Whether any dataset holds regulated personal data.
    pub regulated: bool,
    /// The highest classification of the datasets (`public` without any).
    pub classification: Classification,
    /// Every category any dataset holds, sorted (what `data.microgov.packs_required` maps to packs).
    pub categories: Vec<Category>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub catalog: Option<CatalogDoc<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub connectors: Option<BTreeMap<&'a str, ConnectorDoc<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub datasets: Option<BTreeMap<&'a str, DatasetDoc<'a>>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flows: Option<&'a [FlowDoc<'a>]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secrets: Option<&'a [crate::detect::SecretFinding]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pii: Option<&'a [crate::detect::PiiFinding]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub egress: Option<&'a [crate::detect::EgressFinding]>,
}

/// Which parts of the input document the loaded policies read.
///
/// Building the input is most of a decision's cost, and regorus cannot
/// build it lazily; so the engine reads its policies' source once and
/// leaves out what none of them names: the optional members of
/// `input.findings`, and the members of `input.app` and `input.app.spec`
/// (the manifest as written, hundreds of values; the bundled policies read
/// only `metadata` and `spec.auth`, the rest they read through findings).
/// The test is conservative: a member is kept when any policy writes
/// `findings.<member>` or `findings["<member>"]` (likewise `app.`, `spec.`),
/// and every member is kept when a policy uses the object or `input` as a
/// whole (`f := input.findings`, `s := input.app.spec`,
/// `object.get(input, ...)`, `walk(input, ...)`, `findings[x]`).
/// [`crate::Engine::input_document`] always shows the whole document, and
/// the input digest always hashes the whole manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Needs {
    pub findings: Members,
    pub app: Members,
    pub spec: Members,
}

/// The members of one object that policies read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Members {
    All,
    Named(std::collections::BTreeSet<String>),
}

impl Members {
    pub fn has(&self, member: &str) -> bool {
        match self {
            Members::All => true,
            Members::Named(names) => names.contains(member),
        }
    }

    pub fn is_all(&self) -> bool {
        matches!(self, Members::All)
    }

    /// Keeps `member` too.
    pub fn insert(&mut self, member: &str) {
        if let Members::Named(names) = self {
            names.insert(member.to_string());
        }
    }

    /// Adds what `code` reads of the objects named `word`.
    fn read_in(&mut self, code: &str, word: &str) {
        if whole_uses(code, word, false) {
            *self = Members::All;
        }
        if let Members::Named(names) = self {
            names.extend(member_uses(code, word).into_iter().map(|(m, _)| m));
        }
    }
}

impl Needs {
    /// Everything (for `input_document`).
    pub fn all() -> Needs {
        Needs { findings: Members::All, app: Members::All, spec: Members::All }
    }

    /// What a set of Rego sources reads.
    pub fn of_sources<'s>(sources: impl IntoIterator<Item = &'s str>) -> Needs {
        let none = || Members::Named(Default::default());
        let mut n = Needs { findings: none(), app: none(), spec: none() };
        for src in sources {
            let code: String = src.lines().map(|l| l.split('#').next().unwrap_or("")).collect::<Vec<_>>().join("\n");
            if whole_uses(&code, "input", true) {
                return Needs::all();
            }
            n.findings.read_in(&code, "findings");
            n.app.read_in(&code, "app");
            n.spec.read_in(&code, "spec");
        }
        n
    }
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Positions just after each whole-word occurrence of `word`.
fn occurrences<'c>(code: &'c str, word: &'c str) -> impl Iterator<Item = usize> + 'c {
    let bytes = code.as_bytes();
    code.match_indices(word).filter_map(move |(i, _)| {
        let before_ok = i == 0 || !is_ident(bytes[i - 1]);
        let end = i + word.len();
        let after_ok = end >= bytes.len() || !is_ident(bytes[end]);
        (before_ok && after_ok).then_some(end)
    })
}

/// `word.member` and `word["member"]` uses, with the member name.
fn member_uses(code: &str, word: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    for end in occurrences(code, word) {
        let rest = &code[end..];
        let t = rest.trim_start();
        if let Some(r) = t.strip_prefix('.') {
            let name: String = r.trim_start().bytes().take_while(|b| is_ident(*b)).map(char::from).collect();
            out.push((name, end));
        } else if let Some(r) = t.strip_prefix('[') {
            let r = r.trim_start();
            if let Some(lit) = r.strip_prefix('"') {
                if let Some(close) = lit.find('"') {
                    out.push((lit[..close].to_string(), end));
                }
            }
        }
    }
    out
}

/// Whether `word` is used other than as `word.member` / `word["member"]`;
/// for the root `input`, other than as `input.member`.
fn whole_uses(code: &str, word: &str, root: bool) -> bool {
    for end in occurrences(code, word) {
        let start = end - word.len();
        // `findings` as a member of something other than `input` is another thing (`allowed_findings` is already excluded by the word test).
        if !root && !code[..start].trim_end().ends_with('.') {
            continue;
        }
        if root && code[..start].trim_end().ends_with('.') {
            continue; // `data.x.input`: not the input document.
        }
        let t = code[end..].trim_start();
        match t.as_bytes().first() {
            Some(b'.') => {}
            Some(b'[') => {
                let r = t[1..].trim_start();
                if root || !r.starts_with('"') {
                    return true; // `findings[x]`, `input["findings"]`: any member.
                }
            }
            _ => return true,
        }
    }
    false
}

#[derive(Serialize)]
pub(crate) struct LifecycleDoc {
    /// Nanoseconds from now to `expiresAt` (negative once expired; saturated past ±292 years).
    pub expires_in_ns: i64,
    /// `retiredAt` is set and at or before now.
    pub retired: bool,
    pub state: &'static str,
    pub days_left: i64,
    pub lifetime_days: i64,
    /// Whole days since `spec.supplyChain.scan.at` (null without a scan).
    pub scan_age_days: Option<i64>,
}

#[derive(Serialize)]
pub(crate) struct ConnectorDoc<'a> {
    pub index: usize,
    pub region: Option<&'a str>,
    pub known_region: bool,
    pub provider: Option<&'a str>,
    pub country: Option<&'a str>,
    pub jurisdiction: Option<&'a str>,
    pub sovereign: bool,
    pub external: bool,
    pub host: Option<String>,
    pub regulated_datasets: Vec<&'a str>,
}

/// `input.findings.catalog`: what the `microgov.catalog` rules look up in the connector and
/// template catalogs (the lookups and comparisons are theirs).
#[derive(Serialize)]
pub(crate) struct CatalogDoc<'a> {
    pub connectors: Vec<CatalogConnectorDoc<'a>>,
    pub template: Option<TemplateDoc<'a>>,
}

#[derive(Serialize)]
pub(crate) struct CatalogConnectorDoc<'a> {
    pub access: Access,
    /// The manifest's `external`, else the catalog entry's, else judged from the endpoint.
    pub external: bool,
    pub index: usize,
    pub name: &'a str,
    pub rate_limit: Option<u32>,
    pub scopes: &'a [String],
    /// The nearest catalog type to a type the catalog does not list.
    pub suggestion: Option<&'a str>,
    #[serde(rename = "type")]
    pub kind: &'a str,
}

/// `spec.template` split at its last `@`.
#[derive(Serialize)]
pub(crate) struct TemplateDoc<'a> {
    pub name: &'a str,
    pub version: &'a str,
}

#[derive(Serialize)]
pub(crate) struct DatasetDoc<'a> {
    pub index: usize,
    pub categories: &'a [Category],
    pub regulated: bool,
    pub regulated_fields: Vec<&'a str>,
    pub residency: Option<String>,
    pub residency_kind: Option<&'static str>,
    pub connectors: Vec<&'a str>,
}

#[derive(Serialize)]
pub(crate) struct ContextDoc<'a> {
    // Members in key order: see `model::Manifest`.
    pub approvals: Vec<ApprovalDoc<'a>>,
    pub extra: &'a serde_json::Value,
    pub now: String,
    pub tenant: Option<&'a str>,
}

#[derive(Serialize)]
pub(crate) struct ApprovalDoc<'a> {
    // Members in key order, as the input digest hashes them.
    pub approver: &'a str,
    /// What changed since it was granted (when `reviewed` is `changed` and it says).
    pub changes: &'a [String],
    /// Whole days from now to `expiresAt` (as the lifecycle's `days_left`).
    pub days_left: i64,
    pub expires_at: String,
    /// Nanoseconds from now to `expiresAt` (zero or less once expired).
    pub expires_in_ns: i64,
    pub granted_at: String,
    pub id: &'a str,
    /// Why the engine's checks gave `status`, in words.
    pub reason: &'a str,
    /// `absent`, `current` or `changed`: its digest against the app's material view.
    pub reviewed: &'static str,
    pub roles: &'a [String],
    pub scope: &'a Option<Scope>,
    pub status: &'static str,
    pub valid: bool,
}

fn residency_parts(r: Option<Residency>) -> (Option<String>, Option<&'static str>) {
    match r {
        Some(Residency::Jurisdiction(c)) => (Some(c), Some("jurisdiction")),
        Some(Residency::Country(c)) => (Some(c), Some("country")),
        None => (None, None),
    }
}

/// For each dataset (by index), the connectors that list it, in manifest
/// order: one pass over the connectors instead of one per dataset.
fn connectors_by_dataset(app: &Manifest) -> Vec<Vec<usize>> {
    let index: std::collections::HashMap<&str, usize> =
        app.spec.datasets.iter().enumerate().rev().map(|(i, d)| (d.name.as_str(), i)).collect();
    let mut out = vec![Vec::new(); app.spec.datasets.len()];
    for (ci, c) in app.spec.connectors.iter().enumerate() {
        for name in &c.datasets {
            if let Some(list) = index.get(name.as_str()).and_then(|&i| out.get_mut(i)) {
                if !list.contains(&ci) {
                    list.push(ci);
                }
            }
        }
    }
    out
}

/// Every dataset → connector flow of the app, both ends resolved (the residency
/// facts; also what the native residency rules read).
pub(crate) fn flows<'a>(app: &'a Manifest, settings: &'a Settings) -> Vec<FlowDoc<'a>> {
    let catalog = &*settings.catalog;
    let mut flows = Vec::new();
    let receivers = connectors_by_dataset(app);
    for (i, d) in app.spec.datasets.iter().enumerate() {
        let receivers = receivers.get(i).map(Vec::as_slice).unwrap_or_default();
        let (residency, residency_kind) = residency_parts(d.residency.as_deref().and_then(|r| catalog.residency(r)));
        for (ci, c) in receivers.iter().filter_map(|&ci| app.spec.connectors.get(ci).map(|c| (ci, c))) {
            let region = c.region.as_deref().and_then(|r| catalog.region(r));
            flows.push(FlowDoc {
                dataset: &d.name,
                dataset_index: i,
                connector: &c.name,
                connector_index: ci,
                access: c.access,
                residency: residency.clone(),
                residency_kind,
                sovereign_required: d.sovereign,
                encryption: d.encryption,
                region: c.region.as_deref(),
                known_region: region.is_some(),
                provider: region.map(|r| r.provider.as_str()),
                country: region.map(|r| r.country.as_str()),
                jurisdiction: region.map(|r| r.jurisdiction.as_str()),
                sovereign_region: region.is_some_and(|r| r.sovereign),
            });
        }
    }
    flows
}

/// Builds the manifest-only findings (the members `needs` asks for).
pub(crate) fn build_static<'a>(
    app: &'a Manifest,
    risk: &'a RiskAssessment,
    settings: &'a Settings,
    detected: &'a Detected,
    flows: &'a [FlowDoc<'a>],
    needs: &Needs,
) -> StaticFindings<'a> {
    let catalog = &*settings.catalog;
    let regulated = |cats: &[Category]| cats.iter().any(|c| settings.regulated.contains(c.as_str()));
    let connectors = needs.findings.has("connectors").then(|| {
        let mut connectors = BTreeMap::new();
        for (i, c) in app.spec.connectors.iter().enumerate() {
            let region = c.region.as_deref().and_then(|r| catalog.region(r));
            let host = c
                .endpoint
                .as_deref()
                .and_then(|e| url::Url::parse(e).ok())
                .and_then(|u| u.host_str().map(|h| h.trim_end_matches('.').to_ascii_lowercase()));
            connectors.insert(
                c.name.as_str(),
                ConnectorDoc {
                    index: i,
                    region: c.region.as_deref(),
                    known_region: region.is_some(),
                    provider: region.map(|r| r.provider.as_str()),
                    country: region.map(|r| r.country.as_str()),
                    jurisdiction: region.map(|r| r.jurisdiction.as_str()),
                    sovereign: region.is_some_and(|r| r.sovereign),
                    external: c.external,
                    host,
                    regulated_datasets: c
                        .datasets
                        .iter()
                        .filter(|d| app.dataset(d).is_some_and(|d| regulated(&d.categories)))
                        .map(String::as_str)
                        .collect(),
                },
            );
        }
        connectors
    });
    let datasets = needs.findings.has("datasets").then(|| {
        let receivers = connectors_by_dataset(app);
        let mut datasets = BTreeMap::new();
        for (i, d) in app.spec.datasets.iter().enumerate() {
            let receivers = receivers.get(i).map(Vec::as_slice).unwrap_or_default();
            let (residency, residency_kind) =
                residency_parts(d.residency.as_deref().and_then(|r| catalog.residency(r)));
            datasets.insert(
                d.name.as_str(),
                DatasetDoc {
                    index: i,
                    categories: &d.categories,
                    regulated: regulated(&d.categories),
                    regulated_fields: d
                        .fields
                        .iter()
                        .filter(|f| regulated(&f.categories))
                        .map(|f| f.name.as_str())
                        .collect(),
                    residency,
                    residency_kind,
                    connectors: receivers
                        .iter()
                        .filter_map(|&ci| app.spec.connectors.get(ci))
                        .map(|c| c.name.as_str())
                        .collect(),
                },
            );
        }
        datasets
    });
    let catalog = needs.findings.has("catalog").then(|| {
        let types = &settings.parse.connectors;
        CatalogDoc {
            connectors: app
                .spec
                .connectors
                .iter()
                .enumerate()
                .map(|(i, c)| CatalogConnectorDoc {
                    access: c.access,
                    external: c.external,
                    index: i,
                    name: &c.name,
                    rate_limit: c.rate_limit,
                    scopes: &c.scopes,
                    suggestion: if types.contains(&c.kind) { None } else { types.suggest(&c.kind) },
                    kind: &c.kind,
                })
                .collect(),
            template: app
                .spec
                .template
                .as_deref()
                .and_then(|t| t.rsplit_once('@'))
                .map(|(name, version)| TemplateDoc { name, version }),
        }
    });
    StaticFindings {
        risk,
        regulated: app.spec.datasets.iter().any(|d| regulated(&d.categories)),
        classification: app.highest_classification(),
        categories: app_categories(app),
        catalog,
        connectors,
        datasets,
        flows: needs.findings.has("flows").then_some(flows),
        secrets: needs.findings.has("secrets").then_some(&detected.secrets[..]),
        pii: needs.findings.has("pii").then_some(&detected.pii[..]),
        egress: needs.findings.has("egress").then_some(&detected.egress[..]),
    }
}

/// Every category any dataset of the app holds, sorted.
pub(crate) fn app_categories(app: &Manifest) -> Vec<Category> {
    let mut all: Vec<Category> = app.spec.datasets.iter().flat_map(|d| d.categories.iter().copied()).collect();
    all.sort_unstable();
    all.dedup();
    all
}

/// Nanoseconds from `now` to `t`, saturating.
pub(crate) fn nanos_until(t: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    let left = t - now;
    left.num_nanoseconds().unwrap_or(if left < chrono::Duration::zero() { i64::MIN } else { i64::MAX })
}

/// `input.findings.lifecycle` at `now`.
pub(crate) fn lifecycle_doc(app: &Manifest, settings: &Settings, now: DateTime<Utc>) -> LifecycleDoc {
    LifecycleDoc {
        expires_in_ns: nanos_until(app.metadata.expires_at, now),
        retired: app.metadata.retired_at.is_some_and(|r| r <= now),
        state: lifecycle::state(app, now, settings.expiring_within_days).as_str(),
        days_left: (app.metadata.expires_at - now).num_days(),
        lifetime_days: (app.metadata.expires_at - app.metadata.created_at).num_days(),
        scan_age_days: app.spec.supply_chain.as_ref().and_then(|s| s.scan.as_ref()).map(|s| (now - s.at).num_days()),
    }
}

/// `input.context`.
pub(crate) fn context_doc<'a>(
    app: &'a Manifest,
    now: DateTime<Utc>,
    approvals: &'a [JudgedApproval<'a>],
    extra: &'a serde_json::Value,
) -> ContextDoc<'a> {
    ContextDoc {
        now: rfc3339(now),
        tenant: app.metadata.tenant.as_deref(),
        approvals: approvals
            .iter()
            .map(|j| ApprovalDoc {
                id: &j.approval.id,
                approver: &j.approval.approver,
                roles: &j.approval.roles,
                scope: &j.approval.scope,
                granted_at: rfc3339(j.approval.granted_at),
                expires_at: rfc3339(j.approval.expires_at),
                expires_in_ns: nanos_until(j.approval.expires_at, now),
                days_left: (j.approval.expires_at - now).num_days(),
                reason: &j.reason,
                status: j.status.as_str(),
                valid: j.status == ApprovalStatus::Valid,
                reviewed: j.reviewed.as_str(),
                changes: match &j.reviewed {
                    Reviewed::Changed(c) => c,
                    _ => &[],
                },
            })
            .collect(),
        extra,
    }
}

#[cfg(test)]
mod tests {
    use super::{Members, Needs};

    fn named(names: &[&str]) -> Members {
        Members::Named(names.iter().map(|s| s.to_string()).collect())
    }

    fn needs(src: &str) -> Needs {
        Needs::of_sources([src])
    }

    #[test]
    fn members_named_by_path_or_literal_are_kept() {
        let n = needs("package p\nx if { some f in input.findings.flows; f.region }\ny if input.findings[\"egress\"][0]\nz if input.app.spec.datasets[0]");
        assert_eq!(n.findings, named(&["egress", "flows"]));
        assert_eq!(n.app, named(&["spec"]));
        assert_eq!(n.spec, named(&["datasets"]));
    }

    #[test]
    fn whole_uses_keep_everything() {
        for src in [
            "package p\nf := input.findings\nx if f.datasets",
            "package p\nx if { some k, _ in input.findings[k] }",
            "package p\nx := object.get(input, [\"findings\", \"pii\"], [])",
            "package p\nx if walk(input, _)",
            "package p\nimport input.findings as f",
            "package p\nx := input[\"findings\"]",
        ] {
            assert_eq!(needs(src).findings, Members::All, "{src}");
        }
        for src in ["package p\nx if walk(input, _)", "package p\nimport input"] {
            assert_eq!(needs(src), Needs::all(), "{src}");
        }
        for src in [
            "package p\na := input.app\nx if a.spec.auth.mfa",
            "package p\nimport input.app",
            "package p\nx if input.app[k]",
        ] {
            assert_eq!(needs(src).app, Members::All, "{src}");
        }
        for src in [
            "package p\ns := input.app.spec\nx if s.auth.mfa",
            "package p\nimport input.app.spec as s",
            "package p\nx if input.app.spec[k]",
        ] {
            let n = needs(src);
            assert_eq!((n.app, n.spec), (named(&["spec"]), Members::All), "{src}");
        }
    }

    #[test]
    fn comments_data_paths_and_longer_names_do_not_count() {
        let n = needs("package p\n# input.findings is read elsewhere\nx if data.microgov.secrets.allowed_findings[_]\ny if input.app.spec.auth.mfa\nz if data.x.input");
        assert_eq!(n.findings, named(&[]));
        assert_eq!(n.spec, named(&["auth"]));
    }

    #[test]
    fn the_bundled_policies_leave_out_the_large_lists() {
        // The bundled rules read the lists, in Rego; while they run natively the VM's
        // policies (governance) read none of them, so decisions do not build them.
        let n = crate::Engine::new().unwrap().inner.needs.clone();
        for big in ["flows", "datasets", "connectors", "egress", "pii"] {
            assert!(!n.findings.has(big), "{big}: {n:?}");
        }
        assert_eq!(n.app, named(&["metadata", "spec"]));
        // The catalog's and identity's rules read the environment (identity also auth);
        // the packs' gates the policies; delivery its two blocks; agents the agent and who built it.
        assert_eq!(
            n.spec,
            named(&["agent", "auth", "builtBy", "environment", "observability", "policies", "supplyChain", "support"])
        );
        // Every rule in Rego reads what it needs.
        let rego = crate::Engine::with_options(crate::EngineOptions { rego_only: true, ..Default::default() }).unwrap();
        assert!(rego.inner.needs.findings.has("egress"), "{:?}", rego.inner.needs);
    }
}
