//! What a manifest must hold: the typed walk over a document that builds the
//! [`Manifest`], with every problem, each with a JSON pointer and a stable code.
//! The walk reads any document [`Node`]: a [`Tree`](super::tree::Tree) borrowed
//! from the text, a `serde_json::Value`, or a binding's own objects.

use super::at::At;
use super::catalog::{bundled_packs, ConnectorCatalog};
use super::doc::{Kind, MapNode, Node};
use super::enums::{Access, BuiltBy, Category, Classification, Encryption, Environment, Sso};
use super::external::{judge_endpoint, CloudEndpoints, ExternalBy, Noted};
use super::manifest::{
    Agent, Auth, Connector, Dataset, Elevation, Field, Manifest, Metadata, Observability, Scan, SecretRef, Spec,
    SupplyChain, Support,
};
use super::problem::{codes, Problem};
use super::read::{Limits, KIND};
use super::region::Catalog;
use super::suggest::{did_you_mean, edit_distance, nearest};
use super::syntax::{is_dns_label, is_email};
use super::walk::Walker;
use chrono::Duration;
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Everything validation reads besides the document: the region catalog,
/// limits and the defaults that live in bundle data.
#[derive(Debug, Clone)]
pub struct ParseOptions {
    /// Regions and jurisdictions.
    pub catalog: Arc<Catalog>,
    /// Size and depth limits.
    pub limits: Limits,
    /// Lifetime given to an app without `expiresAt`, in days.
    pub default_lifetime_days: i64,
    /// Host suffixes that mark an endpoint as internal (`.internal`, `.corp` ...).
    pub internal_suffixes: Vec<String>,
    /// Cloud providers' endpoints that count as the tenant's own (`cloud_endpoints`,
    /// `cloud_accounts` of `data.microgov.governance`).
    pub cloud: Arc<CloudEndpoints>,
    /// The connector catalog: a connector of a listed type without its own `external` takes
    /// the entry's (`data.microgov.catalog.connectors`).
    pub connectors: Arc<ConnectorCatalog>,
    /// The policy packs `spec.policies` may name: the bundled ones by default; an engine's,
    /// every `microgov.packs.<name>` package it loaded.
    pub packs: Arc<BTreeSet<String>>,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            catalog: Catalog::bundled(),
            limits: Limits::default(),
            default_lifetime_days: 90,
            internal_suffixes: [".internal", ".local", ".corp", ".lan", ".intranet", ".svc", ".cluster.local"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            connectors: ConnectorCatalog::bundled(),
            cloud: CloudEndpoints::bundled(),
            packs: bundled_packs(),
        }
    }
}

const API_VERSION: &str = "microgov.dev/v1";

/// Builds a [`Manifest`] from a parsed document, collecting every problem.
pub fn manifest_from_value(doc: &Value, opts: &ParseOptions) -> Result<Manifest, Vec<Problem>> {
    manifest_from_node(&doc, opts)
}

/// Builds a [`Manifest`] from any document [`Node`], collecting every problem.
pub fn manifest_from_node<N: Node>(doc: &N, opts: &ParseOptions) -> Result<Manifest, Vec<Problem>> {
    let mut w = Walker::new();
    let manifest = walk_manifest(&mut w, doc, opts);
    match manifest {
        Some(m) if w.problems.is_empty() => Ok(m),
        _ => {
            if w.problems.is_empty() {
                w.push(codes::WRONG_TYPE, "", "document is not a manifest");
            }
            Err(w.problems)
        }
    }
}

fn walk_manifest<N: Node>(w: &mut Walker, doc: &N, opts: &ParseOptions) -> Option<Manifest> {
    let root = At::Root;
    let [api_version, kind, metadata, spec] = w.members(doc, &root, ["apiVersion", "kind", "metadata", "spec"])?;
    let api_version = w.req_str(&root, &api_version);
    if let Some(v) = &api_version {
        if v != API_VERSION {
            w.push(
                codes::UNSUPPORTED_VERSION,
                "/apiVersion",
                format!("unsupported apiVersion \"{v}\", expected \"{API_VERSION}\""),
            );
        }
    }
    let kind = w.req_str(&root, &kind);
    if let Some(k) = &kind {
        if k != KIND {
            w.push(codes::UNSUPPORTED_VERSION, "/kind", format!("unsupported kind \"{k}\", expected \"{KIND}\""));
        }
    }
    let metadata = match &metadata.value {
        Some(m) => walk_metadata(w, m, opts),
        None => {
            w.push(codes::MISSING, "/metadata", "missing required key \"metadata\"");
            None
        }
    };
    let owner_domain = metadata.as_ref().and_then(|m| m.owner.rsplit_once('@').map(|(_, d)| d.to_ascii_lowercase()));
    let spec = match &spec.value {
        Some(s) => walk_spec(w, s, opts, owner_domain.as_deref()),
        None => {
            w.push(codes::MISSING, "/spec", "missing required key \"spec\"");
            None
        }
    };
    Some(Manifest { api_version: api_version?, kind: kind?, metadata: metadata?, spec: spec? })
}

fn walk_metadata<N: Node>(w: &mut Walker, v: &N, opts: &ParseOptions) -> Option<Metadata> {
    let at = At::Key(&At::Root, "metadata");
    let [name, owner, builder, department, tenant, created_at, expires_at, retired_at, labels] = w.members(
        v,
        &at,
        ["name", "owner", "builder", "department", "tenant", "createdAt", "expiresAt", "retiredAt", "labels"],
    )?;
    let name = w.req_str(&at, &name);
    if let Some(n) = &name {
        if !is_dns_label(n) {
            w.push(
                codes::INVALID_NAME,
                "/metadata/name",
                format!("\"{n}\" is not a DNS label (lowercase letters, digits and '-', at most 63)"),
            );
        }
    }
    let owner = w.req_str(&at, &owner);
    if let Some(o) = &owner {
        if !is_email(o) {
            w.push(codes::INVALID_EMAIL, "/metadata/owner", format!("owner \"{o}\" is not an e-mail address"));
        }
    }
    let builder = w.opt_str(&at, &builder);
    if let Some(b) = &builder {
        if !is_email(b) {
            w.push(codes::INVALID_EMAIL, "/metadata/builder", format!("builder \"{b}\" is not an e-mail address"));
        }
    }
    let department = w.opt_str(&at, &department);
    let tenant = w.opt_str(&at, &tenant);
    let created_at = w.req_time(&at, &created_at);
    let expires_at = w.opt_time(&at, &expires_at);
    let retired_at = w.opt_time(&at, &retired_at);
    if let (Some(c), Some(e)) = (created_at, expires_at) {
        if e <= c {
            w.push(
                codes::EXPIRY_BEFORE_CREATION,
                "/metadata/expiresAt",
                format!("expiresAt {} is not after createdAt {}", e.to_rfc3339(), c.to_rfc3339()),
            );
        }
    }
    // Labels are free-form: any key, string values only.
    let labels = w.str_map(&at, &labels);
    let created_at = created_at?;
    let expires_at = expires_at.unwrap_or(created_at + Duration::days(opts.default_lifetime_days));
    Some(Metadata {
        name: name?,
        owner: owner?,
        builder,
        department,
        tenant,
        created_at,
        expires_at,
        retired_at,
        labels,
    })
}

/// `spec.supplyChain`: references as strings, the SLSA level 0 to 4, the scan's time and counts.
fn walk_supply_chain<N: Node>(w: &mut Walker, v: &N) -> Option<SupplyChain> {
    let at = At::Key(&At::Key(&At::Root, "spec"), "supplyChain");
    let [sbom, signature, slsa_level, scan] = w.members(v, &at, ["sbom", "signature", "slsaLevel", "scan"])?;
    let scan = scan.present().and_then(|s| {
        let sat = At::Key(&at, "scan");
        let [when, critical, high] = w.members(s, &sat, ["at", "critical", "high"])?;
        let when = w.req_time(&sat, &when);
        let critical = w.opt_u32(&sat, &critical, 1_000_000).unwrap_or(0);
        let high = w.opt_u32(&sat, &high, 1_000_000).unwrap_or(0);
        Some(Scan { at: when?, critical, high })
    });
    Some(SupplyChain {
        sbom: w.opt_str(&at, &sbom),
        signature: w.opt_str(&at, &signature),
        slsa_level: w.opt_u32(&at, &slsa_level, 4),
        scan,
    })
}

fn walk_spec<N: Node>(w: &mut Walker, v: &N, opts: &ParseOptions, owner_domain: Option<&str>) -> Option<Spec> {
    let at = At::Key(&At::Root, "spec");
    let [template, purpose, built_by, environment, auth, datasets, connectors, egress, env, secrets, policies, supply_chain, observability, agent, support] =
        w.members(
            v,
            &at,
            [
                "template",
                "purpose",
                "builtBy",
                "environment",
                "auth",
                "datasets",
                "connectors",
                "egress",
                "env",
                "secrets",
                "policies",
                "supplyChain",
                "observability",
                "agent",
                "support",
            ],
        )?;
    let support = support.present().and_then(|s| {
        let sat = At::Key(&At::Key(&At::Root, "spec"), "support");
        let [contact, sla] = w.members(s, &sat, ["contact", "sla"])?;
        Some(Support { contact: w.opt_str(&sat, &contact), sla: w.opt_str(&sat, &sla) })
    });
    let agent = agent.present().and_then(|a| {
        let aat = At::Key(&At::Key(&At::Root, "spec"), "agent");
        let [model, tools, mcp_servers, prompt_categories, human] =
            w.members(a, &aat, ["model", "tools", "mcpServers", "promptCategories", "humanInTheLoop"])?;
        let mut categories = Vec::new();
        w.categories(&aat, &prompt_categories, &mut categories);
        Some(Agent {
            model: w.opt_str(&aat, &model),
            tools: w.str_list(&aat, &tools),
            mcp_servers: w.str_list(&aat, &mcp_servers),
            prompt_categories: categories,
            human_in_the_loop: w.opt_bool(&aat, &human).unwrap_or(false),
        })
    });
    let supply_chain = supply_chain.present().and_then(|sc| walk_supply_chain(w, sc));
    let observability = observability.present().and_then(|o| {
        let oat = At::Key(&At::Key(&At::Root, "spec"), "observability");
        let [audit_events, log_shipping, traces] = w.members(o, &oat, ["auditEvents", "logShipping", "traces"])?;
        Some(Observability {
            audit_events: w.opt_bool(&oat, &audit_events).unwrap_or(false),
            log_shipping: w.opt_str(&oat, &log_shipping),
            traces: w.opt_bool(&oat, &traces).unwrap_or(false),
        })
    });
    let template = w.opt_str(&at, &template);
    if let Some(t) = &template {
        let ok = t.split_once('@').is_some_and(|(n, ver)| {
            !n.is_empty() && !ver.is_empty() && ver.chars().next().is_some_and(|c| c.is_ascii_digit())
        });
        if !ok {
            w.push(
                codes::INVALID_TEMPLATE,
                "/spec/template",
                format!("\"{t}\" is not name@version (like expense-approval@2.1.0)"),
            );
        }
    }
    let purpose = w.opt_str(&at, &purpose);
    let built_by = w.opt_enum(&at, &built_by, BuiltBy::parse, BuiltBy::spellings).unwrap_or(BuiltBy::Human);
    let environment =
        w.opt_enum(&at, &environment, Environment::parse, Environment::spellings).unwrap_or(Environment::Production);
    let auth = match &auth.value {
        Some(a) => walk_auth(w, a),
        None => Auth::default(),
    };

    // Names as written, so that a dataset with some other mistake does not
    // also make every connector that uses it look wrong: those of the
    // datasets kept, and those of the ones dropped for a mistake.
    let mut dropped_names = Vec::new();
    let datasets = w.named_list(
        &at,
        &datasets,
        "dataset",
        |d: &Dataset| &d.name,
        |w, d, item_at| walk_dataset(w, d, item_at, opts, &mut dropped_names),
    );
    let mut dataset_names: Vec<&str> =
        datasets.iter().map(|d| d.name.as_str()).chain(dropped_names.iter().map(String::as_str)).collect();
    dataset_names.sort_unstable();
    let connectors = w.named_list(
        &at,
        &connectors,
        "connector",
        |c: &Connector| &c.name,
        |w, c, item_at| walk_connector(w, c, item_at, opts, &dataset_names, owner_domain),
    );

    let egress = w.str_list(&at, &egress);
    let mut env_out = BTreeMap::new();
    if let Some(e) = env.present() {
        let env_at = At::Key(&at, env.key);
        match e.as_map() {
            Some(obj) => {
                let read = obj.each(|k, val| match val.kind() {
                    Kind::Null | Kind::Bool | Kind::Number | Kind::String => match val.to_value() {
                        Some(value) => {
                            env_out.insert(k.to_string(), value);
                        }
                        None => w.wrong(&At::Key(&env_at, k), "a string, number or boolean", &val),
                    },
                    _ => w.wrong(&At::Key(&env_at, k), "a string, number or boolean", &val),
                });
                if !read {
                    w.unreadable(&env_at);
                }
            }
            None => w.wrong(&env_at, "a mapping", e),
        }
    }
    let secrets = w.named_list(&at, &secrets, "secret", |s: &SecretRef| &s.name, walk_secret);
    let policies_at = At::Key(&at, policies.key);
    let policies = w.str_list(&at, &policies);
    for (i, p) in policies.iter().enumerate() {
        if !opts.packs.contains(p) {
            let hint = did_you_mean(nearest(opts.packs.iter().map(String::as_str), 3, |k| edit_distance(p, k)));
            let known = if opts.packs.is_empty() {
                "none is loaded".to_string()
            } else {
                opts.packs.iter().map(String::as_str).collect::<Vec<_>>().join(", ")
            };
            w.push_at(
                codes::UNKNOWN_POLICY_PACK,
                &At::Index(&policies_at, i),
                format!("unknown policy pack \"{p}\"{hint}; known packs: {known}"),
            );
        }
    }
    Some(Spec {
        template,
        purpose,
        built_by,
        environment,
        auth,
        datasets,
        connectors,
        egress,
        env: env_out,
        secrets,
        policies,
        supply_chain,
        observability,
        agent,
        support,
    })
}

fn walk_secret<N: Node>(w: &mut Walker, v: &N, at: &At<'_>) -> Option<SecretRef> {
    let [name, reference, rotation_days] = w.members(v, at, ["name", "ref", "rotationDays"])?;
    let name = w.req_str(at, &name);
    let reference = w.req_str(at, &reference);
    let rotation_days = w.opt_u32(at, &rotation_days, 36_500);
    Some(SecretRef { name: name?, reference: reference?, rotation_days })
}

fn walk_auth<N: Node>(w: &mut Walker, v: &N) -> Auth {
    let at = At::Key(&At::Key(&At::Root, "spec"), "auth");
    let Some([sso, mfa, local_accounts, roles, scim, default_role, role_templates, elevation]) = w.members(
        v,
        &at,
        ["sso", "mfa", "localAccounts", "roles", "scim", "defaultRole", "roleTemplates", "elevation"],
    ) else {
        return Auth::default();
    };
    let elevation = elevation.present().and_then(|e| {
        let e_at = At::Key(&at, "elevation");
        let [just_in_time, max_minutes] = w.members(e, &e_at, ["justInTime", "maxMinutes"])?;
        Some(Elevation {
            just_in_time: w.opt_bool(&e_at, &just_in_time).unwrap_or(false),
            max_minutes: w.opt_u32(&e_at, &max_minutes, 525_600),
        })
    });
    Auth {
        sso: w.opt_enum(&at, &sso, Sso::parse, Sso::spellings).unwrap_or(Sso::None),
        mfa: w.opt_bool(&at, &mfa).unwrap_or(false),
        local_accounts: w.opt_bool(&at, &local_accounts).unwrap_or(false),
        roles: w.str_list(&at, &roles),
        scim: w.opt_bool(&at, &scim).unwrap_or(false),
        default_role: w.opt_str(&at, &default_role),
        role_templates: w.str_map(&at, &role_templates),
        elevation,
    }
}

fn walk_field<N: Node>(w: &mut Walker, v: &N, at: &At<'_>) -> Option<Field> {
    let [name, categories, sample] = w.members(v, at, ["name", "categories", "sample"])?;
    let name = w.req_str(at, &name);
    let mut category_list = Vec::new();
    w.categories(at, &categories, &mut category_list);
    let sample = match sample.present() {
        None => Vec::new(),
        Some(s) => match (s.as_str(), s.list_len()) {
            (Some(text), _) => vec![text.into_owned()],
            (None, Some(_)) => w.str_list(at, &sample),
            (None, None) => {
                w.wrong(&At::Key(at, sample.key), "a string or a list of strings", s);
                Vec::new()
            }
        },
    };
    Some(Field { name: name?, categories: category_list, sample })
}

/// A dataset dropped for a mistake adds its name as written to `dropped`.
fn walk_dataset<N: Node>(
    w: &mut Walker,
    v: &N,
    at: &At<'_>,
    opts: &ParseOptions,
    dropped: &mut Vec<String>,
) -> Option<Dataset> {
    let [name, classification, residency, sovereign, encryption, retention_days, fields, categories] = w.members(
        v,
        at,
        ["name", "classification", "residency", "sovereign", "encryption", "retentionDays", "fields", "categories"],
    )?;
    let name_read = w.req_str(at, &name);
    let classification = w.req_enum(at, &classification, Classification::parse, Classification::spellings);
    let residency = w.opt_str(at, &residency).and_then(|r| match opts.catalog.residency_code(&r) {
        Some(code) if code == r => Some(r),
        Some(code) => Some(code.to_owned()),
        None => {
            w.push_at(
                codes::UNKNOWN_RESIDENCY,
                &At::Key(at, residency.key),
                format!("unknown residency \"{r}\": not a jurisdiction or country of the region catalog"),
            );
            None
        }
    });
    let sovereign = w.opt_bool(at, &sovereign).unwrap_or(false);
    let encryption =
        w.opt_enum(at, &encryption, Encryption::parse, Encryption::spellings).unwrap_or(Encryption::Platform);
    let retention_days = w.opt_u32(at, &retention_days, 36_500);
    let fields = w.named_list(at, &fields, "field", |f: &Field| &f.name, walk_field);
    // A dataset's categories: those it declares itself plus its fields'.
    let mut category_list: Vec<Category> = fields.iter().flat_map(|f| f.categories.iter().copied()).collect();
    w.categories(at, &categories, &mut category_list);
    category_list.sort();
    category_list.dedup();
    match (name_read, classification) {
        (Some(name), Some(classification)) => Some(Dataset {
            name,
            classification,
            residency,
            sovereign,
            encryption,
            retention_days,
            fields,
            categories: category_list,
        }),
        (name_read, _) => {
            if let Some(n) = name_read.or_else(|| name.present().and_then(|n| n.as_str().map(Cow::into_owned))) {
                dropped.push(n);
            }
            None
        }
    }
}

/// `datasets`: the manifest's dataset names, sorted.
fn walk_connector<N: Node>(
    w: &mut Walker,
    v: &N,
    at: &At<'_>,
    opts: &ParseOptions,
    datasets: &[&str],
    owner_domain: Option<&str>,
) -> Option<Connector> {
    let [name, kind, endpoint, region, access, ds, exports_pii, external, secret_ref, rotation_days, needs_raw_values, config, headers, scopes, rate_limit] =
        w.members(
            v,
            at,
            [
                "name",
                "type",
                "endpoint",
                "region",
                "access",
                "datasets",
                "exportsPii",
                "external",
                "secretRef",
                "rotationDays",
                "needsRawValues",
                "config",
                "headers",
                "scopes",
                "rateLimit",
            ],
        )?;
    let name = w.req_str(at, &name);
    // Any spelling: one the connector catalog does not list is a policy violation
    // (`catalog.unknown_connector_type`, with "did you mean"), not a parse failure.
    let kind = w.req_str(at, &kind);
    let endpoint = w.opt_str(at, &endpoint);
    let region_key = region.key;
    let region = w.opt_str(at, &region);
    if let Some(r) = &region {
        if opts.catalog.region(r).is_none() {
            let hint = did_you_mean(opts.catalog.suggest(r));
            w.push_at(codes::UNKNOWN_REGION, &At::Key(at, region_key), format!("unknown region \"{r}\"{hint}"));
        }
    }
    let access = w.opt_enum(at, &access, Access::parse, Access::spellings).unwrap_or(Access::Read);
    let list_at = At::Key(at, ds.key);
    let ds = w.str_list(at, &ds);
    for (i, d) in ds.iter().enumerate() {
        if datasets.binary_search(&d.as_str()).is_err() {
            w.push_at(
                codes::UNKNOWN_DATASET,
                &At::Index(&list_at, i),
                format!("connector uses dataset \"{d}\", which the manifest does not define"),
            );
        }
    }
    let exports_pii = w.opt_bool(at, &exports_pii).unwrap_or(false);
    let external = w.opt_bool(at, &external);
    let secret_ref = w.opt_str(at, &secret_ref);
    let rotation_days = w.opt_u32(at, &rotation_days, 36_500);
    let needs_raw_values = w.opt_bool(at, &needs_raw_values).unwrap_or(false);
    let config = match config.present() {
        None => Map::new(),
        Some(c) => match (c.kind(), c.to_value()) {
            (Kind::Map, Some(Value::Object(o))) => o,
            _ => {
                w.wrong(&At::Key(at, config.key), "a mapping", c);
                Map::new()
            }
        },
    };
    let headers = w.str_map(at, &headers);
    let scopes = w.str_list(at, &scopes);
    let rate_limit = w.opt_u32(at, &rate_limit, 1_000_000);
    let kind = kind?;
    let (external, external_by) = match (external, opts.connectors.external(&kind)) {
        (Some(e), _) => (e, ExternalBy::Declared),
        (None, Some(e)) => (e, ExternalBy::Catalog),
        (None, None) => {
            judge_endpoint(endpoint.as_deref(), region.as_deref(), owner_domain, &opts.internal_suffixes, &opts.cloud)
        }
    };
    Some(Connector {
        name: name?,
        kind,
        endpoint,
        region,
        access,
        datasets: ds,
        exports_pii,
        external,
        external_by: Noted(external_by),
        secret_ref,
        rotation_days,
        needs_raw_values,
        config,
        headers,
        scopes,
        rate_limit,
    })
}
