//! Between JavaScript values and JSON text, both ways. Out: any serializable value
//! crosses as JSON text and V8's `JSON.parse`. In: [`read_plain`] walks the caller's
//! value in JavaScript (`plain.js`) within the manifest limits and refuses what has no
//! faithful JSON form (`microgov::ffi::Fault`), where `JSON.stringify` alone would
//! silently write `null`, `{}` or drop a member. Below both `crate::convert`
//! (arguments and results) and `crate::errors` (the properties of an `Error`), so
//! neither imports the other.

use microgov::ffi::{Exceeded, Fault, HostArg, HostValueError};
use microgov::model::Limits;
use napi::bindgen_prelude::{JsObjectValue, JsValue, ToNapiValue, TypeName, Unknown};
use napi::JSON;
use napi::{sys, Env, ValueType};
use serde::Serialize;

/// A serializable value handed to JavaScript as a plain object (snake_case
/// keys, as serde writes them).
pub struct Plain<T>(pub T);

impl<T: Serialize> TypeName for Plain<T> {
    fn type_name() -> &'static str {
        "Object"
    }

    fn value_type() -> ValueType {
        ValueType::Object
    }
}

impl<T: Serialize> ToNapiValue for Plain<T> {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        let env = Env::from_raw(env);
        json_value(&env, &val.0).map(|v| v.raw())
    }
}

/// A serializable value as a JavaScript value, through JSON text and V8's
/// `JSON.parse`: measured faster than building the object property by
/// property through Node-API (about 100 us less for a manifest, less for a
/// decision), and it gives exactly the JSON shape the other bindings emit.
pub fn json_value<'env, T: Serialize + ?Sized>(env: &'env Env, value: &T) -> napi::Result<Unknown<'env>> {
    let text = serde_json::to_string(value)
        .map_err(|e| napi::Error::from_reason(format!("cannot convert the result to JSON: {e}")))?;
    json_parse(env, &text)
}

/// `JSON.parse(text)`.
fn json_parse<'env>(env: &'env Env, text: &str) -> napi::Result<Unknown<'env>> {
    let json: JSON<'_> = env.get_global()?.get_named_property_unchecked("JSON")?;
    let parse: napi::bindgen_prelude::Function<'_, String, Unknown<'env>> =
        json.get_named_property_unchecked("parse")?;
    parse.call(text.to_string())
}

// --- JavaScript values in ------------------------------------------------------------

/// The walker of `plain.js`, compiled once per environment.
const PLAIN_JS: &str = include_str!("plain.js");

/// The compiled walker, kept as the environment's instance data.
struct Helper {
    plain: sys::napi_ref,
}

/// A caller's value read as JSON text within the manifest limits, or why it was refused.
pub enum Read {
    /// The JSON text of a faithful plain copy.
    Json(String),
    /// The value is refused; `cause` names the caller's own exception that caused it
    /// (see [`take_cause`]).
    Refused(HostValueError, Option<u32>),
}

/// The walker function (`plain.js`), compiled on first use in this environment.
fn helper(env: &Env) -> napi::Result<sys::napi_value> {
    if let Ok(Some(h)) = env.get_instance_data::<Helper>() {
        let mut value = std::ptr::null_mut();
        // SAFETY: on the JavaScript thread; `h.plain` is a strong reference made in this env.
        let status = unsafe { sys::napi_get_reference_value(env.raw(), h.plain, &mut value) };
        if status == sys::Status::napi_ok && !value.is_null() {
            return Ok(value);
        }
    }
    let f: Unknown<'_> = env.run_script(PLAIN_JS)?;
    let mut reference = std::ptr::null_mut();
    // SAFETY: on the JavaScript thread, `f` a live value of this env.
    let status = unsafe { sys::napi_create_reference(env.raw(), f.raw(), 1, &mut reference) };
    // Instance data another addon's code set is never overwritten: the walker is
    // then compiled again on each call (slower, same answers).
    if status == sys::Status::napi_ok && matches!(env.get_instance_data::<Helper>(), Ok(None)) {
        env.set_instance_data(Helper { plain: reference }, (), |_| {})?;
    }
    Ok(f.raw())
}

/// Reads `value` (any JavaScript value), given as `arg`, into JSON text within `limits`:
/// NaN, ±Infinity, `undefined`, functions, Symbols, BigInts beyond 2^53 − 1, objects
/// that are not plain (`Map`, `Set`, `Buffer`, typed arrays, class instances, a `Date`
/// other than at a timestamp member, `HostArg::timestamp_members`), enumerable Symbol
/// keys, lone surrogates, cycles and throwing getters or Proxy traps are refused with
/// the pointer of the value at fault.
pub fn read_plain(env: &Env, value: &Unknown<'_>, arg: HostArg, limits: &Limits) -> napi::Result<Read> {
    let f = helper(env)?;
    let num = |n: usize| env.create_double(n as f64).map(|v| v.raw());
    let times = match arg.timestamp_members() {
        Some(p) => env.create_string(p)?.raw(),
        None => {
            let mut undefined = std::ptr::null_mut();
            // SAFETY: on the JavaScript thread.
            unsafe { sys::napi_get_undefined(env.raw(), &mut undefined) };
            undefined
        }
    };
    let args = [value.raw(), num(limits.max_depth)?, num(limits.max_nodes)?, num(limits.max_bytes)?, times];
    let mut undefined = std::ptr::null_mut();
    let mut out = std::ptr::null_mut();
    // SAFETY: on the JavaScript thread; every value is a live value of this env.
    let status = unsafe {
        sys::napi_get_undefined(env.raw(), &mut undefined);
        sys::napi_call_function(env.raw(), undefined, f, args.len(), args.as_ptr(), &mut out)
    };
    if status != sys::Status::napi_ok {
        // The walker itself failed (it catches the caller's exceptions): clear it.
        let mut raw = std::ptr::null_mut();
        // SAFETY: as above.
        unsafe { sys::napi_get_and_clear_last_exception(env.raw(), &mut raw) };
        return Err(napi::Error::from_reason("the value could not be read"));
    }
    // SAFETY: `out` was just returned by Node for this env.
    let out = unsafe { Unknown::from_raw_unchecked(env.raw(), out) };
    if out.get_type()? == ValueType::String {
        let text = out.coerce_to_string()?.into_utf8()?.into_owned()?;
        return Ok(Read::Json(text));
    }
    let obj = napi::bindgen_prelude::Object::from_raw(env.raw(), out.raw());
    let fault: String = obj.get("fault")?.unwrap_or_default();
    let path: String = obj.get("path")?.unwrap_or_default();
    let what: String = obj.get("what")?.unwrap_or_default();
    let cause: Option<u32> = obj.get("cause")?;
    let fault = Fault::from_name(&fault).unwrap_or(Fault::Unsupported);
    let err = match Exceeded::from_name(&what) {
        Some(limit) if matches!(fault, Fault::TooLarge | Fault::TooComplex) => {
            HostValueError::new(limit.fault(), path, limit.message(limits))
        }
        _ => HostValueError::of(fault, path, &what),
    };
    Ok(Read::Refused(err, cause))
}

/// The caller's exception a refusal kept (once: the walker forgets it then).
pub fn take_cause<'env>(env: &'env Env, id: u32) -> napi::Result<Unknown<'env>> {
    let f = helper(env)?;
    let obj = napi::bindgen_prelude::Object::from_raw(env.raw(), f);
    let take: napi::bindgen_prelude::Function<'_, u32, Unknown<'env>> = obj.get_named_property_unchecked("take")?;
    take.call(id)
}
