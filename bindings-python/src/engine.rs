//! `Engine`: the compiled policies and every method that takes a manifest.

use crate::convert::{approvals_arg, load_approvals, load_manifest, time_arg, Source};
use crate::decision::{Decision, Drawn};
use crate::egress::{EgressGuard, EgressVerdict};
use crate::errors::{guard, problem_list, BindError};
use crate::json::to_json;
use crate::many;
use crate::prepared::PreparedApp;
use microgov::ffi::HostArg;
use microgov::Context;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use std::path::PathBuf;

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
///     trust_claimed_roles: trust the roles approvals claim where the
///         approver directory (``data.microgov.governance.directory``) does
///         not grant them, as in ``sandbox``: for demos and tests only.
///
/// Raises:
///     PolicyError: a policy does not parse or compile, or the data is invalid.
#[pyclass(frozen, module = "microgov", name = "Engine")]
pub struct Engine {
    // `microgov::Engine` is itself an `Arc` handle: cloning it is cheap, and
    // it is `Send + Sync`, so threads share one compiled program.
    pub(crate) inner: microgov::Engine,
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
            Some(e) if !e.is_none() => to_json(e, HostArg::Input("extra"))?,
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
    #[pyo3(signature = (policy_dirs=None, bundles=None, data=None, *, trust_claimed_roles=false))]
    fn new(
        py: Python<'_>,
        policy_dirs: Option<Vec<PathBuf>>,
        bundles: Option<Vec<PathBuf>>,
        data: Option<&Bound<'_, PyAny>>,
        trust_claimed_roles: bool,
    ) -> PyResult<Self> {
        let data = match data {
            Some(d) if !d.is_none() => Some(to_json(d, HostArg::Input("data"))?),
            _ => None,
        };
        let opts = microgov::EngineOptions {
            policy_dirs: policy_dirs.unwrap_or_default(),
            bundles: bundles.unwrap_or_default(),
            data,
            trust_claimed_roles,
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
        // The decision keeps its app (moved, not copied) so that it can draw its diagram.
        py.detach(|| {
            guard(|| {
                let ctx = ctx.build()?;
                if let Source::Prepared(p) = src {
                    let d = engine.evaluate_prepared(&p, &ctx)?;
                    return Ok(Decision::with_source(d, Drawn::Prepared(engine.clone(), p)));
                }
                let app = load_manifest(engine, src)?;
                let d = engine.evaluate(&app, &ctx)?;
                Ok(Decision::with_source(d, Drawn::App(engine.clone(), Box::new(app))))
            })
        })
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
                    Ok(d) => out.append(Py::new(py, Decision::new(d))?)?,
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
        let record = to_json(record, HostArg::Input("record"))?;
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
        let state = self.on_manifest(py, src, |engine, app| Ok(engine.lifecycle(&app, now)))?;
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
        let renewed = self.on_manifest(py, src, |engine, app| Ok(engine.renew(&app, new_expiry, now)?))?;
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
        let retired = self.on_manifest(py, src, |engine, app| Ok(engine.retire(&app, now)))?;
        Ok(pythonize::pythonize(py, &retired.to_value())?)
    }

    /// Grants an approval of the app as it is now: checked as a decision
    /// would check it, bound to the app's material view (``digest``,
    /// ``reviewed``), and signed when ``key`` is given (what
    /// ``microgov approve`` writes; ``core/docs/approvals.md``).
    ///
    /// Args:
    ///     manifest: the app (dict, YAML/JSON text or a path).
    ///     roles: the roles the approver acts in (a list, or one string).
    ///     approver: who approves (e-mail address).
    ///     expires: end of validity (``datetime`` or RFC 3339).
    ///     granted: start of validity; the clock when omitted.
    ///     scope: ``{"exception"?, "dataset"?, "connector"?}``; the whole app
    ///         when omitted.
    ///     justification: why (a ticket, a review).
    ///     id: the approval's id; ``<app>-<12 hex digits>`` when omitted.
    ///     key: a signing key string (``PRIVATE+KEY+<approver>+...``, from
    ///         ``microgov keygen``).
    ///
    /// Returns:
    ///     dict: the approval as an approvals file holds it (camelCase
    ///     keys), to pass in ``approvals=`` or write to a file.
    ///
    /// Raises:
    ///     ManifestError: invalid values, or an approval that could never
    ///         count (``manifest.approval_would_not_count`` pointing at the
    ///         member to change: self-approval, a role the directory does not
    ///         grant, a scope the app lacks, too long a lifetime).
    ///     AuditError: ``key`` is not a signing key (``audit.bad_key``).
    #[pyo3(signature = (manifest, *, roles, approver, expires, granted=None, scope=None, justification=None, id=None, key=None))]
    #[allow(clippy::too_many_arguments)]
    fn approve<'py>(
        &self,
        py: Python<'py>,
        manifest: &Bound<'py, PyAny>,
        roles: &Bound<'py, PyAny>,
        approver: String,
        expires: &Bound<'py, PyAny>,
        granted: Option<&Bound<'py, PyAny>>,
        scope: Option<&Bound<'py, PyAny>>,
        justification: Option<String>,
        id: Option<String>,
        key: Option<String>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let roles: Vec<String> = match roles.cast::<PyString>() {
            Ok(one) => vec![one.to_str()?.to_owned()],
            Err(_) => {
                roles.extract().map_err(|_| PyTypeError::new_err("roles must be a string or a list of strings"))?
            }
        };
        let expires_at = time_arg(Some(expires), "expires")?
            .ok_or_else(|| PyTypeError::new_err("expires must be a datetime or an RFC 3339 string"))?;
        let granted_at = time_arg(granted, "granted")?.unwrap_or_else(chrono::Utc::now);
        let scope = match scope {
            Some(s) if !s.is_none() => {
                let value = to_json(s, HostArg::Input("scope"))?;
                let scope: microgov::model::Scope = serde_json::from_value(value).map_err(|e| {
                    PyTypeError::new_err(format!("scope must be a dict of exception, dataset and connector: {e}"))
                })?;
                Some(scope)
            }
            _ => None,
        };
        let grant = microgov::engine::Grant { approver, roles, expires_at, granted_at, scope, justification, id };
        let src = Source::manifest(&self.inner, manifest)?;
        let approval = self.on_manifest(py, src, |engine, app| {
            let key = key
                .as_deref()
                .map(|k| microgov::audit::SigningKey::parse(k.trim()))
                .transpose()
                .map_err(microgov::Error::from)?;
            Ok(engine.grant(&app, &grant, key.as_ref())?)
        })?;
        Ok(pythonize::pythonize(py, &approval.to_document())?)
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
