//! Quick timing of one decision on the bench manifest (criterion has the real numbers).
#[cfg(feature = "cli")]
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string("fixtures/bench/typical.yaml")?;
    // BUNDLES=egress,governance,... : only those folders of policy-bundles/ (what each costs).
    let engine = match std::env::var("BUNDLES") {
        Ok(list) => {
            let mut opts = microgov::EngineOptions { without_bundled: true, ..Default::default() };
            for b in list.split(',') {
                opts = opts.policy_dir(format!("policy-bundles/{b}"));
            }
            microgov::Engine::with_options(opts)?
        }
        Err(_) => microgov::Engine::new()?,
    };
    let app = engine.parse_manifest(&text)?;
    let ctx = microgov::Context::at("2026-11-26T10:00:00Z".parse()?).with_decision_id("bench");
    let d = engine.evaluate(&app, &ctx)?;
    println!("{} {} violations={}", d.outcome, d.tier, d.violations.len());
    if std::env::var_os("SERVE").is_some() {
        // For benches/python: each line on stdin is a count of decisions to
        // run; the answer is the nanoseconds they took. The Python side
        // alternates with this in small batches, so both see the same
        // machine (it is shared, and its speed drifts within seconds).
        use std::io::{BufRead, Write};
        let mut out = std::io::stdout().lock();
        for line in std::io::stdin().lock().lines() {
            let count: u32 = line?.trim().parse()?;
            let t = std::time::Instant::now();
            for _ in 0..count {
                std::hint::black_box(engine.evaluate(&app, &ctx)?);
            }
            writeln!(out, "{}", t.elapsed().as_nanos())?;
            out.flush()?;
        }
        return Ok(());
    }
    let n: u32 = std::env::var("N").ok().and_then(|v| v.parse().ok()).unwrap_or(2000);
    let t = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(engine.evaluate(&app, &ctx)?);
    }
    println!("evaluate: {:?}/op", t.elapsed() / n);
    // Per-call latency percentiles (one thread).
    let mut each: Vec<std::time::Duration> = (0..n)
        .map(|_| {
            let t = std::time::Instant::now();
            let _ = std::hint::black_box(engine.evaluate(&app, &ctx).map(|_| ()));
            t.elapsed()
        })
        .collect();
    each.sort_unstable();
    let at = |q: f64| each.get(((each.len() as f64 - 1.0) * q) as usize).copied().unwrap_or_default();
    println!("evaluate per call: p50 {:?}, p99 {:?}, p99.9 {:?}, max {:?}", at(0.5), at(0.99), at(0.999), at(1.0));
    if std::env::var_os("ONLY_EVALUATE").is_some() {
        // For `perf stat`: CPU time and instructions of decisions alone.
        return Ok(());
    }
    let json = serde_json::to_string(&app)?;
    let t = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(engine.parse_manifest(&json)?);
    }
    println!("parse_manifest(json): {:?}/op", t.elapsed() / n);
    let limits = microgov::model::Limits::default();
    let t = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(
            microgov::model::parse_document(&json, microgov::model::Format::Json, &limits)
                .map_err(|p| format!("{p:?}"))?,
        );
    }
    println!("  parse_document(json): {:?}/op", t.elapsed() / n);
    let t = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(serde_json::from_str::<serde_json::Value>(&json)?);
    }
    println!("  serde_json::from_str: {:?}/op", t.elapsed() / n);
    let p = engine.prepare(&app)?;
    let t = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(engine.evaluate_prepared(&p, &ctx)?);
    }
    println!("evaluate_prepared: {:?}/op", t.elapsed() / n);
    let t = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(engine.prepare(&app)?);
    }
    println!("prepare: {:?}/op", t.elapsed() / n);
    let t = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(microgov::risk::assess(&app, &engine.settings().risk, &engine.settings().catalog));
    }
    println!("risk: {:?}/op", t.elapsed() / n);
    let t = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(app.to_value());
    }
    println!("to_value: {:?}/op", t.elapsed() / n);
    let t = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(microgov::detect::scan_manifest(&app));
    }
    println!("detectors: {:?}/op", t.elapsed() / n);
    Ok(())
}
