//! A dataset → connector flow with both ends resolved: what the residency facts and
//! checks are made of. Built by `input` (every flow of the app), read by the residency rules (`native`).

use crate::model::{Access, Encryption};
use serde::Serialize;

/// One flow: a dataset a connector carries, with the dataset's residency and the
/// connector's region resolved through the region catalog.
#[derive(Serialize, Clone)]
pub(crate) struct FlowDoc<'a> {
    pub dataset: &'a str,
    pub dataset_index: usize,
    pub connector: &'a str,
    pub connector_index: usize,
    pub access: Access,
    pub residency: Option<String>,
    pub residency_kind: Option<&'static str>,
    pub sovereign_required: bool,
    pub encryption: Encryption,
    pub region: Option<&'a str>,
    pub known_region: bool,
    pub provider: Option<&'a str>,
    pub country: Option<&'a str>,
    pub jurisdiction: Option<&'a str>,
    pub sovereign_region: bool,
}
