//! `EgressVerdict` and `EgressGuard`: egress checks at run time.

use pyo3::prelude::*;
use pyo3::types::PyString;

/// The answer of an egress check. True in a boolean context when allowed.
#[pyclass(frozen, eq, module = "microgov", name = "EgressVerdict")]
#[derive(PartialEq)]
pub struct EgressVerdict {
    pub(crate) inner: microgov::engine::EgressVerdict,
}

#[pymethods]
impl EgressVerdict {
    /// Whether the call may go out.
    #[getter]
    fn allowed(&self) -> bool {
        self.inner.allowed
    }

    /// Stable code, the worst reason first: ``allowed``, ``unparseable``,
    /// ``internal_address``, ``suspicious_url``, ``non_https``,
    /// ``port_not_allowed``, ``denied_host``, ``host_not_allowed``,
    /// ``path_not_declared`` or ``not_declared``.
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
    pub(crate) inner: microgov::engine::EgressGuard,
}

#[pymethods]
impl EgressGuard {
    /// Whether the app may call ``url`` now.
    pub fn check(&self, url: &str) -> EgressVerdict {
        EgressVerdict { inner: self.inner.check(url) }
    }
}
