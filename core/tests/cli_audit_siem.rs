//! `microgov audit export`, `prove --consistency`, `check-consistency`, `cosign` and
//! `verify --witness-key`: exit codes, output and refusals, on the audit vectors.
//!
//! Needs the binary: `cargo test --features cli` (CI: `--all-features`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/audit").canonicalize().unwrap()
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_microgov"))
        .args(args)
        .current_dir(vectors())
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn temp_dir(tag: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let d = std::env::temp_dir().join(format!(
        "microgov-cli-siem-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn prove_consistency_matches_the_proof_vectors() {
    let proofs: Value = serde_json::from_str(&std::fs::read_to_string(vectors().join("proofs.json")).unwrap()).unwrap();
    let log = proofs["log"].as_str().unwrap();
    let cases = proofs["consistency"].as_array().unwrap();
    assert!(cases.len() > 10);
    for c in cases {
        let (old, new) = (c["old_size"].to_string(), c["new_size"].to_string());
        let o = run(&["audit", "prove", "--consistency", &old, &new, log]);
        assert_eq!(code(&o), 0, "{}", err(&o));
        let got: Value = serde_json::from_slice(&o.stdout).unwrap();
        for key in ["old_size", "new_size", "old_root", "new_root", "hashes"] {
            assert_eq!(got[key], c[key], "{old}..{new}: {key}");
        }
    }
    let text = run(&["audit", "prove", "--consistency", "3", "7", log, "--format", "text"]);
    assert!(out(&text).starts_with("consistency of 3 and 7 record(s) (log microgov.example/audit-vectors)"));
    assert!(out(&text).contains("proof (4 hash(es)):"), "{}", out(&text));
    assert_eq!(code(&run(&["audit", "prove", "--consistency", "7", "3", log])), 2);
    assert_eq!(code(&run(&["audit", "prove", "--consistency", "3", "11", log])), 2);
    assert_eq!(code(&run(&["audit", "prove", "--consistency", "1", "3", "edited_record.jsonl"])), 1);
    // SEQ and --consistency exclude each other; one of them is needed.
    assert_eq!(code(&run(&["audit", "prove", log, "1", "--consistency", "1", "3"])), 2);
    assert_eq!(code(&run(&["audit", "prove", log])), 2);
}

#[test]
fn check_consistency_of_two_checkpoints() {
    let dir = temp_dir("consistency");
    let proof = dir.join("proof.json");
    let o = run(&["audit", "prove", "--consistency", "8", "10", "good.jsonl"]);
    std::fs::write(&proof, &o.stdout).unwrap();
    let ok = run(&[
        "audit",
        "check-consistency",
        "good-8.checkpoint",
        "good.checkpoint",
        "--proof",
        p(&proof),
        "--public-key",
        "test-key.vkey",
    ]);
    assert_eq!(code(&ok), 0, "{}{}", out(&ok), err(&ok));
    assert!(out(&ok).starts_with("consistent: the tree of 10 record(s) extends the tree of 8"), "{}", out(&ok));
    let from_log = run(&["audit", "check-consistency", "good-8.checkpoint", "good.checkpoint", "--log", "good.jsonl"]);
    assert_eq!(code(&from_log), 0, "{}", err(&from_log));
    // forged.checkpoint claims size 9 with the root of 10: no proof leads to it.
    let forged = run(&[
        "audit",
        "check-consistency",
        "good-8.checkpoint",
        "forged.checkpoint",
        "--log",
        "good.jsonl",
        "-f",
        "json",
    ]);
    assert_eq!(code(&forged), 1, "{}", err(&forged));
    let v: Value = serde_json::from_slice(&forged.stdout).unwrap();
    assert_eq!(v["consistent"], false);
    // The proof is for other sizes.
    let wrong = run(&["audit", "check-consistency", "good-8.checkpoint", "good-8.checkpoint", "--proof", p(&proof)]);
    assert_eq!(code(&wrong), 1);
    assert!(out(&wrong).contains("the proof is between sizes 8 and 10"), "{}", out(&wrong));
    // Older first; a wrong key; no proof at all.
    assert_eq!(
        code(&run(&["audit", "check-consistency", "good.checkpoint", "good-8.checkpoint", "--log", "good.jsonl"])),
        2
    );
    let bad_key = run(&[
        "audit",
        "check-consistency",
        "good-8.checkpoint",
        "good.checkpoint",
        "--proof",
        p(&proof),
        "--public-key",
        "other-key.vkey",
    ]);
    assert_eq!(code(&bad_key), 2);
    assert!(err(&bad_key).contains("audit.bad_signature"), "{}", err(&bad_key));
    assert_eq!(code(&run(&["audit", "check-consistency", "good-8.checkpoint", "good.checkpoint"])), 2);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn export_writes_each_format_and_stops_at_tampering() {
    let dir = temp_dir("export");
    let jsonl = run(&["audit", "export", "good.jsonl"]);
    assert_eq!(code(&jsonl), 0, "{}", err(&jsonl));
    assert_eq!(jsonl.stdout, std::fs::read(vectors().join("good.jsonl")).unwrap());
    let ocsf = run(&["audit", "export", "good.jsonl", "--format", "ocsf", "--raw-data"]);
    assert_eq!(code(&ocsf), 0, "{}", err(&ocsf));
    let events: Vec<Value> = out(&ocsf).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(events.len(), 10);
    assert_eq!(events[1]["class_uid"], 2003);
    assert!(events[1]["raw_data"].is_string());
    let file = dir.join("out.otlp.jsonl");
    let otlp = run(&["audit", "export", "good.jsonl", "-f", "otlp", "-o", p(&file)]);
    assert_eq!(code(&otlp), 0, "{}", err(&otlp));
    assert!(
        err(&otlp).starts_with("exported 10 record(s) of log microgov.example/audit-vectors to "),
        "{}",
        err(&otlp)
    );
    let req: Value = serde_json::from_str(std::fs::read_to_string(&file).unwrap().lines().next().unwrap()).unwrap();
    assert_eq!(req["resourceLogs"][0]["scopeLogs"][0]["logRecords"].as_array().unwrap().len(), 10);
    let tampered = run(&["audit", "export", "edited_record.jsonl", "-f", "ocsf"]);
    assert_eq!(code(&tampered), 1);
    assert!(err(&tampered).contains("at seq 4 (edited_record)"), "{}", err(&tampered));
    assert_eq!(out(&tampered).lines().count(), 4);
    assert_eq!(code(&run(&["audit", "export", "no-such.jsonl"])), 2);
    assert_eq!(code(&run(&["audit", "export", "good.jsonl", "-f", "csv"])), 2);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn witnesses_cosign_and_verify_requires_k_of_n() {
    let dir = temp_dir("witness");
    let key = |n: &str| dir.join(n);
    for w in ["w1", "w2", "w3"] {
        let o = run(&["keygen", &format!("witness.example/{w}"), "--witness", "-o", p(&key(w))]);
        assert_eq!(code(&o), 0, "{}", err(&o));
        let vkey = std::fs::read_to_string(dir.join(format!("{w}.pub"))).unwrap();
        // Signature type 0x04: the base64 key material starts with "B".
        assert!(vkey.splitn(3, '+').nth(2).unwrap().starts_with('B'), "{vkey}");
    }
    let proof = dir.join("proof.json");
    std::fs::write(&proof, run(&["audit", "prove", "--consistency", "8", "10", "good.jsonl"]).stdout).unwrap();
    let one = dir.join("one.checkpoint");
    let o = run(&[
        "audit",
        "cosign",
        "good.checkpoint",
        "--key",
        p(&key("w1")),
        "--public-key",
        "test-key.vkey",
        "--previous",
        "good-8.checkpoint",
        "--proof",
        p(&proof),
        "--time",
        "1796600000",
        "-o",
        p(&one),
    ]);
    assert_eq!(code(&o), 0, "{}", err(&o));
    let two = dir.join("two.checkpoint");
    let o = run(&[
        "audit",
        "cosign",
        p(&one),
        "--key",
        p(&key("w2")),
        "--public-key",
        "test-key.vkey",
        "--log",
        "good.jsonl",
    ]);
    assert_eq!(code(&o), 0, "{}", err(&o));
    std::fs::write(&two, &o.stdout).unwrap();
    let pubs: Vec<String> = ["w1", "w2", "w3"].iter().map(|w| p(&dir.join(format!("{w}.pub"))).to_string()).collect();
    let verify = |cp: &Path, k: Option<&str>| {
        let mut args = vec!["audit", "verify", "good.jsonl", "--checkpoint", p(cp), "--public-key", "test-key.vkey"];
        for pk in &pubs {
            args.extend(["--witness-key", pk.as_str()]);
        }
        if let Some(k) = k {
            args.extend(["--witnesses", k]);
        }
        run(&args)
    };
    let two_of_three = verify(&two, Some("2"));
    assert_eq!(code(&two_of_three), 0, "{}", out(&two_of_three));
    assert!(out(&two_of_three)
        .contains("witnessed: checkpoint of 10 record(s) cosigned by 2 of 3 witness(es) (2 required)"));
    let all = verify(&two, None);
    assert_eq!(code(&all), 1);
    assert!(out(&all).contains("NOT WITNESSED: checkpoint cosigned by 2 of the 3 witness(es), 3 required; missing: witness.example/w3 (no cosignature)"), "{}", out(&all));
    let json = verify(&one, Some("2"));
    assert_eq!(code(&json), 1);
    let json = {
        let mut args: Vec<&str> = vec!["audit", "verify", "good.jsonl", "--checkpoint", p(&one), "-f", "json"];
        for pk in &pubs {
            args.extend(["--witness-key", pk.as_str()]);
        }
        args.extend(["--witnesses", "1"]);
        run(&args)
    };
    assert_eq!(code(&json), 0, "{}", err(&json));
    let v: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["witnesses"]["ok"], true);
    assert_eq!(v["witnesses"]["cosignatures"][0]["time"], 1_796_600_000u64);
    // Usage: --witnesses needs --witness-key; K beyond N.
    assert_eq!(
        code(&run(&["audit", "verify", "good.jsonl", "--checkpoint", "good.checkpoint", "--witnesses", "1"])),
        2
    );
    assert_eq!(code(&verify(&two, Some("4"))), 2);
    // A witness refuses: the log's signature is by another key; the checkpoint does not extend
    // the previous one; the log does not hash to the root.
    let w3 = key("w3");
    let refuse = |args: &[&str]| {
        let mut all = vec!["audit", "cosign"];
        all.extend_from_slice(args);
        all.extend(["--key", p(&w3)]);
        run(&all)
    };
    let o = refuse(&["good.checkpoint", "--public-key", "other-key.vkey"]);
    assert_eq!(code(&o), 1, "{}", err(&o));
    assert!(err(&o).contains("not cosigned"), "{}", err(&o));
    let o = refuse(&["good-8.checkpoint", "--public-key", "test-key.vkey", "--previous", "good.checkpoint"]);
    assert_eq!(code(&o), 1);
    let o = refuse(&["forged.checkpoint", "--public-key", "test-key.vkey", "--log", "good.jsonl"]);
    assert!(code(&o) == 1 || code(&o) == 2, "{}", err(&o));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn new_audit_commands_have_help_with_examples() {
    for cmd in ["export", "check-consistency", "cosign", "prove"] {
        let o = run(&["audit", cmd, "--help"]);
        assert_eq!(code(&o), 0);
        assert!(out(&o).contains("Examples:") && out(&o).contains("Exit status:"), "{cmd}: {}", out(&o));
    }
}
