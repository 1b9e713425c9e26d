//! Engine benchmarks: a full decision on the typical manifest (with the native fast
//! paths and with every rule in Rego), the plain
//! regorus baseline, two-thread throughput and engine construction.
//!
//! Run: `cargo bench -p microgov-benches --bench engine`.

#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use microgov::{Context, Engine, Manifest};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn typical() -> (Engine, Manifest, Context) {
    let text = std::fs::read_to_string(root().join("fixtures/bench/typical.yaml")).expect("typical.yaml");
    let engine = Engine::new().expect("engine");
    let app = engine.parse_manifest(&text).expect("manifest");
    let ctx = Context::at("2026-11-26T10:00:00Z".parse().expect("time")).with_decision_id("bench");
    (engine, app, ctx)
}

/// Plain regorus, as a user without microgov would run the same policies:
/// the interpreter, the input parsed from JSON text on every call, one
/// query per policy rule set.
fn baseline(engine: &Engine, app: &Manifest, ctx: &Context) -> (regorus::Engine, String, Vec<String>) {
    let mut re = regorus::Engine::new();
    let mut rules = Vec::new();
    for b in engine.bundles() {
        for f in b.files.iter().filter(|f| !f.is_test) {
            re.add_policy(f.path.clone(), f.source.to_string()).expect("policy");
            let pkg = microgov::bundle::package_of(&f.source).expect("package");
            for head in ["violation", "deny", "warn", "obligation", "required_approval"] {
                if f.source.lines().any(|l| l.starts_with(&format!("{head} "))) {
                    rules.push(format!("data.{pkg}.{head}"));
                }
            }
        }
    }
    re.add_data_json(&engine.data().to_string()).expect("data");
    let input = engine.input_document(app, ctx).expect("input").to_string();
    rules.sort();
    rules.dedup();
    (re, input, rules)
}

fn bench(c: &mut Criterion) {
    let (engine, app, ctx) = typical();
    let mut g = c.benchmark_group("decision");
    g.throughput(Throughput::Elements(1));
    g.bench_function("microgov_typical", |b| {
        b.iter(|| black_box(engine.evaluate(black_box(&app), &ctx).expect("decision")))
    });
    // The same decision with only the core bundles (the four natively run policies and
    // governance; the decision assembled natively): what the control catalog of issue 18 (catalog,
    // packs, identity, delivery, agents, operations) costs, as a ratio within one run.
    let mut core = microgov::EngineOptions { without_bundled: true, ..Default::default() };
    for b in ["egress", "governance", "pii", "residency", "secrets"] {
        core = core.policy_dir(root().join("policy-bundles").join(b));
    }
    let core = Engine::with_options(core).expect("engine");
    g.bench_function("microgov_typical_core_bundles", |b| {
        b.iter(|| black_box(core.evaluate(black_box(&app), &ctx).expect("decision")))
    });
    let prepared = engine.prepare(&app).expect("prepare");
    g.bench_function("microgov_typical_prepared", |b| {
        b.iter(|| black_box(engine.evaluate_prepared(black_box(&prepared), &ctx).expect("decision")))
    });
    // Every bundled rule in Rego on the VM (no native fast paths): what a team that edits
    // every bundled package would pay.
    let rego = Engine::with_options(microgov::EngineOptions { rego_only: true, ..Default::default() }).expect("engine");
    g.bench_function("microgov_typical_rego_only", |b| {
        b.iter(|| black_box(rego.evaluate(black_box(&app), &ctx).expect("decision")))
    });
    let rego_prepared = rego.prepare(&app).expect("prepare");
    g.bench_function("microgov_typical_prepared_rego_only", |b| {
        b.iter(|| black_box(rego.evaluate_prepared(black_box(&rego_prepared), &ctx).expect("decision")))
    });
    let (mut re, input, rules) = baseline(&engine, &app, &ctx);
    g.bench_function("regorus_interpreter_json_baseline", |b| {
        b.iter(|| {
            re.set_input_json(black_box(&input)).expect("input");
            for r in &rules {
                black_box(re.eval_rule(r.clone()).expect("eval"));
            }
        })
    });
    g.finish();

    let mut g = c.benchmark_group("throughput");
    for threads in [1usize, 2] {
        g.throughput(Throughput::Elements(threads as u64));
        g.bench_function(format!("{threads}_threads"), |b| {
            b.iter_custom(|iters| {
                let start = Instant::now();
                std::thread::scope(|s| {
                    for _ in 0..threads {
                        s.spawn(|| {
                            for _ in 0..iters {
                                black_box(engine.evaluate(&app, &ctx).expect("decision"));
                            }
                        });
                    }
                });
                start.elapsed()
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("egress");
    let egress_app = engine
        .parse_manifest(&std::fs::read_to_string(root().join("fixtures/runtime/egress-app.yaml")).expect("app"))
        .expect("manifest");
    let guard = engine.egress_guard(&egress_app);
    g.bench_function("guard_check_allowed", |b| {
        b.iter(|| black_box(guard.check(black_box("https://api.stripe.com/v1/charges"))))
    });
    g.bench_function("guard_check_metadata_ip", |b| {
        b.iter(|| black_box(guard.check(black_box("https://0xa9fea9fe/latest/"))))
    });
    g.bench_function("check_egress_unprepared", |b| {
        b.iter(|| black_box(engine.check_egress(&egress_app, black_box("https://api.stripe.com/v1/charges"))))
    });
    g.finish();

    let mut g = c.benchmark_group("engine");
    g.sample_size(20);
    g.bench_function("new_with_all_bundles", |b| b.iter(|| black_box(Engine::new().expect("engine"))));
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(5)).warm_up_time(Duration::from_secs(1));
    targets = bench
}
criterion_main!(benches);
