//! `microgov._microgov`: the compiled half of the `microgov` Python package.
//!
//! Thin by design: it converts Python values to the core's types, releases
//! the GIL while the core parses and evaluates, and maps errors to the
//! `microgov.errors` hierarchy. Policies are compiled once per [`Engine`];
//! nothing is parsed or compiled per call.

mod audit;
mod convert;
mod doc;
mod errors;
mod many;

use convert::{approvals_arg, load_approvals, load_manifest, time_arg, to_json, Source};
use errors::{guard, problem_list, BindError};
use microgov::Context;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use std::fmt::Write as _;
use std::path::PathBuf;

// Only Rust's own allocations use it; Python objects keep Python's allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A compiled set of policies that decides on micro apps.
///
/// Build it once (compiling the policies is the expensive part) and share it:
/// an ``Engine`` is immutable and safe to use from many threads at once, and
/// ``evaluate`` releases the GIL while it runs.
///
/// Args:
///     policy_dirs: folders of Rego policies and data (OPA bundle layout),
///         added to the bundled policies.
///     bundles: OPA bundle tarballs (``.tar.gz``).
///     data: a dict merged over the bundles' data (objects merge, other
///         values replace), e.g. ``{"microgov": {"governance": {...}}}``.
///
/// Raises:
///     PolicyError: a policy does not parse or compile, or the data is invalid.
///     IoError: a folder or bundle cannot be read.
#[pyclass(frozen, module = "microgov", name = "Engine")]
pub struct Engine {
    // `microgov::Engine` is itself an `Arc` handle: cloning it is cheap, and
    // it is `Send + Sync`, so threads share one compiled program.
    inner: microgov::Engine,
}

/// What the evaluation methods share: the approvals, time and extras of one call.
struct CallContext {
    approvals: Option<Source>,
    now: Option<chrono::DateTime<chrono::Utc>>,
    decision_id: Option<String>,
    extra: serde_json::Value,
}

impl CallContext {
    fn read(
        approvals: Option<&Bound<'_, PyAny>>,
        now: Option<&Bound<'_, PyAny>>,
        decision_id: Option<String>,
        extra: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<CallContext> {
        let extra = match extra {
            Some(e) if !e.is_none() => to_json(e, "")?,
            _ => serde_json::Value::Null,
        };
        Ok(CallContext { approvals: approvals_arg(approvals)?, now: time_arg(now, "now")?, decision_id, extra })
    }

    /// The core context (parses the approvals; no GIL needed).
    fn build(self) -> Result<Context, BindError> {
        Ok(Context {
            now: self.now,
            decision_id: self.decision_id,
            approvals: load_approvals(self.approvals)?,
            extra: self.extra,
        })
    }
}

impl Engine {
    /// Validates the manifest `src` holds and runs `f` on it, both with the
    /// GIL released; a panic becomes a `MicrogovError`.
    fn on_manifest<T: Send>(
        &self,
        py: Python<'_>,
        src: Source,
        f: impl FnOnce(&microgov::Engine, microgov::Manifest) -> Result<T, BindError> + Send,
    ) -> PyResult<T> {
        let engine = &self.inner;
        py.detach(|| guard(|| f(engine, load_manifest(engine, src)?))).map_err(|e| e.into_pyerr(py))
    }
}

#[pymethods]
impl Engine {
    #[new]
    #[pyo3(signature = (policy_dirs=None, bundles=None, data=None))]
    fn new(
        py: Python<'_>,
        policy_dirs: Option<Vec<PathBuf>>,
        bundles: Option<Vec<PathBuf>>,
        data: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let data = match data {
            Some(d) if !d.is_none() => Some(to_json(d, "")?),
            _ => None,
        };
        let opts = microgov::EngineOptions {
            policy_dirs: policy_dirs.unwrap_or_default(),
            bundles: bundles.unwrap_or_default(),
            data,
            ..microgov::EngineOptions::default()
        };
        py.detach(|| guard(|| Ok(microgov::Engine::with_options(opts)?)))
            .map(|inner| Engine { inner })
            .map_err(|e| e.into_pyerr(py))
    }

    /// Decides on one app.
    ///
    /// Args:
    ///     manifest: the app manifest: a dict (as ``yaml.safe_load`` or
    ///         ``json.load`` give it), YAML or JSON text, or a path
    ///         (``str`` or ``os.PathLike``) of a manifest file.
    ///     approvals: approvals and exceptions: a list of dicts, YAML/JSON
    ///         text or a path.
    ///     now: evaluation time, a ``datetime`` (naive means UTC) or an
    ///         RFC 3339 string; the clock when omitted.
    ///     decision_id: fixes the decision id (a new UUID v7 otherwise).
    ///     extra: free-form context the policies see as ``input.context.extra``.
    ///
    /// Returns:
    ///     Decision: outcome, tier, violations, required approvals ...
    ///
    /// Raises:
    ///     ManifestError: the manifest or approvals are invalid (``.problems``).
    ///     PolicyError: a policy failed while evaluating.
    ///     FileNotFoundError: ``manifest`` names a file that does not exist.
    #[pyo3(signature = (manifest, approvals=None, now=None, *, decision_id=None, extra=None))]
    fn evaluate(
        &self,
        py: Python<'_>,
        manifest: &Bound<'_, PyAny>,
        approvals: Option<&Bound<'_, PyAny>>,
        now: Option<&Bound<'_, PyAny>>,
        decision_id: Option<String>,
        extra: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Decision> {
        let src = Source::manifest(&self.inner, manifest)?;
        let ctx = CallContext::read(approvals, now, decision_id, extra)?;
        let engine = &self.inner;
        py.detach(|| guard(|| many::decide(engine, &ctx.build()?, src)))
            .map(|inner| Decision { inner })
            .map_err(|e| e.into_pyerr(py))
    }

    /// Decides on many apps in parallel (all cores; the GIL is held only to
    /// read each manifest and to build the results, while earlier ones are
    /// being decided).
    ///
    /// Args:
    ///     manifests: an iterable of manifests, each as ``evaluate`` takes it.
    ///     approvals: approvals for all of them (each approval names its app).
    ///     now: evaluation time, as for ``evaluate``.
    ///     extra: free-form context, as for ``evaluate``.
    ///     return_exceptions: when true, a manifest that fails gives its
    ///         exception in its place in the result (as ``asyncio.gather``
    ///         does); when false (the default) the first failure is raised.
    ///
    /// Returns:
    ///     list: one ``Decision`` (or exception) per manifest, in order.
    #[pyo3(signature = (manifests, approvals=None, now=None, *, extra=None, return_exceptions=false))]
    fn evaluate_many(
        &self,
        py: Python<'_>,
        manifests: &Bound<'_, PyAny>,
        approvals: Option<&Bound<'_, PyAny>>,
        now: Option<&Bound<'_, PyAny>>,
        extra: Option<&Bound<'_, PyAny>>,
        return_exceptions: bool,
    ) -> PyResult<Py<PyList>> {
        if manifests.is_instance_of::<PyString>() || manifests.is_instance_of::<PyDict>() {
            return Err(PyTypeError::new_err("manifests must be an iterable of manifests (use evaluate() for one)"));
        }
        let ctx = CallContext::read(approvals, now, None, extra)?;
        let engine = &self.inner;
        let ctx = py.detach(|| guard(|| ctx.build())).map_err(|e| e.into_pyerr(py))?;
        let out = PyList::empty(py);
        many::evaluate_many(py, engine, &ctx, manifests, |outcomes| {
            for r in outcomes {
                match r {
                    Ok(d) => out.append(Py::new(py, Decision { inner: d })?)?,
                    Err(e) if return_exceptions => out.append(e.into_pyerr(py).into_value(py))?,
                    Err(e) => return Err(e.into_pyerr(py)),
                }
            }
            Ok(())
        })?;
        Ok(out.unbind())
    }

    /// Validates a manifest and returns every problem (an empty list when it is valid).
    ///
    /// Each problem is a dict with ``code`` (e.g. ``manifest.unknown_key``),
    /// ``path`` (a JSON pointer into the document as written) and ``message``.
    /// Takes the manifest in any form ``evaluate`` takes.
    fn validate<'py>(&self, py: Python<'py>, manifest: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyList>> {
        let src = Source::manifest(&self.inner, manifest)?;
        let engine = &self.inner;
        match py.detach(|| load_manifest(engine, src)) {
            Ok(_) => Ok(PyList::empty(py)),
            Err(BindError::Core(microgov::Error::Manifest(m))) => problem_list(py, &m.problems),
            Err(e) => Err(e.into_pyerr(py)),
        }
    }

    /// Validates a manifest and returns it after defaults (``expiresAt``,
    /// normalized endpoints ...) as a dict with the manifest's own camelCase keys.
    ///
    /// Raises:
    ///     ManifestError: the manifest is invalid (``.problems``).
    fn parse<'py>(&self, py: Python<'py>, manifest: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let src = Source::manifest(&self.inner, manifest)?;
        let engine = &self.inner;
        let app = py.detach(|| load_manifest(engine, src)).map_err(|e| e.into_pyerr(py))?;
        Ok(pythonize::pythonize(py, &app.to_value())?)
    }

    /// Decides on one app and says where each violation came from.
    ///
    /// Takes the arguments of ``evaluate``. Returns a dict with ``decision``
    /// (as ``Decision.to_dict()``), ``violations`` and ``waived`` (each
    /// violation with the rule's ``source``: file, line and metadata) and
    /// ``input`` (the document the policies read, for ``opa eval``).
    #[pyo3(signature = (manifest, approvals=None, now=None, *, decision_id=None, extra=None))]
    fn explain<'py>(
        &self,
        py: Python<'py>,
        manifest: &Bound<'py, PyAny>,
        approvals: Option<&Bound<'py, PyAny>>,
        now: Option<&Bound<'py, PyAny>>,
        decision_id: Option<String>,
        extra: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let src = Source::manifest(&self.inner, manifest)?;
        let ctx = CallContext::read(approvals, now, decision_id, extra)?;
        let explanation = self.on_manifest(py, src, |engine, app| Ok(engine.explain(&app, &ctx.build()?)?))?;
        Ok(pythonize::pythonize(py, &explanation)?)
    }

    /// Whether the app may call ``url`` now: declared in its ``spec.egress``
    /// and allowed by the platform's egress rules (bundle data).
    ///
    /// Parses the manifest on each call; on a hot path keep an
    /// ``egress_guard(manifest)`` per app and call its ``check``.
    ///
    /// Returns:
    ///     EgressVerdict: ``.allowed``, ``.code`` (``allowed``, ``not_declared``,
    ///     ``internal_address`` ...), ``.reason``, ``.matched``.
    fn check_egress(&self, py: Python<'_>, manifest: &Bound<'_, PyAny>, url: &str) -> PyResult<EgressVerdict> {
        Ok(self.egress_guard(py, manifest)?.check(url))
    }

    /// The app's egress entries parsed and checked once, for fast runtime
    /// checks (``guard.check(url)``, about a microsecond). Thread-safe.
    fn egress_guard(&self, py: Python<'_>, manifest: &Bound<'_, PyAny>) -> PyResult<EgressGuard> {
        let src = Source::manifest(&self.inner, manifest)?;
        self.on_manifest(py, src, |engine, app| Ok(EgressGuard { inner: engine.egress_guard(&app) }))
    }

    /// The fields ``connector`` must receive masked: the regulated fields of
    /// its datasets, unless it declares ``needsRawValues``.
    fn masked_fields(&self, py: Python<'_>, manifest: &Bound<'_, PyAny>, connector: &str) -> PyResult<Vec<String>> {
        let src = Source::manifest(&self.inner, manifest)?;
        self.on_manifest(py, src, |engine, app| Ok(engine.masked_fields(&app, connector)))
    }

    /// Applies the mask obligation for ``connector`` to a JSON-like record:
    /// every member named like a masked field, at any depth, becomes ``"****"``.
    /// Returns a new record; the argument is not changed.
    fn redact<'py>(
        &self,
        py: Python<'py>,
        manifest: &Bound<'py, PyAny>,
        connector: &str,
        record: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let src = Source::manifest(&self.inner, manifest)?;
        let record = to_json(record, "")?;
        let out = self.on_manifest(py, src, |engine, app| Ok(engine.redact(&app, connector, &record)))?;
        Ok(pythonize::pythonize(py, &out)?)
    }

    /// Validates an app once and computes everything that depends on the
    /// manifest alone (risk, region lookups, detector findings), for a
    /// service that decides on the same app again and again: pass the
    /// result to ``evaluate`` (or any method taking a manifest).
    ///
    /// Raises:
    ///     ManifestError: the manifest is invalid.
    fn prepare(&self, py: Python<'_>, manifest: &Bound<'_, PyAny>) -> PyResult<PreparedApp> {
        let src = Source::manifest(&self.inner, manifest)?;
        self.on_manifest(py, src, |engine, app| Ok(PreparedApp { inner: engine.prepare(&app)? }))
    }

    /// Where the app stands at ``now``: ``{"state": "active" | "expiring" |
    /// "expired" | "retired", "days_left" | "days_ago": int}``, with the
    /// expiring window of the bundle data (``lifecycle.expiring_within_days``).
    #[pyo3(signature = (manifest, now=None))]
    fn lifecycle<'py>(
        &self,
        py: Python<'py>,
        manifest: &Bound<'py, PyAny>,
        now: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let src = Source::manifest(&self.inner, manifest)?;
        let now = time_arg(now, "now")?.unwrap_or_else(chrono::Utc::now);
        let state = self.on_manifest(py, src, |engine, app| {
            Ok(microgov::model::lifecycle::state(&app, now, engine.settings().expiring_within_days))
        })?;
        Ok(pythonize::pythonize(py, &state)?)
    }

    /// Renews the app to ``new_expiry`` and returns the renewed manifest (as
    /// ``parse`` gives it). The new expiry must be after ``now`` and at most
    /// the bundle data's ``lifecycle.max_days`` from it.
    ///
    /// Raises:
    ///     LifecycleError: refused (``lifecycle.retired``, ``lifecycle.in_past``,
    ///         ``lifecycle.too_long``).
    #[pyo3(signature = (manifest, new_expiry, now=None))]
    fn renew<'py>(
        &self,
        py: Python<'py>,
        manifest: &Bound<'py, PyAny>,
        new_expiry: &Bound<'py, PyAny>,
        now: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let src = Source::manifest(&self.inner, manifest)?;
        let new_expiry = time_arg(Some(new_expiry), "new_expiry")?
            .ok_or_else(|| PyTypeError::new_err("new_expiry must be a datetime or an RFC 3339 string"))?;
        let now = time_arg(now, "now")?.unwrap_or_else(chrono::Utc::now);
        let renewed = self.on_manifest(py, src, |engine, app| {
            microgov::model::lifecycle::renew(&app, new_expiry, now, engine.settings().max_lifetime_days)
                .map_err(|e| BindError::Core(e.into()))
        })?;
        Ok(pythonize::pythonize(py, &renewed.to_value())?)
    }

    /// Retires the app at ``now`` (default: the clock) and returns the
    /// manifest with ``metadata.retiredAt`` set (as ``parse`` gives it): from
    /// then on ``lifecycle`` says ``retired``, the policies deny it and
    /// ``renew`` refuses it.
    #[pyo3(signature = (manifest, now=None))]
    fn retire<'py>(
        &self,
        py: Python<'py>,
        manifest: &Bound<'py, PyAny>,
        now: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let src = Source::manifest(&self.inner, manifest)?;
        let now = time_arg(now, "now")?.unwrap_or_else(chrono::Utc::now);
        let retired = self.on_manifest(py, src, |_, app| Ok(microgov::model::lifecycle::retire(&app, now)))?;
        Ok(pythonize::pythonize(py, &retired.to_value())?)
    }

    /// The revision of each loaded policy bundle, by bundle name.
    #[getter]
    fn policy_revisions<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for b in self.inner.bundles() {
            d.set_item(&b.name, &b.revision)?;
        }
        Ok(d)
    }

    /// Whether decisions run in regorus's compiled VM (else in its interpreter).
    #[getter]
    fn compiled(&self) -> bool {
        self.inner.is_compiled()
    }

    fn __repr__(&self) -> String {
        let names: Vec<String> = self.inner.bundles().iter().map(|b| format!("'{}'", b.name)).collect();
        format!(
            "<Engine bundles=[{}] compiled={}>",
            names.join(", "),
            if self.inner.is_compiled() { "True" } else { "False" }
        )
    }
}

/// An app validated and pre-computed by ``Engine.prepare``: pass it wherever
/// a manifest goes. Immutable and thread-safe.
#[pyclass(frozen, module = "microgov", name = "PreparedApp")]
pub struct PreparedApp {
    inner: microgov::engine::PreparedApp,
}

#[pymethods]
impl PreparedApp {
    /// The app's ``metadata.name``.
    #[getter]
    fn name(&self) -> &str {
        &self.inner.manifest().metadata.name
    }

    /// The manifest after defaults, as ``Engine.parse`` gives it.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(pythonize::pythonize(py, &self.inner.manifest().to_value())?)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let name = PyString::new(py, &self.inner.manifest().metadata.name).repr()?;
        Ok(format!("<PreparedApp name={}>", name.to_str()?))
    }
}

/// The answer of an egress check. True in a boolean context when allowed.
#[pyclass(frozen, eq, module = "microgov", name = "EgressVerdict")]
#[derive(PartialEq)]
pub struct EgressVerdict {
    inner: microgov::engine::EgressVerdict,
}

#[pymethods]
impl EgressVerdict {
    /// Whether the call may go out.
    #[getter]
    fn allowed(&self) -> bool {
        self.inner.allowed
    }

    /// Stable code: ``allowed``, ``unparseable``, ``suspicious_url``,
    /// ``non_https``, ``port_not_allowed``, ``internal_address``,
    /// ``denied_host``, ``host_not_allowed`` or ``not_declared``.
    #[getter]
    fn code(&self) -> &str {
        &self.inner.code
    }

    /// One line on why.
    #[getter]
    fn reason(&self) -> &str {
        &self.inner.reason
    }

    /// The declared egress entry that matched, when allowed.
    #[getter]
    fn matched(&self) -> Option<&str> {
        self.inner.matched.as_deref()
    }

    /// The verdict as a dict (``allowed``, ``code``, ``reason``, ``matched``).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(pythonize::pythonize(py, &self.inner)?)
    }

    fn __bool__(&self) -> bool {
        self.inner.allowed
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let code = PyString::new(py, &self.inner.code).repr()?;
        Ok(format!(
            "<EgressVerdict allowed={} code={}>",
            if self.inner.allowed { "True" } else { "False" },
            code.to_str()?
        ))
    }
}

/// One app's egress entries, parsed once: ``guard.check(url)`` on the hot
/// path of a service. Immutable and thread-safe; from ``Engine.egress_guard``.
#[pyclass(frozen, module = "microgov", name = "EgressGuard")]
pub struct EgressGuard {
    inner: microgov::engine::EgressGuard,
}

#[pymethods]
impl EgressGuard {
    /// Whether the app may call ``url`` now.
    fn check(&self, url: &str) -> EgressVerdict {
        EgressVerdict { inner: self.inner.check(url) }
    }
}

/// The answer for one app: may it run, at which tier, what is missing.
///
/// Immutable. Attributes mirror the JSON decision of the design
/// (snake_case keys); ``to_dict()`` and ``to_json()`` give the whole of it.
/// List and dict attributes are fresh copies on every access.
#[pyclass(frozen, eq, module = "microgov", name = "Decision")]
#[derive(PartialEq)]
pub struct Decision {
    inner: microgov::Decision,
}

#[pymethods]
impl Decision {
    /// ``"allow"`` (nothing left to do), ``"review"`` (no open violation,
    /// approvals missing) or ``"deny"`` (an open violation).
    #[getter]
    fn outcome(&self) -> &'static str {
        self.inner.outcome.as_str()
    }

    /// Risk tier: ``"low"``, ``"medium"``, ``"high"`` or ``"critical"``.
    #[getter]
    fn tier(&self) -> &'static str {
        self.inner.tier.as_str()
    }

    /// The app's ``metadata.name``.
    #[getter]
    fn app(&self) -> &str {
        &self.inner.app
    }

    /// UUID v7, or the id given to ``evaluate``.
    #[getter]
    fn decision_id(&self) -> &str {
        &self.inner.decision_id
    }

    /// Open violations, each a dict with ``policy``, ``rule``, ``severity``,
    /// ``message`` and, when known, ``path``, ``remediation``, ``exception``,
    /// ``dataset``, ``connector``.
    #[getter]
    fn violations<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(pythonize::pythonize(py, &self.inner.violations)?)
    }

    /// Violations an exception waived: dicts with ``violation`` and ``approval_id``.
    #[getter]
    fn waived<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(pythonize::pythonize(py, &self.inner.waived)?)
    }

    /// Warnings (never deny), shaped like violations.
    #[getter]
    fn warnings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(pythonize::pythonize(py, &self.inner.warnings)?)
    }

    /// Approvals still missing: dicts with ``role``, ``reason`` and, when
    /// scoped, ``dataset`` / ``connector``.
    #[getter]
    fn required_approvals<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(pythonize::pythonize(py, &self.inner.required_approvals)?)
    }

    /// Conditions the platform must apply, e.g. ``{"type": "mask", ...}``.
    #[getter]
    fn obligations<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(pythonize::pythonize(py, &self.inner.obligations)?)
    }

    /// How each supplied approval was judged: dicts with ``id`` and ``status``
    /// (``valid``, ``expired``, ``self_approval`` ...).
    #[getter]
    fn approvals<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(pythonize::pythonize(py, &self.inner.approvals)?)
    }

    /// Risk score (0-100) and its factors: ``{"score": 70, "factors": [...]}``.
    #[getter]
    fn risk<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(pythonize::pythonize(py, &self.inner.risk)?)
    }

    /// Revision of each policy bundle that took part, by bundle name.
    #[getter]
    fn policy_revisions<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(pythonize::pythonize(py, &self.inner.policy_revisions)?)
    }

    /// ``sha256:<hex>`` of the canonical input document the policies read.
    #[getter]
    fn input_digest(&self) -> &str {
        &self.inner.input_digest
    }

    /// Evaluation time, RFC 3339 UTC (a string, as in ``to_dict()``).
    #[getter]
    fn evaluated_at(&self) -> &str {
        &self.inner.evaluated_at
    }

    /// The whole decision as a dict with snake_case keys (the JSON wire format).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(pythonize::pythonize(py, &self.inner)?)
    }

    /// The decision as JSON text (compact, or indented by ``indent`` spaces).
    #[pyo3(signature = (indent=None))]
    fn to_json(&self, py: Python<'_>, indent: Option<usize>) -> PyResult<String> {
        let json = match indent {
            None => serde_json::to_string(&self.inner),
            Some(n) => {
                let pad = " ".repeat(n);
                let mut buf = Vec::new();
                let mut ser = serde_json::Serializer::with_formatter(
                    &mut buf,
                    serde_json::ser::PrettyFormatter::with_indent(pad.as_bytes()),
                );
                serde::Serialize::serialize(&self.inner, &mut ser).map(|_| String::from_utf8_lossy(&buf).into_owned())
            }
        };
        json.map_err(|e| BindError::Panic(e.to_string()).into_pyerr(py))
    }

    /// Reads a decision back from its JSON (as ``to_json()`` or an audit record's
    /// decision gives it).
    ///
    /// Raises:
    ///     ValueError: the text is not a decision.
    #[staticmethod]
    fn from_json(text: &str) -> PyResult<Decision> {
        serde_json::from_str(text)
            .map(|inner| Decision { inner })
            .map_err(|e| pyo3::exceptions::PyValueError::new_err(format!("not a decision: {e}")))
    }

    /// Pickles as its JSON, so decisions cross process boundaries
    /// (``multiprocessing``, ``joblib``) unchanged.
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        let from_json = py.get_type::<Decision>().getattr("from_json")?;
        Ok((from_json, (self.to_json(py, None)?,)))
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let app = PyString::new(py, &self.inner.app).repr()?;
        Ok(format!(
            "<Decision app={} outcome='{}' tier='{}' violations={}>",
            app.to_str()?,
            self.inner.outcome.as_str(),
            self.inner.tier.as_str(),
            self.inner.violations.len()
        ))
    }

    /// HTML for Jupyter: outcome, tier, risk, violations and missing approvals.
    fn _repr_html_(&self) -> String {
        render_html(&self.inner)
    }
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn render_html(d: &microgov::Decision) -> String {
    let colour = match d.outcome {
        microgov::Outcome::Allow => "#1a7f37",
        microgov::Outcome::Review => "#9a6700",
        microgov::Outcome::Deny => "#cf222e",
    };
    let mut h = String::new();
    let _ = write!(
        h,
        "<div class=\"microgov-decision\"><p><b>{}</b> &mdash; <span style=\"color:{colour};font-weight:bold\">{}</span> &middot; tier <b>{}</b> &middot; risk {}/100</p>",
        esc(&d.app),
        d.outcome.as_str(),
        d.tier.as_str(),
        d.risk.score
    );
    if d.violations.is_empty() {
        h.push_str("<p>No open violations.</p>");
    } else {
        h.push_str("<table><thead><tr><th>policy</th><th>rule</th><th>severity</th><th>message</th><th>path</th><th>remediation</th></tr></thead><tbody>");
        for v in &d.violations {
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
                esc(&v.policy),
                esc(&v.rule),
                esc(v.severity.as_str()),
                esc(&v.message),
                esc(v.path.as_deref().unwrap_or("")),
                esc(v.remediation.as_deref().unwrap_or(""))
            );
        }
        h.push_str("</tbody></table>");
    }
    if !d.required_approvals.is_empty() {
        h.push_str("<p>Required approvals: ");
        let items: Vec<String> =
            d.required_approvals.iter().map(|r| format!("<b>{}</b> ({})", esc(&r.role), esc(&r.reason))).collect();
        h.push_str(&items.join(", "));
        h.push_str("</p>");
    }
    if !d.waived.is_empty() {
        let _ = write!(h, "<p>{} violation(s) waived by exceptions.</p>", d.waived.len());
    }
    h.push_str("</div>");
    h
}

/// Panics inside the boundary guard. Exists only so that the test suite can
/// show a Rust panic reaching Python as `MicrogovError` (code `internal`)
/// rather than as a crash or pyo3's `PanicException`; not part of the API.
#[pyfunction]
#[allow(clippy::panic)]
fn _guarded_panic(py: Python<'_>) -> PyResult<()> {
    py.detach(|| guard(|| -> Result<(), BindError> { panic!("deliberate panic from microgov's test hook") }))
        .map_err(|e| e.into_pyerr(py))
}

/// The compiled module `microgov._microgov`; `microgov/__init__.py` re-exports it.
#[pymodule]
fn _microgov(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<Engine>()?;
    m.add_class::<Decision>()?;
    m.add_class::<PreparedApp>()?;
    m.add_class::<EgressVerdict>()?;
    m.add_class::<EgressGuard>()?;
    m.add_class::<audit::AuditLog>()?;
    m.add_class::<audit::VerifyReport>()?;
    m.add_function(wrap_pyfunction!(audit::verify_audit, m)?)?;
    m.add_function(wrap_pyfunction!(audit::generate_audit_key, m)?)?;
    errors::register(m)?;
    // Set, not added: private, so it stays out of `__all__` and the stubs.
    m.setattr("_guarded_panic", wrap_pyfunction!(_guarded_panic, m)?)?;
    Ok(())
}
