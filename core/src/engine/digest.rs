//! The input digest: SHA-256 of the canonical JSON of
//! `{"app": <manifest>, "context": input.context}` (`core/docs/decision.md`).
//!
//! `input.findings` is not hashed: microgov computes it from these with the
//! policies and data that `policy_revisions` names. The manifest is hashed
//! whole (as `Engine::input_document` shows it), also the members no loaded
//! policy reads and the engine leaves out of `input.app`. A prepared app
//! hashes its `{"app":...,"context":` prefix once and keeps the hasher
//! state, so each decision hashes only its context.

use super::canonical;
use crate::Manifest;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::io::Write;

/// The hasher after `{"app":<app>,"context":`.
///
/// The manifest's structs declare their fields in key order and its maps
/// are sorted, so serde_json's own compact writer gives its canonical form
/// at a few times the speed of [`canonical`], which sorts (a test checks
/// the two agree on a manifest with every member set, and on every fixture).
pub(crate) fn prefix(app: &Manifest) -> Result<Sha256, canonical::Error> {
    let mut h = Sha256::new();
    with_writer(|w| {
        w.out.extend_from_slice(br#"{"app":"#);
        serde_json::to_writer(&mut w.out, app)?;
        w.out.extend_from_slice(br#","context":"#);
        h.update(&w.out);
        Ok::<(), canonical::Error>(())
    })?;
    Ok(h)
}

/// Finishes a [`prefix`] with the context: `sha256:<hex>`.
pub(crate) fn finish<T: Serialize + ?Sized>(mut h: Sha256, context: &T) -> Result<String, canonical::Error> {
    with_writer(|w| {
        w.write(context)?;
        w.out.push(b'}');
        h.update(&w.out);
        Ok::<(), canonical::Error>(())
    })?;
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

fn with_writer<R>(f: impl FnOnce(&mut canonical::Writer) -> R) -> R {
    std::thread_local! {
        // One writer per thread, its buffers reused across decisions (a few
        // words of static TLS: the buffers live on the heap).
        static WRITER: std::cell::RefCell<canonical::Writer> = const { std::cell::RefCell::new(canonical::Writer::new()) };
    }
    WRITER.with(|w| match w.try_borrow_mut() {
        Ok(mut w) => {
            w.clear();
            f(&mut w)
        }
        Err(_) => f(&mut canonical::Writer::new()),
    })
}

#[cfg(test)]
mod tests {
    use crate::engine::canonical;

    fn canonical_of<T: serde::Serialize>(x: &T) -> String {
        String::from_utf8(canonical::to_vec(x).unwrap()).unwrap()
    }

    /// serde_json's form of the value with every object's keys sorted.
    fn sorted_serde_json<T: serde::Serialize>(x: &T) -> String {
        serde_json::to_string(&serde_json::to_value(x).unwrap()).unwrap()
    }

    #[test]
    fn writes_what_serde_json_writes_with_sorted_keys() {
        let doc = serde_json::json!({"b":[1,-2,12345678901234567890u64,-9223372036854775808i64],"a":{"z":null,"y":true,"x":false,"":[]},"s":"q\"\\\n\r\t\u{8}\u{c}\u{1}\u{1f} é 😀 </", "é": {}, "e": 0});
        assert_eq!(canonical_of(&doc), sorted_serde_json(&doc));
        assert_eq!(canonical_of(&serde_json::json!([[],{},"",0,-1])), "[[],{},\"\",0,-1]");
    }

    #[test]
    fn numbers_are_written_as_serde_json_writes_them() {
        let doc = serde_json::json!([1.0, -2.0, 0.5, 1e300, -0.0, 3, -4, 18446744073709551615u64]);
        assert_eq!(canonical_of(&doc), "[1.0,-2.0,0.5,1e+300,-0.0,3,-4,18446744073709551615]");
        assert_eq!(canonical_of(&doc), sorted_serde_json(&doc));
        assert_eq!(canonical_of(&f64::NAN), "null");
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
  createdAt: 2026-11-01T09:00:00Z
  expiresAt: 2026-12-01T09:00:00Z
  retiredAt: 2026-11-20T09:00:00Z
  labels: { zeta: "1", alpha: "q\"uote" }
spec:
  template: portal@1.0.0
  purpose: "every member: tab\there"
  builtBy: agent
  environment: staging
  auth: { sso: saml, mfa: true, localAccounts: true, roles: [b, a] }
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
      config: { z: 1.5, a: { y: [1, 2.0], b: null }, m: true }
      headers: { X-Zeta: "1", Accept: json }
  egress: [https://api.example.com/v1]
  env: { Z_VAR: 1, A_VAR: 2.5, M_VAR: "x\\ny", B_VAR: true }
  secrets:
    - { name: token, ref: "vault://secret/token", rotationDays: 7 }
  policies: [team.extra]
"#;

    #[test]
    fn serde_json_writes_the_manifest_canonically() {
        // `prefix` relies on this: every struct's fields declared in key order.
        let engine = crate::Engine::new().unwrap();
        let app = engine.parse_manifest(FULL).unwrap();
        let written = serde_json::to_string(&app).unwrap();
        assert_eq!(written, canonical_of(&app));
        assert_eq!(written, sorted_serde_json(&app));
        for key in ["retiredAt", "labels", "template", "purpose", "sample", "endpoint", "secretRef", "rotationDays", "config", "headers", "env", "secrets", "policies", "categories"] {
            assert!(written.contains(&format!("\"{key}\"")), "{key} missing from the full manifest: {written}");
        }
    }

    #[test]
    fn struct_fields_are_sorted_and_maps_keep_numeric_keys_as_text() {
        #[derive(serde::Serialize)]
        #[serde(rename_all = "camelCase")]
        struct S {
            zeta: u8,
            alpha: Option<&'static str>,
            inner: std::collections::BTreeMap<u32, E>,
        }
        #[derive(serde::Serialize)]
        enum E {
            Unit,
            New(i32),
            Tuple(i32, bool),
            Named { b: u8, a: u8 },
        }
        let inner = [(10, E::Unit), (2, E::New(-1)), (3, E::Tuple(1, true)), (4, E::Named { b: 1, a: 2 })].into_iter().collect();
        let s = S { zeta: 1, alpha: None, inner };
        let ours = canonical_of(&s);
        assert_eq!(ours, r#"{"alpha":null,"inner":{"10":"Unit","2":{"New":-1},"3":{"Tuple":[1,true]},"4":{"Named":{"a":2,"b":1}}},"zeta":1}"#);
        assert_eq!(ours, sorted_serde_json(&s));
    }

    #[test]
    fn a_map_key_that_is_not_text_is_an_error() {
        let m: std::collections::BTreeMap<Vec<u8>, u8> = [(vec![1], 1)].into_iter().collect();
        assert!(canonical::to_vec(&m).is_err());
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
                    assert_eq!(canonical_of(&app), sorted_serde_json(&app), "{}", p.display());
                    assert_eq!(serde_json::to_string(&app).unwrap(), canonical_of(&app), "{}", p.display());
                    // The manifest's structs declare their fields in key order, so nothing moves.
                    let mut w = canonical::Writer::new();
                    w.write(&app).unwrap();
                    assert_eq!(w.reordered, 0, "{}", p.display());
                    n += 1;
                }
            }
        }
        assert!(n >= 10);
    }
}
