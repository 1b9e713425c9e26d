//! Prepared apps: the manifest-only parts of the input computed once, for repeated decisions.

use super::{digest, input, native, rvalue, Context, Decision, Engine, EvalError};
use crate::model::Manifest;
use crate::risk;
use crate::Result;
use std::borrow::Cow;
use std::sync::Arc;

/// An app prepared for repeated decisions by one engine ([`Engine::prepare`]).
#[derive(Debug, Clone)]
pub struct PreparedApp {
    inner: Arc<PreparedInner>,
}

#[derive(Debug)]
struct PreparedInner {
    /// The id of the engine that prepared it (see `Inner::id`).
    engine: u64,
    manifest: Manifest,
    parts: Parts,
}

/// The input's manifest-only parts.
#[derive(Debug, Clone)]
pub(super) struct Parts {
    risk: risk::RiskAssessment,
    app_value: regorus::Value,
    findings: regorus::Value,
    /// The input digest's hasher after the app (see [`digest`]).
    digest_prefix: sha2::Sha256,
    /// What the natively-run packages yield for this app.
    native: Arc<native::NativeResults>,
}

/// The parts of [`Parts`] that go into the input document.
pub(super) struct InputParts {
    pub(super) app_value: regorus::Value,
    pub(super) findings: regorus::Value,
    pub(super) digest_prefix: sha2::Sha256,
}

impl Parts {
    pub(super) fn split(self) -> (risk::RiskAssessment, InputParts, Arc<native::NativeResults>) {
        (
            self.risk,
            InputParts { app_value: self.app_value, findings: self.findings, digest_prefix: self.digest_prefix },
            self.native,
        )
    }
}

impl PreparedApp {
    /// The manifest it was prepared from.
    pub fn manifest(&self) -> &Manifest {
        &self.inner.manifest
    }

    /// Its risk assessment.
    pub fn risk(&self) -> &risk::RiskAssessment {
        &self.inner.parts.risk
    }
}

impl Engine {
    /// Prepares an app for repeated decisions: validates nothing new, but
    /// computes once everything that depends on the manifest alone (risk,
    /// region lookups, flows, detector findings, the manifest's policy
    /// value). A platform that decides on the same app at every deploy or
    /// connector call keeps one `PreparedApp` per app version.
    pub fn prepare(&self, app: &Manifest) -> Result<PreparedApp> {
        let parts = self.parts(app, self.needs_for(app))?;
        Ok(PreparedApp { inner: Arc::new(PreparedInner { engine: self.inner.id, manifest: app.clone(), parts }) })
    }

    /// Everything of the input that depends on the manifest alone.
    pub(super) fn parts(&self, app: &Manifest, needs: &input::Needs) -> Result<Parts> {
        let settings = &self.inner.settings;
        let detected = crate::detect::scan_manifest(app);
        // The egress detector's findings start with `spec.egress`, in order.
        let egress_hosts = detected.egress.iter().take(app.spec.egress.len()).filter_map(|f| f.host.as_deref());
        let risk = risk::assess_with_hosts(app, &settings.risk, &settings.catalog, egress_hosts);
        let conv = |e: rvalue::ConvertError| EvalError::Failed(format!("cannot build the input document: {e}"));
        let flows = input::flows(app, settings);
        let findings =
            rvalue::to_value(&input::build_static(app, &risk, settings, &detected, &flows, needs)).map_err(conv)?;
        let facts = native::Facts { app, flows: &flows, detected: &detected, settings };
        let native = Arc::new(native::run(&self.inner.native, &facts));
        let app_value = app_value(app, needs).map_err(conv)?;
        let digest_prefix =
            digest::prefix(app).map_err(|e| EvalError::Failed(format!("cannot hash the manifest: {e}")))?;
        Ok(Parts { risk, digest_prefix, app_value, findings, native })
    }

    /// Decides on a prepared app (see [`Engine::prepare`]).
    pub fn evaluate_prepared(&self, app: &PreparedApp, ctx: &Context) -> Result<Decision> {
        if app.inner.engine != self.inner.id {
            // Prepared by another engine, whose data may differ (also one since dropped,
            // whose memory this engine may now occupy: hence an id, not an address).
            return self.evaluate(&app.inner.manifest, ctx);
        }
        self.decide(&app.inner.manifest, Cow::Borrowed(&app.inner.parts), ctx).map(|(d, _)| d)
    }
}

/// `input.app`: the manifest, with only the members of it and of its
/// `spec` that the policies read (see [`input::Needs`]).
fn app_value(app: &Manifest, needs: &input::Needs) -> Result<regorus::Value, rvalue::ConvertError> {
    if needs.app.is_all() && needs.spec.is_all() {
        return rvalue::to_value(app);
    }
    let mut value = rvalue::to_value_fields(app, &|k| k != "spec" && needs.app.has(k))?;
    if needs.app.has("spec") {
        let spec = rvalue::to_value_fields(&app.spec, &|k| needs.spec.has(k))?;
        value
            .as_object_mut()
            .map_err(|e| rvalue::ConvertError(e.to_string()))?
            .insert(regorus::Value::from("spec"), spec);
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EngineOptions;

    const APP: &str = r#"
apiVersion: microgov.dev/v1
kind: MicroApp
metadata: { name: deploy-helper, owner: ops.lead@acme.example, createdAt: 2026-11-01T09:00:00Z }
spec:
  environment: staging
  auth: { sso: oidc, mfa: true }
  datasets: [{ name: tickets, classification: internal }]
"#;

    #[test]
    fn an_engine_where_a_dropped_one_lived_does_not_trust_its_prepared_apps() {
        let ctx = Context::at("2026-11-26T10:00:00Z".parse().unwrap()).with_decision_id("d-1");
        let staging = |weight: u32| {
            EngineOptions::default()
                .data(serde_json::json!({"microgov": {"governance": {"risk": {"environment": {"staging": weight}}}}}))
        };
        let a = Engine::with_options(staging(5)).unwrap();
        let app = a.parse_manifest(APP).unwrap();
        let prepared = a.prepare(&app).unwrap();
        drop(a);
        // Other data: staging weighs 40 more in the risk score. This engine may or may not
        // land where the dropped one lived (with an address for a name, when it did, it
        // trusted the old parts); by id it never takes them.
        let b = Engine::with_options(staging(45)).unwrap();
        let d = b.evaluate_prepared(&prepared, &ctx).unwrap();
        assert_eq!(d, b.evaluate(&app, &ctx).unwrap());
        assert_eq!(d.risk.score, prepared.risk().score + 40);
    }

    #[test]
    fn a_clone_shares_the_engine_id_and_another_engine_does_not() {
        let a = Engine::new().unwrap();
        let b = a.clone();
        assert_eq!(a.inner.id, b.inner.id);
        assert_ne!(a.inner.id, Engine::new().unwrap().inner.id);
    }
}
