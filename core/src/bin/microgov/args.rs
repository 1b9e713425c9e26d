//! The options several commands share: colour, the policies to load, the moment and the
//! approvals to judge by.

use clap::{Args, ValueEnum};
use std::path::PathBuf;

/// When to use colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour on a terminal unless NO_COLOR is set.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// Options that build the engine and the evaluation context.
#[derive(Debug, Clone, Args)]
pub struct EngineArgs {
    /// A folder of your own Rego policies and data (OPA bundle layout); repeatable.
    #[arg(long = "policy-dir", value_name = "DIR")]
    pub policy_dirs: Vec<PathBuf>,
    /// An OPA bundle tarball (.tar.gz); repeatable.
    #[arg(long = "bundle", value_name = "FILE")]
    pub bundles: Vec<PathBuf>,
    /// A data document (JSON or YAML object) merged over the bundles' data.
    #[arg(long, value_name = "FILE")]
    pub data: Option<PathBuf>,
    /// Leave out the bundled policies.
    #[arg(long)]
    pub no_bundled: bool,
    /// Trust the roles approvals claim where the approver directory does not grant them
    /// (demos and tests; outside sandbox they are otherwise `unverified_role`).
    #[arg(long)]
    pub trust_claimed_roles: bool,
}

/// Options about the moment of evaluation and the approvals in force.
#[derive(Debug, Clone, Args)]
pub struct ContextArgs {
    /// Approvals and exceptions (a YAML or JSON list); repeatable.
    #[arg(long, value_name = "FILE")]
    pub approvals: Vec<PathBuf>,
    /// Evaluate as of this time (RFC 3339, e.g. 2026-11-26T10:00:00Z) instead of now.
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
}
