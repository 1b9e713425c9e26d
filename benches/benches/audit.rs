//! Audit log throughput: the in-memory chain (canonicalize + hash + Merkle), the durable file
//! under group commit, per-record fsync, verification from a file, and SIEM export (OCSF,
//! OTLP) from a file.
//!
//! `cargo bench -p microgov-benches --bench audit`. File figures depend on the disk's
//! `fdatasync` latency; throughput is reported as records per second ("elem/s").

use std::hint::black_box;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use microgov::audit::{export, verify, AuditLog, AuditOptions, Chain, Event, ExportFormat, ExportOptions, SyncPolicy};

/// A typical record: a policy decision about an app, about 400 bytes once canonical. The log
/// stamps the time, as in production.
fn event(i: u64) -> Event {
    Event::new("policy.evaluate")
        .tenant("acme")
        .app("expense-approver")
        .principal("jane.doe@acme.example", "user")
        .outcome("deny")
        .request(format!("req-{i:08}"))
        .decision("0193e7a2-8b1c-7d4e-9f00-00000000abcd")
        .attr("tier", "high")
        .attr("risk_score", 70)
}

struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let p = std::env::temp_dir().join(format!("microgov-bench-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn chain_append(c: &mut Criterion) {
    let mut probe = Chain::new("bench/audit").unwrap();
    let len = probe.append(&event(0)).unwrap().1.len();
    eprintln!("record line: {len} bytes");
    let mut g = c.benchmark_group("audit");
    g.throughput(Throughput::Elements(1));
    g.bench_function("chain_append_400B", |b| {
        // A fresh chain every 100,000 records keeps the tree's memory bounded.
        b.iter_custom(|iters| {
            let events: Vec<Event> = (0..1000).map(event).collect();
            let mut chain = Chain::new("bench/audit").unwrap();
            let start = Instant::now();
            for i in 0..iters {
                if i % 100_000 == 0 && i > 0 {
                    chain = Chain::new("bench/audit").unwrap();
                }
                black_box(chain.append(&events[(i % 1000) as usize]).unwrap());
            }
            start.elapsed()
        })
    });
    g.finish();
}

/// `threads` threads each append `per_thread` records with blocking `append`.
fn blocking_appends(log: &Arc<AuditLog>, threads: u64, per_thread: u64) -> Duration {
    let start = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let log = Arc::clone(log);
            std::thread::spawn(move || {
                for i in 0..per_thread {
                    log.append(&event(t * 1_000_000 + i)).unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    start.elapsed()
}

/// `threads` threads each keep up to `window` records in flight (`submit`, then
/// `wait_durable` on the oldest): every record counted is acknowledged as durable.
fn pipelined_appends(log: &Arc<AuditLog>, threads: u64, per_thread: u64, window: u64) -> Duration {
    let start = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let log = Arc::clone(log);
            std::thread::spawn(move || {
                let mut in_flight = std::collections::VecDeque::new();
                for i in 0..per_thread {
                    in_flight.push_back(log.submit(&event(t * 1_000_000 + i)).unwrap().seq);
                    if in_flight.len() as u64 >= window {
                        let seq = in_flight.pop_front().unwrap();
                        log.wait_durable(seq).unwrap();
                    }
                }
                if let Some(last) = in_flight.back() {
                    log.wait_durable(*last).unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    start.elapsed()
}

fn file_append(c: &mut Criterion) {
    let mut g = c.benchmark_group("audit_file");
    g.sample_size(10).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(8));
    g.throughput(Throughput::Elements(1));

    let cases: [(&str, SyncPolicy, u64, Option<u64>); 5] = [
        ("interval_10ms_256_threads_blocking", SyncPolicy::Interval(Duration::from_millis(10)), 256, None),
        ("interval_10ms_4_threads_pipelined", SyncPolicy::Interval(Duration::from_millis(10)), 4, Some(1024)),
        ("every_record_1_thread", SyncPolicy::EveryRecord, 1, None),
        ("every_record_16_threads", SyncPolicy::EveryRecord, 16, None),
        ("every_record_4_threads_pipelined", SyncPolicy::EveryRecord, 4, Some(256)),
    ];
    for (name, policy, threads, window) in cases {
        let dir = TempDir::new(name);
        let log = Arc::new(AuditLog::open(dir.0.join("audit.jsonl"), AuditOptions::new().sync(policy)).unwrap());
        g.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let per_thread = iters.div_ceil(threads).max(1);
                match window {
                    None => blocking_appends(&log, threads, per_thread),
                    Some(w) => pipelined_appends(&log, threads, per_thread, w),
                }
                .mul_f64(iters as f64 / (per_thread * threads) as f64)
            })
        });
        log.close().unwrap();
    }
    g.finish();
}

fn verify_file(c: &mut Criterion) {
    const N: u64 = 200_000;
    let dir = TempDir::new("verify");
    let path = dir.0.join("audit.jsonl");
    let mut chain = Chain::new("bench/audit").unwrap();
    let mut text = String::new();
    for i in 0..N {
        text.push_str(chain.append(&event(i)).unwrap().1);
        text.push('\n');
    }
    std::fs::write(&path, &text).unwrap();
    let mut g = c.benchmark_group("audit");
    g.sample_size(10).throughput(Throughput::Elements(N));
    g.bench_function("verify_file_200k", |b| {
        b.iter(|| {
            let r = verify(path.as_path(), None, None).unwrap();
            assert_eq!(r.records, N);
            black_box(r)
        })
    });
    g.finish();
}

/// A policy decision as `Event::from_decision` records it (about 700 bytes): what most of a
/// busy log holds, and the largest OCSF event (a Compliance Finding with its checks).
fn decision_event(i: u64) -> Event {
    let violation = |rule: &str, severity: &str| serde_json::json!({"path": "/spec/connectors/0", "policy": "residency", "rule": rule, "severity": severity});
    Event::new("policy.evaluate")
        .tenant("acme")
        .app("expense-approver")
        .resource("app", "expense-approver")
        .principal("ci-pipeline", "service")
        .outcome("deny")
        .request(format!("req-{i:08}"))
        .decision(format!("0193e7a2-8b1c-7d4e-9f00-{i:012}"))
        .attr("tier", "high")
        .attr("risk_score", 70)
        .attr("input_digest", "sha256:9f2c61d0c8e5a4f1b2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5")
        .attr("evaluated_at", "2026-11-26T10:00:01Z")
        .attr("policy_revisions", serde_json::json!({"baseline": "1.0.0", "residency": "1.2.0"}))
        .attr(
            "violations",
            serde_json::json!([violation("cross_border_transfer", "high"), violation("no_byok", "medium")]),
        )
        .attr("waived", serde_json::json!([]))
        .attr("required_approvals", serde_json::json!(["security", "data-governance"]))
}

/// Export of 200,000 records to a sink that discards the bytes: reading, verifying the chain,
/// reading each record and writing its event. `*_200k`: half decisions with two violations,
/// waivers and approvals (about 900 bytes), half the typical 400-byte record; also the typical
/// record alone.
fn export_file(c: &mut Criterion) {
    const N: u64 = 200_000;
    let dir = TempDir::new("export");
    let path = dir.0.join("audit.jsonl");
    let mut chain = Chain::new("bench/audit").unwrap();
    let mut text = String::new();
    for i in 0..N {
        let e = if i % 2 == 0 { decision_event(i) } else { event(i) };
        text.push_str(chain.append(&e).unwrap().1);
        text.push('\n');
    }
    std::fs::write(&path, &text).unwrap();
    let mut probe = Vec::new();
    export(path.as_path(), &mut probe, &ExportOptions::new(ExportFormat::Ocsf)).unwrap();
    eprintln!("export: {} bytes of records -> {} bytes of OCSF", text.len(), probe.len());
    // The typical 400-byte record alone (the file `verify_file_200k` reads).
    let typical = dir.0.join("typical.jsonl");
    let mut chain = Chain::new("bench/audit").unwrap();
    let mut text = String::new();
    for i in 0..N {
        text.push_str(chain.append(&event(i)).unwrap().1);
        text.push('\n');
    }
    std::fs::write(&typical, &text).unwrap();
    let mut g = c.benchmark_group("audit_export");
    g.sample_size(10).throughput(Throughput::Elements(N));
    g.bench_function("ocsf_200k_typical_400B", |b| {
        b.iter(|| {
            let r = export(typical.as_path(), &mut std::io::sink(), &ExportOptions::new(ExportFormat::Ocsf)).unwrap();
            assert_eq!(r.records, N);
            black_box(r)
        })
    });
    for (name, format) in
        [("ocsf_200k", ExportFormat::Ocsf), ("otlp_200k", ExportFormat::Otlp), ("jsonl_200k", ExportFormat::Jsonl)]
    {
        g.bench_function(name, |b| {
            b.iter(|| {
                let r = export(path.as_path(), &mut std::io::sink(), &ExportOptions::new(format)).unwrap();
                assert_eq!(r.records, N);
                black_box(r)
            })
        });
    }
    g.finish();
}

criterion_group!(benches, chain_append, verify_file, export_file, file_append);
criterion_main!(benches);
