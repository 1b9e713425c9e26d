//! Export throughput by CPU time, for a shared machine where wall-clock benches are noisy:
//! exports the bench log (200,000 records, half decisions) PASSES times in FORMAT (`ocsf`,
//! `otlp`, `jsonl`, `ocsf-1` / `otlp-1` on one thread, or `verify` for the verifier alone) and prints records per second of
//! wall time and of this process's CPU time (utime + stime from /proc, 10 ms ticks).
//!
//! Run: `cargo run --release -p microgov-benches --example export_rate -- ocsf 5`

use microgov::audit::{export, verify, Chain, Event, ExportFormat, ExportOptions};
use std::time::Instant;

fn event(i: u64) -> Event {
    if i % 2 == 1 {
        return Event::new("policy.evaluate")
            .tenant("acme")
            .app("expense-approver")
            .principal("jane.doe@acme.example", "user")
            .outcome("deny")
            .request(format!("req-{i:08}"))
            .decision("0193e7a2-8b1c-7d4e-9f00-00000000abcd")
            .attr("tier", "high")
            .attr("risk_score", 70);
    }
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

fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = f.get(11).and_then(|u| u.parse::<f64>().ok()).unwrap_or(0.0)
        + f.get(12).and_then(|s| s.parse::<f64>().ok()).unwrap_or(0.0);
    ticks / 100.0
}

fn main() {
    let mut args = std::env::args().skip(1);
    let format = args.next().unwrap_or_else(|| "ocsf".into());
    let passes: u64 = args.next().and_then(|n| n.parse().ok()).unwrap_or(5);
    const N: u64 = 200_000;
    let path = std::env::temp_dir().join("microgov-export-rate.jsonl");
    if !path.exists() {
        let mut chain = Chain::new("bench/audit").expect("log id");
        let mut text = String::new();
        for i in 0..N {
            text.push_str(chain.append(&event(i)).expect("event").1);
            text.push('\n');
        }
        std::fs::write(&path, &text).expect("write the bench log");
    }
    let (wall, cpu) = (Instant::now(), cpu_seconds());
    for _ in 0..passes {
        let records = match format.as_str() {
            "verify" => verify(path.as_path(), None, None).expect("verify").records,
            f => {
                // `ocsf-1`, `otlp-1`: on one thread.
                let (name, one) = f.strip_suffix("-1").map_or((f, false), |n| (n, true));
                let options = ExportOptions::new(name.parse::<ExportFormat>().expect("format")).parallel(!one);
                export(path.as_path(), &mut std::io::sink(), &options).expect("export").records
            }
        };
        assert_eq!(records, N);
    }
    let (wall, cpu) = (wall.elapsed().as_secs_f64(), cpu_seconds() - cpu);
    let total = (N * passes) as f64;
    println!(
        "{format}: {:.0} records/s of wall time, {:.0} records/s of CPU time ({passes} passes of {N}; {:.2} s wall, {:.2} s CPU)",
        total / wall,
        total / cpu,
        wall,
        cpu
    );
}
