//! The views: one diagram of the typical manifest (target ≤ 2 ms, input document included)
//! and the HTML report of 1,000 apps (target ≤ 3 s and ≤ 10 MB; the size is printed).

use criterion::{criterion_group, criterion_main, Criterion};
use microgov::view::report::{AppView, Entry, Report};
use microgov::view::{Diagram, DiagramFormat};
use microgov::{Context, Engine};
use std::hint::black_box;

fn fixture(path: &str) -> String {
    std::fs::read_to_string(format!("{}/../fixtures/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap_or_default()
}

fn bench(c: &mut Criterion) {
    let Ok(engine) = Engine::new() else { return };
    let Ok(app) = engine.parse_manifest(&fixture("bench/typical.yaml")) else { return };
    let Ok(decision) = engine.evaluate(&app, &Context::default()) else { return };
    c.bench_function("view/diagram_typical_svg", |b| {
        b.iter(|| Diagram::of(&engine, black_box(&app), &decision).map(|d| d.render(DiagramFormat::Svg)))
    });
    c.bench_function("view/diagram_typical_mermaid", |b| {
        b.iter(|| Diagram::of(&engine, black_box(&app), &decision).map(|d| d.render(DiagramFormat::Mermaid)))
    });

    // 1,000 apps: the shipped fixtures over and over, renamed so each section is its own.
    let dir = format!("{}/../fixtures/apps", env!("CARGO_MANIFEST_DIR"));
    let mut texts: Vec<String> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "yaml"))
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .collect();
    texts.sort();
    let apps: Vec<_> = (0..1000)
        .filter_map(|i| {
            let t = texts.get(i % texts.len().max(1))?;
            let name = t.lines().find_map(|l| l.trim().strip_prefix("name: "))?.to_string();
            engine.parse_manifest(&t.replacen(&format!("name: {name}"), &format!("name: {name}-{i}"), 1)).ok()
        })
        .collect();
    let now = chrono::Utc::now();
    let ctx = Context::at(now);
    let mut size = 0;
    let mut group = c.benchmark_group("view");
    group.sample_size(10);
    group.bench_function("report_1000_apps", |b| {
        b.iter(|| {
            let entries: Vec<Entry> = apps
                .iter()
                .filter_map(|m| {
                    let d = engine.evaluate(m, &ctx).ok()?;
                    let view = AppView::of(&engine, m, d, now, chrono::Duration::days(14)).map_err(|e| e.to_string());
                    Some(Entry { file: m.metadata.name.clone(), app: view })
                })
                .collect();
            let report = Report {
                generated_at: now.to_rfc3339(),
                sources: vec!["bench".into()],
                window: "14d".into(),
                entries,
                audit: None,
            };
            let html = report.to_html();
            size = html.len();
            html
        })
    });
    group.finish();
    eprintln!("report of {} apps: {size} bytes", apps.len());
}

criterion_group!(benches, bench);
criterion_main!(benches);
