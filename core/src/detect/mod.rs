//! Native detectors (being written on the detect branch).
#![allow(missing_docs)]
#[derive(Default)]
pub struct Findings { pub secrets: Vec<serde_json::Value>, pub pii: Vec<serde_json::Value>, pub egress: Vec<serde_json::Value> }
pub fn scan(_doc: &serde_json::Value) -> Findings { Findings::default() }
