//! The `microgov.errors` hierarchy and the one place core errors become
//! Python exceptions.
//!
//! Every exception carries the core's stable `code`; families add what a
//! caller needs to act: `ManifestError.problems`, `PolicyError.file/line`,
//! `IoError.path`. A Rust panic never crosses into Python: [`guard`] catches it
//! and it surfaces as a plain `MicrogovError` with code `internal`.

use microgov::model::Problem;
use pyo3::exceptions::{PyException, PyFileNotFoundError, PyIsADirectoryError, PyOSError, PyPermissionError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple, PyType};
use pyo3::IntoPyObjectExt;
use std::panic::{catch_unwind, AssertUnwindSafe};

pyo3::create_exception!(
    microgov.errors,
    MicrogovError,
    PyException,
    "Base class of every error microgov raises.\n\n`code` is the stable, machine-readable code of the core library\n(for example ``manifest.invalid`` or ``policy.parse``)."
);
pyo3::create_exception!(
    microgov.errors,
    ManifestError,
    MicrogovError,
    "A manifest or approvals document is invalid.\n\n`problems` lists every problem at once, each a dict with ``code``,\n``path`` (a JSON pointer into the document as written) and ``message``."
);
pyo3::create_exception!(
    microgov.errors,
    PolicyError,
    MicrogovError,
    "A policy, bundle or data document could not be loaded or evaluated.\n\n`file` and `line` point at the offending policy file when known."
);
pyo3::create_exception!(
    microgov.errors,
    LifecycleError,
    MicrogovError,
    "A lifecycle change (renewal, retirement) was refused."
);
pyo3::create_exception!(
    microgov.errors,
    AuditError,
    MicrogovError,
    "The audit log could not be opened, appended to or verified."
);
pyo3::create_exception!(
    microgov.errors,
    TamperedLogError,
    AuditError,
    "The audit log does not verify: a record was changed, removed or reordered.\n\n`seq` is the sequence number of the first bad record (None when the\nfinding is not one record, e.g. a forged checkpoint signature), `kind` what\nwas found (``edited_record``, ``bad_prev`` ...), `file`/`line` where,\n`reason` why, and `report` the whole ``VerifyReport`` (from ``verify_audit``)."
);
pyo3::create_exception!(
    microgov.errors,
    IoError,
    MicrogovError,
    "microgov could not read a file it was given (a policy folder, a bundle).\n\n`path` names the file."
);

/// Everything that can go wrong below the Python boundary, carried out of
/// `py.detach` (where no Python object may be built) and turned into an
/// exception once the thread is attached again.
#[derive(Debug)]
pub enum BindError {
    /// An error of the core library.
    Core(microgov::Error),
    /// An approvals document is invalid.
    Approvals(Vec<Problem>),
    /// A file the caller named could not be read.
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// Rust code panicked; the message of the panic.
    Panic(String),
}

impl From<microgov::Error> for BindError {
    fn from(e: microgov::Error) -> Self {
        BindError::Core(e)
    }
}

/// Runs `f`, turning a panic into [`BindError::Panic`] so that it reaches
/// Python as a `MicrogovError` instead of pyo3's `PanicException`.
pub fn guard<T>(f: impl FnOnce() -> Result<T, BindError>) -> Result<T, BindError> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(payload) => {
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            Err(BindError::Panic(msg))
        }
    }
}

/// Builds an exception of type `ty` with `message` and the given attributes.
fn raise(py: Python<'_>, ty: Bound<'_, PyType>, message: String, attrs: &[(&str, Bound<'_, PyAny>)]) -> PyErr {
    let err = PyErr::from_type(ty, (message,));
    let value = err.value(py);
    for (name, v) in attrs {
        if let Err(e) = value.setattr(*name, v) {
            return e;
        }
    }
    err
}

/// A problem as the dict Python sees.
pub fn problem_dict<'py>(py: Python<'py>, p: &Problem) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("code", &p.code)?;
    d.set_item("path", &p.path)?;
    d.set_item("message", &p.message)?;
    // Only for a document read from text (`Problem.line` says why).
    if let (Some(line), Some(column)) = (p.line, p.column) {
        d.set_item("line", line)?;
        d.set_item("column", column)?;
    }
    Ok(d)
}

/// Problems as a Python list of dicts.
pub fn problem_list<'py>(py: Python<'py>, problems: &[Problem]) -> PyResult<Bound<'py, PyList>> {
    let items = problems.iter().map(|p| problem_dict(py, p)).collect::<PyResult<Vec<_>>>()?;
    PyList::new(py, items)
}

fn manifest_error(py: Python<'_>, message: String, problems: &[Problem]) -> PyErr {
    match problem_list(py, problems) {
        Ok(list) => raise(
            py,
            py.get_type::<ManifestError>(),
            message,
            &[("code", str_obj(py, "manifest.invalid")), ("problems", list.into_any())],
        ),
        Err(e) => e,
    }
}

fn str_obj<'py>(py: Python<'py>, s: &str) -> Bound<'py, PyAny> {
    pyo3::types::PyString::new(py, s).into_any()
}

fn opt_obj<'py, T: IntoPyObjectExt<'py>>(py: Python<'py>, v: Option<T>) -> Bound<'py, PyAny> {
    v.and_then(|x| x.into_bound_py_any(py).ok()).unwrap_or_else(|| py.None().into_bound(py))
}

/// An `OSError` subclass for a file the caller named, as Python's own `open`
/// would raise it (`FileNotFoundError: [Errno 2] ...: 'x.yaml'`).
pub fn os_error(path: &str, e: &std::io::Error) -> PyErr {
    let errno = e.raw_os_error().unwrap_or(0);
    // Python's own wording: "No such file or directory", without Rust's "(os error 2)".
    let full = e.to_string();
    let msg = full.split(" (os error").next().unwrap_or(&full).to_string();
    let args = (errno, msg, path.to_string());
    match e.kind() {
        std::io::ErrorKind::NotFound => PyFileNotFoundError::new_err(args),
        std::io::ErrorKind::PermissionDenied => PyPermissionError::new_err(args),
        std::io::ErrorKind::IsADirectory => PyIsADirectoryError::new_err(args),
        _ => PyOSError::new_err(args),
    }
}

impl BindError {
    /// The Python exception for this error.
    pub fn into_pyerr(self, py: Python<'_>) -> PyErr {
        match self {
            BindError::Core(e) => core_error(py, e),
            BindError::Approvals(problems) => {
                let mut message = format!("invalid approvals: {} problem(s)", problems.len());
                for p in &problems {
                    message.push_str("\n  ");
                    message.push_str(&p.to_string());
                }
                manifest_error(py, message, &problems)
            }
            BindError::Read { path, source } => os_error(&path, &source),
            BindError::Panic(msg) => raise(
                py,
                py.get_type::<MicrogovError>(),
                format!("internal error in microgov (please report it): {msg}"),
                &[("code", str_obj(py, "internal"))],
            ),
        }
    }
}

/// The exhaustive mapping of core errors (polars' `From<PolarsError> for PyErr`).
pub fn core_error(py: Python<'_>, e: microgov::Error) -> PyErr {
    let code = e.code();
    let message = e.to_string();
    match &e {
        microgov::Error::Manifest(m) => manifest_error(py, message, &m.problems),
        microgov::Error::Policy(p) => raise(
            py,
            py.get_type::<PolicyError>(),
            message,
            &[("code", str_obj(py, code)), ("file", opt_obj(py, p.file())), ("line", opt_obj(py, p.line()))],
        ),
        microgov::Error::Eval(_) => raise(
            py,
            py.get_type::<PolicyError>(),
            message,
            &[("code", str_obj(py, code)), ("file", py.None().into_bound(py)), ("line", py.None().into_bound(py))],
        ),
        microgov::Error::Lifecycle(_) => {
            raise(py, py.get_type::<LifecycleError>(), message, &[("code", str_obj(py, code))])
        }
        microgov::Error::Audit(microgov::audit::AuditError::Tampered { path, kind, seq, reason }) => raise(
            py,
            py.get_type::<TamperedLogError>(),
            message,
            &[
                ("code", str_obj(py, code)),
                ("seq", opt_obj(py, *seq)),
                ("kind", str_obj(py, kind)),
                ("file", str_obj(py, path)),
                ("reason", str_obj(py, reason)),
            ],
        ),
        microgov::Error::Audit(_) => raise(py, py.get_type::<AuditError>(), message, &[("code", str_obj(py, code))]),
        // `Error` is non-exhaustive: a family added to core later still
        // arrives as a microgov error with its code, never as RuntimeError.
        _ => raise(py, py.get_type::<MicrogovError>(), message, &[("code", str_obj(py, code))]),
    }
}

/// `TamperedLogError` for a verification that found tampering.
pub fn tampered(py: Python<'_>, t: &microgov::audit::Tamper, report: Option<Py<PyAny>>) -> PyErr {
    let where_ = match (t.seq, &t.file, t.line) {
        (Some(seq), Some(file), Some(line)) => format!(" at seq {seq} ({file}:{line})"),
        (Some(seq), _, _) => format!(" at seq {seq}"),
        _ => String::new(),
    };
    let message = format!("audit log is tampered{where_}: {}: {}", t.kind.code(), t.reason);
    raise(
        py,
        py.get_type::<TamperedLogError>(),
        message,
        &[
            ("code", str_obj(py, "audit.tampered")),
            ("seq", opt_obj(py, t.seq)),
            ("kind", str_obj(py, t.kind.code())),
            ("file", opt_obj(py, t.file.as_deref())),
            ("line", opt_obj(py, t.line)),
            ("reason", str_obj(py, &t.reason)),
            ("report", report.map(|r| r.into_bound(py)).unwrap_or_else(|| py.None().into_bound(py))),
        ],
    )
}

/// Registers the exception classes on the extension module and gives each
/// class the defaults its attributes have when Python code raises it itself.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let none = py.None();
    type Defaults<'py> = Vec<(&'static str, Bound<'py, PyAny>)>;
    let classes: [(&str, Bound<'_, PyType>, Defaults<'_>); 7] = [
        ("MicrogovError", py.get_type::<MicrogovError>(), vec![("code", str_obj(py, "microgov"))]),
        (
            "ManifestError",
            py.get_type::<ManifestError>(),
            vec![("code", str_obj(py, "manifest.invalid")), ("problems", PyTuple::empty(py).into_any())],
        ),
        (
            "PolicyError",
            py.get_type::<PolicyError>(),
            vec![("code", str_obj(py, "policy")), ("file", none.bind(py).clone()), ("line", none.bind(py).clone())],
        ),
        ("LifecycleError", py.get_type::<LifecycleError>(), vec![("code", str_obj(py, "lifecycle"))]),
        ("AuditError", py.get_type::<AuditError>(), vec![("code", str_obj(py, "audit"))]),
        (
            "TamperedLogError",
            py.get_type::<TamperedLogError>(),
            ["seq", "kind", "file", "line", "reason", "report"]
                .into_iter()
                .map(|a| (a, none.bind(py).clone()))
                .chain([("code", str_obj(py, "audit.tampered"))])
                .collect(),
        ),
        ("IoError", py.get_type::<IoError>(), vec![("code", str_obj(py, "io")), ("path", none.bind(py).clone())]),
    ];
    for (name, ty, attrs) in classes {
        for (attr, v) in attrs {
            ty.setattr(attr, v)?;
        }
        m.add(name, ty)?;
    }
    Ok(())
}
