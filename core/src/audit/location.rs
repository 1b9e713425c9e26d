//! Where a log lives: a file path, or a `postgres://` URL (cargo feature `postgres`). One
//! test of the address, so that every entry point (open, verify, export, the bindings, the
//! command line) tells them apart alike.

#[cfg(not(feature = "postgres"))]
use super::AuditError;

/// Whether `location` names a log in PostgreSQL (`postgres://` or `postgresql://`, any case)
/// rather than a file.
pub fn is_store_url(location: &str) -> bool {
    let scheme = |n: usize| location.get(..n).map(str::to_ascii_lowercase);
    scheme(11).is_some_and(|p| p == "postgres://") || scheme(13).is_some_and(|p| p == "postgresql://")
}

/// The error for a `postgres://` address in a build without the `postgres` feature.
#[cfg(not(feature = "postgres"))]
pub(crate) fn unsupported(location: &str) -> AuditError {
    let scheme = location.split("://").next().unwrap_or("postgres");
    AuditError::InvalidArgument {
        reason: format!("{scheme}:// logs need microgov built with the cargo feature postgres"),
    }
}
