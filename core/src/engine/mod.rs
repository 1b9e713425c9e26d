//! The engine: compiled Rego evaluation with explained decisions.
//!
//! Built once from the bundled policies plus the host's folders, tarballs and
//! data; evaluates from many threads at once. Each evaluation runs one
//! pipeline: enrich (native facts and detector findings added to the input)
//! → decide (Rego) → assemble (the decision, with waivers and approvals).
//!
//! All packages are compiled together into one program for regorus's
//! compiled VM (RVM) with one generated entry point that gathers every
//! policy's `violation`, `deny`, `warn`, `obligation` and `required_approval`
//! sets, so one VM run answers for all policies. If the RVM cannot compile
//! the policies, the interpreter runs them instead. Each thread takes a
//! prepared VM from a small pool, so there is no lock around evaluation,
//! and gets back the VM it ran last, so a VM's memory stays in one core's cache.
//!
//! Here: [`Engine`], its options and the main evaluate path. Beside it: `settings`
//! (facts native code reads from bundle data), `pool` (the per-thread backends),
//! `prepared` ([`PreparedApp`]), `explain`, `mask` (masked fields, redaction),
//! `input`, `rvalue` and `digest` (the input document and its hash), `result` and
//! `decision` (the answer), `native` (the bundled rules' fast paths), `egress` (runtime egress checks), `batch` (the worker
//! pool) and `error` ([`EvalError`]; loading errors are [`crate::bundle::BundleError`]).

// `batch::map`: the Node binding's batch calls and the CLI's `check` and `inventory` run on it.
#[doc(hidden)]
pub mod batch;
mod decision;
mod digest;
mod egress;
mod error;
mod explain;
mod finding;
mod flow;
mod grant;
mod input;
mod mask;
mod native;
mod pool;
mod prepared;
mod result;
mod rvalue;
mod settings;

pub use decision::{ApprovalUse, Decision, Outcome, RequiredApproval, Risk, Severity, Violation, Waived};
pub use egress::{EgressCode, EgressGuard, EgressPolicy, EgressVerdict};
pub use error::EvalError;
pub use explain::{ExplainedApproval, ExplainedViolation, Explanation};
pub use grant::Grant;
pub use native::{AllowedFinding, CheckSettings};
pub use prepared::PreparedApp;
pub use settings::Settings;

use crate::bundle::{
    add_file, check_overlap, merge_data, package_of, package_source, to_regorus, Bundle, BundleError, PackageSource,
    SourceIndex,
};
use crate::model::{Approval, ApprovalStatus, Limits, Manifest};
use crate::{Error, Result};
use chrono::{DateTime, Utc};
use pool::Backend;
use prepared::{InputParts, Parts};
use regorus::languages::rego::compiler::Compiler;
use regorus::rvm::program::Program;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
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

/// Budgets that stop a runaway policy with [`EvalError::Limit`].
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
    /// Evaluate every bundled rule in Rego, also those with a native fast path (see
    /// [`Engine::native_packages`]), and the decision too (the bundled `microgov.decision`
    /// package instead of its native assembly): for differential tests and benchmarks.
    pub rego_only: bool,
    /// Evaluate with regorus's interpreter instead of its compiled VM (implies
    /// `rego_only`): for differential tests.
    pub interpreter: bool,
    /// Trust the roles approvals claim where the approver directory does not grant them
    /// (as in `sandbox`): for demos and tests, never for production decisions.
    pub trust_claimed_roles: bool,
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

/// The source of [`Inner::id`]: every engine built in this process gets its own.
static NEXT_ENGINE_ID: AtomicU64 = AtomicU64::new(1);

struct Inner {
    /// Unique in the process and never reused, unlike the address of this value: a
    /// [`PreparedApp`] names its engine by it (clones share it, as they share the data).
    id: u64,
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
    /// The bundled packages run natively (see `native`), not in the VM.
    native: Vec<native::NativePackage>,
    revisions: BTreeMap<String, String>,
    index: SourceIndex,
    bundles: Vec<Bundle>,
    limits: EvalLimits,
    /// The optional input members the policies read, for an app no pack applies to.
    needs: input::Needs,
    /// The same with what the packs read, for an app that names a pack or holds a category
    /// some pack's data requires it for (`pack_categories`).
    pack_needs: input::Needs,
    /// Every category `data.microgov.packs_required` requires some pack for.
    pack_categories: BTreeSet<String>,
    /// The generated entry module (see [`entry_policy`]).
    entry_module: String,
    /// The decision comes from the `microgov.decision` package run in Rego (a team's own, or
    /// `rego_only`), not from `result::assemble`.
    rego_decision: bool,
    /// The bundled `microgov.decision` is loaded and `result::assemble` computes it.
    native_decision: bool,
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

/// Every category the data requires some pack for (`data.microgov.packs_required`: category →
/// pack names).
fn pack_categories(data: &serde_json::Value) -> BTreeSet<String> {
    let Some(by_category) = data.pointer("/microgov/packs_required").and_then(|p| p.as_object()) else {
        return BTreeSet::new();
    };
    by_category
        .iter()
        .filter(|(_, packs)| packs.as_array().is_some_and(|a| !a.is_empty()))
        .map(|(category, _)| category.clone())
        .collect()
}

/// The package whose `result` is the decision, when it is not the bundled file.
pub(crate) const DECISION_PACKAGE: &str = "microgov.decision";

/// The rule one evaluation runs: the gathered heads, or with a team's decision package, its
/// decision (which reads them).
pub(crate) fn entry_point(rego_decision: bool) -> String {
    let rule = if rego_decision { "decision" } else { "result" };
    format!("data.{ENTRY_PACKAGE}.{rule}")
}

/// The entry package, `microgov_entry`:
/// - `result := {package: {head: [value]}}`, an empty list for a head whose value is
///   undefined (as OPA gives it);
/// - `policies := {package: {policy, rules, heads}}`: the name in decisions and the METADATA
///   defaults `result::gather` reads through [`SourceIndex::find`] (by the rule id a body names,
///   and by head), which the decision package reads as data since Rego cannot read METADATA
///   portably;
/// - with `rego_decision`, `decision := [data.microgov.decision.result]` (`[]` when undefined),
///   the entry point then: a team's decision package, run in the same VM run.
///
/// Collected with `x = ...`, not `x := ...`: regorus 0.14.1's compiled VM does not check
/// that the right side of `:=` is defined inside a comprehension, and
/// `[x | x := data.p.obligation]` over an undefined `obligation` gives `[Undefined]` (the
/// interpreter and OPA give `[]`). `=` binds only a defined value in both engines and in
/// OPA. See `core/tests/regorus_undefined.rs`, which tells when upstream fixes it.
fn entry_policy(packages: &[PackageInfo], index: &SourceIndex, rego_decision: bool) -> String {
    let mut s = format!(
        "# Generated by microgov for the policies it loaded: what every package returned, and\n\
         # what the decision package (microgov.decision) needs to know about each.\n\
         package {ENTRY_PACKAGE}\n\nimport rego.v1\n\nresult := {{\n"
    );
    let mut gates = String::new();
    for p in packages {
        let r = p.path.split('.').map(|seg| format!("[\"{seg}\"]")).collect::<String>();
        // A policy pack's heads are gathered only for the apps it applies to.
        let gate = match crate::model::pack_name(&p.path) {
            Some(name) => {
                let seg = &p.path[crate::model::PACK_PREFIX.len()..];
                gates.push_str(&format!(
                    "\n# Pack {name} applies to an app that names it, or holds a category data.microgov.packs_required maps to it.\n\
                     applies_{seg} if \"{name}\" in input.app.spec.policies\n\n\
                     applies_{seg} if {{\n\tsome category in input.findings.categories\n\t\
                     \"{name}\" in data.microgov.packs_required[category]\n}}\n"
                ));
                format!("applies_{seg}; ")
            }
            None => String::new(),
        };
        s.push_str(&format!("  \"{}\": {{\n", p.path));
        for h in &p.heads {
            s.push_str(&format!("    \"{h}\": [x | {gate}x = data{r}.{h}],\n"));
        }
        s.push_str("  },\n");
    }
    s.push_str("}\n");
    s.push_str(&gates);
    s.push_str("\npolicies := ");
    s.push_str(&entry_policies(packages, index));
    s.push('\n');
    if rego_decision {
        s.push_str(&format!("\ndecision := [x | x = data.{DECISION_PACKAGE}.result]\n"));
    }
    s
}

/// The `policies` object of the entry package, as a Rego (JSON) literal.
fn entry_policies(packages: &[PackageInfo], index: &SourceIndex) -> String {
    use serde_json::{Map, Value};
    let defaults = |m: &crate::bundle::RuleMetadata| {
        let mut o = Map::new();
        for (k, v) in [("severity", &m.severity), ("remediation", &m.remediation), ("exception", &m.exception)] {
            if let Some(v) = v {
                o.insert(k.to_string(), Value::String(v.clone()));
            }
        }
        Value::Object(o)
    };
    let mut all = Map::new();
    for p in packages {
        let (by_id, by_head) = index.defaults_of(&p.path);
        let rules: Map<String, Value> = by_id.into_iter().map(|(id, m)| (id.to_string(), defaults(m))).collect();
        // `find` is asked for the heads that yield violations only.
        let heads: Map<String, Value> = by_head
            .into_iter()
            .filter(|(h, _)| ["violation", "deny", "warn"].contains(h))
            .map(|(h, m)| (h.to_string(), defaults(m)))
            .collect();
        let mut o = Map::new();
        o.insert("policy".into(), Value::String(p.policy.clone()));
        o.insert("rules".into(), Value::Object(rules));
        o.insert("heads".into(), Value::Object(heads));
        all.insert(p.path.clone(), Value::Object(o));
    }
    serde_json::to_string_pretty(&Value::Object(all)).unwrap_or_else(|_| "{}".into())
}

impl Engine {
    /// An engine with the bundled policies only.
    pub fn new() -> Result<Engine> {
        Engine::with_options(EngineOptions::default())
    }

    /// An engine with the given policies and data.
    pub fn with_options(opts: EngineOptions) -> Result<Engine> {
        let mut bundles = if opts.without_bundled { Vec::new() } else { Bundle::bundled()? };
        let bundled = bundles.len();
        for d in &opts.policy_dirs {
            bundles.push(Bundle::from_dir(d)?);
        }
        for t in &opts.bundles {
            bundles.push(Bundle::from_tarball(t)?);
        }
        crate::bundle::settle(&mut bundles, bundled)?;
        check_overlap(&bundles)?;
        Engine::from_bundles(bundles, opts)
    }

    fn from_bundles(bundles: Vec<Bundle>, opts: EngineOptions) -> Result<Engine> {
        let EngineOptions {
            data,
            limits,
            parse_limits,
            rego_only,
            interpreter: use_interpreter,
            trust_claimed_roles,
            ..
        } = opts;
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
                return Err(BundleError::BadData {
                    file: "data".into(),
                    line: None,
                    message: "host data must be a JSON object".into(),
                }
                .into());
            }
            merge_data(&mut data_json, d);
        }
        let mut settings = Settings::from_data(&data_json, parse_limits)?;
        settings.approvals.trust_claimed_roles = trust_claimed_roles;
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
        // Every `microgov.packs.<name>` package loaded is a pack `spec.policies` may name.
        settings.parse.packs = Arc::new(packages.keys().filter_map(|p| crate::model::pack_name(p)).collect());
        let packages: Vec<PackageInfo> = packages.into_values().filter(|p| !p.heads.is_empty()).collect();
        let index = SourceIndex::build(bundles.iter().flat_map(|b| b.files.iter()));
        // The bundled decision package is assembled natively (result.rs, the same decision)
        // unless every rule is to run in Rego; any other version of it runs in Rego. The
        // Rego decision reads what every package returned from the entry: then every
        // package runs in Rego too.
        let decision_source = package_source(DECISION_PACKAGE, bundles.iter().flat_map(|b| b.files.iter()));
        let rego_decision = decision_source == PackageSource::Changed
            || (decision_source == PackageSource::Bundled && (rego_only || use_interpreter));
        let native_decision = decision_source == PackageSource::Bundled && !rego_decision;
        let native = native::eligible(&bundles, rego_only || use_interpreter || rego_decision);
        let in_vm: Vec<PackageInfo> =
            packages.iter().filter(|p| !native.iter().any(|n| n.path() == p.path)).cloned().collect();
        add_file(&mut interpreter, "microgov_entry.rego", &entry_policy(&in_vm, &index, rego_decision))?;
        // For OPA, which runs every package in Rego.
        let entry_module = entry_policy(&packages, &index, false);
        let data_value = to_regorus(&data_json);
        interpreter.add_data(data_value).map_err(|e| BundleError::BadData {
            file: "data".into(),
            line: None,
            message: e.to_string(),
        })?;

        let entry = entry_point(rego_decision);
        let compiled = interpreter.compile_with_entrypoint(&entry.as_str().into()).map_err(|e| {
            let msg = e.to_string();
            let file = regex::Regex::new(r"-->\s*([^:\s]+):")
                .ok()
                .and_then(|re| re.captures(&msg).and_then(|c| c.get(1)).map(|m| m.as_str().to_string()))
                .unwrap_or_else(|| "policies".into());
            BundleError::from_regorus_parse(&file, &msg)
        })?;
        // The RVM covers most of Rego; where it does not, the interpreter runs.
        let program = match Compiler::compile_from_policy(&compiled, &[entry.as_str()]) {
            Ok(_) if use_interpreter => None,
            Ok(p) => Some(p),
            Err(e) => {
                if std::env::var_os("MICROGOV_DEBUG").is_some() {
                    eprintln!("microgov: compiled VM unavailable, using the interpreter: {e}");
                }
                None
            }
        };
        // What the VM's policies read; the native paths read the manifest itself. The packs'
        // rules run only for the apps they apply to (see `entry_policy`): what they read is
        // built for those apps only (`needs_for`), and every app gets what the gates read.
        let vm_sources = || {
            bundles
                .iter()
                .flat_map(|b| b.files.iter())
                .filter(|f| !f.is_test)
                .filter(|f| !package_of(&f.source).is_some_and(|p| native.iter().any(|n| n.path() == p)))
        };
        let is_pack = |src: &str| package_of(src).is_some_and(|p| crate::model::pack_name(&p).is_some());
        let gated = |mut n: input::Needs| {
            n.app.insert("spec");
            n.spec.insert("policies");
            n
        };
        let needs = gated(input::Needs::of_sources(vm_sources().filter(|f| !is_pack(&f.source)).map(|f| &*f.source)));
        let pack_needs = gated(input::Needs::of_sources(vm_sources().map(|f| &*f.source)));
        let pack_categories = pack_categories(&data_json);
        let engine = Engine {
            inner: Arc::new(Inner {
                id: NEXT_ENGINE_ID.fetch_add(1, Ordering::Relaxed),
                program_bytes: program.as_ref().and_then(|p| p.serialize_binary().ok()),
                program,
                interpreter,
                data_json,
                pool: Mutex::new(Vec::new()),
                settings,
                packages,
                native,
                revisions,
                index,
                bundles,
                entry_module,
                rego_decision,
                native_decision,
                limits,
                needs,
                pack_needs,
                pack_categories,
            }),
        };
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

    /// The generated entry module `microgov_entry` for the loaded policies, as Rego source, as
    /// OPA needs it (every package, also those this engine runs natively): `result` gathers
    /// every package's `violation`, `deny`, `warn`, `obligation` and
    /// `required_approval` (`{"<package>": {"<head>": [value]}}`, `[]` when undefined) and
    /// `policies` gives each package's name in decisions and its rules' METADATA defaults.
    /// The bundled `microgov.decision` package reads both, so
    /// `opa eval -d entry.rego -b policy-bundles/decision ... 'data.microgov.decision.result'`
    /// gives the decision microgov takes (`core/docs/input.md`).
    pub fn entry_module(&self) -> &str {
        &self.inner.entry_module
    }

    /// Whether the decision comes from the `microgov.decision` package evaluated in Rego: a
    /// version other than the bundled one (a team's own), or any with
    /// [`EngineOptions::rego_only`]; else the engine computes the bundled package's decision
    /// natively (or, without a decision package, the same).
    pub fn decides_in_rego(&self) -> bool {
        self.inner.rego_decision
    }

    /// Whether decisions run in the compiled VM (else in the interpreter).
    pub fn is_compiled(&self) -> bool {
        self.inner.program.is_some()
    }

    /// The bundled packages whose rules this engine runs natively (`microgov.residency`,
    /// ..., and `microgov.decision`, the decision assembled natively): those loaded
    /// byte-for-byte as bundled, unless built `rego_only`. Every other package runs in Rego.
    pub fn native_packages(&self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = self.inner.native.iter().map(|p| p.path()).collect();
        if self.inner.native_decision {
            out.push(DECISION_PACKAGE);
        }
        out
    }

    /// Parses and validates a manifest (YAML or JSON) with this engine's
    /// catalog, defaults and limits.
    pub fn parse_manifest(&self, text: &str) -> Result<Manifest> {
        Ok(Manifest::parse_with(text, crate::model::sniff_format(text), &self.inner.settings.parse)?)
    }

    /// Validates an already-parsed manifest document with this engine's settings.
    pub fn manifest_from_value(&self, doc: &serde_json::Value) -> Result<Manifest> {
        crate::model::manifest_from_value(doc, &self.inner.settings.parse)
            .map_err(|p| Error::from(crate::model::ManifestError::manifest(p)))
    }

    /// Validates a document held in some other form than a
    /// `serde_json::Value` (a binding's own objects), with this engine's
    /// settings: see [`crate::model::doc`].
    pub fn manifest_from_node<N: crate::model::doc::Node>(&self, doc: &N) -> Result<Manifest> {
        crate::model::manifest_from_node(doc, &self.inner.settings.parse)
            .map_err(|p| Error::from(crate::model::ManifestError::manifest(p)))
    }

    /// Decides on one app.
    pub fn evaluate(&self, app: &Manifest, ctx: &Context) -> Result<Decision> {
        self.evaluate_inner(app, ctx, self.needs_for(app)).map(|(d, _)| d)
    }

    /// What to build of the input for `app`: with what the packs read when one may apply.
    pub(crate) fn needs_for(&self, app: &Manifest) -> &input::Needs {
        let inner = &self.inner;
        let may_apply = !app.spec.policies.is_empty()
            || (!inner.pack_categories.is_empty()
                && app
                    .spec
                    .datasets
                    .iter()
                    .flat_map(|d| &d.categories)
                    .any(|c| inner.pack_categories.contains(c.as_str())));
        if may_apply {
            &inner.pack_needs
        } else {
            &inner.needs
        }
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
            || Err(EvalError::Failed("an evaluation panicked (a bug in microgov, please report it)".into()).into()),
        )
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
        let conv = |e: rvalue::ConvertError| EvalError::Failed(format!("cannot build the input document: {e}"));
        let lifecycle = rvalue::to_value(&input::lifecycle_doc(m, &self.inner.settings, now)).map_err(conv)?;
        let context_doc = input::context_doc(m, now, judged, &ctx.extra);
        let context = rvalue::to_value(&context_doc).map_err(conv)?;
        let digest = digest::finish(parts.digest_prefix, &context_doc)
            .map_err(|e| EvalError::Failed(format!("cannot hash the context: {e}")))?;
        // Owned: for a fresh decision nothing else holds it, so this inserts without copying.
        let mut findings = parts.findings;
        findings.as_object_mut().map_err(|e| EvalError::Failed(e.to_string()))?.insert(V::from("lifecycle"), lifecycle);
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
        let judged = input::judge(m, now, &ctx.approvals, settings);
        let (risk, input, native_results) = parts.into_owned().split();
        let (input_value, digest) = self.input_value(m, input, ctx, now, &judged)?;
        let result = self.run(input_value.clone())?;
        let settled = if self.inner.rego_decision {
            result::read_decision(&result)?
        } else {
            let gathered = result::gather(&result, &native_results, &self.inner.packages, &self.inner.index)?;
            result::assemble(&judged, gathered, now, settings.expiring_within_days)
        };
        let decision = result::finish(m, &judged, risk, settled, &self.inner.revisions, decision_id, digest, now);
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
        let judged = input::judge(app, now, &ctx.approvals, &self.inner.settings);
        let (v, _) = self.input_value(app, parts.split().1, ctx, now, &judged)?;
        serde_json::to_value(&v).map_err(|e| EvalError::Failed(format!("cannot build the input document: {e}")).into())
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

    /// Judges each approval for this app at `now`, as the bundled decision does (the
    /// engine's checks, then what was reviewed: see `core/docs/approvals.md`).
    pub fn approval_statuses(
        &self,
        app: &Manifest,
        approvals: &[Approval],
        now: DateTime<Utc>,
    ) -> Vec<(String, ApprovalStatus)> {
        input::judge(app, now, approvals, &self.inner.settings)
            .iter()
            .map(|j| (j.approval.id.clone(), result::approval_status(j)))
            .collect()
    }
}
