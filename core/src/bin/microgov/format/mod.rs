//! Report formats of `microgov check`.

pub mod github;
pub mod json;
pub mod junit;
pub mod sarif;
pub mod text;

/// Choices that change how results read.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Missing approvals fail the gate (and are reported as errors).
    pub fail_on_review: bool,
    /// The exit code the run ends with.
    pub exit_code: u8,
}
