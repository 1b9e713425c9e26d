//! Crash test of the durable audit log: a child process appends from several threads and
//! prints every acknowledged record; it is killed with SIGKILL at a random moment (also
//! during open, repair, rotation or a checkpoint write). After each kill the log must open
//! (a torn last line is repaired), verify against its own signed checkpoints, and contain
//! every acknowledged record with the acknowledged hash. 200 kills, over 40 logs that each
//! survive 5 crashes in a row, alternating the sync policies.
//!
//! The child is this test binary itself, running `crash_child` with an environment variable.

// Test helpers outside #[test] functions may panic too: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use microgov::audit::{verify, AuditLog, AuditOptions, Event, Hash, SigningKey, SyncPolicy};

const CHILD_ENV: &str = "MICROGOV_AUDIT_CRASH_CHILD";
const POLICY_ENV: &str = "MICROGOV_AUDIT_CRASH_POLICY";
const KILLS: u64 = 200;
const CRASHES_PER_LOG: u64 = 5;

fn key() -> SigningKey {
    SigningKey::from_seed("microgov-test-ONLY", [9; 32]).unwrap()
}

fn options(policy: &str) -> AuditOptions {
    let sync = match policy {
        "interval" => SyncPolicy::Interval(Duration::from_millis(2)),
        _ => SyncPolicy::EveryRecord,
    };
    AuditOptions::new()
        .log_id("microgov.test/crash")
        .sync(sync)
        .rotate_bytes(16 * 1024)
        .signing_key(key())
        .checkpoint_every(Some(10))
        .checkpoint_interval(Some(Duration::from_millis(5)))
}

/// The child: append from three threads until killed, printing `ACK <seq> <hash>` for every
/// record `append` acknowledged.
#[test]
fn crash_child() {
    let Some(dir) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    let policy = std::env::var(POLICY_ENV).unwrap_or_default();
    let path = PathBuf::from(dir).join("audit.jsonl");
    let log = match AuditLog::open(&path, options(&policy)) {
        Ok(log) => Arc::new(log),
        Err(e) => {
            println!("OPEN_ERROR {e}");
            std::process::exit(3);
        }
    };
    let threads: Vec<_> = (0..3)
        .map(|t| {
            let log = Arc::clone(&log);
            std::thread::spawn(move || {
                for i in 0..100_000u64 {
                    let e = Event::new("data.export")
                        .tenant("acme")
                        .app(format!("app-{t}"))
                        .principal(format!("agent-{t}"), "agent")
                        .outcome("success")
                        .attr("i", i)
                        .attr("padding", "x".repeat((i % 200) as usize));
                    match log.append(&e) {
                        Ok(r) => println!("ACK {} {}", r.seq, r.hash),
                        Err(e) => {
                            println!("APPEND_ERROR {e}");
                            return;
                        }
                    }
                }
            })
        })
        .collect();
    for t in threads {
        let _ = t.join();
    }
    // Never reached in the test (the parent kills first); keep the process alive if it is.
    std::thread::sleep(Duration::from_secs(60));
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

fn run_child(exe: &Path, dir: &Path, policy: &str, kill_after: Duration) -> Vec<(u64, Hash)> {
    let mut child = Command::new(exe)
        .args(["crash_child", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, dir)
        .env(POLICY_ENV, policy)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let reader =
        std::thread::spawn(move || BufReader::new(stdout).lines().map_while(Result::ok).collect::<Vec<String>>());
    std::thread::sleep(kill_after);
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();
    let lines = reader.join().unwrap();
    if let Some(err) = lines.iter().find(|l| l.starts_with("OPEN_ERROR") || l.starts_with("APPEND_ERROR")) {
        panic!("child failed: {err}");
    }
    lines
        .iter()
        .filter_map(|l| l.strip_prefix("ACK "))
        .map(|l| {
            let (seq, hash) = l.split_once(' ').unwrap();
            (seq.parse().unwrap(), Hash::from_hex(hash).unwrap())
        })
        .collect()
}

#[test]
fn sigkill_never_loses_acknowledged_records() {
    let exe = std::env::current_exe().unwrap();
    let seed = std::env::var("MICROGOV_CRASH_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos() as u64 | 1);
    let mut rng = Rng(seed);
    let root = std::env::temp_dir().join(format!("microgov-audit-crash-{}-{seed}", std::process::id()));
    let vkey = key().verifier().to_vkey();
    let started = Instant::now();
    let (mut acked_total, mut repaired, mut records_total) = (0usize, 0usize, 0u64);
    for kill in 0..KILLS {
        let group = kill / CRASHES_PER_LOG;
        let dir = root.join(format!("log-{group}"));
        std::fs::create_dir_all(&dir).unwrap();
        let policy = if group.is_multiple_of(2) { "every" } else { "interval" };
        let kill_after = Duration::from_micros(rng.next() % 40_000);
        let acked = run_child(&exe, &dir, policy, kill_after);
        acked_total += acked.len();

        let path = dir.join("audit.jsonl");
        // SIGKILL cannot split a small write(2), but power loss or a full disk can: every
        // fourth kill, also leave the head of an unwritten record (or checkpoint) behind.
        let torn = match rng.next() % 8 {
            0 => Some((path.clone(), "{\"action\":\"data.export\",\"app_id\":\"ap")),
            1 => Some((dir.join("audit.jsonl.checkpoints"), "microgov.test/crash\n12\nq83")),
            _ => None,
        };
        if let Some((file, tail)) = &torn {
            if file.exists() {
                let mut f = std::fs::OpenOptions::new().append(true).open(file).unwrap();
                std::io::Write::write_all(&mut f, tail.as_bytes()).unwrap();
            }
        }
        let ctx = format!("seed {seed}, kill {kill}, policy {policy}, after {kill_after:?}, torn {torn:?}");
        let log = AuditLog::open(&path, options(policy)).unwrap_or_else(|e| panic!("{ctx}: open failed: {e}"));
        let recovery = log.recovery().unwrap();
        if recovery.torn_tail.is_some() || recovery.torn_checkpoint_bytes > 0 {
            repaired += 1;
        }
        let count = log.record_count().unwrap();
        for (seq, hash) in &acked {
            assert!(*seq < count, "{ctx}: acknowledged record {seq} lost (log has {count})");
            assert_eq!(log.record_hash(*seq).unwrap(), *hash, "{ctx}: record {seq} differs from its receipt");
        }
        log.close().unwrap();
        let checkpoints = std::fs::read_to_string(log.checkpoints_path()).unwrap_or_default();
        let cp = (!checkpoints.is_empty()).then_some(checkpoints.as_str());
        let report = verify(path.as_path(), cp, cp.map(|_| vkey.as_str())).unwrap();
        assert!(report.is_ok(), "{ctx}: {report:?}");
        assert_eq!(report.records, count, "{ctx}");
        if kill % CRASHES_PER_LOG == CRASHES_PER_LOG - 1 {
            records_total += count;
        }
    }
    eprintln!(
        "{KILLS} kills in {:?}: {acked_total} acknowledged appends, {records_total} records in {} logs, {repaired} torn tails repaired (seed {seed})",
        started.elapsed(),
        KILLS / CRASHES_PER_LOG
    );
    assert!(acked_total > 0, "no child got to append anything: the kill delays are too short");
    let _ = std::fs::remove_dir_all(&root);
}
