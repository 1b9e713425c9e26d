//! Throughput and CPU time per decision with one and two threads, under the
//! allocator the CLI and bindings ship with when built `--features mimalloc`
//! (the decision loop of `fixtures/bench/typical.yaml` on 1 and 2 threads).
//!
//! Run: `cargo run --release -p microgov-benches --example scaling [--features mimalloc]`;
//! `N` sets the decisions per run, `THREADS` lists the thread counts to run in
//! turn (default `1,2,1,2`; `THREADS=2` alone for profiling one case).

#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use microgov::{Context, Engine};
use std::path::Path;

fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = f.get(11).and_then(|x| x.parse().ok()).unwrap_or(0.0)
        + f.get(12).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    ticks / 100.0
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/bench/typical.yaml"))?;
    let engine = Engine::new()?;
    let app = engine.parse_manifest(&text)?;
    let ctx = Context::at("2026-11-26T10:00:00Z".parse()?).with_decision_id("x");
    let n: usize = std::env::var("N").ok().and_then(|v| v.parse().ok()).unwrap_or(2000);
    let runs: Vec<usize> = match std::env::var("THREADS") {
        Ok(list) => list.split(',').filter_map(|t| t.trim().parse().ok()).collect(),
        Err(_) => vec![1, 2, 1, 2],
    };
    // Warm up: one VM per thread in the pool, caches filled.
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                for _ in 0..50 {
                    let _ = std::hint::black_box(engine.evaluate(&app, &ctx));
                }
            });
        }
    });
    for threads in runs {
        let (c0, t0) = (cpu_secs(), std::time::Instant::now());
        std::thread::scope(|s| {
            for _ in 0..threads {
                s.spawn(|| {
                    for _ in 0..n / threads {
                        let _ = std::hint::black_box(engine.evaluate(&app, &ctx));
                    }
                });
            }
        });
        let (cpu, wall) = (cpu_secs() - c0, t0.elapsed().as_secs_f64());
        println!(
            "{threads} thread(s): {:.0} decisions/s wall, {:.1} µs CPU per decision",
            n as f64 / wall,
            cpu / n as f64 * 1e6
        );
    }
    Ok(())
}
