//! Python values to JSON, with the GIL held: the value conversion that both the
//! argument readers (`crate::convert`) and the dict-manifest reader (`crate::doc`) use.
//!
//! Every conversion is bounded by the manifest limits (`microgov::model::Limits`:
//! depth, number of values, bytes of text) whatever the input form, so an infinite
//! iterator or a 50 MB string inside a dict is refused like the same text would be. A
//! value without a faithful JSON form (NaN, an integer beyond ±(2^53 − 1), `bytes`, a
//! `set`, a non-string key, a lone surrogate, a container holding itself) is refused,
//! never converted silently, and an exception raised by the caller's own code (a
//! mapping's `items`, an iterator) is kept as the error's `__cause__`. The error is the
//! one `microgov::ffi::HostValueError::details` gives for the argument, so Python and
//! Node report the same code and path.

use crate::errors::{guard, host_error};
use microgov::ffi::{Budget, Fault, HostArg, HostValueError, MAX_SAFE_INTEGER};
use microgov::model::Limits;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBool, PyByteArray, PyBytes, PyDict, PyFloat, PyFrozenSet, PyInt, PyList, PyMapping, PySet, PyString, PyTuple,
    PyType,
};
use serde_json::{Map, Number, Value};

/// Python's `datetime` types, imported once (`crate::doc` reads them too).
pub(crate) static DATETIME_TYPE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
pub(crate) static DATE_TYPE: PyOnceLock<Py<PyType>> = PyOnceLock::new();
pub(crate) static TIME_TYPE: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// How deep `crate::doc` reads plain values itself; the limits below are checked
/// before it runs (`crate::convert::Source::manifest`).
pub(crate) const MAX_DEPTH: usize = 256;

/// Converts a Python value (dicts, lists, tuples, str, int, float, bool, None,
/// `datetime`/`date`/`time`, any `Mapping`, a finite iterable) to JSON within the
/// default manifest limits, for the argument `arg` (which decides the error raised).
pub fn to_json(obj: &Bound<'_, PyAny>, arg: HostArg) -> PyResult<Value> {
    to_json_within(obj, arg, Limits::default())
}

/// [`to_json`] within `limits` (an engine's own).
pub fn to_json_within(obj: &Bound<'_, PyAny>, arg: HostArg, limits: Limits) -> PyResult<Value> {
    let py = obj.py();
    let mut walk = Walk { budget: Budget::new(limits), open: Vec::new() };
    // Reading calls Python code (`isoformat`, a custom mapping's `items`), which may
    // change a dict while it is iterated; pyo3 panics then, and that reaches Python
    // as a `MicrogovError`, not a `PanicException`.
    match guard(|| Ok(walk.value(obj, At::Root, 0))) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(refusal)) => match *refusal {
            Refusal::Host(e, cause) => Err(host_error(py, arg, &e, cause)),
            Refusal::Python(e) => Err(e),
        },
        Err(e) => Err(e.into_pyerr(py)),
    }
}

/// Whether `obj` (a manifest `dict`) holds only plain values (`dict`, `list`, `str`,
/// `int`, `float`, `bool`, `None`, timestamps) within `limits`, read without copying:
/// then `crate::doc` may validate it in place. Anything else is left to [`to_json`].
pub fn plain_within(obj: &Bound<'_, PyAny>, limits: Limits) -> bool {
    let mut budget = Budget::new(limits);
    plain(obj, 0, &mut budget)
}

fn plain(obj: &Bound<'_, PyAny>, depth: usize, budget: &mut Budget) -> bool {
    if budget.value(depth).is_err() {
        return false;
    }
    if let Ok(s) = obj.cast_exact::<PyString>() {
        return text_len(s).is_some_and(|n| budget.text(n).is_ok());
    }
    if let Ok(d) = obj.cast_exact::<PyDict>() {
        return d.iter().all(|(k, v)| {
            k.cast_exact::<PyString>().ok().and_then(text_len).is_some_and(|n| budget.text(n).is_ok())
                && plain(&v, depth + 1, budget)
        });
    }
    if let Ok(l) = obj.cast_exact::<PyList>() {
        return l.iter().all(|v| plain(&v, depth + 1, budget));
    }
    if obj.is_none() || obj.is_exact_instance_of::<PyBool>() {
        return true;
    }
    if let Ok(i) = obj.cast_exact::<PyInt>() {
        return i.extract::<i64>().is_ok_and(safe);
    }
    if let Ok(f) = obj.cast_exact::<PyFloat>() {
        return f.value().is_finite();
    }
    is_time(obj).unwrap_or(false)
}

/// Whether every host language holds `v` exactly.
fn safe(v: i64) -> bool {
    v.unsigned_abs() <= MAX_SAFE_INTEGER.unsigned_abs()
}

/// The UTF-8 length of `s`, or `None` for a lone surrogate.
fn text_len(s: &Bound<'_, PyString>) -> Option<usize> {
    s.to_str().ok().map(str::len)
}

fn is_time(obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    let py = obj.py();
    Ok(obj.is_instance(DATETIME_TYPE.import(py, "datetime", "datetime")?)?
        || obj.is_instance(DATE_TYPE.import(py, "datetime", "date")?)?
        || obj.is_instance(TIME_TYPE.import(py, "datetime", "time")?)?)
}

/// Where a value sits, as a chain of parents: the JSON pointer is only
/// written out for an error, not for each of a manifest's hundreds of values.
#[derive(Clone, Copy)]
enum At<'a> {
    Root,
    Key(&'a At<'a>, &'a str),
    Index(&'a At<'a>, usize),
}

impl At<'_> {
    fn pointer(&self) -> String {
        match self {
            At::Root => String::new(),
            At::Key(parent, k) => microgov::pointer::join(&parent.pointer(), k),
            At::Index(parent, i) => format!("{}/{i}", parent.pointer()),
        }
    }
}

/// Why a conversion stopped.
enum Refusal {
    /// The value is refused; with the caller's own exception that caused it.
    Host(HostValueError, Option<PyErr>),
    /// An exception that is not the value's fault (`KeyboardInterrupt`, `MemoryError`):
    /// raised as it is.
    Python(PyErr),
}

/// Boxed: a refusal is rare, and the walk returns a `Step` for each value.
type Step<T> = Result<T, Box<Refusal>>;

fn refuse<T>(fault: Fault, at: &At<'_>, what: &str) -> Step<T> {
    Err(Box::new(Refusal::Host(HostValueError::of(fault, at.pointer(), what), None)))
}

/// An exception raised by Python code while the value at `at` was read.
fn raised(py: Python<'_>, err: PyErr, at: &At<'_>) -> Box<Refusal> {
    if !err.is_instance_of::<PyException>(py) || err.is_instance_of::<pyo3::exceptions::PyMemoryError>(py) {
        return Box::new(Refusal::Python(err));
    }
    let ty = err.get_type(py).name().map(|n| n.to_string()).unwrap_or_else(|_| "exception".into());
    let text = err.value(py).str().map(|s| s.to_string()).unwrap_or_default();
    let what = if text.is_empty() { ty } else { format!("{ty}: {text}") };
    Box::new(Refusal::Host(HostValueError::of(Fault::Raised, at.pointer(), &what), Some(err)))
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "object".into())
}

struct Walk {
    budget: Budget,
    /// The containers being read, outermost first: one met again is a cycle.
    open: Vec<usize>,
}

impl Walk {
    fn value(&mut self, obj: &Bound<'_, PyAny>, at: At<'_>, depth: usize) -> Step<Value> {
        let py = obj.py();
        if let Err(m) = self.budget.value(depth) {
            return Err(Box::new(Refusal::Host(HostValueError::new(Fault::TooComplex, at.pointer(), m), None)));
        }
        // Exact built-in types first: a manifest is almost only these, and an
        // exact check is one pointer comparison where `cast` (a subclass check)
        // is a call into the C API each under the stable ABI.
        if let Ok(s) = obj.cast_exact::<PyString>() {
            return self.string(s, &at).map(Value::String);
        }
        if let Ok(d) = obj.cast_exact::<PyDict>() {
            return self.container(obj, &at, |w| w.dict(d, &at, depth));
        }
        if let Ok(l) = obj.cast_exact::<PyList>() {
            return self.container(obj, &at, |w| w.items(l.iter().map(Ok), &at, depth));
        }
        if obj.is_none() {
            return Ok(Value::Null);
        }
        if let Ok(s) = obj.cast::<PyString>() {
            return self.string(s, &at).map(Value::String);
        }
        if let Ok(b) = obj.cast::<PyBool>() {
            return Ok(Value::Bool(b.is_true()));
        }
        if let Ok(i) = obj.cast::<PyInt>() {
            return match i.extract::<i64>() {
                Ok(v) if safe(v) => Ok(Value::Number(v.into())),
                _ => refuse(Fault::UnsafeInteger, &at, ""),
            };
        }
        if let Ok(f) = obj.cast::<PyFloat>() {
            let v = f.value();
            return match Number::from_f64(v) {
                Some(n) => Ok(Value::Number(n)),
                None if v.is_nan() => refuse(Fault::NotFinite, &at, "NaN"),
                None if v > 0.0 => refuse(Fault::NotFinite, &at, "Infinity"),
                None => refuse(Fault::NotFinite, &at, "-Infinity"),
            };
        }
        if let Ok(d) = obj.cast::<PyDict>() {
            return self.container(obj, &at, |w| w.dict(d, &at, depth));
        }
        if let Ok(l) = obj.cast::<PyList>() {
            return self.container(obj, &at, |w| w.items(l.iter().map(Ok), &at, depth));
        }
        if let Ok(t) = obj.cast::<PyTuple>() {
            return self.container(obj, &at, |w| w.items(t.iter().map(Ok), &at, depth));
        }
        // `datetime` is a `date`; both (and `time`) have `isoformat`. PyYAML turns
        // YAML timestamps into these, so a `yaml.safe_load`ed manifest works as is.
        if is_time(obj).map_err(|e| raised(py, e, &at))? {
            let mut s: String =
                obj.call_method0("isoformat").and_then(|s| s.extract()).map_err(|e| raised(py, e, &at))?;
            let datetime = DATETIME_TYPE.import(py, "datetime", "datetime").map_err(|e| raised(py, e, &at))?;
            if obj.is_instance(datetime).unwrap_or(false)
                && obj.call_method0("utcoffset").map_err(|e| raised(py, e, &at))?.is_none()
            {
                // A naive datetime is taken as UTC, as for `now`.
                s.push('Z');
            }
            return Ok(Value::String(s));
        }
        // Types Python code commonly passes that JSON has no form for: refused by
        // name before the generic iteration below would turn them into lists.
        if obj.is_instance_of::<PyBytes>()
            || obj.is_instance_of::<PyByteArray>()
            || obj.is_instance_of::<PySet>()
            || obj.is_instance_of::<PyFrozenSet>()
        {
            return refuse(Fault::Unsupported, &at, &type_name(obj));
        }
        if let Ok(m) = obj.cast::<PyMapping>() {
            return self.container(obj, &at, |w| {
                let items = m.items().map_err(|e| raised(py, e, &at))?;
                w.pairs(items.iter().map(|item| item.extract::<(Bound<'_, PyAny>, Bound<'_, PyAny>)>()), &at, depth)
            });
        }
        match obj.try_iter() {
            // An iterator is read only as far as the limits allow: an endless one
            // stops at `max_nodes`.
            Ok(iter) => self.container(obj, &at, |w| w.items(iter, &at, depth)),
            Err(_) => refuse(Fault::Unsupported, &at, &type_name(obj)),
        }
    }

    /// Reads a container, refusing one that is already being read (a cycle).
    fn container(
        &mut self,
        obj: &Bound<'_, PyAny>,
        at: &At<'_>,
        read: impl FnOnce(&mut Self) -> Step<Value>,
    ) -> Step<Value> {
        let id = obj.as_ptr() as usize;
        if self.open.contains(&id) {
            return refuse(Fault::Cycle, at, "");
        }
        self.open.push(id);
        let out = read(self);
        self.open.pop();
        out
    }

    fn string(&mut self, s: &Bound<'_, PyString>, at: &At<'_>) -> Step<String> {
        // The length in characters is a lower bound of the UTF-8 length: a huge
        // string is refused before its UTF-8 form is made.
        let chars = s.len().unwrap_or(0);
        if !self.budget.fits(chars) {
            let m = self.budget.text(chars).err().unwrap_or_default();
            return Err(Box::new(Refusal::Host(HostValueError::new(Fault::TooLarge, at.pointer(), m), None)));
        }
        let Ok(text) = s.to_str() else { return refuse(Fault::LoneSurrogate, at, "") };
        if let Err(m) = self.budget.text(text.len()) {
            return Err(Box::new(Refusal::Host(HostValueError::new(Fault::TooLarge, at.pointer(), m), None)));
        }
        Ok(text.to_owned())
    }

    fn key(&mut self, k: &Bound<'_, PyAny>, at: &At<'_>) -> Step<String> {
        match k.cast::<PyString>() {
            Ok(s) => self.string(s, at),
            Err(_) => refuse(Fault::KeyNotString, at, &type_name(k)),
        }
    }

    fn dict(&mut self, d: &Bound<'_, PyDict>, at: &At<'_>, depth: usize) -> Step<Value> {
        self.pairs(d.iter().map(Ok), at, depth)
    }

    fn pairs<'py>(
        &mut self,
        pairs: impl Iterator<Item = PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)>>,
        at: &At<'_>,
        depth: usize,
    ) -> Step<Value> {
        let mut map = Map::new();
        for pair in pairs {
            let (k, v) = pair.map_err(|e| raised_at(e, at))?;
            let key = self.key(&k, at)?;
            let child = self.value(&v, At::Key(at, &key), depth + 1)?;
            map.insert(key, child);
        }
        Ok(Value::Object(map))
    }

    fn items<'py>(
        &mut self,
        items: impl Iterator<Item = PyResult<Bound<'py, PyAny>>>,
        at: &At<'_>,
        depth: usize,
    ) -> Step<Value> {
        let mut out = Vec::new();
        for (i, v) in items.enumerate() {
            let here = At::Index(at, i);
            let v = v.map_err(|e| raised_at(e, &here))?;
            out.push(self.value(&v, here, depth + 1)?);
        }
        Ok(Value::Array(out))
    }
}

/// [`raised`] where no `Python` token is at hand (the GIL is held throughout).
fn raised_at(e: PyErr, at: &At<'_>) -> Box<Refusal> {
    Python::attach(|py| raised(py, e, at))
}
