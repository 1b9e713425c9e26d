//! Python values in, Rust values out (and back), with the GIL held.
//!
//! Everything here runs before or after `py.detach`: it reads Python objects
//! into owned Rust values (`Source`, JSON, timestamps) so that parsing and
//! evaluation can run with the GIL released.

use crate::doc::PyNode;
use crate::errors::{guard, BindError};
use chrono::{DateTime, Utc};
use microgov::model::approval::{approvals_from_str, approvals_from_value};
use microgov::model::Approval;
use microgov::{Engine, Manifest};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyMapping, PyString, PyTuple, PyType};
use serde_json::{Map, Number, Value};
use std::path::PathBuf;

/// Python's `datetime` types, imported once (`crate::doc` reads them too).
pub(crate) static DATETIME_TYPE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
pub(crate) static DATE_TYPE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
pub(crate) static TIME_TYPE: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// Documents nest at most this deep (the core's own limit is far lower; this
/// only stops a self-referencing Python structure from recursing forever).
pub(crate) const MAX_DEPTH: usize = 256;

/// Converts a Python value (dicts, lists, tuples, str, int, float, bool,
/// None, `datetime`/`date`/`time`, any `Mapping`) to JSON. `path` is the
/// JSON pointer of `obj`, named in errors.
pub fn to_json(obj: &Bound<'_, PyAny>, path: &str) -> PyResult<Value> {
    // Reading calls Python code (`isoformat`, a custom mapping's `items`),
    // which may change a dict while it is iterated; pyo3 panics then, and
    // that reaches Python as a `MicrogovError`, not a `PanicException`.
    guard(|| Ok(to_json_at(obj, At::Root(path), 0))).unwrap_or_else(|e| Err(e.into_pyerr(obj.py())))
}

/// Where a value sits, as a chain of parents: the JSON pointer is only
/// written out for an error, not for each of a manifest's hundreds of values.
#[derive(Clone, Copy)]
enum At<'a> {
    Root(&'a str),
    Key(&'a At<'a>, &'a str),
    Index(&'a At<'a>, usize),
}

impl At<'_> {
    fn pointer(&self) -> String {
        match self {
            At::Root(p) => (*p).to_string(),
            At::Key(parent, k) => format!("{}/{}", parent.pointer(), escape(k)),
            At::Index(parent, i) => format!("{}/{i}", parent.pointer()),
        }
    }
}

fn to_json_at(obj: &Bound<'_, PyAny>, at: At<'_>, depth: usize) -> PyResult<Value> {
    let path = || at.pointer();
    if depth > MAX_DEPTH {
        return Err(PyValueError::new_err(format!("value at {} nests too deeply", shown(&path()))));
    }
    // Exact built-in types first: a manifest is almost only these, and an
    // exact check is one pointer comparison where `cast` (a subclass check)
    // is a call into the C API each under the stable ABI.
    if let Ok(s) = obj.cast_exact::<PyString>() {
        return Ok(Value::String(s.to_str()?.to_owned()));
    }
    if let Ok(d) = obj.cast_exact::<PyDict>() {
        return dict_to_json(d, at, depth);
    }
    if let Ok(l) = obj.cast_exact::<PyList>() {
        return list_to_json(l, at, depth);
    }
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::String(s.to_str()?.to_owned()));
    }
    if let Ok(b) = obj.cast::<PyBool>() {
        return Ok(Value::Bool(b.is_true()));
    }
    if let Ok(d) = obj.cast::<PyDict>() {
        return dict_to_json(d, at, depth);
    }
    if let Ok(l) = obj.cast::<PyList>() {
        return list_to_json(l, at, depth);
    }
    if let Ok(i) = obj.cast::<PyInt>() {
        if let Ok(v) = i.extract::<i64>() {
            return Ok(Value::Number(v.into()));
        }
        if let Ok(v) = i.extract::<u64>() {
            return Ok(Value::Number(v.into()));
        }
        return Err(PyValueError::new_err(format!("integer at {} is too large", shown(&path()))));
    }
    if let Ok(f) = obj.cast::<PyFloat>() {
        return Number::from_f64(f.value())
            .map(Value::Number)
            .ok_or_else(|| PyValueError::new_err(format!("value at {} is not a finite number", shown(&path()))));
    }
    if let Ok(t) = obj.cast::<PyTuple>() {
        let mut out = Vec::with_capacity(t.len());
        for (i, v) in t.iter().enumerate() {
            out.push(to_json_at(&v, At::Index(&at, i), depth + 1)?);
        }
        return Ok(Value::Array(out));
    }
    let py = obj.py();
    // `datetime` is a `date`; both (and `time`) have `isoformat`. PyYAML turns
    // YAML timestamps into these, so a `yaml.safe_load`ed manifest works as is.
    let datetime = DATETIME_TYPE.import(py, "datetime", "datetime")?;
    let date = DATE_TYPE.import(py, "datetime", "date")?;
    let time = TIME_TYPE.import(py, "datetime", "time")?;
    if obj.is_instance(datetime)? {
        let mut s: String = obj.call_method0("isoformat")?.extract()?;
        if obj.call_method0("utcoffset")?.is_none() {
            // A naive datetime is taken as UTC, as for `now`.
            s.push('Z');
        }
        return Ok(Value::String(s));
    }
    if obj.is_instance(date)? || obj.is_instance(time)? {
        return Ok(Value::String(obj.call_method0("isoformat")?.extract()?));
    }
    if let Ok(m) = obj.cast::<PyMapping>() {
        let mut map = Map::new();
        for item in m.items()?.iter() {
            let (k, v): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item.extract()?;
            let key = key_of(&k, &at)?;
            let child = to_json_at(&v, At::Key(&at, &key), depth + 1)?;
            map.insert(key, child);
        }
        return Ok(Value::Object(map));
    }
    if !obj.is_instance_of::<PyBytes>() {
        if let Ok(iter) = obj.try_iter() {
            let mut out = Vec::new();
            for (i, v) in iter.enumerate() {
                out.push(to_json_at(&v?, At::Index(&at, i), depth + 1)?);
            }
            return Ok(Value::Array(out));
        }
    }
    let ty = obj.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into());
    Err(PyTypeError::new_err(format!("value at {} has type {ty}, which has no JSON form", shown(&path()))))
}

fn dict_to_json(d: &Bound<'_, PyDict>, at: At<'_>, depth: usize) -> PyResult<Value> {
    let mut map = Map::new();
    for (k, v) in d.iter() {
        let key = key_of(&k, &at)?;
        let child = to_json_at(&v, At::Key(&at, &key), depth + 1)?;
        map.insert(key, child);
    }
    Ok(Value::Object(map))
}

fn list_to_json(l: &Bound<'_, PyList>, at: At<'_>, depth: usize) -> PyResult<Value> {
    let mut out = Vec::with_capacity(l.len());
    for (i, v) in l.iter().enumerate() {
        out.push(to_json_at(&v, At::Index(&at, i), depth + 1)?);
    }
    Ok(Value::Array(out))
}

fn key_of(k: &Bound<'_, PyAny>, at: &At<'_>) -> PyResult<String> {
    if let Ok(s) = k.cast_exact::<PyString>() {
        return Ok(s.to_str()?.to_owned());
    }
    match k.cast::<PyString>() {
        Ok(s) => Ok(s.to_str()?.to_owned()),
        Err(_) => Err(PyTypeError::new_err(format!("keys must be strings (at {})", shown(&at.pointer())))),
    }
}

fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

fn shown(path: &str) -> &str {
    if path.is_empty() {
        "/"
    } else {
        path
    }
}

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
        if let Ok(p) = obj.cast::<crate::PreparedApp>() {
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
            return Ok(Source::Value(to_json(obj, "")?));
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
        if obj.is_instance_of::<PyDict>() {
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
        Source::from_py(obj, "manifest")
    }

    /// The document's text, reading the file if it is one (no GIL needed).
    fn into_text(self) -> Result<Result<String, Value>, BindError> {
        match self {
            Source::Value(v) => Ok(Err(v)),
            Source::Prepared(p) => Ok(Err(p.manifest().to_value())),
            Source::Manifest(m) => Ok(Err(m.to_value())),
            Source::Text(t) => Ok(Ok(t)),
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
        .map_err(BindError::Approvals)
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
