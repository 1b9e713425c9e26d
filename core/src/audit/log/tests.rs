//! The log end to end: reopen, the writer lock, torn tails, tampering, rotation, failed syncs, threads.

use super::*;
use crate::audit::checkpoint::split_notes;
use crate::audit::verify::segment_paths;
use crate::audit::{verify, Event, Record, SigningKey, TamperKind, VerifyStatus};
use chrono::{TimeZone, Utc};
use std::fs::OpenOptions;
use std::io::Write;
use std::time::Duration;

pub(crate) struct TempDir(pub PathBuf);

impl TempDir {
    pub(crate) fn new(tag: &str) -> TempDir {
        let p =
            std::env::temp_dir().join(format!("microgov-audit-{tag}-{}-{}", std::process::id(), uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn ev(i: u64) -> Event {
    Event::new("policy.evaluate")
        .tenant("acme")
        .app(format!("app-{i}"))
        .outcome("allow")
        .at(Utc.with_ymd_and_hms(2026, 11, 26, 10, 0, 0).unwrap())
}

fn key() -> SigningKey {
    SigningKey::from_seed("test-key", [5; 32]).unwrap()
}

#[test]
fn append_reopen_continue() {
    let d = TempDir::new("reopen");
    let path = d.0.join("audit.jsonl");
    let log = AuditLog::open(&path, AuditOptions::new().log_id("t/log")).unwrap();
    assert!(log.recovery().unwrap().created);
    for i in 0..5 {
        assert_eq!(log.append(&ev(i)).unwrap().seq, i);
    }
    log.close().unwrap();
    assert_eq!(log.append(&ev(9)).unwrap_err().code(), "audit.closed");
    let log = AuditLog::open(&path, AuditOptions::new()).unwrap();
    assert_eq!(log.recovery().unwrap().records, 5);
    assert_eq!(log.append(&ev(5)).unwrap().seq, 5);
    drop(log);
    let r = verify(path.as_path(), None, None).unwrap();
    assert_eq!(r.status, VerifyStatus::Intact);
    assert_eq!(r.records, 6);
    let err = AuditLog::open(&path, AuditOptions::new().log_id("t/other")).unwrap_err();
    assert_eq!(err.code(), "audit.log_id_mismatch");
}

#[test]
fn one_writer_at_a_time() {
    let d = TempDir::new("locked");
    let path = d.0.join("audit.jsonl");
    let first = AuditLog::open(&path, AuditOptions::new()).unwrap();
    first.append(&ev(0)).unwrap();
    let err = AuditLog::open(&path, AuditOptions::new()).unwrap_err();
    assert_eq!(err.code(), "audit.locked");
    assert!(err.to_string().contains("audit.jsonl.lock"), "{err}");
    // The refused open changed nothing: the first writer goes on.
    assert_eq!(first.append(&ev(1)).unwrap().seq, 1);
    first.close().unwrap();
    let second = AuditLog::open(&path, AuditOptions::new()).unwrap();
    assert_eq!(second.append(&ev(2)).unwrap().seq, 2);
    drop(second);
    let third = AuditLog::open(&path, AuditOptions::new()).unwrap();
    assert_eq!(third.recovery().unwrap().records, 3);
    drop(third);
    assert_eq!(verify(path.as_path(), None, None).unwrap().status, VerifyStatus::Intact);
}

#[test]
fn torn_tail_is_cut_and_chain_continues() {
    let d = TempDir::new("torn");
    let path = d.0.join("audit.jsonl");
    let log = AuditLog::open(&path, AuditOptions::new().log_id("t/log")).unwrap();
    for i in 0..3 {
        log.append(&ev(i)).unwrap();
    }
    drop(log);
    let good_len = std::fs::metadata(&path).unwrap().len();
    let mut f = OpenOptions::new().append(true).open(&path).unwrap();
    f.write_all(b"{\"action\":\"policy.eval").unwrap();
    drop(f);
    assert_eq!(verify(path.as_path(), None, None).unwrap().tamper().unwrap().kind, TamperKind::TornLine);
    let log = AuditLog::open(&path, AuditOptions::new()).unwrap();
    let rec = log.recovery().unwrap();
    assert_eq!(rec.torn_tail, Some(TornTail { file: path.clone(), offset: good_len, bytes: 22 }));
    assert_eq!(log.append(&ev(3)).unwrap().seq, 3);
    drop(log);
    assert_eq!(verify(path.as_path(), None, None).unwrap().status, VerifyStatus::Intact);
}

#[test]
fn tampered_log_refuses_to_open() {
    let d = TempDir::new("tampered");
    let path = d.0.join("audit.jsonl");
    let log = AuditLog::open(&path, AuditOptions::new().log_id("t/log")).unwrap();
    for i in 0..4 {
        log.append(&ev(i)).unwrap();
    }
    drop(log);
    let text = std::fs::read_to_string(&path).unwrap().replacen("app-1", "app-X", 1);
    std::fs::write(&path, text).unwrap();
    match AuditLog::open(&path, AuditOptions::new()) {
        Err(AuditError::Tampered { kind, seq, .. }) => {
            assert_eq!((kind, seq), ("edited_record", Some(1)));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn rotation_checkpoints_and_proofs() {
    let d = TempDir::new("rotate");
    let path = d.0.join("audit.jsonl");
    let opts = AuditOptions::new()
        .log_id("t/log")
        .rotate_bytes(1000)
        .signing_key(key())
        .checkpoint_every(Some(7))
        .checkpoint_interval(None);
    let log = AuditLog::open(&path, opts.clone()).unwrap();
    for i in 0..30 {
        log.append(&ev(i)).unwrap();
    }
    let cp = log.checkpoint().unwrap();
    assert_eq!(cp.size, 30);
    let note = log.latest_note().unwrap().unwrap();
    assert_eq!(Checkpoint::open(&note, Some(&key().verifier())).unwrap(), cp);
    let proof = log.prove(12).unwrap();
    crate::audit::merkle::verify_inclusion(&log.record_hash(12).unwrap(), &proof, &cp.root).unwrap();
    let c = log.consistency(7, 30).unwrap();
    crate::audit::merkle::verify_consistency(&log.root_at(7).unwrap(), &cp.root, &c).unwrap();
    for i in 30..33 {
        log.append(&ev(i)).unwrap();
    }
    log.close().unwrap();
    assert!(segment_paths(&path).unwrap().len() >= 3);
    let checkpoints = std::fs::read_to_string(log.checkpoints_path()).unwrap();
    let (notes, _) = split_notes(&checkpoints).unwrap();
    assert_eq!(
        notes.iter().map(|n| Checkpoint::open(n, None).unwrap().size).collect::<Vec<_>>(),
        vec![7, 14, 21, 28, 30, 33]
    );
    let vkey = key().verifier().to_vkey();
    let r = verify(path.as_path(), Some(&checkpoints), Some(&vkey)).unwrap();
    assert_eq!(r.status, VerifyStatus::Intact, "{r:?}");
    assert_eq!(r.records, 33);
    // Records of a rotated segment parse; the chain continues across files.
    let first_active = std::fs::read_to_string(&path).unwrap();
    if let Some(line) = first_active.lines().next() {
        let rec = Record::from_line(line).unwrap();
        assert!(rec.seq > 0);
        assert_ne!(rec.prev, Hash::ZERO);
    }
    // Reopen: the chain, segment numbering and checkpoints continue.
    let log = AuditLog::open(&path, opts).unwrap();
    assert_eq!(log.recovery().unwrap().checkpoints, 6);
    assert_eq!(log.append(&ev(33)).unwrap().seq, 33);
    log.close().unwrap();
    let checkpoints = std::fs::read_to_string(log.checkpoints_path()).unwrap();
    assert!(verify(path.as_path(), Some(&checkpoints), Some(&vkey)).unwrap().is_ok());
    // Deleting records after a checkpoint is caught on open.
    std::fs::write(&path, "").unwrap();
    assert_eq!(AuditLog::open(&path, AuditOptions::new()).unwrap_err().code(), "audit.tampered");
}

#[test]
fn crash_between_rotation_steps() {
    let d = TempDir::new("midrotate");
    let path = d.0.join("audit.jsonl");
    let log = AuditLog::open(&path, AuditOptions::new().log_id("t/log").rotate_bytes(600)).unwrap();
    for i in 0..6 {
        log.append(&ev(i)).unwrap();
    }
    drop(log);
    // The active file was renamed to the next segment, and the new one never created.
    let next = segment_paths(&path).unwrap().len() + 1;
    std::fs::rename(&path, with_suffix(&path, &format!(".{next}"))).unwrap();
    let r = verify(path.as_path(), None, None).unwrap();
    assert_eq!((r.status, r.records), (VerifyStatus::Intact, 6));
    let log = AuditLog::open(&path, AuditOptions::new()).unwrap();
    assert_eq!(log.append(&ev(6)).unwrap().seq, 6);
    drop(log);
    let r = verify(path.as_path(), None, None).unwrap();
    assert_eq!((r.status, r.records), (VerifyStatus::Intact, 7));
}

#[test]
fn shareable_between_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<AuditLog>();
    send_sync::<crate::audit::Chain>();
    send_sync::<AuditError>();
}

#[test]
fn a_failed_sync_is_fatal_and_never_retried() {
    let d = TempDir::new("failsync");
    let path = d.0.join("audit.jsonl");
    let log = AuditLog::open(&path, AuditOptions::new().log_id("t/log")).unwrap();
    log.append(&ev(0)).unwrap();
    log.file().unwrap().shared.fail_next_sync.store(true, std::sync::atomic::Ordering::SeqCst);
    let err = log.append(&ev(1)).unwrap_err();
    assert_eq!(err.code(), "audit.io");
    assert!(err.to_string().contains("fdatasync"), "{err}");
    // Every later call fails, even though the next sync would succeed.
    for e in [
        log.append(&ev(2)).unwrap_err(),
        log.submit(&ev(3)).unwrap_err(),
        log.flush().unwrap_err(),
        log.checkpoint().unwrap_err(),
        log.close().unwrap_err(),
    ] {
        assert_eq!(e.code(), "audit.failed", "{e}");
        assert!(e.to_string().contains("injected fdatasync failure"), "{e}");
    }
    assert_eq!(log.durable_count().unwrap(), 1);
    // What reached the file is still a valid log; reopening continues after it.
    drop(log);
    let log = AuditLog::open(&path, AuditOptions::new()).unwrap();
    assert!(log.record_count().unwrap() >= 1);
}

#[test]
fn signing_key_can_change() {
    let d = TempDir::new("rekey");
    let path = d.0.join("audit.jsonl");
    let opts = AuditOptions::new().log_id("t/log").signing_key(key());
    let log = AuditLog::open(&path, opts).unwrap();
    log.append(&ev(0)).unwrap();
    log.close().unwrap();
    let new_key = SigningKey::from_seed("test-key-2", [6; 32]).unwrap();
    let log = AuditLog::open(&path, AuditOptions::new().signing_key(new_key.clone())).unwrap();
    log.append(&ev(1)).unwrap();
    log.close().unwrap();
    // A forged signature by the configured key is still refused.
    let notes = std::fs::read_to_string(log.checkpoints_path()).unwrap();
    let i = notes.rfind("test-key-2 ").unwrap() + 11;
    let mut forged = notes.clone();
    forged.replace_range(i + 8..i + 12, "AAAA");
    std::fs::write(log.checkpoints_path(), forged).unwrap();
    let err = AuditLog::open(&path, AuditOptions::new().signing_key(new_key)).unwrap_err();
    assert!(matches!(err, AuditError::Tampered { kind: "bad_signature", .. }), "{err}");
}

#[test]
fn many_threads_one_order() {
    for policy in [SyncPolicy::EveryRecord, SyncPolicy::Interval(Duration::from_millis(2)), SyncPolicy::OnFlush] {
        let d = TempDir::new("threads");
        let path = d.0.join("audit.jsonl");
        let log = Arc::new(AuditLog::open(&path, AuditOptions::new().sync(policy).log_id("t/log")).unwrap());
        let handles: Vec<_> = (0..4)
            .map(|t| {
                let log = Arc::clone(&log);
                std::thread::spawn(move || {
                    (0..50).map(|i| log.append(&ev(t * 100 + i)).unwrap().seq).collect::<Vec<_>>()
                })
            })
            .collect();
        let mut seqs: Vec<u64> = handles.into_iter().flat_map(|h| h.join().unwrap()).collect();
        seqs.sort_unstable();
        assert_eq!(seqs, (0..200).collect::<Vec<_>>());
        if policy != SyncPolicy::OnFlush {
            assert_eq!(log.durable_count().unwrap(), 200);
        }
        log.flush().unwrap();
        let r = verify(path.as_path(), None, None).unwrap();
        assert_eq!((r.status, r.records), (VerifyStatus::Intact, 200));
    }
}

#[test]
fn submit_then_wait() {
    let d = TempDir::new("submit");
    let path = d.0.join("audit.jsonl");
    let log = AuditLog::open(&path, AuditOptions::new().sync(SyncPolicy::Interval(Duration::from_millis(5)))).unwrap();
    let receipts: Vec<_> = (0..100).map(|i| log.submit(&ev(i)).unwrap()).collect();
    log.wait_durable(99).unwrap();
    assert_eq!(log.durable_count().unwrap(), 100);
    // The background thread makes submitted records durable without a waiter.
    log.submit(&ev(100)).unwrap();
    let start = Instant::now();
    while log.durable_count().unwrap() < 101 && start.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(log.durable_count().unwrap(), 101);
    assert_eq!(log.wait_durable(500).unwrap_err().code(), "audit.out_of_range");
    let b = log.append_batch(&[ev(1), ev(2)]).unwrap();
    assert_eq!((b[0].seq, b[1].seq), (101, 102));
    assert_eq!(receipts[5].hash, log.record_hash(5).unwrap());
    assert_eq!(log.append(&Event::new("nope")).unwrap_err().code(), "audit.bad_event");
    assert_eq!(log.record_count().unwrap(), 103);
}

/// A signing key on a log that stays empty signs nothing: no empty `.checkpoints` file is left
/// behind, and the next open with records writes one as usual.
#[test]
fn no_empty_checkpoints_file_without_a_checkpoint() {
    let d = TempDir::new("nocp");
    let path = d.0.join("audit.jsonl");
    let log = AuditLog::open(&path, AuditOptions::new().log_id("t/log").signing_key(key())).unwrap();
    log.checkpoint().unwrap();
    assert_eq!(log.latest_note().unwrap(), None);
    log.close().unwrap();
    assert!(!log.checkpoints_path().exists());
    let log = AuditLog::open(&path, AuditOptions::new().signing_key(key())).unwrap();
    log.append(&ev(0)).unwrap();
    log.close().unwrap();
    let checkpoints = std::fs::read_to_string(log.checkpoints_path()).unwrap();
    assert_eq!(split_notes(&checkpoints).unwrap().0.len(), 1);
}
