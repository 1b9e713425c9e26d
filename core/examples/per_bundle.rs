//! Time of one decision with each bundle alone (to find expensive policies).
#[cfg(feature = "cli")]
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string("fixtures/bench/typical.yaml")?;
    let full = microgov::Engine::new()?;
    let data = full.data().clone();
    let ctx = microgov::Context::at("2026-11-26T10:00:00Z".parse()?).with_decision_id("x");
    let n: u32 = std::env::var("N").ok().and_then(|v| v.parse().ok()).unwrap_or(1000);
    let only = std::env::var("ONLY").ok();
    let dirs: Vec<String> = match std::env::var("DIRS") {
        Ok(d) => d.split(',').map(str::to_string).collect(),
        Err(_) => ["governance", "residency", "pii", "secrets", "egress"]
            .iter()
            .map(|b| format!("policy-bundles/{b}"))
            .collect(),
    };
    for b in dirs.iter().map(String::as_str) {
        if only.as_deref().is_some_and(|o| o != b) {
            continue;
        }
        let opts =
            microgov::EngineOptions { without_bundled: true, ..Default::default() }.policy_dir(b).data(data.clone());
        let e = microgov::Engine::with_options(opts)?;
        let app = e.parse_manifest(&text)?;
        let p = e.prepare(&app)?;
        e.evaluate_prepared(&p, &ctx)?;
        let t = std::time::Instant::now();
        for _ in 0..n {
            std::hint::black_box(e.evaluate_prepared(&p, &ctx)?);
        }
        println!("{b}: {:?}/op (compiled: {})", t.elapsed() / n, e.is_compiled());
    }
    let empty = microgov::Engine::with_options(
        microgov::EngineOptions { without_bundled: true, ..Default::default() }.data(data.clone()),
    )?;
    let app = empty.parse_manifest(&text)?;
    let p = empty.prepare(&app)?;
    let t = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(empty.evaluate_prepared(&p, &ctx)?);
    }
    println!("no policies: {:?}/op", t.elapsed() / n);
    Ok(())
}
