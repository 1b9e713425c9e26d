//! Python values to JSON, with the GIL held: the value conversion that both the
//! argument readers (`crate::convert`) and the dict-manifest reader (`crate::doc`) use.

use crate::errors::guard;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyMapping, PyString, PyTuple, PyType};
use serde_json::{Map, Number, Value};

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
            At::Key(parent, k) => microgov::pointer::join(&parent.pointer(), k),
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

fn shown(path: &str) -> &str {
    if path.is_empty() {
        "/"
    } else {
        path
    }
}
