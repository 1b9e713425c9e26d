//! The PostgreSQL audit log against a local server: acknowledged appends per second with 1, 4
//! and 16 writer threads sharing one log handle (group commit: each round commits what every
//! waiting writer queued), and verification speed reading the chain back from the server.
//! Each append returns only after its transaction committed (`synchronous_commit` on).
//!
//! Run (a throwaway server on a free loopback port; release build):
//! `bash scripts/with-postgres.sh cargo run --release --all-features --example audit_postgres`.
//! `SECS` sets the seconds per writer count (default 5), `WRITERS` the counts (default
//! `1,4,16`), `VERIFY` the records of the verified log (default 200000); the server is
//! `MICROGOV_BENCH_POSTGRES` or else `MICROGOV_TEST_POSTGRES`.

use microgov::audit::{verify, AuditLog, AuditOptions, Event, SigningKey, VerifyStatus};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn event(t: usize, i: u64) -> Event {
    // About 400 bytes as a record, like the file log's benchmark.
    Event::new("policy.evaluate")
        .tenant("acme")
        .app(format!("expense-approver-{t}"))
        .principal("svc-gateway@acme.example", "service")
        .resource("app", format!("expense-approver-{t}"))
        .outcome("allow")
        .request(format!("req-{t}-{i}"))
        .decision(format!("0193a5f0-0000-7000-8000-{i:012}"))
        .attr("tier", "medium")
        .attr("risk_score", 42)
        .attr("input_digest", "sha256:9f2c1e7d4b3a5968a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4")
}

fn url(server: &str, name: &str) -> String {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let sep = if server.contains('?') { '&' } else { '?' };
    format!("{server}{sep}log=bench-{name}-{nanos}")
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = std::env::var("MICROGOV_BENCH_POSTGRES")
        .or_else(|_| std::env::var("MICROGOV_TEST_POSTGRES"))
        .map_err(|_| "set MICROGOV_BENCH_POSTGRES (or run under scripts/with-postgres.sh)")?;
    let secs: u64 = std::env::var("SECS").ok().and_then(|v| v.parse().ok()).unwrap_or(5);
    let counts: Vec<usize> = std::env::var("WRITERS")
        .unwrap_or_else(|_| "1,4,16".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let verify_n: u64 = std::env::var("VERIFY").ok().and_then(|v| v.parse().ok()).unwrap_or(200_000);

    for &writers in &counts {
        let log_url = url(&server, &format!("w{writers}"));
        let key = SigningKey::generate("bench")?;
        let log = Arc::new(AuditLog::open(&log_url, AuditOptions::new().signing_key(key))?);
        let stop = Arc::new(AtomicBool::new(false));
        let acked = Arc::new(AtomicU64::new(0));
        let started = Instant::now();
        let handles: Vec<_> = (0..writers)
            .map(|t| {
                let (log, stop, acked) = (Arc::clone(&log), Arc::clone(&stop), Arc::clone(&acked));
                std::thread::spawn(move || -> Result<(), microgov::audit::AuditError> {
                    let mut i = 0;
                    while !stop.load(Ordering::Relaxed) {
                        log.append(&event(t, i))?;
                        acked.fetch_add(1, Ordering::Relaxed);
                        i += 1;
                    }
                    Ok(())
                })
            })
            .collect();
        std::thread::sleep(Duration::from_secs(secs));
        stop.store(true, Ordering::Relaxed);
        for h in handles {
            h.join().map_err(|_| "writer panicked")??;
        }
        let elapsed = started.elapsed().as_secs_f64();
        let n = acked.load(Ordering::Relaxed);
        log.close()?;
        println!(
            "append  {writers:>2} writer(s): {:>8.0} acknowledged appends/s ({n} in {elapsed:.1} s)",
            n as f64 / elapsed
        );
    }

    // A log of VERIFY records, appended in large batches, then verified from the server.
    let log_url = url(&server, "verify");
    let log = AuditLog::open(&log_url, AuditOptions::new())?;
    let mut i = 0;
    while i < verify_n {
        let batch: Vec<Event> = (i..(i + 5000).min(verify_n)).map(|j| event(0, j)).collect();
        log.append_batch(&batch)?;
        i += batch.len() as u64;
    }
    log.close()?;
    for round in 1..=3 {
        let started = Instant::now();
        let report = verify(log_url.as_str(), None, None)?;
        let elapsed = started.elapsed().as_secs_f64();
        if report.status != VerifyStatus::Intact || report.records != verify_n {
            return Err(format!("verify: {report:?}").into());
        }
        println!("verify  round {round}: {:>8.0} records/s ({verify_n} in {elapsed:.2} s)", verify_n as f64 / elapsed);
    }
    Ok(())
}
