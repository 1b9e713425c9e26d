//! `appendAsync` under group commit (`sync: <ms>`) without a libuv worker per waiting
//! append (issue 22 item 7).
//!
//! Under a sync interval, an append is acknowledged at the next `fdatasync` round, up to
//! the interval later. Running each waiting append as an `AsyncTask` held one libuv
//! thread per append for that whole wait: four waiting appends stopped every other async
//! call of the process (334–353 requests/s against 653–1,132 with `'every-record'`).
//! Here the record is submitted on the JavaScript thread (`AuditLog::submit`: it gets its
//! seq, no disk wait), its promise joins the log's waiting list, and one timer per log
//! (`setTimeout` for the interval) starts one [`RoundTask`] that makes everything
//! submitted so far durable (a worker is held only for the `fdatasync` itself) and then
//! resolves every promise it covers, rejecting them all if the round fails.
//!
//! The waiting promises live on the JavaScript thread that made them (a thread-local
//! table keyed by the log): a `JsDeferred` may not cross threads, and each Node worker
//! thread has its own table.

use crate::errors::{guard, Failure};
use crate::json::Plain;
use microgov::audit::{self, Event, Receipt};
use napi::bindgen_prelude::{Env, Function, JsObjectValue, JsValue, Object, Result, Task, Unknown};
use napi::JsDeferred;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

type Resolver = Box<dyn FnOnce(Env) -> Result<Plain<Receipt>>>;

/// One waiting append: its receipt and its promise.
struct Waiting {
    receipt: Receipt,
    deferred: JsDeferred<Plain<Receipt>, Resolver>,
}

/// The appends of one log that wait for a round, and whether a round is scheduled.
#[derive(Default)]
struct Pending {
    waiting: Vec<Waiting>,
    scheduled: bool,
}

thread_local! {
    /// Per log (the address of its shared core handle), on this JavaScript thread.
    static PENDING: RefCell<HashMap<usize, Pending>> = RefCell::new(HashMap::new());
}

fn key(log: &Arc<audit::AuditLog>) -> usize {
    Arc::as_ptr(log) as usize
}

/// Submits `event` and returns the promise of its receipt, resolved once a round made it
/// durable.
pub fn append<'env>(
    env: &'env Env,
    log: &Arc<audit::AuditLog>,
    interval: Duration,
    event: &Event,
) -> std::result::Result<Object<'env>, Failure> {
    let (deferred, promise) =
        env.create_deferred::<Plain<Receipt>, Resolver>().map_err(|e| Failure::internal(e.reason))?;
    // A refused append rejects the promise, as on the pool: callers `await` either way.
    let receipt = match log.submit(event) {
        Ok(r) => r,
        Err(e) => {
            deferred.reject(Failure::from(microgov::Error::from(e)).into_napi(env));
            return Ok(promise);
        }
    };
    let schedule = PENDING.with(|p| {
        let mut table = p.borrow_mut();
        let pending = table.entry(key(log)).or_default();
        pending.waiting.push(Waiting { receipt, deferred });
        !std::mem::replace(&mut pending.scheduled, true)
    });
    // Without a timer the promises would never settle: then the round runs at once.
    if schedule && schedule_round(env, log.clone(), interval).is_err() {
        spawn_round(env, log.clone(), interval).map_err(|e| Failure::internal(e.reason))?;
    }
    Ok(promise)
}

/// After `log` closed: every waiting append is durable (`close` flushed) when `closed`
/// succeeded, and failed with its error otherwise.
pub fn settle_closed(env: &Env, log: &Arc<audit::AuditLog>, closed: &std::result::Result<(), Failure>) {
    let waiting = PENDING.with(|p| p.borrow_mut().remove(&key(log))).map(|p| p.waiting).unwrap_or_default();
    for w in waiting {
        match closed {
            Ok(()) => {
                let receipt = w.receipt;
                w.deferred.resolve(Box::new(move |_| Ok(Plain(receipt))));
            }
            Err(f) => w.deferred.reject(f.clone().into_napi(env)),
        }
    }
}

/// `setTimeout(round, interval)`: the round starts when the core's interval is due.
fn schedule_round(env: &Env, log: Arc<audit::AuditLog>, interval: Duration) -> Result<()> {
    let set_timeout: Function<'_, napi::bindgen_prelude::FnArgs<(Unknown<'_>, f64)>, Unknown<'_>> =
        env.get_global()?.get_named_property_unchecked("setTimeout")?;
    let round = env.create_function_from_closure::<(), (), _>("microgovGroupCommit", move |ctx| {
        spawn_round(ctx.env, log.clone(), interval)
    })?;
    set_timeout.call((round.to_unknown(), interval.as_secs_f64() * 1000.0).into())?;
    Ok(())
}

fn spawn_round(env: &Env, log: Arc<audit::AuditLog>, interval: Duration) -> Result<()> {
    env.spawn(RoundTask { log, interval }).map(|_| ())
}

/// Makes every record submitted so far durable, then settles the promises it covers.
pub struct RoundTask {
    log: Arc<audit::AuditLog>,
    interval: Duration,
}

/// What a round found: how many records are durable (when known) and why the rest are not.
pub struct Round {
    durable: Option<u64>,
    failure: Option<Failure>,
}

impl Task for RoundTask {
    type Output = Round;
    type JsValue = ();

    fn compute(&mut self) -> Result<Self::Output> {
        let map = |e: audit::AuditError| Failure::from(microgov::Error::from(e));
        // A log closed meanwhile made everything durable itself (`close` flushes): what
        // the count says is durable is acknowledged, whatever the flush says.
        let flushed = guard(|| self.log.flush().map_err(map)).err();
        match guard(|| self.log.durable_count().map_err(map)) {
            Ok(n) => Ok(Round { durable: Some(n), failure: flushed }),
            Err(f) => Ok(Round { durable: None, failure: Some(flushed.unwrap_or(f)) }),
        }
    }

    fn resolve(&mut self, env: Env, round: Self::Output) -> Result<Self::JsValue> {
        let durable = round.durable.unwrap_or(0);
        let (done, failed, again) = PENDING.with(|p| {
            let mut table = p.borrow_mut();
            let Some(pending) = table.get_mut(&key(&self.log)) else { return (Vec::new(), Vec::new(), false) };
            let (done, left): (Vec<Waiting>, Vec<Waiting>) =
                std::mem::take(&mut pending.waiting).into_iter().partition(|w| w.receipt.seq < durable);
            // After a failed round nothing left will become durable: those fail too.
            let failed = match round.failure {
                Some(_) => left,
                None => {
                    pending.waiting = left;
                    Vec::new()
                }
            };
            pending.scheduled = !pending.waiting.is_empty();
            let again = pending.scheduled;
            if !again {
                table.remove(&key(&self.log));
            }
            (done, failed, again)
        });
        for w in done {
            let receipt = w.receipt;
            w.deferred.resolve(Box::new(move |_| Ok(Plain(receipt))));
        }
        if let Some(f) = round.failure {
            for w in failed {
                w.deferred.reject(f.clone().into_napi(&env));
            }
        }
        if again {
            schedule_round(&env, self.log.clone(), self.interval)?;
        }
        Ok(())
    }
}
