//! Errors flattened for the language bindings.

use crate::audit::AuditError;
#[cfg(test)]
use crate::model::ManifestError;
use crate::model::Problem;
use crate::Error;
use serde_json::{json, Value};

/// Which exception class (Python) or error family a host language uses for an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorFamily {
    /// A manifest or approvals document is invalid (`problems` lists why).
    Manifest,
    /// A policy, bundle or data document could not be loaded or evaluated.
    Policy,
    /// An audit log could not be opened, appended to or verified.
    Audit,
    /// An existing audit log does not verify (a subfamily of `Audit`).
    Tampered,
    /// A lifecycle change (renewal, retirement) was refused.
    Lifecycle,
    /// A file the caller named could not be read (raised by a binding itself, which
    /// reads the file before the core sees its text).
    Io,
    /// A value the caller passed (`extra`, a record, a data document) has no faithful
    /// JSON form or exceeds the limits (`ffi::HostValueError`).
    Input,
}

/// An error as every binding shows it: the same code, message and fields in Python, Node
/// and the command line's JSON output.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ErrorDetails {
    /// The exception family.
    pub family: ErrorFamily,
    /// The stable code (`manifest.invalid`, `policy.parse`, `audit.tampered` ...).
    pub code: &'static str,
    /// One line, without a trailing period; for a Rego parse error (`policy.parse`) that line
    /// (`file:line:col: message`), then the source line and a caret under the column.
    pub message: String,
    /// For `manifest.invalid`: every problem.
    pub problems: Vec<Problem>,
    /// The file the error is about (a policy file, a log, a file that could not be read).
    pub file: Option<String>,
    /// The 1-based line in `file`, when known.
    pub line: Option<usize>,
    /// The audit record's sequence number, when the error is about one.
    pub seq: Option<u64>,
    /// For `audit.tampered`: what was found (`edited_record`, `bad_prev` ...).
    pub kind: Option<&'static str>,
    /// For `audit.bad_event`: the event field at fault.
    pub field: Option<String>,
}

impl ErrorDetails {
    /// The details of `err`.
    pub fn of(err: &Error) -> ErrorDetails {
        let mut d = ErrorDetails {
            family: ErrorFamily::Manifest,
            code: err.code(),
            message: one_line(&err.to_string()),
            problems: err.problems().to_vec(),
            file: None,
            line: None,
            seq: None,
            kind: None,
            field: None,
        };
        d.family = match err {
            Error::Manifest(_) => ErrorFamily::Manifest,
            Error::Policy(p) => {
                d.message = p.report();
                d.file = p.file().map(str::to_string);
                d.line = p.line();
                ErrorFamily::Policy
            }
            Error::Eval(_) => ErrorFamily::Policy,
            Error::Lifecycle(_) => ErrorFamily::Lifecycle,
            Error::Audit(a) => match a {
                AuditError::Tampered { path, kind, seq, .. } => {
                    d.file = Some(path.clone());
                    d.kind = Some(kind);
                    d.seq = *seq;
                    ErrorFamily::Tampered
                }
                AuditError::Io { path, .. } | AuditError::Locked { path, .. } => {
                    d.file = Some(path.clone());
                    ErrorFamily::Audit
                }
                AuditError::BadEvent { field, .. } => {
                    d.field = Some(field.clone());
                    ErrorFamily::Audit
                }
                _ => ErrorFamily::Audit,
            },
        };
        d
    }

    /// The properties a binding sets on its error object beside `code` and `message`, in a
    /// fixed order, only those that apply. `problems` is a list of problem objects
    /// (`code`, `path`, `message`, and `line`/`column` for text input).
    pub fn fields(&self) -> Vec<(&'static str, Value)> {
        let mut out = Vec::new();
        if self.family == ErrorFamily::Manifest || !self.problems.is_empty() {
            out.push(("problems", json!(self.problems)));
        }
        if let Some(f) = &self.file {
            out.push(("file", json!(f)));
        }
        if let Some(l) = self.line {
            out.push(("line", json!(l)));
        }
        if self.family == ErrorFamily::Tampered || self.seq.is_some() {
            out.push(("seq", json!(self.seq)));
        }
        if let Some(k) = self.kind {
            out.push(("kind", json!(k)));
        }
        if let Some(f) = &self.field {
            out.push(("field", json!(f)));
        }
        out
    }
}

impl From<&Error> for ErrorDetails {
    fn from(err: &Error) -> Self {
        ErrorDetails::of(err)
    }
}

/// The first line of `message`: multi-line texts (a list of problems) are summarized by
/// their first line; the details are in the fields.
fn one_line(message: &str) -> String {
    message.lines().next().unwrap_or_default().trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_invalid_manifest_gives_its_problems_and_a_one_line_message() {
        let err =
            Error::from(ManifestError::manifest(vec![Problem::new("manifest.missing", "/metadata/name", "required")]));
        let d = ErrorDetails::of(&err);
        assert_eq!(d.code, "manifest.invalid");
        assert_eq!(d.family, ErrorFamily::Manifest);
        assert_eq!(d.message, "invalid manifest: 1 problem(s)");
        let fields = d.fields();
        assert_eq!(fields.len(), 1);
        assert_eq!(fields[0].0, "problems");
        assert_eq!(fields[0].1[0]["path"], "/metadata/name");
    }

    #[test]
    fn bad_approvals_are_a_manifest_family_error_that_says_approvals() {
        let err = Error::from(ManifestError::approvals(vec![Problem::new("manifest.missing", "/0/id", "required")]));
        let d = ErrorDetails::of(&err);
        assert_eq!((d.code, d.family), ("manifest.invalid", ErrorFamily::Manifest));
        assert_eq!(d.message, "invalid approvals: 1 problem(s)");
    }

    #[test]
    fn load_and_evaluation_errors_are_both_policy_errors() {
        let load = Error::from(crate::bundle::BundleError::BadData {
            file: "data".into(),
            line: None,
            message: "not an object".into(),
        });
        let d = ErrorDetails::of(&load);
        assert_eq!((d.code, d.family), ("policy.bad_data", ErrorFamily::Policy));
        assert_eq!(d.message, "data: invalid data document: not an object");
        let names: Vec<_> = d.fields().into_iter().map(|(k, _)| k).collect();
        assert_eq!(names, ["file"], "no line when it is unknown");

        let eval = Error::from(crate::engine::EvalError::Limit("instruction budget".into()));
        let d = ErrorDetails::of(&eval);
        assert_eq!((d.code, d.family), ("policy.limit", ErrorFamily::Policy));
        assert!(d.fields().is_empty());
    }

    #[test]
    fn a_tampered_log_names_file_seq_and_kind() {
        let err = Error::Audit(AuditError::Tampered {
            path: "a.jsonl".into(),
            kind: "bad_prev",
            seq: Some(3),
            reason: "prev does not match".into(),
        });
        let d = ErrorDetails::of(&err);
        assert_eq!(d.family, ErrorFamily::Tampered);
        let names: Vec<_> = d.fields().into_iter().map(|(k, _)| k).collect();
        assert_eq!(names, ["file", "seq", "kind"]);
    }
}
