//! The tamper-evident audit log (`core/docs/audit-format.md`) for Node:
//! `AuditLog.open(path, options)`, `verifyAudit(log, { checkpoint, publicKey })`
//! and `generateAuditKey(name)`.
//!
//! Events are plain objects with the record's member names (`action`,
//! `tenant_id`, `app_id`, `principal_id`, `attrs` ...), handed to the core's
//! `Event::from_json` as JSON text. Appends that wait for `fdatasync`, and
//! verification of a whole log, also come as `...Async` variants that run on the
//! libuv pool.

use crate::convert::{check_keys, options, plain_json, prop, string_arg};
use crate::errors::{guard, guard_js, Failure};
use crate::json::Plain;
use microgov::audit::{self, AuditOptions, Event, Receipt, SigningKey, SyncPolicy, VerifyReport};
use microgov::ffi::HostArg;
use napi::bindgen_prelude::{AsyncTask, Env, JsValue, Object, Result, Task, Unknown};
use napi::ValueType;
use napi_derive::napi;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// An event object (or a list of them) as core events.
fn read_events(env: &Env, value: &Unknown<'_>, what: &str) -> std::result::Result<Vec<Event>, Failure> {
    let text = match value.get_type().map_err(|e| Failure::arg_type(e.to_string()))? {
        ValueType::Object => plain_json(env, value, what, HostArg::Event)?,
        _ => return Err(Failure::arg_type(format!("{what} must be an object"))),
    };
    let doc: serde_json::Value = serde_json::from_str(&text).map_err(|e| Failure::arg_value(format!("{what}: {e}")))?;
    match doc {
        serde_json::Value::Array(items) => {
            items.iter().map(|v| Event::from_json(v).map_err(|e| Failure::from(microgov::Error::from(e)))).collect()
        }
        other => Ok(vec![Event::from_json(&other).map_err(|e| Failure::from(microgov::Error::from(e)))?]),
    }
}

/// `{ logId, sync, rotateBytes, signingKey, checkpointEvery, checkpointIntervalMs }`.
fn audit_options(value: Option<Unknown<'_>>) -> std::result::Result<AuditOptions, Failure> {
    let mut opts = AuditOptions::new();
    let Some(obj) = options(value, "options")? else { return Ok(opts) };
    check_keys(
        &obj,
        &["logId", "sync", "rotateBytes", "signingKey", "checkpointEvery", "checkpointIntervalMs"],
        "options",
    )?;
    if let Some(v) = prop(&obj, "logId")? {
        opts = opts.log_id(string_of(&v, "options.logId")?);
    }
    if let Some(v) = prop(&obj, "sync")? {
        let policy = match v.get_type().ok() {
            Some(ValueType::String) => match string_of(&v, "options.sync")?.as_str() {
                "every-record" => SyncPolicy::EveryRecord,
                "on-flush" => SyncPolicy::OnFlush,
                other => {
                    return Err(Failure::arg_value(format!(
                        "options.sync: \"{other}\" is not 'every-record', 'on-flush' or a number of milliseconds"
                    )))
                }
            },
            Some(ValueType::Number) => SyncPolicy::Interval(millis(&v, "options.sync")?),
            _ => {
                return Err(Failure::arg_type(
                    "options.sync must be 'every-record', 'on-flush' or a number of milliseconds",
                ))
            }
        };
        opts = opts.sync(policy);
    }
    if let Some(v) = prop(&obj, "rotateBytes")? {
        opts = opts.rotate_bytes(count(&v, "options.rotateBytes")?);
    }
    if let Some(v) = prop(&obj, "signingKey")? {
        let key = SigningKey::parse(&string_of(&v, "options.signingKey")?)
            .map_err(|e| Failure::from(microgov::Error::from(e)))?;
        opts = opts.signing_key(key);
    }
    if let Some(v) = prop(&obj, "checkpointEvery")? {
        opts = opts.checkpoint_every(if is_null(&v) { None } else { Some(count(&v, "options.checkpointEvery")?) });
    }
    if let Some(v) = prop(&obj, "checkpointIntervalMs")? {
        opts = opts.checkpoint_interval(if is_null(&v) {
            None
        } else {
            Some(millis(&v, "options.checkpointIntervalMs")?)
        });
    }
    Ok(opts)
}

pub(crate) fn is_null(v: &Unknown<'_>) -> bool {
    v.get_type().ok() == Some(ValueType::Null)
}

pub(crate) fn string_of(v: &Unknown<'_>, what: &str) -> std::result::Result<String, Failure> {
    string_arg(v, what)
}

fn number_of(v: &Unknown<'_>, what: &str) -> std::result::Result<f64, Failure> {
    if v.get_type().ok() != Some(ValueType::Number) {
        return Err(Failure::arg_type(format!("{what} must be a number")));
    }
    v.coerce_to_number().and_then(|n| n.get_double()).map_err(|e| Failure::arg_value(format!("{what}: {e}")))
}

/// A whole, non-negative number (the core refuses zero where it must).
fn count(v: &Unknown<'_>, what: &str) -> std::result::Result<u64, Failure> {
    let n = number_of(v, what)?;
    if !(n.is_finite() && n >= 0.0 && n.fract() == 0.0 && n <= 9_007_199_254_740_991.0) {
        return Err(Failure::arg_value(format!("{what} must be a whole number, got {n}")));
    }
    Ok(n as u64)
}

fn millis(v: &Unknown<'_>, what: &str) -> std::result::Result<Duration, Failure> {
    Ok(Duration::from_millis(count(v, what)?))
}

/// A durable, tamper-evident audit log in a file (JSON Lines, hash-chained,
/// with signed checkpoints). Open one per file and share it.
#[napi]
pub struct AuditLog {
    inner: Arc<audit::AuditLog>,
    /// The sync interval of a file log under group commit: `appendAsync` then waits
    /// without a libuv worker (`crate::group_commit`).
    group: Option<Duration>,
}

#[napi]
impl AuditLog {
    /// Opens (or creates) the log at `path`: a file, or a PostgreSQL log
    /// (`'postgres://user@host:5432/db?log=tenant-acme'`) that many processes
    /// and machines append to, one chain per `log`. An existing log file is
    /// verified first; a torn last line is cut off (see `recovery`), any other
    /// finding fails with `audit.tampered`. In PostgreSQL every append resolves
    /// once its transaction committed (`audit.store_unavailable`,
    /// `audit.store_conflict` on failure).
    #[napi(factory, ts_args_type = "path: string, options?: AuditLogOptions | undefined | null")]
    pub fn open(env: Env, path: String, options: Option<Unknown<'_>>) -> Result<AuditLog> {
        let opts = guard_js(&env, || audit_options(options))?;
        let interval = match opts.sync {
            SyncPolicy::Interval(d) => Some(d),
            _ => None,
        };
        let inner =
            guard_js(&env, || audit::AuditLog::open(&path, opts).map_err(|e| Failure::from(microgov::Error::from(e))))?;
        // A PostgreSQL log acknowledges in its transaction: its appends keep to the pool.
        let group = interval.filter(|_| !inner.is_store());
        Ok(AuditLog { inner: Arc::new(inner), group })
    }

    /// Appends one event; returns when it is durable under the sync policy
    /// (with `'every-record'`, after `fdatasync`: prefer `appendAsync` on a
    /// server).
    #[napi(ts_args_type = "event: AuditEvent", ts_return_type = "Receipt")]
    pub fn append(&self, env: Env, event: Unknown<'_>) -> Result<Plain<Receipt>> {
        let mut events = guard_js(&env, || read_events(&env, &event, "event"))?;
        let event = events
            .pop()
            .ok_or_else(|| Failure::arg_value("event: expected one event, got an empty list").into_napi(&env))?;
        guard_js(&env, || self.inner.append(&event).map_err(audit_failure)).map(Plain)
    }

    /// `append` off the JavaScript thread: on the libuv pool, or, under a sync
    /// interval (`sync: 10`), submitted at once and resolved by the next group
    /// commit round without holding a libuv thread while it waits.
    #[napi(ts_args_type = "event: AuditEvent", ts_return_type = "Promise<Receipt>")]
    pub fn append_async<'env>(&self, env: &'env Env, event: Unknown<'_>) -> Result<Unknown<'env>> {
        let events = guard_js(env, || read_events(env, &event, "event"))?;
        if events.len() != 1 {
            return Err(Failure::arg_value("event: expected one event object").into_napi(env));
        }
        if let Some(interval) = self.group {
            return guard_js(env, || crate::group_commit::append(env, &self.inner, interval, &events[0]))
                .map(|p| p.to_unknown());
        }
        let task = AppendTask { log: self.inner.clone(), events, batch: false };
        env.spawn(task).map(|p| p.promise_object().to_unknown())
    }

    /// Appends several events in order, durable together.
    #[napi(ts_args_type = "events: AuditEvent[]", ts_return_type = "Receipt[]")]
    pub fn append_batch(&self, env: Env, events: Unknown<'_>) -> Result<Plain<Vec<Receipt>>> {
        let events = guard_js(&env, || batch(&env, &events))?;
        guard_js(&env, || self.inner.append_batch(&events).map_err(audit_failure)).map(Plain)
    }

    /// `appendBatch` on the libuv pool.
    #[napi(ts_args_type = "events: AuditEvent[]", ts_return_type = "Promise<Receipt[]>")]
    pub fn append_batch_async(&self, env: Env, events: Unknown<'_>) -> Result<AsyncTask<AppendTask>> {
        let events = guard_js(&env, || batch(&env, &events))?;
        Ok(AsyncTask::new(AppendTask { log: self.inner.clone(), events, batch: true }))
    }

    /// Records a decision as a `policy.evaluate` event (ids, outcome, tier, risk
    /// score, violated rules, waivers, missing roles; no messages). `event`
    /// adds or overrides members, e.g. `{ tenant_id, principal_id, principal_type }`;
    /// its `attrs` are merged into the decision's.
    #[napi(
        ts_args_type = "decision: Decision, event?: Partial<AuditEvent> | undefined | null",
        ts_return_type = "Receipt"
    )]
    pub fn append_decision(
        &self,
        env: Env,
        decision: Unknown<'_>,
        event: Option<Unknown<'_>>,
    ) -> Result<Plain<Receipt>> {
        let event = guard_js(&env, || decision_event(&env, &decision, event))?;
        guard_js(&env, || self.inner.append(&event).map_err(audit_failure)).map(Plain)
    }

    /// `appendDecision` off the JavaScript thread, as `appendAsync`.
    #[napi(
        ts_args_type = "decision: Decision, event?: Partial<AuditEvent> | undefined | null",
        ts_return_type = "Promise<Receipt>"
    )]
    pub fn append_decision_async<'env>(
        &self,
        env: &'env Env,
        decision: Unknown<'_>,
        event: Option<Unknown<'_>>,
    ) -> Result<Unknown<'env>> {
        let event = guard_js(env, || decision_event(env, &decision, event))?;
        if let Some(interval) = self.group {
            return guard_js(env, || crate::group_commit::append(env, &self.inner, interval, &event))
                .map(|p| p.to_unknown());
        }
        let task = AppendTask { log: self.inner.clone(), events: vec![event], batch: false };
        env.spawn(task).map(|p| p.promise_object().to_unknown())
    }

    /// Records a grant or a revocation: `approval` (in the approvals file form,
    /// as `engine.approve` returns it) becomes its `approval.grant`,
    /// `exception.grant` or `approval.revoke` event (approver as principal;
    /// roles, scope, digest, expiry, `signed_by` in `attrs`). `event` adds or
    /// overrides members (`{ tenant_id }`, the `principal_id` of who revoked).
    /// An invalid approval throws `manifest.invalid` with its problems.
    #[napi(
        ts_args_type = "approval: Approval, event?: Partial<AuditEvent> | undefined | null",
        ts_return_type = "Receipt"
    )]
    pub fn append_approval(
        &self,
        env: Env,
        approval: Unknown<'_>,
        event: Option<Unknown<'_>>,
    ) -> Result<Plain<Receipt>> {
        let event = guard_js(&env, || approval_event(&env, &approval, event))?;
        guard_js(&env, || self.inner.append(&event).map_err(audit_failure)).map(Plain)
    }

    /// Writes and syncs everything appended so far.
    #[napi]
    pub fn flush(&self, env: Env) -> Result<()> {
        guard_js(&env, || self.inner.flush().map_err(audit_failure))
    }

    /// Writes a signed checkpoint now (needs `signingKey`) and returns it.
    #[napi(ts_return_type = "Checkpoint")]
    pub fn checkpoint(&self, env: Env) -> Result<Plain<audit::Checkpoint>> {
        guard_js(&env, || self.inner.checkpoint().map_err(audit_failure)).map(Plain)
    }

    /// The latest signed checkpoint note (what `verifyAudit` takes as
    /// `checkpoint`), or `null` before the first.
    #[napi]
    pub fn latest_note(&self, env: Env) -> Result<Option<String>> {
        guard_js(&env, || self.inner.latest_note().map_err(audit_failure))
    }

    /// Proof that record `seq` is in the tree of the current size.
    #[napi(ts_return_type = "InclusionProof")]
    pub fn prove(&self, env: Env, seq: f64) -> Result<Plain<audit::InclusionProof>> {
        guard_js(&env, || self.inner.prove(seq_of(seq)?).map_err(audit_failure)).map(Plain)
    }

    /// Proof that the tree of `oldSize` records is a prefix of the tree of `newSize`.
    #[napi(ts_return_type = "ConsistencyProof")]
    pub fn consistency(&self, env: Env, old_size: f64, new_size: f64) -> Result<Plain<audit::ConsistencyProof>> {
        guard_js(&env, || self.inner.consistency(seq_of(old_size)?, seq_of(new_size)?).map_err(audit_failure))
            .map(Plain)
    }

    /// Flushes, writes a final checkpoint (with a signing key) and closes.
    /// Later calls fail with `audit.closed`; closing twice is fine.
    #[napi]
    pub fn close(&self, env: Env) -> Result<()> {
        let closed = guard(|| self.inner.close().map_err(audit_failure));
        if self.group.is_some() {
            crate::group_commit::settle_closed(&env, &self.inner, &closed);
        }
        closed.map_err(|f| f.into_napi(&env))
    }

    /// The log file.
    #[napi(getter)]
    pub fn path(&self) -> String {
        self.inner.path().display().to_string()
    }

    /// The checkpoints file beside it.
    #[napi(getter)]
    pub fn checkpoints_path(&self) -> String {
        self.inner.checkpoints_path().display().to_string()
    }

    /// The log id (also the checkpoints' origin).
    #[napi(getter)]
    pub fn log_id(&self, env: Env) -> Result<String> {
        guard_js(&env, || self.inner.log_id().map_err(audit_failure))
    }

    /// Records appended (acknowledged or not yet durable).
    #[napi(getter)]
    pub fn record_count(&self, env: Env) -> Result<f64> {
        guard_js(&env, || self.inner.record_count().map(|n| n as f64).map_err(audit_failure))
    }

    /// Records known to be durable.
    #[napi(getter)]
    pub fn durable_count(&self, env: Env) -> Result<f64> {
        guard_js(&env, || self.inner.durable_count().map(|n| n as f64).map_err(audit_failure))
    }

    /// What `open` found and repaired.
    #[napi(getter, ts_return_type = "Recovery")]
    pub fn recovery(&self, env: Env) -> Result<Plain<audit::Recovery>> {
        guard_js(&env, || self.inner.recovery().map_err(audit_failure)).map(Plain)
    }
}

fn audit_failure(e: audit::AuditError) -> Failure {
    microgov::Error::from(e).into()
}

fn seq_of(n: f64) -> std::result::Result<u64, Failure> {
    if !(n.is_finite() && n >= 0.0 && n.fract() == 0.0 && n <= 9_007_199_254_740_991.0) {
        return Err(Failure::arg_value(format!("expected a whole number, got {n}")));
    }
    Ok(n as u64)
}

fn batch(env: &Env, events: &Unknown<'_>) -> std::result::Result<Vec<Event>, Failure> {
    if !events.is_array().unwrap_or(false) {
        return Err(Failure::arg_type("events must be an array"));
    }
    read_events(env, events, "events")
}

/// The decision's `policy.evaluate` event with the caller's members over it (the
/// core's merge, `Event::merged`, which the Python binding uses too).
fn decision_event(
    env: &Env,
    decision: &Unknown<'_>,
    extra: Option<Unknown<'_>>,
) -> std::result::Result<Event, Failure> {
    if decision.get_type().ok() != Some(ValueType::Object) {
        return Err(Failure::arg_type("decision must be an object"));
    }
    let d: serde_json::Value = serde_json::from_str(&plain_json(env, decision, "decision", HostArg::Event)?)
        .map_err(|e| Failure::arg_value(format!("decision: {e}")))?;
    let base = Event::from_decision_json(&d).map_err(audit_failure)?;
    let Some(extra) = options(extra, "event")? else { return Ok(base) };
    let extra: serde_json::Value =
        serde_json::from_str(&plain_json(env, &extra.to_unknown(), "event", HostArg::Event)?)
            .map_err(|e| Failure::arg_value(format!("event: {e}")))?;
    base.merged(&extra).map_err(audit_failure)
}

fn approval_event(
    env: &Env,
    approval: &Unknown<'_>,
    extra: Option<Unknown<'_>>,
) -> std::result::Result<Event, Failure> {
    if approval.get_type().ok() != Some(ValueType::Object) {
        return Err(Failure::arg_type("approval must be an object"));
    }
    let doc: serde_json::Value = serde_json::from_str(&plain_json(env, approval, "approval", HostArg::Approvals)?)
        .map_err(|e| Failure::arg_value(format!("approval: {e}")))?;
    let mut list = microgov::model::approval::approvals_from_value(&serde_json::Value::Array(vec![doc]))
        .map_err(|p| Failure::from(microgov::Error::from(microgov::ManifestError::approvals(p))))?;
    let Some(approval) = list.pop() else { return Err(Failure::arg_value("approval: no approval")) };
    let base = Event::from_approval(&approval).map_err(audit_failure)?;
    let Some(extra) = options(extra, "event")? else { return Ok(base) };
    let extra: serde_json::Value =
        serde_json::from_str(&plain_json(env, &extra.to_unknown(), "event", HostArg::Event)?)
            .map_err(|e| Failure::arg_value(format!("event: {e}")))?;
    base.merged(&extra).map_err(audit_failure)
}

/// Appends on the libuv pool.
pub struct AppendTask {
    log: Arc<audit::AuditLog>,
    events: Vec<Event>,
    batch: bool,
}

/// One receipt, or a list of them.
pub enum Receipts {
    /// For `appendAsync`.
    One(Receipt),
    /// For `appendBatchAsync`.
    Many(Vec<Receipt>),
}

impl Task for AppendTask {
    type Output = std::result::Result<Receipts, Failure>;
    type JsValue = Plain<serde_json::Value>;

    fn compute(&mut self) -> Result<Self::Output> {
        Ok(guard(|| {
            if self.batch {
                self.log.append_batch(&self.events).map(Receipts::Many).map_err(audit_failure)
            } else {
                match self.events.first() {
                    Some(e) => self.log.append(e).map(Receipts::One).map_err(audit_failure),
                    None => Err(Failure::arg_value("no event")),
                }
            }
        }))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> Result<Self::JsValue> {
        let value = match output.map_err(|f| f.into_napi(&env))? {
            Receipts::One(r) => serde_json::to_value(r),
            Receipts::Many(r) => serde_json::to_value(r),
        };
        value.map(Plain).map_err(|e| Failure::internal(e.to_string()).into_napi(&env))
    }
}

/// What `verifyAudit` reads.
pub struct VerifyArgs {
    files: Vec<PathBuf>,
    single: bool,
    checkpoint: Option<String>,
    public_key: Option<String>,
}

impl VerifyArgs {
    fn read(
        env: &Env,
        log: &Unknown<'_>,
        options_value: Option<Unknown<'_>>,
    ) -> std::result::Result<VerifyArgs, Failure> {
        let (files, single) = match log.get_type().map_err(|e| Failure::arg_type(e.to_string()))? {
            ValueType::String => (vec![PathBuf::from(string_of(log, "log")?)], true),
            ValueType::Object if log.is_array().unwrap_or(false) => {
                let arr = Object::from_raw(env.raw(), log.raw());
                let list: Vec<String> = napi::bindgen_prelude::JsObjectValue::get_array_length(&arr)
                    .and_then(|n| {
                        (0..n).map(|i| napi::bindgen_prelude::JsObjectValue::get_element::<String>(&arr, i)).collect()
                    })
                    .map_err(|_| Failure::arg_type("log must be a path or an array of paths"))?;
                (list.into_iter().map(PathBuf::from).collect(), false)
            }
            _ => return Err(Failure::arg_type("log must be a path or an array of paths")),
        };
        let mut args = VerifyArgs { files, single, checkpoint: None, public_key: None };
        if let Some(obj) = options(options_value, "options")? {
            check_keys(&obj, &["checkpoint", "publicKey"], "options")?;
            if let Some(v) = prop(&obj, "checkpoint")? {
                args.checkpoint = if is_null(&v) { None } else { Some(string_of(&v, "options.checkpoint")?) };
            }
            if let Some(v) = prop(&obj, "publicKey")? {
                // Key files end with a newline; the key itself never has one.
                args.public_key =
                    if is_null(&v) { None } else { Some(string_of(&v, "options.publicKey")?.trim().to_string()) };
            }
        }
        Ok(args)
    }

    fn run(&self) -> std::result::Result<VerifyReport, Failure> {
        let source: audit::LogSource<'_> = match (self.single, self.files.first()) {
            // A path, or a `postgres://` URL (the core tells them apart).
            (true, Some(p)) => audit::LogSource::from(p.clone()),
            _ => audit::LogSource::Files(self.files.clone()),
        };
        audit::verify(source, self.checkpoint.as_deref(), self.public_key.as_deref()).map_err(audit_failure)
    }
}

/// Verifies a log: a path (its rotated segments `<path>.1`, `<path>.2` ... are
/// read first), a list of files in order, or a `postgres://...?log=<log id>`
/// URL. `checkpoint` is the text of signed checkpoint notes, `publicKey` the
/// verifier key text (for a PostgreSQL log alone: its stored checkpoints). Tampering is a verdict
/// (`status: 'tampered'`, with `kind`, `seq`, `file`, `line`, `reason`), not an error.
#[napi(
    ts_args_type = "log: string | string[], options?: VerifyAuditOptions | undefined | null",
    ts_return_type = "VerifyReport"
)]
pub fn verify_audit(env: Env, log: Unknown<'_>, options: Option<Unknown<'_>>) -> Result<Plain<VerifyReport>> {
    let args = guard_js(&env, || VerifyArgs::read(&env, &log, options))?;
    guard_js(&env, || args.run()).map(Plain)
}

/// `verifyAudit` on the libuv pool (a large log takes a while).
#[napi(
    ts_args_type = "log: string | string[], options?: VerifyAuditOptions | undefined | null",
    ts_return_type = "Promise<VerifyReport>"
)]
pub fn verify_audit_async(env: Env, log: Unknown<'_>, options: Option<Unknown<'_>>) -> Result<AsyncTask<VerifyTask>> {
    let args = guard_js(&env, || VerifyArgs::read(&env, &log, options))?;
    Ok(AsyncTask::new(VerifyTask { args }))
}

/// Verification on the libuv pool.
pub struct VerifyTask {
    args: VerifyArgs,
}

impl Task for VerifyTask {
    type Output = std::result::Result<VerifyReport, Failure>;
    type JsValue = Plain<VerifyReport>;

    fn compute(&mut self) -> Result<Self::Output> {
        Ok(guard(|| self.args.run()))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> Result<Self::JsValue> {
        output.map(Plain).map_err(|f| f.into_napi(&env))
    }
}

/// A new Ed25519 key pair for signing checkpoints: `signing_key` (keep it
/// secret; `AuditLog.open(path, { signingKey })`) and `verifier_key` (publish
/// it; `verifyAudit(path, { publicKey })`), in signed-note key format.
#[napi(ts_return_type = "{ signing_key: string; verifier_key: string }")]
pub fn generate_audit_key(env: Env, name: String) -> Result<Plain<serde_json::Value>> {
    guard_js(&env, || {
        let (skey, vkey) = audit::keygen(&name).map_err(audit_failure)?;
        Ok(serde_json::json!({ "signing_key": skey, "verifier_key": vkey }))
    })
    .map(Plain)
}
