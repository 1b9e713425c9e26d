//! The input digest: SHA-256 of the canonical JSON of
//! `{"app": <manifest>, "context": input.context}` (`core/docs/decision.md`).
//!
//! `input.findings` is not hashed: microgov computes it from these with the
//! policies and data that `policy_revisions` names. The manifest is hashed
//! whole (as `Engine::input_document` shows it), also the members no loaded
//! policy reads and the engine leaves out of `input.app`. A prepared app
//! hashes its `{"app":...,"context":` prefix once and keeps the hasher
//! state, so each decision hashes only its context.

use crate::canonical::write_sorted;
use crate::Manifest;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::io::Write;

/// The hasher after `{"app":<app>,"context":`.
pub(crate) fn prefix(app: &Manifest) -> Result<Sha256, serde_json::Error> {
    let mut h = Sha256::new();
    with_buffer(|buf| {
        buf.extend_from_slice(br#"{"app":"#);
        manifest_json::write(app, buf)?;
        buf.extend_from_slice(br#","context":"#);
        h.update(&buf[..]);
        Ok(())
    })?;
    Ok(h)
}

/// Finishes a [`prefix`] with the context: `sha256:<hex>`. The context is
/// small and its types do not declare their fields in key order (approval
/// scopes), so it goes through a `serde_json::Value`, whose objects are
/// sorted maps.
pub(crate) fn finish<T: Serialize + ?Sized>(mut h: Sha256, context: &T) -> Result<String, serde_json::Error> {
    let context = serde_json::to_value(context)?;
    with_buffer(|buf| {
        write_sorted(buf, &context);
        buf.push(b'}');
        h.update(&buf[..]);
    });
    let mut s = String::with_capacity(71);
    s.push_str("sha256:");
    for b in h.finalize() {
        let _ = write!(HexSink(&mut s), "{b:02x}");
    }
    Ok(s)
}

struct HexSink<'a>(&'a mut String);

impl Write for HexSink<'_> {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.push_str(std::str::from_utf8(b).unwrap_or_default());
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn with_buffer<R>(f: impl FnOnce(&mut Vec<u8>) -> R) -> R {
    std::thread_local! {
        // One buffer per thread, reused across decisions.
        static BUF: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    BUF.with(|b| match b.try_borrow_mut() {
        Ok(mut buf) => {
            buf.clear();
            let r = f(&mut buf);
            if buf.capacity() > 1 << 20 {
                *buf = Vec::new();
            }
            r
        }
        Err(_) => f(&mut Vec::new()),
    })
}

/// The manifest's canonical JSON, written by hand: it is the largest part
/// of the digest (~8 KB for a typical app), and serde's generic writers
/// spent ~65 instructions per token on it,
/// a seventh of a decision. Each struct is destructured without `..`, so a
/// field added to the manifest does not compile until it is written here;
/// keys are written in byte order (each struct's first key is never
/// skipped, so every later one starts with a comma). Tests check the bytes
/// against serde_json's (the structs declare their fields in key order) on
/// a manifest with every member set and on every fixture.
mod manifest_json {
    use crate::canonical::{write_int, write_sorted, write_sorted_map, write_str};
    use crate::engine::input::rfc3339;
    use crate::model::{Auth, Connector, Dataset, Elevation, Field, Manifest, Metadata, SecretRef, Spec};
    use chrono::{DateTime, Utc};
    use std::collections::BTreeMap;

    type Result = std::result::Result<(), serde_json::Error>;

    pub(super) fn write(m: &Manifest, out: &mut Vec<u8>) -> Result {
        let Manifest { api_version, kind, metadata, spec } = m;
        out.extend_from_slice(br#"{"apiVersion":"#);
        write_str(out, api_version);
        out.extend_from_slice(br#","kind":"#);
        write_str(out, kind);
        out.extend_from_slice(br#","metadata":"#);
        write_metadata(metadata, out);
        out.extend_from_slice(br#","spec":"#);
        write_spec(spec, out)?;
        out.push(b'}');
        Ok(())
    }

    fn write_metadata(m: &Metadata, out: &mut Vec<u8>) {
        let Metadata { builder, created_at, department, expires_at, labels, name, owner, retired_at, tenant } = m;
        out.push(b'{');
        if let Some(b) = builder {
            out.extend_from_slice(br#""builder":"#);
            write_str(out, b);
            out.push(b',');
        }
        out.extend_from_slice(br#""createdAt":"#);
        time(out, created_at);
        opt_str(out, br#","department":"#, department.as_deref());
        out.extend_from_slice(br#","expiresAt":"#);
        time(out, expires_at);
        if !labels.is_empty() {
            out.extend_from_slice(br#","labels":"#);
            str_map(out, labels);
        }
        out.extend_from_slice(br#","name":"#);
        write_str(out, name);
        out.extend_from_slice(br#","owner":"#);
        write_str(out, owner);
        if let Some(t) = retired_at {
            out.extend_from_slice(br#","retiredAt":"#);
            time(out, t);
        }
        opt_str(out, br#","tenant":"#, tenant.as_deref());
        out.push(b'}');
    }

    fn write_spec(s: &Spec, out: &mut Vec<u8>) -> Result {
        let Spec {
            agent,
            auth,
            built_by,
            connectors,
            datasets,
            egress,
            env,
            environment,
            observability,
            policies,
            purpose,
            secrets,
            supply_chain,
            support,
            template,
        } = s;
        out.push(b'{');
        if let Some(a) = agent {
            out.extend_from_slice(br#""agent":"#);
            write_sorted(out, &serde_json::to_value(a)?);
            out.push(b',');
        }
        out.extend_from_slice(br#""auth":"#);
        write_auth(auth, out);
        out.extend_from_slice(br#","builtBy":"#);
        write_str(out, built_by.as_str());
        out.extend_from_slice(br#","connectors":["#);
        for (i, c) in connectors.iter().enumerate() {
            comma(out, i);
            write_connector(c, out)?;
        }
        out.extend_from_slice(br#"],"datasets":["#);
        for (i, d) in datasets.iter().enumerate() {
            comma(out, i);
            write_dataset(d, out);
        }
        out.extend_from_slice(br#"],"egress":"#);
        str_list(out, egress.iter().map(String::as_str));
        out.extend_from_slice(br#","env":{"#);
        for (i, (k, v)) in env.iter().enumerate() {
            comma(out, i);
            write_str(out, k);
            out.push(b':');
            write_sorted(out, v);
        }
        out.extend_from_slice(br#"},"environment":"#);
        write_str(out, environment.as_str());
        if let Some(o) = observability {
            out.extend_from_slice(br#","observability":"#);
            write_sorted(out, &serde_json::to_value(o)?);
        }
        out.extend_from_slice(br#","policies":"#);
        str_list(out, policies.iter().map(String::as_str));
        opt_str(out, br#","purpose":"#, purpose.as_deref());
        out.extend_from_slice(br#","secrets":["#);
        for (i, r) in secrets.iter().enumerate() {
            comma(out, i);
            write_secret(r, out);
        }
        out.push(b']');
        if let Some(sc) = supply_chain {
            out.extend_from_slice(br#","supplyChain":"#);
            write_sorted(out, &serde_json::to_value(sc)?);
        }
        if let Some(sp) = support {
            out.extend_from_slice(br#","support":"#);
            write_sorted(out, &serde_json::to_value(sp)?);
        }
        opt_str(out, br#","template":"#, template.as_deref());
        out.push(b'}');
        Ok(())
    }

    fn write_auth(a: &Auth, out: &mut Vec<u8>) {
        let Auth { default_role, elevation, local_accounts, mfa, role_templates, roles, scim, sso } = a;
        out.push(b'{');
        // `localAccounts` is always written: the keys before it start with their comma.
        if let Some(r) = default_role {
            out.extend_from_slice(br#""defaultRole":"#);
            write_str(out, r);
            out.push(b',');
        }
        if let Some(Elevation { just_in_time, max_minutes }) = elevation {
            out.extend_from_slice(br#""elevation":{"justInTime":"#);
            boolean(out, *just_in_time);
            opt_u32(out, br#","maxMinutes":"#, *max_minutes);
            out.extend_from_slice(b"},");
        }
        out.extend_from_slice(br#""localAccounts":"#);
        boolean(out, *local_accounts);
        out.extend_from_slice(br#","mfa":"#);
        boolean(out, *mfa);
        if !role_templates.is_empty() {
            out.extend_from_slice(br#","roleTemplates":"#);
            str_map(out, role_templates);
        }
        out.extend_from_slice(br#","roles":"#);
        str_list(out, roles.iter().map(String::as_str));
        if *scim {
            out.extend_from_slice(br#","scim":true"#);
        }
        out.extend_from_slice(br#","sso":"#);
        write_str(out, sso.as_str());
        out.push(b'}');
    }

    fn write_dataset(d: &Dataset, out: &mut Vec<u8>) {
        let Dataset { categories, classification, encryption, fields, name, residency, retention_days, sovereign } = d;
        out.extend_from_slice(br#"{"categories":"#);
        str_list(out, categories.iter().map(|c| c.as_str()));
        out.extend_from_slice(br#","classification":"#);
        write_str(out, classification.as_str());
        out.extend_from_slice(br#","encryption":"#);
        write_str(out, encryption.as_str());
        out.extend_from_slice(br#","fields":["#);
        for (i, f) in fields.iter().enumerate() {
            comma(out, i);
            write_field(f, out);
        }
        out.extend_from_slice(br#"],"name":"#);
        write_str(out, name);
        opt_str(out, br#","residency":"#, residency.as_deref());
        opt_u32(out, br#","retentionDays":"#, *retention_days);
        out.extend_from_slice(br#","sovereign":"#);
        boolean(out, *sovereign);
        out.push(b'}');
    }

    fn write_field(f: &Field, out: &mut Vec<u8>) {
        let Field { categories, name, sample } = f;
        out.extend_from_slice(br#"{"categories":"#);
        str_list(out, categories.iter().map(|c| c.as_str()));
        out.extend_from_slice(br#","name":"#);
        write_str(out, name);
        if !sample.is_empty() {
            out.extend_from_slice(br#","sample":"#);
            str_list(out, sample.iter().map(String::as_str));
        }
        out.push(b'}');
    }

    fn write_connector(c: &Connector, out: &mut Vec<u8>) -> Result {
        let Connector {
            access,
            config,
            datasets,
            endpoint,
            exports_pii,
            external,
            // Why it is external is not part of the document policies read.
            external_by: _,
            headers,
            name,
            needs_raw_values,
            rate_limit,
            region,
            rotation_days,
            scopes,
            secret_ref,
            kind,
        } = c;
        out.extend_from_slice(br#"{"access":"#);
        write_str(out, access.as_str());
        out.extend_from_slice(br#","config":"#);
        write_sorted_map(out, config);
        out.extend_from_slice(br#","datasets":"#);
        str_list(out, datasets.iter().map(String::as_str));
        opt_str(out, br#","endpoint":"#, endpoint.as_deref());
        out.extend_from_slice(br#","exportsPii":"#);
        boolean(out, *exports_pii);
        out.extend_from_slice(br#","external":"#);
        boolean(out, *external);
        out.extend_from_slice(br#","headers":"#);
        str_map(out, headers);
        out.extend_from_slice(br#","name":"#);
        write_str(out, name);
        out.extend_from_slice(br#","needsRawValues":"#);
        boolean(out, *needs_raw_values);
        opt_u32(out, br#","rateLimit":"#, *rate_limit);
        opt_str(out, br#","region":"#, region.as_deref());
        opt_u32(out, br#","rotationDays":"#, *rotation_days);
        if !scopes.is_empty() {
            out.extend_from_slice(br#","scopes":"#);
            str_list(out, scopes.iter().map(String::as_str));
        }
        opt_str(out, br#","secretRef":"#, secret_ref.as_deref());
        out.extend_from_slice(br#","type":"#);
        write_str(out, kind);
        out.push(b'}');
        Ok(())
    }

    fn write_secret(r: &SecretRef, out: &mut Vec<u8>) {
        let SecretRef { name, reference, rotation_days } = r;
        out.extend_from_slice(br#"{"name":"#);
        write_str(out, name);
        out.extend_from_slice(br#","ref":"#);
        write_str(out, reference);
        opt_u32(out, br#","rotationDays":"#, *rotation_days);
        out.push(b'}');
    }

    fn comma(out: &mut Vec<u8>, i: usize) {
        if i > 0 {
            out.push(b',');
        }
    }

    fn boolean(out: &mut Vec<u8>, b: bool) {
        out.extend_from_slice(if b { b"true" } else { b"false" });
    }

    fn time(out: &mut Vec<u8>, t: &DateTime<Utc>) {
        write_str(out, &rfc3339(*t));
    }

    fn opt_str(out: &mut Vec<u8>, key: &[u8], v: Option<&str>) {
        if let Some(v) = v {
            out.extend_from_slice(key);
            write_str(out, v);
        }
    }

    fn opt_u32(out: &mut Vec<u8>, key: &[u8], v: Option<u32>) {
        if let Some(v) = v {
            out.extend_from_slice(key);
            write_int(out, i64::from(v));
        }
    }

    fn str_list<'s>(out: &mut Vec<u8>, items: impl Iterator<Item = &'s str>) {
        out.push(b'[');
        for (i, s) in items.enumerate() {
            comma(out, i);
            write_str(out, s);
        }
        out.push(b']');
    }

    fn str_map(out: &mut Vec<u8>, m: &BTreeMap<String, String>) {
        out.push(b'{');
        for (i, (k, v)) in m.iter().enumerate() {
            comma(out, i);
            write_str(out, k);
            out.push(b':');
            write_str(out, v);
        }
        out.push(b'}');
    }
}

#[cfg(test)]
mod tests {
    fn by_hand(app: &crate::Manifest) -> String {
        let mut out = Vec::new();
        super::manifest_json::write(app, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// serde_json's form of the value with every object's keys sorted.
    fn sorted_serde_json<T: serde::Serialize>(x: &T) -> String {
        serde_json::to_string(&serde_json::to_value(x).unwrap()).unwrap()
    }

    /// A manifest with every optional member set (and maps, floats, escapes).
    const FULL: &str = r#"
apiVersion: microgov.dev/v1
kind: MicroApp
metadata:
  name: full-app
  owner: ana@acme.example
  department: ops
  tenant: acme
  createdAt: 2026-11-01T09:00:00.250Z
  expiresAt: 2026-12-01T09:00:00+01:00
  retiredAt: 2026-11-20T09:00:00.123456789Z
  labels: { zeta: "1", alpha: "q\"uote" }
spec:
  template: portal@1.0.0
  purpose: "every member: tab\there"
  builtBy: agent
  environment: staging
  auth:
    sso: saml
    mfa: true
    localAccounts: true
    roles: [b, a, admin]
    scim: true
    defaultRole: b
    roleTemplates: { b: viewer, a: editor }
    elevation: { justInTime: true, maxMinutes: 60 }
  datasets:
    - name: people
      classification: restricted
      residency: EEA
      sovereign: true
      encryption: byok
      retentionDays: 30
      categories: [financial]
      fields:
        - { name: email, categories: [pii], sample: [a@b.example] }
  connectors:
    - name: crm
      type: saas
      endpoint: https://crm.example.com/api
      region: aws:eu-west-1
      access: write
      datasets: [people]
      exportsPii: true
      external: true
      secretRef: vault://secret/crm
      rotationDays: 30
      needsRawValues: true
      rateLimit: 50
      scopes: [api, refresh_token]
      config: { z: 1.5, a: { y: [1, 2.0], b: null }, m: true }
      headers: { X-Zeta: "1", Accept: json }
  egress: [https://api.example.com/v1]
  env: { Z_VAR: 1, A_VAR: 2.5, M_VAR: "x\\ny", B_VAR: true }
  secrets:
    - { name: token, ref: "vault://secret/token", rotationDays: 7 }
  policies: [gdpr]
"#;

    #[test]
    fn the_manifest_is_written_canonically() {
        // By hand for the digest, and by serde_json (every struct's fields declared in key order).
        let engine = crate::Engine::new().unwrap();
        let app = engine.parse_manifest(FULL).unwrap();
        let written = serde_json::to_string(&app).unwrap();
        assert_eq!(written, sorted_serde_json(&app));
        assert_eq!(by_hand(&app), written);
        assert_eq!(written, sorted_serde_json(&app));
        for key in [
            "retiredAt",
            "labels",
            "template",
            "purpose",
            "sample",
            "endpoint",
            "secretRef",
            "rotationDays",
            "config",
            "headers",
            "env",
            "secrets",
            "policies",
            "categories",
            "rateLimit",
            "scopes",
            "defaultRole",
            "elevation",
            "maxMinutes",
            "roleTemplates",
            "scim",
        ] {
            assert!(written.contains(&format!("\"{key}\"")), "{key} missing from the full manifest: {written}");
        }
    }

    #[test]
    fn every_fixture_manifest_is_written_like_serde_json() {
        let engine = crate::Engine::new().unwrap();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
        let mut n = 0;
        for dir in ["apps", "bench"] {
            for e in std::fs::read_dir(root.join(dir)).unwrap() {
                let p = e.unwrap().path();
                if p.extension().is_some_and(|x| x == "yaml") {
                    let app = engine.parse_manifest(&std::fs::read_to_string(&p).unwrap()).unwrap();
                    assert_eq!(by_hand(&app), sorted_serde_json(&app), "{}", p.display());
                    // The structs declare their fields in key order: serde_json writes the same.
                    assert_eq!(serde_json::to_string(&app).unwrap(), sorted_serde_json(&app), "{}", p.display());
                    n += 1;
                }
            }
        }
        assert!(n >= 10);
    }
}
