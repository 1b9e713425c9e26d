//! Errors as JavaScript sees them.
//!
//! Every core error goes through `microgov::ffi::ErrorDetails` (the contract the
//! Python binding shares) and becomes an `Error` whose `code` is microgov's
//! stable code (`manifest.invalid`, `policy.parse` ...) and whose message is the
//! core's one line; each of its fields (`problems`, `file`, `line`, `seq`, `kind`,
//! `field`) becomes a property, in one loop. Wrong argument types are `TypeError`s with Node's own codes
//! (`ERR_INVALID_ARG_TYPE`, `ERR_INVALID_ARG_VALUE`), as Node's APIs throw.
//!
//! A value the caller passed that has no faithful JSON form is refused with the
//! error `microgov::ffi::HostValueError::details` gives for its argument (the Python
//! binding raises the same); an exception the caller's own getter or Proxy threw is
//! its `cause`.
//!
//! A [`Failure`] holds no JavaScript value, so it can be made on a libuv
//! thread and turned into an `Error` object later, on the JavaScript thread.

use microgov::ffi::{ErrorDetails, HostArg, HostValueError};
use microgov::model::Problem;
use napi::bindgen_prelude::{JsObjectValue, JsValue, Object};
use napi::{Env, JsTypeError};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// The code of an error that escaped as a Rust panic (a bug in microgov).
pub const PANIC_CODE: &str = "internal";

/// Which JavaScript constructor the error uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Error,
    TypeError,
}

/// A failure on its way to JavaScript.
#[derive(Debug, Clone)]
pub struct Failure {
    kind: Kind,
    code: String,
    message: String,
    /// The properties beside `code` (`ErrorDetails::fields`): `problems`, `file`,
    /// `line`, `seq`, `kind`, `field` where they apply.
    props: Vec<(&'static str, serde_json::Value)>,
    /// The caller's own exception that caused it (a throwing getter or Proxy trap),
    /// kept by the walker (`crate::json::take_cause`) until the `Error` is made.
    cause: Option<u32>,
}

impl From<microgov::Error> for Failure {
    fn from(e: microgov::Error) -> Self {
        Failure::details(ErrorDetails::of(&e))
    }
}

impl Failure {
    /// The error of `d`, as every binding shows it.
    pub fn details(d: ErrorDetails) -> Self {
        Failure { kind: Kind::Error, code: d.code.to_string(), props: d.fields(), message: d.message, cause: None }
    }

    /// A refused value given as `arg`, with the id of the caller's exception that caused it.
    pub fn host(arg: HostArg, e: &HostValueError, cause: Option<u32>) -> Self {
        Failure { cause, ..Failure::details(e.details(arg)) }
    }

    /// Invalid approvals: every problem at once (`invalid approvals: N problem(s)`).
    pub fn approvals(problems: Vec<Problem>) -> Self {
        microgov::Error::from(microgov::model::ManifestError::approvals(problems)).into()
    }

    /// An argument of the wrong JavaScript type.
    pub fn arg_type(message: impl Into<String>) -> Self {
        Failure {
            kind: Kind::TypeError,
            code: "ERR_INVALID_ARG_TYPE".into(),
            message: message.into(),
            props: Vec::new(),
            cause: None,
        }
    }

    /// An argument of the right type but an unusable value.
    pub fn arg_value(message: impl Into<String>) -> Self {
        Failure {
            kind: Kind::TypeError,
            code: "ERR_INVALID_ARG_VALUE".into(),
            message: message.into(),
            props: Vec::new(),
            cause: None,
        }
    }

    /// A broken invariant of the binding itself.
    pub fn internal(message: impl Into<String>) -> Self {
        Failure { kind: Kind::Error, code: "internal".into(), message: message.into(), props: Vec::new(), cause: None }
    }

    /// A panic caught at the boundary.
    fn panic(payload: &(dyn std::any::Any + Send)) -> Self {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .or_else(|| payload.downcast_ref::<QuietPanic>().map(|q| q.0.clone()))
            .unwrap_or_else(|| "unknown panic".to_string());
        Failure {
            kind: Kind::Error,
            code: PANIC_CODE.into(),
            message: format!("internal error in microgov (please report it): {what}"),
            props: Vec::new(),
            cause: None,
        }
    }

    /// The JavaScript `Error` object, as a `napi::Error` that keeps it:
    /// throwing or rejecting with the result hands JavaScript this very object.
    pub fn into_napi(self, env: &Env) -> napi::Error {
        match self.to_js_object(env) {
            Ok(obj) => napi::Error::from(obj.to_unknown()),
            // The environment cannot build objects (shutting down): a plain
            // error still carries the code.
            Err(_) => napi::Error::new(napi::Status::GenericFailure, format!("{}: {}", self.code, self.message)),
        }
    }

    fn to_js_object<'env>(&self, env: &'env Env) -> napi::Result<Object<'env>> {
        let plain = napi::Error::new(self.code.clone(), self.message.clone());
        let mut obj = match self.kind {
            Kind::Error => env
                .create_error(napi::Error::new(napi::Status::GenericFailure, self.message.clone()))
                .and_then(|mut o| {
                    o.set_named_property("code", self.code.as_str())?;
                    Ok(o)
                })?,
            Kind::TypeError => {
                let value = JsTypeError::from(plain).into_unknown(*env);
                Object::from_raw(env.raw(), value.raw())
            }
        };
        for (key, value) in &self.props {
            obj.set_named_property(key, crate::json::json_value(env, value)?)?;
        }
        if let Some(id) = self.cause {
            obj.set_named_property("cause", crate::json::take_cause(env, id)?)?;
        }
        Ok(obj)
    }
}

/// Runs `f`, turning a panic into a [`Failure`] so that no panic unwinds into
/// Node (which would abort the process).
pub fn guard<T>(f: impl FnOnce() -> Result<T, Failure>) -> Result<T, Failure> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(payload) => Err(Failure::panic(payload.as_ref())),
    }
}

/// [`guard`] for code that runs on the JavaScript thread and returns to it.
pub fn guard_js<T>(env: &Env, f: impl FnOnce() -> Result<T, Failure>) -> napi::Result<T> {
    guard(f).map_err(|e| e.into_napi(env))
}

/// The payload of the test hooks' deliberate panics: the panic hook leaves
/// them out of stderr (every other panic is still printed).
pub struct QuietPanic(pub String);

/// Panics with a [`QuietPanic`], installing once a hook that does not print it.
#[allow(clippy::panic)] // the test hooks' purpose
pub fn quiet_panic(message: String) -> ! {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if info.payload().downcast_ref::<QuietPanic>().is_none() {
                previous(info);
            }
        }));
    });
    std::panic::panic_any(QuietPanic(message))
}
