#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

pub mod audit;
pub mod bundle;
mod canonical;
pub mod detect;
pub mod engine;
pub mod error;
pub mod ffi;
pub mod model;
pub mod pointer;
pub mod risk;
pub mod view;

pub use audit::{verify, AuditError, AuditLog, AuditOptions, Receipt, VerifyReport, VerifyStatus};
pub use bundle::{Bundle, BundleError};
pub use engine::{
    Context, Decision, EgressCode, EgressGuard, EgressVerdict, Engine, EngineOptions, EvalError, Explanation, Outcome,
    PreparedApp, Severity, Violation,
};
pub use error::{Error, Result};
pub use model::{Approval, Format, Manifest, ManifestError, ParseOptions, Problem};

/// The repository README's Rust example, compiled as a doctest so it stays true.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
