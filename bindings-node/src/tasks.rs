//! Work that runs on the libuv thread pool (`AsyncTask`s).
//!
//! Each task owns a clone of the engine (an `Arc` inside) and the arguments
//! already read into Rust data, so `compute` touches no JavaScript value and
//! the event loop stays free while policies run. Failures travel as
//! [`Failure`] and become `Error` objects in `resolve`, back on the JavaScript
//! thread; a panic in `compute` is caught there too.

use crate::convert::{Batch, ManifestArg, Request};
use crate::errors::{guard, Failure};
use crate::json::Plain;
use microgov::engine::batch::{self, BatchOptions};
use microgov::{Decision, Engine};
use napi::bindgen_prelude::{Env, Result, Task};

/// One evaluation.
pub struct EvaluateTask {
    pub(crate) engine: Engine,
    pub(crate) request: Request,
}

impl Task for EvaluateTask {
    type Output = std::result::Result<Decision, Failure>;
    type JsValue = Plain<Decision>;

    fn compute(&mut self) -> Result<Self::Output> {
        Ok(guard(|| self.request.run(&self.engine)))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> Result<Self::JsValue> {
        output.map(Plain).map_err(|f| f.into_napi(&env))
    }
}

/// A batch of evaluations (parallel inside the core).
pub struct EvaluateManyTask {
    pub(crate) engine: Engine,
    /// The options (its `manifest` is unused).
    pub(crate) options: Request,
    pub(crate) manifests: Vec<ManifestArg>,
}

impl Task for EvaluateManyTask {
    type Output = std::result::Result<Vec<std::result::Result<Decision, Failure>>, Failure>;
    type JsValue = Batch;

    fn compute(&mut self) -> Result<Self::Output> {
        Ok(guard(|| evaluate_many(&self.engine, &self.options, &self.manifests)))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> Result<Self::JsValue> {
        output.map(Batch).map_err(|f| f.into_napi(&env))
    }
}

/// Parses every manifest, evaluates the valid ones with the core's parallel
/// batch call, and answers one result per manifest, in order. Fails as a
/// whole only when the shared options (approvals, extra) are invalid.
pub fn evaluate_many(
    engine: &Engine,
    options: &Request,
    manifests: &[ManifestArg],
) -> std::result::Result<Vec<std::result::Result<Decision, Failure>>, Failure> {
    let ctx = options.context()?;
    let mut valid = Vec::with_capacity(manifests.len());
    let mut slots: Vec<Option<Failure>> = Vec::with_capacity(manifests.len());
    for parsed in parse_all(engine, manifests) {
        match parsed {
            Ok(m) => {
                valid.push(m);
                slots.push(None);
            }
            Err(f) => slots.push(Some(f)),
        }
    }
    let mut decided = engine.evaluate_many(&valid, &ctx).into_iter();
    Ok(slots
        .into_iter()
        .map(|slot| match slot {
            Some(f) => Err(f),
            None => match decided.next() {
                Some(r) => r.map_err(Failure::from),
                None => Err(Failure::internal("the batch returned fewer decisions than manifests")),
            },
        })
        .collect())
}

/// Parses and validates the manifests on all cores, in order, on the core's one
/// worker pool. (The core's `evaluate_many` takes parsed manifests; parsing is a
/// third of the work.)
fn parse_all(engine: &Engine, texts: &[ManifestArg]) -> Vec<std::result::Result<microgov::Manifest, Failure>> {
    batch::map(
        texts,
        BatchOptions::default(),
        None,
        |m| guard(|| m.manifest(engine).map(std::borrow::Cow::into_owned)),
        // `guard` catches panics; this is for completeness.
        || Err(Failure::internal("a parsing thread panicked")),
    )
}
