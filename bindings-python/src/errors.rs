//! The `microgov.errors` hierarchy and the one place core errors become
//! Python exceptions.
//!
//! Every core error goes through `microgov::ffi::ErrorDetails` (the contract the
//! Node binding shares): its family picks the class, its `code` and one-line
//! `message` are the exception's, and each of its fields (`problems`, `file`,
//! `line`, `seq`, `kind`, `field`) becomes an attribute, in one loop. A file the
//! caller named that cannot be read is Python's own `OSError` subclass
//! (`FileNotFoundError` ...), as `open` raises it. A Rust panic never crosses
//! into Python: [`guard`] catches it and it surfaces as a plain `MicrogovError`
//! with code `internal`.

use microgov::ffi::{ErrorDetails, ErrorFamily, HostArg, HostValueError};
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
    "The audit log could not be opened, appended to or verified.\n\n`file` names the log when the error is about it (``audit.io``,\n``audit.locked``), `field` the event member at fault (``audit.bad_event``)."
);
pyo3::create_exception!(
    microgov.errors,
    TamperedLogError,
    AuditError,
    "The audit log does not verify: a record was changed, removed or reordered.\n\n`seq` is the sequence number of the first bad record (None when the\nfinding is not one record, e.g. a forged checkpoint signature), `kind` what\nwas found (``edited_record``, ``bad_prev`` ...), `file`/`line` where,\n`reason` why, and `report` the whole ``VerifyReport`` (from ``verify_audit``)."
);
pyo3::create_exception!(
    microgov.errors,
    InputError,
    MicrogovError,
    "A value passed as ``extra``, a record or a data document has no faithful JSON form\nor exceeds the limits (code ``input.invalid``).\n\n`problems` holds one dict with ``code`` (``input.not_finite``, ``input.cycle`` ...),\n``path`` (a JSON pointer into the value) and ``message``; an exception raised by\nthe caller's own code while the value was read is the ``__cause__``."
);
/// Everything that can go wrong below the Python boundary, carried out of
/// `py.detach` (where no Python object may be built) and turned into an
/// exception once the thread is attached again.
#[derive(Debug)]
pub enum BindError {
    /// An error of the core library (an invalid approvals document is one too:
    /// `microgov::model::ManifestError::approvals`).
    Core(microgov::Error),
    /// A file the caller named could not be read.
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// Rust code panicked; the message of the panic.
    Panic(String),
    /// A Python exception already made (a batch item that could not be read),
    /// carried to its place in the results.
    Python(PyErr),
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
            BindError::Read { path, source } => os_error(&path, &source),
            BindError::Python(e) => e,
            BindError::Panic(msg) => raise(
                py,
                py.get_type::<MicrogovError>(),
                format!("internal error in microgov (please report it): {msg}"),
                &[("code", str_obj(py, "internal"))],
            ),
        }
    }
}

/// The one mapping of core errors (polars' `From<PolarsError> for PyErr`), through
/// `ErrorDetails` so that Python and Node show the same code, message and fields.
pub fn core_error(py: Python<'_>, e: microgov::Error) -> PyErr {
    let mut reason = None;
    // Python only, as documented on the class: why the log does not verify.
    if let microgov::Error::Audit(microgov::audit::AuditError::Tampered { reason: r, .. }) = &e {
        reason = Some(str_obj(py, r));
    }
    details_error(py, ErrorDetails::of(&e), reason)
}

/// The exception for a refused host value given as `arg` (`crate::json`), with the
/// caller's own exception, if one caused it, as its `__cause__`.
pub fn host_error(py: Python<'_>, arg: HostArg, e: &HostValueError, cause: Option<PyErr>) -> PyErr {
    let err = details_error(py, e.details(arg), None);
    if let Some(cause) = cause {
        err.set_cause(py, Some(cause));
    }
    err
}

/// The exception of `d`'s family with its code, message and fields.
fn details_error(py: Python<'_>, d: ErrorDetails, reason: Option<Bound<'_, PyAny>>) -> PyErr {
    let ty = match d.family {
        ErrorFamily::Manifest => py.get_type::<ManifestError>(),
        ErrorFamily::Policy => py.get_type::<PolicyError>(),
        ErrorFamily::Audit => py.get_type::<AuditError>(),
        ErrorFamily::Tampered => py.get_type::<TamperedLogError>(),
        ErrorFamily::Lifecycle => py.get_type::<LifecycleError>(),
        ErrorFamily::Input => py.get_type::<InputError>(),
        // `ErrorFamily` is non-exhaustive: a family added to core later still
        // arrives as a microgov error with its code, never as RuntimeError.
        _ => py.get_type::<MicrogovError>(),
    };
    let mut attrs = vec![("code", str_obj(py, d.code))];
    for (name, value) in d.fields() {
        match pythonize::pythonize(py, &value) {
            Ok(v) => attrs.push((name, v)),
            Err(err) => return err.into(),
        }
    }
    if let Some(r) = reason {
        attrs.push(("reason", r));
    }
    raise(py, ty, d.message, &attrs)
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
        (
            "InputError",
            py.get_type::<InputError>(),
            vec![("code", str_obj(py, "input.invalid")), ("problems", PyTuple::empty(py).into_any())],
        ),
        (
            "AuditError",
            py.get_type::<AuditError>(),
            vec![("code", str_obj(py, "audit")), ("file", none.bind(py).clone()), ("field", none.bind(py).clone())],
        ),
        (
            "TamperedLogError",
            py.get_type::<TamperedLogError>(),
            ["seq", "kind", "file", "line", "reason", "report"]
                .into_iter()
                .map(|a| (a, none.bind(py).clone()))
                .chain([("code", str_obj(py, "audit.tampered"))])
                .collect(),
        ),
    ];
    for (name, ty, attrs) in classes {
        for (attr, v) in attrs {
            ty.setattr(attr, v)?;
        }
        m.add(name, ty)?;
    }
    Ok(())
}
