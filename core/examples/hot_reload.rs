//! Reloading policies while other threads decide (`core/docs/hot-reload.md`).
//!
//! An [`Engine`] is immutable once built: to change policies, build a new one from the
//! policy folder and swap it in. Here the current engine lives in a `RwLock<Arc<Engine>>`
//! (std only): a deciding thread holds the read lock only long enough to clone the `Arc`,
//! then decides without any lock, so a reload never waits for a decision and a decision
//! never sees half a reload. A reload compiles the new engine *before* taking the write
//! lock, and a folder that does not compile leaves the running engine in place.
//!
//! Run it with `cargo run --example hot_reload --all-features`; `core/tests/hot_reload.rs`
//! runs the same scenario as a test. A service would call [`Policies::reload`] from a file
//! watcher, a `SIGHUP` handler or an admin endpoint.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use microgov::{Context, Engine, EngineOptions, Manifest};

/// The engine in force, replaced whole by [`Policies::reload`].
pub struct Policies {
    dir: PathBuf,
    current: RwLock<Arc<Engine>>,
}

impl Policies {
    /// The bundled policies plus the team policies in `dir`, compiled once.
    pub fn open(dir: impl Into<PathBuf>) -> microgov::Result<Policies> {
        let dir = dir.into();
        let engine = Self::build(&dir)?;
        Ok(Policies { dir, current: RwLock::new(Arc::new(engine)) })
    }

    fn build(dir: &Path) -> microgov::Result<Engine> {
        Engine::with_options(EngineOptions::default().policy_dir(dir))
    }

    /// The engine to decide with: keep the `Arc` for one decision (or one request), not
    /// for the life of the thread, so the next one sees a reload.
    pub fn engine(&self) -> Arc<Engine> {
        // A writer that panicked left a whole engine behind (the swap is one store).
        Arc::clone(&self.current.read().unwrap_or_else(|poisoned| poisoned.into_inner()))
    }

    /// Recompiles the folder and swaps the new engine in. On an error the engine in force
    /// stays, and the error says which policy file is wrong.
    pub fn reload(&self) -> microgov::Result<()> {
        let fresh = Arc::new(Self::build(&self.dir)?);
        *self.current.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = fresh;
        Ok(())
    }
}

const APP: &str = include_str!("../../fixtures/apps/readonly-dashboard.yaml");

/// A team rule; `extra` is a second condition that version 2 of the policy adds.
fn team_policy(extra: &str) -> String {
    format!(
        "package team.reload\n\nimport rego.v1\n\n\
         # METADATA\n# title: Dashboards need a purpose\n# custom:\n#   severity: medium\n\
         #   remediation: set spec.purpose\n\
         violation contains \"dashboards need a purpose\" if {{\n\
         \tinput.app.metadata.name == \"readonly-dashboard\"\n\t{extra}\n}}\n"
    )
}

/// Decides on one app from `threads` threads while the policy changes under them; returns
/// the number of decisions made and whether every thread saw the new rule after the reload.
pub fn run(threads: usize) -> Result<(u64, bool), Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("microgov-hot-reload-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let file = dir.join("team.rego");
    // Version 1: the rule never fires (no dashboard is named both ways).
    std::fs::write(&file, team_policy("input.app.metadata.name == \"never\""))?;
    let policies = Arc::new(Policies::open(&dir)?);
    let app: Manifest = policies.engine().parse_manifest(APP)?;
    let ctx = Context::at("2026-11-26T10:00:00Z".parse()?);
    let fires = |engine: &Engine| -> microgov::Result<bool> {
        Ok(engine.evaluate(&app, &ctx)?.violations.iter().any(|v| v.policy == "team.reload"))
    };
    assert!(!fires(&policies.engine())?, "version 1 does not fire");

    let stop = AtomicBool::new(false);
    let decided = AtomicU64::new(0);
    let reloaded = AtomicBool::new(false);
    let outcome = std::thread::scope(|s| -> Result<bool, Box<dyn std::error::Error>> {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| -> microgov::Result<bool> {
                    let mut saw_new_after_reload = false;
                    while !stop.load(Ordering::Acquire) {
                        // Read the flag before taking the engine: once it is set, the
                        // engine taken is the new one.
                        let after = reloaded.load(Ordering::Acquire);
                        let fired = fires(&policies.engine())?;
                        decided.fetch_add(1, Ordering::Relaxed);
                        saw_new_after_reload |= after && fired;
                    }
                    Ok(saw_new_after_reload)
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(50));

        // A broken file: the reload fails with the file named, and deciding goes on.
        std::fs::write(&file, "package team.reload\n\nviolation contains if {\n")?;
        let err = policies.reload().err().ok_or("a policy that does not parse was accepted")?;
        assert_eq!(err.code(), "policy.parse", "{err}");
        assert!(!fires(&policies.engine())?, "the engine in force stays after a failed reload");

        // Version 2: the rule fires for every readonly-dashboard.
        std::fs::write(&file, team_policy("true"))?;
        policies.reload()?;
        reloaded.store(true, Ordering::Release);
        std::thread::sleep(Duration::from_millis(50));
        stop.store(true, Ordering::Release);
        let mut all = true;
        for w in workers {
            all &= w.join().map_err(|_| "a deciding thread panicked")??;
        }
        Ok(all)
    })?;
    std::fs::remove_dir_all(&dir)?;
    Ok((decided.load(Ordering::Relaxed), outcome))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (decisions, all_saw_it) = run(4)?;
    println!("{decisions} decisions on 4 threads while the policy was reloaded twice (once refused)");
    println!("every thread decided with the new policy after the reload: {all_saw_it}");
    Ok(())
}
