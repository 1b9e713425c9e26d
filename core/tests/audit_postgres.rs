//! The PostgreSQL audit log against a real server (`MICROGOV_TEST_POSTGRES`, a URL of a
//! database the tests may create tables in; `scripts/with-postgres.sh` starts one and sets it,
//! as CI does). Without the variable every test fails, unless `MICROGOV_SKIP_POSTGRES=1` says
//! to skip them (local runs only): a missing server never passes silently.
//!
//! The writers are processes of the `microgov` command line (`audit append --stream` prints
//! each receipt once its transaction committed), so what is tested is what a platform runs:
//! - 8 writer processes × 2,000 events → one chain of 16,000 that verifies;
//! - writers killed with SIGKILL at random, 50 times → every acknowledged record is there
//!   with its acknowledged hash, the chain verifies, nothing half-written;
//! - an edited, a deleted and two swapped rows are found, naming the first bad seq;
//! - the export is the file format's bytes: the file verifier and `fixtures/audit/verify.py`
//!   check it.
//!
//! Each test uses log ids of its own (`<test>-<pid>-<time>`), so runs share one database.

// Test helpers outside #[test] functions may panic too: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use microgov::audit::{read_checkpoints, verify, AuditLog, AuditOptions, Event, SigningKey, TamperKind, VerifyStatus};

/// The server's URL, or `None` when skipping is asked for explicitly.
fn server() -> Option<String> {
    match std::env::var("MICROGOV_TEST_POSTGRES") {
        Ok(url) if !url.is_empty() => Some(url),
        _ if std::env::var("MICROGOV_SKIP_POSTGRES").as_deref() == Ok("1") => {
            eprintln!("skipped: MICROGOV_SKIP_POSTGRES=1 and no MICROGOV_TEST_POSTGRES");
            None
        }
        _ => panic!(
            "MICROGOV_TEST_POSTGRES is not set: run the tests under `bash scripts/with-postgres.sh` (CI does), \
             or set MICROGOV_SKIP_POSTGRES=1 to skip the PostgreSQL tests locally"
        ),
    }
}

/// A fresh log id, and the URL naming it.
fn fresh_log(server: &str, name: &str) -> (String, String) {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos();
    let id = format!("{name}-{}-{nanos}", std::process::id());
    let sep = if server.contains('?') { '&' } else { '?' };
    (id.clone(), format!("{server}{sep}log={id}"))
}

fn sql(server: &str) -> postgres::Client {
    postgres::Client::connect(server, postgres::NoTls).unwrap()
}

fn key(name: &str) -> SigningKey {
    SigningKey::from_seed(name, [7; 32]).unwrap()
}

fn ev(writer: usize, i: usize) -> Event {
    Event::new("policy.evaluate")
        .tenant("acme")
        .app(format!("app-{writer}"))
        .principal(format!("svc-{writer}"), "service")
        .outcome("allow")
        .attr("i", i as i64)
}

fn cli() -> Command {
    Command::new(env!("CARGO_BIN_EXE_microgov"))
}

/// Starts `microgov audit append URL --stream --batch 20 --format json`: the lines waiting
/// share transactions, 20 at most, so the 8 writers' rounds interleave hundreds of times.
fn writer(url: &str, events: Vec<Event>) -> (Child, std::thread::JoinHandle<()>) {
    let mut child = cli()
        .args(["audit", "append", url, "--stream", "--batch", "20", "--format", "json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let feed = std::thread::spawn(move || {
        for e in events {
            let line = serde_json::to_string(&e).unwrap();
            // A killed writer closes the pipe: stop feeding.
            if writeln!(stdin, "{line}").is_err() {
                return;
            }
        }
    });
    (child, feed)
}

/// The receipts a writer printed: seq → hash.
fn receipts(child: &mut Child) -> Vec<(u64, String)> {
    let out = BufReader::new(child.stdout.take().unwrap());
    let mut got = Vec::new();
    for line in out.lines() {
        let Ok(line) = line else { break };
        // A writer killed mid-line prints a torn receipt: that one was never acknowledged.
        let Ok(v) = serde_json::from_str::<serde_json::Value>(&line) else { continue };
        got.push((v["seq"].as_u64().unwrap(), v["hash"].as_str().unwrap().to_string()));
    }
    got
}

/// Every record hash of the log, by seq, read back through the library.
fn stored_hashes(url: &str) -> Vec<String> {
    let mut hashes = Vec::new();
    microgov::audit::for_each_line(url, |line| {
        hashes.push(microgov::audit::leaf_hash(line).to_hex());
        Ok(())
    })
    .unwrap();
    hashes
}

#[test]
fn eight_writer_processes_append_one_chain_of_16000() {
    let Some(server) = server() else { return };
    let (log_id, url) = fresh_log(&server, "concurrent");
    const WRITERS: usize = 8;
    const EACH: usize = 2000;
    let started = Instant::now();
    let children: Vec<_> = (0..WRITERS).map(|w| writer(&url, (0..EACH).map(|i| ev(w, i)).collect())).collect();
    let mut acked: HashMap<u64, String> = HashMap::new();
    for (mut child, feed) in children {
        let got = receipts(&mut child);
        let mut err = String::new();
        std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
        assert!(child.wait().unwrap().success(), "{err}");
        feed.join().unwrap();
        assert_eq!(got.len(), EACH);
        // One writer's records keep its order in the chain.
        assert!(got.windows(2).all(|w| w[0].0 < w[1].0), "a writer's seqs increase");
        for (seq, hash) in got {
            assert!(acked.insert(seq, hash).is_none(), "seq {seq} acknowledged twice: a fork");
        }
    }
    let elapsed = started.elapsed();
    let total = (WRITERS * EACH) as u64;
    assert_eq!(acked.len() as u64, total);
    let report = verify(url.as_str(), None, None).unwrap();
    assert_eq!(report.status, VerifyStatus::Intact, "{report:?}");
    assert_eq!(report.records, total);
    assert_eq!(report.log_id.as_deref(), Some(log_id.as_str()));
    let hashes = stored_hashes(&url);
    for (seq, hash) in &acked {
        assert_eq!(&hashes[*seq as usize], hash, "seq {seq}");
    }
    eprintln!("{total} records by {WRITERS} processes in {elapsed:.2?}");
}

#[test]
fn writers_killed_at_random_lose_no_acknowledged_record() {
    let Some(server) = server() else { return };
    let (_, url) = fresh_log(&server, "killed");
    const KILLS: usize = 50;
    const AT_ONCE: usize = 5;
    let mut seed = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_nanos() as u64 | 1;
    eprintln!("seed {seed}");
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut acked: HashMap<u64, String> = HashMap::new();
    for round in 0..KILLS / AT_ONCE {
        let children: Vec<_> =
            (0..AT_ONCE).map(|w| writer(&url, (0..100_000).map(|i| ev(round * AT_ONCE + w, i)).collect())).collect();
        // Each writer is killed at its own random moment: during connect, schema setup, or mid-append.
        let delays: Vec<u64> = (0..AT_ONCE).map(|_| 5 + next() % 150).collect();
        let started = Instant::now();
        let mut order: Vec<usize> = (0..AT_ONCE).collect();
        order.sort_by_key(|&i| delays[i]);
        let mut children: Vec<Option<(Child, std::thread::JoinHandle<()>)>> = children.into_iter().map(Some).collect();
        let mut results = Vec::new();
        for i in order {
            let wait = Duration::from_millis(delays[i]).saturating_sub(started.elapsed());
            std::thread::sleep(wait);
            let (mut child, feed) = children[i].take().unwrap();
            child.kill().unwrap(); // SIGKILL
            results.push((child, feed));
        }
        for (mut child, feed) in results {
            let got = receipts(&mut child);
            let _ = child.wait();
            feed.join().unwrap();
            for (seq, hash) in got {
                assert!(acked.insert(seq, hash).is_none(), "seq {seq} acknowledged twice");
            }
        }
    }
    let report = verify(url.as_str(), None, None).unwrap();
    assert_eq!(report.status, VerifyStatus::Intact, "{report:?}");
    let hashes = stored_hashes(&url);
    assert_eq!(hashes.len() as u64, report.records);
    for (seq, hash) in &acked {
        assert!((*seq as usize) < hashes.len(), "acknowledged seq {seq} is missing");
        assert_eq!(&hashes[*seq as usize], hash, "seq {seq} holds another record than was acknowledged");
    }
    // The log is still appendable after all those deaths.
    let log = AuditLog::open(&url, AuditOptions::new()).unwrap();
    assert_eq!(log.append(&ev(0, 0)).unwrap().seq, report.records);
    eprintln!("{KILLS} kills, {} acknowledged, {} stored", acked.len(), report.records);
}

/// A log of 10 records, with rows changed by `tamper` (SQL over `$LOG`), verified.
fn tampered(server: &str, name: &str, tamper: &str) -> (String, microgov::audit::VerifyReport) {
    let (log_id, url) = fresh_log(server, name);
    let log = AuditLog::open(&url, AuditOptions::new()).unwrap();
    log.append_batch(&(0..10).map(|i| ev(0, i)).collect::<Vec<_>>()).unwrap();
    log.close().unwrap();
    assert!(verify(url.as_str(), None, None).unwrap().is_ok());
    let mut c = sql(server);
    c.batch_execute(&tamper.replace("$LOG", &format!("'{log_id}'"))).unwrap();
    (url.clone(), verify(url.as_str(), None, None).unwrap())
}

fn finding(report: &microgov::audit::VerifyReport) -> (TamperKind, Option<u64>) {
    let t = report.tamper().unwrap_or_else(|| panic!("not tampered: {report:?}"));
    (t.kind, t.seq)
}

#[test]
fn an_edited_row_is_found_with_its_seq() {
    let Some(server) = server() else { return };
    let edit = "UPDATE microgov_audit_records SET line = convert_to(replace(convert_from(line, 'UTF8'), \
                '\"outcome\":\"allow\"', '\"outcome\":\"deny\"'), 'UTF8') WHERE log_id = $LOG AND seq = 4";
    let (url, report) = tampered(&server, "edited", edit);
    assert_eq!(finding(&report), (TamperKind::EditedRecord, Some(4)));
    assert_eq!(report.records, 5, "records 0..=4 pass; record 5 shows that 4 changed");
    // The command line names it too, and exits 1.
    let out = cli().args(["audit", "verify", &url]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("edited_record at seq 4"), "{text}");
    assert!(!text.contains("postgres:postgres@"), "no password in output");
}

#[test]
fn a_deleted_row_is_found_with_its_seq() {
    let Some(server) = server() else { return };
    let (_, report) =
        tampered(&server, "deleted", "DELETE FROM microgov_audit_records WHERE log_id = $LOG AND seq = 6");
    assert_eq!(finding(&report), (TamperKind::DeletedRecord, Some(6)));
}

#[test]
fn two_swapped_rows_are_found_with_the_first_seq() {
    let Some(server) = server() else { return };
    let swap = "UPDATE microgov_audit_records SET seq = -1 WHERE log_id = $LOG AND seq = 3; \
                UPDATE microgov_audit_records SET seq = 3 WHERE log_id = $LOG AND seq = 4; \
                UPDATE microgov_audit_records SET seq = 4 WHERE log_id = $LOG AND seq = -1";
    let (_, report) = tampered(&server, "swapped", swap);
    assert_eq!(finding(&report), (TamperKind::Reordered, Some(3)));
}

#[test]
fn a_log_whose_last_row_was_changed_refuses_appends() {
    let Some(server) = server() else { return };
    let edit = "UPDATE microgov_audit_records SET line = convert_to(replace(convert_from(line, 'UTF8'), \
                '\"outcome\":\"allow\"', '\"outcome\":\"deny\"'), 'UTF8') WHERE log_id = $LOG AND seq = 9";
    let (url, _) = tampered(&server, "lastedit", edit);
    let err = AuditLog::open(&url, AuditOptions::new()).unwrap_err();
    assert_eq!(err.code(), "audit.tampered", "{err}");
    assert!(err.to_string().contains("seq 9"), "{err}");
}

#[test]
fn threads_of_one_process_share_transactions_and_checkpoints_are_signed() {
    let Some(server) = server() else { return };
    let (log_id, url) = fresh_log(&server, "threads");
    let k = key(&log_id);
    let opts = AuditOptions::new().signing_key(k.clone()).checkpoint_every(Some(500));
    let log = Arc::new(AuditLog::open(&url, opts.clone()).unwrap());
    assert!(log.recovery().unwrap().created);
    let threads: Vec<_> = (0..16)
        .map(|t| {
            let log = Arc::clone(&log);
            std::thread::spawn(move || (0..200).map(|i| log.append(&ev(t, i)).unwrap().seq).collect::<Vec<_>>())
        })
        .collect();
    let mut seqs: Vec<u64> = threads.into_iter().flat_map(|t| t.join().unwrap()).collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (0..3200).collect::<Vec<_>>());
    // Proofs from the stored hashes match the file log's algorithms.
    let proof = log.prove(1234).unwrap();
    let root = log.root_at(3200).unwrap();
    microgov::audit::merkle::verify_inclusion(&log.record_hash(1234).unwrap(), &proof, &root).unwrap();
    let cp = log.checkpoint().unwrap();
    assert_eq!((cp.size, cp.root), (3200, root));
    log.close().unwrap();
    // Every 500 records and at the end, signed by the key: verify against all of them.
    let vkey = k.verifier();
    let notes = read_checkpoints(&url, Some(&vkey)).unwrap().unwrap();
    assert!(notes.matches("\n\u{2014} ").count() >= 7, "every 500 records, then checkpoint and close: {notes}");
    let report = verify(url.as_str(), Some(&notes), Some(&vkey.to_vkey())).unwrap();
    assert_eq!(report.status, VerifyStatus::Intact);
    assert!(report.signature_verified);
    // A second handle continues the chain.
    let again = AuditLog::open(&url, opts).unwrap();
    assert_eq!(again.recovery().unwrap().records, 3200);
    assert_eq!(again.append(&ev(0, 0)).unwrap().seq, 3200);
}

#[test]
fn the_export_is_the_file_format_byte_for_byte() {
    let Some(server) = server() else { return };
    let (log_id, url) = fresh_log(&server, "export");
    let k = key(&log_id);
    let log = AuditLog::open(&url, AuditOptions::new().signing_key(k.clone())).unwrap();
    let events: Vec<Event> = (0..50).map(|i| ev(1, i).attr("note", "caf\u{e9} \"quoted\" \\ \u{1f600}")).collect();
    log.append_batch(&events).unwrap();
    log.close().unwrap();

    // The same events in a file log give the same bytes (same times fixed by the records).
    let dir = std::env::temp_dir().join(format!("microgov-pg-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("export.jsonl");
    let st = cli().args(["audit", "export", &url, "-o"]).arg(&out).status().unwrap();
    assert!(st.success());
    let bytes = std::fs::read(&out).unwrap();
    let records: Vec<Event> = bytes
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| microgov::audit::Record::from_line(std::str::from_utf8(l).unwrap()).unwrap().to_event())
        .collect();
    let file_log_path = dir.join("file.jsonl");
    let file_log = AuditLog::open(&file_log_path, AuditOptions::new().log_id(log_id.clone())).unwrap();
    file_log.append_batch(&records).unwrap();
    file_log.close().unwrap();
    assert_eq!(std::fs::read(&file_log_path).unwrap(), bytes, "the file log writes the same bytes");

    // Checkpoints beside it: the file verifier and the independent Python verifier accept it.
    let vkey_path = dir.join("key.pub");
    std::fs::write(&vkey_path, k.verifier().to_vkey()).unwrap();
    let cps = PathBuf::from(format!("{}.checkpoints", out.display()));
    let report =
        verify(out.as_path(), Some(&std::fs::read_to_string(&cps).unwrap()), Some(&k.verifier().to_vkey())).unwrap();
    assert_eq!((report.status, report.records), (VerifyStatus::Intact, 50));
    let py = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/audit/verify.py");
    let run = Command::new("python3")
        .arg(&py)
        .arg(&out)
        .arg("--checkpoint")
        .arg(&cps)
        .arg("--public-key")
        .arg(&vkey_path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success() && text.contains("\"intact\""), "{text} {}", String::from_utf8_lossy(&run.stderr));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn store_errors_have_stable_codes() {
    let Some(server) = server() else { return };
    // Nothing listens on port 1 of the loopback.
    let err = AuditLog::open("postgres://nobody@127.0.0.1:1/microgov?log=x&connect_timeout=2", AuditOptions::new())
        .unwrap_err();
    assert_eq!(err.code(), "audit.store_unavailable", "{err}");
    let err = verify("postgres://nobody:secret@127.0.0.1:1/microgov?log=x", None, None).unwrap_err();
    assert_eq!(err.code(), "audit.store_unavailable");
    assert!(!err.to_string().contains("secret"), "{err}");
    let err = AuditLog::open(server.as_str(), AuditOptions::new()).unwrap_err();
    assert_eq!(err.code(), "audit.invalid_argument", "a URL without ?log=: {err}");
    let (_, url) = fresh_log(&server, "mismatch");
    let err = AuditLog::open(&url, AuditOptions::new().log_id("other")).unwrap_err();
    assert_eq!(err.code(), "audit.log_id_mismatch");
    // A record for a seq that exists already is a conflict, never a fork.
    let log = AuditLog::open(&url, AuditOptions::new()).unwrap();
    log.append(&ev(0, 0)).unwrap();
    let mut c = sql(&server);
    let stale = "UPDATE microgov_audit_logs SET size = 0, last_hash = decode(repeat('00', 32), 'hex'), \
                 frontier = ''::bytea WHERE log_id = $1";
    c.execute(stale, &[&url.rsplit('=').next().unwrap()]).unwrap();
    let err = log.append(&ev(0, 1)).unwrap_err();
    assert_eq!(err.code(), "audit.store_conflict", "{err}");
}

#[test]
fn siem_export_and_consistency_proofs_read_a_database_log() {
    let Some(server) = server() else { return };
    let (_, url) = fresh_log(&server, "siem");
    let log = AuditLog::open(&url, AuditOptions::new()).unwrap();
    let events: Vec<Event> = (0..20).map(|i| ev(1, i)).collect();
    log.append_batch(&events).unwrap();
    log.close().unwrap();

    let ocsf = cli().args(["audit", "export", &url, "--format", "ocsf", "--raw-data"]).output().unwrap();
    assert!(ocsf.status.success(), "{}", String::from_utf8_lossy(&ocsf.stderr));
    let lines: Vec<serde_json::Value> = ocsf
        .stdout
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| serde_json::from_slice(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 20);
    assert!(lines[0]["raw_data"].is_string());
    let otlp = cli().args(["audit", "export", &url, "-f", "otlp"]).output().unwrap();
    assert!(otlp.status.success(), "{}", String::from_utf8_lossy(&otlp.stderr));
    let req: serde_json::Value = serde_json::from_slice(otlp.stdout.split(|b| *b == b'\n').next().unwrap()).unwrap();
    assert_eq!(req["resourceLogs"][0]["scopeLogs"][0]["logRecords"].as_array().unwrap().len(), 20);

    let proof = cli().args(["audit", "prove", "--consistency", "5", "20", &url, "--format", "json"]).output().unwrap();
    assert!(proof.status.success(), "{}", String::from_utf8_lossy(&proof.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&proof.stdout).unwrap();
    assert_eq!((doc["old_size"].as_u64(), doc["new_size"].as_u64()), (Some(5), Some(20)));
}
