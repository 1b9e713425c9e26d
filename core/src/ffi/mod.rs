//! What the Python and Node bindings and the command line share, so that the same input
//! gives the same answer, code, message and fields in every language (cedar-policy's `ffi`
//! module is the model).
//!
//! - [`ErrorDetails`]: any [`Error`](crate::Error) as a flat record (code, message,
//!   problems, file, line, seq, kind, field) that a binding turns into its exception or
//!   `Error` object with one loop over [`ErrorDetails::fields`].
//! - [`Budget`], [`Fault`], [`HostValueError`]: a host value (a Python `dict`, a
//!   JavaScript object) converted within the manifest limits, and the one error each
//!   argument gives for a value without a faithful JSON form.
//! - The batch runner is `engine::batch` (hidden from the docs: a binding's tool, not a
//!   user's); the decision-to-audit-event merge is [`crate::audit::Event::from_decision`].

mod error;
mod host;

pub use error::{ErrorDetails, ErrorFamily};
pub use host::{shorten, Budget, Exceeded, Fault, HostArg, HostValueError, MAX_SAFE_INTEGER};
