//! `PreparedApp`: an app validated and pre-computed once.

use pyo3::prelude::*;
use pyo3::types::PyString;

/// An app validated and pre-computed by ``Engine.prepare``: pass it wherever
/// a manifest goes. Immutable and thread-safe.
#[pyclass(frozen, module = "microgov", name = "PreparedApp")]
pub struct PreparedApp {
    pub(crate) inner: microgov::engine::PreparedApp,
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
