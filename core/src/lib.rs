#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

pub mod error;
pub mod model;
pub mod risk;

pub use error::{Error, Result};
pub use model::Manifest;
