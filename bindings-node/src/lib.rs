//! Node.js binding of microgov (npm package `microgov`).
//!
//! Thin (binding code converts, maps errors and schedules; anything two bindings
//! need lives in `microgov::ffi`): it reads arguments, calls the core, shapes the
//! results as plain objects with the core's snake_case keys, maps errors to
//! `Error`s with the core's stable `code`, and runs the async variants on the
//! libuv pool. Every entry point catches panics, so none reaches Node.

// Under `cfg(test)` napi-derive registers no exports, so the `#[napi]` free
// functions and what only they use look unused to the unit-test build.
#![cfg_attr(test, allow(dead_code))]

mod approve;
mod audit;
mod convert;
mod egress;
mod errors;
mod export;
mod group_commit;
mod json;
mod prepared;
mod tasks;
mod view;

use convert::{check_keys, options, plain_json, prop, string_arg, string_list, Batch, EvalOptions, ManifestArg};
use errors::{guard, guard_js, Failure};
use json::Plain;
use microgov::engine::EgressVerdict;
use microgov::ffi::HostArg;
use microgov::model::Problem;
use microgov::{Decision, EngineOptions};
use napi::bindgen_prelude::{AsyncTask, Env, JsObjectValue, JsValue, Result, Unknown};
use napi_derive::napi;
use prepared::PreparedApp;
use tasks::{EvaluateManyTask, EvaluateTask};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A compiled set of policies: the bundled ones plus the host's. Build it once
/// and reuse it; every call evaluates against the same compiled program.
#[napi]
pub struct Engine {
    inner: microgov::Engine,
}

#[napi]
impl Engine {
    /// Compiles the bundled policies and those of `policyDirs` (OPA bundle
    /// folders) and `bundles` (`.tar.gz`), with `data` merged over their data.
    #[napi(constructor, ts_args_type = "options?: EngineOptions | undefined | null")]
    pub fn new(env: Env, options: Option<Unknown<'_>>) -> Result<Self> {
        let opts = guard_js(&env, || engine_options(&env, options))?;
        let inner = guard_js(&env, || microgov::Engine::with_options(opts).map_err(Failure::from))?;
        Ok(Engine { inner })
    }

    /// Decides on one app. `manifest` is an object or YAML/JSON text.
    #[napi(
        ts_args_type = "manifest: ManifestInput, options?: EvaluateOptions | undefined | null",
        ts_return_type = "Decision"
    )]
    pub fn evaluate(&self, env: Env, manifest: Unknown<'_>, options: Option<Unknown<'_>>) -> Result<Plain<Decision>> {
        let request = guard_js(&env, || {
            let manifest = ManifestArg::read(&env, &manifest, "manifest")?;
            Ok(EvalOptions::read(&env, options)?.request(manifest))
        })?;
        guard_js(&env, || request.run(&self.inner)).map(Plain)
    }

    /// `evaluate` on the libuv thread pool: the event loop stays free while
    /// the policies run. Arguments are read before it returns.
    #[napi(
        ts_args_type = "manifest: ManifestInput, options?: EvaluateOptions | undefined | null",
        ts_return_type = "Promise<Decision>"
    )]
    pub fn evaluate_async(
        &self,
        env: Env,
        manifest: Unknown<'_>,
        options: Option<Unknown<'_>>,
    ) -> Result<AsyncTask<EvaluateTask>> {
        let request = guard_js(&env, || {
            let manifest = ManifestArg::read(&env, &manifest, "manifest")?;
            Ok(EvalOptions::read(&env, options)?.request(manifest))
        })?;
        Ok(AsyncTask::new(EvaluateTask { engine: self.inner.clone(), request }))
    }

    /// Decides on many apps in parallel (threads inside the core). One entry
    /// per manifest, in order: its decision, or the `Error` it failed with.
    #[napi(
        ts_args_type = "manifests: ManifestInput[], options?: EvaluateOptions | undefined | null",
        ts_return_type = "Array<Decision | MicrogovError>"
    )]
    pub fn evaluate_many(&self, env: Env, manifests: Unknown<'_>, options: Option<Unknown<'_>>) -> Result<Batch> {
        let (opts, texts) = guard_js(&env, || read_batch(&env, &manifests, options))?;
        guard_js(&env, || tasks::evaluate_many(&self.inner, &opts, &texts)).map(Batch)
    }

    /// `evaluateMany` off the JavaScript thread.
    #[napi(
        ts_args_type = "manifests: ManifestInput[], options?: EvaluateOptions | undefined | null",
        ts_return_type = "Promise<Array<Decision | MicrogovError>>"
    )]
    pub fn evaluate_many_async(
        &self,
        env: Env,
        manifests: Unknown<'_>,
        options: Option<Unknown<'_>>,
    ) -> Result<AsyncTask<EvaluateManyTask>> {
        let (opts, texts) = guard_js(&env, || read_batch(&env, &manifests, options))?;
        Ok(AsyncTask::new(EvaluateManyTask { engine: self.inner.clone(), options: opts, manifests: texts }))
    }

    /// Validates an app once and computes everything that depends on the
    /// manifest alone (risk, region lookups, detector findings), for a
    /// service that decides on the same app again and again: pass the
    /// result wherever a manifest goes (`evaluate` then skips that work).
    /// Throws `manifest.invalid` like `evaluate`.
    #[napi(ts_args_type = "manifest: ManifestInput")]
    pub fn prepare(&self, env: Env, manifest: Unknown<'_>) -> Result<PreparedApp> {
        let manifest = guard_js(&env, || ManifestArg::read(&env, &manifest, "manifest"))?;
        guard_js(&env, || {
            let inner = match &manifest {
                ManifestArg::Prepared(app) => app.clone(),
                _ => self.inner.prepare(&*manifest.manifest(&self.inner)?)?,
            };
            Ok(PreparedApp { inner })
        })
    }

    /// Every problem of a manifest at once (an empty array when it is valid),
    /// with this engine's region catalog and limits. Does not evaluate.
    #[napi(ts_args_type = "manifest: ManifestInput", ts_return_type = "Problem[]")]
    pub fn validate(&self, env: Env, manifest: Unknown<'_>) -> Result<Plain<Vec<Problem>>> {
        let manifest = guard_js(&env, || ManifestArg::read(&env, &manifest, "manifest"))?;
        guard_js(&env, || convert::problems_of(&self.inner, &manifest)).map(Plain)
    }

    /// The manifest after defaults (`expiresAt` ...), as the policies see it
    /// in `input.app`. Throws `manifest.invalid` like `evaluate`.
    #[napi(ts_args_type = "manifest: ManifestInput", ts_return_type = "Manifest")]
    pub fn parse(&self, env: Env, manifest: Unknown<'_>) -> Result<Plain<serde_json::Value>> {
        let manifest = guard_js(&env, || ManifestArg::read(&env, &manifest, "manifest"))?;
        guard_js(&env, || Ok(manifest.manifest(&self.inner)?.to_value())).map(Plain)
    }

    /// The decision with the rule (file, line, metadata) behind each violation
    /// and the input document the policies read.
    #[napi(
        ts_args_type = "manifest: ManifestInput, options?: EvaluateOptions | undefined | null",
        ts_return_type = "Explanation"
    )]
    pub fn explain(
        &self,
        env: Env,
        manifest: Unknown<'_>,
        options: Option<Unknown<'_>>,
    ) -> Result<Plain<microgov::engine::Explanation>> {
        let request = guard_js(&env, || {
            let manifest = ManifestArg::read(&env, &manifest, "manifest")?;
            Ok(EvalOptions::read(&env, options)?.request(manifest))
        })?;
        guard_js(&env, || {
            let manifest = request.manifest.manifest(&self.inner)?;
            let ctx = request.context()?;
            Ok(self.inner.explain(&manifest, &ctx)?)
        })
        .map(Plain)
    }

    /// Whether the app may call `url` now: declared in its `spec.egress` and
    /// allowed by the platform's egress rules. Parses the manifest each call;
    /// for a hot path keep an `egressGuard(manifest)`.
    #[napi(ts_args_type = "manifest: ManifestInput, url: string", ts_return_type = "EgressVerdict")]
    pub fn check_egress(&self, env: Env, manifest: Unknown<'_>, url: Unknown<'_>) -> Result<Plain<EgressVerdict>> {
        let (manifest, url) =
            guard_js(&env, || Ok((ManifestArg::read(&env, &manifest, "manifest")?, string_arg(&url, "url")?)))?;
        guard_js(&env, || Ok(self.inner.check_egress(&*manifest.manifest(&self.inner)?, &url))).map(Plain)
    }

    /// The app's egress entries parsed and checked once: `guard.check(url)`
    /// answers like `checkEgress`, in microseconds.
    #[napi]
    pub fn egress_guard(
        &self,
        env: Env,
        #[napi(ts_arg_type = "ManifestInput")] manifest: Unknown<'_>,
    ) -> Result<EgressGuard> {
        let manifest = guard_js(&env, || ManifestArg::read(&env, &manifest, "manifest"))?;
        guard_js(&env, || Ok(EgressGuard { inner: self.inner.egress_guard(&*manifest.manifest(&self.inner)?) }))
    }

    /// The fields `connector` must receive masked: the regulated fields of its
    /// datasets, unless it declares `needsRawValues` (the pii policy's `mask`
    /// obligation).
    #[napi]
    pub fn masked_fields(
        &self,
        env: Env,
        #[napi(ts_arg_type = "ManifestInput")] manifest: Unknown<'_>,
        #[napi(ts_arg_type = "string")] connector: Unknown<'_>,
    ) -> Result<Vec<String>> {
        let (manifest, connector) = guard_js(&env, || {
            Ok((ManifestArg::read(&env, &manifest, "manifest")?, string_arg(&connector, "connector")?))
        })?;
        guard_js(&env, || Ok(self.inner.masked_fields(&*manifest.manifest(&self.inner)?, &connector)))
    }

    /// A copy of `record` with every member named like a masked field of
    /// `connector`, at any depth, replaced by `"****"`.
    #[napi(
        ts_generic_types = "T extends Record<string, unknown>",
        ts_args_type = "manifest: ManifestInput, connector: string, record: T",
        ts_return_type = "T"
    )]
    pub fn redact(
        &self,
        env: Env,
        manifest: Unknown<'_>,
        connector: Unknown<'_>,
        record: Unknown<'_>,
    ) -> Result<Plain<serde_json::Value>> {
        let (manifest, connector, record) = guard_js(&env, || {
            let manifest = ManifestArg::read(&env, &manifest, "manifest")?;
            let connector = string_arg(&connector, "connector")?;
            let record: serde_json::Value =
                serde_json::from_str(&plain_json(&env, &record, "record", HostArg::Input("record"))?)
                    .map_err(|e| Failure::arg_value(format!("record: {e}")))?;
            Ok((manifest, connector, record))
        })?;
        guard_js(&env, || Ok(self.inner.redact(&*manifest.manifest(&self.inner)?, &connector, &record))).map(Plain)
    }

    /// Where the app stands at `now` (default: the clock), with the bundle
    /// data's expiring window: `{ state: 'active' | 'expiring', days_left }`,
    /// `{ state: 'expired', days_ago }` or `{ state: 'retired' }`.
    #[napi(
        ts_args_type = "manifest: ManifestInput, now?: string | Date | undefined | null",
        ts_return_type = "LifecycleState"
    )]
    pub fn lifecycle(
        &self,
        env: Env,
        manifest: Unknown<'_>,
        now: Option<Unknown<'_>>,
    ) -> Result<Plain<microgov::model::lifecycle::LifecycleState>> {
        let (manifest, now) =
            guard_js(&env, || Ok((ManifestArg::read(&env, &manifest, "manifest")?, optional_time(now, "now")?)))?;
        guard_js(&env, || {
            let app = manifest.manifest(&self.inner)?;
            Ok(self.inner.lifecycle(&app, now.unwrap_or_else(chrono::Utc::now)))
        })
        .map(Plain)
    }

    /// Renews the app to `newExpiry` and returns the renewed manifest (as
    /// `parse` gives it). The new expiry must be after `now` (default: the
    /// clock) and at most the bundle data's `lifecycle.max_days` from it;
    /// refusals throw `lifecycle.retired`, `lifecycle.in_past` or
    /// `lifecycle.too_long`.
    #[napi(
        ts_args_type = "manifest: ManifestInput, newExpiry: string | Date, now?: string | Date | undefined | null",
        ts_return_type = "Manifest"
    )]
    pub fn renew(
        &self,
        env: Env,
        manifest: Unknown<'_>,
        new_expiry: Unknown<'_>,
        now: Option<Unknown<'_>>,
    ) -> Result<Plain<serde_json::Value>> {
        let (manifest, new_expiry, now) = guard_js(&env, || {
            let new_expiry = convert::read_time(&new_expiry, "newExpiry")?;
            Ok((ManifestArg::read(&env, &manifest, "manifest")?, new_expiry, optional_time(now, "now")?))
        })?;
        guard_js(&env, || {
            let app = manifest.manifest(&self.inner)?;
            let now = now.unwrap_or_else(chrono::Utc::now);
            Ok(self.inner.renew(&app, new_expiry, now)?.to_value())
        })
        .map(Plain)
    }

    /// Retires the app at `now` (default: the clock) and returns the manifest
    /// with `metadata.retiredAt` set (as `parse` gives it): from then on
    /// `lifecycle` says `retired`, the policies deny it and `renew` refuses it.
    #[napi(
        ts_args_type = "manifest: ManifestInput, now?: string | Date | undefined | null",
        ts_return_type = "Manifest"
    )]
    pub fn retire(
        &self,
        env: Env,
        manifest: Unknown<'_>,
        now: Option<Unknown<'_>>,
    ) -> Result<Plain<serde_json::Value>> {
        let (manifest, now) =
            guard_js(&env, || Ok((ManifestArg::read(&env, &manifest, "manifest")?, optional_time(now, "now")?)))?;
        guard_js(&env, || {
            let app = manifest.manifest(&self.inner)?;
            Ok(self.inner.retire(&app, now.unwrap_or_else(chrono::Utc::now)).to_value())
        })
        .map(Plain)
    }

    /// Grants an approval of the app as it is now: checked as a decision would
    /// check it, bound to the app's material view (`digest`, `reviewed`) and
    /// signed when `key` (a `PRIVATE+KEY+...` string) is given; what
    /// `microgov approve` writes. Returns the approval as an approvals file
    /// holds it (camelCase keys), to pass in `approvals`. An approval that
    /// could never count throws `manifest.invalid` with one problem
    /// `manifest.approval_would_not_count` pointing at the member to change.
    #[napi(ts_args_type = "manifest: ManifestInput, options: ApproveOptions", ts_return_type = "Approval")]
    pub fn approve(
        &self,
        env: Env,
        manifest: Unknown<'_>,
        options: Option<Unknown<'_>>,
    ) -> Result<Plain<serde_json::Value>> {
        let (manifest, (grant, key)) = guard_js(&env, || {
            Ok((ManifestArg::read(&env, &manifest, "manifest")?, approve::read_grant(&env, options)?))
        })?;
        guard_js(&env, || {
            let app = manifest.manifest(&self.inner)?;
            Ok(self.inner.grant(&app, &grant, key.as_ref())?.to_document())
        })
        .map(Plain)
    }

    /// Revision of each loaded policy bundle, by bundle name.
    #[napi(getter, ts_return_type = "Record<string, string>")]
    pub fn policy_revisions(&self) -> Plain<std::collections::BTreeMap<String, String>> {
        Plain(self.inner.bundles().iter().map(|b| (b.name.clone(), b.revision.clone())).collect())
    }
}

/// An app's egress entries, parsed and checked once (`engine.egressGuard(manifest)`).
#[napi]
pub struct EgressGuard {
    inner: microgov::engine::EgressGuard,
}

#[napi]
impl EgressGuard {
    /// Whether the app may call `url` now.
    #[napi(ts_args_type = "url: string", ts_return_type = "EgressVerdict")]
    pub fn check(&self, env: Env, url: Unknown<'_>) -> Result<Plain<EgressVerdict>> {
        guard_js(&env, || Ok(self.inner.check(&string_arg(&url, "url")?))).map(Plain)
    }
}

/// An optional time argument (absent, `undefined` or `null`: none).
fn optional_time(
    value: Option<Unknown<'_>>,
    what: &str,
) -> std::result::Result<Option<chrono::DateTime<chrono::Utc>>, Failure> {
    match value {
        Some(v) if !matches!(v.get_type(), Ok(napi::ValueType::Undefined | napi::ValueType::Null)) => {
            convert::read_time(&v, what).map(Some)
        }
        _ => Ok(None),
    }
}

/// `new Engine({ policyDirs, bundles, data, withoutBundled, trustClaimedRoles })`.
fn engine_options(env: &Env, value: Option<Unknown<'_>>) -> std::result::Result<EngineOptions, Failure> {
    let mut opts = EngineOptions::default();
    let Some(obj) = options(value, "options")? else { return Ok(opts) };
    check_keys(&obj, &["policyDirs", "bundles", "data", "withoutBundled", "trustClaimedRoles"], "options")?;
    opts.policy_dirs = string_list(&obj, "policyDirs")?.into_iter().map(Into::into).collect();
    opts.bundles = string_list(&obj, "bundles")?.into_iter().map(Into::into).collect();
    if let Some(v) = prop(&obj, "data")? {
        let text = plain_json(env, &v, "options.data", HostArg::Input("data"))?;
        let data: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| Failure::arg_value(format!("options.data: {e}")))?;
        if !data.is_null() {
            opts.data = Some(data);
        }
    }
    if let Some(v) = prop(&obj, "trustClaimedRoles")? {
        opts.trust_claimed_roles =
            v.coerce_to_bool().map_err(|_| Failure::arg_type("options.trustClaimedRoles must be a boolean"))?;
    }
    if let Some(v) = prop(&obj, "withoutBundled")? {
        opts.without_bundled =
            v.coerce_to_bool().map_err(|_| Failure::arg_type("options.withoutBundled must be a boolean"))?;
    }
    Ok(opts)
}

/// A batch's manifests as texts, and its shared options.
fn read_batch(
    env: &Env,
    manifests: &Unknown<'_>,
    options: Option<Unknown<'_>>,
) -> std::result::Result<(convert::Request, Vec<ManifestArg>), Failure> {
    if !manifests.is_array().unwrap_or(false) {
        return Err(Failure::arg_type("manifests must be an array"));
    }
    let arr = napi::bindgen_prelude::Object::from_raw(env.raw(), napi::bindgen_prelude::JsValue::raw(manifests));
    let len = arr.get_array_length().map_err(|e| Failure::arg_type(e.to_string()))?;
    let mut texts = Vec::with_capacity(len as usize);
    for i in 0..len {
        let item: Unknown<'_> = arr.get_element(i).map_err(|e| Failure::arg_type(e.to_string()))?;
        // An item that cannot be read gets its error in its own slot.
        texts.push(ManifestArg::read(env, &item, &format!("manifests[{i}]")).unwrap_or_else(ManifestArg::Failed));
    }
    Ok((EvalOptions::read(env, options)?.request(ManifestArg::default()), texts))
}

/// Bench support (benches/node/bench.mjs): times `iterations` calls of the
/// core's `Engine::evaluate` on an already parsed manifest, in Rust, and
/// returns each call's nanoseconds (`withParse`: parse the text each time
/// too), so that the Node figures can be compared
/// with the engine's own, measured in the same process at the same time.
#[doc(hidden)]
#[napi(js_name = "__benchRustEvaluate", skip_typescript)]
pub fn bench_rust_evaluate(
    env: Env,
    engine: &Engine,
    manifest: String,
    iterations: u32,
    with_parse: bool,
) -> Result<Vec<f64>> {
    guard_js(&env, || {
        let app = engine.inner.parse_manifest(&manifest)?;
        let now = chrono::DateTime::parse_from_rfc3339("2026-11-26T10:00:00Z")
            .map_err(|e| Failure::internal(e.to_string()))?
            .with_timezone(&chrono::Utc);
        let ctx = microgov::Context::at(now).with_decision_id("bench");
        let mut out = Vec::with_capacity(iterations as usize);
        for _ in 0..iterations {
            let t = std::time::Instant::now();
            if with_parse {
                drop(engine.inner.evaluate(&engine.inner.parse_manifest(&manifest)?, &ctx)?);
            } else {
                drop(engine.inner.evaluate(&app, &ctx)?);
            }
            out.push(t.elapsed().as_nanos() as f64);
        }
        Ok(out)
    })
}

/// Panics inside Rust on purpose, to test that the boundary turns a panic into
/// an `Error` (code `internal`) instead of a crashed process.
#[doc(hidden)]
#[napi(js_name = "__panicForTesting", skip_typescript)]
pub fn panic_for_testing(env: Env, message: String) -> Result<()> {
    guard_js(&env, || -> std::result::Result<(), Failure> { errors::quiet_panic(message) })
}

/// The async variant of `__panicForTesting`: the panic happens on a libuv thread.
#[doc(hidden)]
#[napi(js_name = "__panicForTestingAsync", skip_typescript)]
pub fn panic_for_testing_async(message: String) -> AsyncTask<PanicTask> {
    AsyncTask::new(PanicTask { message })
}

/// A task that panics in `compute`.
#[doc(hidden)]
pub struct PanicTask {
    message: String,
}

impl napi::bindgen_prelude::Task for PanicTask {
    type Output = std::result::Result<(), Failure>;
    type JsValue = ();

    fn compute(&mut self) -> Result<Self::Output> {
        let message = self.message.clone();
        Ok(guard(move || -> std::result::Result<(), Failure> { errors::quiet_panic(message) }))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> Result<Self::JsValue> {
        output.map_err(|f| f.into_napi(&env))
    }
}
