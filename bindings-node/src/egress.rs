//! Connect-time egress checks on `EgressGuard`: the addresses a name resolved to and
//! each redirect hop (`microgov::engine::EgressGuard::check_resolved`, `check_redirect`).

use crate::errors::{guard_js, Failure};
use crate::json::Plain;
use crate::EgressGuard;
use microgov::engine::EgressVerdict;
use napi::bindgen_prelude::{Env, Result};
use napi_derive::napi;

#[napi]
impl EgressGuard {
    /// Whether the app may connect to `url` at `addresses`, what its host resolved to:
    /// `check(url)`, then every address refused as `internal_address` when internal
    /// (private, loopback, link-local, metadata, CGNAT, IPv4 inside IPv6 ...). When
    /// allowed, `address` is the one to connect to. An item that is not an IP address
    /// is an `ERR_INVALID_ARG_VALUE` error naming it.
    #[napi(ts_return_type = "EgressVerdict")]
    pub fn check_resolved(&self, env: Env, url: String, addresses: Vec<String>) -> Result<Plain<EgressVerdict>> {
        guard_js(&env, || Ok(self.inner.check_resolved(&url, &ip_list(&addresses)?))).map(Plain)
    }

    /// The address half of `checkResolved`, for a `lookup` hook that sees a host name
    /// but not the URL (undici's `connect.lookup`): `internal_address` when any address
    /// is internal, `unresolved` when there is none, else allowed with `address`.
    #[napi(ts_return_type = "EgressVerdict")]
    pub fn check_addresses(&self, env: Env, host: String, addresses: Vec<String>) -> Result<Plain<EgressVerdict>> {
        guard_js(&env, || Ok(self.inner.check_addresses(&host, &ip_list(&addresses)?))).map(Plain)
    }

    /// Whether the app may follow a redirect from `from` to `to` (absolute, or relative
    /// to `from` as a `Location` header may be). Call it for every hop, then
    /// `checkResolved` on the target's addresses.
    #[napi(ts_return_type = "EgressVerdict")]
    pub fn check_redirect(&self, env: Env, from: String, to: String) -> Result<Plain<EgressVerdict>> {
        guard_js(&env, || Ok(self.inner.check_redirect(&from, &to))).map(Plain)
    }
}

/// The addresses as IPs; an error names the first item that is not one.
fn ip_list(addresses: &[String]) -> std::result::Result<Vec<std::net::IpAddr>, Failure> {
    addresses
        .iter()
        .enumerate()
        .map(|(i, a)| {
            a.parse::<std::net::IpAddr>()
                .map_err(|_| Failure::arg_value(format!("addresses[{i}]: {a} is not an IP address")))
        })
        .collect()
}
