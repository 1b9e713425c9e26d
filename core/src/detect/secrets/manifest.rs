//! The secrets scan of a typed [`Manifest`], without building its JSON value.
//!
//! It visits exactly the strings and numbers `Manifest::to_value` would hold, in the
//! order the JSON walk meets them, with the same key context, so that
//! `scan_manifest(m) == scan_value(&m.to_value())` (a test checks this on every
//! fixture). That order is the order of a `serde_json::Map`: keys sorted by bytes
//! (serde_json is built without `preserve_order`). Each struct below lists its
//! members in that order, under their camelCase names; booleans hold no string and
//! are skipped; absent options are skipped as `to_value` skips them. The free-form
//! maps (`env`, `config`, `labels`, `headers`) go through the JSON walker's object
//! pass, sibling-name context (`{name, value}`) included.
//!
//! No typed struct has a `value`, `val` or `private_key` member, and no connector
//! type is spelled `service_account`, so the object pass's sibling rules never apply
//! to them: each member's context is its own name.

use chrono::{DateTime, SecondsFormat, Utc};

use super::walk::Walker;
use crate::detect::text::Seg;
use crate::model::{Connector, Dataset, Field, Manifest, Metadata, SecretRef, Spec};

impl<'v> Walker<'v, '_> {
    pub(super) fn manifest(&mut self, m: &'v Manifest) {
        self.str_member("apiVersion", &m.api_version);
        self.str_member("kind", &m.kind);
        self.in_member("metadata", |w| w.metadata(&m.metadata));
        self.in_member("spec", |w| w.spec(&m.spec));
    }

    fn metadata(&mut self, md: &'v Metadata) {
        self.opt_str_member("builder", md.builder.as_deref());
        self.date_member("createdAt", &md.created_at);
        self.opt_str_member("department", md.department.as_deref());
        self.date_member("expiresAt", &md.expires_at);
        self.in_member("labels", |w| w.object(md.labels.iter(), |k| md.labels.get(k)));
        self.str_member("name", &md.name);
        self.str_member("owner", &md.owner);
        if let Some(at) = &md.retired_at {
            self.date_member("retiredAt", at);
        }
        self.opt_str_member("tenant", md.tenant.as_deref());
    }

    fn spec(&mut self, s: &'v Spec) {
        if let Some(a) = &s.agent {
            self.in_member("agent", |w| {
                // `humanInTheLoop` is a boolean.
                w.str_list_member("mcpServers", a.mcp_servers.iter().map(String::as_str));
                w.opt_str_member("model", a.model.as_deref());
                w.str_list_member("promptCategories", a.prompt_categories.iter().map(|c| c.as_str()));
                w.str_list_member("tools", a.tools.iter().map(String::as_str));
            });
        }
        self.in_member("auth", |w| {
            w.opt_str_member("defaultRole", s.auth.default_role.as_deref());
            if let Some(e) = &s.auth.elevation {
                // `justInTime` is a boolean.
                w.in_member("elevation", |w| w.opt_num_member("maxMinutes", e.max_minutes));
            }
            // `localAccounts` and `mfa` are booleans.
            w.in_member("roleTemplates", |w| w.object(s.auth.role_templates.iter(), |k| s.auth.role_templates.get(k)));
            w.str_list_member("roles", s.auth.roles.iter().map(String::as_str));
            // `scim` is a boolean.
            w.str_member("sso", s.auth.sso.as_str());
        });
        self.str_member("builtBy", s.built_by.as_str());
        self.list_member("connectors", &s.connectors, Self::connector);
        self.list_member("datasets", &s.datasets, Self::dataset);
        self.str_list_member("egress", s.egress.iter().map(String::as_str));
        self.in_member("env", |w| w.object(s.env.iter(), |k| s.env.get(k)));
        self.str_member("environment", s.environment.as_str());
        if let Some(o) = &s.observability {
            // `auditEvents` and `traces` are booleans.
            self.in_member("observability", |w| w.opt_str_member("logShipping", o.log_shipping.as_deref()));
        }
        self.str_list_member("policies", s.policies.iter().map(String::as_str));
        self.opt_str_member("purpose", s.purpose.as_deref());
        self.list_member("secrets", &s.secrets, Self::secret_ref);
        if let Some(sc) = &s.supply_chain {
            self.in_member("supplyChain", |w| {
                w.opt_str_member("sbom", sc.sbom.as_deref());
                if let Some(scan) = &sc.scan {
                    w.in_member("scan", |w| {
                        w.date_member("at", &scan.at);
                        w.opt_num_member("critical", Some(scan.critical));
                        w.opt_num_member("high", Some(scan.high));
                    });
                }
                w.opt_str_member("signature", sc.signature.as_deref());
                w.opt_num_member("slsaLevel", sc.slsa_level);
            });
        }
        if let Some(sp) = &s.support {
            self.in_member("support", |w| {
                w.opt_str_member("contact", sp.contact.as_deref());
                w.opt_str_member("sla", sp.sla.as_deref());
            });
        }
        self.opt_str_member("template", s.template.as_deref());
    }

    fn connector(&mut self, c: &'v Connector) {
        self.str_member("access", c.access.as_str());
        self.in_member("config", |w| w.object(c.config.iter(), |k| c.config.get(k)));
        self.str_list_member("datasets", c.datasets.iter().map(String::as_str));
        self.opt_str_member("endpoint", c.endpoint.as_deref());
        // `exportsPii` and `external` are booleans.
        self.in_member("headers", |w| w.object(c.headers.iter(), |k| c.headers.get(k)));
        self.str_member("name", &c.name);
        // `needsRawValues` is a boolean.
        self.opt_num_member("rateLimit", c.rate_limit);
        self.opt_str_member("region", c.region.as_deref());
        self.opt_num_member("rotationDays", c.rotation_days);
        self.str_list_member("scopes", c.scopes.iter().map(String::as_str));
        self.opt_str_member("secretRef", c.secret_ref.as_deref());
        self.str_member("type", &c.kind);
    }

    fn dataset(&mut self, d: &'v Dataset) {
        self.str_list_member("categories", d.categories.iter().map(|c| c.as_str()));
        self.str_member("classification", d.classification.as_str());
        self.str_member("encryption", d.encryption.as_str());
        self.list_member("fields", &d.fields, Self::field);
        self.str_member("name", &d.name);
        self.opt_str_member("residency", d.residency.as_deref());
        self.opt_num_member("retentionDays", d.retention_days);
        // `sovereign` is a boolean.
    }

    fn field(&mut self, f: &'v Field) {
        self.str_list_member("categories", f.categories.iter().map(|c| c.as_str()));
        self.str_member("name", &f.name);
        // `to_value` leaves an empty `sample` out; an empty array holds nothing either.
        self.str_list_member("sample", f.sample.iter().map(String::as_str));
    }

    fn secret_ref(&mut self, r: &'v SecretRef) {
        self.str_member("name", &r.name);
        self.str_member("ref", &r.reference);
        self.opt_num_member("rotationDays", r.rotation_days);
    }

    // --- members, as `object` walks them ---------------------------------------

    /// `key: {...}` or any member whose content `f` walks (its key gives no context).
    fn in_member(&mut self, key: &'v str, f: impl FnOnce(&mut Self)) {
        self.path.push(Seg::Key(key));
        f(self);
        self.path.pop();
    }

    /// `key: "s"`.
    fn str_member(&mut self, key: &'v str, s: &str) {
        let kc = self.memo.class(key);
        self.in_member(key, |w| w.string(s, Some(key), kc));
    }

    fn opt_str_member(&mut self, key: &'v str, s: Option<&str>) {
        if let Some(s) = s {
            self.str_member(key, s);
        }
    }

    /// `key: "<RFC 3339>"`, as chrono serializes a timestamp.
    fn date_member(&mut self, key: &'v str, at: &DateTime<Utc>) {
        self.str_member(key, &at.to_rfc3339_opts(SecondsFormat::AutoSi, true));
    }

    fn opt_num_member(&mut self, key: &'v str, n: Option<u32>) {
        if let Some(n) = n {
            let kc = self.memo.class(key);
            self.in_member(key, |w| w.number(&n, kc));
        }
    }

    /// `key: ["a", "b"]`: every item has the array's key as context.
    fn str_list_member<'s>(&mut self, key: &'v str, items: impl Iterator<Item = &'s str>) {
        let kc = self.memo.class(key);
        self.in_member(key, |w| {
            for (i, s) in items.enumerate() {
                w.path.push(Seg::Index(i));
                w.string(s, Some(key), kc);
                w.path.pop();
            }
        });
    }

    /// `key: [{...}, {...}]`.
    fn list_member<T>(&mut self, key: &'v str, items: &'v [T], mut f: impl FnMut(&mut Self, &'v T)) {
        self.in_member(key, |w| {
            for (i, item) in items.iter().enumerate() {
                w.path.push(Seg::Index(i));
                f(w, item);
                w.path.pop();
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::secrets::walk::KeyMemo;
    use chrono::TimeZone;
    use serde_json::json;
    use std::path::PathBuf;

    fn visits_of_value(m: &Manifest) -> Vec<String> {
        let v = m.to_value();
        let mut memo = KeyMemo::new();
        let mut w = Walker::new(&mut memo);
        w.walk(&v, None);
        w.visits
    }

    fn visits_of_manifest(m: &Manifest) -> Vec<String> {
        let mut memo = KeyMemo::new();
        let mut w = Walker::new(&mut memo);
        w.manifest(m);
        w.visits
    }

    fn fixture(path: &str) -> Manifest {
        let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures").join(path);
        let text = std::fs::read_to_string(&p).unwrap_or_default();
        match Manifest::from_str_any(&text) {
            Ok(m) => m,
            Err(e) => panic!("{}: {e}", p.display()),
        }
    }

    /// The typed walk visits the very strings and numbers of the JSON walk, with the
    /// same paths and key context, in the same order: enum spellings, timestamps
    /// (every sub-second precision chrono prints) and free-form maps included.
    #[test]
    fn visits_the_leaves_of_the_json_walk() {
        let mut manifests: Vec<Manifest> = [
            "bench/typical.yaml",
            "apps/expense-approver.yaml",
            "apps/hr-onboarding.yaml",
            "apps/slack-runbook-deploy.yaml",
            "runtime/egress-app.yaml",
        ]
        .into_iter()
        .map(fixture)
        .collect();
        let mut m = fixture("bench/typical.yaml");
        m.metadata.labels.insert("team".into(), "platform".into());
        m.metadata.labels.insert("value".into(), "x".into());
        m.metadata.labels.insert("name".into(), "DB_PASSWORD".into());
        m.spec.env.insert("list".into(), json!([{"name": "PIN", "value": 1234}, "a", [1]]));
        m.spec.secrets.push(SecretRef { name: "db".into(), reference: "vault://x".into(), rotation_days: Some(30) });
        if let Some(c) = m.spec.connectors.first_mut() {
            c.headers.insert("X-Api-Key".into(), "k".into());
            c.rotation_days = Some(7);
        }
        if let Some(f) = m.spec.datasets.first_mut().and_then(|d| d.fields.first_mut()) {
            f.sample = vec!["a@b.example".into(), "1".into()];
        }
        m.metadata.builder = Some("bo@acme.example".into());
        m.spec.agent = Some(crate::model::Agent {
            human_in_the_loop: true,
            mcp_servers: vec!["https://mcp.internal.example/x".into()],
            model: Some("openai/gpt-4o".into()),
            prompt_categories: vec![crate::model::Category::Pii],
            tools: vec!["sql-read".into()],
        });
        for nanos in [0, 5_000_000, 123_450_000, 123_456_000, 123_456_789, 1_000_000_500] {
            m.metadata.retired_at = Utc.timestamp_opt(1_800_000_000, nanos).single();
            manifests.push(m.clone());
        }
        for m in &manifests {
            let want = visits_of_value(m);
            assert!(want.len() > 20, "{}", want.len());
            assert_eq!(visits_of_manifest(m), want);
        }
    }
}
