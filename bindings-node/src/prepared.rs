//! `PreparedApp`: an app validated once, passed wherever a manifest goes. Its own
//! module so that `crate::convert` (which recognizes it as an argument) imports it
//! without importing the crate root.

use crate::json::Plain;
use napi_derive::napi;

/// An app validated and pre-computed by `engine.prepare(manifest)`: pass it
/// wherever a manifest goes. Immutable; safe to share between requests.
#[napi]
pub struct PreparedApp {
    pub(crate) inner: microgov::engine::PreparedApp,
}

#[napi]
impl PreparedApp {
    /// The app's `metadata.name`.
    #[napi(getter)]
    pub fn name(&self) -> String {
        self.inner.manifest().metadata.name.clone()
    }

    /// The manifest after defaults, as `engine.parse` gives it (also what
    /// `JSON.stringify` writes for a prepared app).
    #[napi(js_name = "toJSON", ts_return_type = "Manifest")]
    pub fn to_json(&self) -> Plain<serde_json::Value> {
        Plain(self.inner.manifest().to_value())
    }
}
