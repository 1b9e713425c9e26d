//! `Engine.diagram`: the data-flow diagram of one app, drawn by the core
//! (`microgov::view`) from the decision and its input document.

use crate::convert::{EvalOptions, ManifestArg};
use crate::errors::{guard_js, Failure};
use crate::Engine;
use microgov::view::{Diagram, DiagramFormat};
use napi::bindgen_prelude::{Env, Result, Unknown};
use napi_derive::napi;

#[napi]
impl Engine {
    /// Decides on one app and draws its data flow: datasets, connectors, the hosts and
    /// jurisdictions they reach; a flow that breaks a rule in red, a waived one dashed.
    /// `format` is `'svg'` (default; a self-contained `<svg>` element), `'mermaid'` or
    /// `'dot'`; `options` as for `evaluate` (approvals, now).
    #[napi(
        ts_args_type = "manifest: ManifestInput, format?: 'svg' | 'mermaid' | 'dot' | undefined | null, options?: EvaluateOptions | undefined | null"
    )]
    pub fn diagram(
        &self,
        env: Env,
        manifest: Unknown<'_>,
        format: Option<String>,
        options: Option<Unknown<'_>>,
    ) -> Result<String> {
        let (format, request) = guard_js(&env, || {
            let format = match format.as_deref() {
                None => DiagramFormat::Svg,
                Some(f) => DiagramFormat::parse(f).ok_or_else(|| {
                    Failure::arg_value(format!("unknown diagram format '{f}': use 'svg', 'mermaid' or 'dot'"))
                })?,
            };
            let manifest = ManifestArg::read(&env, &manifest, "manifest")?;
            Ok((format, EvalOptions::read(&env, options)?.request(manifest)))
        })?;
        guard_js(&env, || {
            let decision = request.run(&self.inner)?;
            let app = request.manifest.manifest(&self.inner)?;
            Ok(Diagram::of(&self.inner, &app, &decision)?.render(format))
        })
    }
}
