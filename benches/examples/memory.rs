//! Memory after many evaluations: resident set size after 1,000 decisions
//! and after N (default 1,000,000), on the typical bench manifest.
//!
//! Run: `cargo run --release -p microgov-benches --example memory -- 1000000`

use microgov::{Context, Engine};
use std::path::Path;

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|n| n.parse().ok())
        })
        .unwrap_or(0)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/bench/typical.yaml"))?;
    let engine = Engine::new()?;
    let app = engine.parse_manifest(&text)?;
    let ctx = Context::at("2026-11-26T10:00:00Z".parse()?);
    let start = std::time::Instant::now();
    let mut after_1k = 0;
    for i in 1..=n {
        std::hint::black_box(engine.evaluate(&app, &ctx)?);
        if i == 1_000 {
            after_1k = rss_kib();
            println!("rss after 1000 evaluations: {after_1k} KiB");
        }
    }
    let end = rss_kib();
    let growth = if after_1k > 0 { (end as f64 - after_1k as f64) / after_1k as f64 * 100.0 } else { 0.0 };
    println!("rss after {n} evaluations: {end} KiB ({growth:+.2}%), {:.1} s", start.elapsed().as_secs_f64());
    Ok(())
}
