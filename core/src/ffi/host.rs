//! Values that come from a host language (a Python `dict`, a JavaScript object) before
//! they are JSON: the limits every conversion counts against, the faults a value can
//! have, and the one error each argument gives for them, so that the same hostile value
//! gives the same code, path and message in Python and Node.
//!
//! A binding walks its own objects; for each value it calls [`Budget::value`], for each
//! string or key [`Budget::text`], and refuses what has no faithful JSON form with a
//! [`Fault`]. It then turns `(fault, pointer)` into [`ErrorDetails`] with
//! [`HostValueError::details`] for the argument the value was given as ([`HostArg`]).

use super::{ErrorDetails, ErrorFamily};
use crate::audit::AuditError;
use crate::model::{Limits, ManifestError, Problem};
use crate::Error;

/// The largest integer every host language holds exactly (2^53 − 1, JavaScript's
/// `Number.MAX_SAFE_INTEGER`, also the audit log's canonical-JSON bound).
pub const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

/// Longest part of a pointer or a caller's exception text shown in a message: messages
/// stay one short line, the whole pointer is in the problem's `path`.
const SHOWN: usize = 60;

/// What is wrong with a host value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Its strings and keys hold more bytes than `Limits::max_bytes`.
    TooLarge,
    /// It nests deeper than `Limits::max_depth`, or holds (or an iterator yields) more
    /// than `Limits::max_nodes` values.
    TooComplex,
    /// A NaN or an infinite number.
    NotFinite,
    /// An integer beyond ±(2^53 − 1).
    UnsafeInteger,
    /// A value of a type without a JSON form (a `Date`, `Map`, `bytes`, a function ...).
    Unsupported,
    /// A mapping key that is not a string (a number, a Symbol).
    KeyNotString,
    /// A string holding a lone UTF-16 surrogate.
    LoneSurrogate,
    /// A container that holds itself.
    Cycle,
    /// The caller's own code (a getter, a Proxy trap, `__iter__`) raised while the value
    /// was read; the binding keeps that exception as the error's `cause`.
    Raised,
}

impl Fault {
    /// Every fault, in the order of the documentation.
    pub const ALL: [Fault; 9] = [
        Fault::TooLarge,
        Fault::TooComplex,
        Fault::NotFinite,
        Fault::UnsafeInteger,
        Fault::Unsupported,
        Fault::KeyNotString,
        Fault::LoneSurrogate,
        Fault::Cycle,
        Fault::Raised,
    ];

    /// The fault's name, the last part of its problem code (`manifest.not_finite`).
    pub fn name(self) -> &'static str {
        match self {
            Fault::TooLarge => "too_large",
            Fault::TooComplex => "too_complex",
            Fault::NotFinite => "not_finite",
            Fault::UnsafeInteger => "unsafe_integer",
            Fault::Unsupported => "unsupported_type",
            Fault::KeyNotString => "key_not_string",
            Fault::LoneSurrogate => "lone_surrogate",
            Fault::Cycle => "cycle",
            Fault::Raised => "raised",
        }
    }

    /// The fault named `name` (see [`Fault::name`]).
    pub fn from_name(name: &str) -> Option<Fault> {
        Fault::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// The argument a host value was given as: it decides the error's family, code and
/// the prefix of the problem code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HostArg {
    /// A manifest: `manifest.invalid` with one `manifest.<fault>` problem.
    Manifest,
    /// An approvals document: as a manifest, "invalid approvals".
    Approvals,
    /// An audit event: `audit.bad_event`, `field` the event member, one `audit.<fault>`
    /// problem.
    Event,
    /// Any other value (`extra`, a record to redact, a data document), named as the
    /// caller knows it: `input.invalid` with one `input.<fault>` problem.
    Input(&'static str),
}

impl HostArg {
    /// The pointers (as a regular expression) of the members the format defines as
    /// RFC 3339 timestamps: a host language's own time value (a JavaScript `Date`) is
    /// written there as its RFC 3339 text, and refused anywhere else, where it would
    /// arrive as a string the caller never wrote.
    pub fn timestamp_members(self) -> Option<&'static str> {
        match self {
            HostArg::Manifest => Some("^/metadata/(createdAt|expiresAt|retiredAt)$"),
            HostArg::Approvals => Some("^/[0-9]+/(grantedAt|expiresAt|revokedAt)$"),
            HostArg::Event => Some("^(/[0-9]+)?/ts$"),
            HostArg::Input(_) => None,
        }
    }
}

/// A host value that was refused: what is wrong and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostValueError {
    /// What is wrong.
    pub fault: Fault,
    /// The RFC 6901 pointer of the value at fault, into what the caller passed.
    pub path: String,
    /// One short line, lowercase, without the path.
    pub message: String,
}

impl HostValueError {
    /// A refusal of the value at `path`.
    pub fn new(fault: Fault, path: impl Into<String>, message: impl Into<String>) -> Self {
        HostValueError { fault, path: path.into(), message: message.into() }
    }

    /// `fault` with its usual message (the type name, for `Unsupported` and
    /// `KeyNotString`, is `what`; for `NotFinite` the number as JavaScript writes it,
    /// `NaN`, `Infinity` or `-Infinity`; for `Raised` the caller's exception as
    /// `Type: text`). `TooLarge` and `TooComplex` take their message from
    /// [`Exceeded::message`] instead.
    pub fn of(fault: Fault, path: impl Into<String>, what: &str) -> Self {
        let message = match fault {
            Fault::TooLarge => Exceeded::Bytes.message(&Limits::default()),
            Fault::TooComplex => Exceeded::Depth.message(&Limits::default()),
            Fault::NotFinite => format!("{what} has no JSON form"),
            Fault::UnsafeInteger => "integer beyond 2^53 - 1 in magnitude has no exact JSON form".to_string(),
            Fault::Unsupported if what == "undefined" => "undefined has no JSON form".to_string(),
            Fault::Unsupported => format!("value of type {what} has no JSON form"),
            Fault::KeyNotString => format!("key of type {what} is not a string"),
            Fault::LoneSurrogate => "string holds a lone surrogate, which is not unicode text".to_string(),
            Fault::Cycle => "value contains itself".to_string(),
            Fault::Raised => format!("reading the value raised {}", shorten(what)),
        };
        HostValueError::new(fault, path, message)
    }

    /// The problem as a manifest or audit problem would be written (`<prefix>.<fault>`).
    pub fn problem(&self, prefix: &str) -> Problem {
        Problem::new(&format!("{prefix}.{}", self.fault.name()), self.path.clone(), self.message.clone())
    }

    /// The error the argument `arg` gives for this refusal, as every binding shows it.
    pub fn details(&self, arg: HostArg) -> ErrorDetails {
        match arg {
            HostArg::Manifest => ErrorDetails::of(&ManifestError::manifest(vec![self.problem("manifest")]).into()),
            HostArg::Approvals => ErrorDetails::of(&ManifestError::approvals(vec![self.problem("manifest")]).into()),
            HostArg::Event => {
                let member = crate::pointer::tokens(&self.path).into_iter().next().unwrap_or_default();
                let reason = format!("{}: {}", shorten(&shown(&self.path)), self.message);
                let mut d = ErrorDetails::of(&Error::Audit(AuditError::bad_event(&member, reason)));
                d.problems = vec![self.problem("audit")];
                d
            }
            HostArg::Input(name) => ErrorDetails {
                family: ErrorFamily::Input,
                code: "input.invalid",
                message: format!("invalid {name}: {}: {}", shorten(&shown(&self.path)), self.message),
                problems: vec![self.problem("input")],
                file: None,
                line: None,
                seq: None,
                kind: None,
                field: None,
            },
        }
    }
}

/// Which limit a value exceeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exceeded {
    /// `max_depth` ([`Fault::TooComplex`]).
    Depth,
    /// `max_nodes` ([`Fault::TooComplex`]).
    Values,
    /// `max_bytes` ([`Fault::TooLarge`]).
    Bytes,
}

impl Exceeded {
    /// The limit named as a binding's own walker names it (`depth`, `values`, `bytes`).
    pub fn from_name(name: &str) -> Option<Exceeded> {
        match name {
            "depth" => Some(Exceeded::Depth),
            "values" => Some(Exceeded::Values),
            "bytes" => Some(Exceeded::Bytes),
            _ => None,
        }
    }

    /// The fault it is.
    pub fn fault(self) -> Fault {
        match self {
            Exceeded::Bytes => Fault::TooLarge,
            _ => Fault::TooComplex,
        }
    }

    /// The problem's message for `limits`.
    pub fn message(self, limits: &Limits) -> String {
        match self {
            Exceeded::Depth => format!("value nests deeper than {} levels", limits.max_depth),
            Exceeded::Values => format!("value has more than {} values", limits.max_nodes),
            Exceeded::Bytes => format!("value holds more than {} bytes of text", limits.max_bytes),
        }
    }
}

/// What a conversion has used of its [`Limits`]: one per converted argument.
#[derive(Debug, Clone)]
pub struct Budget {
    limits: Limits,
    values: usize,
    bytes: usize,
}

impl Budget {
    /// A fresh budget within `limits`.
    pub fn new(limits: Limits) -> Self {
        Budget { limits, values: 0, bytes: 0 }
    }

    /// The limits counted against.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Counts one value at nesting `depth` (the argument itself is at 0).
    pub fn value(&mut self, depth: usize) -> Result<(), String> {
        if depth > self.limits.max_depth {
            return Err(Exceeded::Depth.message(&self.limits));
        }
        self.values += 1;
        if self.values > self.limits.max_nodes {
            return Err(Exceeded::Values.message(&self.limits));
        }
        Ok(())
    }

    /// Counts `len` bytes of UTF-8 text (a string or a key).
    pub fn text(&mut self, len: usize) -> Result<(), String> {
        self.bytes = self.bytes.saturating_add(len);
        if self.bytes > self.limits.max_bytes {
            return Err(Exceeded::Bytes.message(&self.limits));
        }
        Ok(())
    }

    /// Whether `len` more bytes would still fit (to refuse a huge string before its
    /// UTF-8 form is made).
    pub fn fits(&self, len: usize) -> bool {
        self.bytes.saturating_add(len) <= self.limits.max_bytes
    }
}

fn shown(path: &str) -> String {
    if path.is_empty() {
        "/".to_string()
    } else {
        path.to_string()
    }
}

/// `text` cut to 60 characters, with an ellipsis when it was longer.
pub fn shorten(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    if line.chars().count() <= SHOWN && line.len() == text.len() {
        return line.to_string();
    }
    let mut out: String = line.chars().take(SHOWN).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manifest_value_gives_one_manifest_problem() {
        let e = HostValueError::of(Fault::NotFinite, "/spec/n", "NaN");
        let d = e.details(HostArg::Manifest);
        assert_eq!((d.code, d.family), ("manifest.invalid", ErrorFamily::Manifest));
        assert_eq!(d.problems[0].code, "manifest.not_finite");
        assert_eq!(d.problems[0].path, "/spec/n");
        assert_eq!(d.problems[0].message, "NaN has no JSON form");
    }

    #[test]
    fn an_event_value_names_its_member_and_its_pointer() {
        let e = HostValueError::of(Fault::Unsupported, "/attrs/when", "Date");
        let d = e.details(HostArg::Event);
        assert_eq!(d.code, "audit.bad_event");
        assert_eq!(d.field.as_deref(), Some("attrs"));
        assert_eq!(d.message, "bad event field attrs: /attrs/when: value of type Date has no JSON form");
        assert_eq!(d.problems[0].code, "audit.unsupported_type");
    }

    #[test]
    fn other_values_are_input_errors_with_a_short_message() {
        let long = format!("/{}", "k".repeat(5000));
        let e = HostValueError::of(Fault::Raised, long.as_str(), &format!("RuntimeError: {}", "x".repeat(5000)));
        let d = e.details(HostArg::Input("extra"));
        assert_eq!((d.code, d.family), ("input.invalid", ErrorFamily::Input));
        assert!(d.message.chars().count() < 200, "{}", d.message.len());
        assert_eq!(d.problems[0].path, long, "the whole pointer stays in the problem");
    }

    #[test]
    fn the_budget_counts_depth_values_and_bytes() {
        let mut b = Budget::new(Limits { max_bytes: 10, max_depth: 2, max_nodes: 3 });
        assert!(b.value(2).is_ok());
        assert_eq!(b.value(3).unwrap_err(), "value nests deeper than 2 levels");
        assert!(b.value(0).is_ok() && b.value(0).is_ok());
        assert_eq!(b.value(0).unwrap_err(), "value has more than 3 values");
        assert!(b.text(10).is_ok() && !b.fits(1));
        assert!(b.text(1).is_err());
    }

    #[test]
    fn fault_names_round_trip() {
        for f in Fault::ALL {
            assert_eq!(Fault::from_name(f.name()), Some(f));
        }
    }
}
