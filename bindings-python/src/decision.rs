//! `Decision`: the answer for one app, as a frozen Python object.

use crate::errors::{guard, BindError};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyString;
use std::sync::Arc;

/// What a decision was made of, kept so that it can draw its diagram later (the input
/// document is only built when a diagram is asked for).
pub(crate) enum Drawn {
    /// A manifest, evaluated by this engine.
    App(microgov::Engine, Box<microgov::Manifest>),
    /// A prepared app.
    Prepared(microgov::Engine, microgov::engine::PreparedApp),
}

/// The answer for one app: may it run, at which tier, what is missing.
///
/// Immutable. Attributes mirror the JSON decision of the design
/// (snake_case keys); ``to_dict()`` and ``to_json()`` give the whole of it.
/// List and dict attributes are fresh copies on every access.
#[pyclass(frozen, eq, module = "microgov", name = "Decision")]
pub struct Decision {
    pub(crate) inner: microgov::Decision,
    /// The engine and app it was decided on; `None` when read back from JSON.
    pub(crate) drawn: Option<Arc<Drawn>>,
}

/// Equal when the decisions are: where they came from does not count.
impl PartialEq for Decision {
    fn eq(&self, other: &Self) -> bool {
        self.inner == other.inner
    }
}

impl Decision {
    /// A decision without what it was made of (read back, or from a batch).
    pub(crate) fn new(inner: microgov::Decision) -> Decision {
        Decision { inner, drawn: None }
    }

    /// A decision that can draw its diagram.
    pub(crate) fn with_source(inner: microgov::Decision, drawn: Drawn) -> Decision {
        Decision { inner, drawn: Some(Arc::new(drawn)) }
    }

    /// The diagram, when the decision knows its app (no GIL needed).
    pub(crate) fn diagram_of(&self) -> Option<Result<microgov::view::Diagram, BindError>> {
        let drawn = self.drawn.as_ref()?;
        Some(guard(|| {
            let (engine, app) = match drawn.as_ref() {
                Drawn::App(e, m) => (e, &**m),
                Drawn::Prepared(e, p) => (e, p.manifest()),
            };
            Ok(microgov::view::Diagram::of(engine, app, &self.inner)?)
        }))
    }
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
            .map(Decision::new)
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

    /// The app's data-flow diagram: datasets, connectors, the hosts and jurisdictions they
    /// reach, a flow that breaks a rule in red and a waived one dashed.
    ///
    /// Args:
    ///     format: ``"svg"`` (a self-contained ``<svg>`` element), ``"mermaid"`` or ``"dot"``.
    ///
    /// Returns:
    ///     str: the diagram's text; the same decision always gives the same text.
    ///
    /// Raises:
    ///     ValueError: an unknown format, or a decision that does not know its app (one read
    ///         back with ``from_json`` or unpickled, or from ``evaluate_many``): draw it from
    ///         ``Engine.evaluate``'s decision instead.
    #[pyo3(signature = (format="svg"))]
    fn diagram(&self, py: Python<'_>, format: &str) -> PyResult<String> {
        let Some(fmt) = microgov::view::DiagramFormat::parse(format) else {
            return Err(PyValueError::new_err(format!(
                "unknown diagram format '{format}': use 'svg', 'mermaid' or 'dot'"
            )));
        };
        match py.detach(|| self.diagram_of()) {
            Some(Ok(d)) => Ok(d.render(fmt)),
            Some(Err(e)) => Err(e.into_pyerr(py)),
            None => Err(PyValueError::new_err(
                "this decision does not know its app (read from JSON, unpickled or from evaluate_many): \
                 draw the decision Engine.evaluate returns",
            )),
        }
    }

    /// HTML for Jupyter: outcome, tier, risk and its factors, the diagram beside the
    /// violations, then waivers, warnings, missing approvals, obligations and approvals.
    fn _repr_html_(&self, py: Python<'_>) -> String {
        let svg = py.detach(|| self.diagram_of().and_then(Result::ok).map(|d| d.to_svg()));
        crate::html::render_html(&self.inner, svg.as_deref())
    }
}
