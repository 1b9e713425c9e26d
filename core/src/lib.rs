//! microgov
pub mod model;
