//! CPU time per decision with one and two threads: if the CPU time per
//! decision stays the same, threads do not contend and throughput scales
//! with free cores (wall-clock scaling needs an otherwise idle machine).
#[cfg(feature = "cli")]
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;
fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = f.get(11).and_then(|x| x.parse().ok()).unwrap_or(0.0) + f.get(12).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    ticks / 100.0
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string("fixtures/bench/typical.yaml")?;
    let engine = microgov::Engine::new()?;
    let app = engine.parse_manifest(&text)?;
    let ctx = microgov::Context::at("2026-11-26T10:00:00Z".parse()?).with_decision_id("x");
    let n: usize = std::env::var("N").ok().and_then(|v| v.parse().ok()).unwrap_or(2000);
    for threads in [1usize, 2, 1, 2] {
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
        println!("{threads} thread(s): {:.0} decisions/s wall, {:.1} µs CPU per decision", n as f64 / wall, cpu / n as f64 * 1e6);
    }
    Ok(())
}
