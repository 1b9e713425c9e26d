//! `engine.approve(manifest, options)`: the arguments of a grant (`microgov::engine::Grant`).

use crate::convert::{check_keys, options, plain_json, prop, read_time, string_arg};
use crate::errors::Failure;
use microgov::audit::SigningKey;
use microgov::engine::Grant;
use microgov::ffi::HostArg;
use napi::bindgen_prelude::{Env, Object, Unknown};

const KEYS: [&str; 8] = ["roles", "approver", "expires", "granted", "scope", "justification", "id", "key"];

fn required<'env>(obj: &Object<'env>, key: &str) -> Result<Unknown<'env>, Failure> {
    prop(obj, key)?.ok_or_else(|| Failure::arg_type(format!("options.{key} is required")))
}

fn optional_string(obj: &Object<'_>, key: &str) -> Result<Option<String>, Failure> {
    match prop(obj, key)? {
        Some(v) if !matches!(v.get_type(), Ok(napi::ValueType::Null)) => {
            string_arg(&v, &format!("options.{key}")).map(Some)
        }
        _ => Ok(None),
    }
}

/// The grant and the signing key `options` describe.
pub fn read_grant(env: &Env, value: Option<Unknown<'_>>) -> Result<(Grant, Option<SigningKey>), Failure> {
    let obj = options(value, "options")?.ok_or_else(|| Failure::arg_type("options is required"))?;
    check_keys(&obj, &KEYS, "options")?;
    let roles = required(&obj, "roles")?;
    let roles = if matches!(roles.get_type(), Ok(napi::ValueType::String)) {
        vec![string_arg(&roles, "options.roles")?]
    } else {
        obj.get::<Vec<String>>("roles")
            .ok()
            .flatten()
            .ok_or_else(|| Failure::arg_type("options.roles must be a string or an array of strings"))?
    };
    let approver = string_arg(&required(&obj, "approver")?, "options.approver")?;
    let expires_at = read_time(&required(&obj, "expires")?, "options.expires")?;
    let granted_at = match prop(&obj, "granted")? {
        Some(v) if !matches!(v.get_type(), Ok(napi::ValueType::Null)) => read_time(&v, "options.granted")?,
        _ => chrono::Utc::now(),
    };
    let scope = match prop(&obj, "scope")? {
        Some(v) if !matches!(v.get_type(), Ok(napi::ValueType::Null)) => {
            let text = plain_json(env, &v, "options.scope", HostArg::Input("scope"))?;
            Some(serde_json::from_str(&text).map_err(|e| {
                Failure::arg_value(format!("options.scope must be an object of exception, dataset and connector: {e}"))
            })?)
        }
        _ => None,
    };
    let key = optional_string(&obj, "key")?
        .map(|k| SigningKey::parse(k.trim()).map_err(|e| Failure::from(microgov::Error::from(e))))
        .transpose()?;
    let grant = Grant {
        approver,
        roles,
        expires_at,
        granted_at,
        scope,
        justification: optional_string(&obj, "justification")?,
        id: optional_string(&obj, "id")?,
    };
    Ok((grant, key))
}
