//! The engine: compiled Rego evaluation with explained decisions.
//!
//! Built once from the bundled policies plus the host's folders, tarballs and
//! data; evaluates from many threads at once. Each evaluation runs the
//! pipeline of DESIGN.md: enrich (native) → decide (Rego) → assemble.
//!
//! All packages are compiled together into one program for regorus's
//! compiled VM (RVM) with one generated entry point that gathers every
//! policy's `violation`, `deny`, `warn`, `obligation` and `required_approval`
//! sets, so one VM run answers for all policies. If the RVM cannot compile
//! the policies, the interpreter runs them instead. Each thread takes a
//! prepared VM from a small pool, so there is no lock around evaluation,
//! and gets back the VM it ran last, so a VM's memory stays in one core's cache.

pub mod batch;
mod checks;
mod decision;
mod digest;
mod egress;
mod error;
mod input;
mod result;
mod rvalue;
pub mod testing;

pub use checks::CheckSettings;
pub use decision::{ApprovalUse, Decision, Outcome, RequiredApproval, Risk, Violation, Waived};
pub use egress::{EgressGuard, EgressPolicy, EgressVerdict};
pub use error::PolicyError;

use crate::bundle::{check_overlap, merge_data, package_of, Bundle, RuleSite, SourceIndex};
use crate::model::{Approval, ApprovalPolicy, ApprovalStatus, Catalog, Limits, Manifest, ParseOptions};
use crate::risk::{self, RiskModel};
use crate::{Error, Result};
use chrono::{DateTime, Utc};
use regorus::languages::rego::compiler::Compiler;
use regorus::rvm::program::Program;
use regorus::rvm::vm::RegoVM;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The rule heads microgov collects from every policy package.
pub(crate) const COLLECTED: [&str; 5] = ["violation", "deny", "warn", "obligation", "required_approval"];

const ENTRY_PACKAGE: &str = "microgov_entry";

/// How many VM instructions run between two reads of the clock for the time
/// budget. Reading the clock costs tens of nanoseconds; every 1024
/// instructions keeps that under 1% while a runaway policy still stops
/// within microseconds of its deadline (the instruction budget stops it too).
const TIMER_CHECK_INTERVAL: std::num::NonZeroU32 = std::num::NonZeroU32::MIN.saturating_add(1023);

/// Budgets that stop a runaway policy with [`PolicyError::Limit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvalLimits {
    /// Most VM instructions one evaluation may execute.
    pub max_instructions: usize,
    /// Longest one evaluation may run.
    pub timeout: Duration,
}

impl Default for EvalLimits {
    fn default() -> Self {
        EvalLimits { max_instructions: 5_000_000, timeout: Duration::from_secs(2) }
    }
}

/// How to build an [`Engine`].
#[derive(Debug, Clone, Default)]
pub struct EngineOptions {
    /// Leave out the bundled policies (and their data).
    pub without_bundled: bool,
    /// Folders of Rego policies and data (OPA bundle layout).
    pub policy_dirs: Vec<PathBuf>,
    /// OPA bundle tarballs (`.tar.gz`).
    pub bundles: Vec<PathBuf>,
    /// Data merged over the bundles' data (objects merge, other values replace).
    pub data: Option<serde_json::Value>,
    /// Evaluation budgets.
    pub limits: EvalLimits,
    /// Manifest size and depth limits.
    pub parse_limits: Limits,
}

impl EngineOptions {
    /// Adds a policy folder.
    pub fn policy_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.policy_dirs.push(dir.into());
        self
    }

    /// Adds a bundle tarball.
    pub fn bundle(mut self, path: impl Into<PathBuf>) -> Self {
        self.bundles.push(path.into());
        self
    }

    /// Sets the data overlay.
    pub fn data(mut self, data: serde_json::Value) -> Self {
        self.data = Some(data);
        self
    }
}

/// What one evaluation is about: time, decision id, approvals.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Evaluation time; the clock when `None`.
    pub now: Option<DateTime<Utc>>,
    /// Decision id; a new UUID v7 when `None`.
    pub decision_id: Option<String>,
    /// Approvals and exceptions to consider.
    pub approvals: Vec<Approval>,
    /// Free-form context passed to policies as `input.context.extra`.
    pub extra: serde_json::Value,
}

impl Context {
    /// A context at a fixed time.
    pub fn at(now: DateTime<Utc>) -> Context {
        Context { now: Some(now), ..Context::default() }
    }

    /// Adds approvals.
    pub fn with_approvals(mut self, approvals: Vec<Approval>) -> Context {
        self.approvals = approvals;
        self
    }

    /// Fixes the decision id.
    pub fn with_decision_id(mut self, id: impl Into<String>) -> Context {
        self.decision_id = Some(id.into());
        self
    }
}

/// Facts from bundle data that native code reads (the same data Rego reads).
#[derive(Debug, Clone)]
pub struct Settings {
    /// Regions and jurisdictions.
    pub catalog: Arc<Catalog>,
    /// Risk weights and tier thresholds.
    pub risk: RiskModel,
    /// Approval rules.
    pub approvals: ApprovalPolicy,
    /// Days before expiry an app counts as expiring.
    pub expiring_within_days: i64,
    /// Longest lifetime a renewal may give, in days.
    pub max_lifetime_days: i64,
    /// Categories that count as regulated personal data.
    pub regulated: BTreeSet<String>,
    /// Manifest parsing options derived from the data.
    pub parse: ParseOptions,
    /// The platform's egress rules.
    pub egress: Arc<EgressPolicy>,
    /// Parameters of the native checks (`input.findings.checks`).
    pub checks: CheckSettings,
}

impl Settings {
    fn from_data(data: &serde_json::Value, limits: Limits) -> Result<Settings, PolicyError> {
        let bad = |what: &str, e: serde_json::Error| PolicyError::BadData {
            file: format!("data.microgov.{what}"),
            line: 0,
            message: e.to_string(),
        };
        // Without the bundled residency or governance data (an engine built
        // `without_bundled` and no data of its own), the built-in catalog
        // and risk model still apply, so native facts stay meaningful.
        let catalog = match data.pointer("/microgov/residency") {
            Some(_) => Arc::new(Catalog::from_data(data).map_err(|e| bad("residency", e))?),
            None => Catalog::bundled(),
        };
        let risk = match data.pointer("/microgov/governance") {
            Some(_) => RiskModel::from_data(data).map_err(|e| bad("governance", e))?,
            None => RiskModel::bundled(),
        };
        let g = data.pointer("/microgov/governance").cloned().unwrap_or_else(|| serde_json::json!({}));
        let approvals: ApprovalPolicy = serde_json::from_value(g.clone()).map_err(|e| bad("governance", e))?;
        let num = |p: &str, d: i64| g.pointer(p).and_then(|v| v.as_i64()).unwrap_or(d);
        let regulated = g
            .get("regulated_categories")
            .and_then(|v| v.as_array())
            .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
            .unwrap_or_default();
        let mut parse = ParseOptions {
            catalog: catalog.clone(),
            limits,
            default_lifetime_days: num("/lifecycle/default_days", 90),
            ..ParseOptions::default()
        };
        if let Some(s) = g.get("internal_domain_suffixes").and_then(|v| v.as_array()) {
            parse.internal_suffixes = s.iter().filter_map(|x| x.as_str().map(str::to_string)).collect();
        }
        let egress = Arc::new(EgressPolicy::from_data(data).map_err(|e| bad("egress", e))?);
        let checks = CheckSettings::from_data(data).map_err(|(what, e)| bad(what, e))?;
        Ok(Settings {
            egress,
            checks,
            catalog,
            risk,
            approvals,
            expiring_within_days: num("/lifecycle/expiring_within_days", 14),
            max_lifetime_days: num("/lifecycle/max_days", 365),
            regulated,
            parse,
        })
    }
}

/// A policy package that takes part in decisions.
#[derive(Debug, Clone)]
pub(crate) struct PackageInfo {
    /// `microgov.residency`.
    pub path: String,
    /// The name in decisions: `residency` for bundled, the package otherwise.
    pub policy: String,
    /// Which of [`COLLECTED`] it defines.
    pub heads: Vec<&'static str>,
}

enum Backend {
    Vm(Box<RegoVM>),
    Interpreter(Box<regorus::Engine>),
}

struct Inner {
    program: Option<Arc<Program>>,
    /// The compiled program in regorus's binary form: each new VM gets its
    /// own copy, so VMs on different threads share no reference counts.
    program_bytes: Option<Vec<u8>>,
    interpreter: regorus::Engine,
    data_json: serde_json::Value,
    /// Idle backends, each with the thread that last ran it (see `checkout`).
    pool: Mutex<Vec<(std::thread::ThreadId, Backend)>>,
    settings: Settings,
    packages: Vec<PackageInfo>,
    revisions: BTreeMap<String, String>,
    index: SourceIndex,
    bundles: Vec<Bundle>,
    limits: EvalLimits,
    /// The optional input members the policies read.
    needs: input::Needs,
}

/// A compiled set of policies. Cheap to clone, `Send + Sync`.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("policies", &self.inner.packages.iter().map(|p| p.path.as_str()).collect::<Vec<_>>())
            .field("compiled", &self.inner.program.is_some())
            .finish()
    }
}

fn add_file(engine: &mut regorus::Engine, path: &str, source: &str) -> Result<(), PolicyError> {
    match engine.add_policy(path.to_string(), source.to_string()) {
        Ok(_) => Ok(()),
        Err(v1_err) => {
            // Rego v0 files (no `if`/`contains`) are still common, as in the
            // seed articles; regorus records the syntax version per module.
            engine.set_rego_v0(true);
            let r = engine.add_policy(path.to_string(), source.to_string());
            engine.set_rego_v0(false);
            r.map(|_| ()).map_err(|_| PolicyError::from_regorus_parse(path, &v1_err.to_string()))
        }
    }
}

/// The rule heads of [`COLLECTED`] a source defines at column 0.
fn heads_of(source: &str) -> BTreeSet<&'static str> {
    let mut out = BTreeSet::new();
    for line in source.lines() {
        for h in COLLECTED {
            if let Some(rest) = line.strip_prefix(h) {
                if rest.starts_with([' ', '[', '{', ':', '=', '\t']) || rest.is_empty() {
                    out.insert(h);
                }
            }
        }
    }
    out
}

fn entry_policy(packages: &[PackageInfo]) -> String {
    let mut s = format!("package {ENTRY_PACKAGE}\n\nimport rego.v1\n\nresult := {{\n");
    for p in packages {
        let r = p.path.split('.').map(|seg| format!("[\"{seg}\"]")).collect::<String>();
        s.push_str(&format!("  \"{}\": {{\n", p.path));
        for h in &p.heads {
            s.push_str(&format!("    \"{h}\": [x | x := data{r}.{h}],\n"));
        }
        s.push_str("  },\n");
    }
    s.push_str("}\n");
    s
}

impl Engine {
    /// An engine with the bundled policies only.
    pub fn new() -> Result<Engine> {
        Engine::with_options(EngineOptions::default())
    }

    /// An engine with the given policies and data.
    pub fn with_options(opts: EngineOptions) -> Result<Engine> {
        let mut bundles = if opts.without_bundled { Vec::new() } else { Bundle::bundled()? };
        for d in &opts.policy_dirs {
            bundles.push(Bundle::from_dir(d)?);
        }
        for t in &opts.bundles {
            bundles.push(Bundle::from_tarball(t)?);
        }
        check_overlap(&bundles)?;
        Engine::from_bundles(bundles, opts.data, opts.limits, opts.parse_limits)
    }

    fn from_bundles(
        bundles: Vec<Bundle>,
        data: Option<serde_json::Value>,
        limits: EvalLimits,
        parse_limits: Limits,
    ) -> Result<Engine> {
        let mut data_json = serde_json::Value::Object(Default::default());
        for b in &bundles {
            merge_data(&mut data_json, b.data.clone());
        }
        // Host data changes what policies and native checks see, so it is
        // named in every decision's policy_revisions like a bundle.
        let data_revision = data.as_ref().map(|d| {
            use sha2::{Digest, Sha256};
            let hex: String = Sha256::digest(serde_json::to_vec(d).unwrap_or_default())
                .iter()
                .take(6)
                .map(|b| format!("{b:02x}"))
                .collect();
            format!("sha256:{hex}")
        });
        if let Some(d) = data {
            if !d.is_object() {
                return Err(PolicyError::BadData {
                    file: "data".into(),
                    line: 0,
                    message: "host data must be a JSON object".into(),
                }
                .into());
            }
            merge_data(&mut data_json, d);
        }
        let settings = Settings::from_data(&data_json, parse_limits)?;
        // Build the detectors' tables now rather than on the first decision.
        crate::detect::warm_up();

        let mut interpreter = regorus::Engine::new();
        interpreter.set_strict_builtin_errors(false);
        interpreter.set_execution_timer_config(regorus::utils::limits::ExecutionTimerConfig {
            limit: limits.timeout,
            check_interval: TIMER_CHECK_INTERVAL,
        });
        let mut packages: BTreeMap<String, PackageInfo> = BTreeMap::new();
        let mut revisions = BTreeMap::new();
        for b in &bundles {
            revisions.insert(b.name.clone(), b.revision.clone());
            for f in b.files.iter().filter(|f| !f.is_test) {
                add_file(&mut interpreter, &f.path, &f.source)?;
                let Some(pkg) = package_of(&f.source) else { continue };
                let heads = heads_of(&f.source);
                let entry = packages.entry(pkg.clone()).or_insert_with(|| PackageInfo {
                    policy: pkg.strip_prefix("microgov.").unwrap_or(&pkg).to_string(),
                    path: pkg.clone(),
                    heads: Vec::new(),
                });
                for h in heads {
                    if !entry.heads.contains(&h) {
                        entry.heads.push(h);
                    }
                }
            }
        }
        if let Some(r) = data_revision {
            revisions.insert("data".to_string(), r);
        }
        let packages: Vec<PackageInfo> = packages.into_values().filter(|p| !p.heads.is_empty()).collect();
        add_file(&mut interpreter, "microgov_entry.rego", &entry_policy(&packages))?;
        let data_value = to_regorus(&data_json);
        interpreter.add_data(data_value).map_err(|e| PolicyError::BadData {
            file: "data".into(),
            line: 0,
            message: e.to_string(),
        })?;

        let entry = format!("data.{ENTRY_PACKAGE}.result");
        let compiled = interpreter.compile_with_entrypoint(&entry.as_str().into()).map_err(|e| {
            let msg = e.to_string();
            let file = regex::Regex::new(r"-->\s*([^:\s]+):")
                .ok()
                .and_then(|re| re.captures(&msg).and_then(|c| c.get(1)).map(|m| m.as_str().to_string()))
                .unwrap_or_else(|| "policies".into());
            PolicyError::from_regorus_parse(&file, &msg)
        })?;
        // The RVM covers most of Rego; where it does not, the interpreter runs.
        let program = match Compiler::compile_from_policy(&compiled, &[entry.as_str()]) {
            Ok(p) => Some(p),
            Err(e) => {
                if std::env::var_os("MICROGOV_DEBUG").is_some() {
                    eprintln!("microgov: compiled VM unavailable, using the interpreter: {e}");
                }
                None
            }
        };
        let index = SourceIndex::build(bundles.iter().flat_map(|b| b.files.iter()));
        let needs = input::Needs::of_sources(
            bundles.iter().flat_map(|b| b.files.iter()).filter(|f| !f.is_test).map(|f| &*f.source),
        );
        let engine = Engine {
            inner: Arc::new(Inner {
                program_bytes: program.as_ref().and_then(|p| p.serialize_binary().ok()),
                program,
                interpreter,
                data_json,
                pool: Mutex::new(Vec::new()),
                settings,
                packages,
                revisions,
                index,
                bundles,
                limits,
                needs,
            }),
        };
        // Compile-time smoke run: a VM that cannot run an empty input is
        // dropped in favour of the interpreter rather than failing at runtime.
        Ok(engine)
    }

    /// Facts read from bundle data (catalog, risk model, approval rules).
    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// The merged data document policies see as `data`.
    pub fn data(&self) -> &serde_json::Value {
        &self.inner.data_json
    }

    /// The loaded bundles.
    pub fn bundles(&self) -> &[Bundle] {
        &self.inner.bundles
    }

    /// Whether decisions run in the compiled VM (else in the interpreter).
    pub fn is_compiled(&self) -> bool {
        self.inner.program.is_some()
    }

    /// Parses and validates a manifest (YAML or JSON) with this engine's
    /// catalog, defaults and limits.
    pub fn parse_manifest(&self, text: &str) -> Result<Manifest> {
        Ok(Manifest::parse_with(text, crate::model::sniff_format(text), &self.inner.settings.parse)?)
    }

    /// Validates an already-parsed manifest document with this engine's settings.
    pub fn manifest_from_value(&self, doc: &serde_json::Value) -> Result<Manifest> {
        crate::model::parse::manifest_from_value(doc, &self.inner.settings.parse).map_err(|p| Error::from(crate::model::ManifestError::manifest(p)))
    }

    /// Validates a document held in some other form than a
    /// `serde_json::Value` (a binding's own objects), with this engine's
    /// settings: see [`crate::model::doc`].
    pub fn manifest_from_node<N: crate::model::doc::Node>(&self, doc: &N) -> Result<Manifest> {
        crate::model::parse::manifest_from_node(doc, &self.inner.settings.parse).map_err(|p| Error::from(crate::model::ManifestError::manifest(p)))
    }

    /// Takes an idle backend, preferring the one this thread ran last.
    ///
    /// A plain stack hands VMs back and forth between threads (with two
    /// threads, a third to a half of all checkouts). A VM that changes cores
    /// pulls its program, data and buffers, all written by the last run
    /// (reference counts), from the other core's cache, and frees on this
    /// thread what the other allocated (glibc: the other arena's lock): up
    /// to 50% more CPU per decision, so two threads barely beat one.
    fn checkout(&self) -> Result<Backend> {
        let me = std::thread::current().id();
        let found = self.inner.pool.lock().ok().and_then(|mut p| {
            let i = p.iter().rposition(|(t, _)| *t == me).or_else(|| p.len().checked_sub(1))?;
            Some(p.swap_remove(i).1)
        });
        if let Some(b) = found {
            return Ok(b);
        }
        match &self.inner.program {
            Some(program) => {
                // Private copies of the program and the data: regorus values
                // are reference-counted, and VMs on two cores touching the
                // same counters on every literal and data lookup would
                // serialize on those cache lines.
                let own = self
                    .inner
                    .program_bytes
                    .as_deref()
                    .and_then(|b| Program::deserialize_binary(b).ok())
                    .and_then(|r| match r {
                        regorus::rvm::program::DeserializationResult::Complete(p) => Some(Arc::new(p)),
                        regorus::rvm::program::DeserializationResult::Partial(_) => None,
                    })
                    .unwrap_or_else(|| program.clone());
                let mut vm = RegoVM::new();
                vm.load_program(own);
                vm.set_data(to_regorus(&self.inner.data_json)).map_err(|e| PolicyError::BadData {
                    file: "data".into(),
                    line: 0,
                    message: e.to_string(),
                })?;
                vm.set_strict_builtin_errors(false);
                vm.set_max_instructions(self.inner.limits.max_instructions);
                vm.set_execution_timer_config(Some(regorus::utils::limits::ExecutionTimerConfig {
                    limit: self.inner.limits.timeout,
                    check_interval: TIMER_CHECK_INTERVAL,
                }));
                Ok(Backend::Vm(Box::new(vm)))
            }
            None => Ok(Backend::Interpreter(Box::new(self.inner.interpreter.clone()))),
        }
    }

    fn checkin(&self, b: Backend) {
        let me = std::thread::current().id();
        if let Ok(mut p) = self.inner.pool.lock() {
            if p.len() < 64 {
                p.push((me, b));
            }
        }
    }

    /// Runs the policies on an input document; returns the gathered result.
    fn run(&self, input: regorus::Value) -> Result<regorus::Value, PolicyError> {
        let mut backend = self.checkout().map_err(|e| PolicyError::Eval(e.to_string()))?;
        let out = match &mut backend {
            Backend::Vm(vm) => {
                vm.set_input(input);
                vm.execute().map_err(|e| classify_eval_error(&e.to_string()))
            }
            Backend::Interpreter(engine) => {
                engine.set_input(input);
                engine
                    .eval_rule(format!("data.{ENTRY_PACKAGE}.result"))
                    .map_err(|e| classify_eval_error(&e.to_string()))
            }
        };
        // A VM that failed may hold partial state: drop it rather than reuse it.
        if out.is_ok() {
            self.checkin(backend);
        }
        out
    }

    /// Decides on one app.
    pub fn evaluate(&self, app: &Manifest, ctx: &Context) -> Result<Decision> {
        self.evaluate_inner(app, ctx, &self.inner.needs).map(|(d, _)| d)
    }

    /// Decides on one app and says where each violation came from.
    pub fn explain(&self, app: &Manifest, ctx: &Context) -> Result<Explanation> {
        // The whole input document, also the members no loaded policy reads.
        let (decision, input) = self.evaluate_inner(app, ctx, &input::Needs::all())?;
        let source_of = |v: &Violation, head_hint: &str| -> Option<RuleSite> {
            let pkg = self.inner.packages.iter().find(|p| p.policy == v.policy)?;
            self.inner.index.find(&pkg.path, Some(&v.rule), head_hint).cloned()
        };
        let violations = decision
            .violations
            .iter()
            .map(|v| ExplainedViolation {
                violation: v.clone(),
                source: source_of(v, "violation").or_else(|| source_of(v, "deny")),
                waivable_by: v.exception.clone(),
            })
            .collect();
        let waived = decision
            .waived
            .iter()
            .map(|w| ExplainedViolation {
                violation: w.violation.clone(),
                source: source_of(&w.violation, "violation"),
                waivable_by: w.violation.exception.clone(),
            })
            .collect();
        let input = serde_json::to_value(&input).map_err(|e| PolicyError::Eval(e.to_string()))?;
        Ok(Explanation { decision, violations, waived, input })
    }

    /// Decides on many apps in parallel, one result per app, in order.
    ///
    /// Threads take small batches from a shared counter as they free up, so
    /// a slow core or a slow app does not hold up the others.
    pub fn evaluate_many(&self, apps: &[Manifest], ctx: &Context) -> Vec<Result<Decision>> {
        batch::map(
            apps,
            batch::BatchOptions::default(),
            None,
            |a| self.evaluate(a, ctx),
            || Err(PolicyError::Eval("an evaluation panicked (a bug in microgov, please report it)".into()).into()),
        )
    }

    /// Prepares an app for repeated decisions: validates nothing new, but
    /// computes once everything that depends on the manifest alone (risk,
    /// region lookups, flows, detector findings, the manifest's policy
    /// value). A platform that decides on the same app at every deploy or
    /// connector call keeps one `PreparedApp` per app version.
    pub fn prepare(&self, app: &Manifest) -> Result<PreparedApp> {
        let parts = self.parts(app, &self.inner.needs)?;
        Ok(PreparedApp {
            inner: Arc::new(PreparedInner { engine: Arc::as_ptr(&self.inner) as usize, manifest: app.clone(), parts }),
        })
    }

    /// Everything of the input that depends on the manifest alone.
    fn parts(&self, app: &Manifest, needs: &input::Needs) -> Result<Parts> {
        let settings = &self.inner.settings;
        let detected = crate::detect::scan_manifest(app);
        // The egress detector's findings start with `spec.egress`, in order.
        let egress_hosts = detected.egress.iter().take(app.spec.egress.len()).filter_map(|f| f.host.as_deref());
        let risk = risk::assess_with_hosts(app, &settings.risk, &settings.catalog, egress_hosts);
        let conv = |e: rvalue::ConvertError| PolicyError::Eval(format!("cannot build the input document: {e}"));
        let findings = rvalue::to_value(&input::build_static(app, &risk, settings, &detected, needs)).map_err(conv)?;
        let app_value = app_value(app, needs).map_err(conv)?;
        let digest_prefix =
            digest::prefix(app).map_err(|e| PolicyError::Eval(format!("cannot hash the manifest: {e}")))?;
        Ok(Parts { risk, digest_prefix, app_value, findings })
    }

    /// Decides on a prepared app (see [`Engine::prepare`]).
    pub fn evaluate_prepared(&self, app: &PreparedApp, ctx: &Context) -> Result<Decision> {
        if app.inner.engine != Arc::as_ptr(&self.inner) as usize {
            // Prepared by another engine, whose data may differ.
            return self.evaluate(&app.inner.manifest, ctx);
        }
        self.decide(&app.inner.manifest, Cow::Borrowed(&app.inner.parts), ctx).map(|(d, _)| d)
    }

    /// The input document, and its digest (see [`digest`]).
    fn input_value(
        &self,
        m: &Manifest,
        parts: InputParts,
        ctx: &Context,
        now: DateTime<Utc>,
        judged: &[input::JudgedApproval<'_>],
    ) -> Result<(regorus::Value, String)> {
        use regorus::Value as V;
        let conv = |e: rvalue::ConvertError| PolicyError::Eval(format!("cannot build the input document: {e}"));
        let lifecycle = rvalue::to_value(&input::lifecycle_doc(m, &self.inner.settings, now)).map_err(conv)?;
        let context_doc = input::context_doc(m, now, judged, &ctx.extra);
        let context = rvalue::to_value(&context_doc).map_err(conv)?;
        let digest = digest::finish(parts.digest_prefix, &context_doc)
            .map_err(|e| PolicyError::Eval(format!("cannot hash the context: {e}")))?;
        // Owned: for a fresh decision nothing else holds it, so this inserts without copying.
        let mut findings = parts.findings;
        findings.as_object_mut().map_err(|e| PolicyError::Eval(e.to_string()))?.insert(V::from("lifecycle"), lifecycle);
        let mut top = BTreeMap::new();
        top.insert(V::from("app"), parts.app_value);
        top.insert(V::from("context"), context);
        top.insert(V::from("findings"), findings);
        Ok((V::from(top), digest))
    }

    /// Decides; `parts` is borrowed for a prepared app and owned (moved
    /// into the input and the decision, not copied) for a fresh one.
    fn decide(&self, m: &Manifest, parts: Cow<'_, Parts>, ctx: &Context) -> Result<(Decision, regorus::Value)> {
        let settings = &self.inner.settings;
        let now = ctx.now.unwrap_or_else(Utc::now);
        let decision_id = ctx.decision_id.clone().unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
        let judged: Vec<input::JudgedApproval<'_>> = ctx
            .approvals
            .iter()
            .map(|a| input::JudgedApproval { approval: a, status: a.status(m, now, &settings.approvals) })
            .collect();
        let (risk, input) = parts.into_owned().split();
        let (input_value, digest) = self.input_value(m, input, ctx, now, &judged)?;
        let result = self.run(input_value.clone())?;
        let gathered = result::gather(&result, &self.inner.packages, &self.inner.index)?;
        let decision = result::assemble(m, &judged, risk, gathered, &self.inner.revisions, decision_id, digest, now);
        Ok((decision, input_value))
    }

    fn evaluate_inner(
        &self,
        app: &Manifest,
        ctx: &Context,
        needs: &input::Needs,
    ) -> Result<(Decision, regorus::Value)> {
        self.decide(app, Cow::Owned(self.parts(app, needs)?), ctx)
    }

    /// The input document policies would see for this app, as JSON (for
    /// `opa eval`, debugging and `microgov explain`).
    pub fn input_document(&self, app: &Manifest, ctx: &Context) -> Result<serde_json::Value> {
        // The whole document, also the members no loaded policy reads.
        let parts = self.parts(app, &input::Needs::all())?;
        let now = ctx.now.unwrap_or_else(Utc::now);
        let judged: Vec<input::JudgedApproval<'_>> = ctx
            .approvals
            .iter()
            .map(|a| input::JudgedApproval { approval: a, status: a.status(app, now, &self.inner.settings.approvals) })
            .collect();
        let (v, _) = self.input_value(app, parts.split().1, ctx, now, &judged)?;
        serde_json::to_value(&v).map_err(|e| PolicyError::Eval(format!("cannot build the input document: {e}")).into())
    }

    /// Whether `app` may call `url` now (see [`EgressGuard`]). Parses the
    /// app's egress entries on each call; for a hot path, keep an
    /// [`Engine::egress_guard`] per app.
    pub fn check_egress(&self, app: &Manifest, url: &str) -> EgressVerdict {
        self.egress_guard(app).check(url)
    }

    /// The app's egress entries parsed and checked once, for fast runtime checks.
    pub fn egress_guard(&self, app: &Manifest) -> EgressGuard {
        EgressGuard::new(self.inner.settings.egress.clone(), app)
    }

    /// The fields a connector must receive masked: the regulated fields of
    /// its datasets, unless it declares `needsRawValues` (the same rule as
    /// the pii policy's `mask` obligation).
    pub fn masked_fields(&self, app: &Manifest, connector: &str) -> Vec<String> {
        let Some(c) = app.connector(connector) else { return Vec::new() };
        if c.needs_raw_values {
            return Vec::new();
        }
        let regulated = &self.inner.settings.regulated;
        let mut out: Vec<String> = c
            .datasets
            .iter()
            .filter_map(|d| app.dataset(d))
            .flat_map(|d| d.fields.iter())
            .filter(|f| f.categories.iter().any(|c| regulated.contains(c.as_str())))
            .map(|f| f.name.clone())
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// Applies the mask obligation for `connector` to a JSON record: every
    /// member named like a masked field, at any depth, becomes `"****"`.
    pub fn redact(&self, app: &Manifest, connector: &str, record: &serde_json::Value) -> serde_json::Value {
        let fields = self.masked_fields(app, connector);
        let mut out = record.clone();
        redact_in(&mut out, &fields);
        out
    }

    /// The app's lifecycle state at `now` (active, expiring, expired, retired), with the
    /// expiring window of the bundle data (`lifecycle.expiring_within_days`).
    pub fn lifecycle(&self, app: &Manifest, now: DateTime<Utc>) -> crate::model::lifecycle::LifecycleState {
        crate::model::lifecycle::state(app, now, self.settings().expiring_within_days)
    }

    /// The app renewed to `new_expiry`, which must lie after `now` and at most the bundle
    /// data's `lifecycle.max_days` from it; a retired app is never renewed.
    pub fn renew(&self, app: &Manifest, new_expiry: DateTime<Utc>, now: DateTime<Utc>) -> Result<Manifest> {
        Ok(crate::model::lifecycle::renew(app, new_expiry, now, self.settings().max_lifetime_days)?)
    }

    /// The app retired at `now` (`metadata.retiredAt`): from then on its lifecycle says
    /// retired, the policies deny it and [`Engine::renew`] refuses it.
    pub fn retire(&self, app: &Manifest, now: DateTime<Utc>) -> Manifest {
        crate::model::lifecycle::retire(app, now)
    }

    /// Judges each approval for this app at `now`.
    pub fn approval_statuses(
        &self,
        app: &Manifest,
        approvals: &[Approval],
        now: DateTime<Utc>,
    ) -> Vec<(String, ApprovalStatus)> {
        approvals.iter().map(|a| (a.id.clone(), a.status(app, now, &self.inner.settings.approvals))).collect()
    }
}

fn redact_in(v: &mut serde_json::Value, fields: &[String]) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, child) in m.iter_mut() {
                if fields.iter().any(|f| f == k) && !child.is_null() {
                    *child = serde_json::Value::String("****".into());
                } else {
                    redact_in(child, fields);
                }
            }
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(|x| redact_in(x, fields)),
        _ => {}
    }
}

/// An app prepared for repeated decisions by one engine ([`Engine::prepare`]).
#[derive(Debug, Clone)]
pub struct PreparedApp {
    inner: Arc<PreparedInner>,
}

#[derive(Debug)]
struct PreparedInner {
    engine: usize,
    manifest: Manifest,
    parts: Parts,
}

/// The input's manifest-only parts.
#[derive(Debug, Clone)]
struct Parts {
    risk: risk::RiskAssessment,
    app_value: regorus::Value,
    findings: regorus::Value,
    /// The input digest's hasher after the app (see [`digest`]).
    digest_prefix: sha2::Sha256,
}

/// The parts of [`Parts`] that go into the input document.
struct InputParts {
    app_value: regorus::Value,
    findings: regorus::Value,
    digest_prefix: sha2::Sha256,
}

impl Parts {
    fn split(self) -> (risk::RiskAssessment, InputParts) {
        (
            self.risk,
            InputParts { app_value: self.app_value, findings: self.findings, digest_prefix: self.digest_prefix },
        )
    }
}

impl PreparedApp {
    /// The manifest it was prepared from.
    pub fn manifest(&self) -> &Manifest {
        &self.inner.manifest
    }

    /// Its risk assessment.
    pub fn risk(&self) -> &risk::RiskAssessment {
        &self.inner.parts.risk
    }
}

/// A decision with the source of each violation.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Explanation {
    /// The decision.
    pub decision: Decision,
    /// Each open violation with the rule that produced it.
    pub violations: Vec<ExplainedViolation>,
    /// Each waived violation with the rule that produced it.
    pub waived: Vec<ExplainedViolation>,
    /// The input document the policies read.
    pub input: serde_json::Value,
}

/// A violation and where it came from.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ExplainedViolation {
    /// The violation.
    pub violation: Violation,
    /// The rule definition (file, line, metadata).
    pub source: Option<RuleSite>,
    /// The exception kind that would waive it.
    pub waivable_by: Option<String>,
}

/// `input.app`: the manifest, with only the members of it and of its
/// `spec` that the policies read (see [`input::Needs`]).
fn app_value(app: &Manifest, needs: &input::Needs) -> Result<regorus::Value, rvalue::ConvertError> {
    if needs.app.is_all() && needs.spec.is_all() {
        return rvalue::to_value(app);
    }
    let mut value = rvalue::to_value_fields(app, &|k| k != "spec" && needs.app.has(k))?;
    if needs.app.has("spec") {
        let spec = rvalue::to_value_fields(&app.spec, &|k| needs.spec.has(k))?;
        value
            .as_object_mut()
            .map_err(|e| rvalue::ConvertError(e.to_string()))?
            .insert(regorus::Value::from("spec"), spec);
    }
    Ok(value)
}

fn classify_eval_error(msg: &str) -> PolicyError {
    let lower = msg.to_ascii_lowercase();
    if lower.contains("instruction")
        || lower.contains("time limit")
        || lower.contains("timer")
        || lower.contains("timeout")
        || lower.contains("exceeded")
        || lower.contains("recursion")
        || lower.contains("stack")
    {
        PolicyError::Limit(msg.trim().to_string())
    } else {
        PolicyError::Eval(msg.trim().to_string())
    }
}

/// Converts JSON to a regorus value without a text round trip.
pub(crate) fn to_regorus(v: &serde_json::Value) -> regorus::Value {
    use regorus::Value as R;
    match v {
        serde_json::Value::Null => R::Null,
        serde_json::Value::Bool(b) => R::from(*b),
        serde_json::Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                R::from(i)
            } else if let Some(u) = n.as_u64() {
                R::from(u)
            } else {
                R::from(n.as_f64().unwrap_or(0.0))
            }
        }
        serde_json::Value::String(s) => R::from(s.as_str()),
        serde_json::Value::Array(a) => R::from(a.iter().map(to_regorus).collect::<Vec<_>>()),
        serde_json::Value::Object(o) => {
            let m: BTreeMap<R, R> = o.iter().map(|(k, v)| (R::from(k.as_str()), to_regorus(v))).collect();
            R::from(m)
        }
    }
}

#[cfg(test)]
mod pool_tests {
    use super::*;

    fn addr(b: &Backend) -> usize {
        match b {
            Backend::Vm(vm) => std::ptr::from_ref::<RegoVM>(vm) as usize,
            Backend::Interpreter(e) => std::ptr::from_ref::<regorus::Engine>(e) as usize,
        }
    }

    #[test]
    fn a_thread_gets_back_the_backend_it_ran_last() {
        let engine = Engine::new().unwrap();
        let mine = engine.checkout().unwrap();
        let theirs = engine.checkout().unwrap();
        let (mine_at, theirs_at) = (addr(&mine), addr(&theirs));
        assert_ne!(mine_at, theirs_at);
        engine.checkin(mine);
        // Returned last, on another thread: a plain stack would hand it out next.
        std::thread::scope(|s| {
            s.spawn(|| engine.checkin(theirs));
        });
        let again = engine.checkout().unwrap();
        assert_eq!(addr(&again), mine_at);
        // A thread with none of its own takes any idle one.
        std::thread::scope(|s| {
            s.spawn(|| assert_eq!(addr(&engine.checkout().unwrap()), theirs_at));
        });
    }
}
