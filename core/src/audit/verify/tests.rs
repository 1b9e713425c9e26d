//! Intact logs, every tamper kind, and checkpoints signed and not.

use super::*;
use super::{verify, LogSource, VerifyReport, VerifyStatus};
use crate::audit::{Chain, Event, SigningKey};
use chrono::{TimeZone, Utc};

fn log(n: usize) -> (Vec<String>, Chain) {
    let mut chain = Chain::new("test/log").unwrap();
    let mut lines = Vec::new();
    for i in 0..n {
        let e = Event::new("policy.evaluate")
            .app(format!("app-{i}"))
            .outcome("allow")
            .at(Utc.with_ymd_and_hms(2026, 11, 26, 10, 0, i as u32).unwrap());
        let (_, l) = chain.append(&e).unwrap();
        lines.push(l.to_string());
    }
    (lines, chain)
}

fn text(lines: &[String]) -> String {
    lines.iter().map(|l| format!("{l}\n")).collect()
}

fn run(t: &str, cp: Option<&str>, key: Option<&str>) -> VerifyReport {
    verify(LogSource::Reader(Box::new(t.as_bytes())), cp, key).unwrap()
}

fn verdict(r: &VerifyReport) -> (Option<&'static str>, Option<u64>) {
    match &r.status {
        VerifyStatus::Tampered(t) => (Some(t.kind.code()), t.seq),
        _ => (None, None),
    }
}

#[test]
fn intact_and_unattested() {
    let (lines, chain) = log(10);
    let r = run(&text(&lines), None, None);
    assert_eq!(r.status, VerifyStatus::Intact);
    assert_eq!(r.records, 10);
    assert_eq!(r.root, chain.root());
    assert_eq!(r.last_hash, Some(chain.last_hash()));
    let key = SigningKey::from_seed("test-key", [1; 32]).unwrap();
    let cp =
        Checkpoint { origin: "test/log".into(), size: 8, root: chain.tree().root_at(8).unwrap(), extensions: vec![] };
    let note = cp.sign(&key);
    let vkey = key.verifier().to_vkey();
    let r = run(&text(&lines), Some(&note), Some(&vkey));
    assert_eq!(r.status, VerifyStatus::Unattested { checkpoint_size: 8, unattested: 2 });
    assert!(r.signature_verified);
    let r = run(&text(&lines[..8]), Some(&note), Some(&vkey));
    assert_eq!(r.status, VerifyStatus::Intact);
    assert_eq!(verdict(&run(&text(&lines[..6]), Some(&note), Some(&vkey))), (Some("truncated"), Some(6)));
    assert_eq!(run("", None, None).status, VerifyStatus::Intact);
}

#[test]
fn tamper_kinds() {
    let (lines, _) = log(10);
    let mut edited = lines.clone();
    edited[4] = edited[4].replace("\"allow\"", "\"deny\"");
    assert_eq!(verdict(&run(&text(&edited), None, None)), (Some("edited_record"), Some(4)));

    let mut deleted = lines.clone();
    deleted.remove(5);
    assert_eq!(verdict(&run(&text(&deleted), None, None)), (Some("deleted_record"), Some(5)));

    let mut swapped = lines.clone();
    swapped.swap(3, 4);
    assert_eq!(verdict(&run(&text(&swapped), None, None)), (Some("reordered"), Some(3)));

    let mut repeated = lines.clone();
    repeated.insert(6, lines[2].clone());
    assert_eq!(verdict(&run(&text(&repeated), None, None)), (Some("reordered"), Some(6)));

    let mut bad_prev = lines.clone();
    let p = lines[6].find("\"prev\":\"").unwrap() + 8;
    bad_prev[6] = format!("{}{}{}", &lines[6][..p], "f".repeat(64), &lines[6][p + 64..]);
    assert_eq!(verdict(&run(&text(&bad_prev), None, None)), (Some("bad_prev"), Some(6)));

    let mut noncanon = lines.clone();
    noncanon[2] = noncanon[2].replacen(",", ", ", 1);
    assert_eq!(verdict(&run(&text(&noncanon), None, None)), (Some("non_canonical"), Some(2)));

    let mut dup = lines.clone();
    dup[3] = dup[3].replacen("{", "{\"action\":\"x.y\",", 1);
    assert_eq!(verdict(&run(&text(&dup), None, None)), (Some("duplicate_key"), Some(3)));

    let torn = text(&lines);
    assert_eq!(verdict(&run(&torn[..torn.len() - 20], None, None)), (Some("torn_line"), Some(9)));

    let mut garbage = lines.clone();
    garbage[1] = "not json".into();
    assert_eq!(verdict(&run(&text(&garbage), None, None)), (Some("bad_json"), Some(1)));

    let mut other_log = lines.clone();
    other_log[7] = other_log[7].replace("test/log", "test/other");
    assert_eq!(verdict(&run(&text(&other_log), None, None)), (Some("log_id_mismatch"), Some(7)));
}

#[test]
fn rewritten_history_needs_a_checkpoint() {
    let (lines, chain) = log(10);
    let key = SigningKey::from_seed("test-key", [1; 32]).unwrap();
    let cp = Checkpoint { origin: "test/log".into(), size: 10, root: chain.root(), extensions: vec![] }.sign(&key);
    // Rewrite record 2 and recompute every later hash: the chain alone is fine.
    let mut forged = Chain::new("test/log").unwrap();
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let mut e = crate::audit::Record::from_line(l).unwrap().to_event();
        if i == 2 {
            e.outcome = Some("deny".into());
        }
        let (_, line) = forged.append(&e).unwrap();
        out.push(line.to_string());
    }
    assert_eq!(run(&text(&out), None, None).status, VerifyStatus::Intact);
    let vkey = key.verifier().to_vkey();
    assert_eq!(verdict(&run(&text(&out), Some(&cp), Some(&vkey))), (Some("root_mismatch"), None));
    // Editing only the last record is also caught by the checkpoint alone.
    let mut last = lines.clone();
    last[9] = last[9].replace("\"allow\"", "\"deny\"");
    assert_eq!(run(&text(&last), None, None).status, VerifyStatus::Intact);
    assert_eq!(verdict(&run(&text(&last), Some(&cp), Some(&vkey))), (Some("root_mismatch"), None));
    // A checkpoint signed by someone else.
    let other = SigningKey::from_seed("test-key", [2; 32]).unwrap().verifier().to_vkey();
    assert_eq!(verdict(&run(&text(&lines), Some(&cp), Some(&other))), (Some("bad_signature"), None));
    assert_eq!(
        verify(LogSource::Reader(Box::new(&b""[..])), None, Some(&vkey)).unwrap_err().code(),
        "audit.invalid_argument"
    );
}
