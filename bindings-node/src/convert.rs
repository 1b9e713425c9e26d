//! Between JavaScript values and microgov's inputs and outputs.
//!
//! Arguments are read on the JavaScript thread into plain Rust data
//! ([`Request`]); parsing, validation and evaluation happen in [`Request::run`],
//! which the synchronous methods call directly and the async ones call on a
//! libuv thread. Objects cross as JSON text of a faithful plain copy
//! (`crate::json::read_plain`), so a manifest object and the same manifest as a
//! string go through the same parser, limits and error paths, and a value JSON has
//! no form for (NaN, a `Date`, a `Map` ...) is refused at its pointer instead of
//! being written as `null` or `{}`.

use crate::errors::Failure;
use crate::json::{json_value, read_plain, Read};
use chrono::{DateTime, Utc};
use microgov::engine::PreparedApp;
use microgov::ffi::{Fault, HostArg};
use microgov::model::approval::approvals_from_str;
use microgov::model::{Limits, Problem};
use microgov::{Context, Decision, Engine, Manifest};
use napi::bindgen_prelude::{
    ClassInstance, FromNapiValue, JavaScriptClassExt, JsValue, Object, ToNapiValue, TypeName, Unknown,
};
use napi::{sys, Env, ValueType};
use std::borrow::Cow;

/// A manifest argument: its YAML or JSON text, an object (as JSON), or an
/// app prepared by `engine.prepare`.
#[derive(Debug, Clone)]
pub enum ManifestArg {
    /// YAML or JSON text, parsed and validated where it is used.
    Text(String),
    /// An object, as `JSON.stringify` wrote it: its problems carry no line
    /// and column (they would point into that one-line text, not the
    /// caller's code).
    Object(String),
    /// Validated once, with the parts of the input that depend on it alone.
    Prepared(PreparedApp),
    /// An item of a batch that could not be read: its error, given back in its place.
    Failed(Failure),
}

impl Default for ManifestArg {
    fn default() -> Self {
        ManifestArg::Text(String::new())
    }
}

impl ManifestArg {
    /// Reads a manifest argument on the JavaScript thread.
    pub fn read(env: &Env, value: &Unknown<'_>, what: &str) -> Result<ManifestArg, Failure> {
        let object = value.get_type().ok() == Some(ValueType::Object);
        if object && crate::prepared::PreparedApp::instance_of(env, value).unwrap_or(false) {
            // SAFETY: on the JavaScript thread, `value` is a live value of
            // this env, just checked to be a `PreparedApp` instance.
            let app = unsafe { ClassInstance::<crate::prepared::PreparedApp>::from_napi_value(env.raw(), value.raw()) }
                .map_err(|e| Failure::arg_type(format!("{what}: {e}")))?;
            return Ok(ManifestArg::Prepared(app.inner.clone()));
        }
        document_text(env, value, what, HostArg::Manifest).map(|text| {
            if object {
                ManifestArg::Object(text)
            } else {
                ManifestArg::Text(text)
            }
        })
    }

    /// The validated manifest. Runs on any thread.
    pub fn manifest(&self, engine: &Engine) -> Result<Cow<'_, Manifest>, Failure> {
        match self {
            ManifestArg::Failed(f) => Err(f.clone()),
            other => Ok(other.parse(engine)?),
        }
    }

    fn parse(&self, engine: &Engine) -> microgov::Result<Cow<'_, Manifest>> {
        match self {
            ManifestArg::Text(text) => engine.parse_manifest(text).map(Cow::Owned),
            ManifestArg::Object(json) => engine.parse_manifest(json).map(Cow::Owned).map_err(unlocated),
            ManifestArg::Prepared(app) => Ok(Cow::Borrowed(app.manifest())),
            // Only `manifest` and `problems_of` see this variant, and answer with its failure.
            ManifestArg::Failed(_) => engine.parse_manifest("").map(Cow::Owned),
        }
    }
}

/// The error without the problems' lines and columns (for a document that
/// was an object, not text).
fn unlocated(e: microgov::Error) -> microgov::Error {
    match e {
        microgov::Error::Manifest(e) => microgov::model::ManifestError { problems: strip(e.problems), ..e }.into(),
        other => other,
    }
}

fn strip(mut problems: Vec<Problem>) -> Vec<Problem> {
    for p in &mut problems {
        p.line = None;
        p.column = None;
    }
    problems
}

/// A document argument (approvals) as text, and whether it was an object.
#[derive(Debug, Clone)]
pub struct DocText {
    text: String,
    object: bool,
}

/// JSON text of a JavaScript value: strings as they are (YAML or JSON),
/// objects as the JSON text of their plain copy ([`plain_json`]).
pub fn document_text(env: &Env, value: &Unknown<'_>, what: &str, arg: HostArg) -> Result<String, Failure> {
    match value.get_type().map_err(|e| Failure::arg_type(format!("{what}: {e}")))? {
        ValueType::String => string_value(value, what),
        ValueType::Object => plain_json(env, value, what, arg),
        other => {
            Err(Failure::arg_type(format!("{what} must be an object or a YAML/JSON string, got {}", type_name(other))))
        }
    }
}

/// The JSON text of `value`, a plain copy within the manifest limits; a value without
/// a faithful JSON form is the error of `arg` (`microgov::ffi::HostValueError`)
/// pointing at it, a whole argument that is no plain object a `TypeError`.
pub fn plain_json(env: &Env, value: &Unknown<'_>, what: &str, arg: HostArg) -> Result<String, Failure> {
    match read_plain(env, value, arg, &Limits::default()) {
        Ok(Read::Json(text)) => Ok(text),
        Ok(Read::Refused(e, _)) if e.path.is_empty() && e.fault == Fault::Unsupported => {
            Err(Failure::arg_type(format!("{what} must be a plain object: {}", e.message)))
        }
        Ok(Read::Refused(e, cause)) => Err(Failure::host(arg, &e, cause)),
        Err(e) => Err(Failure::arg_value(format!("{what} cannot be read: {}", e.reason))),
    }
}

/// A string argument: anything else is `ERR_INVALID_ARG_TYPE`, a string with a lone
/// surrogate (which UTF-8 cannot hold, so it would arrive changed) `ERR_INVALID_ARG_VALUE`.
pub fn string_arg(value: &Unknown<'_>, what: &str) -> Result<String, Failure> {
    match value.get_type() {
        Ok(ValueType::String) => string_value(value, what),
        Ok(other) => Err(Failure::arg_type(format!("{what} must be a string, got {}", type_name(other)))),
        Err(e) => Err(Failure::arg_type(format!("{what}: {e}"))),
    }
}

/// A JavaScript string (the caller checked its type) as Rust text, refusing a lone surrogate.
fn string_value(value: &Unknown<'_>, what: &str) -> Result<String, Failure> {
    let bad = |e: napi::Error| Failure::arg_value(format!("{what}: {e}"));
    let js = value.coerce_to_string().map_err(bad)?;
    let text = js.into_utf8().and_then(|s| s.into_owned()).map_err(bad)?;
    // V8 writes a lone surrogate as U+FFFD: only then are the UTF-16 units read to
    // tell it from a U+FFFD the caller wrote.
    if !text.contains('\u{fffd}') {
        return Ok(text);
    }
    let js = value.coerce_to_string().map_err(bad)?;
    let len = js.utf16_len().map_err(bad)?;
    let units = js.into_utf16().map_err(bad)?;
    let units = &units.as_slice()[..len.min(units.as_slice().len())];
    match char::decode_utf16(units.iter().copied()).position(|c| c.is_err()) {
        None => Ok(text),
        Some(at) => Err(Failure::arg_value(format!(
            "{what} holds a lone surrogate after character {at}, which is not unicode text"
        ))),
    }
}

fn type_name(t: ValueType) -> &'static str {
    match t {
        ValueType::Undefined => "undefined",
        ValueType::Null => "null",
        ValueType::Boolean => "boolean",
        ValueType::Number => "number",
        ValueType::String => "string",
        ValueType::Symbol => "symbol",
        ValueType::Object => "object",
        ValueType::Function => "function",
        ValueType::BigInt => "bigint",
        _ => "unknown",
    }
}

/// Fails on keys a caller probably misspelled (`policyDir` for `policyDirs`).
pub fn check_keys(obj: &Object<'_>, allowed: &[&str], what: &str) -> Result<(), Failure> {
    let keys = Object::keys(obj).map_err(|e| Failure::arg_type(format!("{what}: {e}")))?;
    for k in keys {
        if !allowed.contains(&k.as_str()) {
            return Err(Failure::arg_value(format!("{what}: unknown option \"{k}\" (known: {})", allowed.join(", "))));
        }
    }
    Ok(())
}

/// An optional property, `undefined` read as absent.
pub fn prop<'env>(obj: &Object<'env>, key: &str) -> Result<Option<Unknown<'env>>, Failure> {
    let v: Option<Unknown<'env>> = obj.get(key).map_err(|e| Failure::arg_type(format!("{key}: {e}")))?;
    Ok(v)
}

/// An optional list of strings.
pub fn string_list(obj: &Object<'_>, key: &str) -> Result<Vec<String>, Failure> {
    match prop(obj, key)? {
        None => Ok(Vec::new()),
        Some(v) => {
            let list: Vec<String> = obj.get::<Vec<String>>(key).ok().flatten().ok_or_else(|| {
                Failure::arg_type(format!(
                    "options.{key} must be an array of strings, got {}",
                    v.get_type().map(type_name).unwrap_or("unknown")
                ))
            })?;
            Ok(list)
        }
    }
}

/// An options object (or `undefined`/`null`).
pub fn options<'env>(value: Option<Unknown<'env>>, what: &str) -> Result<Option<Object<'env>>, Failure> {
    let Some(v) = value else { return Ok(None) };
    match v.get_type().map_err(|e| Failure::arg_type(e.to_string()))? {
        ValueType::Undefined | ValueType::Null => Ok(None),
        ValueType::Object => Ok(Some(Object::from_raw(v.value().env, v.raw()))),
        other => Err(Failure::arg_type(format!("{what} must be an object, got {}", type_name(other)))),
    }
}

/// What one evaluation needs, read from the arguments; holds no JavaScript value.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// The manifest.
    pub manifest: ManifestArg,
    /// The approvals' YAML or JSON text.
    pub approvals: Option<DocText>,
    /// Evaluation time.
    pub now: Option<DateTime<Utc>>,
    /// Fixed decision id.
    pub decision_id: Option<String>,
    /// `input.context.extra` as JSON text.
    pub extra: Option<String>,
}

/// The evaluation options, shared by every manifest of a batch.
#[derive(Debug, Clone, Default)]
pub struct EvalOptions {
    approvals: Option<DocText>,
    now: Option<DateTime<Utc>>,
    decision_id: Option<String>,
    extra: Option<String>,
}

impl EvalOptions {
    /// Reads `{ approvals, now, decisionId, extra }`.
    pub fn read(env: &Env, value: Option<Unknown<'_>>) -> Result<EvalOptions, Failure> {
        let Some(obj) = options(value, "options")? else { return Ok(EvalOptions::default()) };
        check_keys(&obj, &["approvals", "now", "decisionId", "extra"], "options")?;
        let approvals = match prop(&obj, "approvals")? {
            None => None,
            Some(v) if v.get_type().ok() == Some(ValueType::Null) => None,
            Some(v) => {
                let object = v.get_type().ok() == Some(ValueType::Object);
                Some(DocText { text: document_text(env, &v, "options.approvals", HostArg::Approvals)?, object })
            }
        };
        let now = match prop(&obj, "now")? {
            None => None,
            Some(v) => Some(read_time(&v, "options.now")?),
        };
        let decision_id = match prop(&obj, "decisionId")? {
            None => None,
            Some(v) => match v.get_type().ok() {
                Some(ValueType::String) => Some(string_arg(&v, "options.decisionId")?),
                Some(ValueType::Null) => None,
                _ => return Err(Failure::arg_type("options.decisionId must be a string")),
            },
        };
        let extra = match prop(&obj, "extra")? {
            None => None,
            Some(v) => match v.get_type().ok() {
                Some(ValueType::Null) => None,
                Some(ValueType::Object) => Some(plain_json(env, &v, "options.extra", HostArg::Input("extra"))?),
                _ => return Err(Failure::arg_type("options.extra must be an object")),
            },
        };
        Ok(EvalOptions { approvals, now, decision_id, extra })
    }

    /// A request for one manifest.
    pub fn request(&self, manifest: ManifestArg) -> Request {
        Request {
            manifest,
            approvals: self.approvals.clone(),
            now: self.now,
            decision_id: self.decision_id.clone(),
            extra: self.extra.clone(),
        }
    }
}

/// A time argument: an RFC 3339 string or a `Date`.
pub fn read_time(v: &Unknown<'_>, what: &str) -> Result<DateTime<Utc>, Failure> {
    let bad = || Failure::arg_type(format!("{what} must be an RFC 3339 string or a Date"));
    match v.get_type().map_err(|_| bad())? {
        ValueType::String => {
            let s = v.coerce_to_string().and_then(|s| s.into_utf8()).and_then(|s| s.into_owned()).map_err(|_| bad())?;
            DateTime::parse_from_rfc3339(&s)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|e| Failure::arg_value(format!("{what}: \"{s}\" is not an RFC 3339 time: {e}")))
        }
        ValueType::Object if v.is_date().unwrap_or(false) => {
            let ms = v.coerce_to_number().and_then(|n| n.get_double()).map_err(|_| bad())?;
            if !ms.is_finite() {
                return Err(Failure::arg_value(format!("{what} is an invalid Date")));
            }
            DateTime::from_timestamp_millis(ms as i64)
                .ok_or_else(|| Failure::arg_value(format!("{what} is out of range")))
        }
        _ => Err(bad()),
    }
}

impl Request {
    /// Parses, validates and evaluates. Runs on any thread.
    pub fn run(&self, engine: &Engine) -> Result<Decision, Failure> {
        let ctx = self.context()?;
        match &self.manifest {
            ManifestArg::Prepared(app) => Ok(engine.evaluate_prepared(app, &ctx)?),
            other => Ok(engine.evaluate(&*other.manifest(engine)?, &ctx)?),
        }
    }

    /// The evaluation context.
    pub fn context(&self) -> Result<Context, Failure> {
        let approvals = match &self.approvals {
            Some(doc) => {
                approvals_from_str(&doc.text).map_err(|p| Failure::approvals(if doc.object { strip(p) } else { p }))?
            }
            None => Vec::new(),
        };
        let extra = match &self.extra {
            Some(text) => serde_json::from_str(text).map_err(|e| Failure::arg_value(format!("options.extra: {e}")))?,
            None => serde_json::Value::Null,
        };
        Ok(Context { now: self.now, decision_id: self.decision_id.clone(), approvals, extra })
    }
}

/// Validation problems of a manifest (empty when it is valid).
pub fn problems_of(engine: &Engine, manifest: &ManifestArg) -> Result<Vec<Problem>, Failure> {
    if let ManifestArg::Failed(f) = manifest {
        return Err(f.clone());
    }
    match manifest.parse(engine) {
        Ok(_) => Ok(Vec::new()),
        Err(e) if e.code() == "manifest.invalid" => Ok(e.problems().to_vec()),
        Err(e) => Err(e.into()),
    }
}

/// Results of a batch: each a decision or an `Error` object, in order.
pub struct Batch(pub Vec<Result<Decision, Failure>>);

impl TypeName for Batch {
    fn type_name() -> &'static str {
        "Array"
    }

    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl ToNapiValue for Batch {
    unsafe fn to_napi_value(raw_env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        let env = Env::from_raw(raw_env);
        let mut arr = env.create_array(val.0.len() as u32)?;
        for (i, r) in val.0.into_iter().enumerate() {
            match r {
                Ok(d) => arr.set(i as u32, json_value(&env, &d)?)?,
                Err(f) => arr.set(i as u32, f.into_napi(&env))?,
            }
        }
        // SAFETY: forwarding the array this env just made.
        unsafe { ToNapiValue::to_napi_value(raw_env, arr) }
    }
}
