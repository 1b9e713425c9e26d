//! microgov
pub mod audit;
pub mod model;
