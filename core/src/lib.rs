//! microgov
pub mod detect;
pub mod model;
