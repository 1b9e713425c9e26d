//! The crate's error type: one family per module, each with a stable code.
//!
//! Codes are part of the public contract: the Python and Node bindings and the
//! command line expose them unchanged, and tests assert them.

use crate::model::Problem;

/// Any error microgov returns.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A manifest or approvals document is invalid; every problem is listed.
    #[error(transparent)]
    Manifest(#[from] crate::model::ManifestError),
    /// A policy, bundle or data document could not be loaded (codes `policy.io`,
    /// `policy.parse`, `policy.bad_bundle`, `policy.bad_data`, `policy.root_overlap`,
    /// `policy.outside_root`,
    /// `policy.bundled_package`).
    #[error(transparent)]
    Policy(#[from] crate::bundle::BundleError),
    /// A policy evaluation failed (codes `policy.eval`, `policy.limit`, `policy.bad_result`).
    #[error(transparent)]
    Eval(#[from] crate::engine::EvalError),
    /// An audit log could not be written or verified.
    #[error(transparent)]
    Audit(#[from] crate::audit::AuditError),
    /// A renewal was refused.
    #[error(transparent)]
    Lifecycle(#[from] crate::model::lifecycle::LifecycleError),
}

impl Error {
    /// The stable, machine-readable code of this error (for example `manifest.invalid`).
    pub fn code(&self) -> &'static str {
        match self {
            Error::Manifest(e) => e.code(),
            Error::Policy(e) => e.code(),
            Error::Eval(e) => e.code(),
            Error::Audit(e) => e.code(),
            Error::Lifecycle(e) => e.code(),
        }
    }

    /// The individual problems of an invalid manifest; empty for other errors.
    pub fn problems(&self) -> &[Problem] {
        match self {
            Error::Manifest(e) => &e.problems,
            _ => &[],
        }
    }
}

/// Result with microgov's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
