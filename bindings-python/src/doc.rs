//! A manifest `dict` validated as it is, without a JSON copy first.
//!
//! [`PyNode`] lets the core's validation walk Python objects directly
//! (`microgov::model::doc::Node`): each string is copied once, into the
//! `Manifest`, instead of into a `serde_json::Value` tree and again from it.
//! It reads the plain types a manifest is made of (`dict`, `list`, `str`,
//! `int`, `float`, `bool`, `None`, and `datetime`/`date`/`time` as PyYAML
//! gives timestamps); anything else is `Kind::Other`.
//!
//! It is only the fast path: when the walk reports any problem, the caller
//! converts the document the general way (`convert::to_json`) and validates
//! that, so errors (their order, and the Python exception for a value with
//! no JSON form) are exactly those of the general path.

use crate::json::{to_json, DATETIME_TYPE, DATE_TYPE, MAX_DEPTH, TIME_TYPE};
use microgov::ffi::HostArg;
use microgov::model::doc::{Kind, MapNode, Node};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString};
use pyo3::{ffi, intern};
use serde_json::{Map, Number, Value};
use std::borrow::Cow;

/// A Python value, classified once.
#[derive(Clone)]
pub enum PyNode<'py> {
    Null,
    Bool(bool),
    Number(Number),
    Str(Bound<'py, PyString>),
    /// A `datetime`, `date` or `time` in ISO form (naive datetimes as UTC).
    Time(Box<str>),
    Map(Bound<'py, PyDict>),
    List(Bound<'py, PyList>),
    /// A value of another type (a tuple, a custom mapping, bytes, ...) or
    /// one without a JSON form (a huge int, NaN): the general path decides.
    Other,
}

impl<'py> PyNode<'py> {
    /// Classifies `obj`: exact built-in types first (one pointer comparison
    /// each), then their subclasses, then timestamps.
    pub fn new(obj: Bound<'py, PyAny>) -> PyNode<'py> {
        if obj.is_exact_instance_of::<PyString>() {
            if let Ok(s) = obj.cast_into_exact::<PyString>() {
                return PyNode::Str(s);
            }
            return PyNode::Other;
        }
        if obj.is_exact_instance_of::<PyDict>() {
            if let Ok(d) = obj.cast_into_exact::<PyDict>() {
                return PyNode::Map(d);
            }
            return PyNode::Other;
        }
        if obj.is_exact_instance_of::<PyList>() {
            if let Ok(l) = obj.cast_into_exact::<PyList>() {
                return PyNode::List(l);
            }
            return PyNode::Other;
        }
        if obj.is_none() {
            return PyNode::Null;
        }
        if let Ok(b) = obj.cast::<PyBool>() {
            return PyNode::Bool(b.is_true());
        }
        if let Ok(i) = obj.cast::<PyInt>() {
            if let Ok(v) = i.extract::<i64>() {
                return PyNode::Number(v.into());
            }
            if let Ok(v) = i.extract::<u64>() {
                return PyNode::Number(v.into());
            }
            return PyNode::Other;
        }
        if let Ok(f) = obj.cast::<PyFloat>() {
            return Number::from_f64(f.value()).map_or(PyNode::Other, PyNode::Number);
        }
        if let Ok(s) = obj.cast::<PyString>() {
            return PyNode::Str(s.clone());
        }
        if let Ok(d) = obj.cast::<PyDict>() {
            return PyNode::Map(d.clone());
        }
        if let Ok(l) = obj.cast::<PyList>() {
            return PyNode::List(l.clone());
        }
        match iso_time(&obj) {
            Some(t) => PyNode::Time(t.into_boxed_str()),
            None => PyNode::Other,
        }
    }
}

impl PyNode<'_> {
    /// The value as JSON when it holds only the types `PyNode` reads.
    fn plain_value(&self, depth: usize) -> Option<Value> {
        match self {
            PyNode::Null => Some(Value::Null),
            PyNode::Bool(b) => Some(Value::Bool(*b)),
            PyNode::Number(n) => Some(Value::Number(n.clone())),
            PyNode::Str(s) => s.to_str().ok().map(|s| Value::String(s.to_owned())),
            PyNode::Time(t) => Some(Value::String(t.to_string())),
            PyNode::Map(_) if depth < MAX_DEPTH => {
                let mut out = Map::new();
                let mut plain = true;
                let read = self.as_map()?.each(|k, v| match v.plain_value(depth + 1) {
                    Some(value) => {
                        out.insert(k.to_owned(), value);
                    }
                    None => plain = false,
                });
                (read && plain).then_some(Value::Object(out))
            }
            PyNode::List(l) if depth < MAX_DEPTH => {
                let mut out = Vec::with_capacity(l.len());
                for v in l.iter() {
                    out.push(PyNode::new(v).plain_value(depth + 1)?);
                }
                Some(Value::Array(out))
            }
            _ => None,
        }
    }
}

/// A `datetime`, `date` or `time` as `convert::to_json` writes it
/// (`isoformat`, and `Z` for a naive datetime). A `datetime` is written
/// from its fields: Python's `isoformat` formats through `printf` and cost
/// a tenth of reading a whole manifest. `None` (the general path decides)
/// for an offset that is not whole minutes, which RFC 3339 cannot write.
fn iso_time(obj: &Bound<'_, PyAny>) -> Option<String> {
    let py = obj.py();
    let datetime = DATETIME_TYPE.import(py, "datetime", "datetime").ok()?;
    if obj.is_instance(datetime).ok()? {
        let int = |o: &Bound<'_, PyAny>, name: &Bound<'_, PyString>| o.getattr(name).ok()?.extract::<i64>().ok();
        let [year, month, day, hour, minute, second, micro] = [
            intern!(py, "year"),
            intern!(py, "month"),
            intern!(py, "day"),
            intern!(py, "hour"),
            intern!(py, "minute"),
            intern!(py, "second"),
            intern!(py, "microsecond"),
        ]
        .map(|name| int(obj, name));
        // Written digit by digit: `format!` was most of the cost here.
        let mut out = String::with_capacity(32);
        for (n, width, then) in [(year?, 4, '-'), (month?, 2, '-'), (day?, 2, 'T'), (hour?, 2, ':'), (minute?, 2, ':')]
        {
            push_digits(&mut out, n, width)?;
            out.push(then);
        }
        push_digits(&mut out, second?, 2)?;
        // As `isoformat` writes them: no fraction for whole seconds.
        if micro? != 0 {
            out.push('.');
            push_digits(&mut out, micro?, 6)?;
        }
        // Most timestamps are naive or in UTC (PyYAML's `Z`): no call then.
        let tz = obj.getattr(intern!(py, "tzinfo")).ok()?;
        if tz.is(utc(py)?) {
            out.push_str("+00:00");
            return Some(out);
        }
        let offset = if tz.is_none() { tz } else { obj.call_method0(intern!(py, "utcoffset")).ok()? };
        if offset.is_none() {
            // A naive datetime is taken as UTC, as for `now`.
            out.push('Z');
            return Some(out);
        }
        let [days, seconds, micros] =
            [intern!(py, "days"), intern!(py, "seconds"), intern!(py, "microseconds")].map(|name| int(&offset, name));
        let total = days? * 86_400 + seconds?;
        if micros? != 0 || total % 60 != 0 {
            return None;
        }
        out.push(if total < 0 { '-' } else { '+' });
        let minutes = total.abs() / 60;
        push_digits(&mut out, minutes / 60, 2)?;
        out.push(':');
        push_digits(&mut out, minutes % 60, 2)?;
        return Some(out);
    }
    let date = DATE_TYPE.import(py, "datetime", "date").ok()?;
    let time = TIME_TYPE.import(py, "datetime", "time").ok()?;
    if obj.is_instance(date).ok()? || obj.is_instance(time).ok()? {
        return obj.call_method0(intern!(py, "isoformat")).ok()?.extract().ok();
    }
    None
}

/// `datetime.timezone.utc`, looked up once.
fn utc(py: Python<'_>) -> Option<&Bound<'_, PyAny>> {
    static UTC: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    UTC.get_or_try_init(py, || py.import("datetime")?.getattr("timezone")?.getattr("utc").map(Bound::unbind))
        .ok()
        .map(|u| u.bind(py))
}

/// Appends `n` in decimal, zero-padded to `width` digits; `None` for a
/// number that does not fit (no such datetime field exists).
fn push_digits(out: &mut String, n: i64, width: u32) -> Option<()> {
    let n = u32::try_from(n).ok().filter(|n| u64::from(*n) < 10u64.pow(width))?;
    for p in (0..width).rev() {
        out.push(char::from(b'0' + u8::try_from(n / 10u32.pow(p) % 10).ok()?));
    }
    Some(())
}

/// A `dict`, read entry by entry as the walk visits it.
pub struct PyMap<'py> {
    dict: Bound<'py, PyDict>,
}

impl<'py> Node for PyNode<'py> {
    type Map = PyMap<'py>;

    fn kind(&self) -> Kind {
        match self {
            PyNode::Null => Kind::Null,
            PyNode::Bool(_) => Kind::Bool,
            PyNode::Number(_) => Kind::Number,
            PyNode::Str(_) | PyNode::Time(_) => Kind::String,
            PyNode::Map(_) => Kind::Map,
            PyNode::List(_) => Kind::List,
            PyNode::Other => Kind::Other,
        }
    }

    /// A `dict` (its keys are checked as it is read: `PyMap::each`).
    fn as_map(&self) -> Option<PyMap<'py>> {
        match self {
            PyNode::Map(d) => Some(PyMap { dict: d.clone() }),
            _ => None,
        }
    }

    fn list_len(&self) -> Option<usize> {
        match self {
            PyNode::List(l) => Some(l.len()),
            _ => None,
        }
    }

    fn item(&self, i: usize) -> Option<PyNode<'py>> {
        match self {
            PyNode::List(l) => l.get_item(i).ok().map(PyNode::new),
            _ => None,
        }
    }

    /// `None` also for a `str` that is not valid Unicode (a lone surrogate).
    fn as_str(&self) -> Option<Cow<'_, str>> {
        match self {
            PyNode::Str(s) => s.to_str().ok().map(Cow::Borrowed),
            PyNode::Time(t) => Some(Cow::Borrowed(t)),
            _ => None,
        }
    }

    fn as_bool(&self) -> Option<bool> {
        match self {
            PyNode::Bool(b) => Some(*b),
            _ => None,
        }
    }

    fn as_number(&self) -> Option<Number> {
        match self {
            PyNode::Number(n) => Some(n.clone()),
            _ => None,
        }
    }

    /// Plain values are read here; a document with anything else in it
    /// (a tuple, a custom mapping, bytes) is converted the general way.
    fn to_value(&self) -> Option<Value> {
        self.plain_value(0).or_else(|| match self {
            PyNode::Map(d) => to_json(d.as_any(), HostArg::Manifest).ok(),
            PyNode::List(l) => to_json(l.as_any(), HostArg::Manifest).ok(),
            _ => None,
        })
    }
}

impl<'py> MapNode for PyMap<'py> {
    type Node = PyNode<'py>;

    /// `false` at a key that is not a `str` (or not valid Unicode), and
    /// when the dict changed size while it was read (Python code runs for
    /// a timestamp's methods or a subclass): the general path reports it.
    fn each(&self, mut f: impl FnMut(&str, PyNode<'py>)) -> bool {
        let d = &self.dict;
        let py = d.py();
        let len = d.len();
        // `PyDict_Next` rather than pyo3's iterator: the same, less a
        // size check per entry, and no key has to outlive its call.
        let (mut pos, mut k, mut v) = (0, std::ptr::null_mut(), std::ptr::null_mut());
        // SAFETY: `d` is a dict and the GIL is held; `PyDict_Next` hands out
        // borrowed references, which become owned ones (`from_borrowed_ptr`
        // takes a reference) before any Python code can run. Python code
        // that changes the dict (for a value below) cannot make it read out
        // of bounds: it indexes the dict's current table on every call.
        #[allow(unsafe_code)]
        while unsafe { ffi::PyDict_Next(d.as_ptr(), &mut pos, &mut k, &mut v) } != 0 {
            #[allow(unsafe_code)]
            let (key, value) = unsafe { (Bound::from_borrowed_ptr(py, k), Bound::from_borrowed_ptr(py, v)) };
            let key = if key.is_exact_instance_of::<PyString>() {
                key.cast_into_exact::<PyString>()
            } else {
                key.cast_into::<PyString>()
            };
            let Some(text) = key.as_ref().ok().and_then(|k| k.to_str().ok()) else { return false };
            let value = PyNode::new(value);
            // Python code may run while a timestamp (or an unknown type) is
            // read, and in `f` for what nests (its timestamps).
            let ran_python = matches!(value, PyNode::Time(_) | PyNode::Other | PyNode::Map(_) | PyNode::List(_));
            f(text, value);
            if ran_python && d.len() != len {
                return false;
            }
        }
        true
    }
}
