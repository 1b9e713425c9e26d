//! `EgressVerdict` and `EgressGuard`: egress checks at run time.

use pyo3::prelude::*;
use pyo3::types::PyString;

/// The answer of an egress check. True in a boolean context when allowed.
#[pyclass(frozen, eq, module = "microgov", name = "EgressVerdict")]
#[derive(PartialEq)]
pub struct EgressVerdict {
    pub(crate) inner: microgov::engine::EgressVerdict,
}

#[pymethods]
impl EgressVerdict {
    /// Whether the call may go out.
    #[getter]
    fn allowed(&self) -> bool {
        self.inner.allowed
    }

    /// Stable code, the worst reason first: ``allowed``, ``unparseable``,
    /// ``internal_address``, ``suspicious_url``, ``non_https``,
    /// ``port_not_allowed``, ``denied_host``, ``host_not_allowed``,
    /// ``path_not_declared``, ``not_declared``, or (from ``check_resolved``)
    /// ``unresolved``.
    #[getter]
    fn code(&self) -> &'static str {
        self.inner.code.as_str()
    }

    /// One line on why.
    #[getter]
    fn reason(&self) -> &str {
        &self.inner.reason
    }

    /// The declared egress entry that matched, when allowed.
    #[getter]
    fn matched(&self) -> Option<&str> {
        self.inner.matched.as_deref()
    }

    /// The address to connect to, when ``check_resolved`` allowed the call: the
    /// first of the checked addresses, as text. Dial it, not the name again.
    #[getter]
    fn address(&self) -> Option<String> {
        self.inner.address.map(|a| a.to_string())
    }

    /// The verdict as a dict (``allowed``, ``code``, ``reason``, ``matched``).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(pythonize::pythonize(py, &self.inner)?)
    }

    fn __bool__(&self) -> bool {
        self.inner.allowed
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let code = PyString::new(py, self.inner.code.as_str()).repr()?;
        Ok(format!(
            "<EgressVerdict allowed={} code={}>",
            if self.inner.allowed { "True" } else { "False" },
            code.to_str()?
        ))
    }
}

/// One app's egress entries, parsed once: ``guard.check(url)`` on the hot
/// path of a service. Immutable and thread-safe; from ``Engine.egress_guard``.
#[pyclass(frozen, module = "microgov", name = "EgressGuard")]
pub struct EgressGuard {
    pub(crate) inner: microgov::engine::EgressGuard,
}

#[pymethods]
impl EgressGuard {
    /// Whether the app may call ``url`` now.
    pub fn check(&self, url: &str) -> EgressVerdict {
        EgressVerdict { inner: self.inner.check(url) }
    }

    /// Whether the app may connect to ``url`` at ``addresses``, what its host
    /// resolved to (``str`` or ``ipaddress`` objects): ``check(url)``, then every
    /// address refused as ``internal_address`` when internal (private, loopback,
    /// link-local, metadata, CGNAT, IPv4 inside IPv6 ...). When allowed,
    /// ``address`` is the one to connect to. ``ValueError`` names an item that
    /// is not an IP address.
    fn check_resolved(&self, url: &str, addresses: &Bound<'_, PyAny>) -> PyResult<EgressVerdict> {
        Ok(EgressVerdict { inner: self.inner.check_resolved(url, &ip_list(addresses)?) })
    }

    /// The address half of ``check_resolved``, for a resolver hook that sees a
    /// host name but not the URL: ``internal_address`` when any address is
    /// internal, ``unresolved`` when there is none, else allowed with ``address``.
    fn check_addresses(&self, host: &str, addresses: &Bound<'_, PyAny>) -> PyResult<EgressVerdict> {
        Ok(EgressVerdict { inner: self.inner.check_addresses(host, &ip_list(addresses)?) })
    }

    /// Whether the app may follow a redirect from ``from_url`` to ``to`` (absolute,
    /// or relative to ``from_url`` as a ``Location`` header may be). Call it for
    /// every hop, then ``check_resolved`` on the target's addresses.
    fn check_redirect(&self, from_url: &str, to: &str) -> EgressVerdict {
        EgressVerdict { inner: self.inner.check_redirect(from_url, to) }
    }
}

/// IP addresses from an iterable of ``str`` or ``ipaddress`` objects; ``ValueError``
/// names the first item that is not one.
fn ip_list(addresses: &Bound<'_, PyAny>) -> PyResult<Vec<std::net::IpAddr>> {
    let mut ips = Vec::new();
    for (i, item) in addresses.try_iter()?.enumerate() {
        let text = item?.str()?.to_string();
        match text.parse::<std::net::IpAddr>() {
            Ok(ip) => ips.push(ip),
            Err(_) => {
                return Err(pyo3::exceptions::PyValueError::new_err(format!(
                    "addresses[{i}]: {text} is not an IP address"
                )))
            }
        }
    }
    Ok(ips)
}
