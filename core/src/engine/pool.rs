//! The per-thread backend pool: each thread takes a prepared VM (or interpreter) and gives it
//! back after the run, and gets back the one it ran last, so a VM's memory stays in one
//! core's cache.

use super::{entry_point, Engine, EvalError, TIMER_CHECK_INTERVAL};
use crate::bundle::to_regorus;
use regorus::rvm::program::Program;
use regorus::rvm::vm::RegoVM;
use std::sync::Arc;

/// What runs the policies: the compiled VM, or the interpreter where the VM cannot.
pub(super) enum Backend {
    Vm(Box<RegoVM>),
    Interpreter(Box<regorus::Engine>),
}

impl Engine {
    /// Takes an idle backend, preferring the one this thread ran last.
    ///
    /// A plain stack hands VMs back and forth between threads (with two
    /// threads, a third to a half of all checkouts). A VM that changes cores
    /// pulls its program, data and buffers, all written by the last run
    /// (reference counts), from the other core's cache, and frees on this
    /// thread what the other allocated (glibc: the other arena's lock): up
    /// to 50% more CPU per decision, so two threads barely beat one.
    fn checkout(&self) -> Result<Backend, EvalError> {
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
                vm.set_data(to_regorus(&self.inner.data_json))
                    .map_err(|e| EvalError::Failed(format!("data: invalid data document: {e}")))?;
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
    pub(super) fn run(&self, input: regorus::Value) -> Result<regorus::Value, EvalError> {
        let mut backend = self.checkout()?;
        let out = match &mut backend {
            Backend::Vm(vm) => {
                vm.set_input(input);
                vm.execute().map_err(|e| EvalError::classify(&e.to_string()))
            }
            Backend::Interpreter(engine) => {
                engine.set_input(input);
                engine.eval_rule(entry_point(self.inner.rego_decision)).map_err(|e| EvalError::classify(&e.to_string()))
            }
        };
        // A VM that failed may hold partial state: drop it rather than reuse it.
        if out.is_ok() {
            self.checkin(backend);
        }
        out
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
