//! Python values in, Rust values out (and back), with the GIL held.
//!
//! Everything here runs before or after `py.detach`: it reads Python objects
//! into owned Rust values (`Source`, timestamps; JSON is `crate::json`) so that parsing and
//! evaluation can run with the GIL released.

use crate::doc::PyNode;
use crate::errors::{guard, BindError};
use crate::json::{plain_within, to_json_within, DATETIME_TYPE};
use crate::prepared::PreparedApp;
use chrono::{DateTime, Utc};
use microgov::ffi::HostArg;
use microgov::model::approval::{approvals_from_str, approvals_from_value};
use microgov::model::{Approval, Limits};
use microgov::{Engine, Manifest};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyMapping, PyString, PyTuple};
use serde_json::Value;
use std::path::PathBuf;

/// A manifest or approvals document as the caller gave it.
#[derive(Debug)]
pub enum Source {
    /// An already-parsed document (a dict, a list of dicts).
    Value(Value),
    /// YAML or JSON text.
    Text(String),
    /// A file to read.
    Path(PathBuf),
    /// An app already prepared by `Engine.prepare`.
    Prepared(microgov::engine::PreparedApp),
    /// A `dict` already validated (`Source::manifest`).
    Manifest(Box<Manifest>),
    /// An item of a batch that could not be read (`crate::many`): its exception,
    /// given back in its place.
    Failed(BindError),
}

const DOC_EXTENSIONS: [&str; 3] = [".yaml", ".yml", ".json"];

impl Source {
    /// Reads a document argument: a dict (or list, for approvals), YAML or
    /// JSON text, `bytes`, or an `os.PathLike` / path string of a file.
    ///
    /// A `str` is a path when it is one line and names an existing file or
    /// ends in `.yaml`, `.yml` or `.json` (so a mistyped path gives
    /// `FileNotFoundError`, not a confusing parse error); otherwise it is text.
    pub fn from_py(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Source> {
        Source::from_py_within(obj, what, Limits::default())
    }

    /// [`Source::from_py`], a dict or list converted within `limits`.
    fn from_py_within(obj: &Bound<'_, PyAny>, what: &str, limits: Limits) -> PyResult<Source> {
        if let Ok(p) = obj.cast::<PreparedApp>() {
            return Ok(Source::Prepared(p.get().inner.clone()));
        }
        if let Ok(s) = obj.cast::<PyString>() {
            let text = s.to_str()?;
            if !text.contains('\n') && !text.trim().is_empty() {
                let p = PathBuf::from(text.trim());
                let lower = text.trim().to_ascii_lowercase();
                if p.is_file() || DOC_EXTENSIONS.iter().any(|e| lower.ends_with(e)) {
                    return Ok(Source::Path(p));
                }
            }
            return Ok(Source::Text(text.to_owned()));
        }
        if obj.is_instance_of::<PyDict>()
            || obj.is_instance_of::<PyList>()
            || obj.is_instance_of::<PyTuple>()
            || obj.cast::<PyMapping>().is_ok()
        {
            let arg = if what == "approvals" { HostArg::Approvals } else { HostArg::Manifest };
            return Ok(Source::Value(to_json_within(obj, arg, limits)?));
        }
        if let Ok(b) = obj.cast::<PyBytes>() {
            return std::str::from_utf8(b.as_bytes())
                .map(|t| Source::Text(t.to_owned()))
                .map_err(|e| PyValueError::new_err(format!("{what} bytes are not UTF-8: {e}")));
        }
        if obj.hasattr("__fspath__")? {
            return Ok(Source::Path(obj.extract::<PathBuf>()?));
        }
        let ty = obj.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into());
        Err(PyTypeError::new_err(format!("{what} must be a dict, a YAML/JSON string or a path, not {ty}")))
    }

    /// Reads a manifest argument as `from_py` does, but validates a `dict`
    /// on the spot, straight from its Python objects (`crate::doc`). A
    /// `dict` with any problem is converted the general way instead, so
    /// that its errors are reported exactly as for other documents.
    pub fn manifest(engine: &Engine, obj: &Bound<'_, PyAny>) -> PyResult<Source> {
        let limits = engine.settings().parse.limits;
        // The fast path reads plain values only, and only within the limits
        // (checked first, without a copy): anything else is refused or
        // converted by the general path, which says why.
        if obj.is_exact_instance_of::<PyDict>() && plain_within(obj, limits) {
            // Reading runs Python code for datetime subclasses, which could
            // change a dict being iterated (pyo3 then panics): the general
            // path takes over then too.
            let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                engine.manifest_from_node(&PyNode::new(obj.clone()))
            }));
            if let Ok(Ok(app)) = read {
                return Ok(Source::Manifest(Box::new(app)));
            }
        }
        Source::from_py_within(obj, "manifest", limits)
    }

    /// The document's text, reading the file if it is one (no GIL needed).
    fn into_text(self) -> Result<Result<String, Value>, BindError> {
        match self {
            Source::Value(v) => Ok(Err(v)),
            Source::Prepared(p) => Ok(Err(p.manifest().to_value())),
            Source::Manifest(m) => Ok(Err(m.to_value())),
            Source::Text(t) => Ok(Ok(t)),
            Source::Failed(e) => Err(e),
            Source::Path(p) => std::fs::read_to_string(&p)
                .map(Ok)
                .map_err(|source| BindError::Read { path: p.display().to_string(), source }),
        }
    }
}

/// Parses and validates a manifest with the engine's settings (no GIL needed).
pub fn load_manifest(engine: &Engine, src: Source) -> Result<Manifest, BindError> {
    match src {
        Source::Prepared(p) => return Ok(p.manifest().clone()),
        Source::Manifest(m) => return Ok(*m),
        Source::Failed(e) => return Err(e),
        _ => {}
    }
    guard(|| match src.into_text()? {
        Ok(text) => Ok(engine.parse_manifest(&text)?),
        Err(value) => Ok(engine.manifest_from_value(&value)?),
    })
}

/// Parses approvals (no GIL needed).
pub fn load_approvals(src: Option<Source>) -> Result<Vec<Approval>, BindError> {
    let Some(src) = src else {
        return Ok(Vec::new());
    };
    guard(|| {
        match src.into_text()? {
            Ok(text) => approvals_from_str(&text),
            Err(value) => approvals_from_value(&value),
        }
        .map_err(|p| BindError::Core(microgov::model::ManifestError::approvals(p).into()))
    })
}

/// Reads the `approvals` argument: `None`, a list of dicts, YAML/JSON text or a path.
pub fn approvals_arg(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Source>> {
    match obj {
        None => Ok(None),
        Some(o) if o.is_none() => Ok(None),
        Some(o) => Source::from_py(o, "approvals").map(Some),
    }
}

/// Reads a timestamp argument: an aware `datetime` (naive ones are taken as
/// UTC) or an RFC 3339 string.
pub fn time_arg(obj: Option<&Bound<'_, PyAny>>, what: &str) -> PyResult<Option<DateTime<Utc>>> {
    let Some(obj) = obj else { return Ok(None) };
    if obj.is_none() {
        return Ok(None);
    }
    let text: String = if let Ok(s) = obj.cast::<PyString>() {
        s.to_str()?.to_owned()
    } else {
        let datetime = DATETIME_TYPE.import(obj.py(), "datetime", "datetime")?;
        if !obj.is_instance(datetime)? {
            return Err(PyTypeError::new_err(format!("{what} must be a datetime or an RFC 3339 string")));
        }
        let mut s: String = obj.call_method1("isoformat", ("T",))?.extract()?;
        if obj.call_method0("utcoffset")?.is_none() {
            s.push('Z');
        }
        s
    };
    DateTime::parse_from_rfc3339(text.trim())
        .map(|t| Some(t.with_timezone(&Utc)))
        .map_err(|e| PyValueError::new_err(format!("{what}: {text:?} is not an RFC 3339 timestamp ({e})")))
}
