//! `microgov._microgov`: the compiled half of the `microgov` Python package.
//!
//! Thin by design: it converts Python values to the core's types, releases
//! the GIL while the core parses and evaluates, and maps errors to the
//! `microgov.errors` hierarchy. Policies are compiled once per `engine::Engine`;
//! nothing is parsed or compiled per call.
//!
//! One module per class: `engine` (`Engine`), `decision` (`Decision`, with
//! its Jupyter view in `html`), `prepared` (`PreparedApp`), `egress`
//! (`EgressVerdict`, `EgressGuard`), `audit` (`AuditLog`, `VerifyReport`), `export`
//! (`export_audit`);
//! `errors` maps core errors, `json`, `doc` and `convert` read Python
//! values, `many` feeds `evaluate_many`.

mod audit;
mod convert;
mod decision;
mod doc;
mod egress;
mod engine;
mod errors;
mod export;
mod html;
mod json;
mod many;
mod prepared;

use errors::{guard, BindError};
use pyo3::prelude::*;

// Only Rust's own allocations use it; Python objects keep Python's allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Panics inside the boundary guard. Exists only so that the test suite can
/// show a Rust panic reaching Python as `MicrogovError` (code `internal`)
/// rather than as a crash or pyo3's `PanicException`; not part of the API.
#[pyfunction]
#[allow(clippy::panic)]
fn _guarded_panic(py: Python<'_>) -> PyResult<()> {
    py.detach(|| guard(|| -> Result<(), BindError> { panic!("deliberate panic from microgov's test hook") }))
        .map_err(|e| e.into_pyerr(py))
}

/// Whether `text` reads as a microgov manifest: the core's rule
/// (`microgov::model::looks_like_manifest`), the one `microgov check` uses to
/// pick files from a folder, so `manifest_files()` picks the same ones.
#[pyfunction]
fn looks_like_manifest(py: Python<'_>, text: &str) -> bool {
    py.detach(|| microgov::model::looks_like_manifest(text))
}

/// The compiled module `microgov._microgov`; `microgov/__init__.py` re-exports it.
#[pymodule]
fn _microgov(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<engine::Engine>()?;
    m.add_class::<decision::Decision>()?;
    m.add_class::<prepared::PreparedApp>()?;
    m.add_class::<egress::EgressVerdict>()?;
    m.add_class::<egress::EgressGuard>()?;
    m.add_class::<audit::AuditLog>()?;
    m.add_class::<audit::VerifyReport>()?;
    m.add_function(wrap_pyfunction!(audit::verify_audit, m)?)?;
    m.add_function(wrap_pyfunction!(audit::generate_audit_key, m)?)?;
    m.add_function(wrap_pyfunction!(export::export_audit, m)?)?;
    m.add_function(wrap_pyfunction!(looks_like_manifest, m)?)?;
    errors::register(m)?;
    // Set, not added: private, so it stays out of `__all__` and the stubs.
    m.setattr("_guarded_panic", wrap_pyfunction!(_guarded_panic, m)?)?;
    Ok(())
}
