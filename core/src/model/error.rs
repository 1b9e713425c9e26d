//! The model's error: a document the user wrote is invalid.

use super::problem::Problem;

/// Which kind of document a [`ManifestError`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Document {
    /// An app manifest.
    Manifest,
    /// An approvals (and exceptions) document.
    Approvals,
}

impl Document {
    /// The word used in messages (`manifest`, `approvals`).
    pub fn as_str(self) -> &'static str {
        match self {
            Document::Manifest => "manifest",
            Document::Approvals => "approvals",
        }
    }
}

/// A manifest or approvals document is invalid: every problem at once, each with its code
/// and JSON pointer. The code is `manifest.invalid` for both kinds of document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", format_problems(*.document, .problems))]
pub struct ManifestError {
    /// What was invalid.
    pub document: Document,
    /// Every problem found, in document order.
    pub problems: Vec<Problem>,
}

impl ManifestError {
    /// An invalid manifest.
    pub fn manifest(problems: Vec<Problem>) -> Self {
        ManifestError { document: Document::Manifest, problems }
    }

    /// An invalid approvals document.
    pub fn approvals(problems: Vec<Problem>) -> Self {
        ManifestError { document: Document::Approvals, problems }
    }

    /// The stable code: `manifest.invalid`.
    pub fn code(&self) -> &'static str {
        "manifest.invalid"
    }

    /// The problems.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }
}

/// `invalid manifest: 2 problem(s)` and one indented line per problem.
fn format_problems(document: Document, problems: &[Problem]) -> String {
    let mut out = format!("invalid {}: {} problem(s)", document.as_str(), problems.len());
    for p in problems {
        out.push_str("\n  ");
        out.push_str(&p.to_string());
    }
    out
}
